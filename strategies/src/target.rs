use crate::{Error, Result};
use std::ffi::{CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The runtime binary a strategy seals, and a directory the strategy may use for its own
/// set-up. The binary must sit alone in its directory: overlayfs takes that directory as a
/// lower layer, and overlapping layers give ELOOP.
#[derive(Debug, Clone)]
pub struct Target {
    exe: CString,
    dir: CString,
    name: CString,
    scratch: PathBuf,
    hop: Option<PathBuf>,
}

impl Target {
    pub fn new(exe: &Path, scratch: &Path) -> Result<Target> {
        let bad = |why: &str| Error::msg(format!("runtime binary {}: {why}", exe.display()));
        if !exe.is_absolute() {
            return Err(bad("path must be absolute"));
        }
        let dir = exe.parent().ok_or_else(|| bad("has no parent directory"))?;
        let name = exe.file_name().ok_or_else(|| bad("has no file name"))?;
        let c = |p: &[u8]| CString::new(p).map_err(|_| bad("contains a NUL byte"));
        Ok(Target {
            exe: c(exe.as_os_str().as_bytes())?,
            dir: c(dir.as_os_str().as_bytes())?,
            name: c(name.as_bytes())?,
            scratch: scratch.to_path_buf(),
            hop: None,
        })
    }

    /// Absolute path of the runtime binary.
    pub fn exe(&self) -> &CStr {
        &self.exe
    }

    /// The directory that holds only the runtime binary.
    pub fn dir(&self) -> &CStr {
        &self.dir
    }

    /// The binary's file name within [`Target::dir`].
    pub fn name(&self) -> &CStr {
        &self.name
    }

    pub fn exe_path(&self) -> &Path {
        Path::new(std::ffi::OsStr::from_bytes(self.exe.as_bytes()))
    }

    /// Also offer `program`: a small static program that speaks stage 2's hop protocol,
    /// for a strategy that seals it to put between the runtime and the container's process
    /// (a [`crate::Sealed`] hop).
    pub fn with_hop(mut self, program: &Path) -> Target {
        self.hop = Some(program.to_path_buf());
        self
    }

    pub fn hop(&self) -> Option<&Path> {
        self.hop.as_deref()
    }

    /// A writable directory, outside [`Target::dir`], for a strategy's own files.
    pub fn scratch(&self) -> &Path {
        &self.scratch
    }
}
