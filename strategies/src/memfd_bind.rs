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

    fn prepare(&self, target: &Target) -> Result<Box<dyn Sealer>> {
        let exe = target.exe().to_owned();
        let src = sys::open_binary(&exe)?;
        let memfd = sys::sealed_memfd_copy(c"sealbench-memfd-bind", &src)?;
        drop(src);
        Keeper::start(&memfd, exe.clone()).map(|keeper| {
            Box::new(MemfdBindSealer {
                exe,
                keeper: Some(keeper),
            }) as Box<dyn Sealer>
        })
    }
}

/// The long-lived process that owns the bind mount: it mounts, reports ready, and
/// unmounts when its control pipe closes (teardown) or when sealbench dies.
struct Keeper {
    pid: Pid,
    control: OwnedFd,
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
        // SAFETY: the child only makes raw syscalls on the CStrings and fds prepared above.
        let pid = unsafe {
            sys::fork_with(|| {
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
                    // SAFETY: slot_raw is this child's copy of the reserved descriptor.
                    if libc::dup3(link.as_raw_fd(), slot_raw, libc::O_CLOEXEC) < 0 {
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
            })?
        };
        drop(slot);
        drop((ready_w, control_r));
        let keeper = Keeper {
            pid,
            control: control_w,
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

    fn stop(self) -> Result<()> {
        drop(self.control);
        let (status, _) = sys::wait4(self.pid)?;
        if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 {
            Ok(())
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
