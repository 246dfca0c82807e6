//! Real container runtimes (runc, crun) run on the same bundle, with the same runner, as
//! peers of the strategies.

use crate::benchmark::{Contender, Unit, UnitState};
use crate::process::{self, Argv, ChildExit, Spawn};
use crate::sandbox::Sandbox;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use strategies::{Error, Exec, Result, ResultExt};

pub const WORKLOAD: &str = "container-start";

/// The runtimes sealbench knows how to drive: each takes `--root DIR run --bundle DIR ID`.
pub const KNOWN: &[&str] = &["runc", "crun"];

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
    let out = std::process::Command::new(path)
        .arg("--version")
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .map(|l| l.trim().to_string())
}

/// A unit for the runtime `name`: ready after one successful start, else unavailable with
/// the reason.
pub fn unit(name: &str, sandbox: &Sandbox) -> Unit {
    let mut unit = Unit::new(name, WORKLOAD, UnitState::Unavailable(String::new()));
    let Some(path) = on_path(name) else {
        unit.state = UnitState::Unavailable(format!("{name} is not on PATH"));
        return unit;
    };
    unit.version = version(&path);
    unit.state = match Peer::new(name, &path, sandbox).and_then(Peer::probed) {
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
}

impl Peer {
    fn new(name: &str, path: &Path, sandbox: &Sandbox) -> Result<Peer> {
        Ok(Peer {
            name: name.to_string(),
            path: CString::new(path.as_os_str().as_bytes())
                .map_err(|_| Error::msg("NUL in path"))?,
            // State in the run's scratch space, not /run: nothing of it can outlive the run.
            root: sandbox.subdir(&format!("peer-state/{name}"))?,
            bundle: sandbox.bundle()?,
            envp: Argv::minimal_env(),
            starts: 0,
        })
    }

    /// One start outside any timing, with the runtime's own words if it fails.
    fn probed(mut self) -> Result<Peer> {
        let id = self.next_id();
        let out = std::process::Command::new(std::ffi::OsStr::from_bytes(self.path.as_bytes()))
            .args(self.args(&id).iter().skip(1))
            .env_clear()
            .env(
                "PATH",
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            )
            .output()
            .ctx(|| format!("run {}", self.name))?;
        self.after_start()?;
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
            Err(Error::msg(format!("{} ({})", last, out.status)))
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
        [
            self.name.as_str(),
            "--root",
            &root,
            "run",
            "--bundle",
            &bundle,
            id,
        ]
        .map(String::from)
        .to_vec()
    }
}

impl Contender for Peer {
    fn start(&mut self) -> Result<ChildExit> {
        let id = self.next_id();
        let argv = Argv::new(self.args(&id));
        let spec = Spawn {
            argv: &argv,
            envp: &self.envp,
            clone_flags: 0,
            fds: &[],
            pre_exec: None,
            pre_exec_steps: &[],
        };
        process::reap(process::spawn(&Exec::Path(self.path.clone()), &spec)?)
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
                    .args(["delete", "--force", &id])
                    .status()
                    .ctx(|| format!("{} delete", self.name))?;
            if !status.success() {
                return Err(Error::msg(format!(
                    "{} delete --force {id}: {status}",
                    self.name
                )));
            }
        }
        Ok(())
    }
}
