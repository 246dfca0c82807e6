//! A run: what to measure, in how many rounds and passes, each pass in a fresh worker
//! inside the run's sandbox. The command layer turns arguments into a [`Run`] and a run's
//! [`Results`] into output; everything between is here.

mod again;
mod inject;
mod pass;
mod passes;
mod plan;

pub use inject::Injection;
pub use pass::reproduce;
pub use passes::join_pass;
pub use plan::{rerun_of, PlanSpec};

use crate::error::Result;
use crate::peer::RuntimeSpec;
use crate::results::{Plan, Results};
use crate::sandbox::{in_sandbox, Options};
use crate::workload::Workload;
use std::path::PathBuf;
use std::time::Duration;
use strategies::SealStrategy;

/// Everything one run measures, and how.
pub struct Run {
    pub strategies: Vec<&'static dyn SealStrategy>,
    pub workloads: Vec<&'static dyn Workload>,
    pub runtimes: Vec<RuntimeSpec>,
    pub plan: Plan,
    /// The size every runtime binary of the run is padded to.
    pub exe_size: u64,
    pub bundle: Option<PathBuf>,
    pub allow_hooks: bool,
    pub rootless: bool,
    /// `--run-timeout`.
    pub timeout: Duration,
    /// Calibration delays, busy-waited inside the timed starts of their strategies.
    pub inject: Vec<Injection>,
    /// `--phases`: time each start's phases, and run this strategy once more without them.
    pub phases: Option<&'static dyn SealStrategy>,
    /// Measure side effects (mount events, memory, the seal observed) in the first pass.
    pub side_effects: bool,
    /// Told of passes and starts as they happen (a progress bar).
    pub observer: Box<dyn crate::benchmark::Observer>,
}

impl Run {
    /// A run of `strategies` on `workloads` and `runtimes` with `plan`; the other settings
    /// at their defaults.
    pub fn new(
        strategies: Vec<&'static dyn SealStrategy>,
        workloads: Vec<&'static dyn Workload>,
        runtimes: Vec<RuntimeSpec>,
        plan: Plan,
    ) -> Run {
        Run {
            strategies,
            workloads,
            runtimes,
            plan,
            exe_size: crate::sandbox::DEFAULT_EXE_SIZE,
            bundle: None,
            allow_hooks: false,
            rootless: false,
            timeout: Duration::from_secs(30),
            inject: Vec::new(),
            phases: None,
            side_effects: true,
            observer: Box::new(crate::benchmark::Silent),
        }
    }

    /// The sandbox this run needs.
    pub fn options(&self) -> Options {
        // A whole runtime runs (a peer, or sealbench's own for full-start), or a container
        // workload's memory-charge probe makes cgroups: their cgroups want v1 on a hybrid
        // host, and a janitor if the run is interrupted.
        let runtime_or_container = self
            .workloads
            .iter()
            .any(|w| w.binary() == crate::workload::Binary::Runtime || w.container());
        Options {
            exe_size: self.exe_size,
            bundle: self.bundle.clone(),
            cgroup_v1_only: !self.runtimes.is_empty() || (!self.rootless && runtime_or_container),
            rootless: self.rootless,
            expose: self
                .runtimes
                .iter()
                .filter_map(|r| r.exec_path().map(std::path::Path::to_path_buf))
                .collect(),
            allow_hooks: self.allow_hooks,
        }
    }

    /// One pass, numbered `index`, its rounds numbered from `first_round`, in a fresh
    /// worker: side effects are measured in the first pass only (they do not change
    /// between passes).
    pub fn pass(&self, index: u32, first_round: u32) -> Result<Results> {
        let pass = pass::Pass {
            index,
            first_round,
            side_effects: self.side_effects && index == 0,
        };
        in_sandbox(self.options(), |sb| {
            crate::process::watchdog::start(self.timeout);
            Ok(pass::measure(sb, self, pass))
        })
    }

    /// Every pass of the plan, one after another, joined into one results file.
    pub fn passes(&self) -> Result<Results> {
        let (results, _) =
            self.passes_until(self.plan.passes.max(1), self.plan.passes.max(1), |_, _| {
                true
            })?;
        Ok(results)
    }

    /// `first` passes, then one at a time while `decided(results so far, passes made)` is
    /// false, up to `max`. Returns the joined results and the passes made.
    pub fn passes_until(
        &self,
        first: u32,
        max: u32,
        mut decided: impl FnMut(&Results, u32) -> bool,
    ) -> Result<(Results, u32)> {
        let mut joined: Option<Results> = None;
        let (mut made, mut next_round) = (0u32, 0u32);
        loop {
            let want = if made == 0 { first } else { 1 };
            for _ in 0..want {
                if max > 1 {
                    self.observer.pass(made, max);
                }
                let r = self.pass(made, next_round)?;
                next_round = join_pass(&mut joined, r, made, max > 1);
                made += 1;
            }
            let so_far = joined.as_ref().expect("a pass was made");
            if made >= max || decided(so_far, made) {
                let mut results = joined.expect("a pass was made");
                if let Some(plan) = results.plan.as_mut() {
                    plan.passes = made;
                }
                return Ok((results, made));
            }
        }
    }
}
