use crate::expect;
use crate::{sys, Exec, Result, ResultExt, SealStrategy, Sealed, Sealer, Target};
use rustix::fd::AsRawFd;
use rustix::fs::{Mode, OFlags};
use std::ffi::CString;
use std::path::PathBuf;

/// runc's and crun's fallback where memfd is missing: an O_TMPFILE copy that no path
/// reaches, reopened O_PATH so that no writable fd is left when it is executed.
pub struct Tmpfile;

impl SealStrategy for Tmpfile {
    fn name(&self) -> &'static str {
        "tmpfile"
    }

    fn description(&self) -> &'static str {
        "per start, copy the binary into an O_TMPFILE file, reopen O_PATH, close the writer"
    }

    fn expected_audit(&self, kernel: crate::KernelVersion) -> Option<expect::Cells> {
        expect::lookup(AUDIT, kernel)
    }

    fn copies_per_start(&self) -> bool {
        true
    }

    fn prepare(&self, target: &Target) -> Result<Box<dyn Sealer>> {
        Ok(Box::new(TmpfileSealer {
            exe: target.exe().to_owned(),
            dir: target.scratch().to_path_buf(),
        }))
    }
}

struct TmpfileSealer {
    exe: CString,
    dir: PathBuf,
}

impl Sealer for TmpfileSealer {
    fn seal(&mut self) -> Result<Sealed> {
        let src = sys::open_binary(&self.exe)?;
        let copy = rustix::fs::open(
            &self.dir,
            OFlags::TMPFILE | OFlags::RDWR | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o700),
        )
        .ctx(|| format!("open({}, O_TMPFILE)", self.dir.display()))?;
        sys::copy_all(&copy, &src)?;
        rustix::fs::fchmod(&copy, Mode::from_raw_mode(0o500)).ctx(|| "fchmod(tmpfile)".into())?;
        // Exec refuses a file that is open for writing (ETXTBSY): keep only an O_PATH view.
        let link = format!("/proc/self/fd/{}", copy.as_raw_fd());
        let exe = rustix::fs::open(link.as_str(), OFlags::PATH | OFlags::CLOEXEC, Mode::empty())
            .ctx(|| format!("open({link}, O_PATH)"))?;
        drop(copy);
        Ok(Exec::Fd(exe).into())
    }
}

/// What the audit finds, per range of kernels (see [`crate::expect`]).
const AUDIT: expect::Record = &[(
    expect::LINUX_6,
    &[
        ("write-running", "blocked (ETXTBSY)"),
        ("write-parent-exe", "blocked (ETXTBSY)"),
        ("reopen-after-exit", "blocked"),
        ("remount-rw", "blocked"),
        ("open-by-handle", "blocked"),
        ("truncate-sealed", "blocked"),
        ("shares-page-cache", "no"),
        ("full-start/write-running", "n/a"),
        ("full-start/write-parent-exe", "n/a"),
        ("full-start/reopen-after-exit", "n/a"),
    ],
)];
