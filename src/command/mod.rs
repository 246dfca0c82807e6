//! One file per subcommand.

pub mod attack;
pub mod audit;
pub mod bundle;
pub mod compare;
pub mod inspect;
pub mod list;
pub mod render;
pub mod report;

use crate::error::{AppError, AppResult};

/// Every subcommand that mounts or creates namespaces needs CAP_SYS_ADMIN.
pub fn require_root(what: &str) -> AppResult<()> {
    if rustix::process::geteuid().is_root() {
        Ok(())
    } else {
        Err(AppError::privilege(format!(
            "{what} needs root: it runs in a private mount namespace of its own (CAP_SYS_ADMIN)"
        )))
    }
}
