//! Reads the sizes a user types (`3.2GB`, `800 MB`, `5GB`) as decimal bytes, as Apple counts them.

/// Why a size could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AmountError {
    #[error("{0:?} is not a size such as 3.2GB, 800MB or 2TB")]
    NotASize(String),
    #[error("{0:?} has no unit: say {0}GB or {0}MB (a bare number would be taken as bytes)")]
    NoUnit(String),
    #[error("{0:?} is not an iCloud plan; the plans are 5GB, 50GB, 200GB, 2TB, 6TB and 12TB")]
    NotATier(String),
}

/// `3.2GB` → 3_200_000_000. Units B, KB, MB, GB, TB (decimal, case-insensitive, `GiB`-style refused since
/// iCloud counts in powers of ten). A bare number is refused, `0` apart: "3.2" is surely not 3 bytes, and a
/// plan made on it would be confidently wrong; bytes are written `12345B`.
pub fn parse_bytes(text: &str) -> Result<u64, AmountError> {
    let bad = || AmountError::NotASize(text.to_string());
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = (&t[..split], t[split..].trim());
    let scale: u64 = match unit.to_ascii_uppercase().as_str() {
        "" if !number.is_empty() && number.bytes().all(|b| b == b'0' || b == b'.') => 1,
        "" if !number.is_empty() => return Err(AmountError::NoUnit(t.to_string())),
        "B" => 1,
        "K" | "KB" => 1_000,
        "M" | "MB" => 1_000_000,
        "G" | "GB" => 1_000_000_000,
        "T" | "TB" => 1_000_000_000_000,
        _ => return Err(bad()),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() || fraction.contains('.') || fraction.len() > 12 {
        return Err(bad());
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let mut bytes = whole.checked_mul(scale).ok_or_else(bad)?;
    if !fraction.is_empty() {
        let digits: u64 = fraction.parse().map_err(|_| bad())?;
        let denominator = 10u64.pow(fraction.len() as u32);
        // Exact for every scale a user types; fractions of a byte are dropped.
        let part = u128::from(digits) * u128::from(scale) / u128::from(denominator);
        bytes = bytes
            .checked_add(u64::try_from(part).map_err(|_| bad())?)
            .ok_or_else(bad)?;
    }
    Ok(bytes)
}

/// The tier a user names (`5GB`, `2 TB`, `200gb`).
pub fn parse_tier(text: &str) -> Result<super::Tier, AmountError> {
    let bytes = parse_bytes(text).map_err(|_| AmountError::NotATier(text.to_string()))?;
    super::tiers::tiers()
        .into_iter()
        .find(|t| t.bytes == bytes)
        .ok_or_else(|| AmountError::NotATier(text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_units_exactly() {
        assert_eq!(parse_bytes("3.2GB"), Ok(3_200_000_000));
        assert_eq!(parse_bytes("3.2 gb"), Ok(3_200_000_000));
        assert_eq!(parse_bytes("800MB"), Ok(800_000_000));
        assert_eq!(parse_bytes("0"), Ok(0));
        assert_eq!(parse_bytes(".5TB"), Ok(500_000_000_000));
        assert_eq!(parse_bytes("12345B"), Ok(12_345));
        assert_eq!(parse_bytes("0.0"), Ok(0));
        for bare in ["3.2", "12345", "5", " 200 "] {
            assert_eq!(
                parse_bytes(bare),
                Err(AmountError::NoUnit(bare.trim().into())),
                "{bare}"
            );
        }
        assert_eq!(parse_bytes("1.123456789123GB"), Ok(1_123_456_789));
        for bad in [
            "",
            "GB",
            "3.2.1GB",
            "5GiB",
            "-1GB",
            "1e9",
            "99999999999TB",
            "1.5 parsecs",
        ] {
            assert!(parse_bytes(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tiers_by_name() {
        assert_eq!(parse_tier("5GB").map(|t| t.name), Ok("5 GB".to_string()));
        assert_eq!(parse_tier("2 TB").map(|t| t.bytes), Ok(2_000_000_000_000));
        assert_eq!(
            parse_tier("100GB"),
            Err(AmountError::NotATier("100GB".into()))
        );
    }
}
