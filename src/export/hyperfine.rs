use super::Exporter;
use crate::results::Analyzed;
use serde::Serialize;

/// hyperfine's own JSON schema, so that its plotting scripts (plot_whisker.py,
/// plot_histogram.py, …) work on sealbench runs. `command` is `<workload>/<strategy>`.
pub struct HyperfineExporter;

#[derive(Serialize)]
struct HyperfineResults<'a> {
    results: Vec<HyperfineResult<'a>>,
}

#[derive(Serialize)]
struct HyperfineResult<'a> {
    command: String,
    mean: f64,
    stddev: f64,
    median: f64,
    user: f64,
    system: f64,
    min: f64,
    max: f64,
    times: &'a [f64],
    exit_codes: Vec<i32>,
}

impl Exporter for HyperfineExporter {
    fn serialize(&self, results: &Analyzed) -> Vec<u8> {
        let rows = results
            .results
            .iter()
            .filter(|e| e.is_ok())
            .filter_map(|e| {
                Some(HyperfineResult {
                    command: format!("{}/{}", e.workload, e.strategy),
                    mean: e.analysis.mean?,
                    stddev: e.analysis.stddev?,
                    median: e.analysis.median?,
                    user: e.analysis.user.unwrap_or(0.0),
                    system: e.analysis.system.unwrap_or(0.0),
                    min: e.analysis.min?,
                    max: e.analysis.max?,
                    times: &e.times,
                    exit_codes: vec![0; e.times.len()],
                })
            })
            .collect();
        let mut out =
            serde_json::to_vec_pretty(&HyperfineResults { results: rows }).expect("serialize");
        out.push(b'\n');
        out
    }
}
