use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

/// A progress bar on stderr, hidden when stderr is not a terminal or with `--quiet`.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        let show = !quiet && std::io::stderr().is_terminal();
        Progress {
            bar: show.then(|| ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())),
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
                    "{spinner} {msg:<12} [{bar:40}] {pos}/{len} starts, eta {eta}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
        }
    }

    fn tick(&self, what: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(what.to_string());
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
