//! `sealbench sweep`: how each strategy's cost grows with one parameter.

mod concurrency;
pub mod memory_limit;
mod param;

pub use param::{Param, MIN_LIMIT};

use crate::benchmark::{self, units_for, Plan, Unit};
use crate::error::Result;
use crate::peer::RuntimeSpec;
use crate::results::Host;
use crate::sandbox::Sandbox;
use crate::side_effects::memcg;
use crate::stats;
use crate::workload::{CopyIn, Workload};
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
    /// The command line that made it, with its seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// How memory was measured (memory-limit, concurrency): which cgroup version and
    /// files, and what the figures are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<MemorySetup>,
    pub results: Vec<SweepEntry>,
}

/// How a sweep measured memory.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MemorySetup {
    /// The memory cgroups: v1 or v2, where, and which files were written and read; `None`
    /// where there is no memory cgroup to use (then `note` says why).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cgroups: Option<memcg::Method>,
    /// memory-limit: where the strategies' copies were made (`--copy-in`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_in: Option<CopyIn>,
    /// What the memory figures are, and why that measure.
    pub note: String,
}

/// One failure reason of a memory-limit cell.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Failure {
    /// The first start's words (others differed at most in numbers: pids, ids).
    pub reason: String,
    pub count: u32,
    /// How many of them were OOM kills.
    pub oom_kills: u32,
}

/// What the starts of one memory-limit cell came to: failures are outcomes here.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MemoryOutcomes {
    pub succeeded: u32,
    pub failed: u32,
    /// Failed starts whose process the OOM killer killed.
    pub oom_kills: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<Failure>,
    /// Median over the starts of the container's cgroup's peak charge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_peak_bytes: Option<u64>,
    /// Median over the starts of the caller's cgroup's peak charge (the worker, and for a
    /// whole runtime the runtime's own process, outside the container).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_peak_bytes: Option<u64>,
    /// The binary a copy copies.
    pub binary_bytes: u64,
    /// `container`, `caller`, `neither` or `too small to tell` (a binary under 4 MiB):
    /// whose peak reaches three quarters of the binary's size (read it where there is no
    /// limit; a limit below the binary caps the container's peak).
    pub copy_charged_to: String,
}

/// Memory over the simultaneous starts of a concurrency cell.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BurstMemory {
    /// Median over the cell's blocks of the peak charge of the cgroup that held the block.
    pub peak_bytes: u64,
    /// The largest block's.
    pub max_peak_bytes: u64,
    pub blocks: u32,
    /// The binary a start's copy would copy: the runtime binary for a strategy, the
    /// runtime's own for a peer; 0 in files made before it was recorded.
    #[serde(default)]
    pub binary_bytes: u64,
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
    /// memory-limit: the outcomes of its starts (only the successful ones are timed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_limit: Option<MemoryOutcomes>,
    /// concurrency: the memory peak over its simultaneous starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst_memory: Option<BurstMemory>,
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
            memory_limit: None,
            burst_memory: None,
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

/// What a sweep measures.
pub struct Spec<'a> {
    pub param: Param,
    pub values: &'a [(String, f64)],
    pub strategies: &'a [&'static dyn SealStrategy],
    pub workloads: &'a [&'static dyn Workload],
    /// Runtime peers (memory-limit and concurrency).
    pub runtimes: &'a [RuntimeSpec],
    /// memory-limit: where the strategies' copies are made.
    pub copy_in: CopyIn,
    pub plan: &'a Plan,
    pub exe_size: u64,
    pub rootless: bool,
}

impl Spec<'_> {
    /// The sandbox the sweep needs. Memory cgroups (memory-limit, concurrency's peaks) and
    /// whole runtimes want v1 alone on a hybrid host and a janitor for what an interrupted
    /// run leaves; peers' binaries stay at their paths inside the run.
    pub fn options(&self) -> crate::sandbox::Options {
        let cgroups = matches!(self.param, Param::MemoryLimit | Param::Concurrency)
            || !self.runtimes.is_empty()
            || self
                .workloads
                .iter()
                .any(|w| w.binary() == crate::workload::Binary::Runtime);
        crate::sandbox::Options {
            exe_size: self.exe_size,
            rootless: self.rootless,
            cgroup_v1_only: cgroups && !self.rootless,
            expose: self
                .runtimes
                .iter()
                .filter_map(|r| r.exec_path().map(std::path::Path::to_path_buf))
                .collect(),
            ..crate::sandbox::Options::default()
        }
    }
}

/// Run the sweep `spec` inside the sandbox: its entries, and how memory was measured.
pub fn measure(
    sb: &Sandbox,
    spec: &Spec,
    observer: &dyn benchmark::Observer,
) -> Result<(Vec<SweepEntry>, Option<MemorySetup>)> {
    match spec.param {
        Param::MemoryLimit => {
            let setup = memory_limit::Setup {
                values: spec.values,
                strategies: spec.strategies,
                workloads: spec.workloads,
                runtimes: spec.runtimes,
                copy_in: spec.copy_in,
                plan: spec.plan,
            };
            let (entries, method) = memory_limit::measure(sb, &setup)?;
            Ok((
                entries,
                Some(MemorySetup {
                    cgroups: Some(method),
                    copy_in: Some(spec.copy_in),
                    note: memory_limit::NOTE.into(),
                }),
            ))
        }
        Param::Concurrency => {
            let (entries, setup) = concurrency::measure(
                sb,
                spec.values,
                spec.strategies,
                spec.workloads,
                spec.runtimes,
                spec.plan,
            )?;
            Ok((entries, Some(setup)))
        }
        _ => Ok((
            run(
                sb,
                spec.param,
                spec.values,
                spec.strategies,
                spec.workloads,
                spec.plan,
                observer,
            )?,
            None,
        )),
    }
}

/// Measure every (value, workload, strategy) in the same interleaved rounds, so that drift
/// in the machine hits every value alike: one runtime binary per value (exe-size), or one
/// mount namespace per value, prepared once and entered for that value's starts
/// (host-mounts). Concurrency alternates its starter counts in blocks (see
/// [`concurrency`]).
fn run(
    sb: &Sandbox,
    param: Param,
    values: &[(String, f64)],
    strategies: &[&'static dyn SealStrategy],
    workloads: &[&dyn Workload],
    plan: &Plan,
    observer: &dyn benchmark::Observer,
) -> Result<Vec<SweepEntry>> {
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
            memory_limit: None,
            burst_memory: None,
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
