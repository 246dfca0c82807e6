//! Where a runtime build came from: the `provenance.json` that scripts/build-runc.sh
//! writes beside each binary it builds. It is taken only when the binary it names is the
//! one that was hashed, so a stale or foreign record never labels a row.

use super::binary::RuntimeFile;
use serde::{Deserialize, Serialize};

/// The largest provenance record read.
const MAX_BYTES: u64 = 64 << 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    pub variant: crate::results::BuildVariant,
    /// The patch applied to the source (none for `shipped`) and its sha256.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch_sha256: Option<String>,
    /// The source tarball's sha256, or a tree hash of a checkout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_sha256: Option<String>,
    pub binary_sha256: String,
}

impl Provenance {
    /// The record beside `file`, if there is one and it describes this very binary.
    pub fn beside(file: &RuntimeFile) -> Option<Provenance> {
        let record = file.path.parent()?.join("provenance.json");
        let bytes = crate::safe_fs::read_regular(&record, MAX_BYTES).ok()?;
        let p: Provenance = serde_json::from_slice(&bytes).ok()?;
        (p.binary_sha256 == file.sha256).then_some(p)
    }

    /// One line: `runc 1.5.1 (v1.5.1, 8f2685a4), variant memfd, patch memfd.patch (sha256 …)`.
    pub fn describe(&self) -> String {
        let mut s = format!("runc {}", self.version);
        let mut from = Vec::new();
        if let Some(t) = &self.tag {
            from.push(t.clone());
        }
        if let Some(c) = &self.commit {
            from.push(c.chars().take(12).collect());
        }
        if !from.is_empty() {
            s.push_str(&format!(" ({})", from.join(", ")));
        }
        s.push_str(&format!(", variant {}", self.variant));
        if let (Some(f), Some(h)) = (&self.patch_file, &self.patch_sha256) {
            s.push_str(&format!(", patch {f} (sha256 {})", &h[..h.len().min(16)]));
        }
        crate::observe::clean(&s)
    }
}
