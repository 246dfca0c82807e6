use crate::results::sample::{analyzed, sample};
use crate::results::{analyze, Data, Kind};
use std::path::{Path, PathBuf};

fn temp_dir(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("sealbench-plot-{name}-{}", std::process::id()))
}

fn svg(dir: &Path, chart: &str) -> String {
    let s = std::fs::read_to_string(dir.join(format!("{chart}.svg"))).unwrap();
    assert!(
        s.starts_with("<svg") && s.trim_end().ends_with("</svg>"),
        "{chart}.svg"
    );
    s
}

fn dark_pixels(png: &image::RgbImage) -> usize {
    png.pixels().filter(|p| p.0.iter().all(|&c| c < 80)).count()
}

/// Whether the SVG has a text element that is exactly `text` (the backend writes the
/// text on a line of its own).
fn has_text(svg: &str, text: &str) -> bool {
    svg.contains(&format!(">\n{text}\n</text>")) || svg.contains(&format!(">{text}</text>"))
}

/// The `#RRGGBB` the SVG backend writes for a colour.
fn hex(c: plotters::style::RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// Both formats of both charts are written, are what they claim to be, and carry content:
/// the SVG names every measured strategy, the PNG decodes and is far from blank.
#[test]
fn charts_are_valid_non_trivial_svg_and_png() {
    let dir = temp_dir("valid");
    let written = super::write_charts(&analyzed(), &dir).unwrap();
    assert_eq!(written.len(), 6);
    // The forest plot: every ratio printed beside its row, the reference named.
    let ratios = svg(&dir, "ratios");
    for text in [
        "noclone",
        "memfd",
        "reference",
        "2.500 (",
        "slower",
        "40 rounds",
    ] {
        assert!(ratios.contains(text), "ratios.svg lacks {text}");
    }
    assert!(!ratios.contains(" runs"), "the table says rounds");
    let png = image::open(dir.join("ratios.png")).unwrap().to_rgb8();
    let dark = dark_pixels(&png);
    assert!(dark > 2000, "ratios.png has {dark} dark pixels");
    for chart in ["medians", "distribution"] {
        let svg = svg(&dir, chart);
        for label in ["noclone", "memfd", "6.18.0-test", "40 rounds"] {
            assert!(svg.contains(label), "{chart}.svg lacks {label}");
        }
        let png = image::open(dir.join(format!("{chart}.png")))
            .unwrap()
            .to_rgb8();
        assert_eq!(png.dimensions(), (super::PANEL_W, super::PANEL_H));
        let dark = dark_pixels(&png);
        let colored = png
            .pixels()
            .filter(|p| p.0[0] > 200 && p.0[2] < 150)
            .count();
        // Text and axes are dark pixels (glyphs rendered from the bundled font); bars or
        // boxes are memfd's rose.
        assert!(dark > 2000, "{chart}.png has {dark} dark pixels");
        assert!(colored > 500, "{chart}.png has {colored} colored pixels");
    }
    assert!(
        svg(&dir, "medians").contains("2.50×"),
        "the medians chart writes the ratio on the bar"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A strategy has one colour in every chart (its registry colour), and a runtime another
/// one, the same in every chart too.
#[test]
fn a_strategy_has_the_same_colour_in_every_chart() {
    let mut results = sample();
    let mut peer = results.results[1].clone();
    peer.strategy = "runc".into();
    peer.kind = Kind::Runtime;
    results.results.push(peer);
    let dir = temp_dir("colours");
    super::write_charts(&analyze(results, "noclone"), &dir).unwrap();
    let memfd = hex(super::palette::strategy("memfd").unwrap());
    let noclone = hex(super::palette::strategy("noclone").unwrap());
    let runc = hex(super::palette::Colors::of([("runc", false)]).get("runc"));
    assert_ne!(memfd, runc);
    for chart in ["ratios", "medians", "distribution"] {
        let svg = svg(&dir, chart);
        for (name, c) in [("memfd", &memfd), ("noclone", &noclone), ("runc", &runc)] {
            assert!(svg.contains(c.as_str()), "{chart}.svg lacks {name}'s {c}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Rows that carry `data` are marked on the ratio chart, filled or hollow, with a key.
#[test]
fn the_ratio_chart_shows_what_each_seal_protects() {
    let dir = temp_dir("data");
    let plain = {
        super::write_charts(&analyzed(), &dir).unwrap();
        svg(&dir, "ratios")
    };
    assert!(!plain.contains("data independent"), "no key without data");
    let mut results = sample();
    results.results[0].data = Some(Data::Shared);
    results.results[1].data = Some(Data::Independent);
    super::write_charts(&analyze(results, "noclone"), &dir).unwrap();
    let marked = svg(&dir, "ratios");
    // The third row (overlayfs) is unsupported: every drawn row was observed.
    assert!(
        !marked.contains("not observed"),
        "no key entry for a mark not drawn"
    );
    for key in ["data independent", "data shared"] {
        assert!(marked.contains(key), "ratios.svg lacks {key}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every results file committed under results/ draws: each chart a valid SVG and a PNG
/// of its panels' size with content, every row named.
#[test]
fn the_committed_results_draw() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("results");
    let dir = temp_dir("committed");
    let mut drawn = 0;
    for name in [
        "exec-true",
        "workloads",
        "full-start",
        "phases",
        "container-start",
        "seed-experiment",
    ] {
        let path = root.join(format!("{name}.json"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let results: crate::results::Results = serde_json::from_str(&text).unwrap();
        let names: Vec<String> = results
            .results
            .iter()
            .filter(|e| e.is_ok())
            .map(|e| e.strategy.clone())
            .collect();
        let out = dir.join(name);
        let written = super::write_charts(&analyze(results, "noclone"), &out).unwrap();
        for p in written
            .iter()
            .filter(|p| p.extension().is_some_and(|x| x == "png"))
        {
            let png = image::open(p).unwrap().to_rgb8();
            assert_eq!(png.width(), super::PANEL_W, "{}", p.display());
            assert!(dark_pixels(&png) > 2000, "{}", p.display());
        }
        let ratios = svg(&out, "ratios");
        for n in &names {
            assert!(has_text(&ratios, n), "{name}: ratios.svg lacks {n}");
        }
        drawn += 1;
    }
    for param in ["exe-size", "host-mounts", "concurrency"] {
        let path = root.join("sweeps").join(format!("{param}.json"));
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let mut sweep: crate::sweep::SweepResults = serde_json::from_str(&text).unwrap();
        crate::sweep::analyze(&mut sweep.results, sweep.plan.seed);
        let out = dir.join(param);
        let written = super::write_sweep_charts(&sweep, &out).unwrap();
        for p in &written {
            if p.extension().is_some_and(|x| x == "svg") {
                let s = std::fs::read_to_string(p).unwrap();
                // The ticks are the swept values.
                for v in sweep.results.iter().map(|r| &r.value) {
                    let tick = match sweep.param {
                        crate::sweep::Param::ExeSize => v.trim_end_matches(['M', 'm']).to_string(),
                        _ => v.clone(),
                    };
                    assert!(has_text(&s, &tick), "{} lacks tick {tick}", p.display());
                }
                if sweep.results.iter().any(|r| r.throughput.is_some()) {
                    assert!(s.contains("starts per second"), "{}", p.display());
                }
            }
        }
        drawn += 1;
    }
    std::fs::remove_dir_all(&dir).ok();
    assert!(drawn > 0 || !root.exists());
}

/// Odd shapes draw too: the reference alone, a row 40 times slower and one 10 times faster
/// (the axis breaks on both sides of 1), a one-value sweep.
#[test]
fn odd_runs_draw() {
    let dir = temp_dir("odd");
    let mut alone = sample();
    alone.results.truncate(1);
    super::write_charts(&analyze(alone, "noclone"), &dir).unwrap();
    let mut wide = sample();
    let mut slow = wide.results[1].clone();
    slow.strategy = "slow".into();
    slow.kind = Kind::Runtime;
    slow.times.iter_mut().for_each(|t| *t *= 16.0);
    let mut fast = wide.results[1].clone();
    fast.strategy = "fast".into();
    fast.kind = Kind::Runtime;
    fast.times.iter_mut().for_each(|t| *t /= 25.0);
    wide.results.extend([slow, fast]);
    super::write_charts(&analyze(wide, "noclone"), &dir).unwrap();
    let ratios = svg(&dir, "ratios");
    for n in ["slow", "fast", "memfd"] {
        assert!(has_text(&ratios, n), "ratios.svg lacks {n}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
