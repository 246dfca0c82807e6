use plotters::style::FontStyle;
use std::sync::Once;

/// DejaVu Sans (assets/fonts, under its own free license).
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

pub const FAMILY: &str = "sans-serif";

pub fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS)
            .unwrap_or_else(|_| panic!("bundled font is valid"));
    });
}
