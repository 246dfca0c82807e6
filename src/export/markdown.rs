use super::Exporter;
use crate::results::{Entry, Results};
use std::fmt::Write;

/// A Markdown table to paste into a pull request, with the host and method under it.
pub struct MarkdownExporter;

/// Text from a results file made safe for one table cell: a `|` would end the cell and a
/// line break the row, so the one is escaped and the other becomes a space.
pub fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace("\r\n", " ")
        .replace(['\n', '\r'], " ")
}

fn ms(x: f64) -> String {
    format!("{:.3}", x * 1e3)
}

impl Exporter for MarkdownExporter {
    fn serialize(&self, results: &Results) -> Vec<u8> {
        let mut out = String::new();
        out.push_str("| workload | strategy | median [ms] | 95% CI of median [ms] | mean ± σ [ms] | min [ms] | max [ms] | runs | ratio (95% CI) | p |\n");
        out.push_str("|:---|:---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for e in &results.results {
            let _ = writeln!(out, "{}", row(e));
        }
        let h = &results.host;
        let _ = write!(
            out,
            "\nKernel {}, {} CPUs{}, runtime binary {} bytes.",
            cell(&h.kernel),
            h.cpus,
            h.cpu_model
                .as_deref()
                .map(|m| format!(" ({})", cell(m)))
                .unwrap_or_default(),
            h.exe_size_bytes
        );
        if let Some(p) = &results.plan {
            let _ = write!(
                out,
                " Interleaved rounds, seed {}, {} warmup starts.",
                p.seed, p.warmup
            );
        }
        out.push_str(" Ratio: median over the reference's median, CI by bootstrap over paired rounds; p: two-sided Mann–Whitney U.\n");
        out.into_bytes()
    }
}

fn row(e: &Entry) -> String {
    let (Some(median), Some(mean), Some(sd), Some(min), Some(max)) =
        (e.median, e.mean, e.stddev, e.min, e.max)
    else {
        let status = serde_json::to_value(e.status)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let reason = cell(e.reason.as_deref().unwrap_or(""));
        return format!(
            "| {} | {} | {status}: {reason} | | | | | | | |",
            cell(&e.workload),
            cell(&e.strategy)
        );
    };
    let ci = e
        .ci95_median
        .map(|[lo, hi]| format!("{} – {}", ms(lo), ms(hi)))
        .unwrap_or_default();
    let ratio = e
        .ratio
        .as_ref()
        .map(|r| format!("{:.2} ({:.2} – {:.2})", r.value, r.ci95[0], r.ci95[1]))
        .unwrap_or_default();
    let p = e
        .ratio
        .as_ref()
        .and_then(|r| r.p_value)
        .map(|p| {
            if p < 1e-16 {
                "< 1e-16".to_string()
            } else {
                format!("{p:.2e}")
            }
        })
        .unwrap_or_default();
    format!(
        "| {} | {} | {} | {ci} | {} ± {} | {} | {} | {} | {ratio} | {p} |",
        cell(&e.workload),
        cell(&e.strategy),
        ms(median),
        ms(mean),
        ms(sd),
        ms(min),
        ms(max),
        e.runs
    )
}
