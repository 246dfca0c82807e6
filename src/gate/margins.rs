//! How much a strategy's ratio may rise before the gate calls it a regression.

/// The default margin: the field argues about effects of 1–5%.
pub const DEFAULT_MARGIN: f64 = 0.03;

/// The default for strategies that copy the whole binary per start (memfd, tmpfile):
/// their cost follows the machine's memory bandwidth, which moved their ratios by up to
/// ±14% between a baseline and a run minutes later on the reference VM.
pub const COPY_MARGIN: f64 = 0.20;

#[derive(Debug, Clone, PartialEq)]
pub struct Margins {
    pub default: f64,
    /// Margins given per strategy on the command line.
    pub given: Vec<(String, f64)>,
}

impl Default for Margins {
    fn default() -> Self {
        Margins {
            default: DEFAULT_MARGIN,
            given: Vec::new(),
        }
    }
}

impl Margins {
    /// `--max-regression 3%` (every strategy) or `memfd=20%` (one), repeatable.
    pub fn parse(specs: &[String]) -> Result<Margins, String> {
        let mut m = Margins::default();
        for spec in specs {
            match spec.split_once('=') {
                Some((name, v)) => {
                    if strategies::by_name(name.trim()).is_none() {
                        return Err(format!(
                            "--max-regression {spec:?}: unknown strategy {name:?}"
                        ));
                    }
                    m.given.push((name.trim().to_string(), fraction(v, spec)?));
                }
                None => m.default = fraction(spec, spec)?,
            }
        }
        Ok(m)
    }

    pub fn for_strategy(&self, name: &str) -> f64 {
        if let Some((_, v)) = self.given.iter().rev().find(|(n, _)| n == name) {
            return *v;
        }
        match strategies::by_name(name) {
            Some(s) if s.copies_per_start() => COPY_MARGIN.max(self.default),
            _ => self.default,
        }
    }
}

/// `10%` or `0.1`: a fraction of the baseline ratio, above 0 and below 1.
fn fraction(s: &str, spec: &str) -> Result<f64, String> {
    let t = s.trim();
    let (num, percent) = match t.strip_suffix('%') {
        Some(n) => (n, true),
        None => (t, false),
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("--max-regression {spec:?} is not a percentage like 3%"))?;
    let v = if percent { v / 100.0 } else { v };
    if v.is_finite() && v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err(format!(
            "--max-regression {spec:?} is out of range: give more than 0% and less than 100% (or 0 to 1)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_defaults_and_overrides() {
        let m = Margins::parse(&["5%".into(), "overlayfs=0.02".into()]).unwrap();
        assert_eq!(m.for_strategy("overlayfs"), 0.02);
        assert_eq!(m.for_strategy("bind-ro"), 0.05);
        assert_eq!(m.for_strategy("memfd"), COPY_MARGIN);
        assert_eq!(Margins::default().for_strategy("open-tree"), DEFAULT_MARGIN);
        assert!(
            Margins::parse(&["25".into()]).is_err(),
            "25 without % is neither 25% nor 2500%"
        );
        assert!(Margins::parse(&["150%".into()]).is_err());
        assert!(Margins::parse(&["-5%".into()]).is_err());
        assert!(Margins::parse(&["bogus=5%".into()]).is_err());
        let e = Margins::parse(&["100%".into()]).unwrap_err();
        assert!(e.contains("less than 100%"), "{e}");
    }
}
