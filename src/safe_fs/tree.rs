//! Paths inside a directory tree that someone else controls (a bundle's rootfs, a bundle
//! directory), resolved by the kernel with `openat2` so that no symlink or `..` can lead
//! out of it: `RESOLVE_IN_ROOT` treats the tree's top as `/` (as a container will see
//! it), `RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH` refuses any symlink at all.

use rustix::fd::OwnedFd;
use rustix::fs::{Mode, OFlags, ResolveFlags};
use rustix::io::Errno;
use std::path::{Component, Path, PathBuf};

/// Inside a container's root: symlinks resolve as the container would see them.
pub const IN_ROOT: ResolveFlags = ResolveFlags::IN_ROOT.union(ResolveFlags::NO_MAGICLINKS);
/// Inside a directory written for the user: no symlink is followed, not even inside it.
pub const NO_SYMLINKS: ResolveFlags = ResolveFlags::NO_SYMLINKS
    .union(ResolveFlags::BENEATH)
    .union(ResolveFlags::NO_MAGICLINKS);

/// `path` made relative and free of `.` and `..`, the way the OCI runtimes' securejoin
/// cleans a mount destination: `..` at the top stays at the top.
pub fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::ParentDir => {
                out.pop();
            }
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
        }
    }
    out
}

fn resolve(
    root: &OwnedFd,
    path: &Path,
    flags: OFlags,
    how: ResolveFlags,
) -> Result<OwnedFd, Errno> {
    let path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    loop {
        match rustix::fs::openat2(root, path, flags | OFlags::CLOEXEC, Mode::empty(), how) {
            // openat2 asks for a retry when a rename raced the lookup.
            Err(Errno::AGAIN) => continue,
            other => return other,
        }
    }
}

/// Open the directory `path` inside `root`, creating what is missing (mode `mode`), each
/// step resolved with `how`. Returns the directory, opened `O_PATH`.
pub fn mkdir_all(
    root: &OwnedFd,
    path: &Path,
    mode: Mode,
    how: ResolveFlags,
) -> Result<OwnedFd, Errno> {
    let path = clean(path);
    let mut prefix = PathBuf::new();
    for c in path.components() {
        let parent = prefix.clone();
        prefix.push(c);
        match resolve(root, &prefix, OFlags::PATH | OFlags::DIRECTORY, how) {
            Ok(_) => continue,
            Err(Errno::NOENT) => {}
            Err(e) => return Err(e),
        }
        let dir = resolve(root, &parent, OFlags::PATH | OFlags::DIRECTORY, how)?;
        match rustix::fs::mkdirat(&dir, c.as_os_str(), mode) {
            Ok(()) | Err(Errno::EXIST) => {}
            Err(e) => return Err(e),
        }
    }
    resolve(root, &path, OFlags::PATH | OFlags::DIRECTORY, how)
}

/// Make sure a file exists at `path` inside `root` (a mount point for a file), its
/// directories created as by [`mkdir_all`]. Returns it opened `O_PATH`.
pub fn touch(root: &OwnedFd, path: &Path, how: ResolveFlags) -> Result<OwnedFd, Errno> {
    let path = clean(path);
    if let Some(parent) = path.parent() {
        mkdir_all(root, parent, Mode::from_raw_mode(0o755), how)?;
    }
    match resolve(root, &path, OFlags::PATH, how) {
        Err(Errno::NOENT) => {}
        other => return other,
    }
    loop {
        match rustix::fs::openat2(
            root,
            &path,
            OFlags::CREATE | OFlags::WRONLY | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o644),
            how,
        ) {
            Err(Errno::AGAIN) => continue,
            Ok(_) => return resolve(root, &path, OFlags::PATH, how),
            Err(e) => return Err(e),
        }
    }
}

/// Open `path` inside `root` with `flags`, resolved with `how`.
pub fn open(
    root: &OwnedFd,
    path: &Path,
    flags: OFlags,
    how: ResolveFlags,
) -> Result<OwnedFd, Errno> {
    resolve(root, &clean(path), flags, how)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_escapes_the_root() {
        let base = std::env::temp_dir().join(format!("sealbench-tree-{}", std::process::id()));
        let root_dir = base.join("root");
        let outside = base.join("outside");
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir(&base).unwrap();
        std::fs::create_dir(&root_dir).unwrap();
        std::fs::create_dir(&outside).unwrap();
        // A symlink inside pointing out, as a hostile rootfs would have.
        std::os::unix::fs::symlink(&outside, root_dir.join("escape")).unwrap();
        std::os::unix::fs::symlink("../../../../outside", root_dir.join("up")).unwrap();
        let root =
            rustix::fs::open(&root_dir, OFlags::PATH | OFlags::DIRECTORY, Mode::empty()).unwrap();
        let m = Mode::from_raw_mode(0o755);
        mkdir_all(&root, Path::new("/../../../../var/tmp/x"), m, IN_ROOT).unwrap();
        assert!(root_dir.join("var/tmp/x").is_dir());
        // Through a link whose target is missing inside the root: an error, never the
        // host's directory.
        let _ = mkdir_all(&root, Path::new("/escape/a"), m, IN_ROOT);
        let _ = mkdir_all(&root, Path::new("/up/b"), m, IN_ROOT);
        let _ = touch(&root, Path::new("escape/file"), IN_ROOT);
        std::fs::create_dir_all(root_dir.join(outside.strip_prefix("/").unwrap())).unwrap();
        mkdir_all(&root, Path::new("/escape/a"), m, IN_ROOT).unwrap();
        touch(&root, Path::new("escape/file"), IN_ROOT).unwrap();
        assert!(root_dir
            .join(outside.strip_prefix("/").unwrap())
            .join("a")
            .is_dir());
        assert_eq!(
            std::fs::read_dir(&outside).unwrap().count(),
            0,
            "nothing made outside"
        );
        // With no symlinks allowed, one is an error, not a way out.
        assert_eq!(
            mkdir_all(&root, Path::new("escape/c"), m, NO_SYMLINKS).unwrap_err(),
            Errno::LOOP
        );
        assert_eq!(clean(Path::new("/a/../../b/./c")), PathBuf::from("b/c"));
        std::fs::remove_dir_all(&base).unwrap();
    }
}
