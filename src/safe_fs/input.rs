use super::kind::{describe_kind, Kind};
use rustix::fs::{Mode, OFlags};
use std::io::Read;
use std::path::Path;

/// Why an input was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Open(std::io::Error),
    #[error("it is {}, not a regular file", describe_kind(*.0))]
    NotRegular(Kind),
    #[error("larger than the {} MiB sealbench reads", .0 >> 20)]
    TooLarge(u64),
    #[error("{0}")]
    Read(std::io::Error),
}

/// The whole of a regular file, at most `cap` bytes. Opened non-blocking, so that a FIFO
/// is found out by fstat instead of waiting forever for a writer; a device or anything
/// else that is not a regular file is refused before a byte is read.
pub fn read_regular(path: &Path, cap: u64) -> Result<Vec<u8>, ReadError> {
    let fd = rustix::fs::open(
        path,
        OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY,
        Mode::empty(),
    )
    .map_err(|e| ReadError::Open(e.into()))?;
    let st = rustix::fs::fstat(&fd).map_err(|e| ReadError::Open(e.into()))?;
    let kind = Kind::of(&st);
    if kind != Kind::Regular {
        return Err(ReadError::NotRegular(kind));
    }
    if st.st_size as u64 > cap {
        return Err(ReadError::TooLarge(cap));
    }
    // The size can grow while it is read: the cap holds whatever fstat said.
    let mut bytes = Vec::with_capacity(st.st_size as usize);
    std::fs::File::from(fd)
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Read)?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::TooLarge(cap));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_fifos_are_refused_and_size_is_capped() {
        assert!(matches!(
            read_regular(Path::new("/dev/zero"), 1 << 20),
            Err(ReadError::NotRegular(Kind::CharDevice))
        ));
        let dir = std::env::temp_dir().join(format!("sealbench-input-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        let fifo = dir.join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        // Returns at once: a blocking open would wait for a writer forever.
        assert!(matches!(
            read_regular(&fifo, 1 << 20),
            Err(ReadError::NotRegular(Kind::Fifo))
        ));
        let big = dir.join("big");
        std::fs::write(&big, vec![b'x'; 3 << 20]).unwrap();
        let err = read_regular(&big, 2 << 20).unwrap_err();
        assert_eq!(err.to_string(), "larger than the 2 MiB sealbench reads");
        assert_eq!(read_regular(&big, 4 << 20).unwrap().len(), 3 << 20);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
