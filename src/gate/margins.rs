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

/// One `--max-regression`: `3%` for every strategy, or `memfd=20%` for one.
#[derive(Debug, Clone, PartialEq)]
pub enum MarginSpec {
    Every(f64),
    One(String, f64),
}

impl std::str::FromStr for MarginSpec {
    type Err = String;

    fn from_str(spec: &str) -> Result<MarginSpec, String> {
        match spec.split_once('=') {
            Some((name, v)) => {
                let name = name.trim();
                if strategies::by_name(name).is_none() {
                    return Err(format!("unknown strategy {name:?}"));
                }
                Ok(MarginSpec::One(name.to_string(), fraction(v)?))
            }
            None => Ok(MarginSpec::Every(fraction(spec)?)),
        }
    }
}

impl Margins {
    /// The margins of repeated `--max-regression`s; of two for the same strategies, the
    /// later wins.
    pub fn new(specs: &[MarginSpec]) -> Margins {
        let mut m = Margins::default();
        for spec in specs {
            match spec {
                MarginSpec::Every(v) => m.default = *v,
                MarginSpec::One(name, v) => m.given.push((name.clone(), *v)),
            }
        }
        m
    }

    /// The margin of a row: the one given for its name, else the default, widened for
    /// a row that copies the binary per start (the row records it).
    pub fn for_row(&self, e: &crate::results::Entry) -> f64 {
        if let Some((_, v)) = self.given.iter().rev().find(|(n, _)| *n == e.strategy) {
            return *v;
        }
        if e.copies_per_start {
            COPY_MARGIN.max(self.default)
        } else {
            self.default
        }
    }
}

/// `10%` or `0.1`: a fraction of the baseline ratio, above 0 and below 1.
fn fraction(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let (num, percent) = match t.strip_suffix('%') {
        Some(n) => (n, true),
        None => (t, false),
    };
    let v: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a percentage like 3%"))?;
    let v = if percent { v / 100.0 } else { v };
    if v.is_finite() && v > 0.0 && v < 1.0 {
        Ok(v)
    } else {
        Err(format!(
            "{s:?} is out of range: give more than 0% and less than 100% (or 0 to 1)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_defaults_and_overrides() {
        let parse = |specs: &[&str]| -> Result<Margins, String> {
            let specs: Vec<MarginSpec> =
                specs.iter().map(|s| s.parse()).collect::<Result<_, _>>()?;
            Ok(Margins::new(&specs))
        };
        let row = |name: &str, copies: bool| crate::results::Entry {
            strategy: name.into(),
            copies_per_start: copies,
            ..Default::default()
        };
        let m = parse(&["5%", "overlayfs=0.02"]).unwrap();
        assert_eq!(m.for_row(&row("overlayfs", false)), 0.02);
        assert_eq!(m.for_row(&row("bind-ro", false)), 0.05);
        assert_eq!(m.for_row(&row("memfd", true)), COPY_MARGIN);
        assert_eq!(
            Margins::default().for_row(&row("open-tree", false)),
            DEFAULT_MARGIN
        );
        assert!(
            parse(&["25"]).is_err(),
            "25 without % is neither 25% nor 2500%"
        );
        assert!(parse(&["150%"]).is_err());
        assert!(parse(&["-5%"]).is_err());
        let e = parse(&["bogus=5%"]).unwrap_err();
        assert_eq!(e, "unknown strategy \"bogus\"");
        let e = parse(&["100%"]).unwrap_err();
        assert!(e.contains("less than 100%"), "{e}");
    }
}
