use super::{Entry, Ratio, Results};
use crate::stats::{
    block_for, intervals, median, row_seed, shared, ByRound, Outliers, PassRatios, Summary,
    Verdict, MIN_ROUNDS,
};

/// The round of every start; a file without rounds (or a broken one) counts every start as
/// a round of its own.
pub fn rounds_of(e: &Entry) -> Vec<u32> {
    if e.rounds.len() == e.times.len() {
        e.rounds.clone()
    } else {
        (0..e.times.len() as u32).collect()
    }
}

/// The raw data of the reference row a row is measured against.
struct Reference {
    times: Vec<f64>,
    rounds: Vec<u32>,
    passes: Vec<u32>,
}

/// Each pass's median ratio of `e` to `r`, over the rounds of that pass they share.
fn pass_ratios(e: &Entry, rounds: &[u32], r: &Reference) -> Option<PassRatios> {
    let passes = |p: &[u32], n: usize| -> Vec<u32> {
        if p.len() == n {
            p.to_vec()
        } else {
            vec![0; n]
        }
    };
    let (ep, rp) = (
        passes(&e.passes, e.times.len()),
        passes(&r.passes, r.times.len()),
    );
    let count = ep.iter().chain(&rp).max().map_or(0, |m| m + 1);
    if count < 2 {
        return None;
    }
    let values = (0..count)
        .map(|p| {
            let pick = |rounds: &[u32], pass: &[u32]| -> Vec<u32> {
                rounds
                    .iter()
                    .zip(pass)
                    .filter(|(_, q)| **q == p)
                    .map(|(r, _)| *r)
                    .collect()
            };
            let keep = shared(&pick(rounds, &ep), &pick(&r.rounds, &rp));
            let x = ByRound::new(&e.times, rounds, Some(&keep));
            let y = ByRound::new(&r.times, &r.rounds, Some(&keep));
            median(x.all()) / median(y.all())
        })
        .collect();
    PassRatios::of(values)
}

/// The headline of a row of several passes: each pass's ratio over the rounds of that pass
/// it shares with the reference, with its own block bootstrap, pooled by random effects
/// (Hartung–Knapp–Sidik–Jonkman), with the measured between-run spread added so that the
/// interval is about runs made at other times too (`stats::headline`).
fn headline(e: &Entry, rounds: &[u32], r: &Reference, seed: u64) -> Option<crate::stats::Headline> {
    use crate::stats::{pass_estimates, Headline, Starts, BETWEEN_RUNS_SD, COPY_BETWEEN_RUNS_SD};
    let row = Starts {
        times: &e.times,
        rounds,
        passes: &e.passes,
    };
    let reference = Starts {
        times: &r.times,
        rounds: &r.rounds,
        passes: &r.passes,
    };
    let estimates = pass_estimates(
        row,
        reference,
        row_seed(seed, &e.workload, &e.strategy, "passes"),
    );
    let between_runs = if e.copies_per_start {
        COPY_BETWEEN_RUNS_SD
    } else {
        BETWEEN_RUNS_SD
    };
    Headline::of(&estimates, between_runs)
}

/// Fill in every derived field of every `ok` row from its raw per-start data, over the
/// rounds the row shares with the `reference` row of its workload: summary, CPU times, the
/// median's CI, outliers, and the ratio with its CI and verdict (and, with several passes,
/// the between-pass interval). Deterministic, so `report` reproduces what `compare`
/// printed. The notes are worth a warning (rows with unequal rounds, from older files).
pub fn analyze(mut results: Results, reference: &str) -> Analyzed {
    let notes = fill(&mut results, reference);
    Analyzed {
        results,
        reference: reference.to_string(),
        notes,
        changes: Vec::new(),
    }
}

/// A run whose every `ok` row has been analysed against one reference, once: what
/// exporters, tables and charts take, so that none of them is ever handed a row nobody
/// analysed.
#[derive(Debug, Clone)]
pub struct Analyzed {
    results: Results,
    reference: String,
    notes: Vec<String>,
    /// Against an earlier run, when one was given (`report NEW --baseline OLD`).
    changes: Vec<super::Change>,
}

impl Analyzed {
    /// This run with its changes against `before`, analysed against the same reference.
    pub fn against(mut self, before: Results) -> Analyzed {
        let before = analyze(before, &self.reference);
        self.changes = super::changes(&self, &before);
        self
    }

    /// How every row moved against the baseline run, if one was given.
    pub fn changes(&self) -> &[super::Change] {
        &self.changes
    }

    pub fn reference(&self) -> &str {
        &self.reference
    }

    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    pub fn into_results(self) -> Results {
        self.results
    }

    /// The same run with its plan replaced. The analysis reads only the plan's seed: with
    /// the same seed it stands, with another it is made again.
    pub fn with_plan(mut self, plan: super::Plan) -> Analyzed {
        let same_seed = self.results.plan.as_ref().map(|p| p.seed) == Some(plan.seed);
        self.results.plan = Some(plan);
        if same_seed {
            self
        } else {
            analyze(self.results, &self.reference)
        }
    }
}

impl std::ops::Deref for Analyzed {
    type Target = Results;

    fn deref(&self) -> &Results {
        &self.results
    }
}

fn fill(results: &mut Results, reference: &str) -> Vec<String> {
    let seed = results.plan.as_ref().map_or(0, |p| p.seed);
    let references: Vec<(String, Reference)> = results
        .results
        .iter()
        .filter(|e| e.strategy == reference && e.is_ok())
        .map(|e| {
            let r = Reference {
                times: e.times.clone(),
                rounds: rounds_of(e),
                passes: e.passes.clone(),
            };
            (e.workload.clone(), r)
        })
        .collect();
    let mut unequal: indexmap::IndexSet<String> = indexmap::IndexSet::new();
    let mut one_round: indexmap::IndexSet<String> = indexmap::IndexSet::new();
    for e in results.results.iter_mut().filter(|e| e.is_ok()) {
        let rounds = rounds_of(e);
        let r = references
            .iter()
            .find(|(w, _)| *w == e.workload)
            .map(|(_, r)| r);
        let keep = r.map(|r| shared(&rounds, &r.rounds));
        let x = ByRound::new(&e.times, &rounds, keep.as_deref());
        let y = r.map(|r| ByRound::new(&r.times, &r.rounds, keep.as_deref()));
        if let (Some(k), Some(r)) = (&keep, r) {
            let own = shared(&rounds, &rounds).len();
            let theirs = shared(&r.rounds, &r.rounds).len();
            if k.len() != own || k.len() != theirs {
                unequal.insert(e.workload.clone());
            }
        }
        let cpu = |v: &[f64]| -> Option<f64> {
            (v.len() == e.times.len() && !v.is_empty()).then(|| {
                let b = ByRound::new(v, &rounds, keep.as_deref());
                b.all().iter().sum::<f64>() / b.all().len().max(1) as f64
            })
        };
        (e.analysis.user, e.analysis.system) = (cpu(&e.user_times), cpu(&e.system_times));
        e.analysis.phases = (e.phases_per_start.len() == e.times.len() && !e.times.is_empty())
            .then(|| typical_phases(&e.phases_per_start, &rounds, keep.as_deref()));
        e.analysis.counters = (e.counters_per_start.len() == e.times.len() && !e.times.is_empty())
            .then(|| {
                let m = |i: usize| {
                    let v: Vec<f64> = e.counters_per_start.iter().map(|c| c[i] as f64).collect();
                    median(ByRound::new(&v, &rounds, keep.as_deref()).all())
                };
                super::CounterMedians {
                    minor_faults: m(0),
                    major_faults: m(1),
                    voluntary_switches: m(2),
                    involuntary_switches: m(3),
                }
            });
        if let Some(s) = Summary::of(x.all()) {
            (
                e.analysis.median,
                e.analysis.mean,
                e.analysis.stddev,
                e.analysis.min,
                e.analysis.max,
            ) = (
                Some(s.median),
                Some(s.mean),
                Some(s.stddev),
                Some(s.min),
                Some(s.max),
            );
        }
        e.runs = x.all().len() as u32;
        e.analysis.shared_rounds = Some(x.rounds() as u32);
        e.analysis.tukey_outliers = Some(Outliers::of(x.all()));
        if x.rounds() == 0 {
            (e.analysis.ci95_median, e.analysis.ratio) = (None, None);
            continue;
        }
        let block = block_for(&x, y.as_ref());
        let Some(iv) = intervals(
            &x,
            y.as_ref(),
            block,
            row_seed(seed, &e.workload, &e.strategy, "bootstrap"),
        ) else {
            // No interval rather than a zero-width one, and no ratio without its interval.
            (e.analysis.ci95_median, e.analysis.ratio) = (None, None);
            one_round.insert(e.workload.clone());
            continue;
        };
        e.analysis.ci95_median = Some(iv.median);
        e.analysis.ratio = match (r, &y, iv.ratio) {
            (Some(r), Some(y), Some(run_ci95)) => {
                let run_value = median(x.all()) / median(y.all());
                let passes = pass_ratios(e, &rounds, r);
                let headline = passes.as_ref().and_then(|_| headline(e, &rounds, r, seed));
                let (value, ci95, scope, run_ci95) = match headline {
                    Some(h) => (h.value, h.ci95, h.scope, Some(run_ci95)),
                    None => (run_value, run_ci95, crate::stats::Scope::ThisRun, None),
                };
                Some(Ratio {
                    reference: reference.to_string(),
                    value,
                    ci95,
                    scope,
                    run_ci95,
                    verdict: (e.strategy != reference).then(|| Verdict::of(ci95)),
                    block: iv.block as u32,
                    passes,
                })
            }
            _ => None,
        };
    }
    let unequal = unequal.into_iter().map(|w| {
        format!(
            "{w}: rows ran unequal numbers of rounds (a file from an older sealbench); \
             each row's statistics use only the rounds it shares with {reference}"
        )
    });
    let one_round = one_round.into_iter().map(|w| {
        format!(
            "{w}: a row shares fewer than {MIN_ROUNDS} rounds with {reference}, which leaves a \
             bootstrap over rounds nothing to resample: it has no interval and no ratio \
             (--runs {MIN_ROUNDS} or more)"
        )
    });
    unequal.chain(one_round).collect()
}

/// The phases of a typical start: each phase's mean over the starts (of the kept rounds)
/// whose phases add up to between the 45th and 55th percentile of all such sums, the
/// middle tenth. Medians of the parts of a skewed whole do not add up to its median; these
/// means add up to the mean of that middle tenth, which is the median to within the
/// tenth's width, and ignore the tails. A tenth, not a fifth: when the median falls between
/// two modes (a copy that is sometimes slow), a middle fifth reached far into both, and its
/// mean was seen 5.5% off the median (full-start tmpfile; 3.2% off with the tenth).
fn typical_phases(
    per_start: &[[f64; 5]],
    rounds: &[u32],
    keep: Option<&[u32]>,
) -> super::PhaseMedians {
    let kept: Vec<[f64; 5]> = per_start
        .iter()
        .zip(rounds)
        .filter(|(_, r)| keep.is_none_or(|k| k.binary_search(r).is_ok()))
        .map(|(p, _)| *p)
        .collect();
    let mut sums: Vec<f64> = kept.iter().map(|p| p.iter().sum()).collect();
    sums.sort_by(f64::total_cmp);
    let (lo, hi) = match sums.len() {
        0 => (0.0, 0.0),
        // Rounded outward on both sides, so that a short run's window is centred on the
        // median too (n = 10: the 5th and 6th starts).
        n => (sums[9 * (n - 1) / 20], sums[(11 * (n - 1)).div_ceil(20)]),
    };
    let middle: Vec<&[f64; 5]> = kept
        .iter()
        .filter(|p| {
            let s: f64 = p.iter().sum();
            s >= lo && s <= hi
        })
        .collect();
    let mean = |i: usize| middle.iter().map(|p| p[i]).sum::<f64>() / middle.len().max(1) as f64;
    super::PhaseMedians {
        seal: mean(0),
        spawn: mean(1),
        run: mean(2),
        reap: mean(3),
        teardown: mean(4),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typical_sum(sums: &[f64]) -> f64 {
        // One start's phases: all of it in `run`, so a start's sum is its total.
        let per_start: Vec<[f64; 5]> = sums.iter().map(|s| [0.0, 0.0, *s, 0.0, 0.0]).collect();
        let rounds: Vec<u32> = (0..sums.len() as u32).collect();
        let p = typical_phases(&per_start, &rounds, None);
        p.seal + p.spawn + p.run + p.reap + p.teardown
    }

    /// Issue 29, item 11: `compare --runs 1 --block 3` gave each row the zero-width
    /// interval of its first start, away from its median, and a verdict from it.
    #[test]
    fn a_row_of_one_round_has_no_interval_and_says_why() {
        let mut r = crate::results::sample::sample();
        r.results.iter_mut().for_each(|e| e.rounds.fill(0));
        let a = analyze(r, "noclone");
        for e in a.results.results.iter().filter(|e| e.is_ok()) {
            assert_eq!(e.analysis.ci95_median, None, "{}", e.strategy);
            assert_eq!(e.analysis.ratio, None, "{}", e.strategy);
            assert!(e.analysis.median.is_some());
        }
        assert!(
            a.notes()
                .iter()
                .any(|n| n.starts_with("exec-true: a row shares fewer than 2 rounds")),
            "{:?}",
            a.notes()
        );
    }

    /// A copy that is sometimes slow: two modes, the median between them, as full-start
    /// tmpfile showed. The typical start still adds up to the median within 5%.
    #[test]
    fn a_typical_start_adds_up_to_the_median_between_two_modes() {
        let mut sums: Vec<f64> = (0..90).map(|i| 15.5 + 0.01 * f64::from(i)).collect();
        sums.extend((0..10).map(|i| 16.0 + 0.2 * f64::from(i)));
        sums.extend((0..89).map(|i| 20.0 + 0.02 * f64::from(i)));
        let m = median(&sums);
        let t = typical_sum(&sums);
        assert!((t / m - 1.0).abs() < 0.05, "typical {t} against median {m}");
        let even: Vec<f64> = (0..189).map(|i| 1.0 + 0.001 * f64::from(i)).collect();
        assert!((typical_sum(&even) / median(&even) - 1.0).abs() < 0.001);
    }
}
