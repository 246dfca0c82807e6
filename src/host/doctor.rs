//! What on this machine makes timings noisy or a strategy unavailable, read from the
//! kernel's own files, as `pyperf system show` does: each check with its value and what it
//! means for a run. Nothing is changed.

/// One finding.
pub struct Check {
    pub what: &'static str,
    pub value: String,
    /// What it does to a run, and what to do.
    pub advice: String,
    /// Whether it is worth acting on before trusting small differences.
    pub warn: bool,
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

fn check(what: &'static str, value: String, warn: bool, advice: &str) -> Check {
    Check {
        what,
        value,
        advice: advice.to_string(),
        warn,
    }
}

/// Frequency scaling: a governor other than `performance`, or turbo boost, lets a core's
/// speed change during a run.
fn cpu_frequency() -> Vec<Check> {
    let governors: std::collections::BTreeSet<String> = (0..1024)
        .map_while(|i| {
            read(&format!(
                "/sys/devices/system/cpu/cpu{i}/cpufreq/scaling_governor"
            ))
        })
        .collect();
    let mut out = vec![match governors.len() {
        0 => check(
            "CPU frequency governor",
            "not exposed (a VM, or no cpufreq driver)".into(),
            false,
            "the host decides; compare ratios measured side by side, never absolute times",
        ),
        _ => {
            let all: Vec<String> = governors.into_iter().collect();
            let warn = all.iter().any(|g| g != "performance");
            check(
                "CPU frequency governor",
                all.join(", "),
                warn,
                "anything but `performance` lets clock speed change under a run (cpupower frequency-set -g performance)",
            )
        }
    }];
    let boost = read("/sys/devices/system/cpu/cpufreq/boost")
        .map(|b| b == "1")
        .or_else(|| read("/sys/devices/system/cpu/intel_pstate/no_turbo").map(|n| n == "0"));
    if let Some(on) = boost {
        out.push(check(
            "turbo boost",
            if on { "on" } else { "off" }.into(),
            on,
            "boost makes speed depend on temperature and on what the other cores do",
        ));
    }
    out
}

/// Steal time over a short window: a VM whose host takes its CPUs away.
fn steal(window: std::time::Duration) -> Check {
    let sample = || -> Option<(u64, u64)> {
        let stat = read("/proc/stat")?;
        let cpu: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .filter_map(|v| v.parse().ok())
            .collect();
        Some((cpu.iter().sum(), *cpu.get(7)?))
    };
    let (a, b) = (sample(), {
        std::thread::sleep(window);
        sample()
    });
    match (a, b) {
        (Some((t0, s0)), Some((t1, s1))) if t1 > t0 => {
            let pct = 100.0 * (s1 - s0) as f64 / (t1 - t0) as f64;
            check(
                "steal time",
                format!("{pct:.1}% of CPU time over {:.1} s", window.as_secs_f64()),
                pct > 1.0,
                "time the hypervisor gave to others: starts measured during it are slower for no reason of theirs",
            )
        }
        _ => check("steal time", "unreadable".into(), false, "/proc/stat"),
    }
}

fn load() -> Check {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let one = read("/proc/loadavg")
        .and_then(|l| l.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(0.0);
    check(
        "load (1 min)",
        format!("{one:.2} on {cpus} CPUs"),
        one > 0.5 * cpus as f64,
        "other work on the machine: interleaved rounds keep ratios fair, but intervals widen",
    )
}

fn memory_and_aslr() -> Vec<Check> {
    let thp = read("/sys/kernel/mm/transparent_hugepage/enabled").unwrap_or_else(|| "?".into());
    let aslr = read("/proc/sys/kernel/randomize_va_space").unwrap_or_else(|| "?".into());
    vec![
        check(
            "transparent huge pages",
            thp.clone(),
            thp.contains("[always]"),
            "with `always`, khugepaged can collapse pages during a run, and a copy's cost varies",
        ),
        check(
            "ASLR",
            aslr.clone(),
            false,
            "left on (2), as users run: it adds variation between starts, which the rounds average",
        ),
    ]
}

fn cgroups() -> Check {
    let mounts = read("/proc/self/mountinfo").unwrap_or_default();
    let v1 = mounts.lines().any(|l| l.contains(" - cgroup "));
    let v2 = mounts.lines().any(|l| l.contains(" - cgroup2 "));
    let layout = match (v1, v2) {
        (true, true) => "hybrid (v1 controllers, v2 without): runs hide v2 for the runtimes",
        (false, true) => "unified (v2)",
        (true, false) => "legacy (v1)",
        (false, false) => "none mounted",
    };
    check(
        "cgroup layout",
        layout.into(),
        !v1 && !v2,
        "runtimes need cgroups; the memory-charge probe reads v1 memory or v2 memory.peak",
    )
}

fn peers(names: &[&str]) -> Vec<Check> {
    names
        .iter()
        .map(|name| {
            let found = std::env::var_os("PATH").and_then(|p| {
                std::env::split_paths(&p)
                    .map(|d| d.join(name))
                    .find(|p| p.is_file())
            });
            match found {
                Some(p) => check(
                    "runtime",
                    format!("{name}: {}", p.display()),
                    false,
                    "a peer for --runtimes",
                ),
                None => check(
                    "runtime",
                    format!("{name}: not on PATH"),
                    false,
                    "scripts/setup.sh installs runc, crun and youki",
                ),
            }
        })
        .collect()
}

/// Every check, steal time over `window`, and whether each of `runtimes` is on PATH.
pub fn checks(window: std::time::Duration, runtimes: &[&str]) -> Vec<Check> {
    let host = super::describe(0);
    let mut out = vec![
        check(
            "CPU",
            format!(
                "{} ({} CPUs)",
                host.cpu_model.unwrap_or_else(|| "?".into()),
                host.cpus
            ),
            false,
            "a copy's cost follows memory bandwidth: say which machine made a figure",
        ),
        check(
            "kernel",
            host.kernel,
            false,
            "support and audit outcomes are per kernel: `sealbench list`, `sealbench audit`",
        ),
        check(
            "hardware counters",
            host.hardware_counters.unwrap_or_default(),
            false,
            "only the kernel's exact software counters are reported per start",
        ),
    ];
    out.extend(cpu_frequency());
    out.push(load());
    out.push(steal(window));
    out.extend(memory_and_aslr());
    out.push(cgroups());
    out.extend(peers(runtimes));
    out
}
