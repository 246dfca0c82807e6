use super::{Sample, Unit, UnitState};
use crate::error::{Error, Result};
use std::time::Instant;

/// Why a start gave no sample.
pub enum Missed {
    /// The `--run-timeout` watchdog killed it: counted per row, the row goes on.
    TimedOut(Error),
    /// Anything else: the row fails.
    Failed(Error),
}

impl Missed {
    /// The error alone, for a caller to which every missed start is a failure.
    pub fn into_error(self) -> Error {
        match self {
            Missed::TimedOut(e) | Missed::Failed(e) => e,
        }
    }
}

/// Time one start of `unit`, in its mount namespace if it has one (entered and left outside
/// the timed span).
pub fn time_one(unit: &mut Unit, round: u32) -> std::result::Result<Sample, Missed> {
    let kills = crate::process::watchdog::kills();
    let timed = match unit.ns.clone() {
        Some(ns) => ns.within(|| time_here(unit, round)).and_then(|r| r),
        None => time_here(unit, round),
    };
    timed.map_err(|e| {
        if crate::process::watchdog::kills() > kills {
            Missed::TimedOut(e)
        } else {
            Missed::Failed(e)
        }
    })
}

fn time_here(unit: &mut Unit, round: u32) -> Result<Sample> {
    let UnitState::Ready(contender) = &mut unit.state else {
        unreachable!("only ready units are scheduled");
    };
    // The runtime's own share of the counters (the seal's copy faults here), read outside
    // the timed span.
    let own_before = crate::process::Counters::this_thread();
    let t0 = Instant::now();
    if let Some(d) = unit.inject {
        // A real slowdown for calibrating the gate: spin, so the CPU is busy as a slower
        // seal would keep it, rather than sleep.
        while t0.elapsed() < d {
            std::hint::spin_loop();
        }
    }
    let started = contender.start();
    let wall = t0.elapsed();
    let own_after = crate::process::Counters::this_thread();
    // Also after a failed start (a timed-out runtime, say): what it left is removed before
    // the next start, which may reuse nothing of it but the machine.
    let cleaned = contender.after_start();
    let exit = started?;
    cleaned?;
    if !exit.success() {
        return Err(Error::failure(format!("the start {}", exit.describe())));
    }
    Ok(Sample {
        wall: wall.as_secs_f64(),
        user: exit.user.as_secs_f64(),
        system: exit.system.as_secs_f64(),
        max_rss_kib: exit.max_rss_kib,
        counters: exit.counters.plus_since(own_before, own_after),
        phases: contender.last_phases(),
        round,
    })
}
