//! What one timed start does with the sealed runtime binary.

mod container;
mod container_start;
mod exec_true;

use crate::process::ChildExit;
use crate::sandbox::Sandbox;
use rustix::fd::BorrowedFd;
use strategies::{Exec, Result};

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
    fn run(&self, exec: &Exec, inspect: Option<BorrowedFd>) -> Result<ChildExit>;
}

pub fn registry() -> Vec<&'static dyn Workload> {
    vec![&exec_true::ExecTrue, &container_start::ContainerStart]
}
