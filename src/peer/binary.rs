//! A runtime binary handed to sealbench is hostile input: it is opened once, without
//! following a last symlink or blocking on a FIFO, checked on that descriptor to be a
//! regular file, hashed from that same descriptor as a stream, and identified by what
//! stat says of it, so that a binary replaced while a run uses it is noticed.

use rustix::fs::{Mode, OFlags};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest file taken as a runtime binary: runc is about 12 MiB, youki 30; a file of a
/// gigabyte is not a runtime, and hashing it would only stall the run.
pub const MAX_BYTES: u64 = 1 << 30;

/// What identifies one version of a file: a replaced file has another inode, a file
/// written in place another mtime, a renamed-back one another ctime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileId {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime_ns: i128,
    pub ctime_ns: i128,
}

impl FileId {
    fn of(st: &rustix::fs::Stat) -> FileId {
        let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
        FileId {
            dev: st.st_dev,
            ino: st.st_ino,
            size: st.st_size as u64,
            mtime_ns: ns(st.st_mtime, st.st_mtime_nsec as i64),
            ctime_ns: ns(st.st_ctime, st.st_ctime_nsec as i64),
        }
    }

    /// The file `path` names now (following symlinks, as exec does).
    pub fn at(path: &Path) -> rustix::io::Result<FileId> {
        rustix::fs::stat(path).map(|st| FileId::of(&st))
    }
}

/// A runtime binary, checked and hashed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RuntimeFile {
    /// The absolute path with every symlink resolved: what the kernel shows as the
    /// runtime's /proc/self/exe.
    pub path: PathBuf,
    pub id: FileId,
    pub sha256: String,
}

impl RuntimeFile {
    /// Open, check and hash `path`, or say in one line why it is not a runtime binary.
    pub fn open(path: &Path) -> Result<RuntimeFile, String> {
        let canonical = std::fs::canonicalize(path).map_err(|e| e.to_string())?;
        // O_NONBLOCK: a FIFO put where the binary was opens at once and is refused by
        // its type below, instead of blocking the run until a writer comes.
        let fd = rustix::fs::open(
            &canonical,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| std::io::Error::from(e).to_string())?;
        let st = rustix::fs::fstat(&fd).map_err(|e| std::io::Error::from(e).to_string())?;
        let kind = rustix::fs::FileType::from_raw_mode(st.st_mode);
        if kind != rustix::fs::FileType::RegularFile {
            return Err(format!("not a regular file (a {})", type_word(kind)));
        }
        if st.st_mode & 0o111 == 0 {
            return Err("not executable (no x bit)".into());
        }
        if st.st_size as u64 > MAX_BYTES {
            return Err(format!(
                "{} bytes: larger than any runtime binary ({} at most)",
                st.st_size, MAX_BYTES
            ));
        }
        let sha256 = sha256_of(std::fs::File::from(fd)).map_err(|e| e.to_string())?;
        Ok(RuntimeFile {
            path: canonical,
            id: FileId::of(&st),
            sha256,
        })
    }

    /// Whether `path` still names the very file that was hashed; if not, what changed.
    pub fn changed(&self) -> Option<String> {
        match FileId::at(&self.path) {
            Ok(now) if now == self.id => None,
            Ok(now) if now.ino != self.id.ino || now.dev != self.id.dev => Some(format!(
                "{} was replaced during the run (another file now)",
                self.path.display()
            )),
            Ok(_) => Some(format!(
                "{} was written to during the run (size or times changed)",
                self.path.display()
            )),
            Err(e) => Some(format!(
                "{} is gone: {}",
                self.path.display(),
                std::io::Error::from(e)
            )),
        }
    }

    /// Hash the file again: whether it still holds what was measured.
    pub fn rehash_differs(&self) -> Option<String> {
        let now = std::fs::File::open(&self.path).and_then(sha256_of);
        match now {
            Ok(h) if h == self.sha256 => None,
            Ok(h) => Some(format!(
                "{}: sha256 {h} after the run, {} before",
                self.path.display(),
                self.sha256
            )),
            Err(e) => Some(format!(
                "{}: cannot hash it again: {e}",
                self.path.display()
            )),
        }
    }
}

fn type_word(kind: rustix::fs::FileType) -> &'static str {
    use rustix::fs::FileType::*;
    match kind {
        Directory => "directory",
        Fifo => "FIFO",
        Socket => "socket",
        CharacterDevice => "character device",
        BlockDevice => "block device",
        Symlink => "symlink",
        _ => "non-regular file",
    }
}

/// sha256 of everything `file` holds, read in chunks: never the whole file in memory.
pub fn sha256_of(file: std::fs::File) -> std::io::Result<String> {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut reader = file.take(MAX_BYTES + 1);
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(format!("{:x}", hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = std::env::temp_dir().join(format!("peer-binary-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("runc");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            Mode::from_raw_mode(0o755),
            0,
        )
        .unwrap();
        let err = RuntimeFile::open(&fifo).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(err.contains("FIFO"), "{err}");
    }

    #[test]
    fn the_hash_is_streamed_and_changes_are_seen() {
        let dir = std::env::temp_dir().join(format!("peer-binary-hash-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bin = dir.join("rt");
        // Larger than one read chunk, so the streaming loop runs more than once.
        let bytes: Vec<u8> = (0..(3 << 20) + 17).map(|i| (i % 251) as u8).collect();
        std::fs::write(&bin, &bytes).unwrap();
        std::fs::set_permissions(&bin, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let f = RuntimeFile::open(&bin).unwrap();
        use sha2::Digest;
        assert_eq!(f.sha256, format!("{:x}", sha2::Sha256::digest(&bytes)));
        assert_eq!(f.changed(), None);
        assert_eq!(f.rehash_differs(), None);
        // Replaced by another file of the same content: another inode.
        let other = dir.join("rt2");
        std::fs::write(&other, &bytes).unwrap();
        std::fs::rename(&other, &bin).unwrap();
        assert!(f.changed().unwrap().contains("replaced"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
