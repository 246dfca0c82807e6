//! Sizes on the command line: `12MiB`, `12M`, `4096`, `1.5G`.

/// Parse a size in bytes. K/M/G/T (with or without `i`/`iB`/`B`) are powers of 1024.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "ki" | "kib" | "kb" => 10,
        "m" | "mi" | "mib" | "mb" => 20,
        "g" | "gi" | "gib" | "gb" => 30,
        "t" | "ti" | "tib" | "tb" => 40,
        other => {
            return Err(format!(
                "unknown size unit {other:?} in {s:?} (use K, M, G or T)"
            ))
        }
    };
    let value: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (like 12MiB or 4096)"))?;
    let bytes = value * (1u64 << shift) as f64;
    if !bytes.is_finite() || bytes < 1.0 || bytes > (1u64 << 50) as f64 {
        return Err(format!("size {s:?} is out of range (1 byte to 1 PiB)"));
    }
    Ok(bytes.round() as u64)
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
    }

    #[test]
    fn nonsense() {
        assert!(parse_size("0").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("-1M").is_err());
        assert!(parse_size("1e9999").is_err());
    }
}
