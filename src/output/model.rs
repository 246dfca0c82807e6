//! One table of a run's rows, built once and rendered to the terminal, Markdown and HTML
//! (hyperfine's one-model-many-renderers), so that the outputs cannot drift apart. The
//! narrow view holds what a reader needs (row, median, ratio with its interval, verdict,
//! seal, rounds); the wide view every figure of a row.

use super::shown;
use crate::results::{Entry, Results, Spread};
use crate::stats::Verdict;

/// A unit for times, or `Auto`: each value in the unit that keeps it readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TimeUnit {
    #[default]
    Auto,
    #[value(name = "s")]
    Second,
    #[value(name = "ms")]
    Millisecond,
    #[value(name = "us")]
    Microsecond,
}

impl TimeUnit {
    pub fn show(self, seconds: f64) -> String {
        match self {
            TimeUnit::Auto => super::duration(seconds),
            TimeUnit::Second => format!("{seconds:.4} s"),
            TimeUnit::Millisecond => format!("{:.3} ms", seconds * 1e3),
            TimeUnit::Microsecond => format!("{:.1} µs", seconds * 1e6),
        }
    }
}

/// The order of rows within each workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Sort {
    /// As they ran: strategies in registry order, then runtimes.
    #[default]
    Run,
    /// Fastest median first.
    Median,
    /// By name.
    Name,
}

/// How a table is to be shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct View {
    pub wide: bool,
    pub unit: TimeUnit,
    pub sort: Sort,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

pub struct Column {
    pub header: &'static str,
    pub align: Align,
}

/// One row: its workload, its cells (the first is the row's name), and what a renderer
/// may mark (the verdict's colour).
pub struct Row {
    pub workload: String,
    pub cells: Vec<String>,
    pub verdict: Option<Verdict>,
}

pub struct Model {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

const fn col(header: &'static str, align: Align) -> Column {
    Column { header, align }
}

fn columns(wide: bool) -> Vec<Column> {
    use Align::*;
    let mut c = vec![
        col("row", Left),
        col("median", Right),
        col("ratio (95% CI)", Right),
        col("", Left),
        col("seal (data)", Left),
        col("rounds", Right),
    ];
    if wide {
        c.extend([
            col("95% CI of median", Right),
            col("mean ± σ", Right),
            col("min", Right),
            col("max", Right),
            col("user", Right),
            col("system", Right),
            col("this run's interval", Right),
            col("outliers mild/severe", Right),
            col("minor faults", Right),
            col("mount events / start", Right),
            col("memory / live container", Right),
            col("charge / start", Right),
        ]);
    }
    c
}

/// `1.052 (1.049–1.055)`: three decimals, so the 1–5% differences that matter show.
pub fn ratio_text(value: f64, ci95: [f64; 2]) -> String {
    format!("{value:.3} ({:.3}–{:.3})", ci95[0], ci95[1])
}

/// `memfd (independent)`: what a start was seen to seal, and what that gives.
pub fn seal_cell(e: &Entry) -> String {
    match (e.seal_observed, e.data) {
        (Some(s), Some(d)) => format!("{s} ({d})"),
        (Some(s), None) => s.to_string(),
        (None, _) => "-".into(),
    }
}

fn megabytes(bytes: f64) -> String {
    format!("{:.2} MB", bytes / 1e6)
}

fn row(e: &Entry, reference: &str, view: &View) -> Row {
    let t = |x: f64| view.unit.show(x);
    let name = match &e.used {
        Some(used) => format!("{} → {}", e.strategy, used),
        None => e.strategy.clone(),
    };
    let mut cells = vec![shown(&name).into_owned()];
    let workload = shown(&e.workload).into_owned();
    let Some(Spread {
        median,
        mean,
        stddev,
        min,
        max,
    }) = e.analysis.spread()
    else {
        let why = e.reason.as_deref().unwrap_or("no reason given");
        cells.push(format!("{}: {}", e.status.word(), shown(why)));
        cells.resize(columns(view.wide).len(), String::new());
        return Row {
            workload,
            cells,
            verdict: None,
        };
    };
    let ratio = e.analysis.ratio.as_ref();
    let (ratio_cell, mark) = match ratio {
        Some(r) if e.strategy == reference => (format!("{:.3}", r.value), None),
        Some(r) => (ratio_text(r.value, r.ci95), r.verdict),
        None => ("-".into(), None),
    };
    cells.extend([
        t(median),
        ratio_cell,
        mark.map(|v| v.mark().to_string()).unwrap_or_default(),
        seal_cell(e),
        e.analysis.shared_rounds.unwrap_or(e.runs).to_string(),
    ]);
    if view.wide {
        let opt = |x: Option<String>| x.unwrap_or_else(|| "-".into());
        cells.extend([
            opt(e
                .analysis
                .ci95_median
                .map(|[lo, hi]| format!("{}–{}", t(lo), t(hi)))),
            format!("{} ± {}", t(mean), t(stddev)),
            t(min),
            t(max),
            opt(e.analysis.user.map(t)),
            opt(e.analysis.system.map(t)),
            opt(ratio
                .and_then(|r| r.run_ci95)
                .map(|c| format!("{:.3}–{:.3}", c[0], c[1]))),
            opt(e
                .analysis
                .tukey_outliers
                .map(|o| format!("{}/{}", o.mild(), o.severe()))),
            opt(e
                .analysis
                .counters
                .map(|c| format!("{:.0}", c.minor_faults))),
            opt(e
                .mount_events_per_start
                .or(e.mountinfo_wakeups_per_start)
                .map(|n| format!("{n:.1}"))),
            opt(e.extra_memory_bytes_per_live.map(|b| megabytes(b as f64))),
            opt(e.container_memory_charge_bytes.map(|b| megabytes(b as f64))),
        ]);
    }
    Row {
        workload,
        cells,
        verdict: mark,
    }
}

/// The run's rows as a table: workload by workload, in the order `view.sort` asks.
pub fn results(results: &Results, reference: &str, view: &View) -> Model {
    let mut entries: Vec<&Entry> = results.results.iter().collect();
    let workload_order: indexmap::IndexSet<&str> =
        entries.iter().map(|e| e.workload.as_str()).collect();
    let position = |w: &str| workload_order.get_index_of(w).unwrap_or(0);
    match view.sort {
        Sort::Run => {}
        Sort::Name => entries.sort_by(|a, b| {
            (position(&a.workload), &a.strategy).cmp(&(position(&b.workload), &b.strategy))
        }),
        Sort::Median => entries.sort_by(|a, b| {
            let m = |e: &Entry| e.analysis.median.unwrap_or(f64::INFINITY);
            position(&a.workload)
                .cmp(&position(&b.workload))
                .then(m(a).total_cmp(&m(b)))
        }),
    }
    Model {
        columns: columns(view.wide),
        rows: entries.iter().map(|e| row(e, reference, view)).collect(),
    }
}
