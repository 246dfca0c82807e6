use crate::benchmark::{Plan, RunCount};
use crate::cli::GateArgs;
use crate::error::{AppError, AppResult};
use crate::export::parse_results;
use crate::gate::{self, Outcome};
use crate::output::duration;
use crate::results::Results;
use crate::sandbox::{in_sandbox, Options};
use crate::selection;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};

/// `sealbench gate`: exit 0 when no strategy regressed against the baseline, 1 when one
/// did, 2 on bad input.
pub fn run(args: &GateArgs) -> AppResult<i32> {
    let threshold = parse_threshold(&args.max_regression).map_err(AppError::usage)?;
    let mut baseline = parse_results(&args.baseline)?;
    let mut current = match &args.current {
        Some(path) => parse_results(path)?,
        None => rerun(&baseline, args.quiet)?,
    };
    crate::stats::analyze(&mut baseline, &args.reference);
    crate::stats::analyze(&mut current, &args.reference);
    let verdicts = gate::judge(&baseline, &current, &args.reference, threshold);
    let compared = verdicts
        .iter()
        .filter(|v| v.outcome != Outcome::Skipped)
        .count();
    if compared == 0 {
        return Err(AppError::usage(format!(
            "no strategy has a ratio to {} in both files: nothing to gate (common strategies and the reference must be ok in both)",
            args.reference
        )));
    }
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    table.set_header([
        "workload",
        "strategy",
        "baseline ratio",
        "current ratio (95% CI)",
        "medians (info)",
        "verdict",
        "cause",
    ]);
    for v in &verdicts {
        let num = |x: Option<f64>| x.map(|x| format!("{x:.3}")).unwrap_or_else(|| "-".into());
        let current = match (v.current_ratio, v.current_ci95) {
            (Some(r), Some([lo, hi])) => format!("{r:.3} ({lo:.3}–{hi:.3})"),
            _ => "-".into(),
        };
        let medians = match (v.baseline_median, v.current_median) {
            (Some(b), Some(c)) => format!("{} → {}", duration(b), duration(c)),
            _ => "-".into(),
        };
        let verdict = serde_json::to_value(v.outcome)
            .ok()
            .and_then(|x| x.as_str().map(String::from))
            .unwrap_or_default();
        table.add_row([
            v.workload.clone(),
            v.strategy.clone(),
            num(v.baseline_ratio),
            current,
            medians,
            verdict,
            v.cause.clone(),
        ]);
    }
    println!("{table}");
    println!(
        "Gate: ratios to {} must not rise by more than {:.0}% with the whole 95% CI above that limit.",
        args.reference,
        threshold * 100.0
    );
    let regressed: Vec<String> = verdicts
        .iter()
        .filter(|v| v.outcome == Outcome::Regressed)
        .map(|v| format!("{}/{}", v.workload, v.strategy))
        .collect();
    if regressed.is_empty() {
        println!("PASS: {compared} strategies within the limit");
        Ok(0)
    } else {
        Err(AppError::failure(format!(
            "regression in {}",
            regressed.join(", ")
        )))
    }
}

/// `10%` or `0.1`: a fraction of the baseline ratio, below 1.
fn parse_threshold(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let (num, percent) = match t.strip_suffix('%') {
        Some(n) => (n, true),
        None => (t, false),
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("--max-regression {s:?} is not a percentage like 10%"))?;
    let v = if percent { v / 100.0 } else { v };
    if v.is_finite() && v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err(format!("--max-regression {s:?} is out of range"))
    }
}

/// Run now with the baseline's settings: its strategies, workloads, exe size and plan.
fn rerun(baseline: &Results, quiet: bool) -> AppResult<Results> {
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
        return Err(AppError::usage(
            "the baseline has no strategy this sealbench knows",
        ));
    }
    let base_plan = baseline.plan.clone().unwrap_or(Plan {
        warmup: 5,
        runs: RunCount::Fixed(100),
        block: 1,
        seed: 0,
    });
    let plan = Plan {
        seed: rand::random(),
        ..base_plan
    };
    eprintln!(
        "sealbench: running now with the baseline's settings, seed {}",
        plan.seed
    );
    let options = Options {
        exe_size: baseline.host.exe_size_bytes,
        ..Options::default()
    };
    Ok(in_sandbox(options, |sb| {
        crate::process::watchdog::start(std::time::Duration::from_secs(30));
        Ok(super::compare::measure(
            sb,
            &strategies,
            &workloads,
            &[],
            &plan,
            quiet,
        ))
    })?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn thresholds() {
        assert_eq!(super::parse_threshold("10%"), Ok(0.10));
        assert_eq!(super::parse_threshold("0.25"), Ok(0.25));
        assert!(
            super::parse_threshold("25").is_err(),
            "25 without % is neither 25% nor 2500%"
        );
        assert!(super::parse_threshold("150%").is_err());
        assert!(super::parse_threshold("-5%").is_err());
        assert!(super::parse_threshold("lots").is_err());
    }
}
