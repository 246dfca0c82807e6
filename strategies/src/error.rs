use rustix::io::Errno;
use std::fmt;

/// A failed step of a strategy: which syscall on what, and the kernel's answer.
#[derive(Debug, Clone)]
pub struct Error {
    pub what: String,
    pub errno: Option<Errno>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn msg(what: impl Into<String>) -> Self {
        Error {
            what: what.into(),
            errno: None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.errno {
            Some(e) => write!(f, "{}: {} ({})", self.what, errno_name(e), e),
            None => f.write_str(&self.what),
        }
    }
}

impl std::error::Error for Error {}

/// Attach the step's description to a syscall result.
pub trait ResultExt<T> {
    fn ctx(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T> ResultExt<T> for std::result::Result<T, Errno> {
    fn ctx(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| Error {
            what: what(),
            errno: Some(e),
        })
    }
}

impl<T> ResultExt<T> for std::io::Result<T> {
    fn ctx(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| Error {
            what: what(),
            errno: e.raw_os_error().map(Errno::from_raw_os_error),
        })
    }
}

/// The symbolic name of an errno, the way kernel people quote it (`E2BIG`), from nix's
/// complete table; a number no table knows is shown as one.
pub fn errno_name(e: Errno) -> String {
    match nix::errno::Errno::from_raw(e.raw_os_error()) {
        nix::errno::Errno::UnknownErrno => format!("errno {}", e.raw_os_error()),
        known => format!("{known:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_errno_has_its_name() {
        assert_eq!(errno_name(Errno::TOOBIG), "E2BIG");
        assert_eq!(errno_name(Errno::NOENT), "ENOENT");
        assert_eq!(errno_name(Errno::NOTRECOVERABLE), "ENOTRECOVERABLE");
        assert_eq!(errno_name(Errno::from_raw_os_error(4000)), "errno 4000");
    }
}
