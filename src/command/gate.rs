use crate::cli::GateArgs;
use crate::error::{Error, Result};
use crate::export::parse_results;
use crate::gate::{self, At, Design, Margins, Outcome, Sequence, Settings, Verdict};
use crate::measure::{Injection, PlanSpec, Run};
use crate::results::Results;

/// Passes a baseline must hold: fewer say too little about run-to-run spread.
pub const MIN_BASELINE_PASSES: usize = 5;

/// `sealbench gate`: exit 0 when every strategy passed, 1 when one regressed, 4 when one
/// stayed inconclusive, 2 on bad input.
pub fn run(args: &GateArgs) -> Result<i32> {
    let began = std::time::Instant::now();
    let margins = Margins::new(&args.max_regression);
    if args.max_passes < args.passes {
        return Err(Error::usage(format!(
            "--max-passes {} is below --passes {}",
            args.max_passes, args.passes
        )));
    }
    for path in [&args.export_current, &args.export_json]
        .into_iter()
        .flatten()
    {
        crate::export::check_writable(path)?;
    }
    let verdicts = match &args.baseline {
        None => ab(args, &margins)?,
        Some(base) => against_baseline(base, args, &margins)?,
    };
    let compared = verdicts
        .iter()
        .filter(|v| v.outcome != Outcome::Skipped)
        .count();
    if compared == 0 {
        return Err(Error::usage(format!(
            "no strategy has a ratio to {} in both runs: nothing to gate (common strategies and the reference must be ok in both)",
            args.reference
        )));
    }
    crate::output::emit::out(&crate::output::gate::report(&verdicts, &args.reference))?;
    if let Some(path) = &args.export_json {
        let doc = serde_json::json!({
            "schema": "sealbench-gate/1",
            "reference": args.reference,
            "seconds": began.elapsed().as_secs_f64(),
            "verdicts": verdicts,
        });
        let mut bytes = serde_json::to_vec_pretty(&doc).expect("verdicts serialize");
        bytes.push(b'\n');
        crate::export::write_atomic(path, &bytes)?;
    }
    crate::output::gate::outcome(&verdicts, compared)
}

/// The design of a gate of `rows` rows: looks after `--passes` passes and after each
/// further one up to `--max-passes`, the error spent over all of them.
fn design(args: &GateArgs, rows: usize) -> Design {
    Design::new(
        args.passes as usize,
        args.max_passes as usize,
        gate::ALPHA / rows.max(1) as f64,
        gate::DEFAULT_SPENDING,
    )
}

/// Make passes of `run` and judge after each look, until every row is decided or the last
/// look; each row keeps its first decision.
fn sequential(
    args: &GateArgs,
    run: &Run,
    rows: usize,
    judge: impl Fn(&Results, At) -> Vec<Verdict>,
) -> Result<Vec<Verdict>> {
    let design = design(args, rows);
    let mut sequence = Sequence::default();
    let (current, _) = run.passes_until(args.passes, args.max_passes, |so_far, made| {
        let analyzed = crate::results::analyze(so_far.clone(), &args.reference);
        let look = made.saturating_sub(args.passes) as usize;
        let at = At {
            design: &design,
            look,
            baseline_runs: 1,
        };
        sequence.update(judge(&analyzed, at))
    })?;
    if let Some(path) = &args.export_current {
        use crate::export::Exporter;
        let analyzed = crate::results::analyze(current, &args.reference);
        crate::export::write_atomic(path, &crate::export::JsonExporter.serialize(&analyzed))?;
    }
    Ok(sequence.into_verdicts())
}

/// Judge against a stored baseline: a `--current` file, or passes made now with the
/// baseline's settings.
fn against_baseline(
    path: &std::path::Path,
    args: &GateArgs,
    margins: &Margins,
) -> Result<Vec<Verdict>> {
    // Both files are read (and checked) before either is judged short of passes.
    let baseline = parse_results(path)?;
    let current = args
        .current
        .as_ref()
        .map(|c| parse_results(c).map(|r| (c, r)))
        .transpose()?;
    // Runs of other settings differ by their settings: refused before any judging or pass.
    let now = match &current {
        Some((c, r)) => (Settings::of(r), c.display().to_string()),
        None => {
            let here = crate::host::describe(baseline.host.exe_size_bytes);
            (Settings::rerun(&baseline, &here), "a run made here".into())
        }
    };
    now.0
        .check(
            &Settings::of(&baseline),
            &now.1,
            &path.display().to_string(),
        )
        .map_err(Error::usage)?;
    let baseline = crate::results::analyze(baseline, &args.reference);
    let k = gate::passes_in(&baseline);
    if k < MIN_BASELINE_PASSES {
        return Err(Error::usage(format!(
            "{} holds {k} pass(es); a baseline needs at least {MIN_BASELINE_PASSES} \
             (make one with `compare --repeat {MIN_BASELINE_PASSES} --export-json FILE`)",
            path.display()
        )));
    }
    let gated = |e: &&crate::results::Entry| e.is_ok() && e.strategy != args.reference;
    let rows = baseline.results.iter().filter(gated).count();
    let judge =
        |current: &Results, at: At| gate::judge(&baseline, current, &args.reference, margins, at);
    match current {
        Some((path, current)) => {
            let current = crate::results::analyze(current, &args.reference);
            let passes = gate::passes_in(&current);
            if passes < 2 {
                return Err(Error::usage(format!(
                    "{} holds one pass; the gate needs at least 2 (compare --repeat 3)",
                    path.display()
                )));
            }
            // A file is one look, at the bar of a design of that one look.
            let alpha = gate::ALPHA / rows.max(1) as f64;
            let design = Design::with_schedule(vec![passes], alpha, gate::DEFAULT_SPENDING);
            let at = At {
                design: &design,
                look: 0,
                baseline_runs: 1,
            };
            Ok(judge(&current, at))
        }
        None => {
            super::require_root("gate (running now)")?;
            let mut run = Run::again(&baseline, args.passes)?;
            run.inject = Injection::parse_all(&args.inject_delay, &run.strategies)?;
            run.observer = Box::new(crate::output::Progress::new(args.quiet));
            crate::output::emit::err(&format!(
                "sealbench: running now with the baseline's settings, seed {}",
                run.plan.seed
            ));
            sequential(args, &run, rows, judge)
        }
    }
}

/// The A/B gate: two or more runtime builds, interleaved in the same rounds on
/// container-start, each against `--reference`. Drift cancels within a round, so this is
/// the sharp gate that a stored baseline cannot be.
fn ab(args: &GateArgs, margins: &Margins) -> Result<Vec<Verdict>> {
    super::require_root("gate (A/B)")?;
    let runtimes = crate::peer::resolve(&[], &args.runtime, &args.runtime_arg)?;
    if runtimes.len() < 2 || !runtimes.iter().any(|r| r.name == args.reference) {
        return Err(Error::usage(format!(
            "an A/B gate needs two or more --runtime NAME=PATH, one of them the --reference (now {:?})",
            args.reference
        )));
    }
    let rows = runtimes.len() - 1;
    let plan = PlanSpec::fixed(args.runs, 2, args.passes, None).build()?;
    crate::output::emit::err(&format!("sealbench: A/B gate, seed {}", plan.seed));
    let workloads = crate::selection::workloads(crate::peer::WORKLOAD)?;
    let mut run = Run::new(Vec::new(), workloads, runtimes, plan);
    run.side_effects = false;
    run.observer = Box::new(crate::output::Progress::new(args.quiet));
    sequential(args, &run, rows, |current, at| {
        gate::judge_ab(current, &args.reference, margins, at)
    })
}
