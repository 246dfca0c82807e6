use crate::error::Result;
use crate::observe::Observed;
use crate::process::ChildExit;
pub use crate::results::Phases;
use crate::workload::{Channel, Confined, Starter};
use rustix::fd::{AsFd, OwnedFd};
use rustix::process::Pid;
use std::time::Instant;
use strategies::Sealer;

/// Something whose starts are timed: a strategy under a workload, or a runtime peer.
pub trait Contender: Send {
    /// One start. The timed span is this call: for a strategy, seal to reap.
    fn start(&mut self) -> Result<ChildExit>;

    /// One start of the memory-limit sweep, in the cgroups and with the bundle `c` names;
    /// the timed span is this call. A failed start is an outcome there, not an error of
    /// the run: `Err` says why it failed.
    fn start_confined(&mut self, c: &Confined) -> Result<ChildExit> {
        let _ = c;
        Err(crate::error::Error::failure(
            "this row cannot be confined to a memory cgroup",
        ))
    }

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

    /// Time the phases of each start from now on (`--phases`), if this contender can.
    fn record_phases(&mut self) -> bool {
        false
    }

    /// The phases of the last start, when recorded.
    fn last_phases(&self) -> Option<Phases> {
        None
    }

    /// What a start of this contender really seals, seen on a live process of its sealed
    /// image started outside any timing; `None` if it cannot be observed.
    fn observe(&mut self) -> Option<Observed> {
        None
    }

    /// The work its strategy does off the starts (a pool's keeper), since set-up.
    fn background(&self) -> Option<strategies::Background> {
        None
    }
}

/// A strategy's sealer driving a workload's starter.
pub struct SealedStart {
    pub sealer: Box<dyn Sealer>,
    pub starter: Box<dyn Starter>,
    /// `--phases`: the last start's phases, recorded when `Some`.
    pub phases: Option<Option<Phases>>,
    /// The runtime binary the sealer seals, as the run's namespace shows it at its path.
    pub binary: std::path::PathBuf,
}

impl SealedStart {
    pub fn new(
        sealer: Box<dyn Sealer>,
        starter: Box<dyn Starter>,
        binary: &std::path::Path,
    ) -> SealedStart {
        SealedStart {
            sealer,
            starter,
            phases: None,
            binary: binary.to_path_buf(),
        }
    }

    /// The same start as [`Contender::start`], with a clock read between the phases (five
    /// vDSO reads, a few tens of nanoseconds in all).
    fn start_phased(&mut self) -> Result<ChildExit> {
        let t0 = Instant::now();
        let sealed = self.sealer.seal()?;
        let t1 = Instant::now();
        let pid = self.starter.spawn(&sealed, Channel::None)?;
        let t2 = Instant::now();
        let (exit, t3) = crate::process::reap_seen(pid)?;
        let t4 = Instant::now();
        drop(sealed);
        let t5 = Instant::now();
        let d = |a: Instant, b: Instant| b.duration_since(a).as_secs_f64();
        self.phases = Some(Some(Phases {
            seal: d(t0, t1),
            spawn: d(t1, t2),
            run: d(t2, t3),
            reap: d(t3, t4),
            teardown: d(t4, t5),
        }));
        Ok(exit)
    }
}

impl Contender for SealedStart {
    fn record_phases(&mut self) -> bool {
        self.phases = Some(None);
        true
    }

    fn last_phases(&self) -> Option<Phases> {
        self.phases.flatten()
    }

    fn start(&mut self) -> Result<ChildExit> {
        if self.phases.is_some() {
            return self.start_phased();
        }
        let sealed = self.sealer.seal()?;
        let exit = self.starter.run(&sealed, Channel::None);
        // Closing what the seal made (a memfd freed, a detached mount torn down) is part
        // of the cost a runtime pays, so it happens inside the timed span.
        drop(sealed);
        exit
    }

    fn start_confined(&mut self, c: &Confined) -> Result<ChildExit> {
        self.starter.run_confined(&mut *self.sealer, c)
    }

    fn used(&self) -> Option<&'static str> {
        self.sealer.used()
    }

    fn after_start(&mut self) -> Result<()> {
        self.starter.after_start()
    }

    fn hold(&mut self, stdin: &OwnedFd) -> Result<Option<Pid>> {
        if !self.starter.holds() {
            return Ok(None);
        }
        let sealed = self.sealer.seal()?;
        let pid = self
            .starter
            .spawn(&sealed, Channel::HoldUntilClosed(stdin.as_fd()))?;
        Ok(Some(pid))
    }

    fn teardown(&mut self) -> Result<()> {
        Ok(self.sealer.teardown()?)
    }

    fn background(&self) -> Option<strategies::Background> {
        self.sealer.background()
    }

    fn observe(&mut self) -> Option<Observed> {
        let observed = self
            .sealer
            .seal()
            .map_err(crate::error::Error::from)
            .and_then(|sealed| self.starter.observe(&sealed, &self.binary));
        Some(observed.unwrap_or_else(|e| Observed::unknown(e.to_string())))
    }
}
