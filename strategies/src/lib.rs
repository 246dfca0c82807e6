//! The ways a container runtime can seal its own binary before a container can reach it
//! through `/proc/<pid>/exe` (CVE-2019-5736), one module per strategy.
//!
//! The driver only ever sees [`SealStrategy`] and [`Sealer`]; it never matches on a name.
//! Adding a strategy is one new module plus one line in [`registry`].

mod error;
pub mod expect;
#[cfg(test)]
mod scratch;
pub mod sys;
mod target;

mod bind_ro;
mod bind_ro_host;
mod dmz;
mod fallback;
mod memfd;
mod memfd_bind;
mod memfd_pool;
mod noclone;
mod open_tree;
mod overlayfs;
mod reflink;
mod tmpfile;

use std::os::fd::OwnedFd;

pub use error::{errno_name, Error, Result, ResultExt};
pub use expect::KernelVersion;
use std::ffi::CString;
pub use target::Target;

/// The strategy every other is measured against unless `--reference` says otherwise: the
/// unprotected baseline, which execs the runtime binary as it is.
pub const DEFAULT_REFERENCE: &str = "noclone";

/// What a sealed start executes: the runtime binary as stage 2, then the hops, if any.
#[derive(Debug)]
pub struct Sealed {
    pub exec: Exec,
    /// Sealed programs that stage 2 execs in place of its payload, in this order, each
    /// handing the rest of stage 2's arguments on to the next and the last to the payload
    /// (runc-dmz's sealed init is one), so that the container's process never runs the
    /// runtime binary. Each must speak stage 2's hop protocol (see `src/stage2/main.rs`).
    pub hops: Vec<OwnedFd>,
}

impl From<Exec> for Sealed {
    fn from(exec: Exec) -> Sealed {
        Sealed {
            exec,
            hops: Vec::new(),
        }
    }
}

/// How stage 2 is executed.
#[derive(Debug)]
pub enum Exec {
    /// Run with `execveat(fd, "", argv, envp, AT_EMPTY_PATH)`.
    Fd(OwnedFd),
    /// Run with `execve(path, argv, envp)`.
    Path(CString),
}

/// One way of sealing the runtime binary.
pub trait SealStrategy: Sync {
    /// Stable name, used on the command line and in results files.
    fn name(&self) -> &'static str;

    /// One line saying what the strategy does.
    fn description(&self) -> &'static str;

    /// Whether this kernel, with these privileges, can run the strategy on `target`.
    ///
    /// The default answer is found the honest way: set the strategy up and seal once. A
    /// strategy only overrides it when it can tell for certain without touching the kernel.
    fn probe(&self, target: &Target) -> std::result::Result<(), Unsupported> {
        let mut sealer = self.prepare(target).map_err(Unsupported::from)?;
        // The sealed object goes before the set-up, as after a real start: what it holds
        // can pin the set-up (a reflink clone, its filesystem).
        let sealed = sealer.seal().map(drop).map_err(Unsupported::from);
        sealer.teardown().map_err(Unsupported::from)?;
        sealed
    }

    /// Whether every start copies the whole binary (memfd, tmpfile). Such a cost follows
    /// the machine's memory bandwidth, which drifts more between runs than exec paths do,
    /// so a regression gate allows it a wider margin.
    fn copies_per_start(&self) -> bool {
        false
    }

    /// What `sealbench audit` should find for this strategy on `kernel`, attack by attack,
    /// where that is recorded ([`expect`]): `None` for a kernel outside every recorded
    /// range. Where the strategy is unsupported, the audit's cells are `not-applicable`
    /// whatever is recorded here, and that is expected.
    fn expected_audit(&self, kernel: KernelVersion) -> Option<expect::Cells> {
        let _ = kernel;
        None
    }

    /// The once-per-run set-up (memfd-bind's sealed copy and its bind mount, say).
    /// Dropping the returned [`Sealer`] tears it down if [`Sealer::teardown`] was not called.
    fn prepare(&self, target: &Target) -> Result<Box<dyn Sealer>>;
}

/// A strategy set up for one run on one target.
pub trait Sealer: Send {
    /// The per-start sealing step. The timed span of every workload starts here.
    fn seal(&mut self) -> Result<Sealed>;

    /// The strategy that actually sealed the last start, where it can differ from the
    /// configured one (a fallback chain).
    fn used(&self) -> Option<&'static str> {
        None
    }

    /// Undo the set-up. Must be safe to call more than once; `Drop` calls it too.
    fn teardown(&mut self) -> Result<()> {
        Ok(())
    }

    /// The work this strategy does outside the starts it serves (a pool refilled in the
    /// background), so far: `None` for a strategy that does all its work in [`Sealer::seal`].
    /// Still answers after [`Sealer::teardown`], with the final figures.
    fn background(&self) -> Option<Background> {
        None
    }
}

/// What a strategy's background work has cost, and done, since its set-up: what the time
/// of its starts does not show. A driver reads it before and after the measured starts and
/// reports the difference per start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Background {
    /// CPU time (user and system) of the background work, where the strategy can count it
    /// (a process of its own); `None` where the work is the kernel's (a filesystem's
    /// worker threads), which cannot be told apart from other work.
    pub cpu: Option<std::time::Duration>,
    /// Memory held for starts to come, now (a pool's copies at rest, a filesystem image).
    pub held_bytes: u64,
    /// Starts served by work done ahead (a pool's copy, a master copy cloned).
    pub served: u64,
    /// Starts that found nothing ready and did the work themselves.
    pub inline: u64,
    /// Ready work thrown away (made from a binary that has changed since).
    pub discarded: u64,
}

/// Why a strategy cannot run here: `unsupported: <reason>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

impl From<Error> for Unsupported {
    fn from(e: Error) -> Self {
        Unsupported(e.to_string())
    }
}

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Every strategy, in the order reports list them. The baseline comes first.
pub fn registry() -> Vec<&'static dyn SealStrategy> {
    vec![
        &noclone::NoClone,
        &memfd::Memfd,
        &memfd_bind::MemfdBind,
        &memfd_pool::MemfdPool,
        &bind_ro::BindRo,
        &overlayfs::Overlayfs,
        &tmpfile::Tmpfile,
        &open_tree::OpenTree,
        &dmz::Dmz,
        &fallback::Fallback {
            chain: &[&overlayfs::Overlayfs, &memfd::Memfd],
        },
        &bind_ro_host::BindRoHost,
        &reflink::Reflink,
    ]
}

/// Look a strategy up by its stable name.
pub fn by_name(name: &str) -> Option<&'static dyn SealStrategy> {
    registry().into_iter().find(|s| s.name() == name)
}
