//! Formats byte counts and shares the way Apple shows them: decimal units (1 GB = 10^9 bytes).

use humansize::{format_size, DECIMAL};

/// `1234567` → `1.23 MB`.
pub fn size(bytes: u64) -> String {
    format_size(bytes, DECIMAL)
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
