//! iCloud+ storage tiers and their prices: a dated table compiled in, replaceable by a JSON file.
//!
//! Prices change by country and over time, so they are data with a date and a source, never constants in the
//! logic. The built-in table (monthly prices, Apple's tiers of 5 GB to 12 TB):
//! - USD, GBP, INR, JPY: Apple's "iCloud+ plans and pricing" page (support.apple.com/108047) as scraped by the
//!   public ssfun/icloud-pricing `data/prices.json`, last updated 2026-01-12.
//! - EUR: the public 520qianjiawen/iCloud-Price `pricingData.js` (undated; the euro prices match the dollar ones).
//!
//! Other public lists disagree for JPY (¥130–¥180 for 50 GB): pass `--prices FILE` for your country's prices.
//! Sizes are decimal, as Apple counts them (1 GB = 10^9 bytes).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One storage tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tier {
    pub name: String,
    pub bytes: u64,
}

impl Tier {
    /// The 5 GB plan every Apple Account has.
    pub fn free() -> Tier {
        Tier {
            name: "5 GB".to_string(),
            bytes: 5 * GB,
        }
    }
}

const GB: u64 = 1_000_000_000;
const TB: u64 = 1_000 * GB;

/// Apple's tiers, smallest first; the 5 GB one is free.
pub fn tiers() -> Vec<Tier> {
    [
        ("5 GB", 5 * GB),
        ("50 GB", 50 * GB),
        ("200 GB", 200 * GB),
        ("2 TB", 2 * TB),
        ("6 TB", 6 * TB),
        ("12 TB", 12 * TB),
    ]
    .into_iter()
    .map(|(name, bytes)| Tier {
        name: name.to_string(),
        bytes,
    })
    .collect()
}

/// Monthly prices per currency and tier, in the currency's minor units (cents, pence, paise; yen have none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceTable {
    /// When these prices were read (YYYY-MM-DD): shown with every price.
    pub date: String,
    pub source: String,
    /// Currency code → tier name → monthly price as a decimal string ("0.99", "150").
    pub currencies: BTreeMap<String, BTreeMap<String, String>>,
}

/// A tier's price in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Price {
    pub currency: String,
    /// Decimal strings, exactly as priced ("9.99"); yearly is twelve months.
    pub monthly: String,
    pub yearly: String,
    pub prices_date: String,
}

/// Why a price file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PriceError {
    #[error("the price file is not valid JSON of the expected shape: {0}")]
    Shape(serde_json::Error),
    #[error("{currency}: {tier:?} is not an iCloud plan (the plans are 5 GB, 50 GB, 200 GB, 2 TB, 6 TB, 12 TB)")]
    UnknownTier { currency: String, tier: String },
    #[error("the date {0:?} is not a day such as 2026-11-01")]
    BadDate(String),
    #[error("{currency} {tier}: {value:?} is not a price such as \"0.99\" or \"150\"")]
    BadPrice {
        currency: String,
        tier: String,
        value: String,
    },
    #[error("no prices for {0} (the table has {1})")]
    NoCurrency(String, String),
}

const BUILT_IN: &str = r#"{
  "date": "2026-01-12",
  "source": "support.apple.com/108047 via ssfun/icloud-pricing (USD, GBP, INR, JPY); 520qianjiawen/iCloud-Price (EUR, undated)",
  "currencies": {
    "USD": {"5 GB": "0", "50 GB": "0.99", "200 GB": "2.99", "2 TB": "9.99", "6 TB": "29.99", "12 TB": "59.99"},
    "EUR": {"5 GB": "0", "50 GB": "0.99", "200 GB": "2.99", "2 TB": "9.99", "6 TB": "29.99", "12 TB": "59.99"},
    "GBP": {"5 GB": "0", "50 GB": "0.99", "200 GB": "2.99", "2 TB": "8.99", "6 TB": "26.99", "12 TB": "54.99"},
    "INR": {"5 GB": "0", "50 GB": "75", "200 GB": "219", "2 TB": "749", "6 TB": "2999", "12 TB": "5900"},
    "JPY": {"5 GB": "0", "50 GB": "150", "200 GB": "450", "2 TB": "1500", "6 TB": "4500", "12 TB": "9000"}
  }
}"#;

impl PriceTable {
    /// The table compiled into cloudfit.
    pub fn built_in() -> Self {
        // The literal above is checked by a test; a failure here would be a build defect, not user input.
        serde_json::from_str(BUILT_IN).expect("the built-in price table parses")
    }

    /// A table from a `--prices` file: the same JSON shape as the built-in one (see README).
    pub fn from_json(text: &str) -> Result<Self, PriceError> {
        let mut table: PriceTable = serde_json::from_str(text).map_err(PriceError::Shape)?;
        let d = table.date.as_bytes();
        let is_day = d.len() == 10
            && d.iter().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    *b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !is_day {
            return Err(PriceError::BadDate(table.date));
        }
        // Currency codes are matched upper-case, as `--currency` is.
        table.currencies = std::mem::take(&mut table.currencies)
            .into_iter()
            .map(|(c, p)| (c.to_ascii_uppercase(), p))
            .collect();
        let names: Vec<String> = tiers().into_iter().map(|t| t.name).collect();
        for (currency, prices) in &table.currencies {
            for (tier, value) in prices {
                if !names.contains(tier) {
                    return Err(PriceError::UnknownTier {
                        currency: currency.clone(),
                        tier: tier.clone(),
                    });
                }
                // The yearly price must be computable too.
                if minor_units(value)
                    .and_then(|(u, _)| u.checked_mul(12))
                    .is_none()
                {
                    return Err(PriceError::BadPrice {
                        currency: currency.clone(),
                        tier: tier.clone(),
                        value: value.clone(),
                    });
                }
            }
        }
        Ok(table)
    }

    /// The price of `tier` in `currency`; `Ok(None)` when the table has that currency but not that tier.
    pub fn price(&self, tier: &str, currency: &str) -> Result<Option<Price>, PriceError> {
        let prices = self.currencies.get(currency).ok_or_else(|| {
            let known: Vec<&str> = self.currencies.keys().map(String::as_str).collect();
            PriceError::NoCurrency(currency.to_string(), known.join(", "))
        })?;
        Ok(prices.get(tier).and_then(|monthly| {
            let (units, decimals) = minor_units(monthly)?;
            Some(Price {
                currency: currency.to_string(),
                monthly: monthly.clone(),
                yearly: format_units(units.checked_mul(12)?, decimals),
                prices_date: self.date.clone(),
            })
        }))
    }
}

/// The smallest tier that holds `needed_bytes` with 10% headroom (backups grow), if any does.
pub fn cheapest_fitting(needed_bytes: u64) -> Option<Tier> {
    let with_headroom = needed_bytes.saturating_add(needed_bytes / 10);
    tiers().into_iter().find(|t| t.bytes >= with_headroom)
}

/// "9.99" → (999, 2); "150" → (150, 0). Plain non-negative decimals only.
fn minor_units(price: &str) -> Option<(u64, usize)> {
    let (whole, fraction) = match price.split_once('.') {
        // "1." is not a price a person writes; more than 4 decimals is not a price at all.
        Some((_, "")) => return None,
        Some((w, f)) if f.len() <= 4 => (w, f),
        Some(_) => return None,
        None => (price, ""),
    };
    if whole.is_empty()
        || whole.len() > 12
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits = format!("{whole}{fraction}");
    Some((digits.parse().ok()?, fraction.len()))
}

fn format_units(units: u64, decimals: usize) -> String {
    if decimals == 0 {
        return units.to_string();
    }
    let scale = 10u64.pow(decimals as u32);
    format!(
        "{}.{:0width$}",
        units / scale,
        units % scale,
        width = decimals
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_table_covers_every_tier_in_five_currencies() {
        let table = PriceTable::built_in();
        assert_eq!(
            PriceTable::from_json(BUILT_IN).unwrap(),
            table,
            "every built-in price is well formed"
        );
        for currency in ["USD", "EUR", "GBP", "INR", "JPY"] {
            for tier in tiers() {
                assert!(
                    table.price(&tier.name, currency).unwrap().is_some(),
                    "{currency} {}",
                    tier.name
                );
            }
        }
        let p = table.price("2 TB", "GBP").unwrap().unwrap();
        assert_eq!(
            (
                p.monthly.as_str(),
                p.yearly.as_str(),
                p.prices_date.as_str()
            ),
            ("8.99", "107.88", "2026-01-12")
        );
        let p = table.price("50 GB", "JPY").unwrap().unwrap();
        assert_eq!((p.monthly.as_str(), p.yearly.as_str()), ("150", "1800"));
        assert!(matches!(
            table.price("50 GB", "CHF"),
            Err(PriceError::NoCurrency(..))
        ));
    }

    #[test]
    fn the_cheapest_tier_keeps_ten_percent_headroom() {
        assert_eq!(cheapest_fitting(4 * GB).unwrap().name, "5 GB");
        assert_eq!(
            cheapest_fitting(4_600_000_000).unwrap().name,
            "50 GB",
            "4.6 GB + 10% is over 5 GB"
        );
        assert_eq!(cheapest_fitting(180 * GB).unwrap().name, "200 GB");
        assert_eq!(cheapest_fitting(190 * GB).unwrap().name, "2 TB");
        assert_eq!(
            cheapest_fitting(11 * TB),
            None,
            "12 TB with headroom is not enough"
        );
    }

    #[test]
    fn price_files_are_checked() {
        let ok =
            r#"{"date":"2026-11-01","source":"my bill","currencies":{"CHF":{"50 GB":"1.00"}}}"#;
        let table = PriceTable::from_json(ok).unwrap();
        assert_eq!(
            table.price("50 GB", "CHF").unwrap().unwrap().yearly,
            "12.00"
        );
        assert_eq!(table.price("2 TB", "CHF").unwrap(), None);
        let bad = r#"{"date":"2026-11-01","source":"y","currencies":{"CHF":{"50 GB":"1,00"}}}"#;
        assert!(matches!(
            PriceTable::from_json(bad),
            Err(PriceError::BadPrice { .. })
        ));
        assert!(matches!(
            PriceTable::from_json("{"),
            Err(PriceError::Shape(_))
        ));
    }
}
