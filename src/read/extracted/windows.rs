//! The Windows walk of an extracted tree, on `std::fs`: a folder's listing gives each entry's kind and size
//! (from `FindNextFileW`, no call per file), and reparse points (symlinks and junctions) are counted as links
//! and never followed. Paths past 260 characters work because the standard library turns long paths into
//! `\\?\` paths itself.
//!
//! Hard links are not detected: NTFS gives a file's link count only through a handle to it, so knowing it
//! would add an open and a close per file to a listing that otherwise needs no call per file, while the
//! exporters that write trees on Windows copy files, they do not link them. Each name counts.

use std::path::Path;
use std::sync::Arc;

use super::{Local, Place, Unstatable, Walker};
use crate::error::io_cause;

/// A folder still to be read.
pub(super) struct Folder<'w> {
    place: Arc<Place>,
    _walk: std::marker::PhantomData<&'w ()>,
}

impl Folder<'_> {
    pub(super) fn root(path: &Path) -> Self {
        Folder {
            place: Place::root(path),
            _walk: std::marker::PhantomData,
        }
    }
}

/// Nothing to reuse between folders: `read_dir` owns its buffer.
#[derive(Default)]
pub(super) struct Listing {
    _nothing: (),
}

impl<'w, S: Send> Walker<'w, S> {
    /// Counts the files of one folder into `local` and adds its subfolders to `subfolders`.
    pub(super) fn dir<'h>(
        &'h self,
        folder: Folder<'h>,
        local: &mut Local<S>,
        subfolders: &mut Vec<Folder<'h>>,
    ) {
        let counted = &mut local.counted;
        let place = folder.place;
        let path = place.path();
        let entries = match std::fs::read_dir(&path) {
            Ok(entries) => entries,
            Err(e) if place.is_root() => {
                counted.stats.root_error = Some(e);
                return;
            }
            Err(e) => {
                counted.stats.unreadable.push((path, io_cause(&e)));
                return;
            }
        };
        let base = place.prefix_into(&mut counted.path);
        let mut denied = Unstatable::default();
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    counted.stats.unreadable.push((path.clone(), io_cause(&e)));
                    break;
                }
            };
            let name = entry.file_name();
            counted.path.truncate(base);
            match name.to_str() {
                Some(name) => counted.path.push_str(name),
                None => {
                    // UTF-16 with an unpaired surrogate: not Unicode.
                    counted.stats.non_utf8_names.push(path.join(&name));
                    counted.path.push_str(&name.to_string_lossy());
                }
            }
            let kind = match entry.file_type() {
                Ok(kind) => kind,
                Err(e) => {
                    denied.note(name, e);
                    continue;
                }
            };
            // `is_symlink` covers every name-surrogate reparse point: symlinks and junctions alike.
            if kind.is_symlink() {
                counted.stats.symlinks += 1;
            } else if kind.is_dir() {
                counted.stats.directories += 1;
                subfolders.push(Folder {
                    place: place.child(name),
                    _walk: std::marker::PhantomData,
                });
            } else if kind.is_file() {
                // From the listing's own data: no system call.
                match entry.metadata() {
                    Ok(meta) => self.file(meta.len(), unix_seconds(meta.modified()), None, counted),
                    Err(e) => denied.note(name, e),
                }
            }
        }
        denied.report(&place, &mut counted.stats.unreadable);
    }
}

/// A file time as Unix seconds; `None` when the system has none or it is before 1970.
fn unix_seconds(time: std::io::Result<std::time::SystemTime>) -> Option<i64> {
    let since = time.ok()?.duration_since(std::time::UNIX_EPOCH).ok()?;
    i64::try_from(since.as_secs()).ok()
}
