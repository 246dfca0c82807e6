//! Starting and reaping the children of a start: fork-then-exec without allocating.

mod argv;
pub mod bounded;
pub mod capture;
pub mod leftovers;
mod spawn;
mod sys;
pub mod watchdog;

pub use argv::Argv;
pub use spawn::{reap, reap_seen, spawn, ChildExit, Counters, PreExec, Spawn};
