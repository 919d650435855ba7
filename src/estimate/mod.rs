//! Estimates a device's iCloud backup from its local backup: what iCloud would not hold is taken out, each
//! part with the reason, and the figure comes as a low–high range with the assumptions behind it.
//!
//! Sources (see `../shared/reference` in the project's history): Apple's "What iCloud backs up"
//! (support.apple.com/HT204136), "About encrypted backups" (support.apple.com/108353) and the iCloud rules
//! of Domains.plist (`RelativePathsNotToBackupToService`, `RelativePathsToBackupToDriveAndStandardAccount`).

use serde::Serialize;

use crate::attribute::{BackupSummary, Category, OwnerKind, Subset};
use crate::diagnostic::Assumption;

/// One backup as the estimate stage hands it on: what fills it, and its iCloud backup (null while locked).
#[derive(Debug, Clone, Serialize)]
pub struct EstimatedBackup {
    #[serde(flatten)]
    pub summary: BackupSummary,
    pub estimate: Option<Estimate>,
}

impl EstimatedBackup {
    pub fn new(summary: BackupSummary, options: &EstimateOptions) -> Self {
        EstimatedBackup {
            estimate: estimate(&summary, options),
            summary,
        }
    }
}

/// What the user says about data kept in iCloud itself. A computer backup already leaves iCloud Photos and
/// Messages in iCloud out, so the defaults (off) take the local backup at its word.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct EstimateOptions {
    /// iCloud Photos is on: the photo library lives in iCloud Photos, not in the backup.
    pub icloud_photos: bool,
    /// Messages in iCloud is on: messages and attachments live there, not in the backup.
    pub messages_in_icloud: bool,
}

/// The iCloud backup of one device, estimated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Estimate {
    /// The best estimate, in bytes.
    pub bytes: u64,
    /// The range the real figure most likely lies in.
    pub low: u64,
    pub high: u64,
    /// The local backup's size the estimate starts from.
    pub local_bytes: u64,
    /// What the figures assume; printed with every estimate.
    pub assumptions: Vec<Assumption>,
    /// What was taken out of the local backup's figure, and why.
    pub removed: Vec<Removed>,
    /// Apps, largest first, as the iCloud backup would hold them.
    pub apps: Vec<AppEstimate>,
    /// Data types, largest first, as the iCloud backup would hold them (empty ones left out).
    pub categories: Vec<CategoryEstimate>,
}

/// One part of the local backup that the iCloud backup would not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Removed {
    /// A data type id (`health`) or subset id (`photo-caches`) of the scan's JSON.
    pub what: &'static str,
    pub label: &'static str,
    pub bytes: u64,
    pub files: u64,
    pub why: &'static str,
    /// False when it rests on an assumption (a sync the user may have switched off): the high figure keeps it.
    pub certain: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppEstimate {
    pub bundle_id: String,
    pub name: String,
    pub kind: OwnerKind,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryEstimate {
    pub id: Category,
    pub label: &'static str,
    pub bytes: u64,
    pub local_bytes: u64,
}

/// Which bytes a rule takes out.
#[derive(Debug, Clone, Copy)]
enum Part {
    Category(Category),
    Subset(Subset),
}

/// When a rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    /// Apple's rules: always.
    Always,
    /// Only when the data syncs with iCloud, as it does by default: an assumption.
    Synced,
    /// Only when the user says iCloud Photos is on.
    IcloudPhotos,
    /// Only when the user says Messages in iCloud is on.
    MessagesInIcloud,
}

struct Rule {
    part: Part,
    when: When,
    why: &'static str,
}

/// Subsets come before the data types they belong to, so a data type's rule takes only what is left of it.
const RULES: &[Rule] = &[
    Rule {
        part: Part::Subset(Subset::PhotoCaches),
        when: When::Always,
        why: "Domains.plist keeps Media/PhotoData/Thumbnails, Metadata and CPL out of iCloud backups; the phone rebuilds them",
    },
    Rule {
        part: Part::Subset(Subset::SafariHistory),
        when: When::Always,
        why: "Safari history is in encrypted computer backups only (Domains.plist: local backups only)",
    },
    Rule {
        part: Part::Subset(Subset::WifiNetworks),
        when: When::Always,
        why: "Wi-Fi settings are in encrypted computer backups only (support.apple.com/108353)",
    },
    Rule {
        part: Part::Category(Category::Passwords),
        when: When::Always,
        why: "saved passwords are in encrypted computer backups only; iCloud Keychain holds them (support.apple.com/108353)",
    },
    Rule {
        part: Part::Category(Category::Health),
        when: When::Always,
        why: "Health is in encrypted computer backups only; iCloud keeps it with Health sync (support.apple.com/108353)",
    },
    Rule {
        part: Part::Category(Category::CallHistory),
        when: When::Always,
        why: "call history is in encrypted computer backups only (Domains.plist: local backups only)",
    },
    Rule {
        part: Part::Category(Category::Home),
        when: When::Always,
        why: "Home data is in encrypted computer backups only; iCloud keeps the Home app's setup",
    },
    Rule {
        part: Part::Category(Category::ICloudDrive),
        when: When::Always,
        why: "offline copies of iCloud Drive files are in iCloud Drive already (Domains.plist keeps Library/Mobile Documents out)",
    },
    Rule {
        part: Part::Category(Category::Mail),
        when: When::Always,
        why: "Apple Mail data is not in iCloud backups: mail stays on its server (support.apple.com/HT204136)",
    },
    Rule {
        part: Part::Category(Category::Music),
        when: When::Always,
        why: "the music library is not in iCloud backups: iCloud Music Library and store purchases download again (support.apple.com/HT204136)",
    },
    Rule {
        part: Part::Category(Category::Contacts),
        when: When::Synced,
        why: "Contacts sync with iCloud and are not in iCloud backups (support.apple.com/HT204136)",
    },
    Rule {
        part: Part::Category(Category::Calendars),
        when: When::Synced,
        why: "Calendars sync with iCloud and are not in iCloud backups (support.apple.com/HT204136)",
    },
    Rule {
        part: Part::Category(Category::Notes),
        when: When::Synced,
        why: "Notes sync with iCloud and are not in iCloud backups (support.apple.com/HT204136)",
    },
    Rule {
        part: Part::Category(Category::VoiceMemos),
        when: When::Synced,
        why: "Voice Memos sync with iCloud (on by default) and are then not in iCloud backups",
    },
    Rule {
        part: Part::Category(Category::Photos),
        when: When::IcloudPhotos,
        why: "iCloud Photos is on: the photo library is in iCloud Photos, not the backup",
    },
    Rule {
        part: Part::Category(Category::Messages),
        when: When::MessagesInIcloud,
        why: "Messages in iCloud is on: messages are in iCloud, not the backup",
    },
];

/// How far the real figure may stray from the estimate for reasons no backup shows: the phone changing
/// since the backup, and how the phone counts (libimobiledevice#1555). One twentieth = 5%.
const BAND_DIVISOR: u64 = 20;

/// The estimate for a backup whose contents were read; `None` for one that is still locked.
pub fn estimate(summary: &BackupSummary, options: &EstimateOptions) -> Option<Estimate> {
    let local_bytes = summary.bytes?;
    let category_counts = |c: Category| {
        summary
            .categories
            .iter()
            .find(|u| u.id == c)
            .map_or((0, 0), |u| (u.bytes, u.files))
    };
    let subset_counts = |s: Subset| {
        summary
            .subsets
            .iter()
            .find(|u| u.id == s)
            .map_or((0, 0), |u| (u.bytes, u.files))
    };

    // Bytes already taken from each data type by its subsets' rules.
    let mut taken: Vec<(Category, u64, u64)> = Vec::new();
    let mut removed = Vec::new();
    for rule in RULES {
        let applies = match rule.when {
            When::Always | When::Synced => true,
            When::IcloudPhotos => options.icloud_photos,
            When::MessagesInIcloud => options.messages_in_icloud,
        };
        if !applies {
            continue;
        }
        let (what, label, category, (bytes, files)) = match rule.part {
            Part::Subset(s) => (s.id(), s.label(), s.category(), subset_counts(s)),
            Part::Category(c) => {
                let (bytes, files) = category_counts(c);
                let (tb, tf) = taken
                    .iter()
                    .filter(|t| t.0 == c)
                    .fold((0, 0), |a, t| (a.0 + t.1, a.1 + t.2));
                (
                    c.id(),
                    c.label(),
                    c,
                    (bytes.saturating_sub(tb), files.saturating_sub(tf)),
                )
            }
        };
        if bytes == 0 && files == 0 {
            continue;
        }
        taken.push((category, bytes, files));
        removed.push(Removed {
            what,
            label,
            bytes,
            files,
            why: rule.why,
            certain: rule.when != When::Synced,
        });
    }

    let certain: u64 = removed.iter().filter(|r| r.certain).map(|r| r.bytes).sum();
    let assumed: u64 = removed.iter().filter(|r| !r.certain).map(|r| r.bytes).sum();
    let bytes = local_bytes.saturating_sub(certain).saturating_sub(assumed);
    let without_assumptions = bytes.saturating_add(assumed);
    let high = without_assumptions.saturating_add(without_assumptions / BAND_DIVISOR);
    let low = bytes - bytes / BAND_DIVISOR;

    let mut categories: Vec<CategoryEstimate> = summary
        .categories
        .iter()
        .filter_map(|u| {
            let gone: u64 = taken.iter().filter(|t| t.0 == u.id).map(|t| t.1).sum();
            let left = u.bytes.saturating_sub(gone);
            (left > 0).then_some(CategoryEstimate {
                id: u.id,
                label: u.label,
                bytes: left,
                local_bytes: u.bytes,
            })
        })
        .collect();
    categories.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.id.cmp(&b.id)));
    let apps = summary
        .apps
        .iter()
        .map(|a| AppEstimate {
            bundle_id: a.bundle_id.clone(),
            name: a.name.clone(),
            kind: a.kind,
            bytes: a.bytes,
        })
        .collect();

    Some(Estimate {
        bytes,
        low,
        high,
        local_bytes,
        assumptions: assumptions(summary, options, assumed),
        removed,
        apps,
        categories,
    })
}

fn assumptions(
    summary: &BackupSummary,
    options: &EstimateOptions,
    assumed: u64,
) -> Vec<Assumption> {
    let mut out = vec![
        Assumption::IcloudPhotos {
            on: options.icloud_photos,
        },
        Assumption::MessagesInIcloud {
            on: options.messages_in_icloud,
        },
    ];
    if assumed > 0 {
        out.push(Assumption::SyncedNotCounted { bytes: assumed });
    }
    out.push(Assumption::SizesAsOf {
        date: summary
            .last_backup
            .as_deref()
            .and_then(|d| d.get(..10))
            .map(str::to_string),
        band_percent: 100 / BAND_DIVISOR,
    });
    out
}

#[cfg(test)]
mod tests;
