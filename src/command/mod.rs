//! One file per subcommand.

pub mod attack;
pub mod audit;
pub mod bundle;
pub mod compare;
pub mod doctor;
pub mod gate;
pub mod help;
pub mod inspect;
pub mod list;
pub mod merge;
pub mod peer_attacker;
pub mod render;
pub mod report;
pub mod sweep;

use crate::error::{Error, Result};

/// Without root, a run needs `--rootless`; this names what needs root and why.
pub fn require_root_unless_rootless(
    what: &str,
    rootless: bool,
    strategies: &[&dyn strategies::SealStrategy],
) -> Result<()> {
    if rootless || rustix::process::geteuid().is_root() {
        return Ok(());
    }
    let names: Vec<&str> = strategies.iter().map(|s| s.name()).collect();
    Err(Error::privilege(format!(
        "{what} needs root for its private mount namespace, and so do the strategies {}: run as root, or add --rootless to run in a user namespace",
        names.join(", ")
    )))
}

/// Every subcommand that mounts or creates namespaces needs CAP_SYS_ADMIN.
pub fn require_root(what: &str) -> Result<()> {
    if rustix::process::geteuid().is_root() {
        Ok(())
    } else {
        Err(Error::privilege(format!(
            "{what} needs root: it runs in a private mount namespace of its own (CAP_SYS_ADMIN)"
        )))
    }
}
