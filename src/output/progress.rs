use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// A progress bar on stderr, hidden when stderr is not a terminal or with `--quiet`, with
/// the row just measured and its current estimate (the mean of its starts so far), as
/// hyperfine shows one.
pub struct Progress {
    bar: Option<ProgressBar>,
    /// Per row: (starts, their sum).
    so_far: std::cell::RefCell<std::collections::HashMap<String, (u64, f64)>>,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        let show = !quiet && std::io::stderr().is_terminal();
        Progress {
            bar: show.then(|| ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())),
            so_far: Default::default(),
        }
    }
}

impl crate::benchmark::Observer for Progress {
    fn pass(&self, index: u32, of: u32) {
        super::emit::err(&format!("sealbench: pass {} of up to {of}", index + 1));
    }

    fn start(&self, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {msg:<36} [{bar:30}] {pos}/{len} starts, eta {eta}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
        }
    }

    fn tick(&self, what: &str, seconds: f64) {
        if let Some(bar) = &self.bar {
            let mut so_far = self.so_far.borrow_mut();
            let (n, sum) = so_far.entry(what.to_string()).or_default();
            *n += 1;
            *sum += seconds;
            let estimate = super::duration(*sum / *n as f64);
            bar.set_message(format!(
                "{}: current estimate {estimate}",
                crate::printable::shown(what)
            ));
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
