/// The median, by selection in place (the order of `xs` changes). NaN for no values.
pub fn median_in_place(xs: &mut [f64]) -> f64 {
    let n = xs.len();
    if n == 0 {
        return f64::NAN;
    }
    let k = n / 2;
    let (below, hi, _) = xs.select_nth_unstable_by(k, f64::total_cmp);
    let hi = *hi;
    if n % 2 == 1 {
        hi
    } else {
        let lo = below.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo + hi) / 2.0
    }
}

pub fn median(xs: &[f64]) -> f64 {
    median_in_place(&mut xs.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_fixed_samples() {
        assert_eq!(median(&[5.0, 1.0, 3.0]), 3.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[7.0]), 7.0);
        assert!(median(&[]).is_nan());
    }
}
