/// A stable per-row seed: FNV-1a of the row's name mixed into the run's seed, so that the
/// bootstrap of a saved run gives the same intervals every time it is reported, and rows
/// of one run resample independently of each other.
pub fn row_seed(run_seed: u64, workload: &str, strategy: &str, what: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in workload
        .bytes()
        .chain([b'/'])
        .chain(strategy.bytes())
        .chain([b'/'])
        .chain(what.bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    run_seed ^ h
}
