//! Printing that cannot panic. `println!` panics when standard output fails (a full disk,
//! `/dev/full`, a closed pipe), which would lose a run's results; here a failed print is
//! an error that says what happened, raised after the exports are written.

use super::shown;
use crate::error::{Error, Result};
use crate::results::Analyzed;
use std::fmt::Write as _;
use std::io::Write;

/// Write `text` to standard output, or say why it could not be. Names from files in it
/// are shown, never obeyed (see `escape`): everything printed goes through here or `err`.
pub fn out(text: &str) -> Result<()> {
    let text = crate::printable::for_terminal(text);
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|source| Error::Io {
            what: "cannot print to standard output".into(),
            source,
        })
}

/// Write `text`, made here with every name from outside already [`shown`], as it is: the
/// table's own colours must reach the terminal.
fn out_styled(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|source| Error::Io {
            what: "cannot print to standard output".into(),
            source,
        })
}

/// A line on standard error; if even that fails there is no one left to tell.
pub fn err(line: &str) {
    let line = crate::printable::for_terminal(line);
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// How a run is shown on the terminal: which table view, in which style.
#[derive(Debug, Clone, Copy, Default)]
pub struct Display {
    pub view: super::model::View,
    pub style: super::table::StyleArg,
}

/// The results table, the summary under it, and one line per row that did not run
/// (the same text `print_results` prints), on standard output, or on standard error when
/// an export takes standard output.
pub fn results(results: &Analyzed, to_stderr: bool, display: &Display) -> Result<()> {
    let (reference, notes) = (results.reference(), results.notes());
    let style = super::table::Style::resolve(display.style);
    let model = super::model::results(results, reference, &display.view);
    let table = format!("{}\n", super::table::render(&model, style));
    let mut text = super::table::legend(reference);
    if let Some(t) = super::phases::table(results) {
        let _ = writeln!(
            text,
            "Where the time goes (--phases), a typical start: each phase's mean over the starts \
             around the median (45th to 55th percentile of their total):\n{t}\nseal: to the sealed object; \
             spawn: clone and exec of it; run: stage 2 and its payload until the exit is seen; \
             reap: wait4; teardown: closing what the seal made."
        );
        if let Some(ns) = results.clock_read_ns {
            let _ = writeln!(
                text,
                "The instrumentation itself: 5 clock reads per start at {ns:.0} ns each ({:.3} µs in all)",
                5.0 * ns / 1e3
            );
        }
        for n in super::phases::overhead_notes(results) {
            let _ = writeln!(text, "{n}");
        }
    }
    text.push_str(&super::summary(results, reference));
    text.push_str(&super::summary::changes(results));
    for e in results.results.iter().filter(|e| !e.is_ok()) {
        let word = e.status.word().to_string();
        let _ = writeln!(
            text,
            "{}/{}: {word}: {}",
            shown(&e.workload),
            shown(&e.strategy),
            shown(e.reason.as_deref().unwrap_or("no reason given"))
        );
    }
    for e in results
        .results
        .iter()
        .filter(|e| e.kind == crate::results::Kind::Runtime)
    {
        if let Some(line) = e.seal_summary() {
            let _ = writeln!(
                text,
                "{}/{}: {}",
                shown(&e.workload),
                shown(&e.strategy),
                shown(&line)
            );
        } else if let Some(how) = &e.seals {
            let _ = writeln!(
                text,
                "{}/{}: not observed; its version says: {}",
                shown(&e.workload),
                shown(&e.strategy),
                shown(how)
            );
        }
    }
    for e in results.results.iter().filter(|e| e.timeouts > 0) {
        let _ = writeln!(
            text,
            "{}/{}: {} start(s) timed out (--run-timeout) and were killed; their rounds have no \
             sample",
            shown(&e.workload),
            shown(&e.strategy),
            e.timeouts
        );
    }
    for w in super::warnings(results).iter().chain(notes) {
        err(super::table::wrap(&format!("Warning: {w}"), style.width).trim_end());
    }
    let text = format!(
        "{table}{}",
        super::table::wrap(&crate::printable::for_terminal(&text), style.width)
    );
    if to_stderr {
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
        Ok(())
    } else {
        out_styled(&text)
    }
}
