//! Turning `--strategies` and `--workload` into registry entries.

use crate::error::{Error, Result};
use crate::workload::{self, Workload};
use std::fmt;
use strategies::SealStrategy;

/// `all`, or names separated by commas, each known to the registry.
fn select<T: ?Sized>(
    spec: &str,
    all: Vec<&'static T>,
    name: impl Fn(&T) -> &'static str,
    kind: &str,
) -> std::result::Result<Vec<&'static T>, String> {
    match spec.trim() {
        "all" => return Ok(all),
        "none" | "" => return Ok(Vec::new()),
        _ => {}
    }
    let mut chosen = Vec::new();
    for wanted in spec.split(',').map(str::trim) {
        match all.iter().find(|s| name(s) == wanted) {
            Some(s) if !chosen.iter().any(|c: &&T| name(c) == wanted) => chosen.push(*s),
            Some(_) => {}
            None => {
                let valid: Vec<_> = all.iter().map(|s| name(s)).collect();
                return Err(format!(
                    "unknown {kind} {wanted:?} (valid: all, {})",
                    valid.join(", ")
                ));
            }
        }
    }
    Ok(chosen)
}

pub fn strategies(spec: &str) -> Result<Vec<&'static dyn SealStrategy>> {
    spec.parse::<StrategyList>()
        .map(|l| l.0)
        .map_err(Error::usage)
}

pub fn workloads(spec: &str) -> Result<Vec<&'static dyn Workload>> {
    spec.parse::<WorkloadList>()
        .map(|l| l.0)
        .map_err(Error::usage)
}

/// `--strategies`, resolved while the command line is parsed: a name the registry lacks
/// is then clap's usage error, like any other bad value.
#[derive(Clone)]
pub struct StrategyList(pub Vec<&'static dyn SealStrategy>);

/// `--workload`, resolved while the command line is parsed.
#[derive(Clone)]
pub struct WorkloadList(pub Vec<&'static dyn Workload>);

impl std::str::FromStr for StrategyList {
    type Err = String;

    fn from_str(spec: &str) -> std::result::Result<Self, String> {
        select(spec, strategies::registry(), |s| s.name(), "strategy").map(StrategyList)
    }
}

impl std::str::FromStr for WorkloadList {
    type Err = String;

    fn from_str(spec: &str) -> std::result::Result<Self, String> {
        select(spec, workload::registry(), |w| w.name(), "workload").map(WorkloadList)
    }
}

impl fmt::Debug for StrategyList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|s| s.name()))
            .finish()
    }
}

impl fmt::Debug for WorkloadList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|w| w.name()))
            .finish()
    }
}
