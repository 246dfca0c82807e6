//! The table model ([`super::model`]) on a terminal: it fits the terminal's width (or
//! `COLUMNS`), is plain ASCII when not written to a terminal, and colours verdicts only on
//! a terminal that takes colour (`NO_COLOR` and `--style` turn it off).

use super::model::{Align, Model};
use crate::results::Ratio;
use crate::stats::Verdict;
use comfy_table::presets::{ASCII_MARKDOWN, NOTHING, UTF8_FULL_CONDENSED};
use comfy_table::{Attribute, Cell, CellAlignment, Color, ContentArrangement, Table};
use std::io::IsTerminal;

/// `--style`, as hyperfine's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum StyleArg {
    /// `full` on a terminal, `basic` otherwise.
    #[default]
    Auto,
    /// Unicode borders and colour.
    Full,
    /// Unicode borders, no colour.
    Nocolor,
    /// ASCII borders, no colour.
    Basic,
    /// No borders, no colour: columns separated by spaces.
    None,
}

/// How the terminal table is drawn.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub borders: Borders,
    pub color: bool,
    /// The width to fit, when known.
    pub width: Option<u16>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Borders {
    Unicode,
    Ascii,
    None,
}

impl Style {
    /// The style `arg` asks for, on standard output as it is now.
    pub fn resolve(arg: StyleArg) -> Style {
        let tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let (borders, color) = match arg {
            StyleArg::Auto if tty => (Borders::Unicode, !no_color),
            StyleArg::Auto => (Borders::Ascii, false),
            StyleArg::Full => (Borders::Unicode, !no_color),
            StyleArg::Nocolor => (Borders::Unicode, false),
            StyleArg::Basic => (Borders::Ascii, false),
            StyleArg::None => (Borders::None, false),
        };
        Style {
            borders,
            color,
            width: width(tty),
        }
    }
}

/// `COLUMNS` when set, else the terminal's width; unbounded for a pipe.
fn width(tty: bool) -> Option<u16> {
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok());
    columns.or_else(|| {
        tty.then(|| {
            rustix::termios::tcgetwinsize(std::io::stdout())
                .ok()
                .map(|w| w.ws_col)
                .filter(|c| *c > 0)
        })
        .flatten()
    })
}

/// `1.052 (1.049–1.055)` for a ratio and its headline interval.
pub fn ratio_text(r: &Ratio) -> String {
    super::model::ratio_text(r.value, r.ci95)
}

fn verdict_color(v: Verdict) -> Option<Color> {
    // Blue and orange: told apart by every common colour-vision deficiency.
    match v {
        Verdict::Slower => Some(Color::DarkYellow),
        Verdict::Faster => Some(Color::Blue),
        _ => None,
    }
}

/// The model as text for the terminal: one table per workload, under its name.
pub fn render(model: &Model, style: Style) -> String {
    let workloads: indexmap::IndexSet<&str> =
        model.rows.iter().map(|r| r.workload.as_str()).collect();
    let mut out = String::new();
    for w in workloads {
        out.push_str(w);
        out.push('\n');
        out.push_str(&workload_table(model, w, style));
        out.push('\n');
    }
    out
}

fn workload_table(model: &Model, workload: &str, style: Style) -> String {
    let mut table = Table::new();
    table.load_style(match style.borders {
        Borders::Unicode => UTF8_FULL_CONDENSED,
        Borders::Ascii => ASCII_MARKDOWN,
        Borders::None => NOTHING,
    });
    if !style.color {
        table.force_no_tty();
    } else {
        table.enforce_styling();
    }
    match style.width {
        Some(w) => {
            table
                .set_width(w)
                .set_content_arrangement(ContentArrangement::Dynamic);
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    table.set_header(model.columns.iter().map(|c| Cell::new(c.header)));
    let verdict_column = model.columns.iter().position(|c| c.header.is_empty());
    for row in model.rows.iter().filter(|r| r.workload == workload) {
        let cells = row
            .cells
            .iter()
            .zip(&model.columns)
            .enumerate()
            .map(|(i, (text, c))| {
                let mut cell = Cell::new(text);
                if c.align == Align::Right {
                    cell = cell.set_alignment(CellAlignment::Right);
                }
                if let (true, Some(v), true) = (style.color, row.verdict, Some(i) == verdict_column)
                {
                    if let Some(color) = verdict_color(v) {
                        cell = cell.fg(color).add_attribute(Attribute::Bold);
                    }
                }
                cell
            });
        table.add_row(cells);
    }
    table.to_string()
}

/// `text` with its lines wrapped at `width` characters, at spaces.
pub fn wrap(text: &str, width: Option<u16>) -> String {
    let Some(width) = width.map(usize::from).filter(|w| *w >= 20) else {
        return text.to_string();
    };
    let mut out = String::new();
    for line in text.lines() {
        let body = line.trim_start();
        let indent = &line[..line.len() - body.len()];
        let mut current = indent.to_string();
        for word in body.split(' ') {
            let len = current.chars().count();
            if len > indent.len() && len + 1 + word.chars().count() > width {
                out.push_str(current.trim_end());
                out.push('\n');
                current = format!("{indent}  ");
            } else if len > indent.len() {
                current.push(' ');
            }
            current.push_str(word);
        }
        out.push_str(current.trim_end());
        out.push('\n');
    }
    out
}

/// What the ratio column and its marks mean, printed under the table.
pub fn legend(reference: &str) -> String {
    format!(
        "ratio: median over {reference}'s median, pooled over the run's passes; its 95% interval \
         holds the spread between passes and between runs made at other times (one pass: this run \
         only). ~: the interval holds 1; same: it lies within ±1%; small: it excludes 1 but \
         reaches inside ±1%; slower/faster: it lies wholly past ±1%. seal: what a live start was \
         seen to seal with; data: whether its pages are its own (independent) or the host \
         binary's (shared). --wide shows every figure.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_wrap_at_spaces_and_short_ones_stay() {
        let text = "one two three four five six seven eight nine ten eleven twelve";
        let w = wrap(text, Some(20));
        assert!(w.lines().all(|l| l.chars().count() <= 20), "{w}");
        assert_eq!(w.split_whitespace().count(), 12);
        assert_eq!(wrap("short", Some(20)), "short\n");
        assert_eq!(wrap("  indented line", Some(20)), "  indented line\n");
        assert_eq!(wrap(text, None), text);
    }
}
