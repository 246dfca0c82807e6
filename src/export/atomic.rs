use crate::error::{AppError, AppResult};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

fn temp_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.sealbench-{}.tmp", std::process::id()))
}

/// Fail before a run, not after it, when an export could not be written.
pub fn check_writable(path: &Path) -> AppResult<()> {
    let tmp = temp_beside(path);
    std::fs::File::create(&tmp)
        .and_then(|_| std::fs::remove_file(&tmp))
        .map_err(|e| AppError::usage(format!("cannot write {}: {e}", path.display())))?;
    if path.is_dir() {
        return Err(AppError::usage(format!(
            "cannot write {}: it is a directory",
            path.display()
        )));
    }
    Ok(())
}

/// Write `bytes` to `path` through a temporary file and a rename. The file is written
/// unnamed (O_TMPFILE), so even a SIGKILL mid-write leaves nothing; it gets a name beside
/// `path` only for the instant before the rename. Filesystems without O_TMPFILE get a
/// named temporary from the start.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> AppResult<()> {
    let tmp = temp_beside(path);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let fail =
        |e: std::io::Error| AppError::failure(format!("cannot write {}: {e}", path.display()));
    let unnamed = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_TMPFILE)
        .mode(0o644)
        .open(dir);
    let named = match unnamed {
        Ok(mut f) => {
            f.write_all(bytes)
                .and_then(|()| f.sync_all())
                .map_err(fail)?;
            if let Some(e) = interrupted(path) {
                return Err(e);
            }
            let link = format!("/proc/self/fd/{}", f.as_raw_fd());
            rustix::fs::linkat(
                rustix::fs::CWD,
                link.as_str(),
                rustix::fs::CWD,
                &tmp,
                rustix::fs::AtFlags::SYMLINK_FOLLOW,
            )
            .map_err(|e| fail(e.into()))?;
            tmp.clone()
        }
        Err(_) => {
            let written = std::fs::File::create(&tmp).and_then(|mut f| {
                f.write_all(bytes)?;
                f.sync_all()
            });
            if let Err(e) = written {
                let _ = std::fs::remove_file(&tmp);
                return Err(fail(e));
            }
            if let Some(e) = interrupted(path) {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            tmp.clone()
        }
    };
    std::fs::rename(&named, path).map_err(|e| {
        let _ = std::fs::remove_file(&named);
        fail(e)
    })
}

/// Interrupted while writing: leave the good file that may be there alone.
fn interrupted(path: &Path) -> Option<AppError> {
    crate::interrupt::caught().map(|sig| AppError {
        code: crate::interrupt::exit_code(sig),
        message: format!(
            "interrupted by signal {sig}: {} not written",
            path.display()
        ),
    })
}
