/// The most extra mounts a host-mounts sweep makes: past this every start copies a table
/// so large that a sweep runs for many minutes and measures little but the copy.
pub const MAX_HOST_MOUNTS: u32 = 10_000;

/// The smallest memory limit accepted: below it even a start that copies nothing cannot
/// run (page tables, kernel stacks, the container's mounts), and the sweep would measure
/// little but that.
pub const MIN_LIMIT: u64 = 1 << 20;

use crate::named::named_enum;

named_enum! {
    /// What a sweep varies.
    pub enum Param, "sweep parameter" {
        /// Size of the runtime binary: memfd's copy should grow with it.
        ExeSize = "exe-size",
        /// Extra mounts in the "host" namespace: CLONE_NEWNS copies them all.
        HostMounts = "host-mounts",
        /// Starters running in parallel.
        Concurrency = "concurrency",
        /// A memory limit on the container's cgroup (`none`: no limit).
        MemoryLimit = "memory-limit",
    }
}

impl Param {
    /// The axis label of a sweep chart.
    pub fn axis(&self) -> &'static str {
        match self {
            Param::ExeSize => "runtime binary size [MiB]",
            Param::HostMounts => "extra mounts in the host namespace",
            Param::Concurrency => "parallel starters",
            Param::MemoryLimit => "memory limit of the container's cgroup [MiB]",
        }
    }

    /// A value as a number: bytes, a count of mounts, a count of starters; a memory limit
    /// in bytes, `none` as 0.
    pub fn value(&self, v: &str) -> Result<f64, String> {
        match self {
            Param::MemoryLimit if v.trim() == "none" => Ok(0.0),
            Param::MemoryLimit => match crate::size::parse_size(v) {
                Ok(b) if b >= MIN_LIMIT => Ok(b as f64),
                _ => Err(format!(
                    "{v:?} is not a memory limit of at least 1M, or none"
                )),
            },
            Param::ExeSize => crate::size::parse_size(v).map(|b| b as f64),
            Param::HostMounts => match v.trim().parse::<u32>() {
                Ok(n) if n <= MAX_HOST_MOUNTS => Ok(f64::from(n)),
                _ => Err(format!(
                    "{v:?} is not a mount count from 0 to {MAX_HOST_MOUNTS} (each start copies the whole mount table; 5000 already makes a bind-ro start 5 times slower)"
                )),
            },
            Param::Concurrency => match v.trim().parse::<u32>() {
                Ok(n) if (1..=256).contains(&n) => Ok(f64::from(n)),
                _ => Err(format!(
                    "{v:?} is not a count of parallel starters (1 to 256)"
                )),
            },
        }
    }

    /// All values of `--values`, as given and as numbers.
    pub fn values(&self, list: &str) -> Result<Vec<(String, f64)>, String> {
        let values: Vec<(String, f64)> = list
            .split(',')
            .map(str::trim)
            .map(|v| self.value(v).map(|n| (v.to_string(), n)))
            .collect::<Result<_, _>>()?;
        if values.is_empty() {
            return Err("--values is empty".into());
        }
        Ok(values)
    }
}

#[cfg(test)]
mod tests {
    use super::Param;

    #[test]
    fn values_parse_and_nonsense_is_refused() {
        let v = Param::ExeSize.values("1M, 16M").unwrap();
        assert_eq!(
            v,
            vec![
                ("1M".to_string(), 1048576.0),
                ("16M".to_string(), 16777216.0)
            ]
        );
        assert_eq!(Param::HostMounts.values("0,100").unwrap()[1].1, 100.0);
        assert!(Param::Concurrency.values("0").is_err());
        assert!(Param::HostMounts.values("-3").is_err());
        assert!(Param::HostMounts.values("10000").is_ok());
        let e = Param::HostMounts.values("100000").unwrap_err();
        assert!(e.contains("from 0 to 10000"), "{e}");
        assert!(Param::ExeSize.values("1M,,2M").is_err());
        let e = "speed".parse::<Param>().unwrap_err();
        assert!(
            e.contains("\"speed\" (one of exe-size, host-mounts, concurrency, memory-limit)"),
            "{e}"
        );
        let v = Param::MemoryLimit.values("8M,none").unwrap();
        assert_eq!(
            v,
            vec![("8M".to_string(), 8388608.0), ("none".to_string(), 0.0)]
        );
        assert!(Param::MemoryLimit.values("512K").is_err());
        assert!(Param::MemoryLimit.values("lots").is_err());
    }
}
