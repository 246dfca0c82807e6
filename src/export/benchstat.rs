use super::samples::shared_starts_by_pass;
use super::Exporter;
use crate::results::Analyzed;
use crate::stats::median;
use std::fmt::Write;

/// Go benchmark lines (golang.org/design/14313-benchmark-format), one per pass: that
/// pass's median start over the rounds the row shares with its reference. benchstat's
/// test assumes independent samples; consecutive starts are not (they share the machine's
/// state), but passes, made with fresh workers and seeds, are. The iteration count is the
/// number of starts the median is over. The `-N` suffix is GOMAXPROCS in Go's format;
/// here it is the CPU count. A run of one pass gives one line per row, which benchstat
/// reports without a test.
pub struct BenchstatExporter;

/// `BenchmarkExecTrue` for `exec-true`: the workload's name in CamelCase.
pub fn bench_name(workload_name: &str) -> String {
    let camel: String = workload_name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .map(|part| {
            let mut cs = part.chars();
            cs.next()
                .map(|c| c.to_ascii_uppercase().to_string() + cs.as_str())
                .unwrap_or_default()
        })
        .collect();
    format!("Benchmark{camel}")
}

impl Exporter for BenchstatExporter {
    fn serialize(&self, results: &Analyzed) -> Vec<u8> {
        // Go's names for the architecture this sealbench runs on.
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" => "ppc64le",
            other => other,
        };
        let mut out = format!("goos: linux\ngoarch: {arch}\npkg: sealbench\n");
        if let Some(cpu) = &results.host.cpu_model {
            let _ = writeln!(out, "cpu: {cpu}");
        }
        let _ = writeln!(
            out,
            "# one line per pass: its median start over the rounds shared with {}",
            results.reference()
        );
        for e in results.results.iter().filter(|e| e.is_ok()) {
            // A field of the line may hold no space: a runtime's name could.
            let strategy: String = e
                .strategy
                .chars()
                .map(|c| if c.is_whitespace() { '_' } else { c })
                .collect();
            let name = format!(
                "{}/{strategy}-{}",
                bench_name(&e.workload),
                results.host.cpus
            );
            for pass in shared_starts_by_pass(results, e) {
                let ns = (median(&pass) * 1e9).round() as u64;
                let _ = writeln!(out, "{name} \t{}\t{ns} ns/op", pass.len());
            }
        }
        out.into_bytes()
    }
}
