//! What the results file records about the machine.

use crate::results::Host;

pub fn describe(exe_size_bytes: u64) -> Host {
    let uname = rustix::system::uname();
    Host {
        kernel: uname.release().to_string_lossy().into_owned(),
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        exe_size_bytes,
        cpu_model: cpu_model(),
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
