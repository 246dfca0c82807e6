//! A results file is data from outside: every number the analysis, the gate and the
//! charts rely on is checked once, where the file is loaded, and the first problem is
//! named. Derived fields (median, min, max, …) are recomputed by the analysis, but a
//! file whose stored ones contradict its own times has been edited or corrupted, and is
//! refused rather than silently repaired.

use super::{Entry, Results};

/// The most rows a results file may hold: a run makes one per (workload, strategy or
/// runtime), a few dozen; ten thousand is far past any run and still read in moments.
pub const MAX_ROWS: usize = 10_000;

/// The longest start a run can keep, a day: one longer is killed by `--run-timeout`,
/// which is at most this (a test holds the two together). A longer time, or a shorter one
/// than [`MIN_START_SECONDS`], is data no run made, and values 10³⁰⁰ apart are what made
/// the charts' axis code spin forever.
pub const MAX_START_SECONDS: f64 = 86_400.0;

/// The clock's resolution: nothing it times is shorter than a nanosecond.
pub const MIN_START_SECONDS: f64 = 1e-9;

fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

fn non_negative(x: f64) -> bool {
    x.is_finite() && x >= 0.0
}

/// What is wrong with `t` as the seconds of one start, if anything.
fn start_seconds(t: f64) -> Option<&'static str> {
    if !positive(t) {
        Some("not a positive number of seconds")
    } else if t < MIN_START_SECONDS {
        Some("shorter than the nanosecond the clock tells")
    } else if t > MAX_START_SECONDS {
        Some("longer than the day --run-timeout lets a start run")
    } else {
        None
    }
}

/// What is wrong with `t` as seconds of a part of one start (a phase, CPU time), if
/// anything: zero is a part too short to see.
fn part_seconds(t: f64) -> Option<&'static str> {
    if !non_negative(t) {
        Some("not a number of seconds")
    } else if t > MAX_START_SECONDS {
        Some("longer than the day --run-timeout lets a start run")
    } else {
        None
    }
}

/// Within a relative `1e-9` of each other, as a decimal round trip leaves them.
fn near(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

/// The first problem of `results`, if any, naming the row and field.
pub fn validate(results: &Results) -> Result<(), String> {
    if results.host.cpus == 0 {
        return Err("host.cpus is 0".into());
    }
    if results.host.exe_size_bytes == 0 {
        return Err("host.exe_size_bytes is 0".into());
    }
    let rows = results.results.len();
    if rows > MAX_ROWS {
        return Err(format!(
            "{rows} rows, more than the {MAX_ROWS} rows a results file may hold (a run makes one per workload and strategy or runtime)"
        ));
    }
    let keys = results
        .results
        .iter()
        .map(|e| (e.workload.as_str(), e.strategy.as_str()));
    if let Some((_, i)) = first_repeat(keys) {
        let e = &results.results[i];
        return Err(format!(
            "results[{i}] ({}/{}) appears twice",
            e.workload, e.strategy
        ));
    }
    for (i, e) in results.results.iter().enumerate() {
        let row = format!("results[{i}] ({}/{})", e.workload, e.strategy);
        if e.is_ok() {
            entry(e).map_err(|p| format!("{row}: {p}"))?;
        }
    }
    Ok(())
}

/// The first key that repeats an earlier one: (the earlier's index, its own). Hashed, so
/// that a file of many rows costs time in proportion to its rows, not their square.
fn first_repeat<K: std::hash::Hash + Eq>(keys: impl Iterator<Item = K>) -> Option<(usize, usize)> {
    let mut seen = std::collections::HashMap::new();
    for (i, k) in keys.enumerate() {
        if let Some(&j) = seen.get(&k) {
            return Some((j, i));
        }
        seen.insert(k, i);
    }
    None
}

fn entry(e: &Entry) -> Result<(), String> {
    let n = e.times.len();
    if n == 0 {
        return Err("status ok but no times".into());
    }
    if let Some((j, t, why)) = e
        .times
        .iter()
        .enumerate()
        .find_map(|(j, t)| start_seconds(*t).map(|why| (j, t, why)))
    {
        return Err(format!("times[{j}] is {t:?}, {why}"));
    }
    for (name, v) in [
        ("user_times", &e.user_times),
        ("system_times", &e.system_times),
    ] {
        if !v.is_empty() && v.len() != n {
            return Err(format!("{name} has {} values for {n} times", v.len()));
        }
        if let Some((j, t, why)) = v
            .iter()
            .enumerate()
            .find_map(|(j, t)| part_seconds(*t).map(|why| (j, t, why)))
        {
            return Err(format!("{name}[{j}] is {t:?}, {why}"));
        }
    }
    if !e.phases_per_start.is_empty() && e.phases_per_start.len() != n {
        return Err(format!(
            "phases_per_start has {} values for {n} times",
            e.phases_per_start.len()
        ));
    }
    if let Some((j, x, why)) = e.phases_per_start.iter().enumerate().find_map(|(j, p)| {
        p.iter()
            .find_map(|x| part_seconds(*x).map(|why| (j, x, why)))
    }) {
        return Err(format!("phases_per_start[{j}] holds {x:?}, {why}"));
    }
    if !e.counters_per_start.is_empty() && e.counters_per_start.len() != n {
        return Err(format!(
            "counters_per_start has {} values for {n} times",
            e.counters_per_start.len()
        ));
    }
    if !e.rounds.is_empty() && e.rounds.len() != n {
        return Err(format!(
            "rounds has {} values for {n} times",
            e.rounds.len()
        ));
    }
    if e.runs != 0 && e.runs as usize != n {
        return Err(format!("runs is {} but there are {n} times", e.runs));
    }
    let mut sorted = e.times.clone();
    sorted.sort_by(f64::total_cmp);
    let (min, max) = (sorted[0], sorted[n - 1]);
    // Whatever the definition of the median, it lies between the two middle values.
    let (lo, hi) = (sorted[(n - 1) / 2], sorted[n / 2]);
    let stored = [
        ("min", e.analysis.min, min, min),
        ("max", e.analysis.max, max, max),
        ("median", e.analysis.median, lo, hi),
        ("mean", e.analysis.mean, min, max),
    ];
    for (name, value, lo, hi) in stored {
        if let Some(v) = value {
            let inside = v.is_finite() && (near(v, lo) || v >= lo) && (near(v, hi) || v <= hi);
            if !inside {
                return Err(if near(lo, hi) {
                    format!("{name} is {v:?} but its times give {lo:?}")
                } else {
                    format!("{name} is {v:?}, outside its times' {lo:?} to {hi:?}")
                });
            }
        }
    }
    if let Some(sd) = e.analysis.stddev.filter(|sd| !non_negative(*sd)) {
        return Err(format!("stddev is {sd:?}"));
    }
    if let Some([lo, hi]) = e.analysis.ci95_median {
        if !(positive(lo) && positive(hi) && lo <= hi) {
            return Err(format!(
                "ci95_median [{lo:?}, {hi:?}] is not an interval of times"
            ));
        }
    }
    if let Some(r) = &e.analysis.ratio {
        let [lo, hi] = r.ci95;
        if !(positive(r.value) && positive(lo) && positive(hi) && lo <= hi) {
            return Err(format!(
                "ratio {:?} ({lo:?} – {hi:?}) is not a positive ratio with its interval",
                r.value
            ));
        }
    }
    if let Some(m) = e.mount_events_per_start.filter(|m| !non_negative(*m)) {
        return Err(format!("mount_events_per_start is {m:?}"));
    }
    if let Some(m) = e.mountinfo_wakeups_per_start.filter(|m| !non_negative(*m)) {
        return Err(format!("mountinfo_wakeups_per_start is {m:?}"));
    }
    if e.mount_events_per_start.is_some() && e.mountinfo_wakeups_per_start.is_some() {
        return Err("both an exact mount event count and mountinfo wake-ups".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::sample::{analyzed, sample};

    fn problem(edit: impl FnOnce(&mut Results)) -> String {
        let mut r = analyzed().into_results();
        edit(&mut r);
        validate(&r).unwrap_err()
    }

    #[test]
    fn sound_files_pass() {
        validate(&sample()).unwrap();
        validate(&analyzed()).unwrap();
        for f in ["baseline", "exec-true", "container-start"] {
            let path = format!("{}/results/{f}.json", env!("CARGO_MANIFEST_DIR"));
            let r: Results = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            validate(&r).unwrap_or_else(|e| panic!("{path}: {e}"));
        }
    }

    #[test]
    fn the_gates_bad_inputs_are_refused_naming_the_problem() {
        let e = problem(|r| r.results[1].analysis.median = Some(1e308));
        assert!(
            e.contains("results[1] (exec-true/memfd): median is 1e308"),
            "{e}"
        );
        let e = problem(|r| r.results[0].times.iter_mut().for_each(|t| *t = 0.0));
        assert!(e.contains("times[0] is 0.0, not a positive"), "{e}");
        let e = problem(|r| r.results[1].times[3] = -0.0042);
        assert!(e.contains("times[3] is -0.0042"), "{e}");
        let e = problem(|r| {
            r.results[1].rounds.pop();
        });
        assert!(e.contains("rounds has 39 values for 40 times"), "{e}");
        let e = problem(|r| r.results[1].times[0] = f64::NAN);
        assert!(e.contains("times[0] is NaN"), "{e}");
        let e = problem(|r| r.results[0].analysis.ratio.as_mut().unwrap().value = f64::INFINITY);
        assert!(e.contains("ratio inf"), "{e}");
        let e = problem(|r| {
            let dup = r.results[0].clone();
            r.results.push(dup);
        });
        assert!(e.contains("appears twice"), "{e}");
    }

    /// Issue 29, item 6: values 10³⁰⁰ apart made the charts spin; no run makes them.
    #[test]
    fn starts_no_run_can_make_are_refused() {
        let e = problem(|r| r.results[1].times[2] = 1e-300);
        assert!(
            e.contains("times[2] is 1e-300, shorter than the nanosecond"),
            "{e}"
        );
        let e = problem(|r| r.results[1].times[2] = 86_401.0);
        assert!(
            e.contains("times[2] is 86401.0, longer than the day"),
            "{e}"
        );
        let e = problem(|r| r.results[1].system_times[0] = 1e300);
        assert!(e.contains("system_times[0] is 1e300, longer"), "{e}");
        let e = problem(|r| r.results[1].phases_per_start = vec![[0.0, 1e308, 0.0, 0.0, 0.0]; 40]);
        assert!(e.contains("phases_per_start[0] holds 1e308, longer"), "{e}");
        // A day is the longest --run-timeout there is.
        use clap::Parser;
        let timeout = |t: f64| {
            let t = t.to_string();
            crate::cli::Cli::try_parse_from(["sealbench", "compare", "--run-timeout", &t])
        };
        assert!(timeout(MAX_START_SECONDS).is_ok());
        assert!(timeout(MAX_START_SECONDS + 1.0).is_err());
        // A day and a nanosecond are starts a run can keep.
        let mut r = analyzed().into_results();
        r.results[1].times[0] = 86_400.0;
        r.results[1].times[1] = 1e-9;
        r.results[1].analysis = Default::default();
        validate(&r).unwrap();
    }

    /// A key that counts how often it is compared.
    struct Counted<'a>(usize, &'a std::cell::Cell<u64>);

    impl PartialEq for Counted<'_> {
        fn eq(&self, other: &Self) -> bool {
            self.1.set(self.1.get() + 1);
            self.0 == other.0
        }
    }

    impl Eq for Counted<'_> {}

    impl std::hash::Hash for Counted<'_> {
        fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
            self.0.hash(h);
        }
    }

    /// Issue 29, item 5: the duplicate check compares each row with a few others, not
    /// with every earlier one (1 ok row and 10⁶ failed ones took over 600 s).
    #[test]
    fn the_duplicate_check_is_linear_in_rows() {
        let compared = std::cell::Cell::new(0);
        let n = 5_000;
        let keys = (0..n).chain([n / 2]).map(|k| Counted(k, &compared));
        assert_eq!(first_repeat(keys), Some((n / 2, n)));
        // Quadratic: n²/2 = 12.5 million comparisons. Hashed: about one per repeat.
        assert!(compared.get() < n as u64, "{} comparisons", compared.get());
    }

    #[test]
    fn more_rows_than_any_run_makes_are_refused() {
        let e = problem(|r| {
            let failed = r.results[2].clone();
            r.results.extend((0..MAX_ROWS).map(|i| Entry {
                strategy: format!("s{i}"),
                ..failed.clone()
            }));
        });
        assert!(e.contains(&format!("more than the {MAX_ROWS} rows")), "{e}");
    }
}
