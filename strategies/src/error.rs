use rustix::io::Errno;

/// A failed step of a strategy: which step on what, and why.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The kernel refused a system call: kernel people quote the errno by name, so the
    /// name comes first and the C library's text after it.
    #[error("{what}: {} ({errno})", errno_name(*errno))]
    Sys { what: String, errno: Errno },
    /// I/O that failed without an errno (a short read, bad data): its own text is all
    /// there is to say, so it is kept.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// A step that cannot go on for a reason of its own.
    #[error("{0}")]
    Refused(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn msg(what: impl Into<String>) -> Self {
        Error::Refused(what.into())
    }

    /// The kernel's answer, when there was one.
    pub fn errno(&self) -> Option<Errno> {
        match self {
            Error::Sys { errno, .. } => Some(*errno),
            Error::Io { source, .. } => source.raw_os_error().map(Errno::from_raw_os_error),
            Error::Refused(_) => None,
        }
    }
}

/// Attach the step's description to a syscall result.
pub trait ResultExt<T> {
    fn ctx(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T> ResultExt<T> for std::result::Result<T, Errno> {
    fn ctx(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|errno| Error::Sys {
            what: what(),
            errno,
        })
    }
}

impl<T> ResultExt<T> for std::io::Result<T> {
    fn ctx(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|source| match source.raw_os_error() {
            Some(n) => Error::Sys {
                what: what(),
                errno: Errno::from_raw_os_error(n),
            },
            None => Error::Io {
                what: what(),
                source,
            },
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

    #[test]
    fn io_without_an_errno_keeps_its_text() {
        let bad = std::io::Error::new(std::io::ErrorKind::InvalidData, "not JSON");
        let e = Err::<(), _>(bad).ctx(|| "read report".into()).unwrap_err();
        assert_eq!(e.to_string(), "read report: not JSON");
        let e = Err::<(), _>(Errno::NOENT)
            .ctx(|| "open /x".into())
            .unwrap_err();
        assert!(
            e.to_string().starts_with("open /x: ENOENT (No such file"),
            "{e}"
        );
    }
}
