use crate::results::sample::analyzed;

/// Both formats of both charts are written, are what they claim to be, and carry content:
/// the SVG names every measured strategy, the PNG decodes and is far from blank.
#[test]
fn charts_are_valid_non_trivial_svg_and_png() {
    let dir = std::env::temp_dir().join(format!("sealbench-plot-test-{}", std::process::id()));
    let written = super::write_charts(&analyzed(), &dir).unwrap();
    assert_eq!(written.len(), 6);
    // The forest plot: every ratio printed beside its row, the reference named.
    let ratios = std::fs::read_to_string(dir.join("ratios.svg")).unwrap();
    for text in ["noclone", "memfd", "reference", "2.500 (", "slower"] {
        assert!(ratios.contains(text), "ratios.svg lacks {text}");
    }
    let png = image::open(dir.join("ratios.png")).unwrap().to_rgb8();
    let dark = png.pixels().filter(|p| p.0.iter().all(|&c| c < 80)).count();
    assert!(dark > 2000, "ratios.png has {dark} dark pixels");
    for chart in ["medians", "distribution"] {
        let svg = std::fs::read_to_string(dir.join(format!("{chart}.svg"))).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{chart}.svg"
        );
        for label in ["noclone", "memfd", "6.18.0-test"] {
            assert!(svg.contains(label), "{chart}.svg lacks {label}");
        }
        let png = image::open(dir.join(format!("{chart}.png")))
            .unwrap()
            .to_rgb8();
        assert_eq!(png.dimensions(), (super::PANEL_W, super::PANEL_H));
        let dark = png.pixels().filter(|p| p.0.iter().all(|&c| c < 80)).count();
        let colored = png
            .pixels()
            .filter(|p| p.0[0] > 200 && p.0[2] < 150)
            .count();
        // Text and axes are dark pixels (glyphs rendered from the bundled font); bars or
        // boxes are the orange of the palette.
        assert!(dark > 2000, "{chart}.png has {dark} dark pixels");
        assert!(colored > 500, "{chart}.png has {colored} colored pixels");
    }
    assert!(
        svg_has_ratio(&dir),
        "the medians chart writes the ratio on the bar"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn svg_has_ratio(dir: &std::path::Path) -> bool {
    std::fs::read_to_string(dir.join("medians.svg"))
        .unwrap()
        .contains("2.50×")
}
