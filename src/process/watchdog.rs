//! `--run-timeout`: a thread that kills a start's child once it has run too long, so that
//! a hung stage 2 or runtime peer counts as a failed run instead of stopping the run. A
//! start registers its child in a slot (two atomic stores); nothing else is on its path.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const SLOTS: usize = 256;

/// The watchdog thread's name. Once [`start`] has returned, that thread only sleeps,
/// reads and writes atomics and calls kill(2): it never holds a lock or allocates, which
/// is what lets [`super::fork::ForkSafe`] fork a child that does.
pub const THREAD: &str = "run-timeout";

/// A slot's pid while the watchdog is signalling it: the reaper waits for the signal to be
/// sent before it frees the slot, so the pid cannot be reaped (and recycled) in between.
const SIGNALLING: i32 = -2;

/// Children the watchdog has killed in this process.
static KILLS: AtomicU64 = AtomicU64::new(0);

struct Slot {
    pid: AtomicI32,
    since_ms: AtomicU64,
    killed: AtomicBool,
}

struct Watchdog {
    epoch: Instant,
    timeout: Duration,
    slots: Vec<Slot>,
}

static WATCHDOG: OnceLock<Watchdog> = OnceLock::new();

/// Start watching with `timeout`. Called once per run, after the run's namespace is
/// entered (the thread must not exist before that single-threaded step).
pub fn start(timeout: Duration) {
    let dog = WATCHDOG.get_or_init(|| Watchdog {
        epoch: Instant::now(),
        timeout,
        slots: (0..SLOTS)
            .map(|_| Slot {
                pid: AtomicI32::new(0),
                since_ms: AtomicU64::new(0),
                killed: AtomicBool::new(false),
            })
            .collect(),
    });
    let tick = (dog.timeout / 4).clamp(Duration::from_millis(10), Duration::from_millis(200));
    let (ready, wait) = std::sync::mpsc::sync_channel(0);
    let spawned = std::thread::Builder::new()
        .name(THREAD.into())
        .spawn(move || {
            // A root and cwd of its own, so that the main thread alone holds the run's:
            // setns(CLONE_NEWNS) (the host-mounts sweep) refuses a thread sharing them.
            // SAFETY: FS unshares only root, cwd and umask; this thread uses none of them.
            let _ = unsafe { rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::FS) };
            let _ = ready.send(());
            loop {
                std::thread::sleep(tick);
                let now = dog.epoch.elapsed().as_millis() as u64;
                for slot in &dog.slots {
                    let pid = slot.pid.load(Ordering::Acquire);
                    if pid > 0
                        && now.saturating_sub(slot.since_ms.load(Ordering::Acquire))
                            > dog.timeout.as_millis() as u64
                        && !slot.killed.load(Ordering::Acquire)
                        && slot
                            .pid
                            .compare_exchange(pid, SIGNALLING, Ordering::AcqRel, Ordering::Relaxed)
                            .is_ok()
                    {
                        slot.killed.store(true, Ordering::Release);
                        KILLS.fetch_add(1, Ordering::AcqRel);
                        // SAFETY: kill(2) on a child of this process that cannot have been reaped:
                        // the reaper frees the slot before reaping, and waits while it holds
                        // SIGNALLING, so the pid still names our child (at worst a zombie).
                        unsafe { libc::kill(pid, libc::SIGKILL) };
                        slot.pid.store(pid, Ordering::Release);
                    }
                }
            }
        });
    if spawned.is_ok() {
        let _ = wait.recv();
    }
}

/// A child being waited for; dropping it stops the watch.
pub struct Watched(Option<&'static Slot>);

/// Watch `pid` until the returned guard is dropped.
pub fn watch(pid: i32) -> Watched {
    let Some(dog) = WATCHDOG.get() else {
        return Watched(None);
    };
    let now = dog.epoch.elapsed().as_millis() as u64;
    for slot in &dog.slots {
        if slot
            .pid
            .compare_exchange(0, -1, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
        {
            slot.killed.store(false, Ordering::Release);
            slot.since_ms.store(now, Ordering::Release);
            slot.pid.store(pid, Ordering::Release);
            return Watched(Some(slot));
        }
    }
    Watched(None)
}

impl Watched {
    /// Whether the watchdog killed the child, and after how long.
    pub fn timed_out(&self) -> Option<Duration> {
        let slot = self.0?;
        slot.killed
            .load(Ordering::Acquire)
            .then(|| WATCHDOG.get().map(|d| d.timeout).unwrap_or_default())
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        if let Some(slot) = self.0 {
            // Free the slot unless the watchdog is signalling this very child; then wait
            // (a kill(2) long) so the child is reaped only after the signal went out.
            loop {
                let pid = slot.pid.load(Ordering::Acquire);
                if pid != SIGNALLING
                    && slot
                        .pid
                        .compare_exchange(pid, 0, Ordering::AcqRel, Ordering::Relaxed)
                        .is_ok()
                {
                    break;
                }
                std::hint::spin_loop();
            }
        }
    }
}

/// How many children the watchdog has killed so far in this process.
pub fn kills() -> u64 {
    KILLS.load(Ordering::Acquire)
}
