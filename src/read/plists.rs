//! Reads Info.plist, Manifest.plist and Status.plist into the device facts and app catalogue of one backup.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use plist::{Dictionary, Value};
use serde::Serialize;

use crate::diagnostic::Warning;
use crate::error::{Error, Result};

/// What the three plists say about the device and its backup. Every field is optional in practice
/// (a Wi-Fi-only iPad has no IMEI, a crashed backup may lack Status.plist), so each is read on its own.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DeviceInfo {
    pub udid: Option<String>,
    pub device_name: Option<String>,
    pub product_type: Option<String>,
    pub ios_version: Option<String>,
    pub build_version: Option<String>,
    pub serial_number: Option<String>,
    /// When the backup was last written: Info.plist `Last Backup Date`, else Status.plist or Manifest.plist `Date`.
    #[serde(skip)]
    pub last_backup: Option<SystemTime>,
    pub encrypted: bool,
    /// Manifest.plist `BackupKeyBag` and `ManifestKey` (absent before iOS 10.2, when Manifest.db was plain).
    #[serde(skip)]
    pub keybag: Option<Vec<u8>>,
    #[serde(skip)]
    pub manifest_key: Option<Vec<u8>>,
    /// Status.plist `SnapshotState`; `finished` means the backup completed.
    pub snapshot_state: Option<String>,
    pub apps: AppCatalog,
    /// Plists that were missing or unreadable but did not stop the scan.
    pub warnings: Vec<Warning>,
}

/// The apps, extensions and app groups a backup declares, and the names people know them by.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AppCatalog {
    /// Bundle ids of installed apps (Manifest.plist `Data/Application` entries and Info.plist `Installed Applications`).
    pub installed: Vec<String>,
    /// Display names from the App Store metadata (Info.plist `Applications[id].iTunesMetadata.itemName`).
    pub names: BTreeMap<String, String>,
    /// The `.app` folder names of installed apps (Manifest.plist `Applications[id].Path`), the next best name.
    pub bundle_names: BTreeMap<String, String>,
}

impl AppCatalog {
    pub fn add_installed(&mut self, id: &str) {
        if let Err(at) = self
            .installed
            .binary_search_by(|probe| probe.as_str().cmp(id))
        {
            self.installed.insert(at, id.to_string());
        }
    }
}

/// Reads the plists of the backup in `dir`. Manifest.plist is required when present-but-broken
/// (it says whether the backup is encrypted); problems with the other two become warnings.
pub fn read_device_info(dir: &Path) -> Result<DeviceInfo> {
    let [manifest, info, status] =
        ["Manifest.plist", "Info.plist", "Status.plist"].map(|name| dir.join(name));
    device_info(
        PlistFile::read(&manifest),
        PlistFile::read(&info),
        PlistFile::read(&status),
        || crate::read::manifest_db::check_header(&dir.join("Manifest.db")).is_ok(),
    )
}

/// One plist as read from disk: its path (for messages) and its bytes, `Ok(None)` when it does not exist.
pub struct PlistFile<'p> {
    pub path: &'p Path,
    pub bytes: Result<Option<Vec<u8>>>,
}

impl<'p> PlistFile<'p> {
    pub fn read(path: &'p Path) -> Self {
        PlistFile {
            path,
            bytes: read_plist(path),
        }
    }

    /// The plist's top-level dictionary; `Ok(None)` when the file does not exist.
    fn load(self) -> Result<Option<Dictionary>> {
        match self.bytes? {
            Some(bytes) => parse_dict(self.path, &bytes).map(Some),
            None => Ok(None),
        }
    }
}

/// [`read_device_info`] from the three plists as read. `manifest_db_is_plain` says whether the folder's
/// Manifest.db is plainly SQLite (then the backup is not encrypted and a broken Manifest.plist is only a
/// warning); it is asked only when Manifest.plist cannot be read.
pub fn device_info(
    manifest: PlistFile<'_>,
    info_plist: PlistFile<'_>,
    status: PlistFile<'_>,
    manifest_db_is_plain: impl FnOnce() -> bool,
) -> Result<DeviceInfo> {
    let mut info = DeviceInfo::default();
    let mut status_date = None;
    let mut manifest_date = None;

    let manifest = match manifest.load() {
        Ok(manifest) => manifest,
        // It says whether the backup is encrypted; a Manifest.db that is plainly SQLite says it is not.
        Err(e) if manifest_db_is_plain() => {
            info.warnings.push(Warning::ManifestPlistUnreadable {
                problem: e.to_string(),
            });
            None
        }
        Err(e) => return Err(e),
    };
    match manifest {
        Some(manifest) => {
            info.encrypted = manifest
                .get("IsEncrypted")
                .and_then(Value::as_boolean)
                .unwrap_or(false);
            manifest_date = manifest.get("Date").and_then(date);
            info.keybag = manifest
                .get("BackupKeyBag")
                .and_then(Value::as_data)
                .map(<[u8]>::to_vec);
            info.manifest_key = manifest
                .get("ManifestKey")
                .and_then(Value::as_data)
                .map(<[u8]>::to_vec);
            if let Some(lockdown) = manifest.get("Lockdown").and_then(Value::as_dictionary) {
                info.udid = string(lockdown, "UniqueDeviceID");
                info.device_name = string(lockdown, "DeviceName");
                info.product_type = string(lockdown, "ProductType");
                info.ios_version = string(lockdown, "ProductVersion");
                info.build_version = string(lockdown, "BuildVersion");
                info.serial_number = string(lockdown, "SerialNumber");
            }
            if let Some(apps) = manifest.get("Applications").and_then(Value::as_dictionary) {
                for (id, entry) in apps {
                    let class = entry
                        .as_dictionary()
                        .and_then(|d| d.get("ContainerContentClass"))
                        .and_then(Value::as_string);
                    // Older manifests carry no class: then only ids that do not name a group count as apps.
                    let is_app = match class {
                        Some(class) => class == "Data/Application",
                        None => !id.starts_with("group."),
                    };
                    if is_app {
                        info.apps.add_installed(id);
                        let folder = entry
                            .as_dictionary()
                            .and_then(|d| d.get("Path"))
                            .and_then(Value::as_string)
                            .and_then(crate::attribute::names::bundle_folder_name);
                        if let Some(folder) = folder {
                            info.apps.bundle_names.insert(id.clone(), folder);
                        }
                    }
                }
            }
        }
        None if info.warnings.is_empty() => info.warnings.push(Warning::ManifestPlistMissing),
        None => {}
    }

    match info_plist.load() {
        Ok(Some(plist)) => apply_info_plist(&plist, &mut info),
        Ok(None) => info.warnings.push(Warning::InfoPlistMissing),
        Err(e) => info.warnings.push(Warning::InfoPlistUnreadable {
            problem: e.to_string(),
        }),
    }

    match status.load() {
        Ok(Some(status)) => {
            info.snapshot_state = string(&status, "SnapshotState");
            status_date = status.get("Date").and_then(date);
        }
        Ok(None) => info.warnings.push(Warning::StatusPlistMissing),
        Err(e) => info.warnings.push(Warning::StatusPlistUnreadable {
            problem: e.to_string(),
        }),
    }

    info.last_backup = info.last_backup.or(status_date).or(manifest_date);
    Ok(info)
}

fn apply_info_plist(plist: &Dictionary, info: &mut DeviceInfo) {
    // Info.plist is written by the computer at the end of a backup; Manifest.plist's Lockdown copy is the fallback.
    let pick = |key: &str, current: &mut Option<String>| {
        if let Some(v) = string(plist, key) {
            *current = Some(v);
        }
    };
    pick("Device Name", &mut info.device_name);
    pick("Product Type", &mut info.product_type);
    pick("Product Version", &mut info.ios_version);
    pick("Build Version", &mut info.build_version);
    pick("Serial Number", &mut info.serial_number);
    if info.udid.is_none() {
        info.udid =
            string(plist, "Unique Identifier").or_else(|| string(plist, "Target Identifier"));
    }
    info.last_backup = plist.get("Last Backup Date").and_then(date);

    if let Some(ids) = plist
        .get("Installed Applications")
        .and_then(Value::as_array)
    {
        for id in ids.iter().filter_map(Value::as_string) {
            info.apps.add_installed(id);
        }
    }
    if let Some(apps) = plist.get("Applications").and_then(Value::as_dictionary) {
        for (id, entry) in apps {
            if let Some(name) = entry
                .as_dictionary()
                .and_then(|d| d.get("iTunesMetadata"))
                .and_then(Value::as_data)
                .and_then(item_name)
            {
                info.apps.names.insert(id.clone(), name);
            }
        }
    }
}

/// The `itemName` inside an app's iTunesMetadata, itself a plist stored as bytes.
pub(crate) fn item_name(metadata: &[u8]) -> Option<String> {
    let value = super::plist_value::parse(metadata).ok()?;
    let name = value.as_dictionary()?.get("itemName")?.as_string()?.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// Info.plist carries app icons and can reach tens of MB; anything near this is not a backup's plist.
const MAX_PLIST_BYTES: u64 = 512 << 20;

/// Reads a plist's bytes; `Ok(None)` when the file does not exist.
fn read_plist(path: &Path) -> Result<Option<Vec<u8>>> {
    use std::io::Read;
    if !super::file_kind::regular_file(path)? {
        return Ok(None);
    }
    let file = super::file_kind::open_regular(path)?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if len > MAX_PLIST_BYTES {
        let problem = format!("it is {len} bytes, too large for a backup plist");
        return Err(Error::plist(path, problem));
    }
    let mut bytes = Vec::new();
    // `take`: a file that grows while it is read stops at the limit all the same.
    file.take(MAX_PLIST_BYTES)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    Ok(Some(bytes))
}

/// Parses the plist read from `path`, whose top level must be a dictionary.
fn parse_dict(path: &Path, bytes: &[u8]) -> Result<Dictionary> {
    if bytes.is_empty() {
        return Err(Error::EmptyFile {
            path: path.to_path_buf(),
        });
    }
    let value = super::plist_value::parse(bytes).map_err(|refused| Error::plist(path, refused))?;
    match value {
        Value::Dictionary(dict) => Ok(dict),
        _ => Err(Error::plist(path, "its top level is not a dictionary")),
    }
}

fn string(dict: &Dictionary, key: &str) -> Option<String> {
    dict.get(key)
        .and_then(Value::as_string)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn date(value: &Value) -> Option<SystemTime> {
    value.as_date().map(SystemTime::from)
}
