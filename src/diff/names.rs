//! Finds the domain and path of the few files a diff lists, by key, in a backup that is still open: through
//! a Manifest.db's fileID index (point lookups), else by reading its manifest or walking its tree again.

use rustc_hash::{FxHashMap, FxHashSet};

use super::prints::{key, Key};
use crate::error::Result;
use crate::read::{self, ManifestFile, NoProgress};
use crate::scan::Source;

/// Where each wanted file is: (domain, path) by key.
pub(crate) type Names = FxHashMap<Key, (String, String)>;

fn keep(wanted: &FxHashSet<Key>, found: &mut Names, file: &ManifestFile<'_>) {
    let k = key(file.domain, file.relative_path);
    if wanted.contains(&k) {
        found.insert(k, (file.domain.to_string(), file.relative_path.to_string()));
    }
}

/// The names of the `wanted` keys in `source`.
pub(crate) fn names(source: &Source<'_>, wanted: &FxHashSet<Key>) -> Result<Names> {
    let mut found = Names::default();
    if wanted.is_empty() {
        return Ok(found);
    }
    match source {
        Source::Locked => {}
        Source::Manifest(manifest) => {
            let prefixes: Vec<Key> = wanted.iter().copied().collect();
            manifest.files_by_id(&prefixes, &mut |file| keep(wanted, &mut found, &file))?;
            // A fileID that is not SHA-1 of its domain and path (a copied-in or damaged row) is not found
            // by its key: the whole manifest is read again for it.
            if found.len() < wanted.len() {
                let (_, more) = manifest.read(
                    &NoProgress,
                    &Names::default,
                    &|names: &mut Names, file| keep(wanted, names, &file),
                    &|names: &mut Names, more| names.extend(more),
                )?;
                found.extend(more);
            }
        }
        Source::Extracted(dir) => {
            let (_, more) = read::extracted::walk(
                &dir.path,
                dir.layout,
                &Names::default,
                &|names: &mut Names, file| keep(wanted, names, &file),
                &|names: &mut Names, more| names.extend(more),
            );
            found.extend(more);
        }
    }
    Ok(found)
}
