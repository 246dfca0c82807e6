use super::{Starter, Workload};
use crate::process::{self, Argv, ChildExit, Spawn};
use crate::sandbox::Sandbox;
use strategies::{Exec, Result};

/// runc's BenchmarkExecTrue: re-exec the runtime binary, which execs /bin/true.
pub struct ExecTrue;

impl Workload for ExecTrue {
    fn name(&self) -> &'static str {
        "exec-true"
    }

    fn bench_name(&self) -> &'static str {
        "BenchmarkExecTrue"
    }

    fn description(&self) -> &'static str {
        "seal, fork, exec the sealed binary as stage 2, which execs /bin/true; reap"
    }

    fn prepare(&self, _sandbox: &Sandbox) -> Result<Box<dyn Starter>> {
        Ok(Box::new(ExecTrueStarter {
            argv: Argv::new(["sealbench-stage2", "/bin/true"]),
            envp: Argv::minimal_env(),
        }))
    }
}

struct ExecTrueStarter {
    argv: Argv,
    envp: Argv,
}

impl Starter for ExecTrueStarter {
    fn run(&self, exec: &Exec) -> Result<ChildExit> {
        let spec = Spawn {
            argv: &self.argv,
            envp: &self.envp,
            clone_flags: 0,
            fds: &[],
            pre_exec: None,
            pre_exec_steps: &[],
        };
        process::reap(process::spawn(exec, &spec)?)
    }
}
