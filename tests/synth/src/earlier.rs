//! An earlier copy of a phone's backup: the later backup's catalog as it stood at an earlier date, and the
//! difference between the two, summed from the catalogs (never from reading a backup).

use std::collections::{BTreeMap, HashSet};
use std::io;

use super::catalog::{file_id, Catalog, Kind};
use super::rng::mix64;
use super::{expected_files, BackupSpec, ExpectedFile};

/// What makes a spec an earlier copy of another: the later backup's date (its catalog is the one seen),
/// and how many files changed since besides the ones born after the earlier date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Earlier {
    /// The later backup's `last_backup`.
    pub later: i64,
    /// Photos the earlier copy holds that were deleted from the phone since (the later copy lacks them).
    pub removed: u64,
    /// Files that grew in place since: the same domain and path, a smaller `Size` in the earlier copy
    /// (databases first, as they are the files that grow).
    pub grown: u64,
}

/// A spec for the copy of `later`'s phone made at `at` (Unix seconds, before `later.last_backup`), archived
/// as Finder archives one: the same device and catalog, without the files born after `at`, with `removed`
/// files deleted since and `grown` files smaller. 0 and 0 give the copy the phone's plan of births alone
/// would have made.
pub fn earlier_copy(later: &BackupSpec, at: i64, removed: u64, grown: u64) -> BackupSpec {
    BackupSpec {
        last_backup: at,
        archive_suffix: Some(super::archive_suffix(at)),
        earlier: Some(Earlier {
            later: later.last_backup,
            removed,
            grown,
        }),
        ..later.clone()
    }
}

/// Checks the earlier copy's own terms (the counts are checked against the catalog when it is built).
pub(crate) fn validate(spec: &BackupSpec) -> io::Result<()> {
    match spec.earlier {
        Some(e) if e.later <= spec.last_backup => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "an earlier copy ({}) must come before the later backup ({})",
                spec.last_backup, e.later
            ),
        )),
        _ => Ok(()),
    }
}

/// Where the deleted photos are taken from: the camera roll, whose folder's rule does not depend on a
/// file's name.
const DELETABLE: &str = "Media/DCIM/";

/// The later catalog `cat` seen at `at`: files born after it dropped, `removed` deleted photos put back
/// (each beside a photo of the phone, named `IMG_E…`, the same size and dates), `grown` files shrunk. Folders
/// and symlinks stay as they are. Deterministic in its arguments.
pub(crate) fn derive(mut cat: Catalog, at: i64, earlier: &Earlier, seed: u64) -> Catalog {
    cat.entries.retain(|e| !e.is_file() || e.meta.birth <= at);
    // A row written after `at` was last written then as long before the copy as it is before the later
    // backup (a database written days before each backup), never before its birth.
    for e in &mut cat.entries {
        if e.meta.modified > at {
            let modified = (at - (earlier.later - e.meta.modified)).max(e.meta.birth);
            let changed = modified + (e.meta.changed - e.meta.modified).min(at - modified);
            (e.meta.modified, e.meta.changed) = (modified, changed);
        } else if e.meta.changed > at {
            e.meta.changed = at;
        }
    }
    let taken: HashSet<(u32, String)> = cat
        .entries
        .iter()
        .map(|e| (e.domain, e.path.clone()))
        .collect();
    // Deleted photos: twins of the oldest-named photos there were then, in catalog (fileID) order.
    let mut twins = Vec::new();
    for e in cat.entries.iter().filter(|e| e.is_file()) {
        if twins.len() as u64 == earlier.removed {
            break;
        }
        if !e.path.starts_with(DELETABLE) {
            continue;
        }
        let path = deleted_name(&e.path);
        if taken.contains(&(e.domain, path.clone())) {
            continue;
        }
        let mut twin = e.clone();
        twin.file_id = file_id(&cat.domains[e.domain as usize], &path);
        twin.path = path;
        twins.push(twin);
    }
    // Grown files: databases first, then the largest, each to three fifths of its later size.
    let mut grow: Vec<usize> = (0..cat.entries.len())
        .filter(|&i| cat.entries[i].size() >= 2)
        .collect();
    grow.sort_by_key(|&i| {
        let e = &cat.entries[i];
        let db = e.path.ends_with(".sqlite") || e.path.ends_with(".db");
        (!db, std::cmp::Reverse(e.size()), e.file_id)
    });
    for &i in grow.iter().take(earlier.grown as usize) {
        let e = &mut cat.entries[i];
        let size = e.size();
        e.kind = Kind::File {
            size: (size * 3 / 5).clamp(1, size - 1),
        };
        e.meta.modified = e.meta.modified.min(at);
        e.meta.changed = e.meta.changed.min(at);
    }
    cat.entries.extend(twins);
    cat.entries.sort_unstable_by_key(|e| e.file_id);
    for (i, e) in cat.entries.iter_mut().enumerate() {
        e.meta.inode = 1_000_000 + (mix64(seed ^ 0x1D0) % 1_000_000) + i as u64;
    }
    cat
}

/// `Media/DCIM/100APPLE/IMG_0030.MOV` → `Media/DCIM/100APPLE/IMG_E0030.MOV` (the name Photos gives an
/// edited photo's file); another name gets `E_` in front.
fn deleted_name(path: &str) -> String {
    let (folder, name) = path.rsplit_once('/').unwrap_or(("", path));
    let renamed = match name.strip_prefix("IMG_") {
        Some(rest) => format!("IMG_E{rest}"),
        None => format!("E_{name}"),
    };
    match folder {
        "" => renamed,
        _ => format!("{folder}/{renamed}"),
    }
}

/// One file that differs between two backups: its `Size` in each (`None` where it is absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedChange {
    pub domain: String,
    pub path: String,
    pub old: Option<u64>,
    pub new: Option<u64>,
}

/// One data type, app (the apps map's key) or domain, with its regular files in each backup.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpectedRow {
    /// `category`, `app` or `domain`.
    pub kind: &'static str,
    pub id: String,
    pub old_bytes: u64,
    pub new_bytes: u64,
    pub old_files: u64,
    pub new_files: u64,
}

/// What tells two backups apart: every file added, removed or resized (by domain, then path), and every
/// data type, app and domain either holds (by kind, then id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpectedDiff {
    pub files: Vec<ExpectedChange>,
    pub rows: Vec<ExpectedRow>,
}

/// The difference between the backups `old` and `new` describe, from their catalogs.
pub fn expected_diff(old: &BackupSpec, new: &BackupSpec) -> io::Result<ExpectedDiff> {
    let (old, new) = (expected_files(old)?, expected_files(new)?);
    let by_place = |files: &[ExpectedFile]| -> BTreeMap<(String, String), u64> {
        files
            .iter()
            .map(|f| ((f.domain.clone(), f.path.clone()), f.size))
            .collect()
    };
    let (old_sizes, new_sizes) = (by_place(&old), by_place(&new));
    let mut places: Vec<&(String, String)> = old_sizes.keys().chain(new_sizes.keys()).collect();
    places.sort();
    places.dedup();
    let files = places
        .into_iter()
        .filter_map(|place| {
            let (o, n) = (old_sizes.get(place).copied(), new_sizes.get(place).copied());
            (o != n).then(|| ExpectedChange {
                domain: place.0.clone(),
                path: place.1.clone(),
                old: o,
                new: n,
            })
        })
        .collect();
    let mut rows: BTreeMap<(&'static str, String), ExpectedRow> = BTreeMap::new();
    for (is_new, list) in [(false, &old), (true, &new)] {
        for f in list.iter() {
            let keys = [
                Some(("category", f.category.clone())),
                f.app.clone().map(|a| ("app", a)),
                Some(("domain", f.domain.clone())),
            ];
            for (kind, id) in keys.into_iter().flatten() {
                let row = rows
                    .entry((kind, id.clone()))
                    .or_insert_with(|| ExpectedRow {
                        kind,
                        id,
                        ..ExpectedRow::default()
                    });
                match is_new {
                    false => {
                        (row.old_bytes, row.old_files) = (row.old_bytes + f.size, row.old_files + 1)
                    }
                    true => {
                        (row.new_bytes, row.new_files) = (row.new_bytes + f.size, row.new_files + 1)
                    }
                }
            }
        }
    }
    Ok(ExpectedDiff {
        files,
        rows: rows.into_values().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unix_from_utc;

    fn later() -> BackupSpec {
        BackupSpec {
            files: 400,
            avg_file_size: 2_000,
            seed: 5,
            ..BackupSpec::default()
        }
    }

    #[test]
    fn a_copy_made_from_births_alone_is_the_phone_then() {
        let new = later();
        let at = unix_from_utc(2026, 8, 1, 0, 0, 0);
        let old = earlier_copy(&new, at, 0, 0);
        let (o, n) = (expected_files(&old).unwrap(), expected_files(&new).unwrap());
        let born_then: Vec<_> = n.iter().filter(|f| f.birth <= at).collect();
        // The same files, sizes and births; written no later than the copy.
        assert_eq!(o.len(), born_then.len());
        for (o, n) in o.iter().zip(born_then) {
            let unwritten = |f: &ExpectedFile| ExpectedFile {
                modified: 0,
                ..f.clone()
            };
            assert_eq!(unwritten(o), unwritten(n));
            assert!(o.birth <= o.modified && o.modified <= at, "{}", o.path);
            assert!(o.modified == n.modified || n.modified > at, "{}", o.path);
        }
        assert!(o.len() < n.len());
        let d = expected_diff(&old, &new).unwrap();
        assert!(d.files.iter().all(|f| f.old.is_none()));
        assert_eq!(d.files.len(), n.len() - o.len());
    }

    #[test]
    fn removed_and_grown_files_are_as_many_as_asked() {
        let new = later();
        let at = unix_from_utc(2026, 8, 1, 0, 0, 0);
        let old = earlier_copy(&new, at, 5, 4);
        assert_eq!(old.archive_suffix.as_deref(), Some("-20260801-000000"));
        let d = expected_diff(&old, &new).unwrap();
        let removed = d.files.iter().filter(|f| f.new.is_none()).count();
        let grown = d
            .files
            .iter()
            .filter(|f| f.old.zip(f.new).is_some_and(|(o, n)| n > o))
            .count();
        assert_eq!((removed, grown), (5, 4));
        assert!(d
            .files
            .iter()
            .all(|f| f.old.zip(f.new).is_none_or(|(o, n)| n > o)));
        // Every row adds up: the data types' bytes are the backups' totals.
        let total = |new: bool| -> u64 {
            let rows = d.rows.iter().filter(|r| r.kind == "category");
            rows.map(|r| if new { r.new_bytes } else { r.old_bytes })
                .sum()
        };
        let size = |spec: &BackupSpec| -> u64 {
            expected_files(spec).unwrap().iter().map(|f| f.size).sum()
        };
        assert_eq!((total(false), total(true)), (size(&old), size(&new)));
        let bad = BackupSpec {
            last_backup: new.last_backup + 1,
            ..old
        };
        assert!(expected_files(&bad).is_err());
    }
}
