//! What a run measured, as far as its results file tells: the settings that change the
//! numbers themselves. The gate compares ratios of two runs; made with different settings
//! (a 12 MiB binary against a 1 MiB one, another kernel), their difference is the
//! settings', and calling it a regression of the code would be wrong.

use crate::results::{Host, Results};
use std::collections::BTreeSet;

/// How a run without `--bundle` is described: its bundle is the one sealbench makes.
pub const OWN_BUNDLE: &str = "the run's own";

/// The settings of a run that change what it measures. `None` where the file does not
/// say (an older file without its command): not compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    exe_size_bytes: u64,
    workloads: BTreeSet<String>,
    bundle: Option<String>,
    kernel: String,
    cpu_model: Option<String>,
    cpus: usize,
    /// Starts of a unit in a row within a round (`--block`).
    block: Option<u32>,
    /// Whether starts were instrumented (`--phases`), which costs them clock reads.
    phases: bool,
}

impl Settings {
    pub fn of(run: &Results) -> Settings {
        Settings {
            exe_size_bytes: run.host.exe_size_bytes,
            workloads: run.results.iter().map(|e| e.workload.clone()).collect(),
            bundle: run.command.as_deref().map(bundle_in),
            kernel: run.host.kernel.clone(),
            cpu_model: run.host.cpu_model.clone(),
            cpus: run.host.cpus,
            block: run.plan.as_ref().map(|p| p.block),
            phases: run.clock_read_ns.is_some(),
        }
    }

    /// The settings of passes made now, on `host`, of `baseline`'s plan and workloads, with
    /// sealbench's own bundle and no phases (as the gate makes them).
    pub fn rerun(baseline: &Results, host: &Host) -> Settings {
        Settings {
            bundle: Some(OWN_BUNDLE.into()),
            kernel: host.kernel.clone(),
            cpu_model: host.cpu_model.clone(),
            cpus: host.cpus,
            phases: false,
            ..Settings::of(baseline)
        }
    }

    /// Each setting as (name, value), `None` where unknown.
    fn named(&self) -> [(&'static str, Option<String>); 8] {
        [
            (
                "exe size",
                Some(format!(
                    "{:.1} MiB",
                    self.exe_size_bytes as f64 / f64::from(1 << 20)
                )),
            ),
            (
                "workloads",
                Some(self.workloads.iter().cloned().collect::<Vec<_>>().join(",")),
            ),
            ("bundle", self.bundle.clone()),
            ("kernel", Some(self.kernel.clone())),
            ("CPU model", self.cpu_model.clone()),
            ("CPUs", Some(self.cpus.to_string())),
            ("--block", self.block.map(|b| b.to_string())),
            (
                "--phases",
                Some(if self.phases { "on" } else { "off" }.into()),
            ),
        ]
    }

    /// `Err` with one line naming every difference, when `self` (the settings of `now`)
    /// does not measure what `baseline` (of the file `then`) measured.
    pub fn check(&self, baseline: &Settings, now: &str, then: &str) -> Result<(), String> {
        let differences = self.differences(baseline);
        if differences.is_empty() {
            return Ok(());
        }
        Err(format!(
            "{now} does not measure what {then} measured: {}; the gate compares only runs made \
             with the same settings (make a baseline with these)",
            differences.join("; ")
        ))
    }

    /// Where `self` (a current run) differs from `baseline`: `NAME VALUE (baseline VALUE)`
    /// for each setting both know. Empty when they measure the same thing.
    pub fn differences(&self, baseline: &Settings) -> Vec<String> {
        self.named()
            .into_iter()
            .zip(baseline.named())
            .filter_map(|((name, now), (_, then))| match (now, then) {
                (Some(now), Some(then)) if now != then => {
                    Some(format!("{name} {now} (baseline {then})"))
                }
                _ => None,
            })
            .collect()
    }
}

/// The `--bundle` of a recorded command line, or [`OWN_BUNDLE`] without one. A bundle is
/// known by the path it was given at: what is in it is not recorded.
fn bundle_in(command: &str) -> String {
    let words = shell_words::split(command).unwrap_or_default();
    let mut words = words.iter();
    while let Some(w) = words.next() {
        if w == "--bundle" {
            if let Some(path) = words.next() {
                return path.clone();
            }
        } else if let Some(path) = w.strip_prefix("--bundle=") {
            return path.to_string();
        }
    }
    OWN_BUNDLE.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::sample::sample;

    #[test]
    fn the_bundle_is_read_from_the_command_in_either_form() {
        assert_eq!(bundle_in("sealbench compare --bundle '/a b' -q"), "/a b");
        assert_eq!(bundle_in("sealbench compare --bundle=/c"), "/c");
        assert_eq!(bundle_in("sealbench compare -q"), OWN_BUNDLE);
    }

    #[test]
    fn only_what_both_runs_record_is_compared() {
        let base = sample();
        let mut now = sample();
        assert!(Settings::of(&now)
            .differences(&Settings::of(&base))
            .is_empty());
        now.host.exe_size_bytes = 1 << 20;
        now.host.cpu_model = None;
        now.plan = None;
        now.command = None;
        assert_eq!(
            Settings::of(&now).differences(&Settings::of(&base)),
            ["exe size 1.0 MiB (baseline 12.0 MiB)"]
        );
        now.command = Some("sealbench compare --bundle /b".into());
        assert_eq!(
            Settings::of(&now).differences(&Settings::of(&base))[1],
            "bundle /b (baseline the run's own)"
        );
    }
}
