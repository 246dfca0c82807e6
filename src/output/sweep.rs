//! A sweep on the terminal: medians per (workload, strategy) across the values, with the
//! throughput and memory peaks of a concurrency sweep, or the outcomes of a memory-limit
//! sweep's starts.

use crate::results::Status;
use crate::sweep::{Param, SweepEntry, SweepResults};
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};
use indexmap::IndexSet;

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}

/// The table and the lines under it.
pub fn text(sweep: &SweepResults) -> String {
    if sweep.param == Param::MemoryLimit {
        return memory_limit(sweep);
    }
    let rounds = sweep.rounds();
    let mut out = format!(
        "{}\nEvery value ran in the same {rounds} interleaved round{}; ×: the median over the \
         first value's, with its 95% CI (circular block bootstrap over rounds).\n",
        table(sweep, cell),
        if rounds == 1 { "" } else { "s" }
    );
    if sweep.param == Param::Concurrency {
        if let Some(m) = &sweep.memory {
            out.push_str(&format!("peak: {}\n", m.note));
        }
    }
    out
}

/// Rows (workload, strategy), a column per value, `cell` filling each.
fn table(sweep: &SweepResults, cell: fn(&SweepEntry) -> String) -> Table {
    let values: IndexSet<&str> = sweep.results.iter().map(|e| e.value.as_str()).collect();
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header(
        ["workload", "strategy"]
            .into_iter()
            .map(String::from)
            .chain(values.iter().map(|v| format!("{} = {v}", sweep.param))),
    );
    for (w, s) in rows(sweep) {
        let cells = values.iter().map(|v| {
            sweep
                .results
                .iter()
                .find(|e| e.workload == w && e.strategy == s && e.value == *v)
                .map(cell)
                .unwrap_or_default()
        });
        t.add_row([w.to_string(), s.to_string()].into_iter().chain(cells));
    }
    t
}

fn rows(sweep: &SweepResults) -> IndexSet<(&str, &str)> {
    sweep
        .results
        .iter()
        .map(|e| (e.workload.as_str(), e.strategy.as_str()))
        .collect()
}

/// A timed cell: the median, throughput and memory peak where measured, growth.
fn cell(e: &SweepEntry) -> String {
    let Some(m) = e.median else {
        return e.status.word().to_string();
    };
    let tp = e
        .throughput
        .map(|t| format!(", {t:.0}/s"))
        .unwrap_or_default();
    let peak = e
        .burst_memory
        .as_ref()
        .map(|b| format!("\npeak {}", mib(b.peak_bytes)))
        .unwrap_or_default();
    match &e.growth {
        Some(g) if g.from != e.value => {
            format!("{}{tp}\n{}{peak}", crate::output::duration(m), g.text())
        }
        _ => format!("{}{tp}{peak}", crate::output::duration(m)),
    }
}

/// A memory-limit cell: how many starts succeeded, how many failed and were OOM-killed,
/// the median successful start, and the two peaks.
fn outcome_cell(e: &SweepEntry) -> String {
    let Some(o) = &e.memory_limit else {
        return e.status.word().to_string();
    };
    let total = o.succeeded + o.failed;
    let mut line = format!("{}/{total} ok", o.succeeded);
    if o.failed > 0 {
        line.push_str(&format!(", {} failed", o.failed));
        if o.oom_kills > 0 {
            line.push_str(&format!(" ({} OOM)", o.oom_kills));
        }
    }
    if let Some(m) = e.median {
        line.push_str(&format!(", {}", crate::output::duration(m)));
    }
    let peak = |p: Option<u64>| p.map_or("–".to_string(), mib);
    format!(
        "{line}\nctr {} · caller {}",
        peak(o.container_peak_bytes),
        peak(o.caller_peak_bytes)
    )
}

fn memory_limit(sweep: &SweepResults) -> String {
    let mut out = table(sweep, outcome_cell).to_string();
    out.push('\n');
    if let Some(m) = &sweep.memory {
        let how = m
            .cgroups
            .as_ref()
            .map(|c| format!("cgroup {}: {} and {}", c.version, c.limit_file, c.oom_file))
            .unwrap_or_default();
        let copy = m
            .copy_in
            .map(|c| format!("; strategies' copies made in the {c}'s cgroup (--copy-in {c})"))
            .unwrap_or_default();
        out.push_str(&format!("Limits set with {how}{copy}.\n"));
    }
    out.push_str(
        "ctr: the container's cgroup's peak, caller: the caller's (medians over the starts).\n",
    );
    // Where each row's copy was charged, read where the container had the most room.
    for (w, s) in rows(sweep) {
        let roomiest = sweep
            .results
            .iter()
            .filter(|e| e.workload == w && e.strategy == s && e.memory_limit.is_some())
            .max_by(|a, b| {
                let room = |e: &SweepEntry| {
                    if e.value_num == 0.0 {
                        f64::MAX
                    } else {
                        e.value_num
                    }
                };
                room(a).total_cmp(&room(b))
            });
        if let Some(e) = roomiest {
            let o = e.memory_limit.as_ref().expect("filtered");
            let cramped = if e.value_num > 0.0 && e.value_num < o.binary_bytes as f64 {
                ": no value leaves room for a copy, add none"
            } else {
                ""
            };
            out.push_str(&format!(
                "{w}/{s}: a copy of its {} binary would be charged to: {} (at {} = {}{cramped})\n",
                mib(o.binary_bytes),
                o.copy_charged_to,
                sweep.param,
                e.value
            ));
        }
    }
    for e in &sweep.results {
        let Some(o) = &e.memory_limit else {
            if e.status != Status::Ok {
                out.push_str(&format!(
                    "{}/{} at {}: {} ({})\n",
                    e.workload,
                    e.strategy,
                    e.value,
                    e.status.word(),
                    e.reason.as_deref().unwrap_or("no reason given")
                ));
            }
            continue;
        };
        for f in &o.failures {
            out.push_str(&format!(
                "{}/{} at {}: {}× {}\n",
                e.workload, e.strategy, e.value, f.count, f.reason
            ));
        }
    }
    out
}
