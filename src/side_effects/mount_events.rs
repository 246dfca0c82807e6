use rustix::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::io::Read;
use std::os::unix::fs::FileExt;

// fanotify's mount notifications (Linux 6.15), not yet in the libc crate.
const FAN_REPORT_MNT: libc::c_uint = 0x0000_4000;
const FAN_MARK_MNTNS: libc::c_uint = 0x0000_0110;
const FAN_MNT_ATTACH: u64 = 0x0100_0000;
const FAN_MNT_DETACH: u64 = 0x0200_0000;

pub use crate::results::{is_exact, EXACT_METHOD};

/// Counts mount and unmount events in this process's mount namespace: exactly, with
/// fanotify mount notifications (Linux 6.15 and later); on older kernels there is no
/// exact count to be had without tracing, so it counts the wake-ups a poll on
/// /proc/self/mountinfo gets, as systemd's poller does. One wake-up stands for any number
/// of changes made since the table was last read (a start's attach and detach come
/// microseconds apart and merge), so wake-ups are a lower bound on events, never the
/// events themselves; results report them under a name of their own.
pub enum MountWatch {
    Fanotify(OwnedFd),
    Mountinfo(std::fs::File),
}

impl MountWatch {
    pub fn new() -> Option<MountWatch> {
        Self::fanotify().or_else(|| {
            let f = std::fs::File::open("/proc/self/mountinfo").ok()?;
            let mut w = MountWatch::Mountinfo(f);
            w.drain();
            Some(w)
        })
    }

    fn fanotify() -> Option<MountWatch> {
        // SAFETY: plain syscalls; the returned fd is checked before it is owned.
        unsafe {
            let fd = libc::fanotify_init(
                libc::FAN_CLOEXEC | libc::FAN_NONBLOCK | FAN_REPORT_MNT,
                libc::O_RDONLY as libc::c_uint,
            );
            if fd < 0 {
                return None;
            }
            let fd = OwnedFd::from_raw_fd(fd);
            let ns = std::fs::File::open("/proc/self/ns/mnt").ok()?;
            let r = libc::fanotify_mark(
                fd.as_raw_fd(),
                libc::FAN_MARK_ADD | FAN_MARK_MNTNS,
                FAN_MNT_ATTACH | FAN_MNT_DETACH,
                ns.as_raw_fd(),
                std::ptr::null(),
            );
            (r == 0).then_some(MountWatch::Fanotify(fd))
        }
    }

    pub fn method(&self) -> &'static str {
        match self {
            MountWatch::Fanotify(_) => EXACT_METHOD,
            MountWatch::Mountinfo(_) => "mountinfo-poll",
        }
    }

    /// The events since the last call.
    pub fn drain(&mut self) -> u64 {
        match self {
            MountWatch::Fanotify(fd) => {
                let mut events = 0;
                let mut buf = [0u8; 4096];
                while let Ok(n @ 1..) = rustix::io::read(&*fd, &mut buf) {
                    let mut at = 0;
                    while at + 24 <= n {
                        let len = u32::from_ne_bytes(buf[at..at + 4].try_into().unwrap()) as usize;
                        let mask = u64::from_ne_bytes(buf[at + 8..at + 16].try_into().unwrap());
                        events += u64::from(mask & FAN_MNT_ATTACH != 0)
                            + u64::from(mask & FAN_MNT_DETACH != 0);
                        at += len.max(24);
                    }
                }
                events
            }
            MountWatch::Mountinfo(f) => {
                let mut changes = 0;
                loop {
                    let mut pfd = libc::pollfd {
                        fd: f.as_raw_fd(),
                        events: libc::POLLPRI,
                        revents: 0,
                    };
                    // SAFETY: one live pollfd, no wait.
                    let ready = unsafe { libc::poll(&mut pfd, 1, 0) };
                    if ready <= 0 || pfd.revents & (libc::POLLPRI | libc::POLLERR) == 0 {
                        return changes;
                    }
                    changes += 1;
                    // Reading the table again re-arms the notification.
                    let mut sink = Vec::new();
                    let _ = f.read_at(&mut [0u8; 1], 0);
                    let _ = (&*f).read_to_end(&mut sink);
                    let _ = std::io::Seek::seek(&mut &*f, std::io::SeekFrom::Start(0));
                }
            }
        }
    }
}

/// Starts per contender over which mount events are counted.
pub const EVENT_STARTS: u32 = 20;

/// Mount events per start of `contender`, counted over [`EVENT_STARTS`] starts of its own
/// after the timed runs: fanotify delivers a lazy unmount's event when the mount is
/// finally freed, which in interleaved rounds can fall into another strategy's start, so
/// counting one contender at a time is what attributes every event to its maker.
///
/// With the mountinfo poll, the table is read after every start, as a poller that keeps up
/// would: a start that changes the mount table at all then counts at least one wake-up.
pub fn events_per_start(
    contender: &mut dyn crate::benchmark::Contender,
    watch: &mut MountWatch,
) -> crate::error::Result<f64> {
    watch.drain();
    let per_start = matches!(watch, MountWatch::Mountinfo(_));
    let mut seen = 0;
    for _ in 0..EVENT_STARTS {
        contender.start()?;
        contender.after_start()?;
        if per_start {
            seen += watch.drain();
        }
    }
    std::thread::sleep(std::time::Duration::from_millis(20));
    seen += watch.drain();
    Ok(seen as f64 / f64::from(EVENT_STARTS))
}
