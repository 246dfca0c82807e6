use super::container::{ContainerPlan, STEPS};
use super::{Channel, Stage2Argv, Starter, Workload};
use crate::error::Result;
use crate::process::{self, Argv, Spawn};
use crate::sandbox::Sandbox;
use rustix::fd::OwnedFd;
use rustix::fs::{Mode, OFlags};
use rustix::process::Pid;
use std::sync::atomic::{AtomicI32, Ordering};
use strategies::{Exec, ResultExt, Sealed};

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

impl Starter for ContainerStarter {
    fn spawn(&self, sealed: &Sealed, channel: Channel) -> Result<Pid> {
        let exec = &sealed.exec;
        // The container cannot see the host's paths once it has pivoted, so a strategy
        // that hands over a path is opened here, as runc holds /proc/self/exe.
        let opened: Exec;
        let exec_ref = match exec {
            Exec::Fd(_) => exec,
            Exec::Path(p) => {
                let fd: OwnedFd =
                    rustix::fs::open(p.as_c_str(), OFlags::PATH | OFlags::CLOEXEC, Mode::empty())
                        .ctx(|| format!("open({p:?}, O_PATH)"))?;
                opened = Exec::Fd(fd);
                &opened
            }
        };
        let fds = channel.fds(sealed);
        let argv = self.argv.pick(sealed, channel.mode())?;
        let enter = || self.plan.enter();
        let spec = Spawn {
            argv: &argv,
            envp: &self.envp,
            clone_flags: self.plan.clone_flags,
            fds: &fds,
            pre_exec: Some(&enter),
            pre_exec_steps: STEPS,
        };
        let pid = process::spawn(exec_ref, &spec)?;
        self.last
            .store(pid.as_raw_nonzero().get(), Ordering::Relaxed);
        Ok(pid)
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
