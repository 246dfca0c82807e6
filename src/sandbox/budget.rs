//! What a run's runtime binaries will cost, checked before the run: a size below stage 2's
//! own cannot be made at all, and one that does not fit the scratch tmpfs or memory would
//! fill them for a long while before failing (and squeeze everything else on the host).

use super::runtime_binary::STAGE2;
use crate::error::{Error, Result};

/// How many whole copies of the binary a run holds at once beyond one per strategy: the
/// live stage 2s of the memory measurement, one per-start copy, and a keeper's copy.
pub fn extra_copies(exe_size: u64) -> u64 {
    live_holds(exe_size) as u64 + 2
}

/// Stage 2s kept alive at once to measure memory per live container: 8, fewer for a
/// large binary so that their copies stay within 512 MiB, but never fewer than 2.
pub fn live_holds(exe_size: u64) -> usize {
    ((512u64 << 20) / exe_size.max(1)).clamp(2, 8) as usize
}

fn mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / f64::from(1 << 20))
}

fn mem_available() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|r| r.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map(|kib| kib * 1024)
}

/// Refuse `--exe-size` (exit 2) when it is below stage 2's own size, or when `binaries`
/// runtime binaries of that size, and the copies a run makes of them, would not fit the
/// run's tmpfs (half of RAM, the tmpfs default) or the memory available now.
pub fn check_exe_size(exe_size: u64, binaries: usize) -> Result<()> {
    let min = STAGE2.len() as u64;
    if exe_size < min {
        return Err(Error::usage(format!(
            "--exe-size {exe_size} is smaller than the stage 2 program itself: at least {min} bytes"
        )));
    }
    let copies = binaries as u64 + extra_copies(exe_size);
    let needed = copies.saturating_mul(exe_size);
    let info = rustix::system::sysinfo();
    let tmpfs = info.totalram as u64 * u64::from(info.mem_unit) / 2;
    if needed > tmpfs {
        return Err(Error::usage(format!(
            "--exe-size {}: {copies} copies of the runtime binary need {}, but the run's tmpfs holds {} (half of RAM)",
            mib(exe_size),
            mib(needed),
            mib(tmpfs)
        )));
    }
    if let Some(avail) = mem_available().filter(|a| needed > *a) {
        return Err(Error::usage(format!(
            "--exe-size {}: {copies} copies of the runtime binary need {}, but only {} of memory is available",
            mib(exe_size),
            mib(needed),
            mib(avail)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_small_and_too_large_are_refused_with_the_numbers() {
        let e = check_exe_size(1024, 1).unwrap_err();
        assert_eq!(e.code(), 2);
        assert!(e.to_string().contains("at least"), "{}", e.to_string());
        let e = check_exe_size(30 << 30, 20).unwrap_err();
        assert!(
            e.to_string().contains("copies of the runtime binary need"),
            "{}",
            e.to_string()
        );
        check_exe_size(12 << 20, 20).unwrap();
        assert_eq!(live_holds(12 << 20), 8);
        assert_eq!(live_holds(1 << 30), 2);
    }
}
