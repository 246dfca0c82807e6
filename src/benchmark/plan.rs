//! Making the units of a run.

use super::{SealedStart, Unit, UnitState};
use crate::sandbox::Sandbox;
use crate::workload::Workload;
use strategies::SealStrategy;

/// A unit of `strategy` under `workload`, on a runtime binary of its own named `owner`:
/// ready, or why not.
pub fn unit_for(sb: &Sandbox, s: &dyn SealStrategy, w: &dyn Workload, owner: &str) -> Unit {
    let state = match sb.target_for(owner) {
        Err(e) => UnitState::Failed(format!("set-up: {e}")),
        Ok((_, target)) => match s.probe(&target) {
            Err(why) => UnitState::Unsupported(why.0),
            Ok(()) => match (s.prepare(&target), w.prepare(sb)) {
                (Ok(sealer), Ok(starter)) => {
                    UnitState::Ready(Box::new(SealedStart { sealer, starter }))
                }
                (Err(e), _) | (_, Err(e)) => UnitState::Failed(format!("set-up: {e}")),
            },
        },
    };
    Unit::new(s.name(), w.name(), state)
}

