//! Sizes on the command line: `12MiB`, `12M`, `4096`, `1.5G`, read by `parse-size` with
//! K, M, G and T as powers of 1024 (runtime binaries are thought of in MiB), and kept to a
//! range a run can use.

const SIZES: parse_size::Config = parse_size::Config::new().with_binary();

/// Parse a size in bytes, from 1 byte to 1 PiB.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let bytes = SIZES
        .parse_size(s.trim())
        .map_err(|e| format!("{s:?} is not a size (like 12MiB or 4096): {e}"))?;
    if !(1..=1 << 50).contains(&bytes) {
        return Err(format!("size {s:?} is out of range (1 byte to 1 PiB)"));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn units() {
        assert_eq!(parse_size("12MiB"), Ok(12 << 20));
        assert_eq!(parse_size("12M"), Ok(12 << 20));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("1.5k"), Ok(1536));
        assert_eq!(parse_size("16MB"), Ok(16 << 20));
        assert_eq!(parse_size("2 GiB"), Ok(2 << 30));
    }

    #[test]
    fn nonsense() {
        assert!(parse_size("0").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("-1M").is_err());
        assert!(parse_size("1e9999").is_err());
        assert!(parse_size("2PiB").is_err());
    }
}
