//! What one timed start does with the sealed runtime binary.

mod container;
mod container_start;
mod exec_true;

use crate::process::ChildExit;
use crate::sandbox::Sandbox;
use crate::process::Argv;
use rustix::fd::{AsFd, BorrowedFd};
use strategies::{Result, Sealed};

/// Where stage 2 finds its report pipe when inspected, and a sealed init (dmz) to exec in
/// place of its payload.
pub const REPORT_FD: libc::c_int = 3;
pub const INIT_FD: libc::c_int = 5;

/// A kind of start. Like strategies, workloads are listed in [`registry`] and the driver
/// never matches on their names.
pub trait Workload: Sync {
    /// Stable name, used on the command line and in results files.
    fn name(&self) -> &'static str;

    /// The Go benchmark name for benchstat exports (`BenchmarkExecTrue`).
    fn bench_name(&self) -> &'static str;

    fn description(&self) -> &'static str;

    /// Set up what every start of this workload needs (argv, a bundle), outside the timing.
    fn prepare(&self, sandbox: &Sandbox) -> Result<Box<dyn Starter>>;
}

/// A workload set up in a sandbox.
pub trait Starter {
    /// Start the sealed runtime binary as stage 2, let it exec its payload, and reap it.
    /// With `inspect`, stage 2 first reports what it sees of itself on that pipe (fd 3 in
    /// the child): the tests' and the audit's view from the container side.
    fn run(&self, sealed: &Sealed, inspect: Option<BorrowedFd>) -> Result<ChildExit>;
}

/// Stage 2's argument vectors for one payload: plain or inspected, and straight to the
/// payload or through a sealed init (dmz). Built before any start, so a start only picks.
pub struct Stage2Argv {
    vectors: [Argv; 4],
}

impl Stage2Argv {
    pub fn new(payload: &[String], inspect_payload: &[String]) -> Stage2Argv {
        let make = |flags: &[&str], tail: &[String]| {
            Argv::new(["sealbench-stage2"].iter().chain(flags).map(|s| s.to_string()).chain(tail.iter().cloned()))
        };
        Stage2Argv {
            vectors: [
                make(&[], payload),
                make(&["--inspect"], inspect_payload),
                make(&["--dmz"], payload),
                make(&["--dmz", "--inspect"], inspect_payload),
            ],
        }
    }

    pub fn pick(&self, sealed: &Sealed, inspect: bool) -> &Argv {
        &self.vectors[usize::from(inspect) + 2 * usize::from(sealed.init.is_some())]
    }
}

/// The descriptors stage 2 is given: the report pipe, and the sealed init if any.
pub fn stage2_fds<'a>(sealed: &'a Sealed, inspect: Option<BorrowedFd<'a>>) -> Vec<(BorrowedFd<'a>, libc::c_int)> {
    let mut fds: Vec<(BorrowedFd, libc::c_int)> = inspect.map(|fd| (fd, REPORT_FD)).into_iter().collect();
    fds.extend(sealed.init.as_ref().map(|fd| (fd.as_fd(), INIT_FD)));
    fds
}

pub fn registry() -> Vec<&'static dyn Workload> {
    vec![&exec_true::ExecTrue, &container_start::ContainerStart]
}
