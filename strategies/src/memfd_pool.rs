use crate::expect;
use crate::{
    sys, Background, Error, Exec, Result, ResultExt, SealStrategy, Sealed, Sealer, Target,
};
use rustix::fd::{AsFd, AsRawFd, OwnedFd};
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;
use rustix::net::{
    AddressFamily, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, SendAncillaryBuffer,
    SendAncillaryMessage, SendFlags, SocketFlags, SocketType,
};
use rustix::process::Pid;
use std::ffi::{CStr, CString};
use std::io::{IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::time::Duration;

/// memfd's sealed copy per start, made before the start asks for it: a keeper process keeps
/// [`DEPTH`] sealed memfd copies ready, and a start takes one, so that the copy leaves the
/// start's critical path. Each start still gets a copy of its own, which no other start has
/// executed: unlike memfd-bind's single shared copy, poisoning one container's copy reaches
/// no other, and none shares the host binary's cached pages.
///
/// Why a process, and how the copies travel: the keeper is forked once per run and hands
/// copies over a `SOCK_SEQPACKET` socket pair (`SCM_RIGHTS`), which is how a runtime that
/// exits after each start (runc) would get one from a resident helper. The socket's receive
/// queue is the pool: the keeper sends each copy as soon as it is sealed, and a start
/// takes the next one with a non-blocking `recvmsg`, then writes one byte back so that the
/// keeper makes a replacement. A start therefore never waits for the keeper: if the queue
/// is empty (starts outpace the refills), the start copies the binary itself, as memfd
/// does, and that is counted ([`Background::inline`]).
///
/// The copy's freeing leaves the critical path too: a start keeps a second fd on the copy
/// it returns, so that closing the sealed object after the start (part of the timed span)
/// does not free 12 MiB of pages; the next start hands that fd back to the keeper with its
/// byte, and the keeper's close frees the copy. A spent copy is held until the next start;
/// a start that copies inline (the keeper is behind) frees it itself, as memfd would, so
/// that spent copies never queue up behind a starved keeper.
///
/// Why SCHED_IDLE: a pool is only cheaper if its refills use CPU that the starts do not
/// want. The keeper runs only on an otherwise idle CPU; when every CPU is busy (many starts
/// at once, or other work), it falls behind, and starts copy inline instead of waiting for
/// it: the pool degrades to memfd, never below it. A keeper at a fair share competes with
/// the starts it serves instead: measured with SCHED_BATCH on this 2-CPU host under other
/// load (`keeper_cost` below), back-to-back starts were slower than memfd's (median 4.9 and
/// 5.4 ms against 3.7 ms), the keeper using half a CPU.
///
/// Where the copy is charged: the keeper stays in the cgroup it was started in (the
/// caller's), so a container's memory cgroup is never charged for a copy, whichever cgroup
/// the start runs in (runc ≥ 1.2's "copy in the caller" placement, made structural).
///
/// What it costs that a start's time does not show ([`Sealer::background`]): the keeper's
/// CPU (one copy and one free per start, as memfd's), and [`DEPTH`] copies of the binary
/// held in memory at all times, and the last start's until the next.
///
/// A copy made before the binary changed (replaced, rewritten) is discarded at the start
/// that would have used it: each copy carries the identity (device, inode, size, mtime,
/// ctime) of the file it was read from, compared with the path's at seal time.
pub struct MemfdPool;

/// Copies kept ready. Two cover back-to-back starts (the refill of one overlaps the next
/// start); more only help bursts, for the binary's size in memory each.
pub const DEPTH: u32 = 2;

impl SealStrategy for MemfdPool {
    fn name(&self) -> &'static str {
        "memfd-pool"
    }

    fn description(&self) -> &'static str {
        "take one of 2 sealed memfd copies a SCHED_IDLE keeper makes ahead of the starts"
    }

    fn expected_audit(&self, kernel: crate::KernelVersion) -> Option<expect::Cells> {
        expect::lookup(AUDIT, kernel)
    }

    /// A whole copy is still made per start, by the keeper or, when the pool is empty, by
    /// the start itself, and which of the two a start pays depends on how much idle CPU
    /// the machine had: its time drifts between runs at least as memfd's does.
    fn copies_per_start(&self) -> bool {
        true
    }

    fn prepare(&self, target: &Target) -> Result<Box<dyn Sealer>> {
        let exe = target.exe().to_owned();
        let size = rustix::fs::fstat(sys::open_binary(&exe)?)
            .ctx(|| "fstat(runtime binary)".into())?
            .st_size as u64;
        let keeper = Keeper::start(&exe)?;
        Ok(Box::new(PoolSealer {
            exe,
            size,
            keeper: Some(keeper),
            spent: None,
            last: Background::default(),
        }))
    }
}

/// What a copy was read from: stat fields that any change of the file at the path moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Identity([u64; 7]);

impl Identity {
    // The stat fields' types differ between architectures; the casts are for the others.
    #[allow(clippy::unnecessary_cast)]
    fn of(st: &rustix::fs::Stat) -> Identity {
        Identity([
            st.st_dev,
            st.st_ino,
            st.st_size as u64,
            st.st_mtime as u64,
            st.st_mtime_nsec as u64,
            st.st_ctime as u64,
            st.st_ctime_nsec as u64,
        ])
    }
}

/// One message from the keeper: a copy (with its fd), or why it could not make one.
const COPY: u64 = 1;
const FAILED: u64 = 2;
/// kind, errno, then the identity.
const MESSAGE: usize = 9 * 8;

fn encode(kind: u64, errno: i32, id: Identity) -> [u8; MESSAGE] {
    let mut out = [0u8; MESSAGE];
    let words = [kind, errno as u32 as u64];
    for (i, w) in words.iter().chain(id.0.iter()).enumerate() {
        out[i * 8..i * 8 + 8].copy_from_slice(&w.to_ne_bytes());
    }
    out
}

fn decode(bytes: &[u8; MESSAGE]) -> (u64, i32, Identity) {
    let word = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
        u64::from_ne_bytes(w)
    };
    let mut id = [0u64; 7];
    for (i, slot) in id.iter_mut().enumerate() {
        *slot = word(2 + i);
    }
    (word(0), word(1) as u32 as i32, Identity(id))
}

/// The keeper process and our end of its socket.
struct Keeper {
    pid: Pid,
    sock: OwnedFd,
}

impl Keeper {
    fn start(exe: &CString) -> Result<Keeper> {
        let (ours, theirs) = rustix::net::socketpair(
            AddressFamily::UNIX,
            SocketType::SEQPACKET,
            SocketFlags::CLOEXEC,
            None,
        )
        .ctx(|| "socketpair(AF_UNIX, SOCK_SEQPACKET)".into())?;
        let exe = exe.as_c_str();
        let theirs_raw = theirs.as_raw_fd();
        let keeper = || {
            // Only its socket: an inherited pipe end (another keeper's control pipe) would
            // keep that pipe from ever reporting EOF.
            sys::close_all_except(&mut [theirs_raw]);
            // SAFETY: sched_setscheduler on this process only, with a valid sched_param;
            // lowering one's own policy to SCHED_IDLE needs no privilege.
            let idle = unsafe {
                libc::sched_setscheduler(
                    0,
                    libc::SCHED_IDLE,
                    &libc::sched_param { sched_priority: 0 },
                )
            };
            if idle != 0 {
                return 3;
            }
            refill(&theirs, exe)
        };
        // SAFETY: the keeper makes raw syscalls only, on the fds and C strings prepared
        // above and on stack buffers (fork_with's condition): it neither allocates nor
        // locks, and `refill` does not panic (no indexing out of fixed-size buffers).
        let pid = unsafe { sys::fork_with(keeper) }?;
        drop(theirs);
        Ok(Keeper { pid, sock: ours })
    }

    /// The keeper's CPU time so far (user and system), from the scheduler's own count.
    fn cpu(&self) -> Option<Duration> {
        let text =
            std::fs::read_to_string(format!("/proc/{}/schedstat", self.pid.as_raw_nonzero()))
                .ok()?;
        let ns = text.split_whitespace().next()?.parse().ok()?;
        Some(Duration::from_nanos(ns))
    }

    /// Close the socket (the keeper's EOF), reap it, and return its CPU time.
    fn stop(self) -> Result<Duration> {
        // At SCHED_IDLE beside busy CPUs the keeper would take seconds to see the EOF and
        // exit (measured beside two busy loops).
        sys::schedule_ordinary(self.pid.as_raw_nonzero().get());
        drop(self.sock);
        let (status, usage) = sys::wait4(self.pid)?;
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
        let cpu = tv(usage.ru_utime) + tv(usage.ru_stime);
        if libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 {
            Ok(cpu)
        } else {
            Err(Error::msg(format!(
                "memfd-pool keeper: exited with wait status {status:#x}"
            )))
        }
    }
}

/// The keeper's loop: keep [`DEPTH`] messages in the socket's queue, one more for each byte
/// the starts send back; return when the socket closes. Allocation-free.
fn refill(sock: &OwnedFd, exe: &CStr) -> i32 {
    let mut outstanding = 0;
    loop {
        while outstanding < DEPTH {
            let sent = match sealed_copy(exe) {
                Ok((copy, id)) => send(sock, encode(COPY, 0, id), Some(copy.as_fd())),
                Err(e) => send(
                    sock,
                    encode(FAILED, e.raw_os_error(), Identity::default()),
                    None,
                ),
            };
            match sent {
                Ok(_) => outstanding += 1,
                // The run is over: our peer closed its end.
                Err(Errno::PIPE) | Err(Errno::CONNRESET) => return 0,
                Err(_) => return 4,
            }
        }
        let mut byte = [0u8];
        let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
        let mut control = RecvAncillaryBuffer::new(&mut space);
        let got = rustix::net::recvmsg(
            sock,
            &mut [IoSliceMut::new(&mut byte)],
            &mut control,
            RecvFlags::CMSG_CLOEXEC,
        );
        // A spent copy handed back: closing it here frees its pages (if no process still
        // runs it), which is the point of handing it back.
        for message in control.drain() {
            if let RecvAncillaryMessage::ScmRights(fds) = message {
                fds.for_each(drop);
            }
        }
        match got {
            // EOF; or ECONNRESET, which is how a unix socket's close reads when the closer
            // left messages unread (the copies still in the pool).
            Ok(r) if r.bytes == 0 => return 0,
            Err(Errno::CONNRESET) => return 0,
            Ok(_) if byte[0] == TAKEN => outstanding -= 1,
            Ok(_) => {}
            Err(Errno::INTR) => {}
            Err(_) => return 5,
        }
    }
}

/// The byte a start sends back, with the last start's spent copy: it took a message, so the
/// keeper makes another.
const TAKEN: u8 = 1;

fn send(
    sock: &OwnedFd,
    message: [u8; MESSAGE],
    fd: Option<rustix::fd::BorrowedFd<'_>>,
) -> std::result::Result<usize, Errno> {
    let fds: &[rustix::fd::BorrowedFd<'_>] = match &fd {
        Some(fd) => std::slice::from_ref(fd),
        None => &[],
    };
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if !fds.is_empty() {
        control.push(SendAncillaryMessage::ScmRights(fds));
    }
    loop {
        match rustix::net::sendmsg(
            sock,
            &[IoSlice::new(&message)],
            &mut control,
            SendFlags::NOSIGNAL,
        ) {
            Err(Errno::INTR) => {}
            other => return other,
        }
    }
}

/// memfd's copy, made allocation-free for the keeper: the binary read twice-stat'ed, so
/// that a copy of a file that changed while it was read is made again.
fn sealed_copy(exe: &CStr) -> std::result::Result<(OwnedFd, Identity), Errno> {
    let mut tries = 0;
    loop {
        let src = rustix::fs::open(exe, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty())?;
        let before = Identity::of(&rustix::fs::fstat(&src)?);
        let memfd = sys::executable_memfd_errno(c"sealbench-memfd-pool")?;
        copy_all(&memfd, &src, before.0[2])?;
        if Identity::of(&rustix::fs::fstat(&src)?) != before && tries < 10 {
            tries += 1;
            continue;
        }
        seal(&memfd)?;
        return Ok((memfd, before));
    }
}

/// `sys::copy_all` without its error context (which allocates).
fn copy_all(dst: &OwnedFd, src: &OwnedFd, len: u64) -> std::result::Result<(), Errno> {
    let mut offset = 0u64;
    while offset < len {
        let chunk = (len - offset).min(1 << 30) as usize;
        match rustix::fs::sendfile(dst, src, Some(&mut offset), chunk) {
            Ok(0) => return Err(Errno::NODATA),
            Ok(_) | Err(Errno::INTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// `sys::add_seals` without its error context (see there for the retries).
fn seal(fd: &OwnedFd) -> std::result::Result<(), Errno> {
    let mut tries = 0;
    loop {
        match rustix::fs::fcntl_add_seals(fd, sys::COPY_SEALS) {
            Err(Errno::BUSY) if tries < 100 => {
                tries += 1;
                rustix::thread::sched_yield();
            }
            other => return other,
        }
    }
}

/// A message taken from the pool, decoded.
struct Message {
    kind: u64,
    errno: i32,
    id: Identity,
    fd: Option<OwnedFd>,
}

/// The identity of the file at `exe` now.
fn identity(exe: &CStr) -> Result<Identity> {
    rustix::fs::stat(exe)
        .map(|st| Identity::of(&st))
        .ctx(|| format!("stat({exe:?})"))
}

struct PoolSealer {
    exe: CString,
    size: u64,
    keeper: Option<Keeper>,
    /// A second fd on the last start's copy, handed back to the keeper at the next start.
    spent: Option<OwnedFd>,
    /// The counts so far, and the keeper's CPU as last read.
    last: Background,
}

impl PoolSealer {
    /// The next message in the pool, without waiting: `None` if it is empty.
    fn take(&mut self) -> Result<Option<Message>> {
        let keeper = self
            .keeper
            .as_ref()
            .ok_or_else(|| Error::msg("memfd-pool used after teardown"))?;
        let mut buf = [0u8; MESSAGE];
        let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
        let mut control = RecvAncillaryBuffer::new(&mut space);
        let got = rustix::net::recvmsg(
            &keeper.sock,
            &mut [IoSliceMut::new(&mut buf)],
            &mut control,
            RecvFlags::DONTWAIT | RecvFlags::CMSG_CLOEXEC,
        );
        let got = match got {
            Err(Errno::AGAIN) => return Ok(None),
            other => other.ctx(|| "recvmsg(memfd-pool keeper)".into())?,
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
            return Err(Error::msg("memfd-pool keeper: gone (its socket closed)"));
        }
        if got.bytes != MESSAGE {
            return Err(Error::msg(format!(
                "memfd-pool keeper: a message of {} bytes",
                got.bytes
            )));
        }
        // One byte back: the keeper makes a replacement.
        self.answer(TAKEN)?;
        let (kind, errno, id) = decode(&buf);
        Ok(Some(Message {
            kind,
            errno,
            id,
            fd,
        }))
    }

    /// Send the keeper `byte`, with the last start's copy if it is still ours to hand
    /// back. Blocking is fine: the keeper reads these whenever it is not copying, and the
    /// socket's queue holds hundreds.
    fn answer(&mut self, byte: u8) -> Result<()> {
        let keeper = self
            .keeper
            .as_ref()
            .ok_or_else(|| Error::msg("memfd-pool used after teardown"))?;
        let spent = self.spent.take();
        send_byte(&keeper.sock, byte, spent.as_ref().map(|f| f.as_fd()))
            .ctx(|| "sendmsg(memfd-pool keeper)".into())?;
        Ok(())
    }

    /// Keep a second fd on the copy a start execs, to hand back at the next start.
    fn hand_out(&mut self, copy: OwnedFd) -> Result<Sealed> {
        self.spent = Some(rustix::io::fcntl_dupfd_cloexec(&copy, 0).ctx(|| "dup(copy)".into())?);
        Ok(Exec::Fd(copy).into())
    }
}

fn send_byte(
    sock: &OwnedFd,
    byte: u8,
    fd: Option<rustix::fd::BorrowedFd<'_>>,
) -> std::result::Result<usize, Errno> {
    let fds: &[rustix::fd::BorrowedFd<'_>] = match &fd {
        Some(fd) => std::slice::from_ref(fd),
        None => &[],
    };
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    if !fds.is_empty() {
        control.push(SendAncillaryMessage::ScmRights(fds));
    }
    loop {
        match rustix::net::sendmsg(
            sock,
            &[IoSlice::new(&[byte])],
            &mut control,
            SendFlags::NOSIGNAL,
        ) {
            Err(Errno::INTR) => {}
            other => return other,
        }
    }
}

impl Sealer for PoolSealer {
    fn seal(&mut self) -> Result<Sealed> {
        let mut current = None;
        let mut keeper_failed = None;
        while let Some(Message {
            kind,
            errno,
            id,
            fd,
        }) = self.take()?
        {
            match (kind, fd) {
                (COPY, Some(fd)) => {
                    let here = match current {
                        Some(c) => c,
                        None => *current.insert(identity(&self.exe)?),
                    };
                    if id == here {
                        self.last.served += 1;
                        return self.hand_out(fd);
                    }
                    // A copy of what the path held before: the binary changed since.
                    self.last.discarded += 1;
                }
                (FAILED, None) => {
                    self.last.discarded += 1;
                    keeper_failed = Some(Errno::from_raw_os_error(errno));
                }
                _ => return Err(Error::msg("memfd-pool keeper: a message without its copy")),
            }
        }
        // The pool is empty: copy now, as memfd does (the same copy and seals).
        self.last.inline += 1;
        // The keeper is behind (that is why the pool is empty): a copy handed back now would
        // wait in the socket's queue, a binary's memory per start while it stays behind.
        // Free it here, as memfd frees its own copy within a start.
        drop(self.spent.take());
        let copy = sys::open_binary(&self.exe)
            .and_then(|src| sys::sealed_memfd_copy(c"sealbench-memfd-pool", &src));
        match (copy, keeper_failed) {
            (Ok(copy), _) => self.hand_out(copy),
            (Err(e), Some(k)) => Err(Error::msg(format!(
                "{e} (and the keeper's copy failed: {})",
                crate::errno_name(k)
            ))),
            (Err(e), None) => Err(e),
        }
    }

    fn background(&self) -> Option<Background> {
        let mut now = self.last.clone();
        if let Some(k) = &self.keeper {
            now.cpu = k.cpu().or(now.cpu);
            // The copies at rest in the pool, and the last start's until the next one.
            let spent = u64::from(self.spent.is_some());
            now.held_bytes = (u64::from(DEPTH) + spent) * self.size;
        }
        Some(now)
    }

    fn teardown(&mut self) -> Result<()> {
        self.spent = None;
        let Some(keeper) = self.keeper.take() else {
            return Ok(());
        };
        self.last.cpu = Some(keeper.stop()?);
        self.last.held_bytes = 0;
        Ok(())
    }
}

impl Drop for PoolSealer {
    fn drop(&mut self) {
        let _ = self.teardown();
    }
}

/// What the audit finds, per range of kernels (see [`crate::expect`]): memfd's cells, since
/// every start execs a sealed memfd copy of its own, only made earlier. Measured on the
/// 6.18.44 host.
const AUDIT: expect::Record = &[(
    expect::LINUX_6,
    &[
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
    ],
)];

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::unix::fs::FileExt;
    use std::time::Instant;

    /// A binary of `size` bytes in a directory of its own, and a scratch directory.
    fn target(name: &str, size: usize) -> (crate::scratch::ScratchDir, Target) {
        let dir = crate::scratch::ScratchDir::new(name);
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        std::fs::create_dir_all(dir.join("scratch")).unwrap();
        let exe = dir.join("bin/runtime");
        let mut f = std::fs::File::create(&exe).unwrap();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let bytes: Vec<u8> = (0..size)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        f.write_all(&bytes).unwrap();
        let t = Target::new(&exe, &dir.join("scratch")).unwrap();
        (dir, t)
    }

    /// Idle and iowait time of every CPU so far, in clock ticks (/proc/stat).
    fn idle_jiffies() -> u64 {
        let stat = std::fs::read_to_string("/proc/stat").unwrap();
        let cpu: Vec<u64> = stat
            .lines()
            .next()
            .unwrap()
            .split_whitespace()
            .skip(1)
            .map(|f| f.parse().unwrap())
            .collect();
        cpu[3] + cpu[4]
    }

    fn clock_ticks() -> f64 {
        // SAFETY: sysconf has no preconditions.
        unsafe { libc::sysconf(libc::_SC_CLK_TCK) as f64 }
    }

    fn contents(fd: &OwnedFd) -> Vec<u8> {
        let f = std::fs::File::from(rustix::io::fcntl_dupfd_cloexec(fd, 0).unwrap());
        let mut out = vec![0u8; f.metadata().unwrap().len() as usize];
        f.read_exact_at(&mut out, 0).unwrap();
        out
    }

    fn exec_fd(sealed: &Sealed) -> &OwnedFd {
        match &sealed.exec {
            Exec::Fd(fd) => fd,
            Exec::Path(p) => panic!("memfd-pool sealed a path: {p:?}"),
        }
    }

    #[test]
    fn messages_round_trip() {
        let id = Identity([1, 2, 3, u64::MAX, 5, 6, 7]);
        assert_eq!(decode(&encode(COPY, 0, id)), (COPY, 0, id));
        assert_eq!(
            decode(&encode(FAILED, libc::ENOENT, Identity::default())),
            (FAILED, libc::ENOENT, Identity::default())
        );
    }

    /// Starts paced as a benchmark's are get their copy from the pool, sealed as memfd's
    /// and byte for byte the binary; a changed binary's old copies are thrown away; the
    /// keeper's CPU is counted, and it goes at teardown. Prints what a pooled seal costs
    /// against an inline copy, and the keeper's CPU per copy.
    #[test]
    fn a_paced_start_takes_a_ready_copy_and_a_stale_one_is_never_used() {
        const SIZE: usize = 12 << 20;
        let (dir, target) = target("memfd-pool", SIZE);
        let original = std::fs::read(target.exe_path()).unwrap();
        let mut sealer = MemfdPool.prepare(&target).unwrap();
        let starts = 40;
        let mut pooled = Vec::new();
        let (idle_before, wall) = (idle_jiffies(), Instant::now());
        for _ in 0..starts {
            // Room for the keeper to refill, as the rest of a start would leave it.
            std::thread::sleep(Duration::from_millis(25));
            let t = Instant::now();
            let sealed = sealer.seal().unwrap();
            pooled.push(t.elapsed());
            let fd = exec_fd(&sealed);
            let seals = rustix::fs::fcntl_get_seals(fd).unwrap();
            assert!(seals.contains(sys::COPY_SEALS), "seals {seals:?}");
            assert!(contents(fd) == original, "a copy differs from the binary");
        }
        let bg = sealer.background().unwrap();
        assert_eq!(bg.served + bg.inline, starts);
        // SCHED_IDLE: the keeper runs on CPU time nothing else wants. Where the CPUs had
        // time to spare (the pool's contract), paced starts are mostly served; where other
        // work kept them busy (two busy loops on two CPUs), it may never run, and every
        // start copies inline, which the count above already holds to.
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        let spare = (idle_jiffies() - idle_before) as f64
            / (wall.elapsed().as_secs_f64() * cpus * clock_ticks());
        let quiet = spare > 0.5;
        if quiet {
            assert!(
                bg.served > starts / 2,
                "{:.0}% of the CPUs idle: {bg:?}",
                spare * 100.0
            );
        } else {
            let _ = writeln!(
                std::io::stderr(),
                "memfd-pool: the CPUs were {:.0}% idle, too busy for a SCHED_IDLE keeper: \
                 {} of {starts} starts served, not checked against a quiet machine's",
                spare * 100.0,
                bg.served
            );
        }
        assert_eq!(bg.held_bytes, u64::from(DEPTH + 1) * SIZE as u64);
        assert!(bg.cpu.is_some_and(|c| c > Duration::ZERO), "{bg:?}");

        // The binary changes (an upgrade): what the pool holds was read before.
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(target.exe_path())
            .unwrap();
        f.write_all_at(b"upgraded", 0).unwrap();
        drop(f);
        let now = std::fs::read(target.exe_path()).unwrap();
        let sealed = sealer.seal().unwrap();
        assert!(contents(exec_fd(&sealed)) == now, "a stale copy was used");
        drop(sealed);
        let after = sealer.background().unwrap();
        // A pool that a starved keeper left empty had no old copy to throw away.
        assert!(after.discarded >= 1 || !quiet, "{after:?}");

        // memfd's inline copy, for comparison.
        let mut inline = Vec::new();
        for _ in 0..starts {
            let t = Instant::now();
            let src = sys::open_binary(target.exe()).unwrap();
            let copy = sys::sealed_memfd_copy(c"test", &src).unwrap();
            inline.push(t.elapsed());
            drop(copy);
        }
        sealer.teardown().unwrap();
        let end = sealer.background().unwrap();
        assert_eq!(end.held_bytes, 0);
        assert!(end.cpu >= bg.cpu);
        let cpu = end.cpu.unwrap();
        pooled.sort();
        inline.sort();
        let made = end.served + end.discarded + u64::from(DEPTH);
        let line = format!(
            "memfd-pool, {} MiB binary: seal from the pool median {:?}, memfd's inline copy median {:?}; \
             keeper CPU {:?} for about {made} copies ({:?} each); {:?}\n",
            SIZE >> 20,
            pooled[pooled.len() / 2],
            inline[inline.len() / 2],
            cpu,
            cpu / made as u32,
            end,
        );
        // Straight to fd 2: the harness captures eprintln! of a passing test.
        let _ = std::io::stderr().write_all(line.as_bytes());
        let _ = std::fs::remove_dir_all(dir);
    }

    /// When the starts come faster than the keeper can copy, they copy inline rather than
    /// wait, and say so.
    #[test]
    fn back_to_back_starts_never_wait_for_the_keeper() {
        let (dir, target) = target("memfd-pool-burst", 32 << 20);
        let mut sealer = MemfdPool.prepare(&target).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        for _ in 0..10 {
            drop(sealer.seal().unwrap());
        }
        let bg = sealer.background().unwrap();
        assert_eq!(bg.served + bg.inline, 10, "{bg:?}");
        assert!(bg.inline >= 1, "{bg:?}");
        sealer.teardown().unwrap();
        // Safe to call again.
        sealer.teardown().unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }

    /// A measurement, run by hand (`cargo test --release -p sealbench-strategies -- --ignored
    /// --nocapture keeper_cost`): back-to-back starts that exec /bin/true padded to 12 MiB
    /// from the sealed copy, with memfd-pool and with memfd's inline copy, and what the
    /// keeper spent meanwhile.
    #[test]
    #[ignore]
    fn keeper_cost() {
        let (dir, target) = target("memfd-pool-cost", 0);
        let mut bytes = std::fs::read("/bin/true").unwrap();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        bytes.extend((bytes.len()..12 << 20).map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        }));
        std::fs::write(target.exe_path(), &bytes).unwrap();
        let run = |sealed: &Sealed| {
            let fd = exec_fd(sealed);
            let status = std::process::Command::new(format!("/proc/self/fd/{}", fd.as_raw_fd()))
                .status()
                .unwrap();
            assert!(status.success());
        };
        let starts = 300;
        let median = |mut v: Vec<Duration>| {
            v.sort();
            v[v.len() / 2]
        };
        let mut sealer = MemfdPool.prepare(&target).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let before = sealer.background().unwrap();
        let t = Instant::now();
        let pooled: Vec<Duration> = (0..starts)
            .map(|_| {
                let t = Instant::now();
                let sealed = sealer.seal().unwrap();
                run(&sealed);
                drop(sealed);
                t.elapsed()
            })
            .collect();
        let wall = t.elapsed();
        let after = sealer.background().unwrap();
        sealer.teardown().unwrap();
        let inline: Vec<Duration> = (0..starts)
            .map(|_| {
                let t = Instant::now();
                let src = sys::open_binary(target.exe()).unwrap();
                let sealed: Sealed =
                    Exec::Fd(sys::sealed_memfd_copy(c"test", &src).unwrap()).into();
                run(&sealed);
                drop(sealed);
                t.elapsed()
            })
            .collect();
        let cpu = after.cpu.unwrap() - before.cpu.unwrap();
        let copies = after.served - before.served;
        let line = format!(
            "{starts} starts back to back, 12 MiB: memfd-pool median {:?} (served {}, inline {}), \
             memfd median {:?}; keeper CPU {:?} over {:?} of starts ({:.0}% of one CPU), {:?} per \
             pooled copy; held {} MiB\n",
            median(pooled),
            after.served - before.served,
            after.inline - before.inline,
            median(inline),
            cpu,
            wall,
            100.0 * cpu.as_secs_f64() / wall.as_secs_f64(),
            cpu / copies.max(1) as u32,
            after.held_bytes >> 20,
        );
        let _ = std::io::stderr().write_all(line.as_bytes());
        let _ = std::fs::remove_dir_all(dir);
    }
}
