//! `sealbench audit`: attack every strategy the way a container would, against a decoy
//! copy of the runtime binary, and report what the kernel answered.

mod attacks;
mod bundle;
mod chain;
mod expected;
pub mod full_start;
mod judge;
mod page_cache;
pub mod peers;
mod report;

pub use attacks::{AttackId, ATTACKS, PAGE_CACHE};
pub use expected::differences;
pub use report::{full_start_table, matrix_table, peers_table, AuditReport, Finding, SCHEMA};

use crate::error::Result;
use crate::sandbox::Sandbox;
use sha2::{Digest, Sha256};
use std::os::unix::fs::FileExt;
use strategies::{ResultExt, SealStrategy};

/// Where the decoys live: the run's tmpfs, which exports file handles, so that
/// open_by_handle_at has something to reach.
pub const DECOY_MOUNT: &str = crate::sandbox::SCRATCH_MOUNT;

/// The decoy of one strategy, opened before the strategy's set-up can cover its path
/// (memfd-bind mounts over it), with the bytes to restore it to.
struct Decoy {
    o_path: std::fs::File,
    reader: std::fs::File,
    original: Vec<u8>,
    digest: [u8; 32],
    dev_ino: (u64, u64),
}

impl Decoy {
    fn open(path: &std::path::Path) -> Result<Decoy> {
        use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
        let original = std::fs::read(path).ctx(|| format!("read {}", path.display()))?;
        let o_path = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_PATH)
            .open(path)
            .ctx(|| format!("open {} O_PATH", path.display()))?;
        let reader = std::fs::File::open(path).ctx(|| format!("open {}", path.display()))?;
        let meta = reader.metadata().ctx(|| "stat decoy".into())?;
        Ok(Decoy {
            o_path,
            reader,
            digest: Sha256::digest(&original).into(),
            original,
            dev_ino: (meta.dev(), meta.ino()),
        })
    }

    /// Compare the decoy's sha256 with the original; if it changed, put it back.
    fn changed_and_restored(&self) -> Result<bool> {
        let len = self.reader.metadata().ctx(|| "stat decoy".into())?.len() as usize;
        let mut now = vec![0u8; len];
        self.reader
            .read_exact_at(&mut now, 0)
            .ctx(|| "read decoy".into())?;
        if <[u8; 32]>::from(Sha256::digest(&now)) == self.digest {
            return Ok(false);
        }
        use std::os::fd::AsRawFd;
        let path = format!("/proc/self/fd/{}", self.o_path.as_raw_fd());
        let w = std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .ctx(|| "reopen decoy to restore it".into())?;
        w.set_len(self.original.len() as u64)
            .ctx(|| "restore decoy size".into())?;
        w.write_all_at(&self.original, 0)
            .ctx(|| "restore decoy bytes".into())?;
        Ok(true)
    }
}

/// Attack `strategy`: every attack in [`ATTACKS`], each from a fresh start, then the
/// page-cache property. Also says whether the decoy was byte-identical at the end.
pub fn audit_strategy(sb: &Sandbox, strategy: &dyn SealStrategy) -> Result<(Vec<Finding>, bool)> {
    let (binary, target) = sb.target_for(&format!("audit-{}", strategy.name()))?;
    let decoy = Decoy::open(&binary.path)?;
    let finding =
        |attack: AttackId, outcome: judge::Outcome| Finding::new(strategy.name(), attack, outcome);
    if let Err(why) = strategy.probe(&target) {
        let na = || judge::Outcome::not_applicable(format!("unsupported here: {why}"));
        return Ok((
            ATTACKS
                .iter()
                .map(|a| a.id)
                .chain([PAGE_CACHE])
                .map(|a| finding(a, na()))
                .collect(),
            true,
        ));
    }
    let mut sealer = strategy.prepare(&target)?;
    let mut findings = Vec::new();
    let mut text_page = None;
    for attack in ATTACKS {
        let sealed = sealer.seal()?;
        let report = chain::run(&sealed, &decoy.o_path, attack.id.as_str(), attack.arg)?;
        drop(sealed);
        let changed = decoy.changed_and_restored()?;
        findings.push(finding(
            attack.id,
            judge::judge(attack.id, &report, decoy.dev_ino, changed),
        ));
        text_page = text_page.or_else(|| report.text_page.clone());
    }
    sealer.teardown()?;
    findings.push(finding(
        PAGE_CACHE,
        page_cache::judge(&decoy.reader, text_page.as_deref())?,
    ));
    let intact = !decoy.changed_and_restored()?;
    Ok((findings, intact))
}
