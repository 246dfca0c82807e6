use super::{Channel, Stage2Argv, Starter, Workload};
use crate::error::Result;
use crate::process::{self, Argv, Spawn};
use crate::sandbox::Sandbox;
use rustix::process::Pid;
use strategies::Sealed;

/// runc's BenchmarkExecTrue: re-exec the runtime binary, which execs /bin/true.
pub struct ExecTrue;

impl Workload for ExecTrue {
    fn name(&self) -> &'static str {
        "exec-true"
    }

    fn description(&self) -> &'static str {
        "seal, fork, exec the sealed binary as stage 2, which execs /bin/true; reap"
    }

    fn prepare(&self, _sandbox: &Sandbox) -> Result<Box<dyn Starter>> {
        // Inspected, the payload is sealbench itself, reached through this process: the
        // container side of CVE-2019-5736, reopening the held fd once stage 2 is gone.
        let myself = format!("/proc/{}/exe", std::process::id());
        Ok(Box::new(ExecTrueStarter {
            argv: Stage2Argv::new(
                &["/bin/true".into()],
                &[myself, "__attack".into(), "reopen-after-exit".into()],
            )?,
            envp: Argv::minimal_env(),
        }))
    }
}

struct ExecTrueStarter {
    argv: Stage2Argv,
    envp: Argv,
}

impl Starter for ExecTrueStarter {
    fn spawn(&self, sealed: &Sealed, channel: Channel) -> Result<Pid> {
        let fds = channel.fds(sealed);
        let argv = self.argv.pick(sealed, channel.mode())?;
        let spec = Spawn {
            argv: &argv,
            envp: &self.envp,
            clone_flags: 0,
            fds: &fds,
            pre_exec: None,
            pre_exec_steps: &[],
        };
        Ok(process::spawn(&sealed.exec, &spec)?)
    }
}
