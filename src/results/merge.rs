//! Runs from several machines or kernels side by side: the model that `merge` writes and
//! its chart draws.

use super::{Host, Results};
use serde::{Deserialize, Serialize};

pub const SCHEMA: &str = "sealbench-merge/1";

/// Runs from several machines or kernels, side by side, each keyed by its host.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Merged {
    pub schema: String,
    pub reference: String,
    pub runs: Vec<Results>,
}

/// How a host is named in tables and charts: kernel, CPU model, exe size.
pub fn host_label(h: &Host) -> String {
    format!(
        "{} · {} · {:.0} MiB",
        h.kernel,
        h.cpu_model.as_deref().unwrap_or("unknown CPU"),
        h.exe_size_bytes as f64 / f64::from(1 << 20)
    )
}

/// Rows (workload, strategy) present in any run, in first-seen order.
pub fn rows(m: &Merged) -> Vec<(String, String)> {
    m.runs
        .iter()
        .flat_map(|r| r.results.iter().filter(|e| e.is_ok()))
        .map(|e| (e.workload.clone(), e.strategy.clone()))
        .collect::<indexmap::IndexSet<_>>()
        .into_iter()
        .collect()
}

/// The ratio cell of one run for one row.
pub fn ratio(run: &Results, workload: &str, strategy: &str) -> Option<(f64, [f64; 2])> {
    run.results
        .iter()
        .find(|e| e.workload == workload && e.strategy == strategy && e.is_ok())
        .and_then(|e| e.analysis.ratio.as_ref())
        .map(|r| (r.value, r.ci95))
}
