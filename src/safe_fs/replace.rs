use super::kind::{describe_kind, Kind};
use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{AtFlags, Mode, OFlags, CWD};
use rustix::io::Errno;
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// The name that means standard output instead of a file.
pub const STDOUT: &str = "-";

/// Why a file cannot be put at a path.
#[derive(Debug, thiserror::Error)]
pub enum ReplaceError {
    /// What is there is not ours to replace; found before anything was written.
    #[error("it is {}; sealbench writes only over a regular file or where nothing is{}", describe_kind(*.0), hint(*.0))]
    Refused(Kind),
    #[error("it has {0} hard links; replacing it would split them")]
    HardLinked(u64),
    #[error("{0} is not a file name")]
    NoName(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

fn hint(kind: Kind) -> &'static str {
    match kind {
        Kind::Symlink => " (give the path the link points to; `-` means standard output)",
        Kind::CharDevice | Kind::Fifo => " (`-` means standard output)",
        _ => "",
    }
}

impl From<Errno> for ReplaceError {
    fn from(e: Errno) -> Self {
        ReplaceError::Io(e.into())
    }
}

/// The directory of `path`, opened `O_PATH`, and its last component.
fn split(path: &Path) -> Result<(OwnedFd, OsString), ReplaceError> {
    let name = match path.file_name() {
        Some(n) if !path.as_os_str().as_bytes().ends_with(b"/") => n.to_os_string(),
        _ => return Err(ReplaceError::NoName(path.display().to_string())),
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let fd = rustix::fs::open(
        dir,
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    Ok((fd, name))
}

/// What is at `name` in `dir` now, without following a symlink: `None` for nothing.
fn existing(dir: &OwnedFd, name: &OsStr) -> Result<Option<rustix::fs::Stat>, ReplaceError> {
    match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => match Kind::of(&st) {
            Kind::Regular if st.st_nlink > 1 => Err(ReplaceError::HardLinked(st.st_nlink)),
            Kind::Regular => Ok(Some(st)),
            other => Err(ReplaceError::Refused(other)),
        },
        Err(Errno::NOENT) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A file in `dir` that no one else can have named: unnamed (`O_TMPFILE`) where the
/// filesystem can, else a random name made with `O_CREAT|O_EXCL|O_NOFOLLOW`, which a
/// planted symlink or file makes fail instead of being followed or truncated.
enum Temp {
    Unnamed(OwnedFd),
    Named(OwnedFd, OsString),
}

fn random_name(target: &OsStr) -> OsString {
    let mut n = OsString::from(".");
    n.push(target);
    n.push(format!(".sealbench-{:016x}.tmp", rand::random::<u64>()));
    n
}

fn temp_in(dir: &OwnedFd, target: &OsStr, mode: Mode) -> Result<Temp, ReplaceError> {
    match rustix::fs::openat(
        dir,
        c".",
        OFlags::TMPFILE | OFlags::WRONLY | OFlags::CLOEXEC,
        mode,
    ) {
        Ok(fd) => return Ok(Temp::Unnamed(fd)),
        Err(Errno::OPNOTSUPP | Errno::ISDIR | Errno::INVAL) => {}
        Err(e) => return Err(e.into()),
    }
    loop {
        let name = random_name(target);
        match rustix::fs::openat(
            dir,
            &name,
            OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::WRONLY | OFlags::CLOEXEC,
            mode,
        ) {
            Ok(fd) => return Ok(Temp::Named(fd, name)),
            Err(Errno::EXIST) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Refuse, before a run, a path a file could not be put at: not a regular file or
/// nothing (except `-`), a missing or unwritable directory.
pub fn check_replaceable(path: &Path) -> Result<(), ReplaceError> {
    if path.as_os_str() == STDOUT {
        return Ok(());
    }
    let (dir, name) = split(path)?;
    existing(&dir, &name)?;
    // A temporary that vanishes (or is removed at once) proves the directory writable.
    let dir_rw = reopen_dir(&dir)?;
    if let Temp::Named(_, tmp) = temp_in(&dir_rw, &name, Mode::from_raw_mode(0o600))? {
        rustix::fs::unlinkat(&dir_rw, &tmp, AtFlags::empty())?;
    }
    Ok(())
}

/// O_TMPFILE needs a directory opened for real, not O_PATH.
fn reopen_dir(dir: &OwnedFd) -> Result<OwnedFd, ReplaceError> {
    Ok(rustix::fs::openat(
        dir,
        c".",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

/// Put `bytes` at `path` whole: written to a temporary, synced, and renamed over what is
/// there, which must be a regular file with one link (its mode and owner are kept) or
/// nothing. `interrupted` is asked just before the rename, so that a run interrupted
/// meanwhile leaves the old file as it was (`Ok(false)`).
pub fn replace_file(
    path: &Path,
    bytes: &[u8],
    interrupted: impl Fn() -> bool,
) -> Result<bool, ReplaceError> {
    let (dir, name) = split(path)?;
    replace_at(&dir, &name, bytes, None, interrupted)
}

/// [`replace_file`] for `name` in the directory `dir` (which may be opened `O_PATH`);
/// `mode`, when given, is the file's mode whatever it was before.
pub fn replace_at(
    dir: &OwnedFd,
    name: &OsStr,
    bytes: &[u8],
    mode: Option<Mode>,
    interrupted: impl Fn() -> bool,
) -> Result<bool, ReplaceError> {
    let dir = reopen_dir(dir)?;
    let old = existing(&dir, name)?;
    let temp = temp_in(&dir, name, Mode::from_raw_mode(0o644))?;
    let fd = match &temp {
        Temp::Unnamed(fd) | Temp::Named(fd, _) => fd,
    };
    let written = fill(fd, bytes, old.as_ref(), mode);
    let named = match (&temp, written) {
        (Temp::Named(_, n), Err(e)) => {
            let _ = rustix::fs::unlinkat(&dir, n, AtFlags::empty());
            return Err(e);
        }
        (Temp::Unnamed(_), Err(e)) => return Err(e),
        (_, Ok(())) if interrupted() => {
            if let Temp::Named(_, n) = &temp {
                let _ = rustix::fs::unlinkat(&dir, n, AtFlags::empty());
            }
            return Ok(false);
        }
        (Temp::Named(_, n), Ok(())) => n.clone(),
        (Temp::Unnamed(fd), Ok(())) => link_unnamed(fd, &dir, name)?,
    };
    rustix::fs::renameat(&dir, &named, &dir, name).map_err(|e| {
        let _ = rustix::fs::unlinkat(&dir, &named, AtFlags::empty());
        ReplaceError::from(e)
    })?;
    Ok(true)
}

fn fill(
    fd: &OwnedFd,
    bytes: &[u8],
    old: Option<&rustix::fs::Stat>,
    mode: Option<Mode>,
) -> Result<(), ReplaceError> {
    if let Some(m) = mode {
        rustix::fs::fchmod(fd, m)?;
    } else if let Some(st) = old {
        // Owner first: chown clears set-id bits, which the chmod then puts back. A
        // failure is reported: the replaced file would otherwise change hands.
        rustix::fs::fchown(
            fd,
            Some(rustix::fs::Uid::from_raw(st.st_uid)),
            Some(rustix::fs::Gid::from_raw(st.st_gid)),
        )?;
        rustix::fs::fchmod(fd, Mode::from_raw_mode(st.st_mode & 0o7777))?;
    }
    let mut off = 0;
    while off < bytes.len() {
        match rustix::io::write(fd, &bytes[off..]) {
            Ok(n) => off += n,
            Err(Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    rustix::fs::fsync(fd)?;
    Ok(())
}

/// Give the unnamed file a fresh random name beside the target (linkat never replaces
/// or follows what is at its new name: EEXIST, try another).
fn link_unnamed(fd: &OwnedFd, dir: &OwnedFd, target: &OsStr) -> Result<OsString, ReplaceError> {
    let proc_path = format!(
        "/proc/self/fd/{}",
        rustix::fd::AsRawFd::as_raw_fd(&fd.as_fd())
    );
    loop {
        let name = random_name(target);
        match rustix::fs::linkat(CWD, proc_path.as_str(), dir, &name, AtFlags::SYMLINK_FOLLOW) {
            Ok(()) => return Ok(name),
            Err(Errno::EXIST) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests;
