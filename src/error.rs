//! Errors that end a command, each with the exit status documented in the README.

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

/// What ends a command: the message printed on its one line, and the exit status.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: i32,
    pub message: String,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn usage(message: impl Into<String>) -> Self {
        AppError {
            code: exit::USAGE,
            message: message.into(),
        }
    }

    pub fn privilege(message: impl Into<String>) -> Self {
        AppError {
            code: exit::PRIVILEGE,
            message: message.into(),
        }
    }

    pub fn failure(message: impl Into<String>) -> Self {
        AppError {
            code: exit::FAILURE,
            message: message.into(),
        }
    }
}

impl From<strategies::Error> for AppError {
    fn from(e: strategies::Error) -> Self {
        AppError::failure(e.to_string())
    }
}
