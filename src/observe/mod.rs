//! What a start really sealed, seen from outside on a live process of it: the image the
//! runtime re-executed (its init, or stage 2) and whether that image shares the host
//! binary's page-cache pages. Runtimes are never asked; their version is never read here.
//! Every claim carries the evidence it was made from.

mod exe;
mod pages;

pub use exe::{inspect, refine, ExeFacts};
pub use pages::{file_frame, shares_pages, PageEvidence};

pub use crate::printable::clean;
pub use crate::results::{Data, SealPath};
use serde::{Deserialize, Serialize};

/// What a start was seen to seal, and from what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    pub seal: SealPath,
    /// What the seal was read from: the image's link, filesystem, inode, mount.
    pub seal_evidence: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Data>,
    /// The page frames compared, or why they could not be.
    pub data_evidence: String,
}

impl Observed {
    /// Inspect the live process `pid`, whose image is the sealed form of `host_binary`.
    /// `mounts_per_start`: the mount events a start makes where they were counted, which
    /// tells a bind made per start from one made once.
    pub fn of_process(pid: i32, host_binary: &std::path::Path) -> Observed {
        let facts = inspect(pid, host_binary);
        let pages = shares_pages(pid, host_binary);
        let (seal, seal_evidence) = match &facts {
            Ok(f) => (f.seal_path(), f.describe()),
            Err(why) => (
                SealPath::Unknown,
                format!("cannot inspect pid {pid}: {why}"),
            ),
        };
        let (data, data_evidence) = match pages {
            Ok(p) => (Some(p.data()), p.describe()),
            Err(why) => (None, why),
        };
        Observed {
            seal,
            seal_evidence,
            data,
            data_evidence,
        }
    }

    /// An observation that could not be made at all.
    pub fn unknown(why: String) -> Observed {
        Observed {
            seal: SealPath::Unknown,
            seal_evidence: why.clone(),
            data: None,
            data_evidence: why,
        }
    }
}
