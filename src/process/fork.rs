//! A child that does real work between fork and exec: the memory-limit sweep's seal made
//! inside the container's memory cgroup, as runc 1.1's `runc init` made its copy after
//! joining it. The child must be a process of its own (not a thread, and not a
//! `CLONE_VM` child like [`super::spawn`]'s), so that what it allocates is charged to the
//! cgroup it joined and an OOM kill there kills it, never the run's worker.
//!
//! Safety with the worker's threads: a forked child inherits every lock in the state it
//! had at the fork, held by threads that do not exist in the child; sealing allocates,
//! so the child needs the allocator's locks free. [`ForkSafe::check`], just before each
//! fork, finds every thread of the process but the caller to be the `--run-timeout`
//! watchdog, which after its start never allocates or takes a lock (it sleeps, touches
//! atomics and calls kill(2)). The calling thread itself holds nothing while it forks.
//! So at the fork no lock of the process is held, and the child may allocate as a fork
//! of a single-threaded process may. A sweep with starter threads of its own (the
//! concurrency sweep) fails the check instead of forking.

use super::sys::fork_into;
use crate::error::{Error, Result};
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::io::Errno;
use rustix::process::Pid;
use strategies::ResultExt;

/// Proof that, when it was made, every other thread of this process was one that holds
/// no lock: a forked child may allocate. Made by [`ForkSafe::check`] on the thread that
/// forks, right before (only that thread starts threads in a run, and it is busy here).
pub struct ForkSafe(());

impl ForkSafe {
    pub fn check() -> Result<ForkSafe> {
        match others().into_iter().next() {
            None => Ok(ForkSafe(())),
            Some(thread) => Err(Error::failure(format!(
                "internal: thread {thread} is running: a child that seals cannot be forked \
                 safely beside it"
            ))),
        }
    }
}

/// The threads of this process other than the calling one and the watchdog, as
/// `tid (name)`: those a fork would copy in whatever state they were.
pub fn others() -> Vec<String> {
    let me = rustix::thread::gettid().as_raw_nonzero().get();
    let mut out = Vec::new();
    for task in std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
    {
        let Some(tid) = task
            .file_name()
            .to_str()
            .and_then(|t| t.parse::<i32>().ok())
        else {
            continue;
        };
        if tid == me {
            continue;
        }
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim_end() != super::watchdog::THREAD {
            out.push(format!("{tid} ({})", comm.trim_end()));
        }
    }
    out
}

/// Record tags on a forked child's report pipe.
const MILESTONE: u8 = b'S';
const FAILED: u8 = b'E';
/// The longest failure message a child sends.
const MAX_MESSAGE: usize = 2000;

/// The child's side of its report pipe.
pub struct Report<'a>(BorrowedFd<'a>);

impl Report<'_> {
    /// The child has done its work (sealed): whatever ends it from now on happened after.
    pub fn milestone(&self) {
        let _ = rustix::io::write(self.0, &[MILESTONE]);
    }

    fn fail(&self, message: &str) {
        let mut bytes = vec![FAILED];
        bytes.extend(message.bytes().take(MAX_MESSAGE));
        let _ = rustix::io::write(self.0, &bytes);
    }
}

/// Fork a child in new namespaces (`clone_flags`, `CLONE_NEW*` or 0) that runs `child`,
/// which execs, or returns why it could not. `child` must call [`Report::milestone`] once
/// its work before the exec is done. Returns the child once it has exec'd, or died after
/// its milestone (its exit says how; the caller reaps it). A child that failed, or died
/// before its milestone, is reaped here, and the error says which, with its exit.
pub fn fork_exec(
    _safe: &ForkSafe,
    clone_flags: libc::c_int,
    what: &str,
    child: impl FnOnce(&Report) -> String,
) -> Result<Pid> {
    let (r, w): (OwnedFd, OwnedFd) =
        rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).ctx(|| "pipe".into())?;
    // The read end is CLOEXEC: the child's copy goes with its exec or its death.
    let run = || -> i32 {
        let report = Report(w.as_fd());
        let why = child(&report);
        report.fail(&why);
        127
    };
    // SAFETY: `_safe` shows that no other thread of this process could hold a lock at the
    // fork, so the child may allocate and run `child` as any fork of a single-threaded
    // process may.
    let pid = unsafe { fork_into(clone_flags, run) }?;
    drop(w);
    let mut bytes = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        match rustix::io::read(&r, &mut buf) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(Errno::INTR) => {}
            Err(e) => {
                let _ = super::reap(pid);
                return Err(strategies::Error::Sys {
                    what: format!("read {what}'s report"),
                    errno: e,
                }
                .into());
            }
        }
    }
    let passed = bytes.first() == Some(&MILESTONE);
    let failed = bytes.iter().position(|b| *b == FAILED);
    match failed {
        None if passed => Ok(pid),
        None => {
            let exit = super::reap(pid)?;
            Err(Error::failure(format!(
                "{what} {} before it was done",
                exit.describe()
            )))
        }
        Some(at) => {
            let _ = super::reap(pid);
            let message = String::from_utf8_lossy(&bytes[at + 1..]).into_owned();
            let after = if passed { " (after its milestone)" } else { "" };
            Err(Error::failure(format!("{what}{after}: {message}")))
        }
    }
}
