//! The largest files of a backup, or of one app, data type or domain in it.

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use serde::Serialize;

use super::scope::{Scope, Target};
use crate::attribute::inside::FileFacts;
use crate::attribute::{BackupSummary, Category, Format};
use crate::error::Result;
use crate::read::{Counts, FileKey};

/// The largest files of one target in one backup.
#[derive(Debug, Clone, Serialize)]
pub struct TopFiles {
    /// What was looked inside, with all its files' bytes and count (not only the ones listed).
    pub target: Target,
    /// Largest first; ties by domain, then path.
    pub files: Vec<LargeFile>,
}

/// One file of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LargeFile {
    pub domain: String,
    /// Its path inside the domain.
    pub path: String,
    /// The app row its bytes are in (bundle id, or `vendor:…`); null for a data type's file.
    pub app: Option<String>,
    pub category: Category,
    pub bytes: u64,
    /// MBFile `LastModified` (an extracted file's mtime), RFC 3339 UTC.
    pub modified: Option<String>,
    /// Whether its data is in the backup folder: false for a file a partial backup did not copy.
    pub on_disk: bool,
    /// The app's name as the scan shows it.
    pub app_name: Option<String>,
}

/// The `n` largest files of `scope` in `backup`, from what its scan kept (at most that many per share).
pub fn largest_files(backup: &BackupSummary, scope: &Scope, n: usize) -> Result<TopFiles> {
    let mut target = scope.settle(backup)?;
    let mut found: Vec<(&str, Option<&str>, Category, &FileFacts)> = Vec::new();
    let mut all = Counts::default();
    for domain in super::inside_of(backup).map_or(&[][..], |i| &i.domains) {
        for share in domain.shares.iter().filter(|s| target.takes(domain, s)) {
            all.merge(share.counts);
            found.extend(share.inside.largest.sorted().into_iter().take(n).map(|f| {
                (
                    domain.domain.as_str(),
                    domain.app.as_deref(),
                    share.category,
                    f,
                )
            }));
        }
    }
    found.sort_by(|a, b| {
        b.3.bytes
            .cmp(&a.3.bytes)
            .then_with(|| (a.0, &a.3.path).cmp(&(b.0, &b.3.path)))
    });
    found.truncate(n);
    let files = found
        .into_iter()
        .map(|(domain, app, category, file)| LargeFile {
            domain: domain.to_string(),
            path: file.path.to_string(),
            app: app.map(str::to_string),
            category,
            bytes: file.bytes,
            modified: file.modified.and_then(rfc3339),
            on_disk: on_disk(&backup.path, backup.format, file.key),
            app_name: app.and_then(|id| {
                backup
                    .apps
                    .iter()
                    .find(|a| a.bundle_id == id)
                    .map(|a| a.name.clone())
            }),
        })
        .collect();
    (target.bytes, target.files) = (all.bytes, all.files);
    Ok(TopFiles { target, files })
}

/// Whether a file's data is in the backup folder: looked up (one `stat`, read-only) where its fileID puts it.
/// An extracted tree's files were found on disk, so they are there.
fn on_disk(dir: &Path, format: Format, key: Option<FileKey>) -> bool {
    let hex = |key: &FileKey| key.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let place = match (format, key) {
        (Format::ExtractedDomains | Format::ExtractedDevicePaths, _) => return true,
        (_, None) => return false,
        (Format::ManifestDb, Some(key)) => {
            let name = hex(&key);
            dir.join(&name[..2]).join(name)
        }
        (Format::ManifestMbdb, Some(key)) => dir.join(hex(&key)),
    };
    std::fs::symlink_metadata(place).is_ok_and(|m| m.is_file())
}

/// The last instant RFC 3339 can write: 9999-12-31T23:59:59Z.
const LAST_SECOND: u64 = 253_402_300_799;

/// Unix seconds as RFC 3339 UTC; `None` before 1970 or after 9999 (no phone file is dated so: a damaged
/// date, from a file anyone can write).
pub(crate) fn rfc3339(seconds: i64) -> Option<String> {
    let seconds = u64::try_from(seconds).ok().filter(|&s| s <= LAST_SECOND)?;
    let time = UNIX_EPOCH.checked_add(Duration::from_secs(seconds))?;
    Some(humantime::format_rfc3339_seconds(time).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc3339_and_damaged_ones_unknown() {
        assert_eq!(rfc3339(0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(
            rfc3339(1_795_000_000).as_deref(),
            Some("2026-11-18T11:06:40Z")
        );
        assert_eq!(rfc3339(-5), None);
        assert_eq!(
            rfc3339(253_402_300_799).as_deref(),
            Some("9999-12-31T23:59:59Z")
        );
        assert_eq!(rfc3339(253_402_300_800), None);
        assert_eq!(rfc3339(i64::MAX), None);
    }
}
