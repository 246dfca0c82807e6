//! On a real filesystem: what is at the path decides, never a name that can be planted.

use super::*;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::PathBuf;

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let d = std::env::temp_dir().join(format!(
            "sealbench-replace-{name}-{}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        // Not create_dir_all: a planted symlink at the name must make this fail.
        std::fs::create_dir(&d).unwrap();
        Dir(d)
    }
    fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn put(path: &Path, bytes: &[u8]) -> Result<bool, ReplaceError> {
    replace_file(path, bytes, || false)
}

#[test]
fn a_symlink_at_the_path_is_refused_and_its_target_untouched() {
    let d = Dir::new("symlink");
    let victim = d.0.join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let link = d.0.join("out.json");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    assert!(matches!(
        check_replaceable(&link),
        Err(ReplaceError::Refused(Kind::Symlink))
    ));
    assert!(matches!(
        put(&link, b"x"),
        Err(ReplaceError::Refused(Kind::Symlink))
    ));
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
}

#[test]
fn devices_fifos_sockets_and_directories_are_refused() {
    for dev in ["/dev/null", "/dev/full"] {
        assert!(
            matches!(
                check_replaceable(Path::new(dev)),
                Err(ReplaceError::Refused(Kind::CharDevice))
            ),
            "{dev}"
        );
    }
    let d = Dir::new("kinds");
    let fifo = d.0.join("fifo");
    rustix::fs::mknodat(
        CWD,
        &fifo,
        rustix::fs::FileType::Fifo,
        Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    assert!(matches!(
        put(&fifo, b"x"),
        Err(ReplaceError::Refused(Kind::Fifo))
    ));
    let sock = d.0.join("sock");
    let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
    assert!(matches!(
        check_replaceable(&sock),
        Err(ReplaceError::Refused(Kind::Socket))
    ));
    assert!(matches!(
        check_replaceable(&d.0.join(".")),
        Err(ReplaceError::NoName(_) | ReplaceError::Refused(Kind::Directory))
    ));
    std::fs::create_dir(d.0.join("sub")).unwrap();
    assert!(matches!(
        put(&d.0.join("sub"), b"x"),
        Err(ReplaceError::Refused(Kind::Directory))
    ));
    assert_eq!(d.names(), vec!["fifo", "sock", "sub"], "no temporary left");
    assert!(check_replaceable(Path::new("-")).is_ok());
}

#[test]
fn a_replaced_file_keeps_its_mode_and_owner_and_hard_links_are_not_split() {
    let d = Dir::new("owner");
    let f = d.0.join("r.json");
    std::fs::write(&f, "old").unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o444)).unwrap();
    let owned = rustix::process::geteuid().is_root();
    if owned {
        std::os::unix::fs::chown(&f, Some(1234), Some(4321)).unwrap();
    }
    assert!(put(&f, b"new").unwrap());
    let m = std::fs::metadata(&f).unwrap();
    assert_eq!(std::fs::read(&f).unwrap(), b"new");
    assert_eq!(m.mode() & 0o7777, 0o444);
    if owned {
        assert_eq!((m.uid(), m.gid()), (1234, 4321));
    }
    let other = d.0.join("other-name");
    std::fs::hard_link(&f, &other).unwrap();
    assert!(matches!(
        put(&f, b"newer"),
        Err(ReplaceError::HardLinked(2))
    ));
    assert_eq!(std::fs::read(&other).unwrap(), b"new");
    assert_eq!(d.names(), vec!["other-name", "r.json"]);
}

#[test]
fn planted_temporaries_are_never_followed() {
    let d = Dir::new("planted");
    let victim = d.0.join("victim");
    std::fs::write(&victim, "precious").unwrap();
    // The name the old code used, and a spread of others: every one a symlink to the
    // victim, as an unprivileged user in a sticky directory could plant them.
    let out = d.0.join("out.json");
    let mut planted = vec![format!(".out.json.sealbench-{}.tmp", std::process::id())];
    planted.extend((0..50).map(|i| format!(".out.json.sealbench-{i:016x}.tmp")));
    for p in &planted {
        std::os::unix::fs::symlink(&victim, d.0.join(p)).unwrap();
    }
    check_replaceable(&out).unwrap();
    assert!(put(&out, b"results").unwrap());
    assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    assert_eq!(std::fs::read(&out).unwrap(), b"results");
    assert_eq!(
        d.names().len(),
        planted.len() + 2,
        "no temporary of ours left"
    );
}

#[test]
fn an_interrupted_write_leaves_the_old_file_and_no_temporary() {
    let d = Dir::new("interrupted");
    let f = d.0.join("r.json");
    std::fs::write(&f, "GOOD").unwrap();
    assert!(!replace_file(&f, b"new", || true).unwrap());
    assert_eq!(std::fs::read(&f).unwrap(), b"GOOD");
    assert_eq!(d.names(), vec!["r.json"]);
}
