use serde::{Deserialize, Serialize};

/// How many measured rounds a pass has. Every unit runs in every round.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum RunCount {
    Fixed(u32),
    /// As hyperfine: as many rounds as fit in `seconds` per unit (so `seconds` × units in
    /// all), estimated from the warmup rounds, within bounds.
    Budget {
        min: u32,
        max: u32,
        seconds: f64,
    },
}

/// The measurement plan of a run, recorded in its results so a report can say how the
/// numbers were taken.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Plan {
    /// Interleaved rounds of unmeasured starts before measuring.
    pub warmup: u32,
    pub runs: RunCount,
    /// Starts of one unit in a row within a round.
    pub block: u32,
    pub seed: u64,
    /// Independent passes (`compare --repeat`), each in a fresh worker with its own seed.
    #[serde(default = "one")]
    pub passes: u32,
}

fn one() -> u32 {
    1
}

impl Plan {
    /// The seed of pass `p`: the run's seed for the first, so a one-pass run is as before.
    pub fn pass_seed(&self, p: u32) -> u64 {
        self.seed
            .wrapping_add(u64::from(p).wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }
}
