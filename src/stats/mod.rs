//! Statistics over the measured starts. What statrs provides is taken from statrs.

mod analysis;
mod bootstrap;
mod robust;
mod significance;
mod summary;

pub use analysis::analyze;
pub use bootstrap::{median_ci, paired_ratio};
pub use robust::{mad, median, modified_z, outliers, OUTLIER_Z};
pub use significance::mann_whitney_p;
pub use summary::Summary;
