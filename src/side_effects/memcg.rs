//! Memory cgroups the run makes for itself: where they go, how they are limited and read,
//! on cgroup v1 (the `memory` controller's own hierarchy) and v2 alike, and how they are
//! removed. Every cgroup made here is named with the run's prefix (`sealbench-<worker
//! pid>-`), so that the janitor removes what an interrupted run leaves.
//!
//! | what                 | v1                                   | v2                    |
//! |----------------------|--------------------------------------|-----------------------|
//! | limit                | `memory.limit_in_bytes`              | `memory.max`          |
//! | peak                 | `memory.max_usage_in_bytes`          | `memory.peak`         |
//! | OOM kills            | `memory.oom_control`: `oom_kill`     | `memory.events`: `oom_kill` |
//!
//! Both peaks are hierarchical (a child's charge is its ancestors' too); v1's OOM-kill
//! count is the victim's cgroup's alone, v2's counts the victims of the whole subtree.

use crate::error::{Error, Result};
use procfs::process::{MountInfos, Process};
use procfs::ProcessCGroups;
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::{Mode, OFlags};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use strategies::ResultExt;

/// From cgroup's uapi (linux/magic.h).
const CGROUP_SUPER_MAGIC: i64 = 0x0027_e0eb;
const CGROUP2_SUPER_MAGIC: i64 = 0x6367_7270;

/// Apart, so that the macro's `Result` is std's.
mod names {
    crate::named::named_enum! {
        /// Which cgroup interface the memory controller is on.
        pub enum Version, "cgroup version" {
            V1 = "v1",
            V2 = "v2",
        }
    }
}
pub use names::Version;

impl Version {
    pub fn limit_file(self) -> &'static str {
        match self {
            Version::V1 => "memory.limit_in_bytes",
            Version::V2 => "memory.max",
        }
    }

    pub fn peak_file(self) -> &'static str {
        match self {
            Version::V1 => "memory.max_usage_in_bytes",
            Version::V2 => "memory.peak",
        }
    }

    pub fn oom_file(self) -> &'static str {
        match self {
            Version::V1 => "memory.oom_control",
            Version::V2 => "memory.events",
        }
    }
}

/// How the run's memory cgroups were made and read, for the results.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Method {
    pub version: Version,
    /// Where the run's own cgroups were made (containers a runtime makes go where the
    /// bundle's `cgroupsPath` puts them, under `mount`).
    pub home: String,
    pub mount: String,
    pub limit_file: String,
    pub peak_file: String,
    /// The file and its `oom_kill` key.
    pub oom_file: String,
}

/// The memory hierarchy as this process finds it.
#[derive(Debug, Clone)]
pub struct Hierarchy {
    pub version: Version,
    /// Where this process's memory cgroups are made: its own memory cgroup on v1; on v2
    /// the nearest cgroup above it (or its own) that hands the memory controller to its
    /// children (v2 lets no process live in a cgroup that does, except the root, so this
    /// process's own cgroup seldom qualifies).
    pub home: PathBuf,
    /// The hierarchy's mount point: where a runtime puts a bundle's absolute
    /// `cgroupsPath`.
    pub mount: PathBuf,
    /// This process's own cgroup in it, where it goes back to after a stay in one of the
    /// run's (the home itself on v1).
    pub own: PathBuf,
}

impl Hierarchy {
    /// The memory hierarchy of this process, or why there is none to use.
    pub fn find() -> Result<Hierarchy> {
        let me = Process::myself().map_err(|e| Error::failure(format!("/proc/self: {e}")))?;
        let own = me
            .cgroups()
            .map_err(|e| Error::failure(format!("/proc/self/cgroup: {e}")))?;
        let mounts = me
            .mountinfo()
            .map_err(|e| Error::failure(format!("/proc/self/mountinfo: {e}")))?;
        let found = match v1_home(&own, &mounts) {
            Some((home, mount)) => Hierarchy {
                version: Version::V1,
                own: home.clone(),
                home,
                mount,
            },
            None => {
                let (own_dir, mount) = v2_own(&own, &mounts)?;
                let home = v2_home(&own_dir, &mount, |dir| {
                    std::fs::read_to_string(dir.join("cgroup.subtree_control")).unwrap_or_default()
                })
                .ok_or_else(|| {
                    Error::failure(format!(
                        "no cgroup from {} up hands the memory controller to its children",
                        own_dir.display()
                    ))
                })?;
                Hierarchy {
                    version: Version::V2,
                    home,
                    mount,
                    own: own_dir,
                }
            }
        };
        // What /proc named must be a cgroup filesystem, not some other place to mkdir in.
        let fs =
            rustix::fs::statfs(&found.home).ctx(|| format!("statfs {}", found.home.display()))?;
        if ![CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC].contains(&(fs.f_type as i64)) {
            return Err(Error::failure(format!(
                "{} is not on a cgroup filesystem",
                found.home.display()
            )));
        }
        Ok(found)
    }

    pub fn method(&self) -> Method {
        Method {
            version: self.version,
            home: self.home.display().to_string(),
            mount: self.mount.display().to_string(),
            limit_file: self.version.limit_file().into(),
            peak_file: self.version.peak_file().into(),
            oom_file: format!("{}: oom_kill", self.version.oom_file()),
        }
    }

    /// A fresh cgroup `name` under the home (mkdir fails on an existing one, so its
    /// counters start at zero).
    pub fn make(&self, name: &str) -> Result<Cgroup> {
        Cgroup::make(self.home.join(name), self.version)
    }

    /// A fresh cgroup at `path` (relative to the hierarchy's mount, as a bundle's
    /// `cgroupsPath` is), with its parents.
    pub fn make_at(&self, path: &str) -> Result<Cgroup> {
        let dir = self.mount.join(path.trim_start_matches('/'));
        if let Some(parent) = dir.parent() {
            if !parent.exists() {
                std::fs::create_dir_all(parent).ctx(|| format!("mkdir {}", parent.display()))?;
            }
            // v2 gives a child the memory controller only if its parent hands it down.
            if self.version == Version::V2 && parent != self.mount {
                let control = parent.join("cgroup.subtree_control");
                std::fs::write(&control, "+memory")
                    .ctx(|| format!("write +memory to {}", control.display()))?;
            }
        }
        Cgroup::make(dir, self.version)
    }

    /// The cgroup at `path` under the mount, if it exists: one a runtime made.
    pub fn existing(&self, path: &str) -> Option<Cgroup> {
        let dir = self.mount.join(path.trim_start_matches('/'));
        Cgroup::open(dir, self.version, false).ok()
    }
}

/// One memory cgroup of the run. Dropped, it is removed (what is left in it killed).
pub struct Cgroup {
    pub path: PathBuf,
    version: Version,
    /// Its `cgroup.procs`, opened for writing: a forked child joins it with one write(2).
    procs: OwnedFd,
    /// Whether this run made it (and so removes it).
    owned: bool,
}

impl Cgroup {
    fn make(path: PathBuf, version: Version) -> Result<Cgroup> {
        std::fs::create_dir(&path).ctx(|| format!("mkdir {}", path.display()))?;
        match Cgroup::open(path.clone(), version, true) {
            Ok(c) => Ok(c),
            Err(e) => {
                let _ = std::fs::remove_dir(&path);
                Err(e)
            }
        }
    }

    fn open(path: PathBuf, version: Version, owned: bool) -> Result<Cgroup> {
        let procs = rustix::fs::open(
            path.join("cgroup.procs"),
            OFlags::WRONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW,
            Mode::empty(),
        )
        .ctx(|| format!("open {}/cgroup.procs", path.display()))?;
        Ok(Cgroup {
            path,
            version,
            procs,
            owned,
        })
    }

    /// Limit it to `bytes`, or lift the limit.
    pub fn set_limit(&self, bytes: Option<u64>) -> Result<()> {
        let text = match (bytes, self.version) {
            (Some(b), _) => b.to_string(),
            (None, Version::V1) => "-1".into(),
            (None, Version::V2) => "max".into(),
        };
        let file = self.path.join(self.version.limit_file());
        std::fs::write(&file, &text).ctx(|| format!("write {text} to {}", file.display()))?;
        Ok(())
    }

    /// The most it has been charged, with its children, since it was made.
    pub fn peak(&self) -> Result<u64> {
        read_u64(&self.path.join(self.version.peak_file()))
    }

    /// The processes the OOM killer has killed in it (on v2, in its subtree).
    pub fn oom_kills(&self) -> Result<u64> {
        let file = self.path.join(self.version.oom_file());
        let text = std::fs::read_to_string(&file).ctx(|| format!("read {}", file.display()))?;
        keyed(&text, "oom_kill").ok_or_else(|| {
            Error::failure(format!(
                "{}: no oom_kill counter (Linux 4.13 or later)",
                file.display()
            ))
        })
    }

    /// Its `cgroup.procs`, open for writing: writing "0" moves the writer in.
    pub fn procs(&self) -> BorrowedFd<'_> {
        self.procs.as_fd()
    }

    /// Move this whole process (every thread) into it; the guard moves it back to `home`
    /// (its own cgroup, [`Hierarchy::own`]).
    pub fn enter<'a>(&self, home: &'a Path) -> Result<Joined<'a>> {
        crate::process::join_cgroup(self.procs.as_fd())
            .ctx(|| format!("move this process into {}", self.path.display()))?;
        Ok(Joined { home, inside: true })
    }

    /// Remove it now, reporting a failure.
    pub fn remove(mut self) -> Result<()> {
        let owned = std::mem::replace(&mut self.owned, false);
        if owned {
            remove(&self.path)
        } else {
            Ok(())
        }
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        if self.owned {
            let _ = remove(&self.path);
        }
    }
}

/// This whole process inside a cgroup of the run's; leaving, or dropping it on an error,
/// moves the process home again, so that no later charge lands there.
pub struct Joined<'a> {
    home: &'a Path,
    inside: bool,
}

impl Joined<'_> {
    pub fn leave(mut self) -> Result<()> {
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

/// Move this process into the cgroup at `cgroup`.
pub fn move_self(cgroup: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let procs = cgroup.join("cgroup.procs");
    std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&procs)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"0"))
        .ctx(|| format!("move this process into {}", cgroup.display()))?;
    Ok(())
}

/// Remove a cgroup of the run's (its children first). What a start left in it (a runtime's
/// child killed with its parent, say) is killed first: a cgroup with a process in it
/// cannot go.
pub fn remove(dir: &Path) -> Result<()> {
    if !dir.exists() {
        return Ok(());
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                remove(&e.path())?;
            }
        }
    }
    for _ in 0..50 {
        match std::fs::remove_dir(dir) {
            Ok(()) => return Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => return Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
                let me = std::process::id() as i32;
                // Never this process: it may be stranded there (a failed move home).
                for pid in crate::sandbox::janitor::procs(dir)
                    .into_iter()
                    .filter(|p| *p != me)
                {
                    // SAFETY: kill(2) of a process in one of the run's own cgroups, which
                    // holds only what a start made once the worker has left it.
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

/// Remove every cgroup named `base…` in every hierarchy (deepest first), and the plain
/// directories of that name a runtime made beside them: with the v2 mount of a hybrid host
/// detached in the run's namespace (`sandbox`), crun still makes `unified/<its cgroup
/// path>` there (with a `cgroup.procs` file in it), on the tmpfs that holds the mount
/// points, where the host never sees it.
pub fn remove_named(base: &str) -> Result<()> {
    let mut first = Ok(());
    for dir in crate::sandbox::janitor::cgroups(base) {
        let removed = remove(&dir);
        if first.is_ok() {
            first = removed;
        }
    }
    for dir in shadows(base) {
        // Plain files and directories on a tmpfs: nothing to kill, only to remove.
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            if first.is_ok() && e.raw_os_error() != Some(libc::ENOENT) {
                first = Err(e)
                    .ctx(|| format!("rm -r {}", dir.display()))
                    .map_err(Into::into);
            }
        }
    }
    first
}

fn is_cgroup_fs(path: &Path) -> bool {
    rustix::fs::statfs(path)
        .is_ok_and(|fs| [CGROUP_SUPER_MAGIC, CGROUP2_SUPER_MAGIC].contains(&(fs.f_type as i64)))
}

/// Directories named `base…` in the directories beside the cgroup mount points that are
/// not cgroup filesystems themselves (and are not one either).
fn shadows(base: &str) -> Vec<PathBuf> {
    let points: Vec<PathBuf> = Process::myself()
        .and_then(|me| me.mountinfo())
        .map(|m| {
            m.into_iter()
                .filter(|m| m.fs_type == "cgroup" || m.fs_type == "cgroup2")
                .map(|m| m.mount_point)
                .collect()
        })
        .unwrap_or_default();
    let parents: std::collections::BTreeSet<PathBuf> = points
        .iter()
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    let mut out = Vec::new();
    for parent in parents {
        for e in std::fs::read_dir(&parent).into_iter().flatten().flatten() {
            let path = e.path();
            if !e.file_type().is_ok_and(|t| t.is_dir()) || is_cgroup_fs(&path) {
                continue;
            }
            // Only the run's own names are entered: others' are none of its business.
            for named in std::fs::read_dir(&path).into_iter().flatten().flatten() {
                if named.file_name().to_string_lossy().starts_with(base)
                    && named.file_type().is_ok_and(|t| t.is_dir())
                    && !is_cgroup_fs(&named.path())
                {
                    out.push(named.path());
                }
            }
        }
    }
    out
}

/// Every OOM kill on the machine so far (`/proc/vmstat`): the evidence left when the
/// victim's cgroup went with its container (a runtime deletes it) and v1 counted the kill
/// there alone.
pub fn system_oom_kills() -> Option<u64> {
    keyed(&std::fs::read_to_string("/proc/vmstat").ok()?, "oom_kill")
}

/// The number after `key` on its own line (`memory.events`, `memory.oom_control`,
/// `/proc/vmstat`).
fn keyed(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok()).flatten()
    })
}

pub fn read_u64(path: &Path) -> Result<u64> {
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

/// The v1 memory controller's cgroup of this process and the hierarchy's mount point,
/// when there is one.
pub(super) fn v1_home(own: &ProcessCGroups, mounts: &MountInfos) -> Option<(PathBuf, PathBuf)> {
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
        .find_map(|m| Some((under(&m.root, &m.mount_point, path)?, m.mount_point.clone())))
}

/// This process's v2 cgroup and the v2 mount point.
fn v2_own(own: &ProcessCGroups, mounts: &MountInfos) -> Result<(PathBuf, PathBuf)> {
    let path = own
        .0
        .iter()
        .find(|g| g.hierarchy == 0)
        .ok_or_else(|| {
            Error::failure("no memory cgroup: neither a v1 memory hierarchy nor cgroup v2")
        })?
        .pathname
        .as_str();
    mounts
        .iter()
        .filter(|m| m.fs_type == "cgroup2")
        .find_map(|m| Some((under(&m.root, &m.mount_point, path)?, m.mount_point.clone())))
        .ok_or_else(|| {
            Error::failure("cgroup v2 is not mounted here, or not this process's cgroup")
        })
}

/// From `own` up to the mount, the first cgroup whose `cgroup.subtree_control` (as
/// `control` reads it) hands `memory` to its children.
fn v2_home(own: &Path, mount: &Path, control: impl Fn(&Path) -> String) -> Option<PathBuf> {
    let mut dir = own;
    loop {
        if control(dir).split_whitespace().any(|c| c == "memory") {
            return Some(dir.to_path_buf());
        }
        if dir == mount {
            return None;
        }
        dir = dir.parent().filter(|p| p.starts_with(mount))?;
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
        v1_home(&own, &mounts).map(|(h, _)| h)
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
        let (o, m) = parsed(own, MOUNTINFO);
        assert_eq!(
            v1_home(&o, &m).unwrap().1,
            PathBuf::from("/sys/fs/cgroup/memory")
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

    #[test]
    fn on_v2_the_nearest_cgroup_that_delegates_memory_is_home() {
        let mi = "30 25 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n";
        let (own, mounts) = parsed("0::/user.slice/session-1.scope\n", mi);
        let (dir, mount) = v2_own(&own, &mounts).unwrap();
        assert_eq!(
            dir,
            PathBuf::from("/sys/fs/cgroup/user.slice/session-1.scope")
        );
        assert_eq!(mount, PathBuf::from("/sys/fs/cgroup"));
        let control = |with: &'static str| {
            move |d: &Path| {
                if d == Path::new(with) {
                    "cpu memory pids".to_string()
                } else {
                    "cpu".to_string()
                }
            }
        };
        assert_eq!(
            v2_home(&dir, &mount, control("/sys/fs/cgroup/user.slice")),
            Some(PathBuf::from("/sys/fs/cgroup/user.slice"))
        );
        assert_eq!(
            v2_home(&dir, &mount, control("/sys/fs/cgroup")),
            Some(PathBuf::from("/sys/fs/cgroup"))
        );
        assert_eq!(v2_home(&dir, &mount, control("/elsewhere")), None);
    }

    #[test]
    fn counters_are_read_by_key() {
        let v1 = "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n";
        assert_eq!(keyed(v1, "oom_kill"), Some(3));
        let v2 = "low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 0\n";
        assert_eq!(keyed(v2, "oom_kill"), Some(1));
        assert_eq!(keyed(v2, "oom"), Some(2));
        assert_eq!(keyed("oom_kill_disable 0\n", "oom_kill"), None);
        assert_eq!(Version::V1.limit_file(), "memory.limit_in_bytes");
        assert_eq!(Version::V2.limit_file(), "memory.max");
        assert_eq!(Version::V2.peak_file(), "memory.peak");
    }
}
