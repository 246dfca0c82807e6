use crate::expect;
use crate::{Error, Result, SealStrategy, Sealed, Sealer, Target};

/// runc's choice since 1.2.1: overlayfs where the kernel can, else a memfd copy. The first
/// strategy of the chain that works here is used, and the result row says which.
pub struct Fallback {
    pub chain: &'static [&'static dyn SealStrategy],
}

impl SealStrategy for Fallback {
    fn name(&self) -> &'static str {
        "fallback"
    }

    fn description(&self) -> &'static str {
        "overlayfs, or a memfd copy where overlayfs is unavailable, as runc does"
    }

    fn expected_audit(&self, kernel: crate::KernelVersion) -> Option<expect::Cells> {
        expect::lookup(AUDIT, kernel)
    }

    fn prepare(&self, target: &Target) -> Result<Box<dyn Sealer>> {
        let mut why = Vec::new();
        for s in self.chain {
            match s.probe(target) {
                Ok(()) => {
                    return Ok(Box::new(FallbackSealer {
                        inner: s.prepare(target)?,
                        used: s.name(),
                    }))
                }
                Err(u) => why.push(format!("{}: {u}", s.name())),
            }
        }
        Err(Error::msg(format!(
            "no strategy of the chain works here ({})",
            why.join("; ")
        )))
    }
}

struct FallbackSealer {
    inner: Box<dyn Sealer>,
    used: &'static str,
}

impl Sealer for FallbackSealer {
    fn seal(&mut self) -> Result<Sealed> {
        self.inner.seal()
    }

    fn used(&self) -> Option<&'static str> {
        Some(self.used)
    }

    fn teardown(&mut self) -> Result<()> {
        self.inner.teardown()
    }
}

/// What the audit finds, per range of kernels (see [`crate::expect`]).
const AUDIT: expect::Record = &[(
    expect::LINUX_6,
    &[
        ("write-running", "blocked (EROFS)"),
        ("write-parent-exe", "blocked (ETXTBSY)"),
        ("reopen-after-exit", "blocked (EROFS)"),
        ("remount-rw", "blocked (EROFS)"),
        ("open-by-handle", "blocked (EOPNOTSUPP)"),
        ("truncate-sealed", "blocked (EROFS)"),
        ("shares-page-cache", "yes"),
        ("full-start/write-running", "blocked (EROFS)"),
        ("full-start/write-parent-exe", "n/a"),
        ("full-start/reopen-after-exit", "blocked (EROFS)"),
    ],
)];
