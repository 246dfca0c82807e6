/// A duration in seconds, in the unit that keeps three significant digits readable.
pub fn duration(seconds: f64) -> String {
    let abs = seconds.abs();
    if abs >= 1.0 {
        format!("{seconds:.3} s")
    } else if abs >= 1e-3 {
        format!("{:.3} ms", seconds * 1e3)
    } else {
        format!("{:.1} µs", seconds * 1e6)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn picks_units() {
        assert_eq!(super::duration(0.0012345), "1.234 ms");
        assert_eq!(super::duration(0.0000123), "12.3 µs");
        assert_eq!(super::duration(2.5), "2.500 s");
    }
}
