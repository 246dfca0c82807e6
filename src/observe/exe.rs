//! The facts /proc gives about a process's executable image: its link, its filesystem,
//! its inode against the host binary's, its mount, its seals.

use super::SealPath;
use rustix::fs::{Mode, OFlags};
use std::path::Path;

const OVERLAYFS_SUPER_MAGIC: i64 = 0x794c_7630;
const TMPFS_MAGIC: i64 = 0x0102_1994;
const HUGETLBFS_MAGIC: i64 = 0x9584_58f6;

/// What /proc/<pid>/exe is.
#[derive(Debug, Clone, PartialEq)]
pub struct ExeFacts {
    /// readlink(/proc/<pid>/exe), at most a few hundred bytes of it.
    pub link: String,
    pub fs_magic: i64,
    /// The host binary's very inode (same device and inode number).
    pub host_inode: bool,
    pub nlink: u64,
    pub read_only_mount: bool,
    /// The image's mount is in the process's mount table, or the run's.
    pub mount_listed: bool,
    /// memfd seals (F_GET_SEALS), where it is a memfd.
    pub seals: Option<u32>,
}

/// Read the facts of `pid`'s image, whose unsealed form is `host_binary`.
pub fn inspect(pid: i32, host_binary: &Path) -> Result<ExeFacts, String> {
    let exe = format!("/proc/{pid}/exe");
    let io = |what: &str, e: rustix::io::Errno| format!("{what}: {}", std::io::Error::from(e));
    let link = rustix::fs::readlink(exe.as_str(), Vec::new())
        .map_err(|e| io("readlink", e))?
        .to_string_lossy()
        .chars()
        .take(200)
        .collect::<String>();
    let path_fd = rustix::fs::open(exe.as_str(), OFlags::PATH | OFlags::CLOEXEC, Mode::empty())
        .map_err(|e| io("open O_PATH", e))?;
    let fs = rustix::fs::fstatfs(&path_fd).map_err(|e| io("fstatfs", e))?;
    let st = rustix::fs::fstat(&path_fd).map_err(|e| io("fstat", e))?;
    let vfs = rustix::fs::fstatvfs(&path_fd).map_err(|e| io("fstatvfs", e))?;
    let host = rustix::fs::stat(host_binary).map_err(|e| io("stat the host binary", e))?;
    let mnt_id = rustix::fs::statx(
        &path_fd,
        "",
        rustix::fs::AtFlags::EMPTY_PATH,
        rustix::fs::StatxFlags::MNT_ID,
    )
    .ok()
    .map(|s| s.stx_mnt_id);
    let mount_listed = mnt_id.is_some_and(|id| {
        [
            format!("/proc/{pid}/mountinfo"),
            "/proc/self/mountinfo".into(),
        ]
        .iter()
        .any(|table| mount_listed_in(table, id))
    });
    let magic = fs.f_type as i64;
    let link_is_memfd = is_memfd(&link);
    let seals = link_is_memfd
        .then(|| {
            let fd = rustix::fs::open(
                exe.as_str(),
                OFlags::RDONLY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .ok()?;
            rustix::fs::fcntl_get_seals(&fd).ok().map(|s| s.bits())
        })
        .flatten();
    Ok(ExeFacts {
        link,
        fs_magic: magic,
        host_inode: st.st_dev == host.st_dev && st.st_ino == host.st_ino,
        nlink: st.st_nlink,
        read_only_mount: vfs.f_flag.contains(rustix::fs::StatVfsMountFlags::RDONLY),
        mount_listed,
        seals,
    })
}

/// A memfd's name as the kernel shows it: `/memfd:NAME (deleted)`.
fn is_memfd(link: &str) -> bool {
    link.trim_start_matches('/').starts_with("memfd:")
}

fn mount_listed_in(table: &str, id: u64) -> bool {
    std::fs::read_to_string(table).is_ok_and(|t| {
        t.lines()
            .any(|l| l.split_whitespace().next() == Some(id.to_string().as_str()))
    })
}

impl ExeFacts {
    /// The seal these facts show.
    pub fn seal_path(&self) -> SealPath {
        if self.fs_magic == OVERLAYFS_SUPER_MAGIC {
            SealPath::Overlayfs
        } else if is_memfd(&self.link) {
            SealPath::Memfd
        } else if self.host_inode && self.read_only_mount && self.mount_listed {
            SealPath::RoMount
        } else if self.host_inode && self.read_only_mount {
            // A read-only view that no mount table lists: whether the runtime's own
            // namespace saw it made (bindfd) is in the mount events (see `refine`).
            SealPath::DetachedRo
        } else if self.host_inode {
            SealPath::None
        } else if self.nlink == 0 {
            SealPath::Tmpfile
        } else {
            SealPath::Unknown
        }
    }

    /// One line of what was seen.
    pub fn describe(&self) -> String {
        let fs = match self.fs_magic {
            OVERLAYFS_SUPER_MAGIC => "overlay".to_string(),
            TMPFS_MAGIC => "tmpfs".into(),
            HUGETLBFS_MAGIC => "hugetlbfs".into(),
            0xef53 => "ext4".into(),
            0x5846_5342 => "xfs".into(),
            0x9123_683e => "btrfs".into(),
            m => format!("fs {m:#x}"),
        };
        let mut parts = vec![format!("exe {}", super::clean(&self.link)), fs];
        parts.push(if self.host_inode {
            "the host binary's inode".into()
        } else {
            format!("an inode of its own (nlink {})", self.nlink)
        });
        if self.read_only_mount {
            parts.push(if self.mount_listed {
                "read-only mount in the table".into()
            } else {
                "read-only mount in no table".into()
            });
        }
        if let Some(s) = self.seals {
            parts.push(format!("seals {s:#x}"));
        }
        parts.join(", ")
    }
}

/// A detached read-only view is bindfd when each start makes mount events in the
/// namespace the runtime runs in; without them (or without a count) it stays detached-ro.
pub fn refine(seal: SealPath, mount_events_per_start: Option<f64>) -> SealPath {
    match (seal, mount_events_per_start) {
        (SealPath::DetachedRo, Some(n)) if n >= 0.5 => SealPath::Bindfd,
        (s, _) => s,
    }
}
