//! Builds Info.plist (XML), Manifest.plist and Status.plist (binary) for a synthetic backup.

use std::io;

use plist::{Dictionary, Value};

use super::catalog::{stable_hash, Catalog};
use super::clock::plist_date;
use super::content::{AppDef, APPS};
use super::crypto::Keys;
use super::rng::Rng;
use super::{BackupSpec, BackupState, Format};

fn s(v: &str) -> Value {
    Value::String(v.to_owned())
}

fn encode(value: &Value, what: &str, binary: bool) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let result = if binary {
        value.to_writer_binary(&mut out)
    } else {
        value.to_writer_xml(&mut out)
    };
    result.map_err(|e| io::Error::other(format!("encoding {what}: {e}")))?;
    Ok(out)
}

/// A stream of random numbers tied to one string, so an app's container UUID or store id is
/// the same in every backup generated with the same seed.
fn rng_for(seed: u64, what: &str) -> Rng {
    Rng::derive(seed, stable_hash(what))
}

/// The phone's own apps, if the spec has the phone content.
fn phone_apps(spec: &BackupSpec) -> &'static [AppDef] {
    match spec.phone_content {
        true => APPS,
        false => &[],
    }
}

/// A spec app's `.app` folder: the last label of its id, as a bundle is often named.
fn spec_bundle_dir(id: &str) -> String {
    format!("{}.app", id.rsplit('.').next().unwrap_or(id))
}

/// The bytes of Info.plist. Keys are sorted, as Apple's serializer writes them.
pub(crate) fn info(spec: &BackupSpec) -> io::Result<Vec<u8>> {
    let mut apps = Dictionary::new();
    for id in &spec.spec_apps {
        apps.insert(id.clone(), Value::Dictionary(Dictionary::new()));
    }
    for app in phone_apps(spec) {
        let mut rng = rng_for(spec.seed, app.id);
        let mut entry = Dictionary::new();
        if app.item_name.is_some() {
            // An App Store receipt blob; its content is opaque to backup readers.
            let mut sinf = vec![0u8; 24];
            rng.fill(&mut sinf);
            entry.insert("ApplicationSINF".into(), Value::Data(sinf));
        }
        if let Some(name) = app.item_name {
            let mut meta = Dictionary::new();
            meta.insert("artistName".into(), s(app.artist));
            meta.insert("bundleShortVersionString".into(), s(app.version));
            meta.insert(
                "itemId".into(),
                Value::Integer((300_000_000 + rng.below(1_400_000_000)).into()),
            );
            meta.insert("itemName".into(), s(name));
            meta.insert("softwareVersionBundleId".into(), s(app.id));
            meta.insert("sourceApp".into(), s("com.apple.AppStore"));
            let bytes = encode(
                &Value::Dictionary(meta),
                &format!("iTunesMetadata of {}", app.id),
                true,
            )?;
            entry.insert("iTunesMetadata".into(), Value::Data(bytes));
        }
        apps.insert(app.id.into(), Value::Dictionary(entry));
    }
    apps.sort_keys();
    let installed: Vec<Value> = phone_apps(spec)
        .iter()
        .map(|a| s(a.id))
        .chain(spec.spec_apps.iter().map(|id| s(id)))
        .collect();

    let mut rng = rng_for(spec.seed, "Info.plist");
    let mut d = Dictionary::new();
    d.insert("Applications".into(), Value::Dictionary(apps));
    d.insert("Build Version".into(), s(&spec.build_version));
    d.insert("Device Name".into(), s(&spec.device_name));
    d.insert("Display Name".into(), s(&spec.device_name));
    d.insert("GUID".into(), s(&rng.hex(32, true)));
    // Wi-Fi-only iPads have no IMEI; readers must treat every key as optional.
    if spec.product_type.starts_with("iPhone") {
        d.insert(
            "IMEI".into(),
            s(&format!("35{:013}", rng.below(10_000_000_000_000))),
        );
    }
    d.insert("Installed Applications".into(), Value::Array(installed));
    d.insert(
        "Last Backup Date".into(),
        Value::Date(plist_date(spec.last_backup)?),
    );
    d.insert("Product Type".into(), s(&spec.product_type));
    d.insert("Product Version".into(), s(&spec.ios_version));
    d.insert("Serial Number".into(), s(&spec.serial_number));
    d.insert("Target Identifier".into(), s(&spec.udid.to_uppercase()));
    d.insert("Target Type".into(), s("Device"));
    d.insert("Unique Identifier".into(), s(&spec.udid.to_uppercase()));
    d.insert("iTunes Version".into(), s("12.13.4.4"));
    encode(&Value::Dictionary(d), "Info.plist", false)
}

fn container(id: &str, version: &str, path: String, class: &str) -> Value {
    let mut d = Dictionary::new();
    d.insert("CFBundleIdentifier".into(), s(id));
    d.insert("CFBundleVersion".into(), s(version));
    d.insert("ContainerContentClass".into(), s(class));
    d.insert("Path".into(), Value::String(path));
    Value::Dictionary(d)
}

/// The bytes of Manifest.plist. `Applications` lists apps, extensions and groups; only the
/// content class says which is which. `keys` (encrypted backups) supplies `BackupKeyBag` and
/// `ManifestKey`.
pub(crate) fn manifest(
    spec: &BackupSpec,
    cat: &Catalog,
    keys: Option<&Keys>,
) -> io::Result<Vec<u8>> {
    let bundle_root = "/private/var/containers/Bundle/Application";
    let mut apps = Dictionary::new();
    for app in phone_apps(spec) {
        let uuid = rng_for(spec.seed, app.id).uuid();
        let path = format!("{bundle_root}/{uuid}/{}", app.bundle_dir);
        apps.insert(
            app.id.into(),
            container(app.id, app.version, path, "Data/Application"),
        );
    }
    for id in &spec.spec_apps {
        let uuid = rng_for(spec.seed, id).uuid();
        let path = format!("{bundle_root}/{uuid}/{}", spec_bundle_dir(id));
        apps.insert(id.clone(), container(id, "1.0", path, "Data/Application"));
    }
    for ext in &cat.extensions {
        let mut rng = rng_for(spec.seed, ext);
        let name = ext.rsplit('.').next().unwrap_or(ext);
        let path = format!("{bundle_root}/{}/Host.app/PlugIns/{name}.appex", rng.uuid());
        apps.insert(
            ext.clone(),
            container(ext, "1", path, "Data/PluginKitPlugin"),
        );
    }
    for group in &cat.groups {
        let uuid = rng_for(spec.seed, group).uuid();
        let path = format!("/private/var/mobile/Containers/Shared/AppGroup/{uuid}");
        apps.insert(group.clone(), container(group, "", path, "Shared/AppGroup"));
    }
    apps.sort_keys();

    let mut lockdown = Dictionary::new();
    lockdown.insert("BuildVersion".into(), s(&spec.build_version));
    lockdown.insert("DeviceName".into(), s(&spec.device_name));
    lockdown.insert("ProductType".into(), s(&spec.product_type));
    lockdown.insert("ProductVersion".into(), s(&spec.ios_version));
    lockdown.insert("SerialNumber".into(), s(&spec.serial_number));
    lockdown.insert("UniqueDeviceID".into(), s(&spec.udid));

    let mut d = Dictionary::new();
    d.insert("Applications".into(), Value::Dictionary(apps));
    if let Some(keys) = keys {
        d.insert("BackupKeyBag".into(), Value::Data(keys.keybag.clone()));
    }
    d.insert("Date".into(), Value::Date(plist_date(spec.last_backup)?));
    d.insert("IsEncrypted".into(), Value::Boolean(spec.encrypted));
    d.insert("Lockdown".into(), Value::Dictionary(lockdown));
    if let Some(keys) = keys {
        // u32 LE protection class 4, then the 40-byte wrapped Manifest.db key.
        d.insert(
            "ManifestKey".into(),
            Value::Data(keys.manifest_key_blob.clone()),
        );
    }
    d.insert("SystemDomainsVersion".into(), s("24.0"));
    let version = match spec.format {
        Format::ManifestDb => "10.0",
        // What iTunes wrote for iOS 9 devices.
        Format::ManifestMbdb => "9.1",
    };
    d.insert("Version".into(), s(version));
    d.insert("WasPasscodeSet".into(), Value::Boolean(true));
    encode(&Value::Dictionary(d), "Manifest.plist", true)
}

/// The bytes of Status.plist. An interrupted backup is left in "uploading".
pub(crate) fn status(spec: &BackupSpec) -> io::Result<Vec<u8>> {
    let mut rng = rng_for(spec.seed, "Status.plist");
    let mut d = Dictionary::new();
    d.insert("BackupState".into(), s("new"));
    d.insert("Date".into(), Value::Date(plist_date(spec.last_backup)?));
    d.insert("IsFullBackup".into(), Value::Boolean(false));
    let state = match spec.state {
        BackupState::Finished => "finished",
        BackupState::Incomplete => "uploading",
    };
    d.insert("SnapshotState".into(), s(state));
    d.insert("UUID".into(), s(&rng.uuid()));
    let version = match spec.format {
        Format::ManifestDb => "3.3",
        Format::ManifestMbdb => "2.4",
    };
    d.insert("Version".into(), s(version));
    encode(&Value::Dictionary(d), "Status.plist", true)
}
