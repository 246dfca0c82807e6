use super::{Sample, Unit, UnitState};
use std::time::Instant;
use strategies::Result;

/// Time one start of `unit`: seal, start, reap, and release what the seal made. Closing
/// the sealed object is part of the cost a runtime pays (a memfd freed, a detached mount
/// torn down), so it stays inside the timed span.
pub fn time_one(unit: &mut Unit, round: u32) -> Result<Sample> {
    let UnitState::Ready { sealer, starter } = &mut unit.state else {
        unreachable!("only ready units are scheduled");
    };
    let t0 = Instant::now();
    let exec = sealer.seal()?;
    let exit = starter.run(&exec)?;
    drop(exec);
    let wall = t0.elapsed();
    if !exit.success() {
        return Err(strategies::Error::msg(format!(
            "stage 2 {}",
            exit.describe()
        )));
    }
    Ok(Sample {
        wall: wall.as_secs_f64(),
        user: exit.user.as_secs_f64(),
        system: exit.system.as_secs_f64(),
        max_rss_kib: exit.max_rss_kib,
        round,
    })
}
