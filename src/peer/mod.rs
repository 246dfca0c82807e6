//! Real container runtimes (runc, crun, youki, or any OCI runtime binary given by path)
//! run on the same bundle, with the same runner, as peers of the strategies.

use crate::benchmark::{Contender, Unit, UnitState};
use crate::error::{Error, Result};
use crate::process::{self, Argv, ChildExit, Spawn};
use crate::sandbox::Sandbox;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use strategies::{Exec, ResultExt};

pub const WORKLOAD: &str = "container-start";

/// The runtimes `--runtimes` finds on PATH: each takes `--root DIR run --bundle DIR ID`.
pub const KNOWN: &[&str] = &["runc", "crun", "youki"];

/// `--runtimes runc,crun`: names of [`KNOWN`] runtimes, checked as the command line is
/// parsed.
#[derive(Debug, Clone, Default)]
pub struct KnownList(pub Vec<&'static str>);

impl std::str::FromStr for KnownList {
    type Err = String;

    fn from_str(list: &str) -> std::result::Result<KnownList, String> {
        let names = list.split(',').map(str::trim).filter(|s| !s.is_empty());
        names
            .map(|name| {
                KNOWN.iter().copied().find(|k| *k == name).ok_or_else(|| {
                    format!(
                        "unknown runtime {name:?} (valid: {}; any other binary: --runtime NAME=PATH)",
                        KNOWN.join(", ")
                    )
                })
            })
            .collect::<std::result::Result<_, _>>()
            .map(KnownList)
    }
}

/// One runtime to run: a name for its rows, its binary (on PATH if not given) and the
/// global arguments a build needs (`--runtime-arg NAME=--systemd-cgroup`).
#[derive(Debug, Clone)]
pub struct RuntimeSpec {
    pub name: String,
    /// What to execute. A binary given by path is reached through this (host-side)
    /// process's root, `/proc/<pid>/root/<path>`: the run's scratch tmpfs covers /tmp in
    /// the run's namespace, and /tmp is where a copy of a build often lives. (An fd would
    /// not do: a runtime that is a script cannot reopen a close-on-exec fd.)
    pub path: Option<PathBuf>,
    /// The path as the user gave it, resolved, for the results.
    pub shown: Option<PathBuf>,
    pub args: Vec<String>,
}

impl RuntimeSpec {
    /// A runtime on PATH.
    pub fn on_path(name: &str) -> RuntimeSpec {
        RuntimeSpec {
            name: name.into(),
            path: None,
            shown: None,
            args: Vec::new(),
        }
    }

    /// A runtime binary at `path`, resolved now, on the host side of the run.
    pub fn at(name: &str, path: &Path) -> std::io::Result<RuntimeSpec> {
        let canonical = std::fs::canonicalize(path)?;
        if !canonical.is_file() {
            return Err(std::io::Error::other("not a regular file"));
        }
        let via_root = format!("/proc/{}/root{}", std::process::id(), canonical.display());
        Ok(RuntimeSpec {
            name: name.into(),
            path: Some(PathBuf::from(via_root)),
            shown: Some(canonical),
            args: Vec::new(),
        })
    }
}

/// How a runtime seals itself, from its version line where known: every start of a peer
/// pays for it, so a peer's row already includes a seal of its own.
pub fn seals(version: &str) -> &'static str {
    let v = version.to_ascii_lowercase();
    let runc_minor = v
        .strip_prefix("runc version ")
        .and_then(|r| r.split('.').nth(1))
        .and_then(|m| m.parse::<u32>().ok());
    if v.contains("youki") {
        "youki: copies its whole binary into a sealed memfd and re-execs on every invocation (pentacle::ensure_sealed)"
    } else if v.starts_with("runc version 1.") && runc_minor.is_some_and(|m| m < 2) {
        "runc < 1.2: copies itself into a sealed memfd per start (cloned_binary.c)"
    } else if v.starts_with("runc version 1.2.0") {
        "runc 1.2.0: runc-dmz, a small sealed init"
    } else if v.starts_with("runc version") {
        "runc >= 1.2.1: an overlayfs mount of its own binary, else a sealed memfd copy"
    } else if v.starts_with("crun version") {
        "crun: a sealed memfd copy or a detached read-only bind (cloned_binary.c), by kernel"
    } else {
        "unknown"
    }
}

fn sha256(path: &Path) -> Option<String> {
    use sha2::Digest;
    let bytes = std::fs::read(path).ok()?;
    Some(format!("{:x}", sha2::Sha256::digest(&bytes)))
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_else(|| {
            [
                "/usr/local/sbin",
                "/usr/local/bin",
                "/usr/sbin",
                "/usr/bin",
                "/sbin",
                "/bin",
            ]
            .map(PathBuf::from)
            .to_vec()
        })
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| rustix::fs::access(p, rustix::fs::Access::EXEC_OK).is_ok() && p.is_file())
}

/// The first line of `runtime --version`.
fn version(path: &Path) -> Option<String> {
    let out = process::bounded::output(
        std::process::Command::new(path).arg("--version"),
        &format!("{} --version", path.display()),
    )
    .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .map(|l| l.trim().to_string())
}

/// A unit for the runtime `spec`: ready after one successful start, else unavailable with
/// the reason.
pub fn unit(spec: &RuntimeSpec, sandbox: &Sandbox) -> Unit {
    let name = spec.name.as_str();
    let mut unit = Unit::new(name, WORKLOAD, UnitState::Unavailable(String::new()));
    unit.runtime = true;
    let path = match &spec.path {
        Some(p) if p.is_file() => p.clone(),
        Some(p) => {
            unit.state = UnitState::Unavailable(format!("{} is not a file", p.display()));
            return unit;
        }
        None => match on_path(name) {
            Some(p) => p,
            None => {
                unit.state = UnitState::Unavailable(format!("{name} is not on PATH"));
                return unit;
            }
        },
    };
    unit.version = version(&path);
    unit.path = Some(spec.shown.as_deref().unwrap_or(&path).display().to_string());
    unit.sha256 = sha256(&path);
    unit.seals = unit.version.as_deref().map(seals).map(String::from);
    let peer = Peer::new(name, &path, sandbox).map(|mut p| {
        p.extra = spec.args.clone();
        // youki blocks SIGCHLD only after `start` returns, so a container process that
        // exits first can leave `youki run` waiting for good; started with SIGCHLD already
        // blocked (the mask survives exec), it cannot miss it.
        p.block_sigchld = unit
            .version
            .as_deref()
            .is_some_and(|v| v.to_ascii_lowercase().contains("youki"));
        p
    });
    unit.state = match peer.and_then(Peer::probed) {
        Ok(peer) => UnitState::Ready(Box::new(peer)),
        Err(e) => UnitState::Unavailable(format!("{name} cannot run here: {e}")),
    };
    unit
}

struct Peer {
    name: String,
    path: CString,
    root: PathBuf,
    bundle: PathBuf,
    envp: Argv,
    starts: u32,
    /// Global arguments before the subcommand.
    extra: Vec<String>,
    block_sigchld: bool,
}

impl Peer {
    fn new(name: &str, path: &Path, sandbox: &Sandbox) -> Result<Peer> {
        Ok(Peer {
            name: name.to_string(),
            path: CString::new(path.as_os_str().as_bytes())
                .map_err(|_| Error::failure("NUL in path"))?,
            // State in the run's scratch space, not /run: nothing of it can outlive the run.
            root: sandbox.subdir(&format!("peer-state/{name}"))?,
            bundle: sandbox.bundle()?,
            envp: Argv::minimal_env(),
            starts: 0,
            extra: Vec::new(),
            block_sigchld: false,
        })
    }

    /// One start outside any timing, with the runtime's own words if it fails.
    fn probed(mut self) -> Result<Peer> {
        let id = self.next_id();
        let mut cmd = std::process::Command::new(std::ffi::OsStr::from_bytes(self.path.as_bytes()));
        if self.block_sigchld {
            use std::os::unix::process::CommandExt;
            // SAFETY: only sigprocmask on a stack set between fork and exec.
            unsafe { cmd.pre_exec(|| block_sigchld().map_err(std::io::Error::from)) };
        }
        cmd.args(self.args(&id).iter().skip(1)).env_clear().env(
            "PATH",
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        );
        let out = process::bounded::output(&mut cmd, &format!("a first start of {}", self.name));
        self.after_start()?;
        let out = out?;
        if out.status.success() {
            Ok(self)
        } else {
            let err = String::from_utf8_lossy(&out.stderr);
            let last = err
                .lines()
                .rfind(|l| !l.trim().is_empty())
                .unwrap_or("no output")
                .trim()
                .to_string();
            Err(Error::failure(format!("{} ({})", last, out.status)))
        }
    }

    /// A container id unique to this run and start.
    fn next_id(&mut self) -> String {
        self.starts += 1;
        format!("sealbench-{}-{}", std::process::id(), self.starts)
    }

    fn last_id(&self) -> String {
        format!("sealbench-{}-{}", std::process::id(), self.starts)
    }

    fn args(&self, id: &str) -> Vec<String> {
        let root = self.root.display().to_string();
        let bundle = self.bundle.display().to_string();
        let mut argv: Vec<String> = [self.name.as_str(), "--root", &root]
            .map(String::from)
            .to_vec();
        argv.extend(self.extra.iter().cloned());
        argv.extend(["run", "--bundle", &bundle, id].map(String::from));
        argv
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

fn block() -> std::result::Result<(), (u8, rustix::io::Errno)> {
    block_sigchld().map_err(|e| (0, e))
}

impl Contender for Peer {
    fn start(&mut self) -> Result<ChildExit> {
        let id = self.next_id();
        let argv = Argv::new(self.args(&id))?;
        let spec = Spawn {
            argv: &argv,
            envp: &self.envp,
            clone_flags: 0,
            fds: &[],
            pre_exec: self
                .block_sigchld
                .then_some(&block as crate::process::PreExec),
            pre_exec_steps: &["block SIGCHLD"],
        };
        Ok(process::reap(process::spawn(
            &Exec::Path(self.path.clone()),
            &spec,
        )?)?)
    }

    /// `run` in the foreground deletes its container when the process exits; if a failed
    /// start left state behind, delete it, outside the timed span.
    fn after_start(&mut self) -> Result<()> {
        let id = self.last_id();
        if self.root.join(&id).exists() {
            let status =
                std::process::Command::new(std::ffi::OsStr::from_bytes(self.path.as_bytes()))
                    .arg("--root")
                    .arg(&self.root)
                    .args(&self.extra)
                    .args(["delete", "--force", &id])
                    .status()
                    .ctx(|| format!("{} delete", self.name))?;
            if !status.success() {
                return Err(Error::failure(format!(
                    "{} delete --force {id}: {status}",
                    self.name
                )));
            }
        }
        Ok(())
    }
}
