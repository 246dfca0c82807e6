//! What the results file records about the machine, and what on it makes runs noisy.

pub mod doctor;

use crate::results::Host;

pub fn describe(exe_size_bytes: u64) -> Host {
    let uname = rustix::system::uname();
    Host {
        kernel: uname.release().to_string_lossy().into_owned(),
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        exe_size_bytes,
        cpu_model: cpu_model(),
        hardware_counters: Some(hardware_counters()),
        memory_charge: None,
    }
}

/// Whether the CPU's cycle and instruction counters can be read (`perf_event_open`), which
/// a VM often cannot: `available` or `unavailable: <why>`. The per-start counters sealbench
/// reports are the kernel's exact software ones (faults, context switches) either way.
fn hardware_counters() -> String {
    // struct perf_event_attr, 128 bytes: type, size, config, then the flag bits at byte 40.
    let mut attr = [0u64; 16];
    let (hardware, size, instructions) = (0u64, 128u64, 1u64);
    attr[0] = hardware | (size << 32);
    attr[1] = instructions;
    // disabled | exclude_kernel | exclude_hv: only asking whether it opens.
    attr[5] = 1 | (1 << 5) | (1 << 6);
    // PERF_FLAG_FD_CLOEXEC, which the libc crate does not name.
    const FD_CLOEXEC: libc::c_ulong = 1 << 3;
    // SAFETY: a zero-filled perf_event_attr of the size it declares, for the calling
    // thread on any CPU; the fd, if any, is closed at once.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_perf_event_open,
            attr.as_ptr(),
            0,
            -1,
            -1,
            FD_CLOEXEC,
        )
    };
    if fd >= 0 {
        // SAFETY: the fd perf_event_open just returned, owned here.
        unsafe { libc::close(fd as i32) };
        "available (not counted per start by this version)".into()
    } else {
        let e = rustix::io::Errno::from_raw_os_error(
            std::io::Error::last_os_error().raw_os_error().unwrap_or(0),
        );
        format!(
            "unavailable: perf_event_open(PERF_COUNT_HW_INSTRUCTIONS) answers {}{}",
            strategies::errno_name(e),
            if e == rustix::io::Errno::NOENT {
                " (no hardware counters exposed, as in many VMs)"
            } else {
                ""
            }
        )
    }
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines().find_map(|l| {
        l.strip_prefix("model name")
            .and_then(|r| r.split_once(':'))
            .map(|(_, m)| m.trim().to_string())
    })
}
