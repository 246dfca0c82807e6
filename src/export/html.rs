//! A self-contained HTML report: host and settings, how to reproduce the run, the ratio
//! chart (inline, as a data URI, so the file makes no request), and per workload every
//! row's figures with its counters and side effects. Rendered with askama, which checks
//! the template at compile time and escapes every value taken from the results file.

use super::Exporter;
use crate::output::duration;
use crate::results::{Analyzed, Entry};
use askama::Template;
use base64::Engine;

#[derive(Template)]
#[template(path = "report.html")]
struct Page {
    title: String,
    reference: String,
    host: Vec<(&'static str, String)>,
    reproduce: String,
    chart: Option<String>,
    phases_chart: Option<String>,
    workloads: Vec<WorkloadView>,
    version: &'static str,
}

struct WorkloadView {
    name: String,
    rows: Vec<RowView>,
    /// (row, the five phase medians, their sum over the median start).
    phases: Vec<(String, Vec<String>, String)>,
    notes: Vec<String>,
}

struct RowView {
    name: String,
    kind: String,
    seal: String,
    data: String,
    status: String,
    ok: bool,
    median: String,
    ci: String,
    ratio: String,
    ratio_ci: String,
    verdict: String,
    verdict_class: String,
    rounds: String,
    minor_faults: String,
    major_faults: String,
    voluntary: String,
    involuntary: String,
    mount_events: String,
    memory: String,
    charge: String,
}

fn count(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn megabytes(bytes: f64) -> String {
    format!("{:.2} MB", bytes / 1e6)
}

fn row(e: &Entry) -> RowView {
    let ratio = e.analysis.ratio.as_ref();
    let verdict = ratio
        .and_then(|r| r.verdict)
        .map(|v| v.to_string())
        .unwrap_or_default();
    let c = e.analysis.counters;
    RowView {
        name: e.strategy.clone(),
        kind: e.kind.word().into(),
        seal: e.seal_observed.map(|s| s.to_string()).unwrap_or_default(),
        data: e.data.map(|d| d.to_string()).unwrap_or_default(),
        status: e.status.word().into(),
        ok: e.is_ok(),
        median: e.analysis.median.map(duration).unwrap_or_default(),
        ci: e
            .analysis
            .ci95_median
            .map(|c| format!("{} – {}", duration(c[0]), duration(c[1])))
            .unwrap_or_default(),
        ratio: ratio.map(|r| format!("{:.3}", r.value)).unwrap_or_default(),
        ratio_ci: ratio
            .map(|r| format!("{:.3} – {:.3}", r.ci95[0], r.ci95[1]))
            .unwrap_or_default(),
        verdict_class: verdict.clone(),
        verdict,
        rounds: e
            .analysis
            .shared_rounds
            .map(|r| r.to_string())
            .unwrap_or_default(),
        minor_faults: c.map(|c| count(c.minor_faults)).unwrap_or_default(),
        major_faults: c.map(|c| count(c.major_faults)).unwrap_or_default(),
        voluntary: c.map(|c| count(c.voluntary_switches)).unwrap_or_default(),
        involuntary: c.map(|c| count(c.involuntary_switches)).unwrap_or_default(),
        mount_events: e
            .mount_events_per_start
            .map(|m| format!("{m:.2}"))
            .unwrap_or_default(),
        memory: e
            .extra_memory_bytes_per_live
            .map(|b| megabytes(b as f64))
            .unwrap_or_default(),
        charge: e
            .container_memory_charge_bytes
            .map(|b| megabytes(b as f64))
            .unwrap_or_default(),
    }
}

/// The HTML report of a run.
pub struct HtmlExporter;

impl Exporter for HtmlExporter {
    fn serialize(&self, results: &Analyzed) -> Vec<u8> {
        let reference = results.reference().to_string();
        let mut names: indexmap::IndexSet<&str> = indexmap::IndexSet::new();
        for e in &results.results {
            names.insert(&e.workload);
        }
        let workloads = names
            .into_iter()
            .map(|w| {
                let rows: Vec<&Entry> =
                    results.results.iter().filter(|e| e.workload == w).collect();
                WorkloadView {
                    name: w.to_string(),
                    notes: rows
                        .iter()
                        .filter(|e| {
                            !e.is_ok() || e.seals.is_some() || e.seal_observed.is_some() || e.timeouts > 0
                        })
                        .map(|e| {
                            let mut n = format!("{}: ", e.strategy);
                            if let Some(why) = &e.reason {
                                n.push_str(&format!("{}: {why}. ", e.status.word()));
                            }
                            if let Some(line) = e.seal_summary() {
                                n.push_str(&format!("{line}. "));
                            } else if let Some(how) = &e.seals {
                                n.push_str(&format!("not observed; its version says: {how}. "));
                            }
                            if e.timeouts > 0 {
                                n.push_str(&format!("{} start(s) timed out. ", e.timeouts));
                            }
                            n
                        })
                        .collect(),
                    phases: rows
                        .iter()
                        .filter_map(|e| {
                            let p = e.analysis.phases?;
                            Some((
                                e.strategy.clone(),
                                p.as_array().iter().map(|s| duration(*s)).collect(),
                                e.analysis
                                    .median
                                    .map(|m| format!("{:.1}%", 100.0 * p.sum() / m))
                                    .unwrap_or_default(),
                            ))
                        })
                        .collect(),
                    rows: rows.into_iter().map(row).collect(),
                }
            })
            .collect();
        let h = &results.host;
        let mut host = vec![
            ("kernel", h.kernel.clone()),
            ("CPUs", h.cpus.to_string()),
            ("runtime binary size", format!("{} bytes", h.exe_size_bytes)),
        ];
        if let Some(m) = &h.cpu_model {
            host.push(("CPU model", m.clone()));
        }
        if let Some(c) = &h.hardware_counters {
            host.push(("hardware counters", c.clone()));
        }
        if let Some(c) = &h.memory_charge {
            host.push(("memory charge", c.clone()));
        }
        if let Some(p) = &results.plan {
            host.push(("seed", p.seed.to_string()));
            host.push(("warmup rounds", p.warmup.to_string()));
            host.push(("passes", p.passes.to_string()));
        }
        let uri = |svg: String| {
            format!(
                "data:image/svg+xml;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(svg)
            )
        };
        let chart = crate::plot::ratios_svg(results).ok().map(uri);
        let phases_chart = crate::plot::phases_svg(results)
            .and_then(Result::ok)
            .map(uri);
        let page = Page {
            title: format!(
                "sealbench: {} rows on kernel {}",
                results.results.len(),
                h.kernel
            ),
            reproduce: results
                .command
                .clone()
                .unwrap_or_else(|| "(not recorded in this results file)".into()),
            reference,
            host,
            chart,
            phases_chart,
            workloads,
            version: env!("CARGO_PKG_VERSION"),
        };
        page.render()
            .unwrap_or_else(|e| {
                format!("<!DOCTYPE html><title>sealbench</title><p>cannot render: {e}</p>")
            })
            .into_bytes()
    }
}
