//! The key hierarchy of an encrypted backup, made the way a device makes it, from the seed.
//!
//! Password → passcode key (PBKDF2-HMAC-SHA256 over `DPSL`/`DPIC`, then PBKDF2-HMAC-SHA1 over
//! `SALT`/`ITER`) → class keys (RFC 3394-wrapped in the keybag's `WPKY`) → the Manifest.db key
//! (`ManifestKey`) and one key per file (MBFile `EncryptionKey`), each wrapped under the key
//! of its protection class. Data is AES-256-CBC with a zero IV and PKCS#7 padding.
//!
//! Every key and salt comes from the seeded PRNG: the same spec gives the same bytes.

use std::io::{self, Read, Write};

use aes::cipher::generic_array::GenericArray;
use aes::cipher::{BlockEncrypt, BlockEncryptMut, KeyInit, KeyIvInit};
use aes::Aes256;
use aes_kw::KekAes256;
use sha1::Sha1;
use sha2::Sha256;

use super::rng::{mix64, Rng};

/// An AES-256 key.
pub(crate) type Key = [u8; 32];

/// The class `ManifestKey` names (`04 00 00 00` in real backups).
pub(crate) const MANIFEST_CLASS: u8 = 4;
/// Protection classes in the keybag, 1..=11 as on a device.
const CLASSES: u8 = 11;
/// Wrapped with the device key and then the passcode key (`WRAP` = 3): a reader with the
/// password unwraps it without error but gets a value only the device can use.
const DEVICE_AND_PASSCODE_CLASS: u8 = 7;
/// Wrapped with the device key only (`WRAP` = 1, "ThisDeviceOnly"): unusable off the device;
/// a reader must skip it rather than try the passcode key on it.
const DEVICE_ONLY_CLASS: u8 = 11;

const WRAP_DEVICE: u32 = 1;
const WRAP_PASSCODE: u32 = 2;

/// The PRNG stream of the keybag and the Manifest.db key.
const KEYBAG_STREAM: u64 = 6;
/// Salt that keeps per-file key streams apart from the other per-file streams (`shards`).
const FILE_KEY_SALT: u64 = 0xF11E_CE75_0000_0001;

fn crypto_err(what: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("{what}: {e}"))
}

/// RFC 3394 AES-256 key wrap of a 32-byte key: 40 bytes out.
pub(crate) fn wrap(kek: &Key, key: &Key) -> io::Result<[u8; 40]> {
    let mut out = [0u8; 40];
    KekAes256::from(*kek)
        .wrap(key, &mut out)
        .map_err(|e| crypto_err("AES key wrap", e))?;
    Ok(out)
}

/// The inverse of [`wrap`]; an error when the integrity check fails (wrong key).
#[cfg(test)]
pub(crate) fn unwrap(kek: &Key, wrapped: &[u8]) -> io::Result<Key> {
    let mut out = [0u8; 32];
    KekAes256::from(*kek)
        .unwrap(wrapped, &mut out)
        .map_err(|e| crypto_err("AES key unwrap", e))?;
    Ok(out)
}

/// The key that wraps the class keys (iOS ≥ 10.2 derivation):
/// `PBKDF2-HMAC-SHA1(PBKDF2-HMAC-SHA256(password, DPSL, DPIC), SALT, ITER)`.
pub(crate) fn passcode_key(password: &[u8], dpsl: &[u8], dpic: u32, salt: &[u8], iter: u32) -> Key {
    let mut round1 = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password, dpsl, dpic, &mut round1);
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha1>(&round1, salt, iter, &mut key);
    zeroize::Zeroize::zeroize(&mut round1);
    key
}

/// Reads until `buf` is full or the input ends; returns how many bytes were read.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// AES-256-CBC with a zero IV and PKCS#7 padding, streamed from `input` to `output` in
/// bounded memory (Manifest.db runs to hundreds of MB at scale). Returns the bytes written:
/// always `16 * floor(n / 16) + 16`.
pub(crate) fn encrypt_cbc(
    key: &Key,
    input: &mut impl Read,
    output: &mut impl Write,
) -> io::Result<u64> {
    let mut cipher = cbc::Encryptor::<Aes256>::new(key.into(), &[0u8; 16].into());
    let mut buf = vec![0u8; 64 * 1024];
    let mut written = 0u64;
    loop {
        let n = read_full(input, &mut buf)?;
        let full = n == buf.len();
        let end = if full {
            n
        } else {
            // The last chunk: pad to the next block boundary with 1..=16 bytes of the pad length.
            let pad = 16 - n % 16;
            buf[n..n + pad].fill(pad as u8);
            n + pad
        };
        for block in buf[..end].chunks_exact_mut(16) {
            cipher.encrypt_block_mut(GenericArray::from_mut_slice(block));
        }
        output.write_all(&buf[..end])?;
        written += end as u64;
        if !full {
            return Ok(written);
        }
    }
}

/// One keybag record per protection class.
struct ClassRecord {
    uuid: [u8; 16],
    class: u8,
    wrap: u32,
    wpky: [u8; 40],
}

/// The keys of one encrypted backup and the plist values that carry them.
pub(crate) struct Keys {
    seed: u64,
    /// Class key by protection class; `None` for classes a reader cannot unwrap off the device.
    class_keys: [Option<Key>; CLASSES as usize + 1],
    manifest_key: Key,
    /// Manifest.plist `BackupKeyBag`.
    pub keybag: Vec<u8>,
    /// Manifest.plist `ManifestKey`: u32 LE class, then the wrapped Manifest.db key.
    pub manifest_key_blob: Vec<u8>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys").finish_non_exhaustive()
    }
}

fn tlv(out: &mut Vec<u8>, tag: &[u8; 4], value: &[u8]) {
    out.extend_from_slice(tag);
    out.extend_from_slice(&(value.len() as u32).to_be_bytes());
    out.extend_from_slice(value);
}

fn tlv_u32(out: &mut Vec<u8>, tag: &[u8; 4], value: u32) {
    tlv(out, tag, &value.to_be_bytes());
}

impl Keys {
    /// Derives the passcode key from `password` (`dpic` SHA-256 rounds, `iter` SHA-1 rounds:
    /// 10,000,000 and 10,000 on a device) and builds the keybag and `ManifestKey` around it.
    pub(crate) fn generate(seed: u64, password: &str, dpic: u32, iter: u32) -> io::Result<Keys> {
        let mut rng = Rng::derive(seed, KEYBAG_STREAM);
        let keybag_uuid = rng.bytes::<16>();
        let hmck = rng.bytes::<40>();
        let salt = rng.bytes::<20>();
        let dpsl = rng.bytes::<20>();
        // The device's UID-derived key: never written anywhere, as on a real device.
        let device_key = rng.bytes::<32>();
        let mut passcode = passcode_key(password.as_bytes(), &dpsl, dpic, &salt, iter);

        let mut class_keys = [None; CLASSES as usize + 1];
        let mut records = Vec::with_capacity(usize::from(CLASSES));
        for class in 1..=CLASSES {
            let uuid = rng.bytes::<16>();
            let key: Key = rng.bytes::<32>();
            let (wrap_kind, wpky) = match class {
                DEVICE_ONLY_CLASS => (WRAP_DEVICE, wrap(&device_key, &key)?),
                DEVICE_AND_PASSCODE_CLASS => {
                    // Encrypted with the device key first (two AES blocks), then wrapped.
                    let aes = Aes256::new(&device_key.into());
                    let mut inner = key;
                    for block in inner.chunks_exact_mut(16) {
                        aes.encrypt_block(GenericArray::from_mut_slice(block));
                    }
                    (WRAP_DEVICE | WRAP_PASSCODE, wrap(&passcode, &inner)?)
                }
                _ => {
                    class_keys[usize::from(class)] = Some(key);
                    (WRAP_PASSCODE, wrap(&passcode, &key)?)
                }
            };
            records.push(ClassRecord {
                uuid,
                class,
                wrap: wrap_kind,
                wpky,
            });
        }
        zeroize::Zeroize::zeroize(&mut passcode);

        let mut keybag = Vec::with_capacity(100 + records.len() * 100);
        tlv_u32(&mut keybag, b"VERS", 4);
        tlv_u32(&mut keybag, b"TYPE", 1);
        tlv(&mut keybag, b"UUID", &keybag_uuid);
        tlv(&mut keybag, b"HMCK", &hmck);
        tlv_u32(&mut keybag, b"WRAP", 0);
        tlv(&mut keybag, b"SALT", &salt);
        tlv_u32(&mut keybag, b"ITER", iter);
        tlv_u32(&mut keybag, b"DPWT", 1);
        tlv_u32(&mut keybag, b"DPIC", dpic);
        tlv(&mut keybag, b"DPSL", &dpsl);
        for r in &records {
            tlv(&mut keybag, b"UUID", &r.uuid);
            tlv_u32(&mut keybag, b"CLAS", u32::from(r.class));
            tlv_u32(&mut keybag, b"WRAP", r.wrap);
            tlv_u32(&mut keybag, b"KTYP", 0);
            tlv(&mut keybag, b"WPKY", &r.wpky);
        }

        let manifest_key: Key = rng.bytes::<32>();
        let mut keys = Keys {
            seed,
            class_keys,
            manifest_key,
            keybag,
            manifest_key_blob: Vec::new(),
        };
        keys.manifest_key_blob = keys.encryption_key(MANIFEST_CLASS, &manifest_key)?.to_vec();
        Ok(keys)
    }

    /// The key Manifest.db is encrypted with.
    pub(crate) fn manifest_key(&self) -> &Key {
        &self.manifest_key
    }

    /// A file's own key: a function of the seed and the fileID alone, so the Manifest.db
    /// writer and the data-file writer agree on it without sharing state.
    pub(crate) fn file_key(&self, file_id: &[u8; 20]) -> Key {
        let mut w = [0u8; 8];
        w.copy_from_slice(&file_id[..8]);
        Rng::derive(mix64(self.seed ^ FILE_KEY_SALT), u64::from_le_bytes(w)).bytes::<32>()
    }

    /// The 44 bytes of an MBFile `EncryptionKey` (or `ManifestKey`): u32 LE `class`, then
    /// `key` wrapped under that class's key.
    pub(crate) fn encryption_key(&self, class: u8, key: &Key) -> io::Result<[u8; 44]> {
        let class_key = self
            .class_keys
            .get(usize::from(class))
            .copied()
            .flatten()
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("protection class {class} has no passcode-wrapped key to encrypt files with"),
                )
            })?;
        let mut out = [0u8; 44];
        out[..4].copy_from_slice(&u32::from(class).to_le_bytes());
        out[4..].copy_from_slice(&wrap(&class_key, key)?);
        Ok(out)
    }

    #[cfg(test)]
    pub(crate) fn class_key(&self, class: u8) -> Option<Key> {
        self.class_keys.get(usize::from(class)).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut};

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap_or_default())
            .collect()
    }

    fn key_of(bytes: &[u8]) -> Key {
        let mut k = [0u8; 32];
        k.copy_from_slice(bytes);
        k
    }

    #[test]
    fn rfc3394_test_vector_256_bit_key_with_256_bit_kek() -> io::Result<()> {
        // RFC 3394 §4.6: wrap 256 bits of key data with a 256-bit KEK.
        let kek = key_of(&hex(
            "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
        ));
        let data = key_of(&hex(
            "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
        ));
        let want =
            hex("28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21");
        assert_eq!(wrap(&kek, &data)?.to_vec(), want);
        assert_eq!(unwrap(&kek, &want)?, data);
        Ok(())
    }

    #[test]
    fn unwrap_inverts_wrap_and_rejects_the_wrong_key() -> io::Result<()> {
        let mut rng = Rng::new(9);
        for _ in 0..20 {
            let kek: Key = rng.bytes();
            let key: Key = rng.bytes();
            let w = wrap(&kek, &key)?;
            assert_eq!(unwrap(&kek, &w)?, key);
            let mut other = kek;
            other[0] ^= 1;
            assert!(unwrap(&other, &w).is_err());
        }
        Ok(())
    }

    fn decrypt(key: &Key, data: &[u8]) -> Option<Vec<u8>> {
        cbc::Decryptor::<Aes256>::new(key.into(), &[0u8; 16].into())
            .decrypt_padded_vec_mut::<Pkcs7>(data)
            .ok()
    }

    #[test]
    fn cbc_round_trips_at_every_length_near_a_block_or_chunk_edge() -> io::Result<()> {
        let key: Key = Rng::new(3).bytes();
        for n in [
            0usize, 1, 15, 16, 17, 31, 32, 65_535, 65_536, 65_537, 131_072,
        ] {
            let mut plain = vec![0u8; n];
            Rng::new(n as u64).fill(&mut plain);
            let mut out = Vec::new();
            let len = encrypt_cbc(&key, &mut plain.as_slice(), &mut out)?;
            assert_eq!(len as usize, out.len());
            assert_eq!(out.len(), n / 16 * 16 + 16, "{n}");
            assert_eq!(
                decrypt(&key, &out).as_deref(),
                Some(plain.as_slice()),
                "{n}"
            );
            // The same as the cbc crate's own padded encryption.
            let reference = cbc::Encryptor::<Aes256>::new((&key).into(), &[0u8; 16].into())
                .encrypt_padded_vec_mut::<Pkcs7>(&plain);
            assert_eq!(out, reference, "{n}");
        }
        Ok(())
    }

    /// Parses the keybag the way a reader does and unlocks it with the password.
    #[test]
    fn keybag_unlocks_with_the_password_only() -> io::Result<()> {
        let keys = Keys::generate(5, "pw", 3, 2)?;
        let mut header = std::collections::BTreeMap::new();
        let mut classes: Vec<std::collections::BTreeMap<[u8; 4], Vec<u8>>> = Vec::new();
        let mut seen_uuid = false;
        let mut at = 0;
        let bag = &keys.keybag;
        while at + 8 <= bag.len() {
            let tag: [u8; 4] = [bag[at], bag[at + 1], bag[at + 2], bag[at + 3]];
            let len = u32::from_be_bytes([bag[at + 4], bag[at + 5], bag[at + 6], bag[at + 7]]);
            let value = bag[at + 8..at + 8 + len as usize].to_vec();
            at += 8 + len as usize;
            if &tag == b"UUID" && seen_uuid {
                classes.push(Default::default());
            }
            seen_uuid |= &tag == b"UUID";
            match classes.last_mut() {
                Some(c) => c.insert(tag, value),
                None => header.insert(tag, value),
            };
        }
        assert_eq!(at, bag.len());
        let u32_of = |v: &[u8]| u32::from_be_bytes([v[0], v[1], v[2], v[3]]);
        assert_eq!(u32_of(&header[b"VERS"]), 4);
        assert_eq!(u32_of(&header[b"DPIC"]), 3);
        assert_eq!(u32_of(&header[b"ITER"]), 2);
        assert_eq!(classes.len(), 11);
        let k = passcode_key(b"pw", &header[b"DPSL"], 3, &header[b"SALT"], 2);
        let wrong = passcode_key(b"pW", &header[b"DPSL"], 3, &header[b"SALT"], 2);
        let mut wraps = Vec::new();
        for c in &classes {
            let class = u32_of(&c[b"CLAS"]) as u8;
            let wrap_kind = u32_of(&c[b"WRAP"]);
            wraps.push(wrap_kind);
            assert_eq!(c[b"WPKY"].len(), 40);
            if wrap_kind & WRAP_PASSCODE != 0 {
                let key = unwrap(&k, &c[b"WPKY"])?;
                assert!(unwrap(&wrong, &c[b"WPKY"]).is_err());
                if wrap_kind == WRAP_PASSCODE {
                    assert_eq!(Some(key), keys.class_key(class));
                }
            } else {
                assert!(unwrap(&k, &c[b"WPKY"]).is_err());
                assert_eq!(keys.class_key(class), None);
            }
        }
        assert!(wraps.contains(&1) && wraps.contains(&3));
        assert_eq!(wraps.iter().filter(|&&w| w == 2).count(), 9);

        let blob = &keys.manifest_key_blob;
        assert_eq!(blob[..4], [4, 0, 0, 0]);
        let class4 = keys.class_key(4).unwrap_or_default();
        assert_eq!(&unwrap(&class4, &blob[4..])?, keys.manifest_key());
        Ok(())
    }

    #[test]
    fn file_keys_differ_per_file_and_wrap_under_their_class() -> io::Result<()> {
        let keys = Keys::generate(5, "pw", 1, 1)?;
        let a = keys.file_key(&[1; 20]);
        let b = keys.file_key(&[2; 20]);
        assert_ne!(a, b);
        let ek = keys.encryption_key(3, &a)?;
        assert_eq!(ek[..4], [3, 0, 0, 0]);
        assert_eq!(unwrap(&keys.class_key(3).unwrap_or_default(), &ek[4..])?, a);
        assert!(keys.encryption_key(11, &a).is_err());
        assert!(keys.encryption_key(7, &a).is_err());
        Ok(())
    }
}
