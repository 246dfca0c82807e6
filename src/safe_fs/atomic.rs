use super::{check_replaceable, replace_file, ReplaceError, STDOUT};
use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

fn refused(path: &Path, e: ReplaceError) -> Error {
    Error::usage(format!("cannot write {}: {e}", path.display()))
}

/// Fail before a run, not after it, when an export could not be written: the path holds
/// something that is not a regular file (a device, FIFO, socket, directory or symlink),
/// a file with more than one link, or is in a missing or unwritable directory. `-` is
/// standard output.
pub fn check_writable(path: &Path) -> Result<()> {
    check_replaceable(path).map_err(|e| refused(path, e))
}

/// Write `bytes` to `path` whole, through a temporary no one else can have named, renamed
/// over a regular file (keeping its mode and owner) or into a free name; `-` writes to
/// standard output. Never written through a symlink, never over anything but a regular
/// file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    if path.as_os_str() == STDOUT {
        let mut out = std::io::stdout().lock();
        return out
            .write_all(bytes)
            .and_then(|()| out.flush())
            .map_err(|source| Error::Io {
                what: "cannot write to standard output".into(),
                source,
            });
    }
    let written = replace_file(path, bytes, || crate::interrupt::caught().is_some());
    match written {
        Ok(true) => Ok(()),
        Ok(false) => Err(interrupted(path)),
        Err(
            e @ (ReplaceError::Refused(_) | ReplaceError::HardLinked(_) | ReplaceError::NoName(_)),
        ) => Err(refused(path, e)),
        Err(e) => Err(Error::failure(format!(
            "cannot write {}: {e}",
            path.display()
        ))),
    }
}

/// Interrupted while writing: the good file that may be there is left alone.
fn interrupted(path: &Path) -> Error {
    let sig = crate::interrupt::caught().unwrap_or(libc::SIGINT);
    Error::Interrupted {
        signal: sig,
        what: format!("{} not written", path.display()),
    }
}
