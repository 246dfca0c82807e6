use super::{Starter, Workload};
use crate::process::{self, Argv, ChildExit, Spawn};
use crate::sandbox::Sandbox;
use rustix::fd::BorrowedFd;
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
        // Inspected, the payload is sealbench itself, reached through this process: the
        // container side of CVE-2019-5736, reopening the held fd once stage 2 is gone.
        let myself = format!("/proc/{}/exe", std::process::id());
        Ok(Box::new(ExecTrueStarter {
            argv: Argv::new(["sealbench-stage2", "/bin/true"]),
            inspect_argv: Argv::new(["sealbench-stage2", "--inspect", myself.as_str(), "__reopen-held"]),
            envp: Argv::minimal_env(),
        }))
    }
}

struct ExecTrueStarter {
    argv: Argv,
    inspect_argv: Argv,
    envp: Argv,
}

impl Starter for ExecTrueStarter {
    fn run(&self, exec: &Exec, inspect: Option<BorrowedFd>) -> Result<ChildExit> {
        let report: Vec<(BorrowedFd, libc::c_int)> = inspect.map(|fd| (fd, 3)).into_iter().collect();
        let spec = Spawn {
            argv: if inspect.is_some() { &self.inspect_argv } else { &self.argv },
            envp: &self.envp,
            clone_flags: 0,
            fds: &report,
            pre_exec: None,
            pre_exec_steps: &[],
        };
        process::reap(process::spawn(exec, &spec)?)
    }
}
