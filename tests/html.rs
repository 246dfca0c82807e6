//! The HTML report, opened in a real headless Chromium: every row is in the DOM it builds,
//! and a screenshot of it is not blank.

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

fn chromium() -> &'static str {
    for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(p).is_file() {
            return p;
        }
    }
    panic!("chromium is not installed: scripts/setup.sh installs it (Debian's chromium)");
}

/// Headless Chromium with no network and a profile of its own, as root needs.
fn browser(profile: &Path) -> Command {
    let mut c = Command::new(chromium());
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

#[test]
fn the_html_report_opens_in_chromium_with_every_row() {
    let dir = TempDir::new("html");
    let html = dir.path("r.html");
    let results = Path::new(env!("CARGO_MANIFEST_DIR")).join("results/exec-true.json");
    // Against itself as the baseline: the report shows every row's change (none).
    run_ok(
        sealbench()
            .arg("report")
            .arg(&results)
            .arg("--baseline")
            .arg(&results)
            .arg("--html")
            .arg(&html),
    );
    let text = std::fs::read_to_string(&html).unwrap();
    // Self-contained: no script, nothing fetched from elsewhere.
    assert!(!text.contains("<script"), "the report needs no JavaScript");
    for attr in ["src=\"http", "href=\"http", "src=\"//", "url(http"] {
        assert!(
            !text.contains(attr),
            "the report loads something from elsewhere: {attr}"
        );
    }
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&results).unwrap()).unwrap();
    let rows: Vec<String> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["strategy"].as_str().unwrap().to_string())
        .collect();
    assert!(rows.len() >= 9, "{rows:?}");

    // The DOM Chromium built from the file holds a row for every strategy of the run.
    let out = browser(&dir.path("profile-dom"))
        .arg("--dump-dom")
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("run chromium");
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("id=\"ratio-chart\""),
        "no ratio chart in the DOM: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for s in &rows {
        assert!(
            dom.contains(&format!("data-strategy=\"{s}\"")),
            "no row for {s} in the DOM Chromium built"
        );
    }
    // The distributions, and the comparison with the baseline, one row per strategy but
    // the reference, each with no change.
    assert!(
        dom.contains("id=\"distribution-chart\""),
        "no distributions"
    );
    let changed = dom.matches("<tr data-row=\"exec-true/").count();
    assert_eq!(
        changed,
        rows.len() - 1,
        "one change row per strategy but the reference"
    );
    assert!(
        dom.contains("+0.0%"),
        "a file against itself changes by nothing"
    );

    // A screenshot of the page is not blank: many pixels differ from the background.
    let shot = dir.path("shot.png");
    let out = browser(&dir.path("profile-shot"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1280,2200")
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("run chromium");
    let img = image::open(&shot)
        .unwrap_or_else(|e| {
            panic!(
                "no screenshot ({e}): {}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
        .to_rgb8();
    let background = img.get_pixel(0, 0).0;
    let drawn = img.pixels().filter(|p| p.0 != background).count();
    let share = drawn as f64 / (img.width() * img.height()) as f64;
    assert!(
        share > 0.02,
        "the screenshot is nearly blank: {:.2}% drawn",
        share * 100.0
    );
    // The inline chart is an SVG Chromium can draw: rendered alone, it is not blank either
    // (its axes, labels and points are dark on white).
    let start = text
        .find("src=\"data:image/svg+xml;base64,")
        .expect("an inline chart")
        + 5;
    let uri = &text[start..start + text[start..].find('"').unwrap()];
    let page = dir.path("chart.html");
    std::fs::write(
        &page,
        format!("<!DOCTYPE html><body style=\"margin:0\"><img src=\"{uri}\"></body>"),
    )
    .unwrap();
    let chart = dir.path("chart.png");
    let out = browser(&dir.path("profile-chart"))
        .arg(format!("--screenshot={}", chart.display()))
        .arg("--window-size=1100,600")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    let img = image::open(&chart)
        .unwrap_or_else(|e| {
            panic!(
                "no chart screenshot ({e}): {}",
                String::from_utf8_lossy(&out.stderr)
            )
        })
        .to_rgb8();
    let dark = img
        .pixels()
        .filter(|p| p.0.iter().all(|c| *c < 100))
        .count();
    let white = img
        .pixels()
        .filter(|p| p.0.iter().all(|c| *c > 240))
        .count();
    assert!(
        dark > 2_000 && white > dark,
        "the chart drew {dark} dark pixels of {}",
        img.width() * img.height()
    );
}
