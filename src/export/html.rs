//! A self-contained HTML report: host and settings, how to reproduce the run, the ratio
//! chart (inline, as a data URI, so the file makes no request), and per workload every
//! row's figures with its counters and side effects. Rendered with askama, which checks
//! the template at compile time and escapes every value taken from the results file.

use super::Exporter;
use crate::output::duration;
use crate::output::model::{Align, Model, TimeUnit, View};
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
    distribution_chart: Option<String>,
    headers: Vec<(&'static str, bool)>,
    workloads: Vec<WorkloadView>,
    changes: Vec<ChangeView>,
    version: &'static str,
}

struct WorkloadView {
    name: String,
    rows: Vec<RowView>,
    /// (row, the five phase medians, their sum over the median start).
    phases: Vec<(String, Vec<String>, String)>,
    notes: Vec<String>,
}

/// A row of the wide table model, with what the page marks.
struct RowView {
    name: String,
    ok: bool,
    /// (text, right-aligned) per cell.
    cells: Vec<(String, bool)>,
    verdict_class: String,
}

/// One row's change against the baseline run.
struct ChangeView {
    row: String,
    before: String,
    after: String,
    change: String,
    verdict: String,
}

fn row_view(row: &crate::output::model::Row, model: &Model, e: &Entry) -> RowView {
    RowView {
        name: e.strategy.clone(),
        ok: e.is_ok(),
        cells: row
            .cells
            .iter()
            .zip(&model.columns)
            .map(|(t, c)| (t.clone(), c.align == Align::Right))
            .collect(),
        verdict_class: row.verdict.map(|v| v.to_string()).unwrap_or_default(),
    }
}

/// The HTML report of a run.
pub struct HtmlExporter;

impl Exporter for HtmlExporter {
    fn serialize(&self, results: &Analyzed) -> Vec<u8> {
        let reference = results.reference().to_string();
        let view = View {
            wide: true,
            unit: TimeUnit::Auto,
            ..View::default()
        };
        let model = crate::output::model::results(results, &reference, &view);
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
                            !e.is_ok()
                                || e.seals.is_some()
                                || e.seal_observed.is_some()
                                || e.timeouts > 0
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
                    rows: rows
                        .iter()
                        .zip(model.rows.iter().filter(|r| r.workload == *w))
                        .map(|(e, r)| row_view(r, &model, e))
                        .collect(),
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
        let distribution_chart = crate::plot::distribution_svg(results).ok().map(uri);
        let changes = results
            .changes()
            .iter()
            .map(|c| ChangeView {
                row: format!("{}/{}", c.workload, c.row),
                before: format!("{:.3}", c.before),
                after: format!("{:.3}", c.after),
                change: format!(
                    "{:+.1}% ({:+.1}% – {:+.1}%)",
                    100.0 * (c.change - 1.0),
                    100.0 * (c.ci95[0] - 1.0),
                    100.0 * (c.ci95[1] - 1.0)
                ),
                verdict: c.verdict.to_string(),
            })
            .collect();
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
            distribution_chart,
            headers: model
                .columns
                .iter()
                .map(|c| (c.header, c.align == Align::Right))
                .collect(),
            workloads,
            changes,
            version: env!("CARGO_PKG_VERSION"),
        };
        page.render()
            .unwrap_or_else(|e| {
                format!("<!DOCTYPE html><title>sealbench</title><p>cannot render: {e}</p>")
            })
            .into_bytes()
    }
}
