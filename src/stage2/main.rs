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
#![no_std]
#![no_main]

use core::ffi::{c_char, c_int, c_long};

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
    fn close(fd: c_int) -> c_int;
    fn __errno_location() -> *mut c_int;
    fn _exit(code: c_int) -> !;
}

const O_WRONLY: c_int = 0o1;
const O_CLOEXEC: c_int = 0o2000000;
const O_PATH: c_int = 0o10000000;
const REPORT_FD: c_int = 3;
const HELD_FD: c_int = 4;

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

fn errno() -> c_long {
    // SAFETY: glibc's errno location is valid for the life of the thread.
    unsafe { *__errno_location() as c_long }
}

/// Report lines: `exe <readlink>`, `write-running <0 or errno>`, and where it runs:
/// `pid`, `hostname`, `root <dev>:<ino>` of "/".
unsafe fn inspect() {
    let mut line = Line::new();
    line.push(b"exe ");
    let mut target = [0u8; 1024];
    let n = readlink(c"/proc/self/exe".as_ptr(), target.as_mut_ptr(), target.len());
    if n >= 0 {
        line.push(&target[..n as usize]);
    }
    line.push(b"\nwrite-running ");
    let fd = open(c"/proc/self/exe".as_ptr(), O_WRONLY | O_CLOEXEC);
    if fd >= 0 {
        close(fd);
        line.number(0);
    } else {
        line.number(errno());
    }
    line.push(b"\npid ");
    line.number(getpid() as c_long);
    line.push(b"\nhostname ");
    let mut host = [0u8; 256];
    if gethostname(host.as_mut_ptr(), host.len()) == 0 {
        let len = host.iter().position(|&b| b == 0).unwrap_or(host.len());
        line.push(&host[..len]);
    }
    // struct stat starts with st_dev and st_ino (u64 each) on x86-64 and arm64; 18 words
    // cover the whole struct on both.
    let mut st = [0u64; 18];
    if stat(c"/".as_ptr(), st.as_mut_ptr()) == 0 {
        line.push(b"\nroot ");
        line.number(st[0] as c_long);
        line.push(b":");
        line.number(st[1] as c_long);
    }
    line.push(b"\n");
    say(REPORT_FD, line.bytes());
    // Without CLOEXEC, so that it survives into the payload, and placed on HELD_FD.
    let held = open(c"/proc/self/exe".as_ptr(), O_PATH);
    if held >= 0 && held != HELD_FD {
        dup2(held, HELD_FD);
        close(held);
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

    fn number(&mut self, mut v: c_long) {
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
