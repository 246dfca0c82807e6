//! Runs from several machines or kernels side by side: the model that `merge` writes and
//! its chart draws.

use super::{Host, Results};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

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

/// Whether two runs are of one host, as `merge` keys its columns: kernel, CPU model and
/// exe size (what [`host_label`] shows).
pub fn same_host(a: &Host, b: &Host) -> bool {
    (&a.kernel, &a.cpu_model, a.exe_size_bytes) == (&b.kernel, &b.cpu_model, b.exe_size_bytes)
}

/// The runs of a merge as it reads its files: one per host, each with the files it holds.
#[derive(Default)]
pub struct Runs(Vec<(Results, Vec<PathBuf>)>);

/// Rows named in a refusal: enough to find them, not a file's worth.
const NAMED: usize = 6;

impl Runs {
    /// Add the (analysed) run of `path`: a host of its own, or its rows beside those of
    /// the files of its host read before. A row (workload, strategy) that one of those
    /// holds already cannot be kept twice in one column: refused, naming the rows, and
    /// nothing of `run` is added.
    pub fn add(&mut self, run: Results, path: &Path) -> Result<(), String> {
        let Some((into, files)) = self
            .0
            .iter_mut()
            .find(|(r, _)| same_host(&r.host, &run.host))
        else {
            self.0.push((run, vec![path.to_path_buf()]));
            return Ok(());
        };
        let held: std::collections::HashSet<(&str, &str)> = into
            .results
            .iter()
            .map(|e| (e.workload.as_str(), e.strategy.as_str()))
            .collect();
        let clashes: Vec<String> = run
            .results
            .iter()
            .filter(|e| held.contains(&(e.workload.as_str(), e.strategy.as_str())))
            .map(|e| format!("{}/{}", e.workload, e.strategy))
            .collect();
        if !clashes.is_empty() {
            let more = clashes.len().saturating_sub(NAMED);
            return Err(format!(
                "{}: {}{} {} also in {}, of the same host ({}); a host's column holds each row once: leave one of the files out",
                path.display(),
                clashes[..clashes.len().min(NAMED)].join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() },
                if clashes.len() == 1 { "is" } else { "are" },
                files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", "),
                host_label(&run.host)
            ));
        }
        join(into, run);
        files.push(path.to_path_buf());
        Ok(())
    }

    pub fn into_runs(self) -> Vec<Results> {
        self.0.into_iter().map(|(r, _)| r).collect()
    }
}

/// `run`'s rows after `into`'s. What describes a whole run is kept where the two agree or
/// only one says it; two commands both made the rows, so both are kept.
fn join(into: &mut Results, run: Results) {
    let h = &mut into.host;
    h.hardware_counters = h.hardware_counters.take().or(run.host.hardware_counters);
    h.memory_charge = h.memory_charge.take().or(run.host.memory_charge);
    if into.plan != run.plan {
        into.plan = None;
    }
    into.clock_read_ns = into.clock_read_ns.or(run.clock_read_ns);
    into.command = match (into.command.take(), run.command) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
    };
    into.results.extend(run.results);
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
