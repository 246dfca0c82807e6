use crate::expect;
use crate::{Error, Exec, Result, ResultExt, SealStrategy, Sealed, Sealer, Target};
use rustix::fd::OwnedFd;
use rustix::fs::{Mode, OFlags};
use rustix::mount::{MountFlags, MountPropagationFlags, UnmountFlags};
use rustix::thread::UnshareFlags;
use std::ffi::CString;
use std::sync::mpsc;
use std::thread::JoinHandle;

/// runc 1.1's `bindfd` done in a fresh mount namespace per start: a read-only bind of the
/// binary, opened O_PATH and detached, so no mount outlives the start or reaches the host.
pub struct BindRo;

impl SealStrategy for BindRo {
    fn name(&self) -> &'static str {
        "bind-ro"
    }

    fn description(&self) -> &'static str {
        "per start, in a fresh mount namespace: read-only bind of the binary, O_PATH, detach"
    }

    fn expected_audit(&self, kernel: crate::KernelVersion) -> Option<expect::Cells> {
        expect::lookup(AUDIT, kernel)
    }

    fn prepare(&self, target: &Target) -> Result<Box<dyn Sealer>> {
        NamespaceWorker::spawn(target.exe().to_owned())
            .map(|w| Box::new(BindRoSealer { worker: Some(w) }) as _)
    }
}

/// `unshare(CLONE_NEWNS)` changes only the calling thread, so every start's namespace work
/// runs on one dedicated thread. The fd it opens is in the shared fd table; the namespace
/// it made is dropped by its next unshare.
struct NamespaceWorker {
    requests: mpsc::SyncSender<()>,
    replies: mpsc::Receiver<Result<OwnedFd>>,
    thread: JoinHandle<()>,
}

impl NamespaceWorker {
    fn spawn(exe: CString) -> Result<NamespaceWorker> {
        let (requests, inbox) = mpsc::sync_channel::<()>(0);
        let (outbox, replies) = mpsc::sync_channel(0);
        let (ready, started) = mpsc::sync_channel::<()>(0);
        let thread = std::thread::Builder::new()
            .name("bind-ro-ns".into())
            .spawn(move || {
                // A root and cwd of its own from the start, so the spawning thread alone
                // holds its own and may still setns(CLONE_NEWNS) (a host-mounts sweep).
                // SAFETY: FS unshares only root, cwd and umask.
                let _ = unsafe { rustix::thread::unshare_unsafe(UnshareFlags::FS) };
                let _ = ready.send(());
                while inbox.recv().is_ok() {
                    if outbox.send(bind_read_only(&exe)).is_err() {
                        break;
                    }
                }
            })
            .ctx(|| "spawn namespace thread".into())?;
        let _ = started.recv();
        Ok(NamespaceWorker {
            requests,
            replies,
            thread,
        })
    }

    fn seal(&self) -> Result<OwnedFd> {
        self.requests
            .send(())
            .map_err(|_| Error::msg("bind-ro namespace thread is gone"))?;
        self.replies
            .recv()
            .map_err(|_| Error::msg("bind-ro namespace thread is gone"))?
    }

    fn stop(self) {
        drop(self.requests);
        let _ = self.thread.join();
    }
}

fn bind_read_only(exe: &CString) -> Result<OwnedFd> {
    // SAFETY: NEWNS (which implies CLONE_FS) gives this thread its own mount namespace and
    // fs struct; it leaves the shared fd table and address space alone.
    unsafe { rustix::thread::unshare_unsafe(UnshareFlags::NEWNS) }
        .ctx(|| "unshare(CLONE_NEWNS)".into())?;
    rustix::mount::mount_change(
        c"/",
        MountPropagationFlags::PRIVATE | MountPropagationFlags::REC,
    )
    .ctx(|| "mount(/, MS_REC|MS_PRIVATE)".into())?;
    // Bind the resolved path: binding /proc/self/exe after unshare gives EINVAL.
    rustix::mount::mount_bind(exe.as_c_str(), exe.as_c_str())
        .ctx(|| format!("mount --bind {exe:?}"))?;
    // MS_BIND|MS_RDONLY in one call silently ignores RDONLY; it takes a remount.
    let sealed =
        rustix::mount::mount_remount(exe.as_c_str(), MountFlags::BIND | MountFlags::RDONLY, c"")
            .ctx(|| format!("mount -o remount,bind,ro {exe:?}"))
            .and_then(|()| {
                rustix::fs::open(
                    exe.as_c_str(),
                    OFlags::PATH | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .ctx(|| format!("open({exe:?}, O_PATH)"))
            });
    rustix::mount::unmount(exe.as_c_str(), UnmountFlags::DETACH)
        .ctx(|| format!("umount -l {exe:?}"))?;
    sealed
}

struct BindRoSealer {
    worker: Option<NamespaceWorker>,
}

impl Sealer for BindRoSealer {
    fn seal(&mut self) -> Result<Sealed> {
        let worker = self
            .worker
            .as_ref()
            .ok_or_else(|| Error::msg("bind-ro used after teardown"))?;
        worker.seal().map(|fd| Exec::Fd(fd).into())
    }

    fn teardown(&mut self) -> Result<()> {
        if let Some(w) = self.worker.take() {
            w.stop();
        }
        Ok(())
    }
}

impl Drop for BindRoSealer {
    fn drop(&mut self) {
        let _ = self.teardown();
    }
}

/// What the audit finds, per range of kernels (see [`crate::expect`]).
const AUDIT: expect::Record = &[(
    expect::LINUX_6,
    &[
        ("write-running", "blocked (ETXTBSY)"),
        ("write-parent-exe", "blocked (ETXTBSY)"),
        ("reopen-after-exit", "blocked (EROFS)"),
        ("remount-rw", "blocked (EROFS)"),
        ("open-by-handle", "writable"),
        ("truncate-sealed", "blocked (EROFS)"),
        ("shares-page-cache", "yes"),
        ("full-start/write-running", "blocked (ETXTBSY)"),
        ("full-start/write-parent-exe", "n/a"),
        ("full-start/reopen-after-exit", "blocked (EROFS)"),
    ],
)];
