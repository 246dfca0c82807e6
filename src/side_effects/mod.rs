//! What a strategy costs beyond its start time: mount events seen by the "host" (the run's
//! own mount namespace, which stands in for it), memory held per live container, and
//! memory a start charges to the container's cgroup.

mod charge;
pub mod memcg;
mod memory;
mod mount_events;

pub use charge::ChargeProbe;
pub use memory::per_live;
pub use mount_events::{events_per_start, is_exact, MountWatch, EVENT_STARTS};
