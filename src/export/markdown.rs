use super::Exporter;
use crate::results::{Analyzed, Entry, Spread};
use std::fmt::Write;

/// A Markdown table to paste into a pull request, with the host and method under it.
pub struct MarkdownExporter;

/// Text from a results file made safe for one table cell: a `|` would end the cell and a
/// line break the row, so the one is escaped and the other becomes a space. Markdown
/// passes HTML through, so `<`, `>` and `&` are written as entities (a `<script>` stays
/// text), and what would act on the page (a bidi override) is shown as its escape.
pub fn cell(s: &str) -> String {
    let one_line = s
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace("\r\n", " ")
        .replace(['\n', '\r'], " ");
    crate::output::shown(&one_line)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn ms(x: f64) -> String {
    format!("{:.3}", x * 1e3)
}

impl Exporter for MarkdownExporter {
    fn serialize(&self, results: &Analyzed) -> Vec<u8> {
        let mut out = String::new();
        out.push_str("| workload | strategy | median [ms] | 95% CI of median [ms] | mean ± σ [ms] | min [ms] | max [ms] | rounds | ratio (95% CI) | |\n");
        out.push_str("|:---|:---|---:|---:|---:|---:|---:|---:|---:|:---|\n");
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
                " Interleaved rounds, every strategy in every round, seed {}, {} warmup rounds{}.",
                p.seed,
                p.warmup,
                if p.passes > 1 {
                    format!(", {} independent passes", p.passes)
                } else {
                    String::new()
                }
            );
        }
        out.push_str(" Every figure of a row is over the rounds it shares with the reference. Ratio: median over the reference's median, 95% CI by a circular block bootstrap over rounds (block length from the data, Politis–White); ~: the CI holds 1 (no difference these data can tell, as benchstat's ~); same: it lies within ±1%; small: it excludes 1 but reaches inside ±1%; slower/faster: it lies wholly past ±1%.\n");
        out.into_bytes()
    }
}

fn row(e: &Entry) -> String {
    let Some(Spread {
        median,
        mean,
        stddev: sd,
        min,
        max,
    }) = e.analysis.spread()
    else {
        let status = e.status.word().to_string();
        let reason = cell(e.reason.as_deref().unwrap_or(""));
        return format!(
            "| {} | {} | {status}: {reason} | | | | | | | |",
            cell(&e.workload),
            cell(&e.strategy)
        );
    };
    let ci = e
        .analysis
        .ci95_median
        .map(|[lo, hi]| format!("{} – {}", ms(lo), ms(hi)))
        .unwrap_or_default();
    let ratio = e
        .analysis
        .ratio
        .as_ref()
        .map(|r| {
            let between = crate::output::passes_text(r)
                .map(|p| format!("; between passes {p}"))
                .unwrap_or_default();
            format!(
                "{:.3} ({:.3} – {:.3}){between}",
                r.value, r.ci95[0], r.ci95[1]
            )
        })
        .unwrap_or_default();
    let p = e
        .analysis
        .ratio
        .as_ref()
        .and_then(|r| r.verdict)
        .map(|v| v.to_string())
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
        e.analysis.shared_rounds.unwrap_or(e.runs)
    )
}
