//! Formats byte counts and shares the way Apple shows them: decimal units (1 GB = 10^9 bytes).

use humansize::{format_size, DECIMAL};

/// `1234567` → `1.23 MB`.
pub fn size(bytes: u64) -> String {
    format_size(bytes, DECIMAL)
}

/// `bytes` with as many decimals as it takes not to read as `beside` (2 at least, 9 at most): "needs
/// 5.0001 GB, and your plan is 5 GB", never "needs 5.00 GB, and your plan is 5 GB".
pub fn size_beside(bytes: u64, beside: u64) -> String {
    let plain = size(bytes);
    if bytes == beside || (bytes as f64 - beside as f64).abs() / (beside.max(1) as f64) >= 0.005 {
        return plain;
    }
    let (scale, unit) = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")]
        .into_iter()
        .find(|(scale, _)| bytes as f64 >= *scale)
        .unwrap_or((1.0, "B"));
    if unit == "B" {
        return plain;
    }
    for decimals in 2..=9 {
        let shown = |b: u64| format!("{:.*}", decimals, b as f64 / scale);
        if shown(bytes) != shown(beside) {
            return format!("{} {unit}", shown(bytes));
        }
    }
    format!("{} B", count(bytes))
}

/// A share of a total as a percentage with one decimal; `<0.1%` for a sliver, so nothing non-zero reads as 0.
pub fn share(part: u64, total: u64) -> String {
    if total == 0 {
        return "-".into();
    }
    let pct = part as f64 * 100.0 / total as f64;
    if part > 0 && pct < 0.05 {
        "<0.1%".into()
    } else {
        format!("{pct:.1}%")
    }
}

/// `1234567` → `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_units_like_apple() {
        assert_eq!(size(1_000_000_000), "1 GB");
        assert_eq!(size(1_234_567), "1.23 MB");
        assert_eq!(size(999), "999 B");
    }

    #[test]
    fn sizes_near_a_limit_show_the_digits_that_tell_them_apart() {
        assert_eq!(size_beside(5_000_111_590, 5_000_000_000), "5.0001 GB");
        assert_eq!(size_beside(4_999_941_000, 5_000_000_000), "4.9999 GB");
        assert_eq!(size_beside(5_000_000_001, 5_000_000_000), "5.000000001 GB");
        // Far apart, or equal: as usual.
        assert_eq!(size_beside(6_000_000_000, 5_000_000_000), "6 GB");
        assert_eq!(size_beside(5_000_000_000, 5_000_000_000), "5 GB");
        assert_eq!(size_beside(999, 998), "999 B");
    }

    #[test]
    fn shares_and_counts() {
        assert_eq!(share(1, 3), "33.3%");
        assert_eq!(share(1, 100_000), "<0.1%");
        assert_eq!(share(0, 10), "0.0%");
        assert_eq!(share(5, 0), "-");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(12), "12");
        assert_eq!(count(0), "0");
    }
}
