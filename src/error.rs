//! Errors that end a command, each with the exit status documented in the README.

use serde::{Deserialize, Serialize};

/// Exit statuses. 2 is for anything the user can fix by changing the command line or files.
pub mod exit {
    pub const OK: i32 = 0;
    /// A run failed, or (audit) an outcome differed from the expected one, or (gate) a
    /// regression.
    pub const FAILURE: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const PRIVILEGE: i32 = 3;
    /// `gate`: some strategy could be neither passed nor failed within the passes allowed.
    pub const INCONCLUSIVE: i32 = 4;
}

/// Who can do something about an error, which is what the exit status tells a script.
/// Serializable because an error made in the sandbox worker reaches the parent as data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Class {
    Failure,
    Usage,
    Privilege,
    Inconclusive,
    /// Ended by this signal; the shell's convention of 128 + signal.
    Interrupted(i32),
}

impl Class {
    pub fn code(self) -> i32 {
        match self {
            Class::Failure => exit::FAILURE,
            Class::Usage => exit::USAGE,
            Class::Privilege => exit::PRIVILEGE,
            Class::Inconclusive => exit::INCONCLUSIVE,
            Class::Interrupted(signal) => crate::interrupt::exit_code(signal),
        }
    }
}

/// What ends a command: its text is the one line printed, its class the exit status.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line or an input file is wrong.
    #[error("{0}")]
    Usage(String),
    /// A step of the run failed on what the user gave it (their `--bundle`), which only
    /// using it could tell.
    #[error(transparent)]
    Input(strategies::Error),
    /// Needs privileges this process does not have.
    #[error("{0}")]
    Privilege(String),
    /// A run, or a check of its outcome, failed.
    #[error("{0}")]
    Failure(String),
    /// A step of the run failed: which one, on what, and the kernel's answer.
    #[error(transparent)]
    Step(#[from] strategies::Error),
    /// Standard input or output failed.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// `gate` could neither pass nor fail some strategy.
    #[error("{0}")]
    Inconclusive(String),
    /// A signal stopped the command before `what` was done.
    #[error("interrupted by signal {signal}: {what}")]
    Interrupted { signal: i32, what: String },
    /// Made in the sandbox worker: what crosses the fork is its text and its class.
    #[error("{message}")]
    Worker { class: Class, message: String },
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }

    pub fn privilege(message: impl Into<String>) -> Self {
        Error::Privilege(message.into())
    }

    pub fn failure(message: impl Into<String>) -> Self {
        Error::Failure(message.into())
    }

    pub fn class(&self) -> Class {
        match self {
            Error::Usage(_) | Error::Input(_) => Class::Usage,
            Error::Privilege(_) => Class::Privilege,
            Error::Failure(_) | Error::Step(_) | Error::Io { .. } => Class::Failure,
            Error::Inconclusive(_) => Class::Inconclusive,
            Error::Interrupted { signal, .. } => Class::Interrupted(*signal),
            Error::Worker { class, .. } => *class,
        }
    }

    /// The exit status of a command this error ends.
    pub fn code(&self) -> i32 {
        self.class().code()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strategies::ResultExt;

    #[test]
    fn the_class_survives_the_fork() {
        let e = Error::Input(strategies::Error::msg("--bundle: bad rootfs"));
        let crossed = Error::Worker {
            class: serde_json::from_str(&serde_json::to_string(&e.class()).unwrap()).unwrap(),
            message: e.to_string(),
        };
        assert_eq!(crossed.code(), exit::USAGE);
        assert_eq!(crossed.to_string(), "--bundle: bad rootfs");
    }

    #[test]
    fn a_step_names_its_errno_and_keeps_its_cause() {
        let e: Error = Err::<(), _>(rustix::io::Errno::NOENT)
            .ctx(|| "open /x".into())
            .unwrap_err()
            .into();
        assert_eq!(e.code(), exit::FAILURE);
        assert!(e.to_string().starts_with("open /x: ENOENT ("), "{e}");
    }
}
