use crate::expect;
use crate::{Error, Exec, Result, ResultExt, SealStrategy, Sealed, Sealer, Target};
use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{Mode, OFlags};
use rustix::mount::{FsMountFlags, FsOpenFlags, MountAttrFlags};
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// runc 1.2.1's default (PR 4448): a read-only overlay of the binary's directory made with
/// the new mount API, so the mount lives in an anonymous namespace and never on the host.
pub struct Overlayfs;

impl SealStrategy for Overlayfs {
    fn name(&self) -> &'static str {
        "overlayfs"
    }

    fn description(&self) -> &'static str {
        "per start, a detached read-only overlay (fsopen/fsmount) of the binary's directory"
    }

    fn expected_audit(&self, kernel: crate::KernelVersion) -> Option<expect::Cells> {
        expect::lookup(AUDIT, kernel)
    }

    fn prepare(&self, target: &Target) -> Result<Box<dyn Sealer>> {
        // Overlay without an upperdir needs two lower layers, and layers that overlap give
        // ELOOP: the second layer is an empty directory beside, not inside, the binary's.
        let empty: PathBuf = target.scratch().join("overlayfs-empty-lower");
        if empty.starts_with(target.exe_path().parent().unwrap_or(target.scratch())) {
            return Err(Error::msg(
                "overlayfs: scratch directory lies inside the binary's directory",
            ));
        }
        match std::fs::create_dir(&empty) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                return Err(e).ctx(|| format!("mkdir {}", empty.display()));
            }
            _ => {}
        }
        let mut lower = escape_layer(target.dir().to_bytes());
        lower.push(b':');
        lower.extend(escape_layer(empty.as_os_str().as_bytes()));
        Ok(Box::new(OverlaySealer {
            lowerdir: CString::new(lower).map_err(|_| Error::msg("overlayfs: NUL in lowerdir"))?,
            name: target.name().to_owned(),
            empty,
        }))
    }
}

/// overlayfs splits `lowerdir` on ':' and treats '\' as an escape.
fn escape_layer(path: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(path.len());
    for &b in path {
        if b == b':' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out
}

struct OverlaySealer {
    lowerdir: CString,
    name: CString,
    empty: PathBuf,
}

impl Sealer for OverlaySealer {
    fn seal(&mut self) -> Result<Sealed> {
        let fs = rustix::mount::fsopen(c"overlay", FsOpenFlags::FSOPEN_CLOEXEC)
            .ctx(|| "fsopen(\"overlay\")".into())?;
        rustix::mount::fsconfig_set_string(&fs, c"lowerdir", self.lowerdir.as_c_str())
            .map_err(|e| with_log(&fs, e, "fsconfig(lowerdir)"))?;
        rustix::mount::fsconfig_create(&fs)
            .map_err(|e| with_log(&fs, e, "fsconfig(FSCONFIG_CMD_CREATE)"))?;
        let mnt = rustix::mount::fsmount(
            &fs,
            FsMountFlags::FSMOUNT_CLOEXEC,
            MountAttrFlags::MOUNT_ATTR_RDONLY
                | MountAttrFlags::MOUNT_ATTR_NODEV
                | MountAttrFlags::MOUNT_ATTR_NOSUID,
        )
        .map_err(|e| with_log(&fs, e, "fsmount"))?;
        // The O_PATH fd pins the detached mount; closing it after the start frees it.
        let exe: OwnedFd = rustix::fs::openat(
            &mnt,
            self.name.as_c_str(),
            OFlags::PATH | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .ctx(|| format!("openat(overlay, {:?}, O_PATH)", self.name))?;
        Ok(Exec::Fd(exe).into())
    }

    fn teardown(&mut self) -> Result<()> {
        match std::fs::remove_dir(&self.empty) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(e).ctx(|| format!("rmdir {}", self.empty.display()))
            }
            _ => Ok(()),
        }
    }
}

impl Drop for OverlaySealer {
    fn drop(&mut self) {
        let _ = self.teardown();
    }
}

/// The fs_context says only EINVAL; the reason (the one dmesg would show) is in its log,
/// which reads back from the fsopen fd.
fn with_log(fs: impl AsFd, errno: rustix::io::Errno, what: &str) -> Error {
    let mut log = Vec::new();
    let mut buf = [0u8; 512];
    while let Ok(n @ 1..) = rustix::io::read(&fs, &mut buf) {
        let line = String::from_utf8_lossy(&buf[..n]);
        log.push(line.trim().to_string());
    }
    let what = if log.is_empty() {
        what.to_string()
    } else {
        format!("{what} [{}]", log.join("; "))
    };
    Error::Sys { what, errno }
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
