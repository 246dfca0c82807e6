use crate::cli::{CompareArgs, RunArgs};
use crate::error::{Error, Result};
use crate::measure::{Injection, PlanSpec, Run};
use crate::results::{Results, Status};

/// `sealbench compare`: measure every selected (workload, strategy) in one interleaved run.
pub fn run(args: &CompareArgs) -> Result<i32> {
    let (strategies, workloads) = (args.strategies.0.clone(), args.workload.0.clone());
    let known = args.runtimes.as_ref().map_or(&[][..], |l| &l.0[..]);
    let runtimes = crate::peer::resolve(known, &args.runtime, &args.runtime_arg)?;
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
    let names: Vec<&str> = strategies
        .iter()
        .map(|s| s.name())
        .chain(runtimes.iter().map(|r| r.name.as_str()))
        .collect();
    let (reference, chosen) = reference(args.reference.as_deref(), &names)?;
    super::render::check_outputs(&args.export.spec(), &[])?;
    crate::sandbox::budget::check_exe_size(args.run.exe_size, strategies.len() * workloads.len())?;
    super::require_root_unless_rootless("compare", args.rootless, &strategies)?;
    if chosen {
        crate::output::emit::err(&format!(
            "sealbench: ratios are over {reference}'s median ({} is not in this run; --reference chooses)",
            strategies::DEFAULT_REFERENCE
        ));
    }
    let mut run = Run::new(strategies, workloads, runtimes, plan(&args.run).build()?);
    run.exe_size = args.run.exe_size;
    run.bundle = args.bundle.clone();
    run.allow_hooks = args.allow_hooks;
    run.rootless = args.rootless;
    run.timeout = std::time::Duration::from_secs_f64(args.run.run_timeout);
    run.inject = Injection::parse_all(&args.run.inject_delay, &run.strategies)?;
    run.phases = args
        .run
        .phases
        .then(|| {
            run.strategies
                .iter()
                .copied()
                .find(|s| s.name() == reference)
        })
        .flatten();
    run.observer = Box::new(crate::output::Progress::new(args.run.quiet));
    eprintln!(
        "sealbench: seed {} (repeat with --seed {})",
        run.plan.seed, run.plan.seed
    );
    let results = run.passes()?;
    let results = super::render::render(
        results,
        &reference,
        &args.export.spec(),
        &args.display.display(),
    )?;
    outcome(&results)
}

/// The reference of the run: the one asked for, which must be one of the run's rows; else
/// the default strategy if it is in the run, else the first row (and `true`: to be said).
fn reference(asked: Option<&str>, names: &[&str]) -> Result<(String, bool)> {
    match asked {
        Some(r) if names.contains(&r) => Ok((r.to_string(), false)),
        Some(r) => Err(Error::usage(format!(
            "--reference {r:?} is not a strategy or runtime of this run (it has: {})",
            names.join(", ")
        ))),
        None if names.contains(&strategies::DEFAULT_REFERENCE) => {
            Ok((strategies::DEFAULT_REFERENCE.to_string(), false))
        }
        None => Ok((names[0].to_string(), true)),
    }
}

/// What the command line asks of the plan.
pub fn plan(run: &RunArgs) -> PlanSpec {
    PlanSpec {
        runs: run.runs,
        min_runs: run.min_runs,
        max_runs: run.max_runs,
        time_budget: run.time_budget,
        warmup: run.warmup,
        block: run.block,
        seed: run.seed,
        passes: run.repeat,
    }
}

/// Exit 0 when every row that should run did; 1 naming the failed rows, or naming why
/// when nothing ran at all.
fn outcome(results: &Results) -> Result<i32> {
    let rows = &results.results;
    if !rows.iter().any(|e| e.status == Status::Ok) {
        let why: Vec<String> = rows
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
        return Err(Error::failure(format!("nothing ran: {}", why.join("; "))));
    }
    let failed: Vec<String> = rows
        .iter()
        .filter(|e| e.status == Status::Failed)
        .map(|e| format!("{}/{}", e.workload, e.strategy))
        .collect();
    if failed.is_empty() {
        Ok(0)
    } else {
        Err(Error::failure(format!("failed: {}", failed.join(", "))))
    }
}
