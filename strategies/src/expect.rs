//! What `sealbench audit` should find for a strategy, recorded per range of kernels.
//!
//! Each strategy keeps its own record ([`crate::SealStrategy::expected_audit`]): a list of
//! kernel ranges, each with the cell every attack should show there. The audit compares
//! what it found with the record for the kernel it ran on.

/// The numbers of a kernel release as `uname -r` gives it: "6.12.118+deb13-amd64" is
/// 6.12.118, "6.1.0-57-amd64" (Debian's 6.1 ABI name) is 6.1.0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct KernelVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl KernelVersion {
    pub const fn new(major: u32, minor: u32, patch: u32) -> KernelVersion {
        KernelVersion {
            major,
            minor,
            patch,
        }
    }

    /// `None` unless the release starts with `major.minor`.
    pub fn parse(release: &str) -> Option<KernelVersion> {
        let mut parts = release.splitn(3, '.');
        let major = parts.next()?.parse().ok()?;
        let minor = leading_number(parts.next()?)?;
        let patch = parts.next().and_then(leading_number).unwrap_or(0);
        Some(KernelVersion::new(major, minor, patch))
    }
}

fn leading_number(s: &str) -> Option<u32> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    s[..end].parse().ok()
}

impl std::fmt::Display for KernelVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// Kernels from `from` (inclusive) up to `until` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KernelRange {
    pub from: KernelVersion,
    pub until: KernelVersion,
}

impl KernelRange {
    pub fn contains(&self, v: KernelVersion) -> bool {
        self.from <= v && v < self.until
    }
}

impl std::fmt::Display for KernelRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ≤ kernel < {}", self.from, self.until)
    }
}

/// `(attack id, cell)` for every attack and for `shares-page-cache`, with cells as the
/// audit's matrix prints them: `blocked (EPERM)`, `writable`, `yes`. The attacks of the
/// audit's full-start block are `full-start/<attack>`: their cells were measured on 6.18
/// only (the kernel matrix audits exec-true), and hold for the whole range on the reasoning
/// written beside the audit's full-start block.
pub type Cells = &'static [(&'static str, &'static str)];

/// One strategy's record: the cells for each range of kernels it was measured on.
pub type Record = &'static [(KernelRange, Cells)];

/// Linux 6.1 up to (not including) 7.0. Measured on Debian's 6.1.192, 6.12.118 and
/// 6.18.15 under QEMU (`scripts/kernel-matrix.sh`) and on the 6.18.44 host: every cell the
/// same on all of them, but memfd-bind's on 6.12, which it records in a range of its own.
pub const LINUX_6: KernelRange = KernelRange {
    from: KernelVersion::new(6, 1, 0),
    until: KernelVersion::new(7, 0, 0),
};

/// The cells recorded for `kernel`, if any range of `record` holds it.
pub fn lookup(record: Record, kernel: KernelVersion) -> Option<Cells> {
    record
        .iter()
        .find(|(range, _)| range.contains(kernel))
        .map(|(_, cells)| *cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_parse_as_uname_gives_them() {
        let v = |s| KernelVersion::parse(s);
        assert_eq!(v("6.1.0-57-amd64"), Some(KernelVersion::new(6, 1, 0)));
        assert_eq!(
            v("6.12.118+deb13-amd64"),
            Some(KernelVersion::new(6, 12, 118))
        );
        assert_eq!(v("6.18.44-fc-v669"), Some(KernelVersion::new(6, 18, 44)));
        assert_eq!(v("7.0-rc1"), Some(KernelVersion::new(7, 0, 0)));
        assert_eq!(v("6"), None);
        assert_eq!(v("linux"), None);
        assert!(LINUX_6.contains(KernelVersion::new(6, 18, 44)));
        assert!(LINUX_6.contains(KernelVersion::new(6, 1, 0)));
        assert!(!LINUX_6.contains(KernelVersion::new(5, 15, 0)));
        assert!(!LINUX_6.contains(KernelVersion::new(7, 0, 0)));
    }
}
