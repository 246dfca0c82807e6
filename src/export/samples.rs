//! The starts an export writes for a row are the starts its statistics use: those of the
//! rounds it shares with the reference row of its workload, as the analysis takes them. An
//! export of every start would hand benchstat or hyperfine's scripts other samples than
//! the figures beside them describe.

use crate::results::{rounds_of, Analyzed, Entry};
use crate::stats::{shared, ByRound};

/// The reference row of `e`'s workload, when it ran.
fn reference_of<'a>(results: &'a Analyzed, e: &Entry) -> Option<&'a Entry> {
    results
        .results
        .iter()
        .find(|r| r.workload == e.workload && r.strategy == results.reference() && r.is_ok())
}

/// The pass of every start (all 0 for a run of one pass, or a file without passes).
fn passes_of(e: &Entry) -> Vec<u32> {
    if e.passes.len() == e.times.len() {
        e.passes.clone()
    } else {
        vec![0; e.times.len()]
    }
}

/// `e`'s starts over the rounds it shares with its reference, in round order, each pass
/// apart (passes in order; a pass with no shared round is left out).
pub fn shared_starts_by_pass(results: &Analyzed, e: &Entry) -> Vec<Vec<f64>> {
    let rounds = rounds_of(e);
    let keep = reference_of(results, e).map(|r| shared(&rounds, &rounds_of(r)));
    let passes = passes_of(e);
    let count = passes.iter().max().map_or(0, |m| m + 1);
    (0..count)
        .map(|p| {
            let (times, rounds): (Vec<f64>, Vec<u32>) = e
                .times
                .iter()
                .zip(&rounds)
                .zip(&passes)
                .filter(|(_, q)| **q == p)
                .map(|((t, r), _)| (*t, *r))
                .unzip();
            ByRound::new(&times, &rounds, keep.as_deref())
                .all()
                .to_vec()
        })
        .filter(|starts| !starts.is_empty())
        .collect()
}

/// `e`'s starts over the rounds it shares with its reference, in round order.
pub fn shared_starts(results: &Analyzed, e: &Entry) -> Vec<f64> {
    let rounds = rounds_of(e);
    let keep = reference_of(results, e).map(|r| shared(&rounds, &rounds_of(r)));
    ByRound::new(&e.times, &rounds, keep.as_deref())
        .all()
        .to_vec()
}
