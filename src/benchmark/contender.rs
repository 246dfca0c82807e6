use crate::process::ChildExit;
use crate::workload::{Channel, Starter};
use rustix::fd::{AsFd, OwnedFd};
use rustix::process::Pid;
use strategies::{Result, Sealer};

/// Something whose starts are timed: a strategy under a workload, or a runtime peer.
pub trait Contender: Send {
    /// One start. The timed span is this call: for a strategy, seal to reap.
    fn start(&mut self) -> Result<ChildExit>;

    /// Work between starts that is not part of a start's cost (deleting a peer's
    /// container, say).
    fn after_start(&mut self) -> Result<()> {
        Ok(())
    }

    /// Start stage 2 from a fresh seal and leave it alive until `stdin` closes, the
    /// caller's handles on the sealed object closed. `None` if this contender cannot.
    fn hold(&mut self, _stdin: &OwnedFd) -> Result<Option<Pid>> {
        Ok(None)
    }

    /// The strategy that actually ran, where a fallback chain chose one.
    fn used(&self) -> Option<&'static str> {
        None
    }

    /// Undo the set-up. Safe to call more than once.
    fn teardown(&mut self) -> Result<()> {
        Ok(())
    }
}

/// A strategy's sealer driving a workload's starter.
pub struct SealedStart {
    pub sealer: Box<dyn Sealer>,
    pub starter: Box<dyn Starter>,
}

impl Contender for SealedStart {
    fn start(&mut self) -> Result<ChildExit> {
        let sealed = self.sealer.seal()?;
        let exit = self.starter.run(&sealed, Channel::None);
        // Closing what the seal made (a memfd freed, a detached mount torn down) is part
        // of the cost a runtime pays, so it happens inside the timed span.
        drop(sealed);
        exit
    }

    fn used(&self) -> Option<&'static str> {
        self.sealer.used()
    }

    fn after_start(&mut self) -> Result<()> {
        self.starter.after_start()
    }

    fn hold(&mut self, stdin: &OwnedFd) -> Result<Option<Pid>> {
        let sealed = self.sealer.seal()?;
        let pid = self
            .starter
            .spawn(&sealed, Channel::HoldUntilClosed(stdin.as_fd()))?;
        Ok(Some(pid))
    }

    fn teardown(&mut self) -> Result<()> {
        self.sealer.teardown()
    }
}
