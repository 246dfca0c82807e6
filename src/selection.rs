//! Turning `--strategies` and `--workload` into registry entries.

use crate::error::{Error, Result};
use crate::workload::{self, Workload};
use strategies::SealStrategy;

/// `all`, or names separated by commas, each known to the registry.
fn select<T: ?Sized>(
    spec: &str,
    all: Vec<&'static T>,
    name: impl Fn(&T) -> &'static str,
    kind: &str,
) -> Result<Vec<&'static T>> {
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
                return Err(Error::usage(format!(
                    "unknown {kind} {wanted:?} (valid: all, {})",
                    valid.join(", ")
                )));
            }
        }
    }
    Ok(chosen)
}

pub fn strategies(spec: &str) -> Result<Vec<&'static dyn SealStrategy>> {
    select(spec, strategies::registry(), |s| s.name(), "strategy")
}

pub fn workloads(spec: &str) -> Result<Vec<&'static dyn Workload>> {
    select(spec, workload::registry(), |w| w.name(), "workload")
}
