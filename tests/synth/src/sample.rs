//! The committed sample: a small MobileSync folder with one backup of every kind a reader meets.

use std::fs;
use std::io;
use std::path::Path;

use super::clock::unix_from_utc;
use super::earlier::earlier_copy;
use super::rng::Rng;
use super::{write_backup, BackupSpec, BackupState, Format, SampleSet};

/// The password of Sam's iPhone, the first encrypted sample backup.
pub const SAM_PASSWORD: &str = "correct horse battery staple";
/// The password of Lee's iPad, the second encrypted sample backup.
pub const LEE_PASSWORD: &str = "hunter2";

/// How many files of Maya's iPhone were deleted, and how many grew in place, between its archived copy
/// and its backup.
pub const MAYA_REMOVED: u64 = 4;
pub const MAYA_GROWN: u64 = 3;

/// A folder beside the backups that is not one; readers must list it as skipped.
const NOT_A_BACKUP: &str = "Photos export";

/// The six backups of the sample, in the order they are written (the last an iOS 9 one with
/// Manifest.mbdb). Sizes are KB-scale so the
/// whole set stays under 3.7 MB in git (which stores no holes), with the proportions of a real
/// phone: photos the biggest category, WhatsApp the biggest app.
///
/// The two encrypted ones have different passwords (tests pass one per UDID) and tiny,
/// different key-derivation counts so opening them takes milliseconds; the keybag format
/// is a device's.
pub fn sample_specs() -> Vec<BackupSpec> {
    let maya = BackupSpec {
        files: 230,
        avg_file_size: 1_500,
        seed: 20_261_120,
        ..BackupSpec::default()
    };
    let archived_at = unix_from_utc(2026, 9, 1, 10, 15, 0);
    // The same phone on 2026-09-01, as Finder archived it: its files born since are not there yet, four
    // photos deleted since are, and three files (databases) have grown in place since.
    let maya_archived = BackupSpec {
        ios_version: "18.0".into(),
        build_version: "22A3354".into(),
        ..earlier_copy(&maya, archived_at, MAYA_REMOVED, MAYA_GROWN)
    };
    let ipad = BackupSpec {
        udid: "00008027-000A19C83C02802E".into(),
        device_name: "Old iPad".into(),
        product_type: "iPad8,1".into(),
        ios_version: "16.7.2".into(),
        build_version: "20H115".into(),
        serial_number: "DMPXQ3KLJF8J".into(),
        last_backup: unix_from_utc(2025, 3, 2, 19, 40, 0),
        state: BackupState::Incomplete,
        snapshot_dir: true,
        files: 180,
        avg_file_size: 900,
        missing: 3,
        orphans: 2,
        seed: 20_250_302,
        ..BackupSpec::default()
    };
    let sam = BackupSpec {
        udid: "00008030-0009783C22EA802E".into(),
        device_name: "Sam's iPhone".into(),
        product_type: "iPhone12,1".into(),
        ios_version: "17.5".into(),
        build_version: "21F79".into(),
        serial_number: "C39ZK1ABN72J".into(),
        last_backup: unix_from_utc(2026, 6, 14, 21, 5, 30),
        encrypted: true,
        password: Some(SAM_PASSWORD.into()),
        dpic: 1_000,
        iter: 10,
        files: 175,
        avg_file_size: 800,
        seed: 20_260_614,
        ..BackupSpec::default()
    };
    let lee = BackupSpec {
        udid: "00008103-001C35A20E91801E".into(),
        device_name: "Lee's iPad".into(),
        product_type: "iPad13,4".into(),
        ios_version: "17.6".into(),
        build_version: "21G80".into(),
        serial_number: "HX7QV2MJ6P4D".into(),
        last_backup: unix_from_utc(2026, 10, 5, 17, 42, 10),
        encrypted: true,
        password: Some(LEE_PASSWORD.into()),
        dpic: 2_000,
        iter: 5,
        files: 160,
        avg_file_size: 600,
        seed: 20_261_005,
        ..BackupSpec::default()
    };
    // An iPhone 6s last backed up on iOS 9: Manifest.mbdb, data files flat in the folder, and
    // the 40-hex UDID of devices before 2018.
    let old_iphone = BackupSpec {
        udid: "5d1a3c9e8b7f46021c4e9a0b3d2f7e816a4c0b95".into(),
        format: Format::ManifestMbdb,
        device_name: "Old iPhone".into(),
        product_type: "iPhone8,1".into(),
        ios_version: "9.3.5".into(),
        build_version: "13G36".into(),
        serial_number: "F17QK0GZGRY9".into(),
        last_backup: unix_from_utc(2019, 6, 1, 10, 0, 0),
        files: 170,
        avg_file_size: 600,
        missing: 2,
        orphans: 1,
        seed: 20_190_601,
        ..BackupSpec::default()
    };
    vec![maya, maya_archived, ipad, sam, lee, old_iphone]
}

/// A few KB that start and end like a JPEG (SOI, JFIF APP0, ..., EOI).
fn jpeg_ish() -> Vec<u8> {
    let mut out = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00,
        0x48, 0x00, 0x48, 0x00, 0x00,
    ];
    let mut body = vec![0u8; 2_600];
    Rng::new(0x1A6E).fill(&mut body);
    out.extend_from_slice(&body);
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

/// Writes `root/Backup/` with the six sample backups and one folder that is not a backup.
pub fn write_sample_set(root: &Path) -> io::Result<SampleSet> {
    let parent = root.join("Backup");
    let mut set = SampleSet::default();
    for spec in sample_specs() {
        set.backups.push(write_backup(&parent, &spec)?);
    }
    let export = parent.join(NOT_A_BACKUP);
    fs::create_dir_all(&export)?;
    fs::write(export.join("IMG_2041.JPG"), jpeg_ish())?;
    set.skipped.push(NOT_A_BACKUP.to_owned());
    Ok(set)
}
