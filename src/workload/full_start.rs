use super::{Binary, Channel, Starter, Workload};
use crate::error::{Error, Result};
use crate::process::{self, Argv, Spawn};
use crate::sandbox::Sandbox;
use rustix::process::Pid;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use crate::observe::Observed;
use strategies::Sealed;

/// A whole `runc run`: the sealed object is sealbench's own OCI runtime on youki's
/// libcontainer (`runtime/`), which creates a real container (cgroups, namespaces, mounts,
/// pivot_root, capabilities, the init's sync protocol, state), starts it, waits for its
/// process and deletes it.
pub struct FullStart;

impl Workload for FullStart {
    fn name(&self) -> &'static str {
        "full-start"
    }

    fn description(&self) -> &'static str {
        "seal sealbench's libcontainer runtime, exec it as `run --bundle B ID`, reap"
    }

    fn binary(&self) -> Binary {
        Binary::Runtime
    }

    fn container(&self) -> bool {
        true
    }

    fn prepare(&self, sandbox: &Sandbox) -> Result<Box<dyn Starter>> {
        Ok(Box::new(FullStarter {
            root: sandbox.subdir(&format!(
                "runtime-state/{}",
                STARTERS.fetch_add(1, Ordering::Relaxed)
            ))?,
            bundle: sandbox.bundle()?,
            envp: Argv::minimal_env(),
            starts: AtomicU32::new(0),
        }))
    }
}

/// Each starter's state root of its own, so two units never share a container id space.
static STARTERS: AtomicU32 = AtomicU32::new(0);

struct FullStarter {
    root: PathBuf,
    bundle: PathBuf,
    envp: Argv,
    starts: AtomicU32,
}

impl FullStarter {
    fn id(n: u32) -> String {
        format!("sealbench-{}-{n}", std::process::id())
    }
}

impl Starter for FullStarter {
    /// The runtime runs its container to the end and deletes it: nothing stays alive to
    /// be counted per live container.
    fn holds(&self) -> bool {
        false
    }

    fn spawn(&self, sealed: &Sealed, _channel: Channel) -> Result<Pid> {
        if !sealed.hops.is_empty() {
            return Err(Error::failure(
                "a sealed hop is for stage 2 to exec; the libcontainer runtime execs the container's process itself",
            ));
        }
        let n = self.starts.fetch_add(1, Ordering::Relaxed) + 1;
        let argv = Argv::new([
            "sealbench-runtime".to_string(),
            "--root".into(),
            self.root.display().to_string(),
            "run".into(),
            "--bundle".into(),
            self.bundle.display().to_string(),
            Self::id(n),
        ])?;
        let spec = Spawn {
            argv: &argv,
            envp: &self.envp,
            clone_flags: 0,
            fds: &[],
            pre_exec: None,
            pre_exec_steps: &[],
        };
        Ok(process::spawn(&sealed.exec, &spec)?)
    }

    /// `run` deletes its container; a failed start may leave state (and cgroups) behind,
    /// removed here outside the timed span by the unsealed runtime.
    fn after_start(&self) -> Result<()> {
        self.delete(&Self::id(self.starts.load(Ordering::Relaxed)))
    }

    /// `create` leaves the container's init (a clone of the sealed runtime) waiting for
    /// `start`: that is the process observed.
    fn observe(&self, sealed: &Sealed, binary: &std::path::Path) -> Result<Observed> {
        let n = self.starts.fetch_add(1, Ordering::Relaxed) + 1;
        let id = Self::id(n);
        let argv = Argv::new([
            "sealbench-runtime".to_string(),
            "--root".into(),
            self.root.display().to_string(),
            "create".into(),
            "--bundle".into(),
            self.bundle.display().to_string(),
            id.clone(),
        ])?;
        let spec = Spawn {
            argv: &argv,
            envp: &self.envp,
            clone_flags: 0,
            fds: &[],
            pre_exec: None,
            pre_exec_steps: &[],
        };
        let created = process::reap(process::spawn(&sealed.exec, &spec)?);
        let pid = init_pid(&self.root, &id);
        let observed = match (&created, pid) {
            (Ok(exit), Some(pid)) if exit.success() => Observed::of_process(pid, binary),
            (Ok(exit), _) => Observed::unknown(format!("create {}", exit.describe())),
            (Err(e), _) => Observed::unknown(format!("create: {e}")),
        };
        let deleted = self.delete(&id);
        // libcontainer clones the init with CLONE_PARENT: it is this process's to reap.
        if let Some(pid) = pid.and_then(rustix::process::Pid::from_raw) {
            let _ = process::reap(pid);
        }
        deleted?;
        Ok(observed)
    }
}

impl FullStarter {
    /// Delete container `id` if its state remains, with the unsealed runtime, bounded by
    /// the run's timeout.
    fn delete(&self, id: &str) -> Result<()> {
        if !self.root.join(id).exists() {
            return Ok(());
        }
        let mut cmd = std::process::Command::new(crate::sandbox::runtime_path()?);
        cmd.arg("--root").arg(&self.root).args(["delete", "--force", id]);
        let out = process::bounded::output(&mut cmd, "sealbench-runtime delete")?;
        if out.status.success() {
            Ok(())
        } else {
            Err(Error::failure(format!(
                "sealbench-runtime delete --force {id}: {}",
                out.status
            )))
        }
    }
}

/// The container's init pid, from libcontainer's state file.
fn init_pid(root: &std::path::Path, id: &str) -> Option<i32> {
    #[derive(serde::Deserialize)]
    struct State {
        pid: Option<i32>,
    }
    let bytes = crate::safe_fs::read_regular(&root.join(id).join("state.json"), 1 << 20).ok()?;
    serde_json::from_slice::<State>(&bytes).ok()?.pid.filter(|p| *p > 0)
}
