//! The headline interval on the committed 10-pass baselines: the passes there differ by
//! several times their own bootstrap errors (the premise of the headline and of its
//! coverage simulation), and the headline is wider than the single-run interval stored
//! beside it.

use sealbench::export::parse_results;
use sealbench::results::{rounds_of, Results};
use sealbench::stats::{pass_estimates, row_seed, Headline, PassEstimate, Starts};
use std::path::Path;

fn committed(name: &str) -> Results {
    parse_results(&Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).expect("committed file")
}

/// Per row (not the reference): name, pass estimates, single-run interval in the file.
fn rows(r: &Results, reference: &str) -> Vec<(String, Vec<PassEstimate>, [f64; 2])> {
    let refrow = r
        .results
        .iter()
        .find(|e| e.strategy == reference)
        .expect("reference row");
    let ref_rounds = rounds_of(refrow);
    let seed = r.plan.as_ref().map_or(0, |p| p.seed);
    r.results
        .iter()
        .filter(|e| e.is_ok() && e.strategy != reference)
        .map(|e| {
            let rounds = rounds_of(e);
            let est = pass_estimates(
                Starts {
                    times: &e.times,
                    rounds: &rounds,
                    passes: &e.passes,
                },
                Starts {
                    times: &refrow.times,
                    rounds: &ref_rounds,
                    passes: &refrow.passes,
                },
                row_seed(seed, &e.workload, &e.strategy, "passes"),
            );
            // This run's own interval: all its rounds pooled (the headline is the answer).
            let r = e.analysis.ratio.as_ref().expect("a ratio");
            let single = r.run_ci95.unwrap_or(r.ci95);
            (e.strategy.clone(), est, single)
        })
        .collect()
}

#[test]
fn committed_baseline_passes_differ_by_more_than_their_own_errors() {
    let r = committed("results/baseline.json");
    let rows = rows(&r, "noclone");
    // Rows whose passes differ beyond their own errors (Cochran's Q, p < 1%).
    let mut differ = Vec::new();
    for (name, est, single) in &rows {
        assert_eq!(est.len(), 10, "{name}");
        let logs: Vec<f64> = est.iter().map(PassEstimate::log_ratio).collect();
        let (_, between) = sealbench::stats::mean_sd(&logs);
        let within = est.iter().map(PassEstimate::se).sum::<f64>() / est.len() as f64;
        let h = Headline::of(&est, 0.0).expect("a headline");
        eprintln!(
            "{name:13} between-pass sd {:.2}%, within-pass se {:.2}% ({:.1}×): headline \
             {:.4} ({:.4}–{:.4}), single-run {:.4}–{:.4}",
            100.0 * between,
            100.0 * within,
            between / within,
            h.value,
            h.ci95[0],
            h.ci95[1],
            single[0],
            single[1]
        );
        // Cochran's Q: were the passes one ratio measured with their own errors, Q would
        // follow chi-squared with k - 1 degrees of freedom.
        let mean = logs.iter().sum::<f64>() / logs.len() as f64;
        let q: f64 = est
            .iter()
            .zip(&logs)
            .map(|(p, l)| ((l - mean) / p.se()).powi(2))
            .sum();
        let chi2 = statrs::distribution::ChiSquared::new((est.len() - 1) as f64).unwrap();
        let p = 1.0 - statrs::distribution::ContinuousCDF::cdf(&chi2, q);
        eprintln!("{name:13} Cochran's Q {q:.1}, p {p:.1e}");
        if between > within && p < 0.01 {
            differ.push(name.clone());
        }
        assert!(
            h.ci95[1] / h.ci95[0] > single[1] / single[0],
            "{name}: the headline is no wider than one run's interval"
        );
        assert_eq!(h.label(), "over 10 passes");
    }
    // Not every row: a strategy whose starts vary more within a pass (reflink here) can
    // hide the between-pass spread in its own errors. Most rows do not.
    assert!(
        4 * differ.len() >= 3 * rows.len(),
        "only {differ:?} of {} rows differ between passes beyond their errors",
        rows.len()
    );
}

/// The committed baseline and its rerun (the same command, run again at the end of
/// `scripts/refresh-results.sh`) were made at different times. Each one's headline, with
/// the measured between-run prior, holds the other's ratio for every strategy; the passes
/// alone do not (the runs' offsets are larger than the passes' spread explains).
#[test]
fn a_baseline_headline_with_the_prior_holds_the_other_baselines_ratio() {
    let (a, b) = (
        committed("results/baseline.json"),
        committed("results/baseline-rerun.json"),
    );
    let (ra, rb) = (rows(&a, "noclone"), rows(&b, "noclone"));
    let (mut alone, mut with, mut checked) = (0, 0, 0);
    for (this, other) in [(&ra, &rb), (&rb, &ra)] {
        for (name, est, _) in this.iter() {
            let Some((_, theirs, _)) = other.iter().find(|(n, _, _)| n == name) else {
                continue;
            };
            let target = Headline::of(theirs, 0.0).expect("a headline").value;
            let prior = sealbench::gate::prior_sd(
                strategies::by_name(name).is_some_and(|s| s.copies_per_start()),
            );
            let h0 = Headline::of(est, 0.0).expect("a headline");
            let h1 = Headline::of(est, prior).expect("a headline");
            let holds = |h: &Headline| h.ci95[0] <= target && target <= h.ci95[1];
            eprintln!(
                "{name:13} other run {target:.4}: passes alone {:.4}–{:.4} {}, with the \
                 {:.1}% prior {:.4}–{:.4} {}",
                h0.ci95[0],
                h0.ci95[1],
                if holds(&h0) { "holds" } else { "misses" },
                100.0 * prior,
                h1.ci95[0],
                h1.ci95[1],
                if holds(&h1) { "holds" } else { "misses" },
            );
            alone += usize::from(holds(&h0));
            with += usize::from(holds(&h1));
            checked += 1;
        }
    }
    // Every strategy but the reference, both ways.
    assert_eq!(ra.len(), rb.len(), "the two runs have the same strategies");
    assert_eq!(checked, 2 * ra.len(), "{checked}");
    assert_eq!(with, checked, "the headline with the prior missed a run");
    assert!(alone < checked, "the passes alone held every run: {alone}");
}
