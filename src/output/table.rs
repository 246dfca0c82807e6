use super::{duration, shown};
use crate::results::{Entry, Ratio, Results, Spread};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Cell, CellAlignment, Table};

/// `1.052 (1.049–1.055)`: three decimals, so the 1–5% differences that matter show.
pub fn ratio_text(r: &Ratio) -> String {
    format!("{:.3} ({:.3}–{:.3})", r.value, r.ci95[0], r.ci95[1])
}

/// The between-pass figure of a ratio, when the run had several passes.
pub fn passes_text(r: &Ratio) -> Option<String> {
    r.passes.as_ref().map(|p| {
        format!(
            "{:.3} ({:.3}–{:.3}), {} passes",
            p.mean,
            p.ci95[0],
            p.ci95[1],
            p.values.len()
        )
    })
}

fn right(s: impl ToString) -> Cell {
    Cell::new(s.to_string()).set_alignment(CellAlignment::Right)
}

/// The terminal table of a run: one row per (workload, strategy).
pub fn results_table(results: &Results, reference: &str) -> Table {
    let with_passes = results.results.iter().any(|e| {
        e.analysis
            .ratio
            .as_ref()
            .is_some_and(|r| r.passes.is_some())
    });
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    let mut header = vec![
        "workload",
        "strategy",
        "status",
        "seal (data)",
        "median (95% CI)",
        "mean ± σ",
        "min",
        "max",
        "user",
        "system",
        "rounds",
        "ratio (95% CI)",
        "",
        "outliers mild/severe",
    ];
    if with_passes {
        header.push("ratio between passes (95% CI)");
    }
    table.set_header(header);
    for e in &results.results {
        let name = match &e.used {
            Some(used) => format!("{} → {}", shown(&e.strategy), shown(used)),
            None => shown(&e.strategy).into_owned(),
        };
        let mut row = vec![Cell::new(shown(&e.workload)), Cell::new(name)];
        if e.is_ok() {
            let Some(Spread {
                median,
                mean,
                stddev: sd,
                min,
                max,
            }) = e.analysis.spread()
            else {
                continue;
            };
            let (ratio, mark) = match &e.analysis.ratio {
                Some(r) if e.strategy == reference => (format!("{:.3}", r.value), String::new()),
                Some(r) => (
                    ratio_text(r),
                    r.verdict.map(|v| v.to_string()).unwrap_or_default(),
                ),
                None => ("-".into(), String::new()),
            };
            let median = match e.analysis.ci95_median {
                Some([lo, hi]) => {
                    format!("{} ({}–{})", duration(median), duration(lo), duration(hi))
                }
                None => duration(median),
            };
            let outliers = e
                .analysis
                .tukey_outliers
                .map(|o| format!("{}/{}", o.mild(), o.severe()))
                .unwrap_or_default();
            row.extend([
                Cell::new("ok"),
                Cell::new(seal_cell(e)),
                right(median),
                right(format!("{} ± {}", duration(mean), duration(sd))),
                right(duration(min)),
                right(duration(max)),
                right(e.analysis.user.map(duration).unwrap_or_default()),
                right(e.analysis.system.map(duration).unwrap_or_default()),
                right(e.analysis.shared_rounds.unwrap_or(e.runs)),
                right(ratio),
                Cell::new(mark),
                right(outliers),
            ]);
            if with_passes {
                row.push(right(
                    e.analysis
                        .ratio
                        .as_ref()
                        .and_then(passes_text)
                        .unwrap_or_default(),
                ));
            }
        } else {
            row.push(Cell::new(status_word(e)));
        }
        table.add_row(row);
    }
    table
}

/// `memfd (independent)`: what a start was seen to seal, and what that gives.
fn seal_cell(e: &Entry) -> String {
    match (e.seal_observed, e.data) {
        (Some(s), Some(d)) => format!("{s} ({d})"),
        (Some(s), None) => s.to_string(),
        (None, _) => "-".into(),
    }
}

fn status_word(e: &Entry) -> String {
    e.status.word().to_string()
}

/// What the ratio column and its marks mean, printed under the table.
pub fn legend(reference: &str) -> String {
    format!(
        "ratio: median over {reference}'s median, over the rounds both ran; 95% CI by a circular \
         block bootstrap over rounds. ~: the CI holds 1 (no difference these data can tell, as \
         benchstat's ~); same: it lies within ±1%; small: it excludes 1 but reaches inside ±1%; \
         slower/faster: it lies wholly past ±1%.\n"
    )
}
