//! Measuring starts: one [`Unit`] per (workload, strategy), run in interleaved rounds.

mod contender;
mod executor;
mod plan;
mod record;
mod scheduler;
mod unit;

pub use contender::{Contender, Phases, SealedStart};
pub use executor::{time_one, Missed};
pub use plan::{unit_for, units_for};
pub use record::entry;
pub use scheduler::{run, Observer, Plan, RunCount, Silent};
pub use unit::{Row, Sample, Unit, UnitState};
