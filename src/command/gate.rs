use crate::benchmark::{Plan, RunCount};
use crate::cli::GateArgs;
use crate::error::{Error, Result};
use crate::export::parse_results;
use crate::gate::{self, Margins, Outcome, Verdict};
use crate::output::duration;
use crate::results::Results;
use crate::sandbox::{in_sandbox, Options};
use crate::selection;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};

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
    crate::output::emit::out(&format!("{}\n", table(&verdicts)))?;
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
    crate::output::emit::out(&format!(
        "Gate: ratios to {} per pass; change = current over baseline geometric mean, its \
         interval from the spread between passes (Welch t, one-sided {:.1}% per side after \
         splitting 5% over {compared} strategies). regressed: the low end is over the margin; \
         pass: the high end is under it.\n",
        args.reference,
        100.0 * gate::ALPHA / compared as f64
    ))?;
    let names = |o: Outcome| -> Vec<String> {
        verdicts
            .iter()
            .filter(|v| v.outcome == o)
            .map(|v| format!("{}/{}", v.workload, v.strategy))
            .collect()
    };
    let (regressed, unsure) = (names(Outcome::Regressed), names(Outcome::Inconclusive));
    if !regressed.is_empty() {
        Err(Error::failure(format!(
            "regression in {}",
            regressed.join(", ")
        )))
    } else if !unsure.is_empty() {
        Err(Error::Inconclusive(format!(
            "inconclusive: {} (more passes, a quieter machine, or a wider margin would decide)",
            unsure.join(", ")
        )))
    } else {
        crate::output::emit::out(&format!(
            "PASS: {compared} strategies within their margins\n"
        ))?;
        Ok(0)
    }
}

fn table(verdicts: &[Verdict]) -> Table {
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table.set_header([
        "workload",
        "strategy",
        "ratio: baseline → now",
        "change (CI)",
        "margin",
        "passes",
        "medians (info)",
        "verdict",
        "cause",
    ]);
    let num = |x: Option<f64>| x.map(|x| format!("{x:.3}")).unwrap_or_else(|| "-".into());
    for v in verdicts {
        let change = match (v.change, v.change_ci) {
            (Some(c), Some([lo, hi])) => format!(
                "{:+.1}% ({:+.1}%..{:+.1}%)",
                c * 100.0,
                lo * 100.0,
                hi * 100.0
            ),
            _ => "-".into(),
        };
        let medians = match (v.baseline_median, v.current_median) {
            (Some(b), Some(c)) => format!("{} → {}", duration(b), duration(c)),
            _ => "-".into(),
        };
        table.add_row([
            v.workload.clone(),
            v.strategy.clone(),
            format!("{} → {}", num(v.baseline_ratio), num(v.current_ratio)),
            change,
            format!("{:.0}%", v.margin * 100.0),
            format!("{} / {}", v.passes[0], v.passes[1]),
            medians,
            v.outcome.to_string(),
            v.cause.clone(),
        ]);
    }
    table
}

/// Make passes now with the baseline's settings (its strategies, workloads, exe size and
/// plan), judging after `--passes` and then after each further pass while any strategy is
/// inconclusive, up to `--max-passes`.
fn rerun(baseline: &Results, args: &GateArgs, margins: &Margins) -> Result<Vec<Verdict>> {
    super::require_root("gate (running now)")?;
    let mut strategies = Vec::new();
    let mut workloads = Vec::new();
    for e in baseline.results.iter().filter(|e| e.is_ok()) {
        if let Ok(s) = selection::strategies(&e.strategy) {
            if !strategies
                .iter()
                .any(|x: &&dyn strategies::SealStrategy| x.name() == e.strategy)
            {
                strategies.extend(s);
            }
        }
        if !workloads
            .iter()
            .any(|w: &&dyn crate::workload::Workload| w.name() == e.workload)
        {
            workloads.extend(selection::workloads(&e.workload)?);
        }
    }
    if strategies.is_empty() {
        return Err(Error::usage(
            "the baseline has no strategy this sealbench knows",
        ));
    }
    let inject = super::compare::injections(&args.inject_delay, &strategies)?;
    let base_plan = baseline.plan.clone().unwrap_or(Plan {
        warmup: 5,
        runs: RunCount::Fixed(100),
        block: 1,
        seed: 0,
        passes: 1,
    });
    let plan = Plan {
        seed: rand::random(),
        passes: args.passes,
        ..base_plan
    };
    crate::output::emit::err(&format!(
        "sealbench: running now with the baseline's settings, seed {}",
        plan.seed
    ));
    let options = Options {
        exe_size: baseline.host.exe_size_bytes,
        ..Options::default()
    };
    passes_until_decided(
        args,
        &options,
        &plan,
        |sb, pass| {
            super::compare::measure(sb, &strategies, &workloads, &[], &plan, pass, args.quiet)
        },
        &inject,
        |current| gate::judge(baseline, current, &args.reference, margins),
    )
}

/// Judge against a stored baseline: a `--current` file, or passes made now.
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
    let baseline = crate::results::analyze(baseline, &args.reference);
    let k = gate::passes_in(&baseline);
    if k < MIN_BASELINE_PASSES {
        return Err(Error::usage(format!(
            "{} holds {k} pass(es); a baseline needs at least {MIN_BASELINE_PASSES} \
             (make one with `compare --repeat {MIN_BASELINE_PASSES} --export-json FILE`)",
            path.display()
        )));
    }
    match current {
        Some((path, current)) => {
            let current = crate::results::analyze(current, &args.reference);
            if gate::passes_in(&current) < 2 {
                return Err(Error::usage(format!(
                    "{} holds one pass; the gate needs at least 2 (compare --repeat 3)",
                    path.display()
                )));
            }
            Ok(gate::judge(&baseline, &current, &args.reference, margins))
        }
        None => rerun(&baseline, args, margins),
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
    let workloads = selection::workloads(crate::peer::WORKLOAD)?;
    let plan = Plan {
        warmup: 2,
        runs: RunCount::Fixed(args.runs),
        block: 1,
        seed: rand::random(),
        passes: args.passes,
    };
    crate::output::emit::err(&format!("sealbench: A/B gate, seed {}", plan.seed));
    let options = Options {
        exe_size: crate::size::parse_size("12MiB").unwrap_or(12 << 20),
        cgroup_v1_only: true,
        expose: super::compare::exposed(&runtimes),
        ..Options::default()
    };
    passes_until_decided(
        args,
        &options,
        &plan,
        |sb, pass| super::compare::measure(sb, &[], &workloads, &runtimes, &plan, pass, args.quiet),
        &[],
        |current| gate::judge_ab(current, &args.reference, margins),
    )
}

/// Make `--passes` passes, judge, and add one pass at a time while any verdict is
/// inconclusive, up to `--max-passes`.
fn passes_until_decided(
    args: &GateArgs,
    options: &Options,
    plan: &Plan,
    measure: impl Fn(&crate::sandbox::Sandbox, super::compare::Pass) -> Results,
    inject: &[(String, std::time::Duration)],
    judge: impl Fn(&Results) -> Vec<Verdict>,
) -> Result<Vec<Verdict>> {
    let mut current: Option<Results> = None;
    let (mut made, mut next_round) = (0u32, 0u32);
    loop {
        let want = if made == 0 { args.passes } else { 1 };
        for _ in 0..want {
            crate::output::emit::err(&format!("sealbench: gate pass {}", made + 1));
            let pass = super::compare::Pass {
                index: made,
                first_round: next_round,
                inject,
                side_effects: false,
                phases: None,
            };
            let r = in_sandbox(options.clone(), |sb| {
                crate::process::watchdog::start(std::time::Duration::from_secs(30));
                Ok(measure(sb, pass))
            })?;
            next_round = super::compare::add_pass(&mut current, r, made, true);
            made += 1;
        }
        let analyzed =
            crate::results::analyze(current.clone().expect("passes were made"), &args.reference);
        let verdicts = judge(&analyzed);
        let unsure = verdicts
            .iter()
            .filter(|v| v.outcome == Outcome::Inconclusive)
            .count();
        if unsure == 0 || made >= args.max_passes {
            if let Some(path) = &args.export_current {
                let analyzed = analyzed.with_plan(Plan {
                    passes: made,
                    ..plan.clone()
                });
                use crate::export::Exporter;
                crate::export::write_atomic(
                    path,
                    &crate::export::JsonExporter.serialize(&analyzed),
                )?;
            }
            return Ok(verdicts);
        }
        crate::output::emit::err(&format!(
            "sealbench: {unsure} inconclusive after {made} passes: one more"
        ));
    }
}
