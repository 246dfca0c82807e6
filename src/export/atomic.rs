use crate::error::{AppError, AppResult};
use std::io::Write;
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

/// Write `bytes` to `path` through a temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> AppResult<()> {
    let tmp = temp_beside(path);
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    // Interrupted while writing: leave the good file that may be there alone.
    if let Some(sig) = crate::interrupt::caught() {
        let _ = std::fs::remove_file(&tmp);
        return Err(AppError {
            code: crate::interrupt::exit_code(sig),
            message: format!(
                "interrupted by signal {sig}: {} not written",
                path.display()
            ),
        });
    }
    match written.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(AppError::failure(format!(
                "cannot write {}: {e}",
                path.display()
            )))
        }
    }
}
