use crate::expect;
use crate::{sys, Exec, Result, SealStrategy, Sealed, Sealer, Target};
use std::ffi::CString;

/// runc 1.1.15 and 1.2's default: a fresh sealed copy of the binary for every start.
pub struct Memfd;

impl SealStrategy for Memfd {
    fn name(&self) -> &'static str {
        "memfd"
    }

    fn description(&self) -> &'static str {
        "copy the binary into a sealed memfd on every start and exec that"
    }

    fn expected_audit(&self, kernel: crate::KernelVersion) -> Option<expect::Cells> {
        expect::lookup(AUDIT, kernel)
    }

    fn copies_per_start(&self) -> bool {
        true
    }

    fn prepare(&self, target: &Target) -> Result<Box<dyn Sealer>> {
        Ok(Box::new(MemfdSealer {
            exe: target.exe().to_owned(),
        }))
    }
}

struct MemfdSealer {
    exe: CString,
}

impl Sealer for MemfdSealer {
    fn seal(&mut self) -> Result<Sealed> {
        let src = sys::open_binary(&self.exe)?;
        Ok(Exec::Fd(sys::sealed_memfd_copy(c"sealbench-memfd", &src)?).into())
    }
}

/// What the audit finds, per range of kernels (see [`crate::expect`]).
const AUDIT: expect::Record = &[(
    expect::LINUX_6,
    &[
        ("write-running", "blocked (ETXTBSY)"),
        ("write-parent-exe", "blocked (ETXTBSY)"),
        ("reopen-after-exit", "blocked (EPERM)"),
        ("remount-rw", "blocked (EPERM)"),
        ("open-by-handle", "blocked (ESTALE)"),
        ("truncate-sealed", "blocked (EPERM)"),
        ("shares-page-cache", "no"),
        ("full-start/write-running", "blocked (ETXTBSY)"),
        ("full-start/write-parent-exe", "n/a"),
        ("full-start/reopen-after-exit", "blocked (EPERM)"),
    ],
)];
