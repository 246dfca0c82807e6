//! `sealbench sweep`: how each strategy's cost grows with one parameter.

mod concurrency;
mod param;

pub use param::Param;

use crate::benchmark::{self, Plan, Unit};
use crate::command::compare::unit_for;
use crate::output::Progress;
use crate::results::Host;
use crate::sandbox::Sandbox;
use crate::stats::{median, median_ci};
use crate::workload::Workload;
use serde::{Deserialize, Serialize};
use strategies::{Result, SealStrategy};

pub const SCHEMA: &str = "sealbench-sweep/1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SweepResults {
    pub schema: String,
    pub param: String,
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
    /// Starts per second over all starters (the concurrency sweep).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throughput: Option<f64>,
}

impl SweepEntry {
    fn of(unit: &Unit, value: &str, value_num: f64, seed: u64) -> SweepEntry {
        let e = crate::results::entry(unit, None);
        let times = e.times.clone();
        SweepEntry {
            strategy: e.strategy,
            workload: e.workload,
            value: value.to_string(),
            value_num,
            status: e.status,
            reason: e.reason,
            median: (!times.is_empty()).then(|| median(&times)),
            ci95_median: (!times.is_empty()).then(|| median_ci(&times, seed ^ value_num.to_bits())),
            times,
            throughput: None,
        }
    }
}

/// Measure every (workload, strategy) at every value, in the order given.
pub fn run(
    sb: &Sandbox,
    param: Param,
    values: &[(String, f64)],
    strategies: &[&dyn SealStrategy],
    workloads: &[&dyn Workload],
    plan: &Plan,
    quiet: bool,
) -> Result<Vec<SweepEntry>> {
    let mut out = Vec::new();
    for (value, num) in values {
        if param == Param::Concurrency {
            out.extend(concurrency::measure(
                sb,
                *num as usize,
                value,
                strategies,
                workloads,
                plan,
            )?);
            continue;
        }
        match param {
            Param::ExeSize => sb.set_exe_size(*num as u64),
            Param::HostMounts => sb.set_extra_mounts(*num as usize)?,
            Param::Concurrency => unreachable!(),
        }
        let mut units = Vec::new();
        for w in workloads {
            for s in strategies {
                units.push(unit_for(sb, *s, *w, &format!("{}-{}", w.name(), s.name())));
            }
        }
        benchmark::run(&mut units, plan, 0, 0, &Progress::new(quiet));
        units.iter_mut().for_each(Unit::finish);
        out.extend(
            units
                .iter()
                .map(|u| SweepEntry::of(u, value, *num, plan.seed)),
        );
    }
    sb.set_extra_mounts(0)?;
    Ok(out)
}
