use crate::expect;
use crate::{sys, Exec, Result, ResultExt, SealStrategy, Sealed, Sealer, Target};
use rustix::mount::{MountAttrFlags, OpenTreeFlags};
use std::ffi::CString;

/// crun's detached bind: `open_tree(OPEN_TREE_CLONE)` of the binary and
/// `mount_setattr(MOUNT_ATTR_RDONLY)` on the copy. No mount namespace is made and no mount
/// ever appears in one, so no mount event and no lock on the namespace.
pub struct OpenTree;

impl SealStrategy for OpenTree {
    fn name(&self) -> &'static str {
        "open-tree"
    }

    fn description(&self) -> &'static str {
        "per start, open_tree(OPEN_TREE_CLONE) of the binary, mount_setattr(RDONLY), exec it"
    }

    fn expected_audit(&self, kernel: crate::KernelVersion) -> Option<expect::Cells> {
        expect::lookup(AUDIT, kernel)
    }

    fn prepare(&self, target: &Target) -> Result<Box<dyn Sealer>> {
        Ok(Box::new(OpenTreeSealer {
            exe: target.exe().to_owned(),
        }))
    }
}

struct OpenTreeSealer {
    exe: CString,
}

impl Sealer for OpenTreeSealer {
    fn seal(&mut self) -> Result<Sealed> {
        let tree = rustix::mount::open_tree(
            rustix::fs::CWD,
            self.exe.as_c_str(),
            OpenTreeFlags::OPEN_TREE_CLONE | OpenTreeFlags::OPEN_TREE_CLOEXEC,
        )
        .ctx(|| format!("open_tree({:?}, OPEN_TREE_CLONE)", self.exe))?;
        sys::mount_setattr(
            &tree,
            MountAttrFlags::MOUNT_ATTR_RDONLY,
            MountAttrFlags::empty(),
        )
        .ctx(|| "mount_setattr(MOUNT_ATTR_RDONLY)".into())?;
        // The detached tree's root is the binary itself: its fd is the O_PATH view to exec.
        Ok(Exec::Fd(tree).into())
    }
}

/// What the audit finds, per range of kernels (see [`crate::expect`]).
const AUDIT: expect::Record = &[(
    expect::LINUX_6,
    &[
        ("write-running", "blocked (ETXTBSY)"),
        ("write-parent-exe", "blocked (ETXTBSY)"),
        ("reopen-after-exit", "blocked (EROFS)"),
        ("remount-rw", "writable"),
        ("open-by-handle", "writable"),
        ("truncate-sealed", "blocked (EROFS)"),
        ("shares-page-cache", "yes"),
        ("full-start/write-running", "blocked (ETXTBSY)"),
        ("full-start/write-parent-exe", "n/a"),
        ("full-start/reopen-after-exit", "blocked (EROFS)"),
    ],
)];
