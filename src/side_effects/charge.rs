//! Memory a start charges to the container's memory cgroup. A runtime that seals itself
//! after its start has joined the container's cgroup (runc 1.1's `runc init` copied
//! itself there) makes the container pay for the copy: a container with a small memory
//! limit pays for the runtime's binary. To see what each strategy would put there, a
//! whole start (seal, spawn, run, reap, teardown) runs with the worker inside a fresh
//! memory cgroup of its own, and the cgroup's peak charge is read from its own counter.
//! The kernel charges in batches of up to 64 pages per CPU, so the figure's resolution is
//! a few hundred KiB: enough to tell a 12 MiB copy from none.

use super::memcg::Hierarchy;
use crate::benchmark::Contender;
use crate::error::{Error, Result};
use std::cell::Cell;

/// Starts measured per row, each in a cgroup of its own; the row keeps their median.
pub const PROBES: usize = 5;

/// Where this process's memory is charged, and how that cgroup reports its peak.
pub struct ChargeProbe {
    /// Where the probes' cgroups are made; its peak file is `memory.max_usage_in_bytes`
    /// (cgroup v1) or `memory.peak` (v2).
    memory: Hierarchy,
    /// The run's container-id prefix, so that the janitor removes a probe's cgroup left
    /// by an interrupted run.
    prefix: String,
    made: Cell<u32>,
    /// The worker could not move back home once: every later charge would land in a probe,
    /// so no further probe is made.
    stranded: Cell<bool>,
}

impl ChargeProbe {
    /// The probe for this process, or why the charge cannot be measured here.
    pub fn new(prefix: &str) -> Result<ChargeProbe> {
        Ok(ChargeProbe {
            memory: Hierarchy::find()?,
            prefix: prefix.to_string(),
            made: Cell::new(0),
            stranded: Cell::new(false),
        })
    }

    /// What the probe reads, for the results' host description.
    pub fn describe(&self) -> String {
        format!(
            "{} of a fresh child of {}",
            self.memory.version.peak_file(),
            self.memory.home.display()
        )
    }

    /// The median over [`PROBES`] starts of the peak charge of one start.
    pub fn per_start(&self, contender: &mut dyn Contender) -> Result<u64> {
        let mut peaks = (0..PROBES)
            .map(|_| self.one(contender))
            .collect::<Result<Vec<u64>>>()?;
        peaks.sort_unstable();
        Ok(peaks[PROBES / 2])
    }

    fn one(&self, contender: &mut dyn Contender) -> Result<u64> {
        if self.stranded.get() {
            return Err(Error::failure(
                "an earlier probe could not move the worker back to its own cgroup",
            ));
        }
        let n = self.made.get();
        self.made.set(n + 1);
        // mkdir fails on an existing directory: the cgroup is always a fresh one.
        let cgroup = self.memory.make(&format!("{}charge-{n}", self.prefix))?;
        let joined = cgroup.enter(&self.memory.own)?;
        let exit = contender.start();
        let left = joined.leave();
        self.stranded.set(left.is_err());
        // Outside the probe: clean-up between starts is not part of a start's cost.
        let after = contender.after_start();
        let peak = left.and_then(|()| cgroup.peak());
        let removed = cgroup.remove();
        // The start's own failure (a timeout, say) says more than what it left behind.
        let exit = exit?;
        after?;
        let peak = peak?;
        removed?;
        if !exit.success() {
            return Err(Error::failure(format!("the start {}", exit.describe())));
        }
        Ok(peak)
    }
}
