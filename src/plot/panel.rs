use crate::results::{Entry, Results};

/// Workloads in the order they first appear.
pub fn workloads(results: &Results) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for e in &results.results {
        if !out.contains(&e.workload) {
            out.push(e.workload.clone());
        }
    }
    out
}

/// The rows of one workload that have measurements.
pub fn measured<'a>(results: &'a Results, workload: &str) -> Vec<&'a Entry> {
    results
        .results
        .iter()
        .filter(|e| e.workload == workload && e.is_ok() && !e.times.is_empty())
        .collect()
}

/// A chart title that carries what the numbers depend on.
pub fn title(results: &Results, workload: &str, what: &str) -> String {
    let h = &results.host;
    let runs: Vec<u32> = measured(results, workload).iter().map(|e| e.runs).collect();
    let runs = match (runs.iter().min(), runs.iter().max()) {
        (Some(a), Some(b)) if a == b => format!("{a} runs"),
        (Some(a), Some(b)) => format!("{a}–{b} runs"),
        _ => "no runs".into(),
    };
    format!(
        "{workload}: {what} · kernel {} · {} CPUs · exe {:.1} MiB · {runs}",
        h.kernel,
        h.cpus,
        h.exe_size_bytes as f64 / f64::from(1 << 20)
    )
}
