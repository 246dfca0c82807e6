use super::container::{ContainerPlan, JOIN_STEP, STEPS};
use super::{Channel, Confined, CopyIn, Stage2Argv, Starter, Workload};
use crate::error::Result;
use crate::process::{self, Argv, ChildExit, Spawn};
use crate::sandbox::Sandbox;
use rustix::fd::OwnedFd;
use rustix::fs::{Mode, OFlags};
use rustix::process::Pid;
use std::sync::atomic::{AtomicI32, Ordering};
use strategies::{Exec, ResultExt, Sealed, Sealer};

/// `runc run` without the runtime around it: seal, clone into new namespaces, make the
/// bundle's rootfs the root (pivot_root), mount /proc and /dev, set the hostname, exec the
/// sealed binary as stage 2 ("init"), which execs the bundle's process; reap.
pub struct ContainerStart;

impl Workload for ContainerStart {
    fn name(&self) -> &'static str {
        "container-start"
    }

    fn description(&self) -> &'static str {
        "seal, clone into new namespaces, pivot_root into the bundle, exec stage 2 as init"
    }

    fn container(&self) -> bool {
        true
    }

    fn prepare(&self, sandbox: &Sandbox) -> Result<Box<dyn Starter>> {
        let plan = ContainerPlan::from_bundle(&sandbox.bundle()?)?;
        Ok(Box::new(ContainerStarter {
            argv: Stage2Argv::new(&plan.args, &plan.args)?,
            envp: Argv::new(plan.env.clone())?,
            plan,
            last: AtomicI32::new(0),
        }))
    }
}

struct ContainerStarter {
    plan: ContainerPlan,
    argv: Stage2Argv,
    envp: Argv,
    /// The last start's pid, whose session holds what it may have left running.
    last: AtomicI32,
}

/// A path a strategy hands over, opened `O_PATH` here: the container cannot see the
/// host's paths once it has pivoted, as runc holds /proc/self/exe.
fn opened(exec: &Exec) -> strategies::Result<Option<Exec>> {
    match exec {
        Exec::Fd(_) => Ok(None),
        Exec::Path(p) => {
            let fd: OwnedFd =
                rustix::fs::open(p.as_c_str(), OFlags::PATH | OFlags::CLOEXEC, Mode::empty())
                    .ctx(|| format!("open({p:?}, O_PATH)"))?;
            Ok(Some(Exec::Fd(fd)))
        }
    }
}

impl ContainerStarter {
    /// Spawn `sealed` as the container's init, `pre` making the container between clone and
    /// exec.
    fn spawn_with(&self, sealed: &Sealed, channel: Channel, pre: process::PreExec) -> Result<Pid> {
        let opened = opened(&sealed.exec)?;
        let exec_ref = opened.as_ref().unwrap_or(&sealed.exec);
        let fds = channel.fds(sealed);
        let argv = self.argv.pick(sealed, channel.mode())?;
        let spec = Spawn {
            argv: &argv,
            envp: &self.envp,
            clone_flags: self.plan.clone_flags,
            fds: &fds,
            pre_exec: Some(pre),
            pre_exec_steps: STEPS,
        };
        let pid = process::spawn(exec_ref, &spec)?;
        self.last
            .store(pid.as_raw_nonzero().get(), Ordering::Relaxed);
        Ok(pid)
    }
}

impl Starter for ContainerStarter {
    fn spawn(&self, sealed: &Sealed, channel: Channel) -> Result<Pid> {
        self.spawn_with(sealed, channel, &|| self.plan.enter())
    }

    /// Copy in the caller: sealed here, the child joins the container's cgroup first
    /// thing after the clone (a runtime's `runc init` is put there before it runs), so
    /// that everything it does from then on is charged there. Copy in the container: the
    /// child is forked (not cloned sharing this memory, whose charges would stay this
    /// process's) into the container's namespaces, joins the container's cgroup, seals
    /// there, makes the container and execs its own sealed copy, as runc 1.1's `runc
    /// init` did; an OOM kill while it seals kills that child alone.
    fn run_confined(&self, sealer: &mut dyn Sealer, c: &Confined) -> Result<ChildExit> {
        let container = c.container()?;
        match c.copy_in {
            CopyIn::Caller => {
                let sealed = sealer.seal()?;
                let enter = || {
                    process::join_cgroup(container).map_err(|e| (JOIN_STEP, e))?;
                    self.plan.enter()
                };
                let exit = process::reap(self.spawn_with(&sealed, Channel::None, &enter)?);
                drop(sealed);
                exit
            }
            CopyIn::Container => {
                let pid = process::fork::fork_exec(
                    c.fork_safe()?,
                    self.plan.clone_flags,
                    "the container's sealing child",
                    |report| {
                        if let Err(e) = process::join_cgroup(container) {
                            return format!(
                                "join the container's memory cgroup: {}",
                                strategies::errno_name(e)
                            );
                        }
                        let sealed = match sealer.seal() {
                            Ok(s) => s,
                            Err(e) => return format!("seal: {e}"),
                        };
                        report.milestone();
                        let opened = match opened(&sealed.exec) {
                            Ok(o) => o,
                            Err(e) => return e.to_string(),
                        };
                        let argv = match self.argv.pick(&sealed, super::Mode::Run) {
                            Ok(a) => a,
                            Err(e) => return e.to_string(),
                        };
                        let fds = Channel::None.fds(&sealed);
                        let enter = || self.plan.enter();
                        let spec = Spawn {
                            argv: &argv,
                            envp: &self.envp,
                            clone_flags: 0,
                            fds: &fds,
                            pre_exec: Some(&enter),
                            pre_exec_steps: STEPS,
                        };
                        process::exec_placed(opened.as_ref().unwrap_or(&sealed.exec), &spec)
                    },
                )?;
                self.last
                    .store(pid.as_raw_nonzero().get(), Ordering::Relaxed);
                process::reap(pid)
            }
        }
    }

    /// Without a pid namespace, kill whatever the start left running: a leftover would
    /// hold sealbench's stdout and outlive the run.
    fn after_start(&self) -> Result<()> {
        let last = self.last.swap(0, Ordering::Relaxed);
        if let (true, Some(pid)) = (self.plan.shares_pids(), Pid::from_raw(last)) {
            process::leftovers::kill(Some(pid));
        }
        Ok(())
    }
}

impl Drop for ContainerStarter {
    /// A start that failed (timed out, say) had no after_start: what it left is killed
    /// now, before the worker ends and its orphans would go to the host's init.
    fn drop(&mut self) {
        if self.plan.shares_pids() {
            process::leftovers::kill(Pid::from_raw(self.last.swap(0, Ordering::Relaxed)));
        }
    }
}
