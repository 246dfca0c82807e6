//! `--inject-delay STRATEGY=DURATION`: a calibration aid that slows one strategy for real.

use crate::error::{Error, Result};
use strategies::SealStrategy;

/// A busy-wait added inside every timed start of one strategy.
#[derive(Clone, Copy)]
pub struct Injection {
    pub strategy: &'static dyn SealStrategy,
    pub delay: std::time::Duration,
}

impl Injection {
    /// Parse `STRATEGY=DURATION`; the strategy must be one of the run's.
    pub fn parse(spec: &str, strategies: &[&'static dyn SealStrategy]) -> Result<Injection> {
        let (name, d) = spec.split_once('=').ok_or_else(|| {
            Error::usage(format!(
                "--inject-delay {spec:?}: expected STRATEGY=DURATION"
            ))
        })?;
        let strategy = strategies
            .iter()
            .copied()
            .find(|s| s.name() == name)
            .ok_or_else(|| {
                Error::usage(format!(
                    "--inject-delay {spec:?}: {name:?} is not among the selected strategies"
                ))
            })?;
        let delay = humantime::parse_duration(d.trim()).map_err(|e| {
            Error::usage(format!("--inject-delay {spec:?}: {e} (like 60us or 1ms)"))
        })?;
        Ok(Injection { strategy, delay })
    }

    pub fn parse_all(
        specs: &[String],
        strategies: &[&'static dyn SealStrategy],
    ) -> Result<Vec<Injection>> {
        specs
            .iter()
            .map(|s| Injection::parse(s, strategies))
            .collect()
    }
}
