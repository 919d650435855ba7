//! Apple ProductType identifiers (e.g. "iPhone15,2") to the names people know (e.g. "iPhone 14 Pro").
//!
//! An iPhone or iPad backup records the device's model only as an identifier
//! such as "iPhone15,2" (the "Product Type" key of the backup's Info.plist).
//! The table below turns that into the marketing name Apple uses on its
//! "Identify your iPhone/iPad/iPod touch model" support pages.
//!
//! Where the table comes from: written from knowledge of the public identifier
//! lists (Apple's support pages plus the community lists that map identifiers to
//! models), and the newest entries were checked against several such lists.
//! Entries marked `// unsure` are ones that could not be confirmed with
//! confidence; the name may be wrong or the model newer than the rest.
//! Wi-Fi and cellular (or GSM and CDMA) variants share one name.
//!
//! For an identifier the table doesn't know, [`device_family`] still gives
//! "iPhone", "iPad" or "iPod touch" from its prefix.

/// Known identifiers, in order of (family, major number, minor number),
/// so that `product_name` can binary-search them.
static PRODUCTS: &[(&str, &str)] = &[
    // iPad
    ("iPad1,1", "iPad"),
    ("iPad2,1", "iPad 2"),
    ("iPad2,2", "iPad 2"),
    ("iPad2,3", "iPad 2"),
    ("iPad2,4", "iPad 2"),
    ("iPad2,5", "iPad mini"),
    ("iPad2,6", "iPad mini"),
    ("iPad2,7", "iPad mini"),
    ("iPad3,1", "iPad (3rd generation)"),
    ("iPad3,2", "iPad (3rd generation)"),
    ("iPad3,3", "iPad (3rd generation)"),
    ("iPad3,4", "iPad (4th generation)"),
    ("iPad3,5", "iPad (4th generation)"),
    ("iPad3,6", "iPad (4th generation)"),
    ("iPad4,1", "iPad Air"),
    ("iPad4,2", "iPad Air"),
    ("iPad4,3", "iPad Air"),
    ("iPad4,4", "iPad mini 2"),
    ("iPad4,5", "iPad mini 2"),
    ("iPad4,6", "iPad mini 2"),
    ("iPad4,7", "iPad mini 3"),
    ("iPad4,8", "iPad mini 3"),
    ("iPad4,9", "iPad mini 3"),
    ("iPad5,1", "iPad mini 4"),
    ("iPad5,2", "iPad mini 4"),
    ("iPad5,3", "iPad Air 2"),
    ("iPad5,4", "iPad Air 2"),
    ("iPad6,3", "iPad Pro (9.7-inch)"),
    ("iPad6,4", "iPad Pro (9.7-inch)"),
    ("iPad6,7", "iPad Pro (12.9-inch)"),
    ("iPad6,8", "iPad Pro (12.9-inch)"),
    ("iPad6,11", "iPad (5th generation)"),
    ("iPad6,12", "iPad (5th generation)"),
    ("iPad7,1", "iPad Pro (12.9-inch) (2nd generation)"),
    ("iPad7,2", "iPad Pro (12.9-inch) (2nd generation)"),
    ("iPad7,3", "iPad Pro (10.5-inch)"),
    ("iPad7,4", "iPad Pro (10.5-inch)"),
    ("iPad7,5", "iPad (6th generation)"),
    ("iPad7,6", "iPad (6th generation)"),
    ("iPad7,11", "iPad (7th generation)"),
    ("iPad7,12", "iPad (7th generation)"),
    ("iPad8,1", "iPad Pro (11-inch)"),
    ("iPad8,2", "iPad Pro (11-inch)"),
    ("iPad8,3", "iPad Pro (11-inch)"),
    ("iPad8,4", "iPad Pro (11-inch)"),
    ("iPad8,5", "iPad Pro (12.9-inch) (3rd generation)"),
    ("iPad8,6", "iPad Pro (12.9-inch) (3rd generation)"),
    ("iPad8,7", "iPad Pro (12.9-inch) (3rd generation)"),
    ("iPad8,8", "iPad Pro (12.9-inch) (3rd generation)"),
    ("iPad8,9", "iPad Pro (11-inch) (2nd generation)"),
    ("iPad8,10", "iPad Pro (11-inch) (2nd generation)"),
    ("iPad8,11", "iPad Pro (12.9-inch) (4th generation)"),
    ("iPad8,12", "iPad Pro (12.9-inch) (4th generation)"),
    ("iPad11,1", "iPad mini (5th generation)"),
    ("iPad11,2", "iPad mini (5th generation)"),
    ("iPad11,3", "iPad Air (3rd generation)"),
    ("iPad11,4", "iPad Air (3rd generation)"),
    ("iPad11,6", "iPad (8th generation)"),
    ("iPad11,7", "iPad (8th generation)"),
    ("iPad12,1", "iPad (9th generation)"),
    ("iPad12,2", "iPad (9th generation)"),
    ("iPad13,1", "iPad Air (4th generation)"),
    ("iPad13,2", "iPad Air (4th generation)"),
    ("iPad13,4", "iPad Pro (11-inch) (3rd generation)"),
    ("iPad13,5", "iPad Pro (11-inch) (3rd generation)"),
    ("iPad13,6", "iPad Pro (11-inch) (3rd generation)"),
    ("iPad13,7", "iPad Pro (11-inch) (3rd generation)"),
    ("iPad13,8", "iPad Pro (12.9-inch) (5th generation)"),
    ("iPad13,9", "iPad Pro (12.9-inch) (5th generation)"),
    ("iPad13,10", "iPad Pro (12.9-inch) (5th generation)"),
    ("iPad13,11", "iPad Pro (12.9-inch) (5th generation)"),
    ("iPad13,16", "iPad Air (5th generation)"),
    ("iPad13,17", "iPad Air (5th generation)"),
    ("iPad13,18", "iPad (10th generation)"),
    ("iPad13,19", "iPad (10th generation)"),
    ("iPad14,1", "iPad mini (6th generation)"),
    ("iPad14,2", "iPad mini (6th generation)"),
    ("iPad14,3", "iPad Pro (11-inch) (4th generation)"),
    ("iPad14,4", "iPad Pro (11-inch) (4th generation)"),
    ("iPad14,5", "iPad Pro (12.9-inch) (6th generation)"),
    ("iPad14,6", "iPad Pro (12.9-inch) (6th generation)"),
    ("iPad14,8", "iPad Air 11-inch (M2)"),
    ("iPad14,9", "iPad Air 11-inch (M2)"),
    ("iPad14,10", "iPad Air 13-inch (M2)"),
    ("iPad14,11", "iPad Air 13-inch (M2)"),
    ("iPad15,3", "iPad Air 11-inch (M3)"),
    ("iPad15,4", "iPad Air 11-inch (M3)"),
    ("iPad15,5", "iPad Air 13-inch (M3)"),
    ("iPad15,6", "iPad Air 13-inch (M3)"),
    ("iPad15,7", "iPad (A16)"),
    ("iPad15,8", "iPad (A16)"),
    ("iPad16,1", "iPad mini (A17 Pro)"),
    ("iPad16,2", "iPad mini (A17 Pro)"),
    ("iPad16,3", "iPad Pro 11-inch (M4)"),
    ("iPad16,4", "iPad Pro 11-inch (M4)"),
    ("iPad16,5", "iPad Pro 13-inch (M4)"),
    ("iPad16,6", "iPad Pro 13-inch (M4)"),
    ("iPad16,8", "iPad Air 11-inch (M4)"), // unsure (2026 model)
    ("iPad16,9", "iPad Air 11-inch (M4)"), // unsure (2026 model)
    ("iPad16,10", "iPad Air 13-inch (M4)"), // unsure (2026 model)
    ("iPad16,11", "iPad Air 13-inch (M4)"), // unsure (2026 model)
    ("iPad17,1", "iPad Pro 11-inch (M5)"), // unsure
    ("iPad17,2", "iPad Pro 11-inch (M5)"), // unsure
    ("iPad17,3", "iPad Pro 13-inch (M5)"), // unsure
    ("iPad17,4", "iPad Pro 13-inch (M5)"), // unsure
    // iPhone
    ("iPhone1,1", "iPhone"),
    ("iPhone1,2", "iPhone 3G"),
    ("iPhone2,1", "iPhone 3GS"),
    ("iPhone3,1", "iPhone 4"),
    ("iPhone3,2", "iPhone 4"),
    ("iPhone3,3", "iPhone 4"),
    ("iPhone4,1", "iPhone 4S"),
    ("iPhone5,1", "iPhone 5"),
    ("iPhone5,2", "iPhone 5"),
    ("iPhone5,3", "iPhone 5c"),
    ("iPhone5,4", "iPhone 5c"),
    ("iPhone6,1", "iPhone 5s"),
    ("iPhone6,2", "iPhone 5s"),
    ("iPhone7,1", "iPhone 6 Plus"),
    ("iPhone7,2", "iPhone 6"),
    ("iPhone8,1", "iPhone 6s"),
    ("iPhone8,2", "iPhone 6s Plus"),
    ("iPhone8,4", "iPhone SE (1st generation)"),
    ("iPhone9,1", "iPhone 7"),
    ("iPhone9,2", "iPhone 7 Plus"),
    ("iPhone9,3", "iPhone 7"),
    ("iPhone9,4", "iPhone 7 Plus"),
    ("iPhone10,1", "iPhone 8"),
    ("iPhone10,2", "iPhone 8 Plus"),
    ("iPhone10,3", "iPhone X"),
    ("iPhone10,4", "iPhone 8"),
    ("iPhone10,5", "iPhone 8 Plus"),
    ("iPhone10,6", "iPhone X"),
    ("iPhone11,2", "iPhone XS"),
    ("iPhone11,4", "iPhone XS Max"),
    ("iPhone11,6", "iPhone XS Max"),
    ("iPhone11,8", "iPhone XR"),
    ("iPhone12,1", "iPhone 11"),
    ("iPhone12,3", "iPhone 11 Pro"),
    ("iPhone12,5", "iPhone 11 Pro Max"),
    ("iPhone12,8", "iPhone SE (2nd generation)"),
    ("iPhone13,1", "iPhone 12 mini"),
    ("iPhone13,2", "iPhone 12"),
    ("iPhone13,3", "iPhone 12 Pro"),
    ("iPhone13,4", "iPhone 12 Pro Max"),
    ("iPhone14,2", "iPhone 13 Pro"),
    ("iPhone14,3", "iPhone 13 Pro Max"),
    ("iPhone14,4", "iPhone 13 mini"),
    ("iPhone14,5", "iPhone 13"),
    ("iPhone14,6", "iPhone SE (3rd generation)"),
    ("iPhone14,7", "iPhone 14"),
    ("iPhone14,8", "iPhone 14 Plus"),
    ("iPhone15,2", "iPhone 14 Pro"),
    ("iPhone15,3", "iPhone 14 Pro Max"),
    ("iPhone15,4", "iPhone 15"),
    ("iPhone15,5", "iPhone 15 Plus"),
    ("iPhone16,1", "iPhone 15 Pro"),
    ("iPhone16,2", "iPhone 15 Pro Max"),
    ("iPhone17,1", "iPhone 16 Pro"),
    ("iPhone17,2", "iPhone 16 Pro Max"),
    ("iPhone17,3", "iPhone 16"),
    ("iPhone17,4", "iPhone 16 Plus"),
    ("iPhone17,5", "iPhone 16e"),
    ("iPhone18,1", "iPhone 17 Pro"),
    ("iPhone18,2", "iPhone 17 Pro Max"),
    ("iPhone18,3", "iPhone 17"),
    ("iPhone18,4", "iPhone Air"),
    ("iPhone18,5", "iPhone 17e"), // unsure (2026 model)
    // iPod touch
    ("iPod1,1", "iPod touch (1st generation)"),
    ("iPod2,1", "iPod touch (2nd generation)"),
    ("iPod3,1", "iPod touch (3rd generation)"),
    ("iPod4,1", "iPod touch (4th generation)"),
    ("iPod5,1", "iPod touch (5th generation)"),
    ("iPod7,1", "iPod touch (6th generation)"),
    ("iPod9,1", "iPod touch (7th generation)"),
];

/// Splits "iPhone15,2" into ("iPhone", 15, 2), the order the table is kept in.
fn sort_key(product_type: &str) -> Option<(&str, u32, u32)> {
    let digits = product_type.find(|c: char| c.is_ascii_digit())?;
    let (family, numbers) = product_type.split_at(digits);
    let (major, minor) = numbers.split_once(',')?;
    Some((family, major.parse().ok()?, minor.parse().ok()?))
}

/// The marketing name for a ProductType identifier, e.g. "iPhone15,2" →
/// "iPhone 14 Pro". `None` if the identifier isn't in the table.
pub fn product_name(product_type: &str) -> Option<&'static str> {
    let product_type = product_type.trim();
    let key = sort_key(product_type)?;
    let index = PRODUCTS
        .binary_search_by(|(id, _)| sort_key(id).cmp(&Some(key)))
        .ok()?;
    let (id, name) = PRODUCTS[index];
    // The numeric key ignores spellings such as "iPhone015,2"; only the exact
    // identifier counts.
    (id == product_type).then_some(name)
}

/// A rough name from the identifier's prefix alone, for identifiers that
/// `product_name` doesn't know (e.g. a model newer than the table).
pub fn device_family(product_type: &str) -> &'static str {
    let product_type = product_type.trim();
    if product_type.starts_with("iPhone") {
        "iPhone"
    } else if product_type.starts_with("iPad") {
        "iPad"
    } else if product_type.starts_with("iPod") {
        "iPod touch"
    } else {
        "Apple device"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spot_checks() {
        assert_eq!(product_name("iPhone15,2"), Some("iPhone 14 Pro"));
        assert_eq!(product_name("iPhone10,3"), Some("iPhone X"));
        assert_eq!(product_name("iPhone10,6"), Some("iPhone X"));
        assert_eq!(product_name("iPhone12,1"), Some("iPhone 11"));
        assert_eq!(product_name("iPhone1,1"), Some("iPhone"));
        assert_eq!(product_name("iPhone17,5"), Some("iPhone 16e"));
        assert_eq!(product_name("iPhone18,4"), Some("iPhone Air"));
        assert_eq!(product_name("iPad8,1"), Some("iPad Pro (11-inch)"));
        assert_eq!(
            product_name("iPad14,6"),
            Some("iPad Pro (12.9-inch) (6th generation)")
        );
        assert_eq!(product_name("iPad16,3"), Some("iPad Pro 11-inch (M4)"));
        assert_eq!(product_name("iPod9,1"), Some("iPod touch (7th generation)"));
        assert_eq!(product_name(" iPhone15,2\n"), Some("iPhone 14 Pro"));
    }

    #[test]
    fn unknown_identifiers() {
        for id in [
            "iPhone99,1",
            "iPhone15,9",
            "iPhone015,2",
            "iphone15,2",
            "iPhone15",
            "iPhone",
            "Watch6,1",
            "",
            ",",
        ] {
            assert_eq!(product_name(id), None, "{id:?}");
        }
    }

    #[test]
    fn families() {
        assert_eq!(device_family("iPhone99,1"), "iPhone");
        assert_eq!(device_family("iPad99,1"), "iPad");
        assert_eq!(device_family("iPod99,1"), "iPod touch");
        assert_eq!(device_family("Watch6,1"), "Apple device");
        assert_eq!(device_family(""), "Apple device");
    }

    #[test]
    fn table_is_sorted_without_duplicates() {
        for pair in PRODUCTS.windows(2) {
            let (a, b) = (sort_key(pair[0].0), sort_key(pair[1].0));
            assert!(a < b, "{} must come before {}", pair[0].0, pair[1].0);
        }
    }

    #[test]
    fn every_entry_is_found_and_named_for_its_family() {
        for &(id, name) in PRODUCTS {
            assert!(sort_key(id).is_some(), "{id} doesn't parse");
            assert_eq!(product_name(id), Some(name), "{id}");
            assert!(name.starts_with(device_family(id)), "{id} → {name}");
        }
    }
}
