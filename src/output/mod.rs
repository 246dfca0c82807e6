//! What a person sees on the terminal.

pub mod emit;
mod format;
pub mod gate;
pub mod phases;
mod progress;
mod summary;
pub mod sweep;
mod table;

pub use format::duration;
pub use progress::Progress;
pub use summary::{summary, warnings};
pub use table::{passes_text, ratio_text, results_table};
