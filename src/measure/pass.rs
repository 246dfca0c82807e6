//! One pass, inside the run's sandbox: set every unit up, measure them in interleaved
//! rounds, then (in the first pass) their side effects and what they were seen to seal,
//! and tear them down.

use super::Run;
use crate::benchmark::{self, unit_for, units_for, Row, Unit, UnitState};
use crate::results::{Results, SCHEMA};
use crate::sandbox::Sandbox;
use crate::side_effects::{self, MountWatch};

/// Which pass this is and where its rounds start.
pub struct Pass {
    pub index: u32,
    pub first_round: u32,
    /// Measure mount events, memory and the observed seal after the timed rounds.
    pub side_effects: bool,
}

/// The units of a pass: every (workload, strategy), the unphased control of `--phases`,
/// and the runtimes.
fn units(sb: &Sandbox, run: &Run) -> Vec<Unit> {
    let mut units = units_for(sb, &run.strategies, &run.workloads, "");
    for u in units.iter_mut() {
        let name = u.row.strategy().map(|s| s.name());
        u.inject = run
            .inject
            .iter()
            .find(|i| Some(i.strategy.name()) == name)
            .map(|i| i.delay);
    }
    if let Some(reference) = run.phases {
        for u in units.iter_mut() {
            if let UnitState::Ready(c) = &mut u.state {
                c.record_phases();
            }
        }
        for w in &run.workloads {
            let owner = format!("{}-{}-unphased", w.name(), reference.name());
            let mut u = unit_for(sb, reference, *w, &owner);
            u.row = Row::Unphased(reference);
            units.push(u);
        }
    }
    units.extend(run.runtimes.iter().map(|spec| crate::peer::unit(spec, sb)));
    units
}

/// Inside the run's namespace: probe, set up, measure, tear down.
pub fn measure(sb: &Sandbox, run: &Run, pass: Pass) -> Results {
    let mut units = units(sb, run);
    benchmark::run(
        &mut units,
        &run.plan,
        pass.index,
        pass.first_round,
        run.observer.as_ref(),
    );
    let side = pass
        .side_effects
        .then(|| side_effects_of(sb, run, &mut units));
    units.iter_mut().for_each(Unit::finish);
    let (method, charge) = side.unwrap_or_default();
    let mut host = crate::host::describe(sb.exe_size());
    host.memory_charge = charge;
    Results {
        schema: SCHEMA.into(),
        host,
        plan: Some(run.plan.clone()),
        clock_read_ns: run.phases.map(|_| clock_read_ns()),
        command: Some(reproduce(run.plan.seed)),
        results: units
            .iter()
            .map(|u| benchmark::entry(u, method.as_deref()))
            .collect(),
    }
}

/// Mount events, memory per live container, the memory a container's start is charged,
/// and what a live start seals, for every ready unit, after the timed rounds. Returns how
/// mount events were watched and how the charge was read.
fn side_effects_of(
    sb: &Sandbox,
    run: &Run,
    units: &mut [Unit],
) -> (Option<String>, Option<String>) {
    let mut watch = MountWatch::new();
    let containers = run.workloads.iter().any(|w| w.container());
    // The run's container-id prefix names the probe's cgroups, for the janitor.
    let charge =
        containers.then(|| side_effects::ChargeProbe::new(&crate::sandbox::janitor::own_prefix()));
    let mut charge_failed = None;
    for unit in units.iter_mut() {
        let container = run
            .workloads
            .iter()
            .any(|w| w.name() == unit.workload && w.container());
        let UnitState::Ready(contender) = &mut unit.state else {
            continue;
        };
        if let Some(w) = watch.as_mut() {
            unit.mount_events = side_effects::events_per_start(contender.as_mut(), w).ok();
        }
        unit.observed = contender.observe();
        unit.memory_per_live = side_effects::per_live(contender.as_mut(), sb.exe_size())
            .ok()
            .flatten();
        // A peer moves its container into cgroups of its own: only strategies' starts run
        // whole in the probe's cgroup.
        if let (Some(Ok(probe)), true, false) = (&charge, container, unit.row.is_runtime()) {
            let before = contender.background();
            let charged = probe.per_start(contender.as_mut());
            unit.memory_charge_starts =
                before
                    .zip(contender.background())
                    .map(|(b, a)| crate::results::Served {
                        served: a.served - b.served,
                        inline: a.inline - b.inline,
                    });
            match charged {
                Ok(bytes) => unit.memory_charge = Some(bytes),
                Err(e) => {
                    charge_failed.get_or_insert(format!("{}: {e}", unit.name()));
                }
            }
        }
    }
    let method = watch.as_ref().map(MountWatch::method).map(String::from);
    let charge = charge.map(|c| match (c, charge_failed) {
        (Ok(probe), None) => probe.describe(),
        (Ok(probe), Some(e)) => format!("{}; failed for {e}", probe.describe()),
        (Err(why), _) => format!("unavailable: {why}"),
    });
    (method, charge)
}

/// The median cost of one `Instant::now()` (the vDSO clock), over 100 batches of 100.
fn clock_read_ns() -> f64 {
    let per: Vec<f64> = (0..100)
        .map(|_| {
            let t = std::time::Instant::now();
            for _ in 0..100 {
                std::hint::black_box(std::time::Instant::now());
            }
            t.elapsed().as_nanos() as f64 / 100.0
        })
        .collect();
    crate::stats::median(&per)
}

/// This process's command line, shell-quoted, with `--seed` added when it was not given.
pub fn reproduce(seed: u64) -> String {
    let mut args: Vec<String> = std::env::args().collect();
    if let Some(first) = args.first_mut() {
        *first = "sealbench".into();
    }
    if !args
        .iter()
        .any(|a| a == "--seed" || a.starts_with("--seed="))
    {
        args.extend(["--seed".into(), seed.to_string()]);
    }
    shell_words::join(args)
}
