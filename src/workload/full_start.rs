use super::{Binary, Channel, Starter, Workload};
use crate::error::{Error, Result};
use crate::process::{self, Argv, Spawn};
use crate::sandbox::Sandbox;
use rustix::process::Pid;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use strategies::{ResultExt, Sealed};

/// A whole `runc run`: the sealed object is sealbench's own OCI runtime on youki's
/// libcontainer (`runtime/`), which creates a real container (cgroups, namespaces, mounts,
/// pivot_root, capabilities, the init's sync protocol, state), starts it, waits for its
/// process and deletes it.
pub struct FullStart;

impl Workload for FullStart {
    fn name(&self) -> &'static str {
        "full-start"
    }

    fn bench_name(&self) -> &'static str {
        "BenchmarkFullStart"
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
        let id = Self::id(self.starts.load(Ordering::Relaxed));
        if !self.root.join(&id).exists() {
            return Ok(());
        }
        let status = std::process::Command::new(crate::sandbox::runtime_path()?)
            .arg("--root")
            .arg(&self.root)
            .args(["delete", "--force", &id])
            .status()
            .ctx(|| "sealbench-runtime delete".into())?;
        if status.success() {
            Ok(())
        } else {
            Err(Error::failure(format!(
                "sealbench-runtime delete --force {id}: {status}"
            )))
        }
    }
}
