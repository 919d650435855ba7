//! What happened, as typed values with stable codes: a backup's warnings, the estimate's assumptions and the
//! plan's notes. The library never words them; `render::words` does, for tables and JSON alike.
//!
//! Each value serializes as an object whose `code` (kebab-case) is a contract: listed in the README, never
//! reused for another meaning. The other fields are the figures the words are built from.

use serde::Serialize;

/// Something about a backup the user should know that did not stop it from being read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "kebab-case")]
pub enum Warning {
    /// Manifest.plist could not be read, but Manifest.db is plain SQLite, so the backup is not encrypted:
    /// device details come from Info.plist.
    ManifestPlistUnreadable {
        problem: String,
    },
    ManifestPlistMissing,
    /// Info.plist is missing: device details come from Manifest.plist.
    InfoPlistMissing,
    InfoPlistUnreadable {
        problem: String,
    },
    /// Status.plist is missing: the backup may not have finished.
    StatusPlistMissing,
    StatusPlistUnreadable {
        problem: String,
    },
    /// Manifest.plist says encrypted but Manifest.db is plain: read as a decrypted copy (e.g. `mvt-ios
    /// decrypt-backup`).
    DecryptedCopy,
    /// A tree extracted by another tool: no device details, sizes as the files occupy the disk.
    ExtractedTree,
    /// File names that are not valid UTF-8, shown with U+FFFD.
    NonUtf8Names {
        count: u64,
        example: String,
    },
    /// A Snapshot folder is left over: the last backup was interrupted.
    SnapshotLeftOver,
    /// Status.plist's SnapshotState is not `finished`.
    NotFinished {
        state: String,
    },
    /// Manifest.db-wal holds changes not yet in Manifest.db; they are not counted.
    WalPending {
        bytes: u64,
    },
    /// A folder or file of the backup could not be read; its files are not counted.
    Unreadable {
        path: String,
        problem: String,
    },
    /// More unreadable folders or files than are named one by one.
    MoreUnreadable {
        count: u64,
    },
    /// Manifest rows whose records could not be decoded; a few of the problems as examples.
    UndecodableRows {
        rows: u64,
        examples: Vec<String>,
    },
    /// Files whose length on disk differs from the manifest's.
    Resized {
        files: u64,
        bytes: u64,
    },
    /// An encrypted backup no password was given for: sizes are what it occupies on disk.
    Encrypted,
}

/// What the iCloud estimate takes for granted; shown with every estimate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "kebab-case")]
pub enum Assumption {
    /// Whether iCloud Photos is on (then the photo library is not counted); off unless the user says.
    IcloudPhotos { on: bool },
    /// Whether Messages in iCloud is on (then messages are not counted).
    MessagesInIcloud { on: bool },
    /// Contacts, Calendars, Notes and Voice Memos sync with iCloud and are not counted; the high figure
    /// counts these bytes, for a phone that does not sync them.
    SyncedNotCounted { bytes: u64 },
    /// Sizes are those of the backup of `date` (YYYY-MM-DD, null when unknown); the range allows
    /// `band_percent` for changes since and for how the phone counts.
    SizesAsOf {
        date: Option<String>,
        band_percent: u64,
    },
}

/// Something the plan's reader should know about what it was told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "kebab-case")]
pub enum PlanNote {
    /// What else uses iCloud was not given, so nothing else is counted.
    UsedNotGiven,
    /// What else uses iCloud is more than the plan holds, which iCloud does not allow: only a what-if.
    UsedBeyondTier { used_bytes: u64, tier: String },
    /// `--tier` was not given, so the plan is the free 5 GB one.
    TierNotGiven { tier: String },
    /// Neither birth dates nor archived copies tell how fast the backup grows: no growth is projected, and a
    /// plan to buy keeps 10% headroom instead.
    GrowthUnknown,
    /// A backup offered for deletion has this phone's name but is another device: its model and the day of
    /// its last backup (null when unknown) tell which.
    SameNameNotThisPhone {
        backup_id: String,
        /// As the plan shows it, with the model and date.
        name: String,
        model: Option<String>,
        last_backup: Option<String>,
    },
}

impl Warning {
    /// The stable code, as in the JSON.
    pub fn code(&self) -> &'static str {
        match self {
            Warning::ManifestPlistUnreadable { .. } => "manifest-plist-unreadable",
            Warning::ManifestPlistMissing => "manifest-plist-missing",
            Warning::InfoPlistMissing => "info-plist-missing",
            Warning::InfoPlistUnreadable { .. } => "info-plist-unreadable",
            Warning::StatusPlistMissing => "status-plist-missing",
            Warning::StatusPlistUnreadable { .. } => "status-plist-unreadable",
            Warning::DecryptedCopy => "decrypted-copy",
            Warning::ExtractedTree => "extracted-tree",
            Warning::NonUtf8Names { .. } => "non-utf8-names",
            Warning::SnapshotLeftOver => "snapshot-left-over",
            Warning::NotFinished { .. } => "not-finished",
            Warning::WalPending { .. } => "wal-pending",
            Warning::Unreadable { .. } => "unreadable",
            Warning::MoreUnreadable { .. } => "more-unreadable",
            Warning::UndecodableRows { .. } => "undecodable-rows",
            Warning::Resized { .. } => "resized",
            Warning::Encrypted => "encrypted",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The serde tag and `code()` must agree: scripts read the first, the table's words come from the second.
    #[test]
    fn each_warnings_code_is_its_json_tag() {
        let all = [
            Warning::ManifestPlistUnreadable {
                problem: "x".into(),
            },
            Warning::ManifestPlistMissing,
            Warning::InfoPlistMissing,
            Warning::InfoPlistUnreadable {
                problem: "x".into(),
            },
            Warning::StatusPlistMissing,
            Warning::StatusPlistUnreadable {
                problem: "x".into(),
            },
            Warning::DecryptedCopy,
            Warning::ExtractedTree,
            Warning::NonUtf8Names {
                count: 1,
                example: "x".into(),
            },
            Warning::SnapshotLeftOver,
            Warning::NotFinished { state: "x".into() },
            Warning::WalPending { bytes: 1 },
            Warning::Unreadable {
                path: "x".into(),
                problem: "x".into(),
            },
            Warning::MoreUnreadable { count: 1 },
            Warning::UndecodableRows {
                rows: 1,
                examples: vec![],
            },
            Warning::Resized { files: 1, bytes: 1 },
            Warning::Encrypted,
        ];
        let readme = include_str!("../README.md");
        let mut codes = std::collections::BTreeSet::new();
        for w in &all {
            assert!(
                readme.contains(&format!("`{}`", w.code())),
                "{} is not in the README's Codes table",
                w.code()
            );
            let json = serde_json::to_value(w).unwrap();
            assert_eq!(json["code"], w.code(), "{w:?}");
            assert!(codes.insert(w.code()), "{} twice", w.code());
            assert!(
                w.code()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{} is not kebab-case",
                w.code()
            );
        }
    }
}
