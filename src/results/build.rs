use super::{Entry, Status};
use crate::benchmark::{Unit, UnitState};

/// The results row of a measured unit.
pub fn entry(unit: &Unit) -> Entry {
    let mut e = Entry {
        strategy: unit.strategy.clone(),
        workload: unit.workload.clone(),
        ..Entry::default()
    };
    let (status, reason) = match &unit.state {
        UnitState::Ready(_) => (Status::Ok, None),
        UnitState::Unsupported(why) => (Status::Unsupported, Some(why.clone())),
        UnitState::Unavailable(why) => (Status::Unavailable, Some(why.clone())),
        UnitState::Failed(why) => (Status::Failed, Some(why.clone())),
    };
    e.status = status;
    e.reason = reason;
    e.times = unit.samples.iter().map(|s| s.wall).collect();
    e.user_times = unit.samples.iter().map(|s| s.user).collect();
    e.system_times = unit.samples.iter().map(|s| s.system).collect();
    e.rounds = unit.samples.iter().map(|s| s.round).collect();
    e.max_rss_bytes = unit.samples.iter().map(|s| s.max_rss_kib * 1024).max();
    e.version = unit.version.clone();
    e.used = unit.used.map(String::from);
    e
}
