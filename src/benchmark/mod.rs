//! Measuring starts: one [`Unit`] per (workload, strategy), run in interleaved rounds.

mod contender;
mod executor;
mod scheduler;
mod unit;

pub use contender::{Contender, SealedStart};
pub use scheduler::{run, Plan, RunCount};
pub use unit::{Sample, Unit, UnitState};
