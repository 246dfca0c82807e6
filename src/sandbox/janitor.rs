//! Cleaning up after the runtime peers from a process that survives the run. runc and
//! crun create a cgroup per container (named by the container id, `sealbench-<worker
//! pid>-<n>`) and remove it when the container is deleted; killed mid-`run` by their
//! death signal (the run interrupted, even by SIGKILL), they leave it behind, outside the
//! run's namespace, and possibly a `runc init` inside it. The janitor is forked before
//! the run with no death signal, ignoring SIGINT, SIGTERM and SIGHUP; it waits until the
//! caller exits or lets go of it, then kills what is left in those cgroups and removes
//! them, and exits.

use rustix::fd::{AsFd, OwnedFd};
use rustix::process::Pid;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The janitor, seen from the caller: letting go of it starts the cleanup.
pub struct Janitor {
    pid: Pid,
    lifeline: Option<OwnedFd>,
}

impl Janitor {
    /// Fork the janitor for the run whose worker is `worker`. The caller must be
    /// single-threaded (it is, around the worker's fork), so the child may allocate.
    pub fn start(worker: Pid) -> Option<Janitor> {
        let (r, w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).ok()?;
        // SAFETY: fork(2) of a single-threaded process; the child runs ordinary code and
        // leaves by _exit.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return None;
        }
        if pid == 0 {
            drop(w);
            // SAFETY: _exit after the janitor's work, skipping the parent's atexit state.
            unsafe { libc::_exit(run(worker, r)) }
        }
        drop(r);
        Some(Janitor {
            // SAFETY: fork returned a positive pid.
            pid: unsafe { Pid::from_raw_unchecked(pid) },
            lifeline: Some(w),
        })
    }

    /// The run is over: let the janitor clean up, and wait until it has.
    pub fn finish(mut self) {
        self.lifeline.take();
        let _ = rustix::process::waitpid(Some(self.pid), rustix::process::WaitOptions::empty());
    }
}

impl Drop for Janitor {
    fn drop(&mut self) {
        if self.lifeline.take().is_some() {
            let _ = rustix::process::waitpid(Some(self.pid), rustix::process::WaitOptions::empty());
        }
    }
}

fn run(worker: Pid, lifeline: OwnedFd) -> i32 {
    for s in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: setting a signal to be ignored.
        unsafe { libc::signal(s, libc::SIG_IGN) };
    }
    // Hold nothing of the caller's: a pipe end kept open here would keep whoever reads
    // sealbench's output (or the worker's results) waiting.
    let keep = rustix::fd::AsRawFd::as_raw_fd(&lifeline.as_fd());
    strategies::sys::close_all_except(&mut [keep]);
    if let Ok(null) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        for fd in 0..3 {
            // SAFETY: dup2 onto the standard descriptors of this process.
            unsafe { libc::dup2(rustix::fd::AsRawFd::as_raw_fd(&null), fd) };
        }
    }
    let mut byte = [0u8; 1];
    // EOF: the caller exited (however it died) or let go.
    while let Err(rustix::io::Errno::INTR) = rustix::io::read(&lifeline, &mut byte) {}
    sweep(worker);
    0
}

/// The prefix of every container id (and cgroup) of the run whose worker is `worker`.
fn prefix(worker: Pid) -> String {
    format!("sealbench-{}-", worker.as_raw_nonzero().get())
}

/// [`prefix`] for the run this process is the worker of: what the janitor sweeps.
pub fn own_prefix() -> String {
    prefix(rustix::process::getpid())
}

/// Kill the run's runtime processes and empty and remove its cgroups, until the worker
/// is gone and nothing is left (within a bound: a stuck process must not keep the
/// janitor forever).
pub fn sweep(worker: Pid) {
    let prefix = prefix(worker);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut quiet_rounds = 0;
    while Instant::now() < deadline && quiet_rounds < 3 {
        let mut found = kill_runtimes(&prefix);
        for dir in cgroups(&prefix) {
            found = true;
            for pid in procs(&dir) {
                // A SCHED_IDLE process (memfd-pool's keeper) dies as an ordinary one.
                strategies::sys::schedule_ordinary(pid);
                // SAFETY: kill(2) of a process left in the run's own cgroup.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
            let _ = std::fs::remove_dir(&dir);
        }
        let worker_alive = Path::new(&format!("/proc/{}", worker.as_raw_nonzero().get())).exists()
            && !is_zombie(worker.as_raw_nonzero().get());
        quiet_rounds = if found || worker_alive {
            0
        } else {
            quiet_rounds + 1
        };
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rfind(')')
                .map(|i| s[i + 1..].trim_start().starts_with('Z'))
        })
        .unwrap_or(true)
}

/// Kill every runtime process working on one of the run's containers (its id is on its
/// command line); returns whether there was one.
fn kill_runtimes(prefix: &str) -> bool {
    let me = std::process::id() as i32;
    let mut found = false;
    for pid in std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|p| *p != me)
    {
        let Ok(cmd) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        if cmd
            .split(|b| *b == 0)
            .any(|a| a.starts_with(prefix.as_bytes()))
            && !is_zombie(pid)
        {
            // SAFETY: kill(2) of a runtime started for this run.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            found = true;
        }
    }
    found
}

/// The mount points of every cgroup hierarchy (v1 and v2) in this namespace.
fn hierarchies() -> Vec<PathBuf> {
    procfs::process::Process::myself()
        .and_then(|me| me.mountinfo())
        .map(|mounts| {
            mounts
                .into_iter()
                .filter(|m| m.fs_type == "cgroup" || m.fs_type == "cgroup2")
                .map(|m| m.mount_point)
                .collect()
        })
        .unwrap_or_default()
}

/// The run's cgroups, deepest first, anywhere a runtime may have put them (a few levels
/// down from each hierarchy's root), with everything below them: a runtime killed
/// mid-start leaves its container's cgroup under one of the run's (the memory-limit
/// sweep names a runtime's container `<prefix>…-rt/ctr`), and a cgroup with a child
/// cannot be removed.
pub fn cgroups(prefix: &str) -> Vec<PathBuf> {
    fn below(dir: &Path, depth: u32, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                if depth < 4 {
                    below(&e.path(), depth + 1, out);
                }
                out.push(e.path());
            }
        }
    }
    fn walk(dir: &Path, prefix: &str, depth: u32, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            if !e.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let path = e.path();
            // libcontainer names its cgroups `:youki:<id>`; runc and crun use the id.
            if e.file_name()
                .to_string_lossy()
                .trim_start_matches(":youki:")
                .starts_with(prefix)
            {
                below(&path, 0, out);
                out.push(path);
            } else if depth < 4 {
                walk(&path, prefix, depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    for h in hierarchies() {
        walk(&h, prefix, 0, &mut out);
    }
    out
}

/// The processes in a cgroup (v1 or v2), as its `cgroup.procs` lists them.
pub fn procs(cgroup: &Path) -> Vec<i32> {
    std::fs::read_to_string(cgroup.join("cgroup.procs"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}
