//! Starts confined to memory cgroups that the memory-limit sweep made (see
//! `crate::sweep::memory_limit`): where the container's cgroup is, where the caller's, and
//! which of them pays for a copying strategy's copy.

use crate::process::fork::ForkSafe;
use rustix::fd::BorrowedFd;
use std::path::Path;

crate::named::named_enum! {
    /// Where a strategy's per-start copy is made, and so which memory cgroup pays for it.
    pub enum CopyIn, "copy placement" {
        /// In a process inside the container's cgroup, after it joined (runc 1.1 and
        /// earlier: `runc init` copied itself there, and a small limit killed it).
        Container = "container",
        /// In the caller, before the container's process joins its cgroup (runc 1.2 and
        /// later: `runc run` makes the copy, and the caller's cgroup pays).
        Caller = "caller",
    }
}

/// One confined start's cgroups and bundle.
pub struct Confined<'a> {
    pub copy_in: CopyIn,
    /// `cgroup.procs` of the container's memory cgroup, limited, when the sweep made it:
    /// container-start's container, or (copy in the container) the one a whole runtime
    /// will take over from the bundle's `cgroupsPath`, made ahead for the seal.
    pub container: Option<BorrowedFd<'a>>,
    /// `cgroup.procs` of the caller's memory cgroup, where the worker is for the start.
    pub caller: BorrowedFd<'a>,
    /// For a whole runtime: a bundle whose config.json puts the container's cgroup where
    /// the sweep reads it and limits it (`linux.resources.memory.limit`).
    pub bundle: &'a Path,
    /// Checked right before the start when the copy is made in the container: a child
    /// that seals may be forked now.
    pub fork_safe: Option<&'a ForkSafe>,
}

impl Confined<'_> {
    /// The proof a container-side seal needs before it forks.
    pub fn fork_safe(&self) -> crate::error::Result<&ForkSafe> {
        self.fork_safe.ok_or_else(|| {
            crate::error::Error::failure("internal: no check that a sealing child may be forked")
        })
    }

    /// The container's cgroup, which a start that makes its own container needs.
    pub fn container(&self) -> crate::error::Result<BorrowedFd<'_>> {
        self.container.ok_or_else(|| {
            crate::error::Error::failure("internal: no container cgroup was made for this start")
        })
    }
}
