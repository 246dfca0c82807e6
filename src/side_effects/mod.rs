//! What a strategy costs beyond its start time: mount events seen by the "host" (the run's
//! own mount namespace, which stands in for it), and memory held per live container.

mod memory;
mod mount_events;

pub use memory::per_live;
pub use mount_events::{events_per_start, is_exact, MountWatch, EVENT_STARTS};
