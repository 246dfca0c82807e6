//! Starting and reaping the children of a start: fork-then-exec without allocating.

mod argv;
pub mod bounded;
pub mod capture;
pub mod fork;
pub mod leftovers;
mod spawn;
mod sys;
pub mod watchdog;

pub use argv::Argv;

/// Write "0" to an open `cgroup.procs`: the writer's own thread group moves there, whatever
/// pid namespace it is in. One write(2) on a descriptor opened before: allocation-free, so
/// a child may make it between fork and exec.
pub fn join_cgroup(procs: rustix::fd::BorrowedFd) -> std::result::Result<(), rustix::io::Errno> {
    loop {
        match rustix::io::write(procs, b"0") {
            Ok(_) => return Ok(()),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e),
        }
    }
}
pub use spawn::{exec_placed, reap, reap_seen, spawn, ChildExit, Counters, PreExec, Spawn};
