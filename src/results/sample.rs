//! A synthetic results file for tests of everything downstream of a run.

use super::{Entry, Host, Results, Status, SCHEMA};
use super::{Plan, RunCount};

/// Three rows of exec-true: a reference, a strategy about 2.5 times slower, and one the
/// kernel could not run.
pub fn sample() -> Results {
    let row = |strategy: &str, scale: f64| {
        let times: Vec<f64> = (0..40)
            .map(|i| scale * (1.0e-3 + 1.0e-5 * f64::from((i * 7) % 13)))
            .collect();
        Entry {
            strategy: strategy.into(),
            workload: "exec-true".into(),
            status: Status::Ok,
            runs: 40,
            user_times: times.iter().map(|t| t * 0.3).collect(),
            system_times: times.iter().map(|t| t * 0.5).collect(),
            rounds: (0..40).collect(),
            times,
            ..Entry::default()
        }
    };
    Results {
        schema: SCHEMA.into(),
        host: Host {
            kernel: "6.18.0-test".into(),
            cpus: 2,
            exe_size_bytes: 12 << 20,
            cpu_model: Some("Test CPU".into()),
            hardware_counters: None,
            memory_charge: None,
        },
        plan: Some(Plan {
            warmup: 2,
            runs: RunCount::Fixed(40),
            block: 1,
            seed: 99,
            passes: 1,
        }),
        clock_read_ns: None,
        command: Some("sealbench compare --strategies noclone,memfd,overlayfs --seed 99".into()),
        results: vec![
            row("noclone", 1.0),
            row("memfd", 2.5),
            Entry {
                strategy: "overlayfs".into(),
                workload: "exec-true".into(),
                status: Status::Unsupported,
                reason: Some("fsopen(\"overlay\"): ENODEV, no overlay here".into()),
                ..Entry::default()
            },
        ],
    }
}

/// [`sample`], analyzed against noclone.
pub fn analyzed() -> super::Analyzed {
    crate::results::analyze(sample(), "noclone")
}
