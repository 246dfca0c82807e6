//! Output of a child that must not reach sealbench's own output, nor fill memory: a memfd
//! of fixed size whose growth is sealed, so a child writing more than [`LIMIT`] bytes gets
//! EPERM instead of taking memory, and a reader that never blocks (a descendant that keeps
//! the descriptor open cannot hold a read open, as it could a pipe's).

use crate::error::Result;
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::fs::{MemfdFlags, SealFlags, SeekFrom};
use strategies::ResultExt;

/// What is kept of one child's output.
pub const LIMIT: u64 = 64 << 10;

pub struct Capture {
    fd: OwnedFd,
}

impl Capture {
    pub fn new(name: &str) -> Result<Capture> {
        let fd = rustix::fs::memfd_create(name, MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING)
            .ctx(|| format!("memfd_create({name})"))?;
        rustix::fs::ftruncate(&fd, LIMIT).ctx(|| "ftruncate a capture".into())?;
        rustix::fs::fcntl_add_seals(&fd, SealFlags::GROW | SealFlags::SEAL)
            .ctx(|| "seal a capture's size".into())?;
        Ok(Capture { fd })
    }

    /// The descriptor to give the child (it shares the file offset with this one).
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// What children wrote since the last take, and rewind for the next.
    pub fn take(&self) -> Vec<u8> {
        let end = rustix::fs::seek(&self.fd, SeekFrom::Current(0)).unwrap_or(0);
        let mut out = vec![0u8; end.min(LIMIT) as usize];
        let n = rustix::io::pread(&self.fd, &mut out, 0).unwrap_or(0);
        out.truncate(n);
        let _ = rustix::fs::seek(&self.fd, SeekFrom::Start(0));
        out
    }

    /// The last non-empty line written since the last take, cleaned for printing.
    pub fn last_line(&self) -> Option<String> {
        let bytes = self.take();
        let text = String::from_utf8_lossy(&bytes);
        text.lines().rfind(|l| !l.trim().is_empty()).map(|l| {
            crate::printable::clean(l.trim())
                .chars()
                .take(300)
                .collect()
        })
    }

    /// The descriptor, to hand to a `std::process::Command`.
    pub fn try_clone_file(&self) -> Result<std::fs::File> {
        Ok(std::fs::File::from(
            self.fd.try_clone().ctx(|| "dup a capture".into())?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capture_keeps_at_most_its_limit_and_rewinds() {
        let c = Capture::new("test").unwrap();
        let f = c.try_clone_file().unwrap();
        use std::io::Write;
        let mut w = &f;
        w.write_all(b"one\ntwo\n").unwrap();
        assert_eq!(c.last_line().as_deref(), Some("two"));
        // Past the limit the write fails rather than grows the file.
        let big = vec![b'x'; (LIMIT + 10) as usize];
        assert!(w.write_all(&big).is_err());
        assert!(c.take().len() as u64 <= LIMIT);
        w.write_all(b"\x1b]0;title\x07\n").unwrap();
        assert_eq!(c.last_line().as_deref(), Some(r"\u{1b}]0;title\u{7}"));
    }
}
