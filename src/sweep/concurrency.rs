use super::SweepEntry;
use crate::benchmark::{Contender, Plan, Unit, UnitState};
use crate::command::compare::unit_for;
use crate::results::Status;
use crate::sandbox::Sandbox;
use crate::workload::Workload;
use std::time::Instant;
use strategies::{Result, SealStrategy};

/// `n` starters of one strategy at once, each with its own runtime binary and set-up, each
/// making the plan's number of starts. Latency: the median start over all of them;
/// throughput: all starts over the wall time of the whole.
pub fn measure(
    sb: &Sandbox,
    n: usize,
    value: &str,
    strategies: &[&dyn SealStrategy],
    workloads: &[&dyn Workload],
    plan: &Plan,
) -> Result<Vec<SweepEntry>> {
    let runs = match plan.runs {
        crate::benchmark::RunCount::Fixed(r) => r,
        crate::benchmark::RunCount::Budget { min, .. } => min,
    };
    let mut out = Vec::new();
    for w in workloads {
        for s in strategies {
            let mut units: Vec<Unit> = (0..n)
                .map(|i| unit_for(sb, *s, *w, &format!("c{i}-{}-{}", w.name(), s.name())))
                .collect();
            let mut contenders: Vec<&mut Box<dyn Contender>> = Vec::new();
            let mut problem = None;
            for u in units.iter_mut() {
                match &mut u.state {
                    UnitState::Ready(c) => contenders.push(c),
                    UnitState::Unsupported(why) => {
                        problem = Some((Status::Unsupported, why.clone()))
                    }
                    UnitState::Unavailable(why) => {
                        problem = Some((Status::Unavailable, why.clone()))
                    }
                    UnitState::Failed(why) => problem = Some((Status::Failed, why.clone())),
                }
            }
            let entry = |status, reason: Option<String>, times: Vec<f64>, throughput| {
                let mut e = SweepEntry {
                    strategy: s.name().into(),
                    workload: w.name().into(),
                    value: value.into(),
                    value_num: n as f64,
                    status,
                    reason,
                    median: None,
                    ci95_median: None,
                    times,
                    throughput,
                };
                if !e.times.is_empty() {
                    e.median = Some(crate::stats::median(&e.times));
                    e.ci95_median = Some(crate::stats::median_ci(&e.times, plan.seed ^ n as u64));
                }
                e
            };
            if let Some((status, why)) = problem {
                drop(contenders);
                units.iter_mut().for_each(Unit::finish);
                out.push(entry(status, Some(why), Vec::new(), None));
                continue;
            }
            // All starters warm up, then start measuring together.
            let barrier = std::sync::Barrier::new(n);
            let per_thread: Vec<Result<(Vec<f64>, Instant, Instant)>> =
                std::thread::scope(|scope| {
                    let handles: Vec<_> = contenders
                        .into_iter()
                        .map(|c| {
                            let barrier = &barrier;
                            scope.spawn(move || -> Result<(Vec<f64>, Instant, Instant)> {
                                let warm: Result<()> =
                                    (0..plan.warmup).try_for_each(|_| c.start().map(drop));
                                barrier.wait();
                                warm?;
                                let begin = Instant::now();
                                let times = (0..runs)
                                    .map(|_| {
                                        let t = Instant::now();
                                        let exit = c.start()?;
                                        let wall = t.elapsed().as_secs_f64();
                                        if exit.success() {
                                            Ok(wall)
                                        } else {
                                            Err(strategies::Error::msg(format!(
                                                "the start {}",
                                                exit.describe()
                                            )))
                                        }
                                    })
                                    .collect::<Result<Vec<f64>>>()?;
                                Ok((times, begin, Instant::now()))
                            })
                        })
                        .collect();
                    handles
                        .into_iter()
                        .map(|h| {
                            h.join()
                                .unwrap_or_else(|_| Err(strategies::Error::msg("starter panicked")))
                        })
                        .collect()
                });
            units.iter_mut().for_each(Unit::finish);
            let (mut times, mut span, mut failure) = (Vec::new(), None::<(Instant, Instant)>, None);
            for r in per_thread {
                match r {
                    Ok((t, begin, end)) => {
                        times.extend(t);
                        span = Some(span.map_or((begin, end), |(b, e)| (b.min(begin), e.max(end))));
                    }
                    Err(e) => failure = Some(e.to_string()),
                }
            }
            let elapsed = span.map_or(f64::NAN, |(b, e)| (e - b).as_secs_f64());
            out.push(match failure {
                Some(why) => entry(Status::Failed, Some(why), Vec::new(), None),
                None => {
                    let total = times.len() as f64;
                    entry(Status::Ok, None, times, Some(total / elapsed))
                }
            });
        }
    }
    Ok(out)
}
