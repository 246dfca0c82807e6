use crate::benchmark::{self, Plan, RunCount, SealedStart, Unit, UnitState};
use crate::cli::{CompareArgs, RunArgs};
use crate::error::{AppError, AppResult};
use crate::output::Progress;
use crate::results::{self, Results, Status, SCHEMA};
use crate::sandbox::{in_sandbox, Options, Sandbox};
use crate::selection;
use crate::side_effects::{self, MountWatch};
use crate::workload::Workload;
use strategies::SealStrategy;

/// `sealbench compare`: measure every selected (workload, strategy) in one interleaved run.
pub fn run(args: &CompareArgs) -> AppResult<i32> {
    let strategies = selection::strategies(&args.strategies)?;
    let workloads = selection::workloads(&args.workload)?;
    if strategies::by_name(&args.reference).is_none() {
        selection::strategies(&args.reference)?;
    }
    let runtimes = peers(args.runtimes.as_deref())?;
    if args.rootless && !runtimes.is_empty() {
        return Err(AppError::usage(
            "--runtimes is not run with --rootless: the peers need real root for their cgroups",
        ));
    }
    if !runtimes.is_empty() && !workloads.iter().any(|w| w.name() == crate::peer::WORKLOAD) {
        return Err(AppError::usage(format!(
            "--runtimes runs peers on the {} workload: add --workload {0}",
            crate::peer::WORKLOAD
        )));
    }
    super::render::check_outputs(&args.export, &[])?;
    crate::sandbox::budget::check_exe_size(args.run.exe_size, strategies.len() * workloads.len())?;
    super::require_root_unless_rootless("compare", args.rootless, &strategies)?;
    let plan = plan(&args.run);
    eprintln!(
        "sealbench: seed {} (repeat with --seed {})",
        plan.seed, plan.seed
    );
    let quiet = args.run.quiet;
    let options = Options {
        exe_size: args.run.exe_size,
        bundle: args.bundle.clone(),
        cgroup_v1_only: !runtimes.is_empty(),
        rootless: args.rootless,
    };
    let timeout = std::time::Duration::from_secs_f64(args.run.run_timeout);
    let results = in_sandbox(options, |sb| {
        crate::process::watchdog::start(timeout);
        Ok(measure(
            sb,
            &strategies,
            &workloads,
            &runtimes,
            &plan,
            quiet,
        ))
    })?;
    let results = super::render::render(results, &args.reference, &args.export)?;
    let failed: Vec<_> = results
        .results
        .iter()
        .filter(|e| e.status == Status::Failed)
        .collect();
    if failed.is_empty() {
        Ok(0)
    } else {
        let names: Vec<_> = failed
            .iter()
            .map(|e| format!("{}/{}", e.workload, e.strategy))
            .collect();
        Err(AppError::failure(format!("failed: {}", names.join(", "))))
    }
}

pub fn plan(run: &RunArgs) -> Plan {
    let runs = match run.runs {
        Some(n) => RunCount::Fixed(n),
        None => RunCount::Budget {
            min: run.min_runs,
            max: run.max_runs.unwrap_or(u32::MAX).max(run.min_runs),
            seconds: run.time_budget,
        },
    };
    Plan {
        warmup: run.warmup,
        runs,
        block: run.block,
        seed: run.seed.unwrap_or_else(rand::random),
    }
}

/// Inside the run's namespace: probe, set up, measure, tear down.
pub fn measure(
    sb: &Sandbox,
    strategies: &[&dyn SealStrategy],
    workloads: &[&dyn Workload],
    runtimes: &[&str],
    plan: &Plan,
    quiet: bool,
) -> Results {
    let mut units = Vec::new();
    for w in workloads {
        for s in strategies {
            units.push(unit_for(sb, *s, *w, &format!("{}-{}", w.name(), s.name())));
        }
    }
    units.extend(runtimes.iter().map(|name| crate::peer::unit(name, sb)));
    benchmark::run(&mut units, plan, &Progress::new(quiet));
    let mut watch = MountWatch::new();
    for unit in units.iter_mut() {
        if let UnitState::Ready(contender) = &mut unit.state {
            if let Some(w) = watch.as_mut() {
                unit.mount_events = side_effects::events_per_start(contender.as_mut(), w).ok();
            }
            unit.memory_per_live = side_effects::per_live(contender.as_mut(), sb.exe_size())
                .ok()
                .flatten();
        }
    }
    units.iter_mut().for_each(Unit::finish);
    let method = watch.as_ref().map(MountWatch::method);
    Results {
        schema: SCHEMA.into(),
        host: crate::host::describe(sb.exe_size()),
        plan: Some(plan.clone()),
        results: units.iter().map(|u| results::entry(u, method)).collect(),
    }
}

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

/// `--runtimes runc,crun`: names sealbench knows how to drive.
fn peers(spec: Option<&str>) -> AppResult<Vec<&'static str>> {
    let Some(spec) = spec else {
        return Ok(Vec::new());
    };
    spec.split(',')
        .map(str::trim)
        .map(|name| {
            crate::peer::KNOWN
                .iter()
                .copied()
                .find(|k| *k == name)
                .ok_or_else(|| {
                    AppError::usage(format!(
                        "unknown runtime {name:?} (valid: {})",
                        crate::peer::KNOWN.join(", ")
                    ))
                })
        })
        .collect()
}
