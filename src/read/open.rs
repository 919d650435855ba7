//! Which manifest a backup folder holds, and the key that opens it: the decisions between reading the plists
//! and reading the manifest (Manifest.db or Manifest.mbdb, plain, encrypted or a decrypted copy).

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::manifest::ManifestSource;
use super::{crypto, file_kind, manifest_db, DeviceInfo};
use crate::diagnostic::Warning;
use crate::error::{Error, Result};

/// What unlocking an encrypted backup needs from whoever runs it.
pub trait Keyholder {
    /// The password for this backup, if the user gave one.
    fn password(&self, info: &DeviceInfo) -> Option<Zeroizing<String>>;
    /// Key derivation is about to run: seconds of CPU on a real backup.
    fn deriving(&self, _device: &str) {}
    /// Key derivation has ended.
    fn derived(&self) {}
}

/// The two manifest formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestKind {
    /// iOS 10 and later: `Manifest.db`.
    Db,
    /// iOS 4–9: `Manifest.mbdb`.
    Mbdb,
}

/// A manifest ready to open: its file, its key when it is encrypted, and whether the data files are.
pub struct ManifestToRead {
    pub kind: ManifestKind,
    path: PathBuf,
    key: Option<crypto::Key>,
    /// Whether the data files of a Manifest.db backup are encrypted (padded) on disk.
    pub files_encrypted: bool,
}

impl ManifestToRead {
    pub fn source(&self) -> ManifestSource<'_> {
        match (self.kind, &self.key) {
            (ManifestKind::Mbdb, _) => ManifestSource::Mbdb(&self.path),
            (ManifestKind::Db, Some(key)) => ManifestSource::Encrypted(&self.path, key),
            (ManifestKind::Db, None) => ManifestSource::Plain(&self.path),
        }
    }
}

/// What a backup folder offers once its plists are read.
pub enum Opening {
    /// The manifest can be read; `info` may have gained a warning (a decrypted copy).
    Readable {
        info: DeviceInfo,
        manifest: ManifestToRead,
    },
    /// Encrypted, and no password was given: only what shows without the key.
    Locked { info: DeviceInfo },
}

/// Decides which manifest the backup in `dir` (folder name `id`) has and, when it is encrypted, unlocks it
/// with the password `keys` gives.
pub fn open(dir: &Path, id: &str, mut info: DeviceInfo, keys: &dyn Keyholder) -> Result<Opening> {
    let manifest_db = dir.join("Manifest.db");
    // The format is decided by which manifest exists, never by the iOS version (10.0–10.2 already use
    // Manifest.db). An iOS 4–9 manifest is never encrypted, so it needs no password.
    // A folder, FIFO or device under either name is named for what it is, never opened.
    if !file_kind::regular_file(&manifest_db)? {
        let mbdb = dir.join("Manifest.mbdb");
        if !file_kind::regular_file(&mbdb)? {
            return Err(missing_manifest(dir));
        }
        // As for Manifest.db: 0 bytes is a backup that never got to write its manifest.
        if std::fs::metadata(&mbdb).is_ok_and(|m| m.len() == 0) {
            return Err(Error::EmptyFile { path: mbdb });
        }
        return Ok(Opening::Readable {
            info,
            manifest: ManifestToRead {
                kind: ManifestKind::Mbdb,
                path: mbdb,
                key: None,
                files_encrypted: false,
            },
        });
    }
    // The IsEncrypted flag alone is not trusted: iOS 10.0–10.1 encrypted backups have no ManifestKey, and
    // decrypted copies (`mvt-ios decrypt-backup`) keep the flag but hold a plain Manifest.db.
    let plain_db = manifest_db::check_header(&manifest_db).is_ok();
    let decrypted_copy = info.encrypted && plain_db && info.manifest_key.is_some();
    if decrypted_copy {
        info.warnings.push(Warning::DecryptedCopy);
    }
    let key = match (info.encrypted && !plain_db, &info.manifest_key) {
        (true, Some(_)) => match keys.password(&info) {
            Some(password) => Some(unlock(dir, id, &info, &password, keys)?),
            None => return Ok(Opening::Locked { info }),
        },
        _ => None,
    };
    // A decrypted copy holds decrypted files too; iOS 10.0–10.1 encrypted files under a plain manifest.
    let files_encrypted = info.encrypted && !decrypted_copy;
    Ok(Opening::Readable {
        info,
        manifest: ManifestToRead {
            kind: ManifestKind::Db,
            path: manifest_db,
            key,
            files_encrypted,
        },
    })
}

/// Password → class keys → the Manifest.db key.
fn unlock(
    dir: &Path,
    id: &str,
    info: &DeviceInfo,
    password: &str,
    keys: &dyn Keyholder,
) -> Result<crypto::Key> {
    let manifest_plist = dir.join("Manifest.plist");
    let problem = |p: String| Error::damaged_encryption(&manifest_plist, p);
    let bag = info
        .keybag
        .as_deref()
        .ok_or_else(|| problem("it has no BackupKeyBag".into()))?;
    let bag = crypto::Keybag::parse(bag).map_err(|e| problem(e.to_string()))?;
    let device = info.device_name.clone().unwrap_or_else(|| id.to_string());
    keys.deriving(&device);
    let derived = crypto::passcode_key(&bag, password.as_bytes());
    keys.derived();
    let wrong = |e: crypto::UnlockError| match e {
        crypto::UnlockError::WrongPassword => Error::WrongPassword {
            device: device.clone(),
            path: dir.to_path_buf(),
        },
        other => problem(other.to_string()),
    };
    let class_keys = crypto::unwrap_class_keys(&bag, &derived.map_err(wrong)?).map_err(wrong)?;
    let manifest_key = info.manifest_key.as_deref().unwrap_or_default();
    crypto::manifest_key(manifest_key, &class_keys).map_err(wrong)
}

fn missing_manifest(dir: &Path) -> Error {
    Error::Io {
        path: dir.join("Manifest.db"),
        err: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "the backup has no Manifest.db or Manifest.mbdb; it may not have finished: back up again in Finder or iTunes",
        ),
    }
}
