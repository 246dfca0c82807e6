//! Making the units of a run.

use super::{Row, SealedStart, Unit, UnitState};
use crate::error::Error;
use crate::sandbox::Sandbox;
use crate::workload::Workload;
use strategies::SealStrategy;

/// A unit of every strategy under every workload, workload by workload in the order given
/// (the order reports list them), each on a runtime binary of its own named
/// `<prefix><workload>-<strategy>`.
pub fn units_for(
    sb: &Sandbox,
    strategies: &[&'static dyn SealStrategy],
    workloads: &[&dyn Workload],
    prefix: &str,
) -> Vec<Unit> {
    workloads
        .iter()
        .flat_map(|w| {
            strategies
                .iter()
                .map(move |s| unit_for(sb, *s, *w, &format!("{prefix}{}-{}", w.name(), s.name())))
        })
        .collect()
}

/// A unit of `strategy` under `workload`, on a runtime binary of its own named `owner`:
/// ready, or why not.
pub fn unit_for(sb: &Sandbox, s: &'static dyn SealStrategy, w: &dyn Workload, owner: &str) -> Unit {
    if w.binary() == crate::workload::Binary::Runtime {
        if !crate::sandbox::real_root() {
            return Unit::new(
                Row::Strategy(s),
                w.name(),
                UnitState::Unsupported(
                    "a whole runtime needs real root for its cgroups; not run with --rootless"
                        .into(),
                ),
            );
        }
        if let Err(e) = crate::sandbox::runtime_path() {
            return Unit::new(
                Row::Strategy(s),
                w.name(),
                UnitState::Unavailable(e.to_string()),
            );
        }
    }
    let state = match sb.target_of(owner, w.binary()) {
        Err(e) => UnitState::Failed(format!("set-up: {e}")),
        Ok((_, target)) => match s.probe(&target).and_then(|()| fits(s, w, &target)) {
            Err(why) => UnitState::Unsupported(why.0),
            Ok(()) => match (s.prepare(&target).map_err(Error::from), w.prepare(sb)) {
                (Ok(sealer), Ok(starter)) => UnitState::Ready(Box::new(SealedStart::new(
                    sealer,
                    starter,
                    target.exe_path(),
                ))),
                (Err(e), _) | (_, Err(e)) => UnitState::Failed(format!("set-up: {e}")),
            },
        },
    };
    Unit::new(Row::Strategy(s), w.name(), state)
}

/// A strategy that hands stage 2 hops to exec (runc-dmz's sealed init) has nothing to
/// replace in a runtime that execs the container's process itself.
fn fits(
    s: &dyn SealStrategy,
    w: &dyn Workload,
    target: &strategies::Target,
) -> Result<(), strategies::Unsupported> {
    if w.binary() == crate::workload::Binary::Stage2 {
        return Ok(());
    }
    let mut sealer = s.prepare(target).map_err(strategies::Unsupported::from)?;
    let sealed = sealer.seal().map_err(strategies::Unsupported::from)?;
    let hops = !sealed.hops.is_empty();
    drop(sealed);
    sealer.teardown().map_err(strategies::Unsupported::from)?;
    if hops {
        Err(strategies::Unsupported(format!(
            "{} hands stage 2 a sealed init to exec in place of the container's process; \
             the libcontainer runtime clones its init and execs the process itself",
            s.name()
        )))
    } else {
        Ok(())
    }
}
