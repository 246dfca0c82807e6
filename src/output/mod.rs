//! What a person sees on the terminal.

pub mod emit;
pub mod escape;
mod format;
pub mod gate;
pub mod phases;
mod progress;
mod summary;
mod table;

pub use escape::shown;
pub use format::duration;
pub use progress::Progress;
pub use summary::{summary, warnings};
pub use table::{passes_text, ratio_text, results_table};
