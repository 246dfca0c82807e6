//! Axis ranges made from data, checked before plotters sees them. plotters finds an
//! axis's ticks by stepping from its start to its end: an end that is infinite, or a log
//! axis over more decades than an f64 can count (10⁻³⁰⁰ to 10³⁰⁰), is never reached, and
//! the drawing spins forever in `LogCoord::key_points`. Loading refuses values no run
//! makes; this is what a chart of anything else (a sweep file, a future field) meets.

use super::DrawError;
use std::ops::Range;

/// The most decades a log axis spans: a ratio of 10⁻⁹ to a day (the bounds of a start)
/// is under 14, and past about 30 the ticks would not fit the chart anyway.
const MAX_DECADES: f64 = 30.0;

fn refuse(what: &str, lo: f64, hi: f64, why: &str) -> DrawError {
    DrawError::Axis(format!(
        "cannot draw a {what} axis from {lo:e} to {hi:e}: {why}"
    ))
}

/// A log axis from `lo` to `hi`.
pub fn log(lo: f64, hi: f64) -> Result<Range<f64>, DrawError> {
    if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && hi > lo) {
        return Err(refuse("log", lo, hi, "not a range of positive numbers"));
    }
    if (hi.log10() - lo.log10()) > MAX_DECADES {
        return Err(refuse(
            "log",
            lo,
            hi,
            &format!("more than {MAX_DECADES} decades"),
        ));
    }
    Ok(lo..hi)
}

/// [`log`] in `f32`, which the distribution chart's box plots are drawn in.
pub fn log_f32(lo: f64, hi: f64) -> Result<Range<f32>, DrawError> {
    let r = log(lo, hi)?;
    let (a, b) = (r.start as f32, r.end as f32);
    if !(a.is_finite() && b.is_finite() && a > 0.0 && b > a) {
        return Err(refuse("log", lo, hi, "beyond what an f32 holds"));
    }
    Ok(a..b)
}

/// A linear axis from `lo` to `hi`.
pub fn linear(lo: f64, hi: f64) -> Result<Range<f64>, DrawError> {
    if !(lo.is_finite() && hi.is_finite() && (hi - lo).is_finite() && hi >= lo) {
        return Err(refuse("linear", lo, hi, "not a finite range"));
    }
    Ok(lo..hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_plotters_cannot_step_through_are_refused() {
        assert_eq!(log(0.5, 200.0).unwrap(), 0.5..200.0);
        assert_eq!(linear(0.0, 3.0).unwrap(), 0.0..3.0);
        for (lo, hi) in [
            (1e-300, 1e300),
            (1.0, f64::INFINITY),
            (0.0, 1.0),
            (-1.0, 1.0),
            (f64::NAN, 1.0),
            (2.0, 1.0),
        ] {
            assert!(log(lo, hi).is_err(), "{lo} {hi}");
        }
        assert!(log_f32(1.0, 1e39).is_err());
        assert!(log_f32(1e-50, 1.0).is_err());
        assert!(linear(-1e308, 1e308).is_err());
        assert!(linear(0.0, f64::INFINITY).is_err());
        let e = log(1e-300, 1e300).unwrap_err().to_string();
        assert_eq!(
            e,
            "cannot draw a log axis from 1e-300 to 1e300: more than 30 decades"
        );
    }
}
