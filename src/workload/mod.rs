//! What one timed start does with the sealed runtime binary.

pub mod container;
mod container_start;
mod exec_true;
mod full_start;

use crate::process::Argv;
use crate::process::{self, ChildExit};
use crate::sandbox::Sandbox;
use rustix::fd::{AsFd, BorrowedFd};
use crate::error::Result;
use strategies::Sealed;

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

    /// The runtime binary its starts seal: stage 2, or sealbench's libcontainer runtime.
    fn binary(&self) -> Binary {
        Binary::Stage2
    }

    /// Set up what every start of this workload needs (argv, a bundle), outside the timing.
    fn prepare(&self, sandbox: &Sandbox) -> Result<Box<dyn Starter>>;
}

/// What gets sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binary {
    /// Stage 2, sealbench's analogue of `runc init`.
    Stage2,
    /// `sealbench-runtime`, a whole OCI runtime on youki's libcontainer.
    Runtime,
}

/// A workload set up in a sandbox.
pub trait Starter: Send {
    /// Start the sealed runtime binary as stage 2, let it exec its payload, and reap it.
    /// With a report channel, stage 2 first reports what it sees of itself on that pipe
    /// (fd 3 in the child): the tests' view from the container side.
    fn run(&self, sealed: &Sealed, channel: Channel) -> Result<ChildExit> {
        Ok(process::reap(self.spawn(sealed, channel)?)?)
    }

    /// Start stage 2 as [`Starter::run`] does, without waiting for it.
    fn spawn(&self, sealed: &Sealed, channel: Channel) -> Result<rustix::process::Pid>;

    /// Clean up after a start, outside the timed span.
    fn after_start(&self) -> Result<()> {
        Ok(())
    }
}

/// What stage 2 is asked to do.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Exec the payload.
    Run,
    /// Report what it sees of itself on fd 3, then exec the payload.
    Inspect,
    /// Stay alive until stdin closes (memory per live container).
    Hold,
}

/// Stage 2's argument vectors for one payload, per [`Mode`], straight to the payload or
/// through a sealed init (dmz). Built before any start, so a start only picks.
pub struct Stage2Argv {
    vectors: [Argv; 6],
}

impl Stage2Argv {
    pub fn new(payload: &[String], inspect_payload: &[String]) -> Result<Stage2Argv> {
        let make = |flags: &[&str], tail: &[String]| {
            Argv::new(
                ["sealbench-stage2"]
                    .iter()
                    .chain(flags)
                    .map(|s| s.to_string())
                    .chain(tail.iter().cloned()),
            )
        };
        Ok(Stage2Argv {
            vectors: [
                make(&[], payload)?,
                make(&["--inspect"], inspect_payload)?,
                make(&["--hold"], &[])?,
                make(&["--dmz"], payload)?,
                make(&["--dmz", "--inspect"], inspect_payload)?,
                make(&["--dmz", "--hold"], &[])?,
            ],
        })
    }

    pub fn pick(&self, sealed: &Sealed, mode: Mode) -> &Argv {
        let m = match mode {
            Mode::Run => 0,
            Mode::Inspect => 1,
            Mode::Hold => 2,
        };
        &self.vectors[m + 3 * usize::from(sealed.init.is_some())]
    }
}

/// How one start talks to stage 2: nothing, a report pipe (inspect), or a stdin whose
/// closing ends a held stage 2.
#[derive(Clone, Copy)]
pub enum Channel<'a> {
    None,
    Report(BorrowedFd<'a>),
    HoldUntilClosed(BorrowedFd<'a>),
}

impl<'a> Channel<'a> {
    pub fn mode(&self) -> Mode {
        match self {
            Channel::None => Mode::Run,
            Channel::Report(_) => Mode::Inspect,
            Channel::HoldUntilClosed(_) => Mode::Hold,
        }
    }

    /// The descriptors stage 2 is given: the channel, and the sealed init if any.
    pub fn fds(self, sealed: &'a Sealed) -> Vec<(BorrowedFd<'a>, libc::c_int)> {
        let mut fds = match self {
            Channel::None => Vec::new(),
            Channel::Report(fd) => vec![(fd, REPORT_FD)],
            Channel::HoldUntilClosed(fd) => vec![(fd, 0)],
        };
        fds.extend(sealed.init.as_ref().map(|fd| (fd.as_fd(), INIT_FD)));
        fds
    }
}

pub fn registry() -> Vec<&'static dyn Workload> {
    vec![
        &exec_true::ExecTrue,
        &container_start::ContainerStart,
        &full_start::FullStart,
    ]
}
