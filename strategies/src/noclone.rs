use crate::expect;
use crate::{Exec, Result, SealStrategy, Sealed, Sealer, Target};
use std::ffi::CString;

/// The unprotected baseline: what every other strategy is measured against.
pub struct NoClone;

impl SealStrategy for NoClone {
    fn name(&self) -> &'static str {
        "noclone"
    }

    fn description(&self) -> &'static str {
        "exec the runtime binary as it is (unprotected baseline)"
    }

    fn expected_audit(&self, kernel: crate::KernelVersion) -> Option<expect::Cells> {
        expect::lookup(AUDIT, kernel)
    }

    fn prepare(&self, target: &Target) -> Result<Box<dyn Sealer>> {
        Ok(Box::new(NoCloneSealer {
            exe: target.exe().to_owned(),
        }))
    }
}

struct NoCloneSealer {
    exe: CString,
}

impl Sealer for NoCloneSealer {
    fn seal(&mut self) -> Result<Sealed> {
        Ok(Exec::Path(self.exe.clone()).into())
    }
}

/// What the audit finds, per range of kernels (see [`crate::expect`]).
const AUDIT: expect::Record = &[(
    expect::LINUX_6,
    &[
        ("write-running", "blocked (ETXTBSY)"),
        ("write-parent-exe", "blocked (ETXTBSY)"),
        ("reopen-after-exit", "writable"),
        ("remount-rw", "writable"),
        ("open-by-handle", "writable"),
        ("truncate-sealed", "writable"),
        ("shares-page-cache", "yes"),
        ("full-start/write-running", "blocked (ETXTBSY)"),
        ("full-start/write-parent-exe", "n/a"),
        ("full-start/reopen-after-exit", "writable"),
    ],
)];
