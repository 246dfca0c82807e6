use crate::expect;
use crate::{sys, Error, Exec, Result, ResultExt, SealStrategy, Sealed, Sealer, Target};
use rustix::fd::OwnedFd;
use rustix::fs::{Mode, OFlags};
use std::ffi::CString;

/// runc 1.2.0's runc-dmz: the runtime binary runs unsealed, but execs a small static init
/// held in a sealed memfd in place of the container's process, and that init execs it, so
/// that what the container's process runs is never the runtime binary.
///
/// runc embeds a ~8 KiB runc-dmz and copies it per start. Here the init is sealbench's
/// stage-2 program (so that the audit can attack from inside it), which is 0.7 MiB of
/// static glibc, so its sealed copy is made once per run and shared by every start.
pub struct Dmz;

impl SealStrategy for Dmz {
    fn name(&self) -> &'static str {
        "dmz"
    }

    fn description(&self) -> &'static str {
        "exec the binary unsealed; it execs a small init from a sealed memfd, which execs the payload"
    }

    fn expected_audit(&self, kernel: crate::KernelVersion) -> Option<expect::Cells> {
        expect::lookup(AUDIT, kernel)
    }

    fn prepare(&self, target: &Target) -> Result<Box<dyn Sealer>> {
        let init = target
            .hop()
            .ok_or_else(|| Error::msg("dmz: no init program in this run"))?;
        let src = rustix::fs::open(init, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty())
            .ctx(|| format!("open({})", init.display()))?;
        let init = sys::sealed_memfd_copy(c"sealbench-dmz", &src)?;
        Ok(Box::new(DmzSealer {
            exe: target.exe().to_owned(),
            init,
        }))
    }
}

struct DmzSealer {
    exe: CString,
    init: OwnedFd,
}

impl Sealer for DmzSealer {
    fn seal(&mut self) -> Result<Sealed> {
        let init = rustix::io::fcntl_dupfd_cloexec(&self.init, 0).ctx(|| "dup(dmz init)".into())?;
        Ok(Sealed {
            exec: Exec::Path(self.exe.clone()),
            hops: vec![init],
        })
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
        ("full-start/write-running", "n/a"),
        ("full-start/write-parent-exe", "n/a"),
        ("full-start/reopen-after-exit", "n/a"),
    ],
)];
