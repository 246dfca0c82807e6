//! Runtime binaries given by path stay where their users run them from. The run's scratch
//! tmpfs covers /tmp in the run's namespace, where builds often live: before it does, the
//! directory of each such binary is cloned (open_tree, the whole mount tree under it, with
//! its own mount flags), and after, the clone is attached at the same path on top of the
//! scratch tmpfs. The runtime then runs from its own path, on its own filesystem, in the
//! run's namespace, as it would from a shell: the inode, page cache and directory that
//! its seal (a bind of /proc/self/exe, an overlay of its directory) works on are the ones
//! it has on the host.

use crate::error::{Error, Result};
use rustix::fd::OwnedFd;
use rustix::mount::{MoveMountFlags, OpenTreeFlags};
use std::path::{Path, PathBuf};
use strategies::ResultExt;

/// A directory (or, for a binary directly in the covered directory, the file) taken
/// before the scratch space covers it.
pub struct Exposed {
    at: PathBuf,
    tree: OwnedFd,
    file: bool,
}

/// What to take for `binaries`, given that `covered` is about to be hidden: for each
/// binary under it, its directory (or itself, when that directory is `covered`), each
/// place once and none inside another.
pub fn places(binaries: &[PathBuf], covered: &Path) -> Vec<(PathBuf, bool)> {
    let mut out: Vec<(PathBuf, bool)> = Vec::new();
    let mut wanted: Vec<(PathBuf, bool)> = binaries
        .iter()
        .filter(|b| b.starts_with(covered) && b.as_path() != covered)
        .filter_map(|b| {
            let dir = b.parent()?;
            Some(if dir == covered {
                (b.clone(), true)
            } else {
                (dir.to_path_buf(), false)
            })
        })
        .collect();
    // Shallowest first, so a directory inside one already taken is skipped.
    wanted.sort_by_key(|(p, _)| p.components().count());
    for (p, file) in wanted {
        if !out.iter().any(|(q, qfile)| !qfile && p.starts_with(q))
            && !out.iter().any(|(q, _)| *q == p)
        {
            out.push((p, file));
        }
    }
    out
}

/// Take the places `binaries` need, before `covered` is covered.
pub fn take(binaries: &[PathBuf], covered: &Path, scratch_name: &str) -> Result<Vec<Exposed>> {
    places(binaries, covered)
        .into_iter()
        .map(|(at, file)| {
            if at.starts_with(covered.join(scratch_name)) {
                return Err(Error::usage(format!(
                    "{}: a runtime binary inside {}, where the run keeps its scratch space: move it",
                    at.display(),
                    covered.join(scratch_name).display()
                )));
            }
            let tree = rustix::mount::open_tree(
                rustix::fs::CWD,
                &at,
                OpenTreeFlags::OPEN_TREE_CLONE
                    | OpenTreeFlags::OPEN_TREE_CLOEXEC
                    | OpenTreeFlags::AT_RECURSIVE,
            )
            .ctx(|| format!("open_tree({}) to keep it visible in the run", at.display()))?;
            Ok(Exposed { at, tree, file })
        })
        .collect()
}

impl Exposed {
    /// Attach the clone at its own path, making the path on the scratch tmpfs first.
    pub fn attach(self) -> Result<()> {
        let parent = self.at.parent().unwrap_or(Path::new("/"));
        std::fs::create_dir_all(parent).ctx(|| format!("mkdir {}", parent.display()))?;
        if self.file {
            std::fs::write(&self.at, b"").ctx(|| format!("mount point {}", self.at.display()))?;
        } else {
            std::fs::create_dir_all(&self.at).ctx(|| format!("mkdir {}", self.at.display()))?;
        }
        rustix::mount::move_mount(
            &self.tree,
            c"",
            rustix::fs::CWD,
            &self.at,
            MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH,
        )
        .ctx(|| format!("attach {} in the run's namespace", self.at.display()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_covered_binary_keeps_its_directory_once() {
        let p = |s: &str| PathBuf::from(s);
        let got = places(
            &[
                p("/usr/sbin/runc"),
                p("/tmp/build/runc"),
                p("/tmp/build/bin/crun"),
                p("/tmp/build/youki"),
                p("/tmp/runc"),
                p("/tmp/other/runc"),
            ],
            Path::new("/tmp"),
        );
        assert_eq!(
            got,
            vec![
                (p("/tmp/build"), false),
                (p("/tmp/runc"), true),
                (p("/tmp/other"), false),
            ]
        );
    }
}
