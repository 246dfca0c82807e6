//! criterion benches, per strategy: the sealing step alone, a whole exec-true start, and a
//! whole container-start. Names carry the strategy (`seal/overlayfs`,
//! `exec-true/overlayfs`), so `cargo bench -- overlayfs` runs one strategy's.
//!
//! The bench process enters sealbench's private mount namespace first, as a run's worker
//! does, so that nothing it mounts outlives it. It needs root; without it, it says so.

use criterion::{criterion_group, criterion_main, Criterion};
use sealbench::benchmark::{time_one, units_for, Missed, UnitState};
use sealbench::sandbox::{enter_here, Options, Sandbox};
use std::time::{Duration, Instant};

fn sandbox() -> Option<Sandbox> {
    if !rustix::process::geteuid().is_root() {
        eprintln!(
            "skipping every bench: sealbench's benches need root for their private mount namespace"
        );
        return None;
    }
    match enter_here(&Options {
        exe_size: 12 << 20,
        ..Options::default()
    }) {
        Ok(sb) => Some(sb),
        Err(e) => {
            eprintln!("skipping every bench: {e}");
            None
        }
    }
}

fn benches(c: &mut Criterion) {
    let Some(sb) = sandbox() else { return };
    let mut seal = c.benchmark_group("seal");
    for s in strategies::registry() {
        let target = match sb.target_for(&format!("bench-seal-{}", s.name())) {
            Ok((_, t)) => t,
            Err(e) => {
                eprintln!("skipping seal/{}: {e}", s.name());
                continue;
            }
        };
        if let Err(why) = s.probe(&target) {
            eprintln!("skipping seal/{}: unsupported: {why}", s.name());
            continue;
        }
        let Ok(mut sealer) = s.prepare(&target) else {
            continue;
        };
        // Only the seal is timed; releasing what it made is not.
        seal.bench_function(s.name(), |b| {
            b.iter_custom(|iters| {
                let mut spent = Duration::ZERO;
                for _ in 0..iters {
                    let t = Instant::now();
                    let sealed = sealer.seal().expect("seal");
                    spent += t.elapsed();
                    drop(sealed);
                }
                spent
            })
        });
        let _ = sealer.teardown();
    }
    seal.finish();
    let strategies = strategies::registry();
    for w in sealbench::workload::registry() {
        let mut group = c.benchmark_group(w.name());
        for mut unit in units_for(&sb, &strategies, &[w], "bench-") {
            if let UnitState::Unsupported(why)
            | UnitState::Unavailable(why)
            | UnitState::Failed(why) = &unit.state
            {
                eprintln!(
                    "skipping {}/{}: unsupported: {why}",
                    unit.workload,
                    unit.name()
                );
                continue;
            }
            // A whole start, seal to reap, timed as `compare` times it.
            let name = unit.name();
            group.bench_function(name, |b| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| {
                            time_one(&mut unit, 0)
                                .map_err(Missed::into_error)
                                .expect("start")
                        })
                        .map(|sample| Duration::from_secs_f64(sample.wall))
                        .sum()
                })
            });
            unit.finish();
        }
        group.finish();
    }
}

criterion_group! {
    name = starts;
    config = Criterion::default().sample_size(20).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(starts);
