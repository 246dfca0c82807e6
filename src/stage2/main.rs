//! Stage 2, sealbench's analogue of `runc init`: the runtime binary that every strategy
//! seals. build.rs compiles it on its own, `no_std` and statically linked like runc, so an
//! exec costs what a real runtime's re-exec costs: no dynamic loader, no libgcc_s. The
//! sealbench binary embeds it; a run writes a copy into its scratch space and pads it to
//! `--exe-size`.
//!
//! `sealbench-stage2 PAYLOAD [ARGS…]` execs the payload at once.
//!
//! `sealbench-stage2 --inspect PAYLOAD [ARGS…]` first reports on fd 3, one `key value` line
//! each, what the container side sees of the sealed binary (errnos as numbers), then holds
//! an O_PATH fd to /proc/self/exe on fd 4 for the payload, as CVE-2019-5736's exploit does.
//!
//! `sealbench-stage2 --hop=FD ARGS…` execs the program on FD in place of the payload (a
//! hop: runc-dmz's sealed init, say), with `--hop=FD` as its argv[0] and ARGS as its
//! arguments. A hop speaks this same protocol, so `--hop=8 --hop=9 --inspect PAYLOAD`
//! runs through two hops, and the last of them inspects itself and execs PAYLOAD.
//!
//! `sealbench-stage2 --hold` stays alive until its stdin closes: a live container's
//! runtime-side memory, for measuring what each live container costs.
//!
//! `sealbench-stage2 --parent-of ARGS…` stands in for the runtime's own process (`runc run`
//! runs the unsealed binary): it spawns the sealed binary on fd 6 with ARGS, waits until
//! that child has exec'd its payload (fd 7, close-on-exec in the child, reads EOF), and
//! exits, so that afterwards no process runs the runtime binary.
#![no_std]
#![no_main]

use core::ffi::{c_char, c_int, c_long};

mod fds;
use fds::{HELD_FD, REPORT_FD, SEALED_FD, SYNC_FD};
// parent_of spawns "/proc/self/fd/6", a literal: it must name SEALED_FD.
const _: () = assert!(SEALED_FD == 6);

#[link(name = "c")]
extern "C" {
    fn execve(path: *const c_char, argv: *const *const c_char, envp: *const *const c_char) -> c_int;
    fn open(path: *const c_char, flags: c_int, ...) -> c_int;
    fn readlink(path: *const c_char, buf: *mut u8, len: usize) -> isize;
    fn write(fd: c_int, buf: *const u8, len: usize) -> isize;
    fn dup2(old: c_int, new: c_int) -> c_int;
    fn getpid() -> c_int;
    fn gethostname(name: *mut u8, len: usize) -> c_int;
    fn stat(path: *const c_char, buf: *mut u64) -> c_int;
    fn getppid() -> c_int;
    fn fexecve(fd: c_int, argv: *const *const c_char, envp: *const *const c_char) -> c_int;
    fn fcntl(fd: c_int, cmd: c_int, ...) -> c_int;
    fn pipe(fds: *mut c_int) -> c_int;
    fn read(fd: c_int, buf: *mut u8, len: usize) -> isize;
    fn pread(fd: c_int, buf: *mut u8, len: usize, offset: i64) -> isize;
    fn getauxval(kind: core::ffi::c_ulong) -> core::ffi::c_ulong;
    fn posix_spawn(
        pid: *mut c_int,
        path: *const c_char,
        actions: *const core::ffi::c_void,
        attr: *const core::ffi::c_void,
        argv: *const *const c_char,
        envp: *const *const c_char,
    ) -> c_int;
    static __ehdr_start: u8;
    fn close(fd: c_int) -> c_int;
    fn __errno_location() -> *mut c_int;
    fn _exit(code: c_int) -> !;
}

const O_WRONLY: c_int = 0o1;
const O_CLOEXEC: c_int = 0o2000000;
const O_PATH: c_int = 0o10000000;
const O_RDONLY: c_int = 0;
const F_SETFD: c_int = 2;
const F_DUPFD_CLOEXEC: c_int = 1030;
const FD_CLOEXEC: c_int = 1;

/// The precompiled libcore refers to this symbol even when nothing can unwind (panic=abort).
#[no_mangle]
pub extern "C" fn rust_eh_personality() {}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    // SAFETY: _exit is always safe to call.
    unsafe { _exit(134) }
}

#[no_mangle]
pub extern "C" fn main(argc: c_int, argv: *const *const c_char, envp: *const *const c_char) -> c_int {
    // SAFETY: the kernel passes argc valid C strings in a NULL-terminated argv, and the
    // payload's argv is the tail of it.
    unsafe {
        if argc < 2 {
            return usage();
        }
        let first = *argv.add(1);
        if let Some(hop) = hop_fd(first) {
            // Close-on-exec, so that the hop is not left holding itself, nor hands itself
            // on to the payload.
            fcntl(hop, F_SETFD, FD_CLOEXEC);
            fexecve(hop, argv.add(1), envp);
            say(2, b"sealbench-stage2: cannot exec the hop\n");
            return 127;
        }
        if is(first, b"--hold\0") {
            // Stay alive, running from the sealed object, until stdin closes.
            let mut byte = [0u8; 1];
            while read(0, byte.as_mut_ptr(), 1) > 0 {}
            return 0;
        }
        if is(first, b"--parent-of\0") {
            return parent_of(argv.add(1), envp);
        }
        if is(first, b"--inspect\0") {
            if argc < 3 {
                return usage();
            }
            inspect();
            return exec(argv.add(2), envp);
        }
        exec(argv.add(1), envp)
    }
}

/// Exec `argv[0]` with `argv` and `envp`; returns 127 only if that fails.
///
/// # Safety
///
/// `argv` and `envp` are NULL-terminated arrays of C strings (the kernel's own, from main)
/// and `argv[0]` is not NULL.
unsafe fn exec(argv: *const *const c_char, envp: *const *const c_char) -> c_int {
    execve(*argv, argv, envp);
    say(2, b"sealbench-stage2: cannot exec the payload\n");
    127
}

fn usage() -> c_int {
    say(2, b"usage: sealbench-stage2 [--inspect] PAYLOAD [ARGS...]\n");
    2
}

fn say(fd: c_int, bytes: &[u8]) {
    // SAFETY: a plain write of a live buffer.
    unsafe { write(fd, bytes.as_ptr(), bytes.len()) };
}

/// Whether the C string `arg` equals `lit`.
///
/// # Safety
///
/// `arg` points to a NUL-terminated string.
unsafe fn is(arg: *const c_char, lit: &[u8]) -> bool {
    let mut i = 0;
    loop {
        let c = *arg.add(i) as u8;
        if c != lit[i] {
            return false;
        }
        if c == 0 {
            return true;
        }
        i += 1;
    }
}

/// The descriptor a `--hop=FD` argument names, or -1 (which no exec accepts, so that it
/// fails with the message) if FD is not a number; `None` for any other argument.
///
/// # Safety
///
/// `arg` points to a NUL-terminated string.
unsafe fn hop_fd(arg: *const c_char) -> Option<c_int> {
    const PREFIX: &[u8] = b"--hop=";
    // A shorter argument ends in a NUL, which differs from the prefix: nothing past it is read.
    if (0..PREFIX.len()).any(|i| *arg.add(i) as u8 != PREFIX[i]) {
        return None;
    }
    let mut fd: c_int = 0;
    let mut i = PREFIX.len();
    loop {
        let c = *arg.add(i) as u8;
        if c == 0 {
            return Some(if i == PREFIX.len() { -1 } else { fd });
        }
        if !c.is_ascii_digit() || fd > 0xffff {
            return Some(-1);
        }
        fd = fd * 10 + c_int::from(c - b'0');
        i += 1;
    }
}

fn errno() -> c_long {
    // SAFETY: glibc's errno location is valid for the life of the thread.
    unsafe { *__errno_location() as c_long }
}

/// Spawn the sealed binary (fd 6) with `argv`, wait until it has exec'd its payload, exit.
///
/// # Safety
///
/// `argv` and `envp` are NULL-terminated arrays of C strings, as main received them.
unsafe fn parent_of(argv: *const *const c_char, envp: *const *const c_char) -> c_int {
    let mut sync = [0 as c_int; 2];
    if pipe(sync.as_mut_ptr()) != 0 {
        return 126;
    }
    // The read end goes above SYNC_FD first: with descriptors 4 and 5 inherited open (a
    // guest's init leaves some), the pipe's read end is 7 itself, and putting the write end
    // there would close it, so that the wait below ended at once.
    let read_end = fcntl(sync[0], F_DUPFD_CLOEXEC, SYNC_FD + 1);
    close(sync[0]);
    if read_end < 0 {
        return 126;
    }
    if sync[1] != SYNC_FD {
        dup2(sync[1], SYNC_FD);
        close(sync[1]);
    }
    fcntl(SEALED_FD, F_SETFD, FD_CLOEXEC);
    let mut pid: c_int = 0;
    let r = posix_spawn(&mut pid, c"/proc/self/fd/6".as_ptr(), core::ptr::null(), core::ptr::null(), argv, envp);
    close(SYNC_FD);
    if r != 0 {
        say(2, b"sealbench-stage2: cannot spawn the sealed binary\n");
        return 126;
    }
    let mut byte = [0u8; 1];
    while read(read_end, byte.as_mut_ptr(), 1) > 0 {}
    0
}

/// The page of this program's own text that holds `main`: its offset in the executable
/// and the physical frame it sits in, from /proc/self/pagemap. Equal frames for the
/// runtime binary's page mean the sealed object shares its page cache.
///
/// # Safety
///
/// Only raw syscalls on buffers of this frame; safe to call from any point of main.
unsafe fn text_page(line: &mut Line) {
    let ehdr = core::ptr::addr_of!(__ehdr_start) as usize;
    let phoff = core::ptr::read_unaligned((ehdr + 32) as *const u64) as usize;
    let phnum = core::ptr::read_unaligned((ehdr + 56) as *const u16) as usize;
    let addr = main as usize;
    let vaddr = (addr - ehdr) as u64;
    let mut offset = None;
    for i in 0..phnum {
        let ph = ehdr + phoff + i * 56;
        let kind = core::ptr::read_unaligned(ph as *const u32);
        let p_offset = core::ptr::read_unaligned((ph + 8) as *const u64);
        let p_vaddr = core::ptr::read_unaligned((ph + 16) as *const u64);
        let p_filesz = core::ptr::read_unaligned((ph + 32) as *const u64);
        if kind == 1 && p_vaddr <= vaddr && vaddr < p_vaddr + p_filesz {
            offset = Some(p_offset + (vaddr - p_vaddr));
        }
    }
    let fd = open(c"/proc/self/pagemap".as_ptr(), O_RDONLY | O_CLOEXEC);
    let mut entry = [0u8; 8];
    let page = (addr / 4096) as i64;
    if let (Some(off), true) = (offset, fd >= 0 && pread(fd, entry.as_mut_ptr(), 8, page * 8) == 8) {
        let entry = u64::from_le_bytes(entry);
        line.push(b"\ntext-page ");
        line.number((off & !4095) as c_long);
        line.push(b" ");
        line.number(if entry >> 63 == 1 { (entry & ((1 << 55) - 1)) as c_long } else { -1 });
    }
    if fd >= 0 {
        close(fd);
    }
}

/// Report lines: `exe <readlink>`, `write-running <0 or errno>`, `write-parent-exe <0,
/// errno or none>` with `parent <pid>` and `parent-exe-id <dev>:<ino>`, where it runs (`pid`, `hostname`, `root <dev>:<ino>` of "/"), and
/// `text-page <offset> <pfn>`.
///
/// # Safety
///
/// Writes to fd 3, which the caller (sealbench's inspect or audit) placed there as the
/// report pipe; otherwise only raw syscalls on buffers of this frame.
unsafe fn inspect() {
    // A --parent-of waits for EOF here: it comes when this process execs its payload.
    fcntl(SYNC_FD, F_SETFD, FD_CLOEXEC);
    let mut line = Line::new();
    line.push(b"exe ");
    let mut target = [0u8; 1024];
    let n = readlink(c"/proc/self/exe".as_ptr(), target.as_mut_ptr(), target.len());
    if n >= 0 {
        line.push(&target[..n as usize]);
    }
    // Which file that is: the runtime binary itself, or a copy.
    push_dev_ino(&mut line, b"\nexe-id ", c"/proc/self/exe");
    line.push(b"\nwrite-running ");
    push_write_open(&mut line, c"/proc/self/exe");
    line.push(b"\nwrite-parent-exe ");
    let ppid = getppid();
    if ppid > 0 {
        let exe = proc_path(ppid, b"exe");
        let exe = core::ffi::CStr::from_bytes_with_nul_unchecked(exe.bytes());
        push_write_open(&mut line, exe);
        // Which process that was, so that the audit can tell its stand-in parent from an
        // ancestor that inherited this process (the stand-in gone too early).
        line.push(b"\nparent ");
        line.number(ppid as c_long);
        push_dev_ino(&mut line, b"\nparent-exe-id ", exe);
        let stat = proc_path(ppid, b"stat");
        let fd = open(stat.bytes().as_ptr() as *const c_char, O_RDONLY | O_CLOEXEC);
        if fd >= 0 {
            let mut buf = [0u8; 128];
            let n = read(fd, buf.as_mut_ptr(), buf.len());
            close(fd);
            if n > 0 {
                let n = buf[..n as usize].iter().position(|&b| b == b'\n').unwrap_or(n as usize);
                line.push(b"\nparent-stat ");
                line.push(&buf[..n]);
            }
        }
    } else {
        line.push(b"none");
    }
    text_page(&mut line);
    line.push(b"\npid ");
    line.number(getpid() as c_long);
    line.push(b"\nhostname ");
    let mut host = [0u8; 256];
    if gethostname(host.as_mut_ptr(), host.len()) == 0 {
        let len = host.iter().position(|&b| b == 0).unwrap_or(host.len());
        line.push(&host[..len]);
    }
    push_dev_ino(&mut line, b"\nroot ", c"/");
    line.push(b"\n");
    say(REPORT_FD, line.bytes());
    // Without CLOEXEC, so that it survives into the payload, and placed on HELD_FD.
    let held = open(c"/proc/self/exe".as_ptr(), O_PATH);
    if held >= 0 && held != HELD_FD {
        dup2(held, HELD_FD);
        close(held);
    }
}

/// `<label><dev>:<ino>` of `path`, if it can be stat'ed.
///
/// # Safety
///
/// `path` is a valid C string (guaranteed by `&CStr`); the stat buffer is this frame's.
unsafe fn push_dev_ino(line: &mut Line, label: &[u8], path: &core::ffi::CStr) {
    // struct stat starts with st_dev and st_ino (u64 each) on x86-64 and arm64; 18 words
    // cover the whole struct on both.
    let mut st = [0u64; 18];
    if stat(path.as_ptr(), st.as_mut_ptr()) == 0 {
        line.push(label);
        line.number(st[0] as c_long);
        line.push(b":");
        line.number(st[1] as c_long);
    }
}

/// `/proc/<pid>/<leaf>` and its NUL, on the stack.
fn proc_path(pid: c_int, leaf: &[u8]) -> Line {
    let mut path = Line::new();
    path.push(b"/proc/");
    path.number(pid as c_long);
    path.push(b"/");
    path.push(leaf);
    path.push(b"\0");
    path
}

/// Open `path` for writing and close it again: `0`, or the errno's number.
///
/// # Safety
///
/// Raw open and close of a NUL-terminated path.
unsafe fn push_write_open(line: &mut Line, path: &core::ffi::CStr) {
    let fd = open(path.as_ptr(), O_WRONLY | O_CLOEXEC);
    if fd >= 0 {
        close(fd);
        line.number(0);
    } else {
        line.number(errno());
    }
}

/// A line built on the stack.
struct Line {
    buf: [u8; 2048],
    len: usize,
}

impl Line {
    fn new() -> Line {
        Line { buf: [0; 2048], len: 0 }
    }

    fn push(&mut self, bytes: &[u8]) {
        let n = bytes.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
        self.len += n;
    }

    fn number(&mut self, v: c_long) {
        if v < 0 {
            self.push(b"-");
        }
        let mut v = v.unsigned_abs();
        let mut digits = [0u8; 24];
        let mut i = digits.len();
        loop {
            i -= 1;
            digits[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        self.push(&digits[i..]);
    }

    fn bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}
