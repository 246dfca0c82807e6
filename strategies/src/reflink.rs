use crate::expect;
use crate::{sys, Error, Exec, Result, ResultExt, SealStrategy, Sealed, Sealer, Target};
use rustix::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use rustix::fs::{IFlags, Mode, OFlags};
use rustix::ioctl::{Ioctl, IoctlOutput, Opcode};
use rustix::mount::{FsMountFlags, FsOpenFlags, MountAttrFlags};
use rustix::net::{
    AddressFamily, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags, SocketFlags, SocketType,
};
use rustix::thread::UnshareFlags;
use std::ffi::CString;
use std::io::{IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A copy of the binary with pages of its own, for the price of a metadata operation per
/// start: a reflink (`FICLONE`) of a master copy into an `O_TMPFILE` on an XFS filesystem
/// that the strategy makes for the run, reopened `O_PATH` as `tmpfile` does.
///
/// Why it gives independent data: a clone is a new inode with its own page cache; it
/// shares only the master's extents on disk, which copy-on-write keeps unchanged. Its pages
/// are read from the loop device when the start executes them, so neither a change to the
/// host binary's cached pages nor one to the master's (a page-cache poisoning bug, runc
/// issue 5272) reaches it, and a container that changes its own copy's cache reaches nobody.
///
/// What it costs, and where: no data is copied when sealing (creating the tmpfile and
/// cloning its extents are metadata), and a start reads from the loop device only the
/// pages it executes, rather than copying the whole binary as memfd and tmpfile do. The
/// cost moves to exec's page faults (through the loop driver, from the image's tmpfs
/// pages into the clone's page cache) and to XFS's metadata: the clone's inode and its
/// extent references are freed by XFS's background inode reclaim (inodegc, a kernel
/// worker) after the last holder closes it, so that part costs a kernel thread's CPU,
/// not the start's. A runtime would do this on an XFS or btrfs it already has (containers'
/// storage often is one); the loop-mounted image stands in for it here.
///
/// Why XFS, not btrfs: measured on this host (6.18, per clone of a 12 MiB file, medians of
/// 200), faulting in 768 KiB of a clone took 137 µs on XFS and 938 µs on btrfs (748 µs
/// with `nodatasum`), and closing the last fd 12 µs against 274 µs: XFS's page cache takes
/// large folios and defers the freeing of unlinked inodes, btrfs's does neither here.
/// XFS's price is its image: mkfs.xfs (6.1) refuses filesystems under 300 MiB and logs
/// under 64 MiB, and writes the whole log as zeros. The image stays sparse (a hole reads as
/// zeros, so punching one where the image reads zeros changes no byte of it), which gives
/// the 64 MiB back: about 3 MiB plus the master copy, growing as XFS writes its log (at
/// most the log's 64 MiB, after many thousands of starts).
///
/// Nothing outlives the run, even SIGKILLed: the loop device is configured with
/// `LO_FLAGS_AUTOCLEAR` and its image file is unlinked at once, and the filesystem is a
/// detached mount (`fsmount`, attached nowhere) that lives only as long as the fds on it.
/// When the last one closes (the mount's, the master's, every start's clone) the
/// filesystem goes, then the loop device, then the image. Teardown waits for the loop
/// device to go.
///
/// A start's clone is not reachable by path, and the master is also made immutable
/// (`FS_IMMUTABLE_FL`), so that a container that could reach it by file handle
/// (`CAP_DAC_READ_SEARCH` and an fd on this filesystem, which its own exe is) could not
/// change what later starts clone without also holding `CAP_LINUX_IMMUTABLE`.
///
/// Unsupported where the host has no `mkfs.xfs` (Debian's xfsprogs, installed by
/// `scripts/setup.sh`), no loop devices, no XFS in the kernel, or no privilege to
/// configure a loop device (`--rootless`).
pub struct Reflink;

impl SealStrategy for Reflink {
    fn name(&self) -> &'static str {
        "reflink"
    }

    fn description(&self) -> &'static str {
        "per start, FICLONE a master copy into an O_TMPFILE on a loop-mounted XFS, reopen O_PATH"
    }

    fn expected_audit(&self, kernel: crate::KernelVersion) -> Option<expect::Cells> {
        expect::lookup(AUDIT, kernel)
    }

    fn prepare(&self, target: &Target) -> Result<Box<dyn Sealer>> {
        let set_up = SetUp {
            mkfs: find_mkfs()?,
            exe: target.exe().to_owned(),
            scratch: target.scratch().to_path_buf(),
        };
        let cloner = Cloner::spawn(set_up)?;
        Ok(Box::new(ReflinkSealer {
            cloner: Some(cloner),
            spent: None,
            starts: 0,
        }))
    }
}

/// What the cloner needs to make the filesystem and its master copy.
struct SetUp {
    mkfs: PathBuf,
    exe: CString,
    scratch: PathBuf,
}

/// The filesystem of a run, as the cloner holds it.
struct Mounted {
    mnt: OwnedFd,
    master: OwnedFd,
    device: Watch,
    /// The image file, unlinked: its allocated size is the memory the run's tmpfs holds.
    image: OwnedFd,
}

impl SetUp {
    fn mount(self) -> Result<Mounted> {
        let src = sys::open_binary(&self.exe)?;
        let size = rustix::fs::fstat(&src)
            .ctx(|| "fstat(runtime binary)".into())?
            .st_size as u64;
        let image = Image::make(&self.mkfs, &self.scratch, size)?;
        let loopdev = LoopDevice::attach(&image.file)?;
        // The loop device holds the image open from now on; no path is left to it. Our fd
        // on it only tells how much memory it holds.
        let image = image.unlink()?;
        let mnt = mount_xfs(&loopdev)?;
        let master = master_copy(&mnt, &src)?;
        Ok(Mounted {
            mnt,
            master,
            device: loopdev.watch(),
            image,
        })
    }
}

/// `mkfs.xfs` where Debian's xfsprogs puts it (or elsewhere on a usual PATH): a run's
/// worker may have a minimal environment, so PATH is not relied on.
fn find_mkfs() -> Result<PathBuf> {
    ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin"]
        .iter()
        .map(|d| Path::new(d).join("mkfs.xfs"))
        .find(|p| p.is_file())
        .ok_or_else(|| Error::msg("mkfs.xfs not found (install xfsprogs)"))
}

/// The filesystem image: a sparse file in the target's scratch directory, only while it is
/// being made and attached. Dropping it unlinks the path (the loop device keeps the file).
struct Image {
    path: PathBuf,
    file: OwnedFd,
}

impl Image {
    fn make(mkfs: &Path, scratch: &Path, binary_size: u64) -> Result<Image> {
        // Sparse: only what mkfs and the master copy write takes memory. mkfs.xfs refuses
        // less than 300 MiB; room for the master twice over beyond that.
        let size = (2 * binary_size + (300 << 20)).next_multiple_of(1 << 20);
        // A name no other run could give its own image (the backing file's name is how
        // teardown recognises its loop device), though each run has a tmpfs of its own.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path = scratch.join(format!(
            "reflink-{}-{nanos}.img",
            rustix::process::getpid().as_raw_nonzero()
        ));
        let file = rustix::fs::open(
            &path,
            OFlags::CREATE | OFlags::EXCL | OFlags::RDWR | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .ctx(|| format!("create {}", path.display()))?;
        let image = Image { path, file };
        rustix::fs::ftruncate(&image.file, size).ctx(|| "ftruncate(image)".into())?;
        let out = std::process::Command::new(mkfs)
            // -K: no discard (a file has nothing to discard); reflink=1 is the default since
            // xfsprogs 5.1, asked for so that an older mkfs fails here rather than FICLONE.
            .args(["-q", "-f", "-K", "-m", "reflink=1"])
            .arg(&image.path)
            .env_clear()
            .stdin(std::process::Stdio::null())
            .output()
            .ctx(|| format!("run {}", mkfs.display()))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(Error::msg(format!(
                "{} {}: {}",
                mkfs.display(),
                out.status,
                err.lines()
                    .rfind(|l| !l.trim().is_empty())
                    .unwrap_or("no output")
            )));
        }
        image.sparsify()?;
        Ok(image)
    }

    /// Punch a hole wherever the image reads as zeros: what `SEEK_HOLE` reports (mkfs.xfs
    /// fallocates its 64 MiB log, and a filesystem reports fallocated, never written space
    /// as a hole, though it holds memory on tmpfs), and every zero block of the data. A
    /// hole reads as zeros too, so not a byte of the image changes, and the tmpfs pages
    /// behind those zeros are freed.
    fn sparsify(&self) -> Result<()> {
        use rustix::fs::{FallocateFlags, SeekFrom};
        const BLOCK: usize = 4096;
        let len = rustix::fs::fstat(&self.file)
            .ctx(|| "fstat(image)".into())?
            .st_size as u64;
        let mut buf = vec![0u8; 64 * BLOCK];
        let mut at = 0u64;
        while at < len {
            let data = match rustix::fs::seek(&self.file, SeekFrom::Data(at)) {
                Ok(d) => d,
                Err(rustix::io::Errno::NXIO) => len,
                Err(e) => return Err(e).ctx(|| "lseek(image, SEEK_DATA)".into()),
            };
            if data > at {
                punch(&self.file, at, data - at)?;
            }
            if data >= len {
                break;
            }
            let hole = rustix::fs::seek(&self.file, SeekFrom::Hole(data))
                .ctx(|| "lseek(image, SEEK_HOLE)".into())?;
            let mut pos = data;
            while pos < hole {
                let want = ((hole - pos) as usize).min(buf.len());
                let n = rustix::io::pread(&self.file, &mut buf[..want], pos)
                    .ctx(|| "pread(image)".into())?;
                if n == 0 {
                    break;
                }
                // Runs of whole zero blocks, punched one run at a time.
                let mut run: Option<u64> = None;
                let blocks = buf[..n].chunks(BLOCK).enumerate();
                for (i, block) in blocks {
                    let offset = pos + (i * BLOCK) as u64;
                    let zero = block.len() == BLOCK && block.iter().all(|&b| b == 0);
                    match (zero, run) {
                        (true, None) => run = Some(offset),
                        (false, Some(from)) => {
                            punch(&self.file, from, offset - from)?;
                            run = None;
                        }
                        _ => {}
                    }
                }
                if let Some(from) = run {
                    punch(&self.file, from, pos + n as u64 - from)?;
                }
                pos += n as u64;
            }
            at = hole;
        }
        return Ok(());

        fn punch(file: &OwnedFd, offset: u64, len: u64) -> Result<()> {
            rustix::fs::fallocate(
                file,
                FallocateFlags::PUNCH_HOLE | FallocateFlags::KEEP_SIZE,
                offset,
                len,
            )
            .ctx(|| format!("fallocate(image, PUNCH_HOLE, {offset}, {len})"))
        }
    }
}

impl Image {
    /// Remove the image's path (dropping `self` does), keeping an fd on the file.
    fn unlink(self) -> Result<OwnedFd> {
        rustix::io::fcntl_dupfd_cloexec(&self.file, 0).ctx(|| "dup(image)".into())
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// `<linux/loop.h>`: the ioctls and flags used here.
const LOOP_CTL_GET_FREE: Opcode = 0x4C82;
const LOOP_CONFIGURE: Opcode = 0x4C0A;
const LO_FLAGS_AUTOCLEAR: u32 = 4;

/// `struct loop_info64`.
#[repr(C)]
struct LoopInfo64 {
    lo_device: u64,
    lo_inode: u64,
    lo_rdevice: u64,
    lo_offset: u64,
    lo_sizelimit: u64,
    lo_number: u32,
    lo_encrypt_type: u32,
    lo_encrypt_key_size: u32,
    lo_flags: u32,
    lo_file_name: [u8; 64],
    lo_crypt_name: [u8; 64],
    lo_encrypt_key: [u8; 32],
    lo_init: [u64; 2],
}

/// `struct loop_config`, LOOP_CONFIGURE's argument (Linux 5.8+).
#[repr(C)]
struct LoopConfig {
    fd: u32,
    block_size: u32,
    info: LoopInfo64,
    reserved: [u64; 8],
}

const _: () = assert!(std::mem::size_of::<LoopInfo64>() == 232);
const _: () = assert!(std::mem::size_of::<LoopConfig>() == 304);

/// LOOP_CTL_GET_FREE: no argument; the free device's number is the ioctl's return value,
/// which none of rustix's patterns hands back.
struct GetFree;

// SAFETY: LOOP_CTL_GET_FREE reads and writes no user memory (the pointer is null and
// unused), and its return value is the device number.
unsafe impl Ioctl for GetFree {
    type Output = u32;
    const IS_MUTATING: bool = false;

    fn opcode(&self) -> Opcode {
        LOOP_CTL_GET_FREE
    }

    fn as_ptr(&mut self) -> *mut std::ffi::c_void {
        std::ptr::null_mut()
    }

    unsafe fn output_from_ptr(
        out: IoctlOutput,
        _: *mut std::ffi::c_void,
    ) -> rustix::io::Result<u32> {
        Ok(out as u32)
    }
}

/// A loop device bound to the image, with autoclear: it detaches itself when its last
/// opener closes it, which from the mount on is the filesystem.
struct LoopDevice {
    /// Held until the filesystem holds the device: closing it earlier clears it.
    fd: OwnedFd,
    number: u32,
    backing: Vec<u8>,
}

impl LoopDevice {
    fn attach(image: &OwnedFd) -> Result<LoopDevice> {
        let control = rustix::fs::open(
            c"/dev/loop-control",
            OFlags::RDWR | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .ctx(|| "open /dev/loop-control".into())?;
        let backing =
            rustix::fs::readlink(format!("/proc/thread-self/fd/{}", image.as_raw_fd()), [])
                .ctx(|| "readlink(image fd)".into())?
                .into_bytes();
        // Another process (a run beside this one, losetup) may take the free device between
        // the question and the configuration: LOOP_CONFIGURE then says EBUSY, and we ask
        // again.
        let mut last = None;
        for _ in 0..16 {
            // SAFETY: GetFree passes no pointer, and its output is the return value.
            let number = unsafe { rustix::ioctl::ioctl(&control, GetFree) }
                .ctx(|| "ioctl(LOOP_CTL_GET_FREE)".into())?;
            let path = format!("/dev/loop{number}");
            let fd = rustix::fs::open(path.as_str(), OFlags::RDWR | OFlags::CLOEXEC, Mode::empty())
                .ctx(|| format!("open {path}"))?;
            let mut info_name = [0u8; 64];
            let n = backing.len().min(63);
            info_name[..n].copy_from_slice(&backing[..n]);
            let config = LoopConfig {
                fd: image.as_raw_fd() as u32,
                // The default (512 bytes), which an XFS made on a file expects.
                block_size: 0,
                info: LoopInfo64 {
                    lo_device: 0,
                    lo_inode: 0,
                    lo_rdevice: 0,
                    lo_offset: 0,
                    lo_sizelimit: 0,
                    lo_number: 0,
                    lo_encrypt_type: 0,
                    lo_encrypt_key_size: 0,
                    lo_flags: LO_FLAGS_AUTOCLEAR,
                    lo_file_name: info_name,
                    lo_crypt_name: [0; 64],
                    lo_encrypt_key: [0; 32],
                    lo_init: [0; 2],
                },
                reserved: [0; 8],
            };
            // SAFETY: LOOP_CONFIGURE reads one struct loop_config, which LoopConfig is
            // (layout asserted above); the kernel does not keep the pointer.
            let configured = unsafe {
                rustix::ioctl::ioctl(
                    &fd,
                    rustix::ioctl::Setter::<LOOP_CONFIGURE, LoopConfig>::new(config),
                )
            };
            match configured {
                Ok(()) => {
                    return Ok(LoopDevice {
                        fd,
                        number,
                        backing,
                    })
                }
                Err(rustix::io::Errno::BUSY) => last = Some(rustix::io::Errno::BUSY),
                Err(e) => return Err(e).ctx(|| format!("ioctl({path}, LOOP_CONFIGURE)")),
            }
        }
        Err(last.unwrap_or(rustix::io::Errno::BUSY))
            .ctx(|| "ioctl(LOOP_CONFIGURE): every free loop device was taken first".into())
    }

    fn path(&self) -> String {
        format!("/dev/loop{}", self.number)
    }

    /// Close our own opener, keeping what teardown needs to see the device go.
    fn watch(self) -> Watch {
        let LoopDevice {
            fd,
            number,
            backing,
        } = self;
        drop(fd);
        Watch { number, backing }
    }
}

/// The loop device after our fd on it is closed: how to tell it is gone.
struct Watch {
    number: u32,
    backing: Vec<u8>,
}

impl Watch {
    /// Whether the device still serves our image. Once autoclear has run, its
    /// `loop/backing_file` is gone, or names another run's image.
    fn attached(&self) -> bool {
        let file = format!("/sys/block/loop{}/loop/backing_file", self.number);
        std::fs::read(file).is_ok_and(|now| {
            let now = now.strip_suffix(b"\n").unwrap_or(&now);
            let now = now.strip_suffix(b" (deleted)").unwrap_or(now);
            now == self.backing.as_slice()
        })
    }
}

/// The image's XFS as a detached mount: nodev, nosuid, and noatime so that executing a
/// clone does not write its inode.
fn mount_xfs(dev: &LoopDevice) -> Result<OwnedFd> {
    let path = dev.path();
    let fs = rustix::mount::fsopen(c"xfs", FsOpenFlags::FSOPEN_CLOEXEC)
        .ctx(|| "fsopen(\"xfs\")".into())?;
    rustix::mount::fsconfig_set_string(&fs, c"source", path.as_str())
        .ctx(|| format!("fsconfig(source={path})"))?;
    rustix::mount::fsconfig_create(&fs).ctx(|| format!("fsconfig(CREATE) XFS on {path}"))?;
    rustix::mount::fsmount(
        &fs,
        FsMountFlags::FSMOUNT_CLOEXEC,
        MountAttrFlags::MOUNT_ATTR_NODEV
            | MountAttrFlags::MOUNT_ATTR_NOSUID
            | MountAttrFlags::MOUNT_ATTR_NOATIME,
    )
    .ctx(|| format!("fsmount(XFS on {path})"))
}

/// The copy every start clones: an O_TMPFILE on the mount, written once, flushed (so that
/// clones read the device, not pages the master caches), made immutable, and kept open
/// read-only (FICLONE's source needs no more).
fn master_copy(mnt: &OwnedFd, src: &OwnedFd) -> Result<OwnedFd> {
    let writer = rustix::fs::openat(
        mnt,
        c".",
        OFlags::TMPFILE | OFlags::RDWR | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o500),
    )
    .ctx(|| "openat(XFS, O_TMPFILE) for the master".into())?;
    sys::copy_all(&writer, src)?;
    rustix::fs::fsync(&writer).ctx(|| "fsync(master)".into())?;
    rustix::fs::ioctl_setflags(&writer, IFlags::IMMUTABLE)
        .ctx(|| "ioctl(master, FS_IOC_SETFLAGS, FS_IMMUTABLE_FL)".into())?;
    reopen(&writer, OFlags::RDONLY)
}

/// A new open file description of the file behind `fd`, through its fd link. The cloner
/// has an fd table of its own, which /proc/self (the thread group's leader) does not show:
/// /proc/thread-self does.
fn reopen(fd: &OwnedFd, flags: OFlags) -> Result<OwnedFd> {
    let link = format!("/proc/thread-self/fd/{}", fd.as_raw_fd());
    rustix::fs::open(link.as_str(), flags | OFlags::CLOEXEC, Mode::empty())
        .ctx(|| format!("open({link}, {flags:?})"))
}

/// The thread that makes every clone, in an fd table of its own.
///
/// Why: a clone has to be open for writing while FICLONE fills it, and exec refuses a file
/// that any process has open for writing (ETXTBSY). In a process whose other threads fork
/// (the concurrency sweep's starters, a multi-threaded runtime), a child forked in that
/// moment inherits the writable fd and holds it until its own exec closes it, and a start
/// that execs the clone meanwhile fails, as tmpfile's do there. Go's runtimes take
/// syscall.ForkLock around such a window; a strategy cannot lock its driver's forks, so the
/// writable fd is kept out of the table they copy: the cloner `unshare(CLONE_FILES)`s, and
/// hands each clone's O_PATH fd over a socket pair (SCM_RIGHTS). That round trip, two
/// wake-ups and a few microseconds, is part of every start's seal.
///
/// Protocol: one byte from the sealer ([`CLONE`] or [`STATS`]), a [`CLONE`] with the last
/// start's clone if the sealer still has it (the cloner closes it once it has answered, so
/// that its last close, the inode's eviction, is not in a start's timed span, as
/// memfd-pool's keeper frees spent copies); the answer is a status byte ([`OK`] or
/// [`FAILED`]) and its payload: the clone's fd, or the image's allocated bytes, or the
/// error's text. The cloner's first message says whether its set-up worked.
struct Cloner {
    sock: OwnedFd,
    thread: Option<std::thread::JoinHandle<()>>,
    device: Watch,
}

const CLONE: u8 = 1;
const STATS: u8 = 2;
const OK: u8 = 0;
const FAILED: u8 = 1;

impl Cloner {
    fn spawn(set_up: SetUp) -> Result<Cloner> {
        let (ours, theirs) = rustix::net::socketpair(
            AddressFamily::UNIX,
            SocketType::SEQPACKET,
            SocketFlags::CLOEXEC,
            None,
        )
        .ctx(|| "socketpair(AF_UNIX, SOCK_SEQPACKET)".into())?;
        let raw = theirs.as_raw_fd();
        let thread = std::thread::Builder::new()
            .name("reflink-cloner".into())
            .spawn(move || cloner(raw, set_up))
            .ctx(|| "spawn the reflink cloner".into())?;
        // Our copy of the cloner's end goes only once the cloner has a table of its own
        // (its first message is sent from there): closing it before would close its too.
        let first = recv(&ours);
        drop(theirs);
        let ready = first.and_then(|(status, payload, _)| {
            if status == OK && payload.len() >= 4 {
                Ok(payload)
            } else {
                Err(Error::msg(String::from_utf8_lossy(&payload).into_owned()))
            }
        });
        let payload = match ready {
            Ok(p) => p,
            Err(e) => {
                // The cloner has returned (or will, on EOF): it failed its set-up.
                drop(ours);
                let _ = thread.join();
                return Err(e);
            }
        };
        let device = Watch {
            number: u32::from_le_bytes([payload[0], payload[1], payload[2], payload[3]]),
            backing: payload[4..].to_vec(),
        };
        Ok(Cloner {
            sock: ours,
            thread: Some(thread),
            device,
        })
    }

    /// Send request `what`, with `give` if any (a spent clone, for the cloner to close),
    /// and wait for the answer.
    fn ask(&self, what: u8, give: Option<&OwnedFd>) -> Result<(Vec<u8>, Option<OwnedFd>)> {
        send(&self.sock, what, &[], give)?;
        match recv(&self.sock)? {
            (OK, payload, fd) => Ok((payload, fd)),
            (_, text, _) => Err(Error::msg(String::from_utf8_lossy(&text).into_owned())),
        }
    }

    /// Close the socket (the cloner's EOF), join it, and wait for the loop device to go.
    fn stop(mut self) -> Result<()> {
        drop(self.sock);
        if let Some(t) = self.thread.take() {
            t.join()
                .map_err(|_| Error::msg("reflink cloner panicked"))?;
        }
        let since = Instant::now();
        while self.device.attached() {
            if since.elapsed() > DETACH_WAIT {
                return Err(Error::msg(format!(
                    "reflink: /dev/loop{} still attached {}s after teardown (a start still holds its clone?)",
                    self.device.number,
                    DETACH_WAIT.as_secs()
                )));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        Ok(())
    }
}

/// The largest message: an error's text, or the image's path.
const MESSAGE: usize = 4096;

/// One message: its status byte, the rest, and the fd it carried.
fn recv(sock: &OwnedFd) -> Result<(u8, Vec<u8>, Option<OwnedFd>)> {
    let mut buf = vec![0u8; MESSAGE];
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let got = loop {
        match rustix::net::recvmsg(
            sock,
            &mut [IoSliceMut::new(&mut buf)],
            &mut control,
            RecvFlags::CMSG_CLOEXEC,
        ) {
            Err(rustix::io::Errno::INTR) => {}
            other => break other.ctx(|| "recvmsg(reflink cloner)".into())?,
        }
    };
    let mut fd = None;
    for message in control.drain() {
        if let RecvAncillaryMessage::ScmRights(fds) = message {
            for f in fds {
                fd.get_or_insert(f);
            }
        }
    }
    if got.bytes == 0 {
        return Err(Error::msg("reflink cloner: gone (its socket closed)"));
    }
    buf.truncate(got.bytes);
    Ok((buf[0], buf.split_off(1), fd))
}

fn send(sock: &OwnedFd, status: u8, payload: &[u8], fd: Option<&OwnedFd>) -> Result<()> {
    let mut message = Vec::with_capacity(1 + payload.len());
    message.push(status);
    message.extend_from_slice(&payload[..payload.len().min(MESSAGE - 1)]);
    let fds: Vec<BorrowedFd<'_>> = fd.iter().map(|f| f.as_fd()).collect();
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if !fds.is_empty() {
        control.push(SendAncillaryMessage::ScmRights(&fds));
    }
    loop {
        match rustix::net::sendmsg(
            sock,
            &[IoSlice::new(&message)],
            &mut control,
            SendFlags::NOSIGNAL,
        ) {
            Err(rustix::io::Errno::INTR) => {}
            other => return other.map(drop).ctx(|| "sendmsg(reflink cloner)".into()),
        }
    }
}

/// The cloner's thread: a table of its own, the set-up, then one clone per request until
/// the sealer closes its end.
fn cloner(raw: RawFd, set_up: SetUp) {
    // SAFETY: FS unshares only this thread's root, cwd and umask (so that the thread that
    // spawned it alone holds its own, and may still setns(CLONE_NEWNS), as bind-ro's does);
    // FILES gives this thread a copy of the fd table, shared with no other thread.
    if let Err(e) =
        unsafe { rustix::thread::unshare_unsafe(UnshareFlags::FS | UnshareFlags::FILES) }
    {
        // SAFETY: the table is still the process's, where the sealer keeps `raw` open
        // until this first message arrives.
        let sock = unsafe { BorrowedFd::borrow_raw(raw) };
        let text = format!("unshare(CLONE_FS|CLONE_FILES): {}", crate::errno_name(e));
        let _ = rustix::net::send(
            sock,
            &[&[FAILED], text.as_bytes()].concat(),
            SendFlags::NOSIGNAL,
        );
        return;
    }
    // SAFETY: after unshare(CLONE_FILES), `raw` in this table is a copy that nothing in this
    // thread owns yet; the sealer's OwnedFd is in the other table.
    let sock = unsafe { OwnedFd::from_raw_fd(raw) };
    // The copied table holds everything the process had open (other units' pipes, say):
    // a reference kept here would stop those pipes from reporting EOF.
    sys::close_all_except(&mut [raw]);
    let mounted = match set_up.mount() {
        Ok(m) => m,
        Err(e) => {
            let _ = send(&sock, FAILED, e.to_string().as_bytes(), None);
            return;
        }
    };
    let mut ready = mounted.device.number.to_le_bytes().to_vec();
    ready.extend_from_slice(&mounted.device.backing);
    if send(&sock, OK, &ready, None).is_err() {
        return;
    }
    loop {
        // EOF (teardown), or the sealer is gone: drop the filesystem with this thread.
        let Ok((request, _, spent)) = recv(&sock) else {
            break;
        };
        let sent = match request {
            CLONE => match clone(&mounted) {
                Ok(exe) => send(&sock, OK, &[], Some(&exe)),
                Err(e) => send(&sock, FAILED, e.to_string().as_bytes(), None),
            },
            STATS => {
                let held =
                    rustix::fs::fstat(&mounted.image).map_or(0, |st| st.st_blocks as u64 * 512);
                send(&sock, OK, &held.to_le_bytes(), None)
            }
            other => send(
                &sock,
                FAILED,
                format!("unknown request {other}").as_bytes(),
                None,
            ),
        };
        // The last start's clone, handed back: its last close (the inode's eviction, and
        // its pages') happens here, after this start has its answer.
        drop(spent);
        if sent.is_err() {
            break;
        }
    }
    // Closed here, in this thread's table, before it exits: the mount (once no start holds
    // a clone), then the filesystem, then the loop device.
    drop(mounted);
}

/// One start's clone: an O_TMPFILE filled by FICLONE from the master, as an O_PATH fd.
fn clone(m: &Mounted) -> Result<OwnedFd> {
    let clone = rustix::fs::openat(
        &m.mnt,
        c".",
        OFlags::TMPFILE | OFlags::RDWR | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o700),
    )
    .ctx(|| "openat(XFS, O_TMPFILE)".into())?;
    rustix::fs::ioctl_ficlone(&clone, &m.master).ctx(|| "ioctl(FICLONE, master)".into())?;
    // 0555, not tmpfile's 0500: libcontainer execs a container's program only if others
    // may execute it, and the audit's full start runs the runtime's own image.
    rustix::fs::fchmod(&clone, Mode::from_raw_mode(0o555)).ctx(|| "fchmod(clone)".into())?;
    // Exec refuses a file that is open for writing (ETXTBSY): keep only an O_PATH view.
    reopen(&clone, OFlags::PATH)
}

struct ReflinkSealer {
    cloner: Option<Cloner>,
    /// A second fd on the last start's clone, handed back to the cloner at the next start,
    /// so that closing the sealed object after a start (part of its timed span) is not the
    /// clone's last close.
    spent: Option<OwnedFd>,
    starts: u64,
}

/// How long teardown waits for the loop device to clear itself.
const DETACH_WAIT: Duration = Duration::from_secs(5);

impl Sealer for ReflinkSealer {
    fn seal(&mut self) -> Result<Sealed> {
        let cloner = self
            .cloner
            .as_ref()
            .ok_or_else(|| Error::msg("reflink used after teardown"))?;
        let spent = self.spent.take();
        let (_, fd) = cloner.ask(CLONE, spent.as_ref())?;
        drop(spent);
        let exe = fd.ok_or_else(|| Error::msg("reflink cloner: an answer without its clone"))?;
        self.spent = Some(rustix::io::fcntl_dupfd_cloexec(&exe, 0).ctx(|| "dup(clone)".into())?);
        self.starts += 1;
        Ok(Exec::Fd(exe).into())
    }

    /// The image's memory, and no CPU: the background work (XFS's inode reclaim and log)
    /// runs in kernel workers, which cannot be told apart from other filesystems' here.
    fn background(&self) -> Option<crate::Background> {
        let held_bytes = self
            .cloner
            .as_ref()
            .and_then(|c| c.ask(STATS, None).ok())
            .and_then(|(p, _)| Some(u64::from_le_bytes(p.get(..8)?.try_into().ok()?)))
            .unwrap_or(0);
        Some(crate::Background {
            cpu: None,
            held_bytes,
            served: self.starts,
            inline: 0,
            discarded: 0,
        })
    }

    fn teardown(&mut self) -> Result<()> {
        self.spent = None;
        self.cloner.take().map_or(Ok(()), Cloner::stop)
    }
}

impl Drop for ReflinkSealer {
    fn drop(&mut self) {
        let _ = self.teardown();
    }
}

/// What the audit finds, per range of kernels (see [`crate::expect`]). tmpfile's cells, for
/// the same reasons (an unnamed copy, reopened O_PATH): the attacks that reopen or reach
/// the executed file write the start's own clone, never the host binary, so they find it
/// unchanged and say `blocked` without an errno; a file handle of the clone means nothing
/// on the decoy's filesystem (ESTALE). Unlike tmpfile, the full start runs (the clone is
/// 0555), with memfd's cells but for `reopen-after-exit`, which writes the clone. Measured
/// on the 6.18.44 host.
const AUDIT: expect::Record = &[(
    expect::LINUX_6,
    &[
        ("write-running", "blocked (ETXTBSY)"),
        ("write-parent-exe", "blocked (ETXTBSY)"),
        ("reopen-after-exit", "blocked"),
        ("remount-rw", "blocked"),
        ("open-by-handle", "blocked (ESTALE)"),
        ("truncate-sealed", "blocked"),
        ("shares-page-cache", "no"),
        ("full-start/write-running", "blocked (ETXTBSY)"),
        ("full-start/write-parent-exe", "n/a"),
        ("full-start/reopen-after-exit", "blocked"),
    ],
)];

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::{FileExt, MetadataExt};

    fn scratch(name: &str) -> crate::scratch::ScratchDir {
        crate::scratch::ScratchDir::new(name)
    }

    #[test]
    fn sparsify_keeps_every_byte_and_frees_the_zeros() {
        let dir = scratch("sparsify");
        let path = dir.join("image");
        let mut bytes = vec![0u8; 4096 * 40 + 100];
        bytes[10] = 1; // block 0: data
        bytes[4096 * 20 + 7] = 2; // block 20: data; 1-19 and 21-39 zeros
        bytes[4096 * 40 + 99] = 3; // a partial last block with data
        std::fs::write(&path, &bytes).unwrap();
        let file = rustix::fs::open(&path, OFlags::RDWR | OFlags::CLOEXEC, Mode::empty()).unwrap();
        // Space allocated but never written, as mkfs.xfs leaves its log: zeros that hold
        // memory on tmpfs, and that SEEK_DATA calls a hole.
        rustix::fs::fallocate(
            &file,
            rustix::fs::FallocateFlags::empty(),
            bytes.len() as u64,
            16 * 4096,
        )
        .unwrap();
        bytes.resize(bytes.len() + 16 * 4096, 0);
        let image = Image {
            path: path.clone(),
            file,
        };
        let before = std::fs::metadata(&path).unwrap().blocks();
        image.sparsify().unwrap();
        let after = std::fs::metadata(&path).unwrap();
        assert!(
            std::fs::read(&path).unwrap() == bytes,
            "sparsify changed a byte"
        );
        assert_eq!(after.len(), bytes.len() as u64);
        // What is left: the 3 blocks with data, and at most 2 of the filesystem's own (an
        // extent tree block), of 57 (8 sectors each).
        assert!(before >= 57 * 8, "{before}");
        assert!(after.blocks() <= 5 * 8, "{before} -> {}", after.blocks());
        drop(image);
        assert!(!path.exists(), "dropping the image removes its path");
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Needs root and mkfs.xfs, as the strategy does; says why it skips.
    fn can_run() -> bool {
        let why = if !rustix::process::geteuid().is_root() {
            Some("needs root (a loop device)")
        } else if find_mkfs().is_err() {
            Some("needs mkfs.xfs (scripts/setup.sh installs xfsprogs)")
        } else {
            None
        };
        if let Some(why) = why {
            let _ = std::io::stderr().write_all(format!("SKIPPED reflink: {why}\n").as_bytes());
        }
        why.is_none()
    }

    fn contents(fd: &OwnedFd) -> Vec<u8> {
        let f = std::fs::File::from(reopen(fd, OFlags::RDONLY).unwrap());
        let mut out = vec![0u8; f.metadata().unwrap().len() as usize];
        f.read_exact_at(&mut out, 0).unwrap();
        out
    }

    /// Each start's clone is a file of its own: writing one changes neither the binary, nor
    /// the master, nor another start's clone. The image holds little memory, and the loop
    /// device is gone after teardown.
    #[test]
    fn clones_are_independent_and_the_loop_device_goes_at_teardown() {
        if !can_run() {
            return;
        }
        let dir = scratch("reflink");
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        std::fs::create_dir_all(dir.join("work")).unwrap();
        let exe = dir.join("bin/runtime");
        let binary: Vec<u8> = (0..12u32 << 20)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        std::fs::write(&exe, &binary).unwrap();
        let target = Target::new(&exe, &dir.join("work")).unwrap();
        let mut sealer = Reflink.prepare(&target).unwrap();
        let ours = dir.to_string_lossy().into_owned();
        let bound = |n: u32| {
            std::fs::read_to_string(format!("/sys/block/loop{n}/loop/backing_file"))
                .is_ok_and(|b| b.starts_with(&ours))
        };
        let number = (0..1024)
            .find(|n| bound(*n))
            .expect("a loop device on the test's image");
        let held = sealer.background().unwrap().held_bytes;
        // The binary's master copy and XFS's metadata; not mkfs's 64 MiB log of zeros.
        assert!(
            held < (12 << 20) + (8 << 20),
            "the image holds {held} bytes"
        );
        assert!(
            std::fs::read_dir(dir.join("work"))
                .unwrap()
                .next()
                .is_none(),
            "the image's path is left"
        );

        let fd = |s: &Sealed| match &s.exec {
            Exec::Fd(fd) => rustix::io::fcntl_dupfd_cloexec(fd, 0).unwrap(),
            Exec::Path(p) => panic!("reflink sealed a path: {p:?}"),
        };
        let mut seal_times = Vec::new();
        let mut seal = || {
            let t = Instant::now();
            let s = sealer.seal().unwrap();
            seal_times.push(t.elapsed());
            fd(&s)
        };
        let (one, two) = (seal(), seal());
        let (st1, st2) = (
            rustix::fs::fstat(&one).unwrap(),
            rustix::fs::fstat(&two).unwrap(),
        );
        assert_ne!(st1.st_ino, st2.st_ino, "two starts got one file");
        assert_eq!(st1.st_mode & 0o7777, 0o555);
        assert!(contents(&one) == binary && contents(&two) == binary);
        // A container that reopens its exe and writes it changes its own clone only.
        let w = std::fs::File::from(reopen(&one, OFlags::WRONLY).unwrap());
        w.write_all_at(b"poisoned", 4096).unwrap();
        drop(w);
        assert!(contents(&one) != binary);
        assert!(contents(&two) == binary, "another start's clone changed");
        assert!(std::fs::read(&exe).unwrap() == binary, "the binary changed");
        let three = seal();
        assert!(contents(&three) == binary, "the master changed");
        for _ in 0..50 {
            drop(seal());
        }
        drop((one, two, three));
        sealer.teardown().unwrap();
        assert!(
            !bound(number),
            "/dev/loop{number} is still attached after teardown"
        );
        seal_times.sort();
        let line = format!(
            "reflink, 12 MiB binary: seal median {:?}, the image holds {:.1} MiB\n",
            seal_times[seal_times.len() / 2],
            held as f64 / f64::from(1 << 20)
        );
        let _ = std::io::stderr().write_all(line.as_bytes());
        let _ = std::fs::remove_dir_all(dir);
    }
}
