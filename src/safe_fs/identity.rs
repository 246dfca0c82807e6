use super::replace::STDOUT;
use rustix::fs::{AtFlags, Mode, OFlags};
use std::ffi::OsString;
use std::path::Path;

/// What a path names, so that two spellings of one file compare equal: an existing file
/// by device and inode (its last component not followed, as outputs are never written
/// through a symlink), a file yet to be made by its directory's device and inode and its
/// name, standard output as itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileId {
    Inode(u64, u64),
    NewName(u64, u64, OsString),
    Stdout,
}

impl FileId {
    /// `None` when the path cannot be looked at (the caller's own checks say why).
    pub fn of(path: &Path) -> Option<FileId> {
        if path.as_os_str() == STDOUT {
            return Some(FileId::Stdout);
        }
        match rustix::fs::statat(rustix::fs::CWD, path, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Some(FileId::Inode(st.st_dev, st.st_ino)),
            Err(_) => {
                let name = path.file_name()?.to_os_string();
                let dir = match path.parent() {
                    Some(d) if !d.as_os_str().is_empty() => d,
                    _ => Path::new("."),
                };
                let fd = rustix::fs::open(
                    dir,
                    OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .ok()?;
                let d = rustix::fs::fstat(&fd).ok()?;
                Some(FileId::NewName(d.st_dev, d.st_ino, name))
            }
        }
    }

    /// Every identity of an input: itself and, for a symlink, its target (read through).
    fn of_input(path: &Path) -> Vec<FileId> {
        let mut ids: Vec<FileId> = FileId::of(path).into_iter().collect();
        if let Ok(st) = rustix::fs::stat(path) {
            ids.push(FileId::Inode(st.st_dev, st.st_ino));
        }
        ids
    }
}

/// The files one command reads and writes, checked before anything is run or written:
/// no output may be an input or another output.
#[derive(Default)]
pub struct OutputSet {
    inputs: Vec<(String, Vec<FileId>)>,
    outputs: Vec<(String, FileId)>,
}

impl OutputSet {
    pub fn input(&mut self, path: &Path) {
        self.inputs
            .push((path.display().to_string(), FileId::of_input(path)));
    }

    /// Record the output `flag PATH`, or say which input or output it already is.
    pub fn output(&mut self, flag: &str, path: &Path) -> Result<(), String> {
        let Some(id) = FileId::of(path) else {
            return Ok(());
        };
        let shown = format!("{flag} {}", path.display());
        if let Some((input, _)) = self.inputs.iter().find(|(_, ids)| ids.contains(&id)) {
            return Err(format!(
                "{shown} is the input {input}: refusing to overwrite what is being read"
            ));
        }
        if let Some((other, _)) = self.outputs.iter().find(|(_, o)| *o == id) {
            return Err(if id == FileId::Stdout {
                format!("{shown} and {other} would both write to standard output")
            } else {
                format!("{shown} and {other} are the same file: one would overwrite the other")
            });
        }
        self.outputs.push((shown, id));
        Ok(())
    }
}
