use super::Exporter;
use crate::results::Analyzed;
use crate::workload;
use std::fmt::Write;

/// Go benchmark lines, one per run, so that `benchstat old.txt new.txt` compares two runs
/// the way runc's maintainers compare theirs. The `-N` suffix is GOMAXPROCS in Go's
/// format; here it is the CPU count.
pub struct BenchstatExporter;

/// `BenchmarkExecTrue` for `exec-true`, from the workload registry; a name the registry
/// does not know is turned to CamelCase.
pub fn bench_name(workload_name: &str) -> String {
    if let Some(w) = workload::registry()
        .into_iter()
        .find(|w| w.name() == workload_name)
    {
        return w.bench_name().to_string();
    }
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
        for e in results.results.iter().filter(|e| e.is_ok()) {
            let name = format!(
                "{}/{}-{}",
                bench_name(&e.workload),
                e.strategy,
                results.host.cpus
            );
            for t in &e.times {
                let _ = writeln!(out, "{name} \t1\t{} ns/op", (t * 1e9).round() as u64);
            }
        }
        out.into_bytes()
    }
}
