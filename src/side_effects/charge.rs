//! Memory a start charges to the container's memory cgroup. A runtime that seals itself
//! after its start has joined the container's cgroup (runc 1.1's `runc init` copied
//! itself there) makes the container pay for the copy: a container with a small memory
//! limit pays for the runtime's binary. To see what each strategy would put there, a
//! whole start (seal, spawn, run, reap, teardown) runs with the worker inside a fresh
//! memory cgroup of its own, and the cgroup's peak charge is read from its own counter.
//! The kernel charges in batches of up to 64 pages per CPU, so the figure's resolution is
//! a few hundred KiB: enough to tell a 12 MiB copy from none.

use crate::benchmark::Contender;
use crate::error::{Error, Result};
use procfs::process::{MountInfos, Process};
use procfs::ProcessCGroups;
use std::cell::Cell;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use strategies::ResultExt;

/// Starts measured per row, each in a cgroup of its own; the row keeps their median.
pub const PROBES: usize = 5;

/// Where this process's memory is charged, and how that cgroup reports its peak.
pub struct ChargeProbe {
    home: PathBuf,
    /// `memory.max_usage_in_bytes` (cgroup v1) or `memory.peak` (v2).
    peak_file: &'static str,
    /// The run's container-id prefix, so that the janitor removes a probe's cgroup left
    /// by an interrupted run.
    prefix: String,
    made: Cell<u32>,
    /// The worker could not move back home once: every later charge would land in a probe,
    /// so no further probe is made.
    stranded: Cell<bool>,
}

impl ChargeProbe {
    /// The probe for this process, or why the charge cannot be measured here.
    pub fn new(prefix: &str) -> Result<ChargeProbe> {
        let me = Process::myself().map_err(|e| Error::failure(format!("/proc/self: {e}")))?;
        let own = me
            .cgroups()
            .map_err(|e| Error::failure(format!("/proc/self/cgroup: {e}")))?;
        let mounts = me
            .mountinfo()
            .map_err(|e| Error::failure(format!("/proc/self/mountinfo: {e}")))?;
        let (home, peak_file) = match v1_home(&own, &mounts) {
            Some(home) => (home, "memory.max_usage_in_bytes"),
            None => (v2_home(&own, &mounts)?, "memory.peak"),
        };
        // What /proc named must be a cgroup filesystem, not some other place to mkdir in.
        let fs = rustix::fs::statfs(&home).ctx(|| format!("statfs {}", home.display()))?;
        if ![CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC].contains(&(fs.f_type as i64)) {
            return Err(Error::failure(format!(
                "{} is not on a cgroup filesystem",
                home.display()
            )));
        }
        Ok(ChargeProbe {
            home,
            peak_file,
            prefix: prefix.to_string(),
            made: Cell::new(0),
            stranded: Cell::new(false),
        })
    }

    /// What the probe reads, for the results' host description.
    pub fn describe(&self) -> String {
        format!(
            "{} of a fresh child of {}",
            self.peak_file,
            self.home.display()
        )
    }

    /// The median over [`PROBES`] starts of the peak charge of one start.
    pub fn per_start(&self, contender: &mut dyn Contender) -> Result<u64> {
        let mut peaks = (0..PROBES)
            .map(|_| self.one(contender))
            .collect::<Result<Vec<u64>>>()?;
        peaks.sort_unstable();
        Ok(peaks[PROBES / 2])
    }

    fn one(&self, contender: &mut dyn Contender) -> Result<u64> {
        if self.stranded.get() {
            return Err(Error::failure(
                "an earlier probe could not move the worker back to its own cgroup",
            ));
        }
        let n = self.made.get();
        self.made.set(n + 1);
        let dir = self.home.join(format!("{}charge-{n}", self.prefix));
        // mkdir fails on an existing directory: the cgroup is always a fresh one.
        std::fs::create_dir(&dir).ctx(|| format!("mkdir {}", dir.display()))?;
        let joined = Joined::enter(&self.home, &dir)?;
        let exit = contender.start();
        let left = joined.leave();
        self.stranded.set(left.is_err());
        // Outside the probe: clean-up between starts is not part of a start's cost.
        let after = contender.after_start();
        let peak = left.and_then(|()| read_u64(&dir.join(self.peak_file)));
        let removed = remove(&dir);
        // The start's own failure (a timeout, say) says more than what it left behind.
        let exit = exit?;
        after?;
        let peak = peak?;
        removed?;
        if !exit.success() {
            return Err(Error::failure(format!("the start {}", exit.describe())));
        }
        Ok(peak)
    }
}

/// From cgroup's uapi (linux/magic.h).
const CGROUP_SUPER_MAGIC: i64 = 0x0027_e0eb;
const CGROUP2_SUPER_MAGIC: i64 = 0x6367_7270;

/// This whole process (all its threads) inside a probe's cgroup; leaving, or dropping it
/// on an error, moves the process home again, so that no later charge lands in the probe.
struct Joined<'a> {
    home: &'a Path,
    inside: bool,
}

impl<'a> Joined<'a> {
    fn enter(home: &'a Path, dir: &Path) -> Result<Joined<'a>> {
        if let Err(e) = move_self(dir) {
            let _ = std::fs::remove_dir(dir);
            return Err(e);
        }
        Ok(Joined { home, inside: true })
    }

    fn leave(mut self) -> Result<()> {
        self.inside = false;
        move_self(self.home)
    }
}

impl Drop for Joined<'_> {
    fn drop(&mut self) {
        if self.inside {
            let _ = move_self(self.home);
        }
    }
}

/// Remove a probe's cgroup. What a failed start left in it (a runtime's child killed with
/// its parent, say) is killed first: a cgroup with a process in it cannot go.
fn remove(dir: &Path) -> Result<()> {
    for _ in 0..50 {
        match std::fs::remove_dir(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
                for pid in crate::sandbox::janitor::procs(dir) {
                    // SAFETY: kill(2) of a process of the probe's own cgroup, which holds
                    // only what this start made once the worker has left it.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => {
                return Err(e)
                    .ctx(|| format!("rmdir {}", dir.display()))
                    .map_err(Into::into)
            }
        }
    }
    std::fs::remove_dir(dir).ctx(|| format!("rmdir {} (still busy)", dir.display()))?;
    Ok(())
}

/// Written "0": the writer's own thread group, whatever pid namespace it is in.
fn move_self(cgroup: &Path) -> Result<()> {
    let procs = cgroup.join("cgroup.procs");
    std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&procs)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"0"))
        .ctx(|| format!("move this process into {}", cgroup.display()))?;
    Ok(())
}

fn read_u64(path: &Path) -> Result<u64> {
    let text = std::fs::read_to_string(path).ctx(|| format!("read {}", path.display()))?;
    text.trim()
        .parse()
        .map_err(|_| Error::failure(format!("{}: not a number: {text:?}", path.display())))
}

/// Where `path` (a cgroup path as /proc/self/cgroup gives it) is, under a hierarchy
/// mounted at `point` whose mount shows `root`.
fn under(root: &str, point: &Path, path: &str) -> Option<PathBuf> {
    let rest = path.strip_prefix(root.trim_end_matches('/'))?;
    // Outside the namespace's root, /proc/self/cgroup says `/..`: no place to go.
    if !(rest.is_empty() || rest.starts_with('/')) || rest.split('/').any(|c| c == "..") {
        return None;
    }
    Some(point.join(rest.trim_start_matches('/')))
}

/// The v1 memory controller's cgroup of this process, when there is one.
fn v1_home(own: &ProcessCGroups, mounts: &MountInfos) -> Option<PathBuf> {
    let path = own
        .0
        .iter()
        .find(|g| g.controllers.iter().any(|c| c == "memory"))?
        .pathname
        .as_str();
    mounts
        .0
        .iter()
        .filter(|m| m.fs_type == "cgroup" && m.super_options.contains_key("memory"))
        .find_map(|m| under(&m.root, &m.mount_point, path))
}

/// The v2 cgroup of this process, when its children get the memory controller (v2
/// allows no process in a cgroup that hands controllers down, except the root: so in
/// practice, a process in the root cgroup).
fn v2_home(own: &ProcessCGroups, mounts: &MountInfos) -> Result<PathBuf> {
    let path = own
        .0
        .iter()
        .find(|g| g.hierarchy == 0)
        .ok_or_else(|| {
            Error::failure("no memory cgroup: neither a v1 memory hierarchy nor cgroup v2")
        })?
        .pathname
        .as_str();
    let home = mounts
        .iter()
        .filter(|m| m.fs_type == "cgroup2")
        .find_map(|m| under(&m.root, &m.mount_point, path))
        .ok_or_else(|| {
            Error::failure("cgroup v2 is not mounted here, or not this process's cgroup")
        })?;
    let control = std::fs::read_to_string(home.join("cgroup.subtree_control")).unwrap_or_default();
    if control.split_whitespace().any(|c| c == "memory") {
        Ok(home)
    } else {
        Err(Error::failure(format!(
            "the memory controller is not enabled for the children of {}",
            home.display()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use procfs::FromBufRead;

    fn parsed(own: &str, mountinfo: &str) -> (ProcessCGroups, MountInfos) {
        (
            ProcessCGroups::from_buf_read(own.as_bytes()).unwrap(),
            MountInfos::from_buf_read(mountinfo.as_bytes()).unwrap(),
        )
    }

    fn home(own: &str, mountinfo: &str) -> Option<PathBuf> {
        let (own, mounts) = parsed(own, mountinfo);
        v1_home(&own, &mounts)
    }

    const MOUNTINFO: &str = "\
30 25 0:26 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate
35 25 0:31 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory
36 25 0:32 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids
";

    #[test]
    fn the_v1_memory_hierarchy_is_found_and_not_another() {
        let own = "8:pids:/\n4:memory:/process_api/abc\n0::/\n";
        assert_eq!(
            home(own, MOUNTINFO),
            Some(PathBuf::from("/sys/fs/cgroup/memory/process_api/abc"))
        );
        assert_eq!(home("0::/user.slice\n", MOUNTINFO), None);
    }

    #[test]
    fn a_mount_of_a_subtree_is_followed() {
        let mi = "35 25 0:31 /outer /mnt/mem rw - cgroup cgroup rw,memory\n";
        assert_eq!(
            home("4:memory:/outer/inner\n", mi),
            Some(PathBuf::from("/mnt/mem/inner"))
        );
        assert_eq!(home("4:memory:/elsewhere\n", mi), None);
        assert_eq!(home("4:memory:/outerx/inner\n", mi), None);
        assert_eq!(home("4:memory:/outer/../etc\n", mi), None);
    }
}
