use crate::benchmark::{self, unit_for, units_for, Plan, RunCount, Unit, UnitState};
use crate::cli::{CompareArgs, RunArgs};
use crate::error::{Error, Result};
use crate::output::Progress;
use crate::results::{Results, Status, SCHEMA};
use crate::sandbox::{in_sandbox, Options, Sandbox};
use crate::side_effects::{self, MountWatch};
use crate::workload::Workload;
use strategies::SealStrategy;

/// `sealbench compare`: measure every selected (workload, strategy) in one interleaved run.
pub fn run(args: &CompareArgs) -> Result<i32> {
    let (strategies, workloads) = (args.strategies.0.clone(), args.workload.0.clone());
    let known = args.runtimes.as_ref().map_or(&[][..], |l| &l.0[..]);
    let runtimes = crate::peer::resolve(known, &args.runtime, &args.runtime_arg)?;
    if strategies::by_name(&args.reference).is_none()
        && !runtimes.iter().any(|r| r.name == args.reference)
    {
        return Err(Error::usage(format!(
            "--reference {:?} is neither a strategy nor a runtime of this run",
            args.reference
        )));
    }
    if strategies.is_empty() && runtimes.is_empty() {
        return Err(Error::usage(
            "nothing to run: --strategies none and no --runtimes or --runtime",
        ));
    }
    if args.rootless && !runtimes.is_empty() {
        return Err(Error::usage(
            "--runtimes is not run with --rootless: the peers need real root for their cgroups",
        ));
    }
    if !runtimes.is_empty() && !workloads.iter().any(|w| w.name() == crate::peer::WORKLOAD) {
        return Err(Error::usage(format!(
            "--runtimes runs peers on the {} workload: add --workload {0}",
            crate::peer::WORKLOAD
        )));
    }
    super::render::check_outputs(&args.export, &[])?;
    crate::sandbox::budget::check_exe_size(args.run.exe_size, strategies.len() * workloads.len())?;
    super::require_root_unless_rootless("compare", args.rootless, &strategies)?;
    let plan = plan(&args.run)?;
    eprintln!(
        "sealbench: seed {} (repeat with --seed {})",
        plan.seed, plan.seed
    );
    let quiet = args.run.quiet;
    let options = Options {
        exe_size: args.run.exe_size,
        bundle: args.bundle.clone(),
        // A whole runtime runs (a peer, or sealbench's own for full-start): its cgroups
        // want v1 on a hybrid host and a janitor if the run is interrupted.
        // A container workload's memory-charge probe makes cgroups too.
        cgroup_v1_only: !runtimes.is_empty()
            || (!args.rootless
                && workloads
                    .iter()
                    .any(|w| w.binary() == crate::workload::Binary::Runtime || w.container())),
        rootless: args.rootless,
        expose: exposed(&runtimes),
        allow_hooks: args.allow_hooks,
    };
    let timeout = std::time::Duration::from_secs_f64(args.run.run_timeout);
    let inject = injections(&args.run.inject_delay, &strategies)?;
    let results = passes(&plan, |pass, first_round| {
        in_sandbox(options.clone(), |sb| {
            crate::process::watchdog::start(timeout);
            Ok(measure(
                sb,
                &strategies,
                &workloads,
                &runtimes,
                &plan,
                Pass {
                    index: pass,
                    first_round,
                    inject: &inject,
                    side_effects: pass == 0,
                    phases: args.run.phases.then_some(args.reference.as_str()),
                },
                quiet,
            ))
        })
    })?;
    let results = super::render::render(results, &args.reference, &args.export)?;
    let failed: Vec<_> = results
        .results
        .iter()
        .filter(|e| e.status == Status::Failed)
        .collect();
    if !results.results.iter().any(|e| e.status == Status::Ok) {
        let why: Vec<String> = results
            .results
            .iter()
            .map(|e| {
                format!(
                    "{}/{}: {} ({})",
                    e.workload,
                    e.strategy,
                    e.status.word(),
                    e.reason.as_deref().unwrap_or("no reason given")
                )
            })
            .collect();
        return Err(Error::failure(format!(
            "nothing ran: {}",
            why.join("; ")
        )));
    }
    if failed.is_empty() {
        Ok(0)
    } else {
        let names: Vec<_> = failed
            .iter()
            .map(|e| format!("{}/{}", e.workload, e.strategy))
            .collect();
        Err(Error::failure(format!("failed: {}", names.join(", "))))
    }
}

pub fn plan(run: &RunArgs) -> Result<Plan> {
    let runs = match run.runs {
        Some(n) => RunCount::Fixed(n),
        None => {
            let max = run.max_runs.unwrap_or(u32::MAX);
            if max < run.min_runs {
                return Err(Error::usage(format!(
                    "--max-runs {max} is below --min-runs {}",
                    run.min_runs
                )));
            }
            RunCount::Budget {
                min: run.min_runs,
                max,
                seconds: run.time_budget,
            }
        }
    };
    Ok(Plan {
        warmup: run.warmup,
        runs,
        block: run.block,
        seed: run.seed.unwrap_or_else(rand::random),
        passes: run.repeat,
    })
}

/// Which pass of a run this is, where its rounds start, and the calibration delays.
pub struct Pass<'a> {
    pub index: u32,
    pub first_round: u32,
    pub inject: &'a [(String, std::time::Duration)],
    /// Measure mount events and memory per live container after the timed rounds.
    pub side_effects: bool,
    /// `--phases`: time each start's phases, and run the named reference once more
    /// without them (`<reference>-unphased`), so the instrumentation's cost is measured.
    pub phases: Option<&'a str>,
}

/// The row that runs the reference without `--phases`.
pub fn unphased(reference: &str) -> String {
    format!("{reference}-unphased")
}

/// Run the plan's passes one after another, each through `one(pass, first_round)` (a
/// fresh worker each), and join them into one results file.
pub fn passes(plan: &Plan, mut one: impl FnMut(u32, u32) -> Result<Results>) -> Result<Results> {
    let mut joined = None;
    let mut next_round = 0;
    for p in 0..plan.passes.max(1) {
        if plan.passes > 1 {
            eprintln!("sealbench: pass {} of {}", p + 1, plan.passes);
        }
        let r = one(p, next_round)?;
        next_round = add_pass(&mut joined, r, p, plan.passes > 1);
    }
    Ok(joined.expect("at least one pass"))
}

/// Join pass `index` to the passes so far, marking every start with its pass when the run
/// has several, and return the round the next pass starts at: rounds are numbered across
/// passes, so no two passes share one.
pub fn add_pass(joined: &mut Option<Results>, mut r: Results, index: u32, mark: bool) -> u32 {
    if mark {
        for e in r.results.iter_mut() {
            e.passes = vec![index; e.times.len()];
        }
    }
    match joined.as_mut() {
        None => *joined = Some(r),
        Some(j) => j.absorb(r),
    }
    joined
        .as_ref()
        .into_iter()
        .flat_map(|j| j.results.iter())
        .flat_map(|e| e.rounds.iter().copied())
        .max()
        .map_or(0, |m| m + 1)
}

/// `--inject-delay STRATEGY=DURATION`: a calibration aid that slows one strategy for real.
pub fn injections(
    specs: &[String],
    strategies: &[&dyn SealStrategy],
) -> Result<Vec<(String, std::time::Duration)>> {
    specs
        .iter()
        .map(|spec| {
            let (name, d) = spec.split_once('=').ok_or_else(|| {
                Error::usage(format!(
                    "--inject-delay {spec:?}: expected STRATEGY=DURATION"
                ))
            })?;
            if !strategies.iter().any(|s| s.name() == name) {
                return Err(Error::usage(format!(
                    "--inject-delay {spec:?}: {name:?} is not among the selected strategies"
                )));
            }
            let d = humantime::parse_duration(d.trim()).map_err(|e| {
                Error::usage(format!("--inject-delay {spec:?}: {e} (like 60us or 1ms)"))
            })?;
            Ok((name.to_string(), d))
        })
        .collect()
}

/// Inside the run's namespace: probe, set up, measure, tear down.
pub fn measure(
    sb: &Sandbox,
    strategies: &[&dyn SealStrategy],
    workloads: &[&dyn Workload],
    runtimes: &[crate::peer::RuntimeSpec],
    plan: &Plan,
    pass: Pass,
    quiet: bool,
) -> Results {
    let mut units = units_for(sb, strategies, workloads, "");
    for u in units.iter_mut() {
        u.inject = pass
            .inject
            .iter()
            .find(|(n, _)| *n == u.strategy)
            .map(|(_, d)| *d);
    }
    if let Some(reference) = pass.phases {
        for u in units.iter_mut() {
            if let UnitState::Ready(c) = &mut u.state {
                c.record_phases();
            }
        }
        for w in workloads {
            if let Some(s) = strategies.iter().find(|s| s.name() == reference) {
                let mut u = unit_for(sb, *s, *w, &format!("{}-{}-unphased", w.name(), s.name()));
                u.strategy = unphased(reference);
                units.push(u);
            }
        }
    }
    units.extend(runtimes.iter().map(|spec| crate::peer::unit(spec, sb)));
    benchmark::run(
        &mut units,
        plan,
        pass.index,
        pass.first_round,
        &Progress::new(quiet),
    );
    // Side effects do not change between passes: measured once, in the first.
    let mut watch = pass.side_effects.then(MountWatch::new).flatten();
    let containers = pass.side_effects && workloads.iter().any(|w| w.container());
    // The run's container-id prefix names the probe's cgroups, for the janitor.
    let charge =
        containers.then(|| side_effects::ChargeProbe::new(&crate::sandbox::janitor::own_prefix()));
    let mut charge_failed = None;
    for unit in units.iter_mut().filter(|_| pass.side_effects) {
        let container = workloads
            .iter()
            .any(|w| w.name() == unit.workload && w.container());
        if let UnitState::Ready(contender) = &mut unit.state {
            if let Some(w) = watch.as_mut() {
                unit.mount_events = side_effects::events_per_start(contender.as_mut(), w).ok();
            }
            unit.observed = contender.observe();
            unit.memory_per_live = side_effects::per_live(contender.as_mut(), sb.exe_size())
                .ok()
                .flatten();
            // A peer moves its container into cgroups of its own: only strategies' starts
            // run whole in the probe's cgroup.
            if let (Some(Ok(probe)), true, false) = (&charge, container, unit.runtime) {
                match probe.per_start(contender.as_mut()) {
                    Ok(bytes) => unit.memory_charge = Some(bytes),
                    Err(e) => {
                        charge_failed.get_or_insert(format!("{}: {e}", unit.strategy));
                    }
                }
            }
        }
    }
    units.iter_mut().for_each(Unit::finish);
    let method = watch.as_ref().map(MountWatch::method);
    let mut host = crate::host::describe(sb.exe_size());
    host.memory_charge = charge.map(|c| match (c, charge_failed) {
        (Ok(probe), None) => probe.describe(),
        (Ok(probe), Some(e)) => format!("{}; failed for {e}", probe.describe()),
        (Err(why), _) => format!("unavailable: {why}"),
    });
    Results {
        schema: SCHEMA.into(),
        host,
        plan: Some(plan.clone()),
        clock_read_ns: pass.phases.map(|_| clock_read_ns()),
        command: Some(reproduce(plan.seed)),
        results: units
            .iter()
            .map(|u| crate::benchmark::entry(u, method))
            .collect(),
    }
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
fn reproduce(seed: u64) -> String {
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

/// The binaries of runtimes given by path, which must stay at their paths in the run.
pub fn exposed(runtimes: &[crate::peer::RuntimeSpec]) -> Vec<std::path::PathBuf> {
    runtimes
        .iter()
        .filter_map(|r| r.exec_path().map(std::path::Path::to_path_buf))
        .collect()
}
