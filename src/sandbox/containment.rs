//! Every process a run creates stays findable after an interruption: the worker joins a
//! cgroup of the run's own (`<prefix>run`, named like the runtimes' container cgroups), and
//! its descendants are born in it. A runtime moves its container's processes into cgroups
//! of its own, named by the container id (the same prefix); anything else a runtime leaves
//! behind (a daemonized child, a hung `run`'s children) is still here when the worker is
//! killed, and the janitor kills everything in these cgroups and removes them.
//!
//! The hierarchy is the v2 one where one is mounted (on a hybrid host it has no
//! controllers, and the run's namespace hides it from the runtimes, so they never see the
//! worker's place in it), else v1's pids. It only groups processes: no controller is
//! enabled, and nothing is limited or charged by it.

use crate::error::{Error, Result};
use std::path::PathBuf;

/// The run's containment cgroup, joined by the calling process.
pub fn join(prefix: &str) -> Result<PathBuf> {
    let me = procfs::process::Process::myself().map_err(|e| Error::failure(e.to_string()))?;
    let mounts = me.mountinfo().map_err(|e| Error::failure(e.to_string()))?;
    let own = me.cgroups().map_err(|e| Error::failure(e.to_string()))?;
    let v2 = mounts.iter().find(|m| m.fs_type == "cgroup2");
    let (mount, path) = match v2 {
        Some(m) => (
            m.mount_point.clone(),
            own.0
                .iter()
                .find(|c| c.hierarchy == 0)
                .map(|c| c.pathname.clone()),
        ),
        None => {
            let pids = mounts
                .iter()
                .find(|m| m.fs_type == "cgroup" && m.super_options.contains_key("pids"))
                .ok_or_else(|| Error::failure("no cgroup v2 and no v1 pids hierarchy"))?;
            (
                pids.mount_point.clone(),
                own.0
                    .iter()
                    .find(|c| c.controllers.iter().any(|k| k == "pids"))
                    .map(|c| c.pathname.clone()),
            )
        }
    };
    let path = path.ok_or_else(|| Error::failure("this process is in no such cgroup"))?;
    let dir = mount
        .join(path.trim_start_matches('/'))
        .join(format!("{prefix}run"));
    std::fs::create_dir(&dir)
        .map_err(|e| Error::failure(format!("mkdir {}: {e}", dir.display())))?;
    std::fs::write(
        dir.join("cgroup.procs"),
        rustix::process::getpid().as_raw_nonzero().to_string(),
    )
    .map_err(|e| Error::failure(format!("join {}: {e}", dir.display())))?;
    Ok(dir)
}
