use super::{Binary, Channel, Confined, CopyIn, Starter, Workload};
use crate::error::{Error, Result};
use crate::observe::Observed;
use crate::process::{self, Argv, ChildExit, Spawn};
use crate::sandbox::Sandbox;
use rustix::process::Pid;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use strategies::{Sealed, Sealer};

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

    /// `sealbench-runtime --root R run --bundle B ID` for the next start.
    fn run_argv(&self, bundle: &std::path::Path) -> Result<Argv> {
        let n = self.starts.fetch_add(1, Ordering::Relaxed) + 1;
        Argv::new([
            "sealbench-runtime".to_string(),
            "--root".into(),
            self.root.display().to_string(),
            "run".into(),
            "--bundle".into(),
            bundle.display().to_string(),
            Self::id(n),
        ])
    }
}

const NO_HOPS: &str = "a sealed hop is for stage 2 to exec; the libcontainer runtime execs the container's process itself";

impl Starter for FullStarter {
    /// The runtime runs its container to the end and deletes it: nothing stays alive to
    /// be counted per live container.
    fn holds(&self) -> bool {
        false
    }

    fn spawn(&self, sealed: &Sealed, _channel: Channel) -> Result<Pid> {
        if !sealed.hops.is_empty() {
            return Err(Error::failure(NO_HOPS));
        }
        let argv = self.run_argv(&self.bundle)?;
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

    /// The runtime runs from the confined bundle, which names the container's cgroup and
    /// its limit, in the caller's cgroup as a runtime does. Copy in the caller: sealed
    /// here. Copy in the container: a forked child joins the container's cgroup (made
    /// ahead, where the runtime will take it over), seals there, goes back to the
    /// caller's cgroup, the copy's charge staying behind with the container, and execs the
    /// sealed runtime; an OOM kill while it seals kills that child alone.
    fn run_confined(&self, sealer: &mut dyn Sealer, c: &Confined) -> Result<ChildExit> {
        let argv = self.run_argv(c.bundle)?;
        let spec = Spawn {
            argv: &argv,
            envp: &self.envp,
            clone_flags: 0,
            fds: &[],
            pre_exec: None,
            pre_exec_steps: &[],
        };
        match c.copy_in {
            CopyIn::Caller => {
                let sealed = sealer.seal()?;
                if !sealed.hops.is_empty() {
                    return Err(Error::failure(NO_HOPS));
                }
                let exit = process::reap(process::spawn(&sealed.exec, &spec)?);
                drop(sealed);
                exit
            }
            CopyIn::Container => {
                let container = c.container()?;
                let pid = process::fork::fork_exec(
                    c.fork_safe()?,
                    0,
                    "the runtime's sealing child",
                    |report| {
                        let join = |procs, which: &str| {
                            process::join_cgroup(procs).map_err(|e| {
                                format!(
                                    "join the {which}'s memory cgroup: {}",
                                    strategies::errno_name(e)
                                )
                            })
                        };
                        if let Err(why) = join(container, "container") {
                            return why;
                        }
                        let sealed = match sealer.seal() {
                            Ok(s) => s,
                            Err(e) => return format!("seal: {e}"),
                        };
                        report.milestone();
                        if !sealed.hops.is_empty() {
                            return NO_HOPS.into();
                        }
                        if let Err(why) = join(c.caller, "caller") {
                            return why;
                        }
                        process::exec_placed(&sealed.exec, &spec)
                    },
                )?;
                process::reap(pid)
            }
        }
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
        cmd.arg("--root")
            .arg(&self.root)
            .args(["delete", "--force", id]);
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
    serde_json::from_slice::<State>(&bytes)
        .ok()?
        .pid
        .filter(|p| *p > 0)
}
