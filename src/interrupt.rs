//! Ctrl-C and SIGTERM. A run's worker dies of them at once (its default action): every
//! child it started has PDEATHSIG and dies with it, and its private mount namespace, with
//! every mount and scratch file of the run, goes with its last process. The caller, on
//! the host side, only records the signal, lets the worker die, writes no results, and
//! exits 128 + the signal.

use std::sync::atomic::{AtomicI32, Ordering};

static CAUGHT: AtomicI32 = AtomicI32::new(0);

extern "C" fn record(signal: libc::c_int) {
    CAUGHT.store(signal, Ordering::SeqCst);
}

fn set(signal: libc::c_int, handler: libc::sighandler_t) {
    // SAFETY: a zeroed sigaction with a handler that only stores an atomic (async-signal-
    // safe), or SIG_DFL; no SA_RESTART, so blocking calls return EINTR and see the flag.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(signal, &action, std::ptr::null_mut());
    }
}

/// On the host side of a run: remember SIGINT and SIGTERM instead of dying of them.
pub fn catch() {
    for s in [libc::SIGINT, libc::SIGTERM] {
        set(
            s,
            record as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
    }
}

/// In a run's worker: die of them, as the design above wants.
pub fn default_in_worker() {
    for s in [libc::SIGINT, libc::SIGTERM] {
        set(s, libc::SIG_DFL);
    }
}

/// The signal caught so far, if any.
pub fn caught() -> Option<i32> {
    match CAUGHT.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// The conventional exit status for a death by `signal`: 130 for SIGINT, 143 for SIGTERM.
pub fn exit_code(signal: i32) -> i32 {
    128 + signal
}

fn mask(how: libc::c_int) {
    // SAFETY: a sigset built here; pthread_sigmask only reads it.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        libc::pthread_sigmask(how, &set, std::ptr::null_mut());
    }
}

/// Hold SIGINT and SIGTERM back (across the fork of a worker).
pub fn block() {
    mask(libc::SIG_BLOCK);
}

/// Let them through again; one that came meanwhile is delivered now.
pub fn unblock() {
    mask(libc::SIG_UNBLOCK);
}
