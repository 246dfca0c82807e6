use crate::expect;
use crate::{Exec, Result, ResultExt, SealStrategy, Sealed, Sealer, Target};
use rustix::fs::{Mode, OFlags};
use rustix::mount::{MountFlags, UnmountFlags};
use std::ffi::CString;

/// runc 1.1's actual `bindfd`: the read-only bind is made in the caller's own mount
/// namespace, without a fresh one, and detached at once. Every start is a mount and an
/// unmount that whoever watches that namespace's mount table (systemd) sees. sealbench's
/// run namespace stands in for the host's, so nothing reaches the real host.
pub struct BindRoHost;

impl SealStrategy for BindRoHost {
    fn name(&self) -> &'static str {
        "bind-ro-host"
    }

    fn description(&self) -> &'static str {
        "per start, in the caller's own mount namespace: read-only bind, O_PATH, detach (runc 1.1)"
    }

    fn expected_audit(&self, kernel: crate::KernelVersion) -> Option<expect::Cells> {
        expect::lookup(AUDIT, kernel)
    }

    fn prepare(&self, target: &Target) -> Result<Box<dyn Sealer>> {
        Ok(Box::new(BindRoHostSealer {
            exe: target.exe().to_owned(),
        }))
    }
}

struct BindRoHostSealer {
    exe: CString,
}

impl Sealer for BindRoHostSealer {
    fn seal(&mut self) -> Result<Sealed> {
        let exe = self.exe.as_c_str();
        rustix::mount::mount_bind(exe, exe).ctx(|| format!("mount --bind {exe:?}"))?;
        // MS_BIND|MS_RDONLY in one call silently ignores RDONLY; it takes a remount.
        let opened = rustix::mount::mount_remount(exe, MountFlags::BIND | MountFlags::RDONLY, c"")
            .ctx(|| format!("mount -o remount,bind,ro {exe:?}"))
            .and_then(|()| {
                rustix::fs::open(exe, OFlags::PATH | OFlags::CLOEXEC, Mode::empty())
                    .ctx(|| format!("open({exe:?}, O_PATH)"))
            });
        rustix::mount::unmount(exe, UnmountFlags::DETACH).ctx(|| format!("umount -l {exe:?}"))?;
        Ok(Exec::Fd(opened?).into())
    }
}

/// What the audit finds, per range of kernels (see [`crate::expect`]).
const AUDIT: expect::Record = &[(
    expect::LINUX_6,
    &[
        ("write-running", "blocked (ETXTBSY)"),
        ("write-parent-exe", "blocked (ETXTBSY)"),
        ("reopen-after-exit", "blocked (EROFS)"),
        ("remount-rw", "blocked (EROFS)"),
        ("open-by-handle", "writable"),
        ("truncate-sealed", "blocked (EROFS)"),
        ("shares-page-cache", "yes"),
        ("full-start/write-running", "blocked (ETXTBSY)"),
        ("full-start/write-parent-exe", "n/a"),
        ("full-start/reopen-after-exit", "blocked (EROFS)"),
    ],
)];
