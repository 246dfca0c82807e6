use super::samples::shared_starts;
use super::Exporter;
use crate::results::Analyzed;
use serde::Serialize;

/// hyperfine's own JSON schema, so that its plotting scripts (plot_whisker.py,
/// plot_histogram.py, …) work on sealbench runs. `command` is `<workload>/<strategy>`.
/// `times` are the starts the row's statistics use (the rounds it shares with the
/// reference), so that a script's mean or median is the one printed beside it.
pub struct HyperfineExporter;

#[derive(Serialize)]
struct HyperfineResults {
    results: Vec<HyperfineResult>,
}

#[derive(Serialize)]
struct HyperfineResult {
    command: String,
    mean: f64,
    stddev: f64,
    median: f64,
    user: f64,
    system: f64,
    min: f64,
    max: f64,
    times: Vec<f64>,
    exit_codes: Vec<i32>,
}

impl Exporter for HyperfineExporter {
    fn serialize(&self, results: &Analyzed) -> Vec<u8> {
        let rows = results
            .results
            .iter()
            .filter(|e| e.is_ok())
            .filter_map(|e| {
                let times = shared_starts(results, e);
                Some(HyperfineResult {
                    command: format!("{}/{}", e.workload, e.strategy),
                    mean: e.analysis.mean?,
                    stddev: e.analysis.stddev?,
                    median: e.analysis.median?,
                    user: e.analysis.user.unwrap_or(0.0),
                    system: e.analysis.system.unwrap_or(0.0),
                    min: e.analysis.min?,
                    max: e.analysis.max?,
                    exit_codes: vec![0; times.len()],
                    times,
                })
            })
            .collect();
        let mut out =
            serde_json::to_vec_pretty(&HyperfineResults { results: rows }).expect("serialize");
        out.push(b'\n');
        out
    }
}
