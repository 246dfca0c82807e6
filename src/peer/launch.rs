//! One runtime peer's starts: `RUNTIME --root STATE [ARGS] run --bundle B ID`, executed
//! from the runtime's own path with argv[0] as a shell passes it, in its own process
//! group (a shell's job), stdout discarded and stderr kept to a bounded capture. After each
//! start, outside the timed span: whatever it left running is killed, its container is
//! deleted if it remains (bounded in time), and its binary is checked to be the one that
//! was hashed.

use super::binary::RuntimeFile;
use super::RuntimeSpec;
use crate::benchmark::Contender;
use crate::error::{Error, Result};
use crate::observe::Observed;
use crate::process::{self, capture::Capture, Argv, ChildExit, Spawn};
use crate::sandbox::Sandbox;
use rustix::process::Pid;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use strategies::Exec;

/// The environment every peer gets, on PATH or by path alike: a PATH and nothing of the
/// caller's, so that no variable of the user's shell (RUNC_DMZ=true, say) changes what a
/// runtime does between two runs.
pub const ENV: &[(&str, &str)] = &[(
    "PATH",
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
)];

pub struct Peer {
    pub(super) name: String,
    pub(super) argv0: String,
    pub(super) file: RuntimeFile,
    pub(super) exec: CString,
    pub(super) root: PathBuf,
    pub(super) bundle: PathBuf,
    envp: Argv,
    starts: u32,
    /// Between the run's prefix and the start count in container ids: several peers of
    /// one runtime starting at once (the concurrency sweep) must not pick the same id.
    tag: String,
    /// Global arguments before the subcommand.
    pub(super) extra: Vec<String>,
    block_sigchld: bool,
    /// The runtime's stderr, bounded; its last line explains a failed start.
    stderr: Capture,
    /// The last start's pid (and process group).
    last: Option<Pid>,
    /// runc's `--debug` log is read when observing a runc.
    pub(super) runc_like: bool,
}

impl Peer {
    pub fn new(
        spec: &RuntimeSpec,
        file: &RuntimeFile,
        sandbox: &Sandbox,
        version: Option<&str>,
    ) -> Result<Peer> {
        let version = version.unwrap_or("").to_ascii_lowercase();
        Ok(Peer {
            name: spec.name.clone(),
            argv0: spec.argv0().to_string(),
            file: file.clone(),
            exec: CString::new(file.path.as_os_str().as_bytes())
                .map_err(|_| Error::failure("NUL in path"))?,
            // State in the run's scratch space, not /run: nothing of it can outlive the run.
            root: sandbox.subdir(&format!("peer-state/{}", spec.name))?,
            bundle: sandbox.bundle()?,
            envp: Argv::new(ENV.iter().map(|(k, v)| format!("{k}={v}")))?,
            starts: 0,
            tag: String::new(),
            extra: spec.args.clone(),
            // youki blocks SIGCHLD only after `start` returns, so a container process that
            // exits first can leave `youki run` waiting for good; started with SIGCHLD
            // already blocked (the mask survives exec), it cannot miss it.
            block_sigchld: version.contains("youki"),
            stderr: Capture::new("peer-stderr")?,
            last: None,
            runc_like: version.starts_with("runc"),
        })
    }

    /// This peer's container ids carry `tag`, unique among the peers of a run that share
    /// a state directory.
    pub fn tagged(mut self, tag: &str) -> Peer {
        self.tag = tag.to_string();
        self
    }

    /// One start outside any timing, with the runtime's own words if it fails.
    pub fn probed(mut self) -> Result<Peer> {
        let exit = self.start();
        let after = self.after_start();
        exit?;
        after?;
        Ok(self)
    }

    fn failure(&self, exit: &ChildExit) -> String {
        match self.stderr.last_line() {
            Some(line) => format!("{line} ({})", exit.describe()),
            None => format!("no output ({})", exit.describe()),
        }
    }

    /// A container id unique to this run and start.
    pub(super) fn next_id(&mut self) -> String {
        self.starts += 1;
        self.id()
    }

    fn id(&self) -> String {
        format!(
            "{}{}{}",
            crate::sandbox::janitor::own_prefix(),
            self.tag,
            self.starts
        )
    }

    /// argv: argv[0], the global arguments, then `words` (the subcommand and its own).
    pub(super) fn argv(&self, words: &[&str]) -> Vec<String> {
        let mut argv = vec![
            self.argv0.clone(),
            "--root".into(),
            self.root.display().to_string(),
        ];
        argv.extend(self.extra.iter().cloned());
        argv.extend(words.iter().map(|w| w.to_string()));
        argv
    }

    /// A command outside the timed starts (`delete`, `state`, the observation's `create`),
    /// launched as the timed ones are.
    pub(super) fn command(&self, words: &[&str]) -> std::process::Command {
        use std::os::unix::process::CommandExt;
        let argv = self.argv(words);
        let mut cmd = std::process::Command::new(std::ffi::OsStr::from_bytes(self.exec.as_bytes()));
        cmd.arg0(&argv[0])
            .args(&argv[1..])
            .env_clear()
            .envs(ENV.iter().copied());
        if self.block_sigchld {
            // SAFETY: only sigprocmask on a stack set between fork and exec.
            unsafe { cmd.pre_exec(|| block_sigchld().map_err(std::io::Error::from)) };
        }
        cmd
    }

    /// The runtime's container state directory for `id`, if it still exists.
    pub(super) fn remains(&self, id: &str) -> bool {
        self.root.join(id).exists()
    }

    pub(super) fn delete(&self, id: &str) -> Result<()> {
        let out = process::bounded::output(
            &mut self.command(&["delete", "--force", id]),
            &format!("{} delete --force {id}", self.name),
        )?;
        if out.status.success() {
            Ok(())
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            let last = err
                .lines()
                .rfind(|l| !l.trim().is_empty())
                .unwrap_or("no output");
            Err(Error::failure(format!(
                "{} delete --force {id}: {} ({})",
                self.name,
                crate::observe::clean(last.trim()),
                out.status
            )))
        }
    }
}

/// Block SIGCHLD in the calling (forked) process: allocation-free, for between fork and
/// exec.
fn block_sigchld() -> std::result::Result<(), rustix::io::Errno> {
    // SAFETY: sigset operations on a local set, and sigprocmask of this thread.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGCHLD);
        if libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return Err(rustix::io::Errno::from_raw_os_error(
                std::io::Error::last_os_error().raw_os_error().unwrap_or(0),
            ));
        }
    }
    Ok(())
}

/// A shell's job: the start leads a process group of its own, so that what it leaves
/// behind can be found by its group.
fn own_group() -> std::result::Result<(), (u8, rustix::io::Errno)> {
    rustix::process::setpgid(None, None).map_err(|e| (0, e))
}

fn own_group_blocking_sigchld() -> std::result::Result<(), (u8, rustix::io::Errno)> {
    own_group()?;
    block_sigchld().map_err(|e| (1, e))
}

impl Peer {
    /// `run` from `bundle`, reaped; a failure says why in the runtime's own words.
    fn run_from(&mut self, bundle: &std::path::Path) -> Result<ChildExit> {
        let id = self.next_id();
        let bundle = bundle.display().to_string();
        let argv = Argv::new(self.argv(&["run", "--bundle", &bundle, &id]))?;
        let fds = [(self.stderr.fd(), 2)];
        let spec = Spawn {
            argv: &argv,
            envp: &self.envp,
            clone_flags: 0,
            fds: &fds,
            pre_exec: Some(if self.block_sigchld {
                &own_group_blocking_sigchld
            } else {
                &own_group
            }),
            pre_exec_steps: &["setpgid", "block SIGCHLD"],
        };
        let exec = Exec::Path(self.exec.clone());
        let pid = process::leftovers::spawn_group(
            || process::spawn(&exec, &spec),
            |p| p.as_raw_nonzero().get(),
        )?;
        self.last = Some(pid);
        let exit = process::reap(pid)?;
        if exit.success() {
            Ok(exit)
        } else {
            Err(Error::failure(self.failure(&exit)))
        }
    }
}

impl Contender for Peer {
    fn start(&mut self) -> Result<ChildExit> {
        let bundle = self.bundle.clone();
        self.run_from(&bundle)
    }

    /// From the sweep's bundle, which limits the container's memory and names its cgroup;
    /// run from the caller's cgroup, where the worker is. Where the runtime makes its copy
    /// (if it makes one) is its own affair: `copy_in` does not apply.
    fn start_confined(&mut self, c: &crate::workload::Confined) -> Result<ChildExit> {
        self.run_from(c.bundle)
    }

    /// Outside the timed span: kill what the start left running, delete a container
    /// that remains (a failed `run` can leave one), and check the binary is still the
    /// one that was hashed.
    fn after_start(&mut self) -> Result<()> {
        process::leftovers::kill(self.last.take());
        let _ = self.stderr.take();
        let id = self.id();
        if self.remains(&id) {
            self.delete(&id)?;
        }
        match self.file.changed() {
            None => Ok(()),
            Some(why) => Err(Error::failure(why)),
        }
    }

    fn observe(&mut self) -> Option<Observed> {
        Some(super::observe::observe(self))
    }

    /// At the end of the run: the binary still holds what was hashed.
    fn teardown(&mut self) -> Result<()> {
        match self.file.rehash_differs() {
            None => Ok(()),
            Some(why) => Err(Error::failure(why)),
        }
    }
}
