//! Mount namespaces prepared once and entered per start, so that a host-mounts sweep can
//! interleave its values: each value's extra mounts live in a copy of the run's namespace
//! of their own, and a start of that value runs there. A namespace goes when the last fd to
//! it is closed (no process lives in it), and its mounts with it.

use crate::error::Result;
use rustix::fd::OwnedFd;
use rustix::fs::{Mode, OFlags};
use rustix::thread::{LinkNameSpaceType, UnshareFlags};
use std::sync::Arc;
use strategies::ResultExt;

fn current() -> Result<OwnedFd> {
    rustix::fs::open(
        "/proc/self/ns/mnt",
        OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .ctx(|| "open /proc/self/ns/mnt".into())
    .map_err(Into::into)
}

fn switch(to: &OwnedFd) -> Result<()> {
    use rustix::fd::AsFd;
    rustix::thread::move_into_link_name_space(to.as_fd(), Some(LinkNameSpaceType::Mount))
        .ctx(|| "setns(CLONE_NEWNS)".into())
        .map_err(Into::into)
}

/// A mount namespace to run starts in, and the one to come back to.
pub struct MountNs {
    into: OwnedFd,
    back: Arc<OwnedFd>,
}

impl MountNs {
    /// A copy of the calling thread's namespace, changed by `fill` (run inside it); the
    /// caller is back in its own namespace when this returns.
    pub fn copy_with(fill: impl FnOnce() -> Result<()>) -> Result<MountNs> {
        let back = Arc::new(current()?);
        // SAFETY: NEWNS (which implies FS) gives the calling thread a mount namespace and a
        // root/cwd of its own; unlike FILES it shares nothing another thread could observe
        // half-changed. Other threads (the run-timeout watchdog) keep the old namespace,
        // which they never use.
        unsafe { rustix::thread::unshare_unsafe(UnshareFlags::NEWNS) }
            .ctx(|| "unshare(CLONE_NEWNS)".into())?;
        let made = fill().and_then(|()| current());
        switch(&back)?;
        Ok(MountNs { into: made?, back })
    }

    /// Run `f` inside this namespace, and come back whatever it returns.
    pub fn within<T>(&self, f: impl FnOnce() -> T) -> Result<T> {
        switch(&self.into)?;
        let out = f();
        switch(&self.back)?;
        Ok(out)
    }
}
