//! The gate's error rates over all its looks, simulated. A gate makes 3 passes and adds
//! one at a time up to 10 while undecided; each pass's log ratio is the true change plus
//! a pass effect (sd 1.5% for non-copying strategies, 2.5% for copying ones, as the
//! committed baselines show), and a stored baseline of 10 passes and the current run each
//! carry an offset of their own between runs.
//!
//! The rule today (a one-sided 5% interval at every look) is simulated beside the
//! group-sequential rule, under the same model and seeds: at a true change equal to the
//! margin it calls "regressed" well over 5% of the time, which the assertions keep on
//! record; the new rule stays at or below 5% over all looks.

use super::{look_ab, look_against_baseline, welch, BetweenRuns, Decision, Design, Spending};
use crate::stats::{mean_sd, t_quantile, Rate, BETWEEN_RUNS_SD, COPY_BETWEEN_RUNS_SD};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

const FIRST: usize = 3;
const MAX: usize = 10;
const BASELINE_PASSES: usize = 10;
/// Gates per setting: enough for the rates at the margin to sit within ±0.15 percentage
/// point (one sd at 100 000) of the truth where the claim is ≤ 5%; stored-baseline gates,
/// whose every look takes a t quantile, and settings far from 5% take fewer.
const GATES: u64 = 100_000;
const FEW_GATES: u64 = 10_000;
const ALPHA: f64 = 0.05;

#[derive(Clone, Copy)]
struct Setting {
    /// sd of a pass's log ratio around its run's.
    pass_sd: f64,
    margin: f64,
    /// `None`: the A/B gate (both builds in the same rounds, no baseline).
    stored: Option<Stored>,
}

#[derive(Clone, Copy)]
struct Stored {
    /// The true per-run sd of the log ratio between runs.
    between_runs: f64,
    /// What the new rule assumes of it.
    prior: BetweenRuns,
}

enum Rule<'a> {
    /// Today's: a one-sided 5% t interval at every look.
    EveryLookAtFivePercent,
    GroupSequential(&'a Design),
}

struct Outcomes {
    regressed: Rate,
    passed: Rate,
    inconclusive: Rate,
    mean_passes: f64,
}

/// The old rule at one look: regressed when the low end of the one-sided 95% interval is
/// over the margin, pass when the high end is under it (command/gate.rs, gate::judge).
fn old_look(baseline: Option<&[f64]>, current: &[f64], limit: f64, last: bool) -> Decision {
    let (lo, hi) = match baseline {
        Some(b) => {
            let (_, lo, hi) = welch(b, current, 1.0 - ALPHA).expect("two passes a side");
            (lo, hi)
        }
        None => {
            let (m, sd) = mean_sd(current);
            let n = current.len() as f64;
            let half = t_quantile(1.0 - ALPHA, n - 1.0) * sd / n.sqrt();
            (m - half, m + half)
        }
    };
    if lo > limit {
        Decision::Regressed
    } else if hi < limit {
        Decision::Pass
    } else if last {
        Decision::Inconclusive
    } else {
        Decision::Continue
    }
}

/// `GATES` simulated gates at a true change of `change` (as a fraction: 0.03 is +3%).
fn run(setting: Setting, rule: &Rule, change: f64, seed: u64, gates: u64) -> Outcomes {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let pass = Normal::new(0.0, setting.pass_sd).unwrap();
    let offset = Normal::new(0.0, setting.stored.map_or(0.0, |s| s.between_runs)).unwrap();
    let truth = change.ln_1p();
    let limit = setting.margin.ln_1p();
    let (mut regressed, mut passed, mut inconclusive, mut passes) = (0, 0, 0, 0usize);
    for _ in 0..gates {
        let baseline: Option<Vec<f64>> = setting.stored.map(|_| {
            let o = offset.sample(&mut rng);
            (0..BASELINE_PASSES)
                .map(|_| o + pass.sample(&mut rng))
                .collect()
        });
        let current_offset = if setting.stored.is_some() {
            offset.sample(&mut rng)
        } else {
            0.0
        };
        let mut current: Vec<f64> = Vec::with_capacity(MAX);
        let decision = loop {
            let want = if current.is_empty() { FIRST } else { 1 };
            current.extend((0..want).map(|_| truth + current_offset + pass.sample(&mut rng)));
            let look = current.len() - FIRST;
            let last = current.len() == MAX;
            let d = match rule {
                Rule::EveryLookAtFivePercent => {
                    old_look(baseline.as_deref(), &current, limit, last)
                }
                Rule::GroupSequential(design) => {
                    match (&baseline, setting.stored) {
                        (Some(b), Some(s)) => look_against_baseline(
                            design,
                            look,
                            b,
                            &current,
                            setting.margin,
                            s.prior,
                        ),
                        _ => look_ab(design, look, &current, setting.margin),
                    }
                    .expect("two passes a side")
                    .decision
                }
            };
            if d.is_final() {
                break d;
            }
        };
        passes += current.len();
        match decision {
            Decision::Regressed => regressed += 1,
            Decision::Pass => passed += 1,
            _ => inconclusive += 1,
        }
    }
    Outcomes {
        regressed: Rate::new(regressed, gates),
        passed: Rate::new(passed, gates),
        inconclusive: Rate::new(inconclusive, gates),
        mean_passes: passes as f64 / gates as f64,
    }
}

fn design(spending: Spending) -> Design {
    Design::new(FIRST, MAX, ALPHA, spending)
}

fn report(name: &str, change: f64, o: &Outcomes) {
    eprintln!(
        "{name} at {:+.0}%: regressed {}; pass {}; inconclusive {}; passes {:.1}",
        100.0 * change,
        o.regressed,
        o.passed,
        o.inconclusive,
        o.mean_passes
    );
}

const AB: Setting = Setting {
    pass_sd: 0.015,
    margin: 0.03,
    stored: None,
};

fn stored(pass_sd: f64, margin: f64, between_runs: f64, prior_sd: f64) -> Setting {
    Setting {
        pass_sd,
        margin,
        stored: Some(Stored {
            between_runs,
            prior: BetweenRuns {
                sd: prior_sd,
                baseline_runs: 1,
            },
        }),
    }
}

#[test]
fn ab_gate_holds_its_error_rate_over_all_looks_where_the_old_rule_does_not() {
    let new = design(super::DEFAULT_SPENDING);
    let old = run(AB, &Rule::EveryLookAtFivePercent, AB.margin, 1, GATES);
    let seq = run(AB, &Rule::GroupSequential(&new), AB.margin, 1, GATES);
    report("A/B old", AB.margin, &old);
    report("A/B new", AB.margin, &seq);
    assert!(
        seq.regressed.value() <= ALPHA,
        "wrong 'regressed' at the margin: {}",
        seq.regressed
    );
    assert!(
        old.regressed.lower(0.95) > ALPHA,
        "the old rule's wrong 'regressed' at the margin, {}, no longer shows the problem",
        old.regressed
    );
    // A wrong "pass" at the margin is held as well: the boundaries are symmetric.
    assert!(seq.passed.value() <= ALPHA, "wrong 'pass': {}", seq.passed);
    let power = run(
        AB,
        &Rule::GroupSequential(&new),
        2.0 * AB.margin,
        2,
        FEW_GATES,
    );
    report("A/B new", 2.0 * AB.margin, &power);
    assert!(
        power.regressed.lower(0.95) >= 0.95,
        "power at 2× margin: {}",
        power.regressed
    );
    let honest = run(AB, &Rule::GroupSequential(&new), 0.0, 3, FEW_GATES);
    report("A/B new", 0.0, &honest);
    assert!(
        honest.passed.lower(0.95) >= 0.95 && honest.regressed.hits == 0,
        "honest builds: {}",
        honest.passed
    );
}

/// A stored baseline of 10 passes, made at another time than the current run. Pass sd
/// 1.5%, margin 3%, and a true sd between runs of none or the measured 1%.
#[test]
fn stored_baseline_gate_holds_its_error_rate_with_runs_made_at_other_times() {
    let new = design(super::DEFAULT_SPENDING);
    for (between, seed) in [(0.0, 4), (BETWEEN_RUNS_SD, 5)] {
        let s = stored(0.015, 0.03, between, BETWEEN_RUNS_SD);
        let name = format!("stored, between runs {:.1}%", 100.0 * between);
        let old = run(s, &Rule::EveryLookAtFivePercent, s.margin, seed, FEW_GATES);
        let seq = run(s, &Rule::GroupSequential(&new), s.margin, seed, FEW_GATES);
        report(&format!("{name}, old"), s.margin, &old);
        report(&format!("{name}, new"), s.margin, &seq);
        assert!(
            seq.regressed.value() <= ALPHA,
            "{name}: wrong 'regressed' at the margin: {}",
            seq.regressed
        );
        assert!(
            old.regressed.lower(0.95) > ALPHA,
            "{name}: the old rule's wrong 'regressed', {}, no longer shows the problem",
            old.regressed
        );
    }
}

/// What counting the between-run variance costs: a run's own offset (1% sd) cannot be
/// averaged away by passes, so at a 3% margin a stored-baseline gate catches a change of
/// twice the margin in well under 90% of gates, where the A/B gate catches nearly all.
/// A 5% margin, or three times the margin, is caught in most.
#[test]
fn stored_baseline_gate_power_is_bounded_by_the_variance_between_runs() {
    let new = design(super::DEFAULT_SPENDING);
    let at = |margin: f64, change: f64, seed: u64| {
        let s = stored(0.015, margin, BETWEEN_RUNS_SD, BETWEEN_RUNS_SD);
        let o = run(s, &Rule::GroupSequential(&new), change, seed, FEW_GATES);
        report(
            &format!("stored, margin {:.0}%", 100.0 * margin),
            change,
            &o,
        );
        o
    };
    let twice = at(0.03, 0.06, 20);
    let thrice = at(0.03, 0.09, 21);
    let wider = at(0.05, 0.10, 22);
    let honest = at(0.03, 0.0, 23);
    let ab = run(AB, &Rule::GroupSequential(&new), 0.06, 2, FEW_GATES);
    assert!(
        twice.regressed.value() < 0.9 && twice.regressed.value() < ab.regressed.value(),
        "2× margin: stored {} against A/B {}",
        twice.regressed,
        ab.regressed
    );
    assert!(
        thrice.regressed.value() >= 0.85,
        "3× margin: {}",
        thrice.regressed
    );
    assert!(
        wider.regressed.value() >= 0.75,
        "5% margin, 2×: {}",
        wider.regressed
    );
    assert!(honest.regressed.value() <= 0.001, "{}", honest.regressed);
}

#[test]
fn stored_baseline_gate_for_copying_strategies() {
    let new = design(super::DEFAULT_SPENDING);
    let s = stored(0.025, 0.20, COPY_BETWEEN_RUNS_SD, COPY_BETWEEN_RUNS_SD);
    let old = run(s, &Rule::EveryLookAtFivePercent, s.margin, 6, FEW_GATES);
    let seq = run(s, &Rule::GroupSequential(&new), s.margin, 6, FEW_GATES);
    report("copying stored, old", s.margin, &old);
    report("copying stored, new", s.margin, &seq);
    assert!(seq.regressed.value() <= ALPHA, "{}", seq.regressed);
    assert!(old.regressed.lower(0.95) > ALPHA, "{}", old.regressed);
    let power = run(
        s,
        &Rule::GroupSequential(&new),
        2.0 * s.margin,
        7,
        FEW_GATES,
    );
    report("copying stored, new", 2.0 * s.margin, &power);
    assert!(power.regressed.value() >= 0.80, "{}", power.regressed);
}

/// The stored-baseline gate's boundaries are carried over to t by their levels, an
/// approximation: it holds the rate over pass sd 1–3% (the measured 0.9–3%) with the
/// between-run sd of either class, true as assumed, and with the copying class's prior
/// up to pass sd 5%. (With passes five times as spread as a 1% prior, beyond anything
/// measured, it reached 5.1%.)
#[test]
fn stored_baseline_gate_holds_its_rate_across_pass_spreads() {
    let new = design(super::DEFAULT_SPENDING);
    for (i, pass_sd) in [0.01, 0.015, 0.03, 0.05].into_iter().enumerate() {
        for (j, prior) in [BETWEEN_RUNS_SD, COPY_BETWEEN_RUNS_SD]
            .into_iter()
            .enumerate()
            .filter(|(_, prior)| pass_sd <= 3.0 * prior)
        {
            let s = stored(pass_sd, 0.03, prior, prior);
            let o = run(
                s,
                &Rule::GroupSequential(&new),
                s.margin,
                30 + (3 * i + j) as u64,
                FEW_GATES,
            );
            report(
                &format!(
                    "stored, pass sd {:.1}%, between runs {:.1}%",
                    100.0 * pass_sd,
                    100.0 * prior
                ),
                s.margin,
                &o,
            );
            assert!(
                o.regressed.value() <= ALPHA,
                "{pass_sd} {prior}: {}",
                o.regressed
            );
        }
    }
}

/// Why Pocock-type spending is the default: both hold the rate; Pocock decides in fewer
/// passes at no change and at twice the margin.
#[test]
fn pocock_decides_sooner_than_obrien_fleming_at_the_same_error_rate() {
    let (pocock, obf) = (design(Spending::Pocock), design(Spending::OBrienFleming));
    let mut passes = [[0.0; 2]; 2];
    for (i, d) in [&pocock, &obf].into_iter().enumerate() {
        let name = if i == 0 {
            "A/B Pocock"
        } else {
            "A/B O'Brien–Fleming"
        };
        let at = run(AB, &Rule::GroupSequential(d), AB.margin, 8, GATES);
        report(name, AB.margin, &at);
        assert!(at.regressed.value() <= ALPHA, "{name}: {}", at.regressed);
        for (j, change) in [0.0, 2.0 * AB.margin].into_iter().enumerate() {
            let o = run(
                AB,
                &Rule::GroupSequential(d),
                change,
                9 + j as u64,
                FEW_GATES,
            );
            report(name, change, &o);
            assert!(
                o.inconclusive.value() < 0.01,
                "{name} at {change}: {}",
                o.inconclusive
            );
            passes[i][j] = o.mean_passes;
        }
    }
    assert!(passes[0][0] < passes[1][0], "{passes:?}");
    assert!(passes[0][1] < passes[1][1], "{passes:?}");
}
