use crate::workload::Starter;
use serde::{Deserialize, Serialize};
use strategies::Sealer;

/// One measured start.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Sample {
    /// Seal to reap, in seconds.
    pub wall: f64,
    /// The child's own CPU time from wait4, in seconds.
    pub user: f64,
    pub system: f64,
    pub max_rss_kib: u64,
    /// The interleaved round this start ran in; starts of one round are paired.
    pub round: u32,
}

/// Where a unit stands.
pub enum UnitState {
    Ready {
        sealer: Box<dyn Sealer>,
        starter: Box<dyn Starter>,
    },
    /// The strategy cannot run on this kernel or with these privileges.
    Unsupported(String),
    /// A runtime peer that is not installed or cannot run here.
    Unavailable(String),
    /// It could run, but a start failed.
    Failed(String),
}

/// A (workload, strategy) pair and the samples measured for it.
pub struct Unit {
    pub strategy: String,
    pub workload: String,
    pub state: UnitState,
    pub samples: Vec<Sample>,
    /// Runs asked for, once known (fixed, or estimated from the warmup).
    pub target_runs: u32,
}

impl Unit {
    pub fn new(strategy: &str, workload: &str, state: UnitState) -> Unit {
        Unit {
            strategy: strategy.into(),
            workload: workload.into(),
            state,
            samples: Vec::new(),
            target_runs: 0,
        }
    }

    pub fn is_ready(&self) -> bool {
        matches!(self.state, UnitState::Ready { .. })
    }

    pub fn wants_more(&self) -> bool {
        self.is_ready() && (self.samples.len() as u32) < self.target_runs
    }

    /// Tear the strategy's set-up down, keeping the first error as the unit's failure.
    pub fn finish(&mut self) {
        if let UnitState::Ready { sealer, .. } = &mut self.state {
            if let Err(e) = sealer.teardown() {
                self.state = UnitState::Failed(format!("teardown: {e}"));
            }
        }
    }
}
