use super::{
    block_for, intervals, median, shared, ByRound, Outliers, PassRatios, Summary, Verdict,
};
use crate::results::{Entry, Ratio, Results};

/// A stable per-row seed: FNV-1a of the row's name mixed into the run's seed, so that the
/// bootstrap of a saved run gives the same intervals every time it is reported.
fn row_seed(run_seed: u64, e: &Entry, what: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in e
        .workload
        .bytes()
        .chain([b'/'])
        .chain(e.strategy.bytes())
        .chain([b'/'])
        .chain(what.bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    run_seed ^ h
}

/// The round of every start; a file without rounds (or a broken one) counts every start as
/// a round of its own.
fn rounds_of(e: &Entry) -> Vec<u32> {
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
    let (ep, rp) = (passes(&e.passes, e.times.len()), passes(&r.passes, r.times.len()));
    let count = ep.iter().chain(&rp).max().map_or(0, |m| m + 1);
    if count < 2 {
        return None;
    }
    let values = (0..count)
        .map(|p| {
            let pick = |rounds: &[u32], pass: &[u32]| -> Vec<u32> {
                rounds.iter().zip(pass).filter(|(_, q)| **q == p).map(|(r, _)| *r).collect()
            };
            let keep = shared(&pick(rounds, &ep), &pick(&r.rounds, &rp));
            let x = ByRound::new(&e.times, rounds, Some(&keep));
            let y = ByRound::new(&r.times, &r.rounds, Some(&keep));
            median(x.all()) / median(y.all())
        })
        .collect();
    PassRatios::of(values)
}

/// Fill in every derived field of every `ok` row from its raw per-start data, over the
/// rounds the row shares with the `reference` row of its workload: summary, CPU times, the
/// median's CI, outliers, and the ratio with its CI and verdict (and, with several passes,
/// the between-pass interval). Deterministic, so `report` reproduces what `compare`
/// printed. Returns notes worth a warning (rows with unequal rounds, from older files).
pub fn analyze(results: &mut Results, reference: &str) -> Vec<String> {
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
    for e in results.results.iter_mut().filter(|e| e.is_ok()) {
        let rounds = rounds_of(e);
        let r = references.iter().find(|(w, _)| *w == e.workload).map(|(_, r)| r);
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
        (e.user, e.system) = (cpu(&e.user_times), cpu(&e.system_times));
        e.phases = (e.phases_per_start.len() == e.times.len() && !e.times.is_empty())
            .then(|| typical_phases(&e.phases_per_start, &rounds, keep.as_deref()));
        e.counters = (e.counters_per_start.len() == e.times.len() && !e.times.is_empty()).then(|| {
            let m = |i: usize| {
                let v: Vec<f64> = e.counters_per_start.iter().map(|c| c[i] as f64).collect();
                median(ByRound::new(&v, &rounds, keep.as_deref()).all())
            };
            crate::results::CounterMedians {
                minor_faults: m(0),
                major_faults: m(1),
                voluntary_switches: m(2),
                involuntary_switches: m(3),
            }
        });
        if let Some(s) = Summary::of(x.all()) {
            (e.median, e.mean, e.stddev, e.min, e.max) = (
                Some(s.median),
                Some(s.mean),
                Some(s.stddev),
                Some(s.min),
                Some(s.max),
            );
        }
        e.runs = x.all().len() as u32;
        e.shared_rounds = Some(x.rounds() as u32);
        e.tukey_outliers = Some(Outliers::of(x.all()));
        if x.rounds() == 0 {
            (e.ci95_median, e.ratio) = (None, None);
            continue;
        }
        let block = block_for(&x, y.as_ref());
        let iv = intervals(&x, y.as_ref(), block, row_seed(seed, e, "bootstrap"));
        e.ci95_median = Some(iv.median);
        e.ratio = match (r, &y, iv.ratio) {
            (Some(r), Some(y), Some(ci95)) => Some(Ratio {
                reference: reference.to_string(),
                value: median(x.all()) / median(y.all()),
                ci95,
                verdict: (e.strategy != reference).then(|| Verdict::of(ci95)),
                block: iv.block as u32,
                passes: pass_ratios(e, &rounds, r),
            }),
            _ => None,
        };
    }
    unequal
        .into_iter()
        .map(|w| {
            format!(
                "{w}: rows ran unequal numbers of rounds (a file from an older sealbench); \
                 each row's statistics use only the rounds it shares with {reference}"
            )
        })
        .collect()
}

/// The phases of a typical start: each phase's mean over the starts (of the kept rounds)
/// whose phases add up to between the 40th and 60th percentile of all such sums, the
/// starts around the median. Medians of the parts of a skewed whole do not add up to its
/// median; these means add up to the mean of that middle fifth, which is the median to
/// within the fifth's width, and ignore the tails.
fn typical_phases(
    per_start: &[[f64; 5]],
    rounds: &[u32],
    keep: Option<&[u32]>,
) -> crate::results::PhaseMedians {
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
        n => (sums[2 * (n - 1) / 5], sums[3 * (n - 1) / 5]),
    };
    let middle: Vec<&[f64; 5]> = kept
        .iter()
        .filter(|p| {
            let s: f64 = p.iter().sum();
            s >= lo && s <= hi
        })
        .collect();
    let mean = |i: usize| middle.iter().map(|p| p[i]).sum::<f64>() / middle.len().max(1) as f64;
    crate::results::PhaseMedians {
        seal: mean(0),
        spawn: mean(1),
        run: mean(2),
        reap: mean(3),
        teardown: mean(4),
    }
}
