use crate::expect;
use crate::{sys, Error, Exec, Result, ResultExt, SealStrategy, Sealed, Sealer, Target};
use rustix::fd::{AsRawFd, OwnedFd};
use rustix::fs::{Mode, OFlags};
use rustix::mount::UnmountFlags;
use rustix::process::Pid;
use std::ffi::CString;

/// runc's `runc-memfd-bind`: one sealed copy per run, bind-mounted over the binary's path
/// by a long-lived keeper, so that every start execs the sealed copy without copying.
pub struct MemfdBind;

impl SealStrategy for MemfdBind {
    fn name(&self) -> &'static str {
        "memfd-bind"
    }

    fn description(&self) -> &'static str {
        "a sealed memfd copy made once, bind-mounted over the binary by a keeper process"
    }

    fn expected_audit(&self, kernel: crate::KernelVersion) -> Option<expect::Cells> {
        expect::lookup(AUDIT, kernel)
    }

    fn prepare(&self, target: &Target) -> Result<Box<dyn Sealer>> {
        let exe = target.exe().to_owned();
        let src = sys::open_binary(&exe)?;
        let memfd = sys::sealed_memfd_copy(c"sealbench-memfd-bind", &src)?;
        drop(src);
        let keeper = match Keeper::start(&memfd, exe.clone()) {
            // Linux 6.12 refuses a /proc/<pid>/fd/<n> entry as the root of a mount
            // (ENOENT, see `Keeper::hold`); its /proc/<pid>/exe entries it still accepts.
            Err(e) if e.errno() == Some(rustix::io::Errno::NOENT) => {
                Keeper::hold(&memfd, exe.clone()).map_err(|h| {
                    Error::msg(format!("{e}; and with /proc/<pid>/exe as the source: {h}"))
                })?
            }
            other => other?,
        };
        Ok(Box::new(MemfdBindSealer {
            exe,
            keeper: Some(keeper),
        }))
    }
}

/// The long-lived process that keeps the bind mount's source alive. As runc's memfd-bind
/// does, it holds the memfd and the mount's root is its /proc/<pid>/fd entry: it mounts,
/// reports ready, and unmounts when its control pipe closes (teardown) or when sealbench
/// dies. Where the kernel refuses that ([`Keeper::hold`]), it is a process running the
/// sealed copy itself, and the mount's root is its /proc/<pid>/exe entry.
struct Keeper {
    pid: Pid,
    control: OwnedFd,
    /// Set for a holder: the mount sealbench made over this path, to detach before the
    /// holder is told to go.
    unmount: Option<CString>,
}

impl Keeper {
    fn start(memfd: &OwnedFd, target: CString) -> Result<Keeper> {
        // A memfd cannot be a bind source itself; an O_PATH|O_NOFOLLOW fd of its magic link
        // can. The mount then resolves through the keeper's /proc/<pid>/fd entry, which is
        // why the keeper has to live as long as the mount. The keeper opens that fd and
        // places it on `slot`, a number reserved here so the child needs no formatting.
        let slot = rustix::io::fcntl_dupfd_cloexec(memfd, 0).ctx(|| "dup".into())?;
        let memfd_link =
            CString::new(format!("/proc/self/fd/{}", memfd.as_raw_fd())).expect("no NUL");
        let source = CString::new(format!("/proc/self/fd/{}", slot.as_raw_fd())).expect("no NUL");
        let slot_raw = slot.as_raw_fd();
        let (ready_r, ready_w) =
            rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).ctx(|| "pipe".into())?;
        let (control_r, control_w) =
            rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).ctx(|| "pipe".into())?;
        let keeper = || {
            // The keeper holds only what it needs: not the write end of its own control
            // pipe, nor anything else of the parent's, or it would never see EOF.
            sys::close_all_except(&mut [
                memfd.as_raw_fd(),
                slot_raw,
                ready_w.as_raw_fd(),
                control_r.as_raw_fd(),
            ]);
            let bound = rustix::fs::open(
                memfd_link.as_c_str(),
                OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .and_then(|link| {
                // SAFETY: slot_raw is this child's copy of the reserved descriptor, which
                // nothing else in the child uses; dup3 replaces only that number.
                if unsafe { libc::dup3(link.as_raw_fd(), slot_raw, libc::O_CLOEXEC) } < 0 {
                    return Err(rustix::io::Errno::from_raw_os_error(libc::EBADF));
                }
                rustix::mount::mount_bind(source.as_c_str(), target.as_c_str())
            });
            let answer: u8 = match bound {
                Ok(()) => 0,
                Err(e) => e.raw_os_error() as u8,
            };
            let _ = rustix::io::write(&ready_w, &[answer]);
            if answer != 0 {
                return 1;
            }
            let mut byte = [0u8];
            // EOF: the run is over (or sealbench is gone and SIGKILL is on its way).
            while let Err(rustix::io::Errno::INTR) = rustix::io::read(&control_r, &mut byte) {}
            // NOFOLLOW: the mount's root is a magic link, and must not be resolved here.
            match rustix::mount::unmount(
                target.as_c_str(),
                UnmountFlags::DETACH | UnmountFlags::NOFOLLOW,
            ) {
                Ok(()) => 0,
                Err(_) => 2,
            }
        };
        // SAFETY: the keeper only makes raw syscalls on the CStrings and fds prepared above
        // (fork_with's condition): it neither allocates nor locks.
        let pid = unsafe { sys::fork_with(keeper) }?;
        drop(slot);
        drop((ready_w, control_r));
        let keeper = Keeper {
            pid,
            control: control_w,
            unmount: None,
        };
        let mut answer = [0u8];
        match rustix::io::read(&ready_r, &mut answer) {
            Ok(1) if answer[0] == 0 => Ok(keeper),
            Ok(1) => {
                let errno = rustix::io::Errno::from_raw_os_error(answer[0] as i32);
                keeper.stop().ok();
                Err(errno).ctx(|| format!("keeper: mount --bind memfd over {target:?}"))
            }
            _ => {
                keeper.stop().ok();
                Err(Error::msg("keeper: died before it was ready"))
            }
        }
    }

    /// The keeper for kernels that refuse a /proc/<pid>/fd/<n> entry as a mount's root:
    /// Linux 6.12 marks those entries (and /proc/<pid>/map_files ones) unmountable
    /// (`proc_splice_unmountable()`, `dont_mount()`), and attaching a mount preallocates a
    /// mountpoint on the new mount's own root (`get_mountpoint(source_mnt->mnt.mnt_root)` in
    /// `attach_recursive_mnt()`), which `d_set_mounted()` refuses for such a dentry with
    /// ENOENT. /proc/<pid>/exe is an ordinary /proc/<pid> entry, so the holder is a process
    /// running the sealed copy: stage 2 exec'd from the memfd as `--hold`, which waits for
    /// its stdin (the control pipe) to close. sealbench mounts the holder's exe link over
    /// the binary's path, and detaches it before it closes the control pipe.
    fn hold(memfd: &OwnedFd, target: CString) -> Result<Keeper> {
        let argv0 = c"sealbench-stage2";
        let hold = c"--hold";
        let argv: [*const libc::c_char; 3] = [argv0.as_ptr(), hold.as_ptr(), std::ptr::null()];
        let envp: [*const libc::c_char; 1] = [std::ptr::null()];
        // The exec'd pipe: its write end is close-on-exec in the holder, so EOF on the read
        // end means the holder runs the sealed copy (or died, having said why).
        let (exec_r, exec_w) =
            rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).ctx(|| "pipe".into())?;
        let (control_r, control_w) =
            rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC).ctx(|| "pipe".into())?;
        let (memfd_raw, exec_raw, control_raw) =
            (memfd.as_raw_fd(), exec_w.as_raw_fd(), control_r.as_raw_fd());
        let holder = || {
            sys::close_all_except(&mut [memfd_raw, exec_raw, control_raw]);
            // stdin is the control pipe, without close-on-exec (stage 2 --hold writes
            // nothing, so stdout and stderr stay as they are).
            // SAFETY: plain fd calls on this child's own descriptors: fd 0 is replaced by
            // (or, already being it, keeps) the control pipe's read end.
            let stdin = unsafe {
                if control_raw == 0 {
                    libc::fcntl(0, libc::F_SETFD, 0)
                } else {
                    libc::dup3(control_raw, 0, 0)
                }
            };
            if stdin < 0 {
                let _ = rustix::io::write(&exec_w, &[libc::EBADF as u8]);
                return 1;
            }
            // SAFETY: argv and envp are NULL-terminated arrays of C string literals, alive
            // for the whole of this function.
            let err = unsafe { sys::execveat_fd(memfd, argv.as_ptr(), envp.as_ptr()) };
            let _ = rustix::io::write(&exec_w, &[err.raw_os_error() as u8]);
            1
        };
        // SAFETY: the holder only makes raw syscalls on the arrays and fds prepared above
        // (fork_with's condition): it neither allocates nor locks.
        let pid = unsafe { sys::fork_with(holder) }?;
        drop((exec_w, control_r));
        let keeper = Keeper {
            pid,
            control: control_w,
            unmount: None,
        };
        let mut answer = [0u8];
        match rustix::io::read(&exec_r, &mut answer) {
            Ok(0) => {}
            Ok(_) => {
                let errno = rustix::io::Errno::from_raw_os_error(answer[0] as i32);
                keeper.stop().ok();
                return Err(errno).ctx(|| "holder: execveat(sealed copy, --hold)".into());
            }
            Err(e) => {
                keeper.stop().ok();
                return Err(e).ctx(|| "holder: read exec'd pipe".into());
            }
        }
        // The mount's root is the holder's exe link itself, as the keeper's is its fd link.
        let exe_link = format!("/proc/{}/exe", pid.as_raw_nonzero());
        let mounted = rustix::fs::open(
            exe_link.as_str(),
            OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .ctx(|| format!("open({exe_link}, O_PATH|O_NOFOLLOW)"))
        .and_then(|link| {
            let source = format!("/proc/self/fd/{}", link.as_raw_fd());
            rustix::mount::mount_bind(source.as_str(), target.as_c_str())
                .ctx(|| format!("mount --bind {exe_link} over {target:?}"))
        });
        match mounted {
            Ok(()) => Ok(Keeper {
                unmount: Some(target),
                ..keeper
            }),
            Err(e) => {
                keeper.stop().ok();
                Err(e)
            }
        }
    }

    fn stop(self) -> Result<()> {
        let unmounted = match &self.unmount {
            // NOFOLLOW: the mount's root is a magic link, and must not be resolved here.
            Some(target) => rustix::mount::unmount(
                target.as_c_str(),
                UnmountFlags::DETACH | UnmountFlags::NOFOLLOW,
            )
            .ctx(|| format!("umount {target:?}")),
            None => Ok(()),
        };
        drop(self.control);
        let (status, _) = sys::wait4(self.pid)?;
        if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 {
            unmounted
        } else {
            Err(Error::msg(format!(
                "keeper: exited with wait status {status:#x}"
            )))
        }
    }
}

struct MemfdBindSealer {
    exe: CString,
    keeper: Option<Keeper>,
}

impl Sealer for MemfdBindSealer {
    fn seal(&mut self) -> Result<Sealed> {
        let fd = rustix::fs::open(
            self.exe.as_c_str(),
            OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .ctx(|| format!("open({:?})", self.exe))?;
        // As runc does: only trust what was opened if it carries the seals.
        let seals = rustix::fs::fcntl_get_seals(&fd)
            .ctx(|| "fcntl(F_GET_SEALS) on the bound binary".into())?;
        if !seals.contains(sys::COPY_SEALS) {
            return Err(Error::msg(format!(
                "{:?} is not a sealed memfd (seals {seals:?})",
                self.exe
            )));
        }
        Ok(Exec::Fd(fd).into())
    }

    fn teardown(&mut self) -> Result<()> {
        self.keeper.take().map_or(Ok(()), Keeper::stop)
    }
}

impl Drop for MemfdBindSealer {
    fn drop(&mut self) {
        let _ = self.teardown();
    }
}

/// What the audit finds where the keeper holds the memfd (its fd link is the mount's root).
const FD_LINK: expect::Cells = &[
    ("write-running", "blocked (ETXTBSY)"),
    ("write-parent-exe", "blocked (ETXTBSY)"),
    ("reopen-after-exit", "blocked (EPERM)"),
    ("remount-rw", "blocked (EPERM)"),
    ("open-by-handle", "blocked (ESTALE)"),
    ("truncate-sealed", "blocked (EPERM)"),
    ("shares-page-cache", "no"),
    ("full-start/write-running", "blocked (ETXTBSY)"),
    ("full-start/write-parent-exe", "n/a"),
    ("full-start/reopen-after-exit", "blocked (EPERM)"),
];

/// Where the keeper is a holder running the sealed copy (Linux 6.12): a write open of the
/// copy meets ETXTBSY before the seals are asked, since a process executes it all along.
const HOLDER: expect::Cells = &[
    ("write-running", "blocked (ETXTBSY)"),
    ("write-parent-exe", "blocked (ETXTBSY)"),
    ("reopen-after-exit", "blocked (ETXTBSY)"),
    ("remount-rw", "blocked (ETXTBSY)"),
    ("open-by-handle", "blocked (ESTALE)"),
    ("truncate-sealed", "blocked (ETXTBSY)"),
    ("shares-page-cache", "no"),
    ("full-start/write-running", "blocked (ETXTBSY)"),
    ("full-start/write-parent-exe", "n/a"),
    ("full-start/reopen-after-exit", "blocked (EPERM)"),
];

/// What the audit finds, per range of kernels (see [`crate::expect`]); the first range
/// that holds the kernel wins. Measured: 6.1.192 and 6.18 (fd link), 6.12.118 (holder).
const AUDIT: expect::Record = &[
    (
        expect::KernelRange {
            from: crate::KernelVersion::new(6, 12, 0),
            until: crate::KernelVersion::new(6, 13, 0),
        },
        HOLDER,
    ),
    (expect::LINUX_6, FD_LINK),
];
