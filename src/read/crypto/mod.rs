//! Unlocks encrypted backups: password → keybag class keys → Manifest.db key → Manifest.db decrypted as read.
//!
//! Steps (dinosec iphone-dataprotection; jsharkey13/iphone_backup_decrypt; backup-formats notes §5):
//! `k1 = PBKDF2-HMAC-SHA256(password, DPSL, DPIC)` (iOS 10.2+), `K = PBKDF2-HMAC-SHA1(k1 or password, SALT, ITER)`;
//! each password-wrapped class key is `AESKeyUnwrap(K, WPKY)` (RFC 3394; a failed check means a wrong password);
//! `ManifestKey` is a u32 little-endian class and a key wrapped with that class key; Manifest.db is AES-256-CBC
//! with a zero IV and PKCS#7 padding. Plaintext never touches the disk: [`vfs`] decrypts the pages SQLite asks
//! for; `DecryptingReader` (tests and the `reference` feature) streams the whole file, the reference it is checked against.

pub mod keybag;
pub mod vfs;
/// The whole-file decrypting reader: the reference the page-by-page VFS is tested and measured against.
#[cfg(any(test, feature = "reference"))]
mod whole_file;
#[cfg(any(test, feature = "reference"))]
pub use whole_file::DecryptingReader;

use std::io::Read;

use aes::cipher::{BlockDecryptMut, KeyIvInit};
use zeroize::{Zeroize, Zeroizing};

pub use keybag::{Keybag, KeybagError};

/// A 256-bit key that is wiped when dropped.
pub type Key = Zeroizing<[u8; 32]>;

/// More rounds than any real backup uses (10,000,000 SHA-256 and 10,000 SHA-1 today), but few enough to
/// finish: the counts come from the file, and a crafted one must not hang cloudfit for days.
pub const MAX_DP_ITERATIONS: u32 = 50_000_000;
pub const MAX_ITERATIONS: u32 = 20_000_000;

/// Why a backup could not be unlocked.
#[derive(Debug, thiserror::Error)]
pub enum UnlockError {
    #[error("wrong password")]
    WrongPassword,
    #[error("{0}")]
    Keybag(#[from] KeybagError),
    #[error("the keybag asks for {asked} {what} rounds, more than the {cap} cloudfit allows")]
    TooManyRounds {
        what: &'static str,
        asked: u32,
        cap: u32,
    },
    #[error("ManifestKey is {0} bytes, expected 44 (a 4-byte class and a 40-byte wrapped key)")]
    BadManifestKey(usize),
    #[error("the keybag has no usable key for protection class {0}")]
    NoClassKey(u32),
}

/// Derives the key that unwraps the class keys. Seconds of CPU on a real backup.
pub fn passcode_key(bag: &Keybag, password: &[u8]) -> Result<Key, UnlockError> {
    if bag.iterations > MAX_ITERATIONS {
        return Err(UnlockError::TooManyRounds {
            what: "PBKDF2-SHA1",
            asked: bag.iterations,
            cap: MAX_ITERATIONS,
        });
    }
    let mut first = Zeroizing::new([0u8; 32]);
    let input: &[u8] = match (&bag.dp_salt, bag.dp_iterations) {
        (Some(salt), Some(rounds)) => {
            if rounds > MAX_DP_ITERATIONS {
                return Err(UnlockError::TooManyRounds {
                    what: "PBKDF2-SHA256",
                    asked: rounds,
                    cap: MAX_DP_ITERATIONS,
                });
            }
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, rounds, first.as_mut());
            first.as_ref()
        }
        _ => password,
    };
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha1::Sha1>(input, &bag.salt, bag.iterations, key.as_mut());
    Ok(key)
}

/// The unwrapped class keys, by protection class.
pub struct ClassKeys(Vec<(u32, Key)>);

impl ClassKeys {
    pub fn get(&self, class: u32) -> Option<&Key> {
        self.0.iter().find(|(c, _)| *c == class).map(|(_, k)| k)
    }
}

/// Unwraps every password-wrapped class key; any failed integrity check means the password is wrong.
pub fn unwrap_class_keys(bag: &Keybag, key: &Key) -> Result<ClassKeys, UnlockError> {
    let mut out = Vec::new();
    for class_key in bag
        .class_keys
        .iter()
        .filter(|k| k.wrap & keybag::WRAP_PASSCODE != 0)
    {
        // Keys also wrapped with the device UID (wrap bit 1) cannot be opened off the device: skip them.
        if class_key.wrap & 1 != 0 || class_key.key_type != 0 {
            continue;
        }
        out.push((class_key.class, unwrap(key, &class_key.wrapped)?));
    }
    if out.is_empty() {
        return Err(KeybagError::Missing("password-wrapped class key").into());
    }
    Ok(ClassKeys(out))
}

/// The AES key of Manifest.db, from Manifest.plist `ManifestKey`.
pub fn manifest_key(blob: &[u8], class_keys: &ClassKeys) -> Result<Key, UnlockError> {
    if blob.len() != 44 {
        return Err(UnlockError::BadManifestKey(blob.len()));
    }
    let class = u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]);
    let class_key = class_keys
        .get(class)
        .ok_or(UnlockError::NoClassKey(class))?;
    unwrap(class_key, &blob[4..])
}

/// RFC 3394 unwrap of a 40-byte blob into a 32-byte key.
fn unwrap(kek: &Key, wrapped: &[u8]) -> Result<Key, UnlockError> {
    if wrapped.len() != 40 {
        return Err(KeybagError::BadLength {
            tag: "wrapped key",
            len: wrapped.len(),
            expected: 40,
        }
        .into());
    }
    let kek = aes_kw::KekAes256::from(**kek);
    let mut out = Zeroizing::new([0u8; 32]);
    kek.unwrap(wrapped, out.as_mut())
        .map_err(|_| UnlockError::WrongPassword)?;
    Ok(out)
}

/// Why an encrypted Manifest.db cannot be decrypted.
#[derive(Debug, thiserror::Error)]
pub enum DecryptError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("its length ({0} bytes) is not a whole number of AES blocks")]
    NotBlocks(u64),
    #[error("its padding is invalid: the key is wrong or the file is damaged")]
    BadPadding,
}

/// Checks that `file` is whole AES blocks with valid PKCS#7 padding and returns its plaintext length.
/// Moves the file's cursor.
pub(crate) fn plaintext_len(mut file: &std::fs::File, key: &Key) -> Result<u64, DecryptError> {
    use std::io::{Seek, SeekFrom};
    let len = file.metadata()?.len();
    if len == 0 || len % 16 != 0 {
        return Err(DecryptError::NotBlocks(len));
    }
    // CBC: the last plaintext block is D(C[n]) xor C[n-1] (the IV, zero, when there is one block).
    let mut tail = [0u8; 32];
    let tail_len = len.min(32) as usize;
    file.seek(SeekFrom::Start(len - tail_len as u64))?;
    file.read_exact(&mut tail[32 - tail_len..])?;
    let mut last = aes::Block::clone_from_slice(&tail[16..]);
    let iv = aes::Block::clone_from_slice(&tail[..16]);
    let mut cipher = cbc::Decryptor::<aes::Aes256>::new(key.as_ref().into(), &iv);
    cipher.decrypt_block_mut(&mut last);
    let pad = last[15];
    let valid = (1..=16).contains(&pad) && last[16 - pad as usize..].iter().all(|&b| b == pad);
    last.zeroize();
    if !valid {
        return Err(DecryptError::BadPadding);
    }
    Ok(len - u64::from(pad))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::cipher::BlockEncryptMut;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn unwraps_the_rfc_3394_test_vector() {
        // RFC 3394 §4.6: 256 bits of key data wrapped with a 256-bit KEK.
        let kek: [u8; 32] = hex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")
            .try_into()
            .unwrap();
        let wrapped =
            hex("28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21");
        let key = unwrap(&Zeroizing::new(kek), &wrapped).unwrap();
        assert_eq!(
            key.to_vec(),
            hex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")
        );

        let mut damaged = wrapped.clone();
        damaged[5] ^= 1;
        assert!(matches!(
            unwrap(&Zeroizing::new(kek), &damaged),
            Err(UnlockError::WrongPassword)
        ));
    }

    /// AES-256-CBC, zero IV, PKCS#7: how backups encrypt Manifest.db.
    fn encrypt(key: &[u8; 32], plain: &[u8]) -> Vec<u8> {
        let pad = 16 - plain.len() % 16;
        let mut data = plain.to_vec();
        data.extend(std::iter::repeat_n(pad as u8, pad));
        let mut blocks: Vec<aes::Block> = data
            .chunks_exact(16)
            .map(aes::Block::clone_from_slice)
            .collect();
        let mut cipher = cbc::Encryptor::<aes::Aes256>::new(key.into(), &aes::Block::default());
        cipher.encrypt_blocks_mut(&mut blocks);
        blocks.iter().flat_map(|b| b.iter().copied()).collect()
    }

    #[test]
    fn decrypts_streaming_and_patches_the_wal_header() {
        let key = [7u8; 32];
        for len in [1usize, 15, 16, 17, 100, 65_536, 200_003] {
            let plain: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let tmp = tempfile::tempdir().unwrap();
            let path = tmp.path().join("Manifest.db");
            std::fs::write(&path, encrypt(&key, &plain)).unwrap();
            let mut reader = DecryptingReader::open(&path, &Zeroizing::new(key)).unwrap();
            assert_eq!(reader.plaintext_len(), len as u64);
            let mut out = Vec::new();
            // Odd read sizes cross block and chunk boundaries.
            let mut buf = [0u8; 1000];
            loop {
                let n = reader.read(&mut buf[..7 + out.len() % 900]).unwrap();
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
            let mut want = plain.clone();
            for at in [18, 19] {
                if let Some(b) = want.get_mut(at) {
                    *b = 1;
                }
            }
            assert_eq!(out, want, "length {len}");
        }
    }

    #[test]
    fn a_wrong_key_or_a_ragged_file_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("Manifest.db");
        std::fs::write(&path, encrypt(&[7u8; 32], &[0u8; 1000])).unwrap();
        assert!(matches!(
            DecryptingReader::open(&path, &Zeroizing::new([8u8; 32])),
            Err(DecryptError::BadPadding)
        ));
        std::fs::write(&path, [0u8; 1001]).unwrap();
        assert!(matches!(
            DecryptingReader::open(&path, &Zeroizing::new([7u8; 32])),
            Err(DecryptError::NotBlocks(1001))
        ));
    }

    #[test]
    fn derives_keys_as_independent_implementations_do() {
        // RFC 6070 test vector for PBKDF2-HMAC-SHA1 ("password", "salt", 2 rounds): the first 20 bytes.
        let sha1_only = Keybag {
            salt: b"salt".to_vec(),
            iterations: 2,
            ..Keybag::default()
        };
        let key = passcode_key(&sha1_only, b"password").unwrap();
        assert_eq!(
            key[..20].to_vec(),
            hex("ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957")
        );

        // Both stages, as iOS 10.2+ does; expected value from Python's hashlib.pbkdf2_hmac (OpenSSL).
        let both = Keybag {
            salt: (100..120).collect(),
            iterations: 10,
            dp_salt: Some((0..20).collect()),
            dp_iterations: Some(1000),
            ..Keybag::default()
        };
        let key = passcode_key(&both, b"correct horse").unwrap();
        assert_eq!(
            key.to_vec(),
            hex("5af074869b7383d590819962cf712622de1fd66af3d96b6e335ed4f1c4d7af03")
        );
    }

    #[test]
    fn absurd_round_counts_are_refused_before_any_work() {
        let bag = Keybag {
            salt: vec![1; 20],
            iterations: 10,
            dp_salt: Some(vec![2; 20]),
            dp_iterations: Some(u32::MAX),
            ..Keybag::default()
        };
        assert!(matches!(
            passcode_key(&bag, b"x"),
            Err(UnlockError::TooManyRounds { .. })
        ));
        let bag = Keybag {
            iterations: u32::MAX,
            dp_iterations: None,
            dp_salt: None,
            ..bag
        };
        assert!(matches!(
            passcode_key(&bag, b"x"),
            Err(UnlockError::TooManyRounds { .. })
        ));
    }
}
