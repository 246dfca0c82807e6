use super::{mann_whitney_p, median_ci, outliers, paired_ratio, Summary};
use crate::results::{Entry, Ratio, Results};
use statrs::statistics::Statistics;

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

/// Fill in every derived field of every `ok` row from its raw per-run data: summary,
/// CPU times, the median's CI, outliers, and the ratio to `reference` with its CI and
/// Mann–Whitney p-value. Deterministic, so `report` reproduces what `compare` printed.
pub fn analyze(results: &mut Results, reference: &str) {
    let seed = results.plan.as_ref().map_or(0, |p| p.seed);
    for e in results.results.iter_mut().filter(|e| e.is_ok()) {
        if let Some(s) = Summary::of(&e.times) {
            (e.median, e.mean, e.stddev, e.min, e.max) = (
                Some(s.median),
                Some(s.mean),
                Some(s.stddev),
                Some(s.min),
                Some(s.max),
            );
        }
        e.runs = e.times.len() as u32;
        e.user = (!e.user_times.is_empty()).then(|| e.user_times.as_slice().mean());
        e.system = (!e.system_times.is_empty()).then(|| e.system_times.as_slice().mean());
        e.ci95_median =
            (!e.times.is_empty()).then(|| median_ci(&e.times, row_seed(seed, e, "median")));
        e.outliers = Some(outliers(&e.times).len() as u32);
    }
    let rows = results.results.clone();
    for e in results.results.iter_mut().filter(|e| e.is_ok()) {
        let Some(r) = rows
            .iter()
            .find(|r| r.workload == e.workload && r.strategy == reference && r.is_ok())
        else {
            e.ratio = None;
            continue;
        };
        let paired = paired_ratio(
            (&e.times, &e.rounds),
            (&r.times, &r.rounds),
            row_seed(seed, e, "ratio"),
        );
        e.ratio = paired.map(|(value, ci95)| Ratio {
            reference: reference.to_string(),
            value,
            ci95,
            p_value: (e.strategy != reference)
                .then(|| mann_whitney_p(&e.times, &r.times))
                .flatten(),
        });
    }
}
