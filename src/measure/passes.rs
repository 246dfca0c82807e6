//! Joining the passes of a run into one results file.

use crate::results::Results;

/// Join pass `index` to the passes so far, marking every start with its pass when the run
/// has several, and return the round the next pass starts at: rounds are numbered across
/// passes, so no two passes share one.
pub fn join_pass(joined: &mut Option<Results>, mut r: Results, index: u32, mark: bool) -> u32 {
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
