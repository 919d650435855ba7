//! Parses the backup keybag (`Manifest.plist` `BackupKeyBag`): a run of tag-length-value records.
//!
//! Layout (dinosec iphone-dataprotection `keystore/keybag.py`; InflatableDonkey issue 41): a 4-byte ASCII tag,
//! a u32 big-endian length, the value; 4-byte values are u32 big-endian. Header tags come first (`VERS`,
//! `TYPE`, `UUID`, `HMCK`, `WRAP`, `SALT`, `ITER`, and since iOS 10.2 `DPWT`, `DPIC`, `DPSL`); each later
//! `UUID` opens a class-key record (`CLAS`, `WRAP`, `KTYP`, `WPKY`, optional `PBKY`).

/// The password-protected class keys of a backup and how to derive the key that unwraps them.
#[derive(Debug, Clone, Default)]
pub struct Keybag {
    pub version: u32,
    /// SHA-1 PBKDF2 salt and rounds (every version).
    pub salt: Vec<u8>,
    pub iterations: u32,
    /// SHA-256 PBKDF2 salt and rounds, run first (iOS 10.2 and later).
    pub dp_salt: Option<Vec<u8>>,
    pub dp_iterations: Option<u32>,
    pub class_keys: Vec<ClassKey>,
}

/// One protection class's key, wrapped.
#[derive(Debug, Clone, Default)]
pub struct ClassKey {
    pub class: u32,
    /// Bit 1: wrapped with the device UID (unusable off the device); bit 2: wrapped with the password key.
    pub wrap: u32,
    /// 0: AES key; 1: Curve25519 (not used by backups).
    pub key_type: u32,
    pub wrapped: Vec<u8>,
}

/// Wrapped with the key derived from the backup password.
pub const WRAP_PASSCODE: u32 = 2;

/// Why a keybag cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeybagError {
    #[error("the keybag is truncated at byte {0}")]
    Truncated(usize),
    #[error("the keybag has no {0} record")]
    Missing(&'static str),
    #[error("the keybag's {tag} is {len} bytes, expected {expected}")]
    BadLength {
        tag: &'static str,
        len: usize,
        expected: usize,
    },
}

impl Keybag {
    pub fn parse(data: &[u8]) -> Result<Self, KeybagError> {
        let mut bag = Keybag::default();
        let mut seen_uuid = false;
        let mut current: Option<ClassKey> = None;
        let mut at = 0;
        while at < data.len() {
            let header = data.get(at..at + 8).ok_or(KeybagError::Truncated(at))?;
            let tag: [u8; 4] = [header[0], header[1], header[2], header[3]];
            let len = u32::from_be_bytes([header[4], header[5], header[6], header[7]]) as usize;
            let value = data
                .get(
                    at + 8
                        ..(at + 8)
                            .checked_add(len)
                            .ok_or(KeybagError::Truncated(at))?,
                )
                .ok_or(KeybagError::Truncated(at))?;
            at += 8 + len;
            let int = || -> Result<u32, KeybagError> {
                let bytes: [u8; 4] = value.try_into().map_err(|_| KeybagError::BadLength {
                    tag: "integer",
                    len: value.len(),
                    expected: 4,
                })?;
                Ok(u32::from_be_bytes(bytes))
            };
            if &tag == b"UUID" {
                // The first UUID names the keybag; each later one opens a class-key record.
                if seen_uuid {
                    if let Some(done) = current.replace(ClassKey::default()) {
                        bag.class_keys.push(done);
                    }
                }
                seen_uuid = true;
                continue;
            }
            match (&tag, current.as_mut()) {
                (b"CLAS", Some(key)) => key.class = int()? & 0xF,
                (b"WRAP", Some(key)) => key.wrap = int()?,
                (b"KTYP", Some(key)) => key.key_type = int()?,
                (b"WPKY", Some(key)) => key.wrapped = value.to_vec(),
                (b"VERS", None) => bag.version = int()?,
                (b"SALT", None) => bag.salt = value.to_vec(),
                (b"ITER", None) => bag.iterations = int()?,
                (b"DPSL", None) => bag.dp_salt = Some(value.to_vec()),
                (b"DPIC", None) => bag.dp_iterations = Some(int()?),
                _ => {} // TYPE, HMCK, the header's WRAP, DPWT, PBKY: not needed to unlock
            }
        }
        if let Some(done) = current {
            bag.class_keys.push(done);
        }
        if bag.salt.is_empty() {
            return Err(KeybagError::Missing("SALT"));
        }
        if bag.iterations == 0 {
            return Err(KeybagError::Missing("ITER"));
        }
        if bag.dp_salt.is_some() != bag.dp_iterations.is_some() {
            return Err(KeybagError::Missing(if bag.dp_salt.is_some() {
                "DPIC"
            } else {
                "DPSL"
            }));
        }
        if !bag.class_keys.iter().any(|k| k.wrap & WRAP_PASSCODE != 0) {
            return Err(KeybagError::Missing("password-wrapped class key"));
        }
        Ok(bag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn tlv(out: &mut Vec<u8>, tag: &[u8; 4], value: &[u8]) {
        out.extend_from_slice(tag);
        out.extend_from_slice(&(value.len() as u32).to_be_bytes());
        out.extend_from_slice(value);
    }

    #[test]
    fn parses_header_and_class_records() {
        let mut bag = Vec::new();
        tlv(&mut bag, b"VERS", &4u32.to_be_bytes());
        tlv(&mut bag, b"TYPE", &1u32.to_be_bytes());
        tlv(&mut bag, b"UUID", &[1; 16]);
        tlv(&mut bag, b"WRAP", &0u32.to_be_bytes());
        tlv(&mut bag, b"SALT", &[2; 20]);
        tlv(&mut bag, b"ITER", &10_000u32.to_be_bytes());
        tlv(&mut bag, b"DPIC", &10_000_000u32.to_be_bytes());
        tlv(&mut bag, b"DPSL", &[3; 20]);
        for class in 1..=3u32 {
            tlv(&mut bag, b"UUID", &[class as u8; 16]);
            tlv(&mut bag, b"CLAS", &class.to_be_bytes());
            tlv(
                &mut bag,
                b"WRAP",
                &if class == 2 { 1u32 } else { 2u32 }.to_be_bytes(),
            );
            tlv(&mut bag, b"KTYP", &0u32.to_be_bytes());
            tlv(&mut bag, b"WPKY", &[class as u8; 40]);
        }
        let parsed = Keybag::parse(&bag).unwrap();
        assert_eq!(parsed.version, 4);
        assert_eq!(parsed.iterations, 10_000);
        assert_eq!(parsed.dp_iterations, Some(10_000_000));
        assert_eq!(parsed.class_keys.len(), 3);
        assert_eq!(
            parsed
                .class_keys
                .iter()
                .find(|k| k.class == 2)
                .unwrap()
                .wrap,
            1
        );
        assert_eq!(
            parsed
                .class_keys
                .iter()
                .find(|k| k.class == 3)
                .unwrap()
                .wrapped,
            vec![3; 40]
        );

        assert_eq!(
            Keybag::parse(&bag[..bag.len() - 3]).unwrap_err(),
            KeybagError::Truncated(bag.len() - 48)
        );
        assert!(Keybag::parse(&[]).is_err());
        assert!(Keybag::parse(&[0xFF; 12]).is_err());
    }

    #[test]
    fn a_length_past_the_end_is_truncation_not_allocation() {
        // The value is borrowed from the keybag: a length of 0xFFFFFFFF (or one that wraps `at + 8 + len`
        // on a 32-bit target) is checked against the bytes there before anything is copied.
        let mut bag = Vec::new();
        tlv(&mut bag, b"VERS", &4u32.to_be_bytes());
        let at = bag.len();
        for len in [0xFFFF_FFFFu32, 0xFFFF_FFF8, 5] {
            let mut bad = bag.clone();
            bad.extend_from_slice(b"SALT");
            bad.extend_from_slice(&len.to_be_bytes());
            bad.extend_from_slice(&[2; 4]);
            assert_eq!(Keybag::parse(&bad).unwrap_err(), KeybagError::Truncated(at));
        }
        // A header cut short.
        assert_eq!(
            Keybag::parse(&[b'V', b'E', b'R', b'S', 0, 0, 0]).unwrap_err(),
            KeybagError::Truncated(0)
        );
    }
}
