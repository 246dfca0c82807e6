//! What one timed start does with the sealed runtime binary.

mod confined;
pub mod container;
mod container_start;
mod exec_true;
mod full_start;
mod report;
mod stage2;

use crate::error::Result;
use crate::observe::Observed;
use crate::process::{self, ChildExit};
pub use crate::sandbox::Binary;
use crate::sandbox::Sandbox;
use rustix::fd::BorrowedFd;
use strategies::Sealed;

pub use confined::{Confined, CopyIn};
pub use report::Report;
pub use stage2::{fds as stage2_fds, hop_args, hop_fds, Mode, Stage2Argv, REPORT_FD};

/// A kind of start. Like strategies, workloads are listed in [`registry`] and the driver
/// never matches on their names.
pub trait Workload: Sync {
    /// Stable name, used on the command line and in results files.
    fn name(&self) -> &'static str;

    fn description(&self) -> &'static str;

    /// The runtime binary its starts seal: stage 2, or sealbench's libcontainer runtime.
    fn binary(&self) -> Binary {
        Binary::Stage2
    }

    /// Whether its start makes a container, with a cgroup a seal made inside it would be
    /// charged to (`container_memory_charge_bytes`).
    fn container(&self) -> bool {
        false
    }

    /// Set up what every start of this workload needs (argv, a bundle), outside the timing.
    fn prepare(&self, sandbox: &Sandbox) -> Result<Box<dyn Starter>>;
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

    /// Whether a start can be held alive until its stdin closes (memory per live
    /// container).
    fn holds(&self) -> bool {
        true
    }

    /// Clean up after a start, outside the timed span.
    fn after_start(&self) -> Result<()> {
        Ok(())
    }

    /// One start of the memory-limit sweep, confined as `c` says, and reaped: `sealer`
    /// seals here, in the caller (copy in the caller), or in a forked child that has
    /// joined the container's cgroup first (copy in the container). A workload that makes
    /// no container cannot.
    fn run_confined(&self, sealer: &mut dyn strategies::Sealer, c: &Confined) -> Result<ChildExit> {
        let _ = (sealer, c);
        Err(crate::error::Error::failure(
            "this workload makes no container whose memory cgroup could be limited",
        ))
    }

    /// Start `sealed` outside any timing, keep a process of its image alive while it is
    /// observed, then end it. By default stage 2 held until its stdin closes.
    fn observe(&self, sealed: &Sealed, binary: &std::path::Path) -> Result<Observed> {
        use strategies::ResultExt;
        let (stdin_r, stdin_w) =
            rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).ctx(|| "pipe".into())?;
        let pid = self.spawn(
            sealed,
            Channel::HoldUntilClosed(rustix::fd::AsFd::as_fd(&stdin_r)),
        )?;
        let observed = Observed::of_process(pid.as_raw_nonzero().get(), binary);
        drop(stdin_w);
        drop(stdin_r);
        process::reap(pid)?;
        self.after_start()?;
        Ok(observed)
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

    /// The descriptors stage 2 is given: the channel, and the hops if any.
    pub fn fds(self, sealed: &'a Sealed) -> Vec<(BorrowedFd<'a>, libc::c_int)> {
        let mut fds = match self {
            Channel::None => Vec::new(),
            Channel::Report(fd) => vec![(fd, REPORT_FD)],
            Channel::HoldUntilClosed(fd) => vec![(fd, 0)],
        };
        fds.extend(stage2::hop_fds(sealed));
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
