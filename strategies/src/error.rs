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

/// The symbolic name of an errno, the way kernel people quote it.
pub fn errno_name(e: Errno) -> &'static str {
    match e {
        Errno::PERM => "EPERM",
        Errno::NOENT => "ENOENT",
        Errno::INTR => "EINTR",
        Errno::IO => "EIO",
        Errno::BADF => "EBADF",
        Errno::AGAIN => "EAGAIN",
        Errno::NOMEM => "ENOMEM",
        Errno::ACCESS => "EACCES",
        Errno::FAULT => "EFAULT",
        Errno::BUSY => "EBUSY",
        Errno::EXIST => "EEXIST",
        Errno::XDEV => "EXDEV",
        Errno::NODEV => "ENODEV",
        Errno::NOTDIR => "ENOTDIR",
        Errno::ISDIR => "EISDIR",
        Errno::INVAL => "EINVAL",
        Errno::TXTBSY => "ETXTBSY",
        Errno::FBIG => "EFBIG",
        Errno::NOSPC => "ENOSPC",
        Errno::ROFS => "EROFS",
        Errno::LOOP => "ELOOP",
        Errno::NAMETOOLONG => "ENAMETOOLONG",
        Errno::NOSYS => "ENOSYS",
        Errno::OPNOTSUPP => "EOPNOTSUPP",
        Errno::STALE => "ESTALE",
        Errno::SRCH => "ESRCH",
        Errno::CHILD => "ECHILD",
        Errno::NOEXEC => "ENOEXEC",
        _ => "E?",
    }
}
