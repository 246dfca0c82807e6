//! `sealbench sweep`: how each strategy's cost grows with one parameter.

mod concurrency;
mod param;

pub use param::Param;

use crate::benchmark::{self, units_for, Plan, Unit};
use crate::error::Result;
use crate::results::Host;
use crate::sandbox::Sandbox;
use crate::stats;
use crate::workload::Workload;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use strategies::SealStrategy;

pub const SCHEMA: &str = "sealbench-sweep/1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SweepResults {
    pub schema: String,
    pub param: Param,
    pub host: Host,
    pub plan: Plan,
    pub results: Vec<SweepEntry>,
}

/// One strategy at one value of the parameter.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SweepEntry {
    pub strategy: String,
    pub workload: String,
    /// The value as given on the command line, and as a number (bytes, mounts, starters).
    pub value: String,
    pub value_num: f64,
    pub status: crate::results::Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci95_median: Option<[f64; 2]>,
    #[serde(default)]
    pub times: Vec<f64>,
    /// The interleaved round of every start: every value of a sweep runs in the same rounds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rounds: Vec<u32>,
    /// Starts per second over all starters (the concurrency sweep).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throughput: Option<f64>,
    /// The median over the same strategy's median at the first value, over the rounds
    /// both ran, with its block-bootstrap 95% CI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub growth: Option<Growth>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Growth {
    /// The value it is relative to.
    pub from: String,
    pub value: f64,
    /// Absent where the rows share fewer than two rounds: a bootstrap over rounds has
    /// nothing to resample there, and no interval is better than one of zero width.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci95: Option<[f64; 2]>,
}

impl Growth {
    /// `×1.052 (1.049–1.055)`, or `×1.052 (no CI: 1 round)` where there is no interval.
    pub fn text(&self) -> String {
        match self.ci95 {
            Some([lo, hi]) => format!("×{:.3} ({lo:.3}–{hi:.3})", self.value),
            None => format!("×{:.3} (no CI: 1 round)", self.value),
        }
    }
}

impl SweepResults {
    /// The interleaved rounds the sweep ran (every value runs in each): a concurrency
    /// sweep makes one round per block of starts, fewer than `--runs`.
    pub fn rounds(&self) -> usize {
        self.results
            .iter()
            .map(|e| {
                e.rounds
                    .iter()
                    .collect::<std::collections::BTreeSet<_>>()
                    .len()
            })
            .max()
            .unwrap_or(0)
    }
}

impl SweepEntry {
    fn of(unit: &Unit, value: &str, value_num: f64) -> SweepEntry {
        let e = crate::benchmark::entry(unit, None);
        SweepEntry {
            strategy: e.strategy,
            workload: e.workload,
            value: value.to_string(),
            value_num,
            status: e.status,
            reason: e.reason,
            median: None,
            ci95_median: None,
            times: e.times,
            rounds: e.rounds,
            throughput: None,
            growth: None,
        }
    }
}

/// Fill in medians, their CIs and growth over the first value, each row over the rounds it
/// shares with the first value's row of its (workload, strategy).
pub fn analyze(entries: &mut [SweepEntry], seed: u64) {
    let firsts: Vec<SweepEntry> = {
        let mut seen: Vec<SweepEntry> = Vec::new();
        for e in entries.iter() {
            if !seen
                .iter()
                .any(|f| f.workload == e.workload && f.strategy == e.strategy)
            {
                seen.push(e.clone());
            }
        }
        seen
    };
    for e in entries.iter_mut().filter(|e| !e.times.is_empty()) {
        let rounds: Vec<u32> = if e.rounds.len() == e.times.len() {
            e.rounds.clone()
        } else {
            (0..e.times.len() as u32).collect()
        };
        let first = firsts
            .iter()
            .find(|f| f.workload == e.workload && f.strategy == e.strategy && !f.times.is_empty())
            .filter(|f| f.rounds.len() == f.times.len());
        let keep = first.map(|f| stats::shared(&rounds, &f.rounds));
        let x = stats::ByRound::new(&e.times, &rounds, keep.as_deref());
        let y = first.map(|f| stats::ByRound::new(&f.times, &f.rounds, keep.as_deref()));
        if x.rounds() == 0 {
            continue;
        }
        // As compare seeds a row, with the value in the row's name: a row per value.
        let what = format!("bootstrap/{}", e.value);
        let row_seed = stats::row_seed(seed, &e.workload, &e.strategy, &what);
        let iv = stats::intervals(&x, y.as_ref(), stats::block_for(&x, y.as_ref()), row_seed);
        e.median = Some(stats::median(x.all()));
        e.ci95_median = iv.map(|iv| iv.median);
        e.growth = match (first, &y) {
            (Some(f), Some(y)) if y.rounds() == x.rounds() => Some(Growth {
                from: f.value.clone(),
                value: stats::median(x.all()) / stats::median(y.all()),
                ci95: iv.and_then(|iv| iv.ratio),
            }),
            _ => None,
        };
    }
}

/// Measure every (value, workload, strategy) in the same interleaved rounds, so that drift
/// in the machine hits every value alike: one runtime binary per value (exe-size), or one
/// mount namespace per value, prepared once and entered for that value's starts
/// (host-mounts). Concurrency alternates its starter counts in blocks (see
/// [`concurrency`]).
pub fn run(
    sb: &Sandbox,
    param: Param,
    values: &[(String, f64)],
    strategies: &[&'static dyn SealStrategy],
    workloads: &[&dyn Workload],
    plan: &Plan,
    observer: &dyn benchmark::Observer,
) -> Result<Vec<SweepEntry>> {
    if param == Param::Concurrency {
        return concurrency::measure(sb, values, strategies, workloads, plan);
    }
    let mut units = Vec::new();
    let mut labels = Vec::new();
    for (value, num) in values {
        let ns = match param {
            Param::HostMounts => Some(Arc::new(sb.namespace_with_mounts(*num as usize)?)),
            _ => {
                sb.set_exe_size(*num as u64);
                None
            }
        };
        let prefix = format!("{value}-");
        let these = match &ns {
            Some(ns) => ns.within(|| units_for(sb, strategies, workloads, &prefix))?,
            None => units_for(sb, strategies, workloads, &prefix),
        };
        for mut u in these {
            u.ns = ns.clone();
            units.push(u);
            labels.push((value.clone(), *num));
        }
    }
    benchmark::run(&mut units, plan, 0, 0, observer);
    for u in units.iter_mut() {
        match u.ns.clone() {
            Some(ns) => ns.within(|| u.finish())?,
            None => u.finish(),
        }
    }
    let mut out: Vec<SweepEntry> = units
        .iter()
        .zip(&labels)
        .map(|(u, (value, num))| SweepEntry::of(u, value, *num))
        .collect();
    analyze(&mut out, plan.seed);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(value: &str, times: &[f64]) -> SweepEntry {
        SweepEntry {
            strategy: "noclone".into(),
            workload: "exec-true".into(),
            value: value.into(),
            value_num: value.parse().unwrap(),
            status: crate::results::Status::Ok,
            reason: None,
            median: None,
            ci95_median: None,
            times: times.iter().map(|t| t * 1e-3).collect(),
            rounds: vec![0; times.len()],
            throughput: None,
            growth: None,
        }
    }

    /// Whether `ci`, if there is one, holds `estimate`.
    fn holds(ci: &serde_json::Value, estimate: f64) -> bool {
        match ci.as_array() {
            None => ci.is_null(),
            Some(ends) => {
                let (lo, hi) = (ends[0].as_f64().unwrap(), ends[1].as_f64().unwrap());
                lo <= estimate && estimate <= hi
            }
        }
    }

    /// Issue 29, item 11: all the starts of a cell in one round (`--runs 3` of the
    /// concurrency sweep) left the bootstrap nothing to resample, and it gave the first
    /// start's value as a zero-width interval, away from the median (×1.922 (1.160–1.160)).
    #[test]
    fn a_bootstrap_over_one_round_gives_no_interval_rather_than_a_wrong_one() {
        let mut cells = [
            cell("1", &[1.0, 2.0, 3.0, 4.0, 5.0]),
            cell("4", &[9.0, 1.0, 2.0, 3.0, 4.0]),
        ];
        analyze(&mut cells, 1);
        for c in &cells {
            let v = serde_json::to_value(c).unwrap();
            let median = v["median"].as_f64().unwrap();
            assert!(holds(&v["ci95_median"], median), "{v}");
            assert!(
                holds(&v["growth"]["ci95"], v["growth"]["value"].as_f64().unwrap()),
                "{v}"
            );
        }
        assert!(cells.iter().all(|c| c.ci95_median.is_none()));
    }
}
