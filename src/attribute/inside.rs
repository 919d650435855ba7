//! What lies inside each (domain, rule) share of a backup, for looking inside it: its folders to a fixed
//! depth and its largest files. Folders are aggregated as the files stream by, so memory grows with the
//! folders within that depth (on a real phone a few thousand; at worst one per file, as a crafted manifest
//! may have) and the N largest files kept for each, never with a list of every path.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;

use super::category::Category;
use crate::read::{Counts, FileKey, ManifestFile};

/// The deepest folder level that may be kept: deeper `--depth` values are refused before reading.
pub const MAX_DEPTH: usize = 16;

/// How much to keep while the files stream by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keep {
    /// Folder levels below each domain's root that get a node of their own; files deeper down count in
    /// their ancestor at this level. At most [`MAX_DEPTH`].
    pub depth: usize,
    /// The largest files kept per share, for the largest-files list.
    pub files: usize,
    /// The largest files kept per folder among those directly in it, for the tree's file rows.
    pub per_folder: usize,
}

/// One regular file, as the largest-files lists keep it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFacts {
    /// The path inside its domain.
    pub path: Box<str>,
    pub bytes: u64,
    /// MBFile `LastModified` (an extracted file's mtime), Unix seconds.
    pub modified: Option<i64>,
    /// The fileID naming its data in the backup folder; `None` in an extracted tree.
    pub key: Option<FileKey>,
}

impl FileFacts {
    fn of(file: &ManifestFile<'_>) -> Self {
        FileFacts {
            path: file.relative_path.into(),
            bytes: file.size,
            modified: file.modified,
            key: file.key,
        }
    }
}

/// Larger files rank higher; among equal sizes the path that sorts first, so the lists never depend on the
/// order in which threads met the files.
impl Ord for FileFacts {
    fn cmp(&self, other: &Self) -> Ordering {
        self.bytes
            .cmp(&other.bytes)
            .then_with(|| other.path.cmp(&self.path))
    }
}

impl PartialOrd for FileFacts {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The `cap` highest-ranked files seen: a min-heap, so each file costs one comparison once it is full.
#[derive(Debug, Clone, Default)]
pub struct Largest {
    heap: BinaryHeap<Reverse<FileFacts>>,
}

impl Largest {
    fn offer(&mut self, cap: usize, file: &ManifestFile<'_>) {
        if cap == 0 {
            return;
        }
        if self.heap.len() == cap {
            let Some(Reverse(worst)) = self.heap.peek() else {
                return;
            };
            // Decided before the path is copied: most files never enter a full list.
            let better = match file.size.cmp(&worst.bytes) {
                Ordering::Greater => true,
                Ordering::Less => false,
                Ordering::Equal => *file.relative_path < *worst.path,
            };
            if !better {
                return;
            }
            self.heap.pop();
        }
        self.heap.push(Reverse(FileFacts::of(file)));
    }

    fn merge(&mut self, cap: usize, other: Largest) {
        for Reverse(file) in other.heap {
            if self.heap.len() < cap {
                self.heap.push(Reverse(file));
            } else if self.heap.peek().is_some_and(|Reverse(worst)| file > *worst) {
                self.heap.pop();
                self.heap.push(Reverse(file));
            }
        }
    }

    /// The files kept, largest first.
    pub fn sorted(&self) -> Vec<&FileFacts> {
        let mut files: Vec<&FileFacts> = self.heap.iter().map(|Reverse(f)| f).collect();
        files.sort_by(|a, b| b.cmp(a));
        files
    }
}

/// One folder of a share, at most [`Keep::depth`] levels below the domain's root.
#[derive(Debug, Clone, Default)]
pub struct Folder {
    /// Files directly in it.
    pub direct: Counts,
    /// Files in its subfolders when it is at the depth limit (those subfolders get no node).
    pub below: Counts,
    /// The largest of the files directly in it.
    pub largest: Largest,
}

/// What one share (a domain's files under one rule) holds.
#[derive(Debug, Clone, Default)]
pub struct ShareInside {
    /// Folders by their path inside the domain ("" is the domain's root).
    pub folders: FxHashMap<Box<str>, Folder>,
    pub largest: Largest,
}

impl ShareInside {
    pub(crate) fn add(&mut self, keep: &Keep, file: &ManifestFile<'_>) {
        self.largest.offer(keep.files, file);
        let (folder, direct) = folder_of(file.relative_path, keep.depth);
        let entry = match self.folders.get_mut(folder) {
            Some(entry) => entry,
            None => self.folders.entry(folder.into()).or_default(),
        };
        if direct {
            entry.direct.add(file.size);
            // A folder at the depth limit is shown closed, its files never as rows: no list for it (it is the
            // most numerous level).
            if components(folder) < keep.depth {
                entry.largest.offer(keep.per_folder, file);
            }
        } else {
            entry.below.add(file.size);
        }
    }

    pub(crate) fn merge(&mut self, keep: &Keep, other: ShareInside) {
        self.largest.merge(keep.files, other.largest);
        for (path, theirs) in other.folders {
            let mine = self.folders.entry(path).or_default();
            mine.direct.merge(theirs.direct);
            mine.below.merge(theirs.below);
            mine.largest.merge(keep.per_folder, theirs.largest);
        }
    }
}

/// The folder a file at `path` counts in, and whether it lies directly in it: its own folder when that is at
/// most `depth` levels down, else its ancestor `depth` levels down.
pub fn folder_of(path: &str, depth: usize) -> (&str, bool) {
    let mut last = None;
    for (seen, (at, _)) in path.match_indices('/').enumerate() {
        if seen == depth {
            return (last.map_or("", |end| &path[..end]), false);
        }
        last = Some(at);
    }
    (last.map_or("", |end| &path[..end]), true)
}

/// How many folder levels down `folder` is ("" is the domain's root, level 0).
fn components(folder: &str) -> usize {
    match folder {
        "" => 0,
        _ => folder.bytes().filter(|&b| b == b'/').count() + 1,
    }
}

/// One domain's shares, as the attribution placed them.
#[derive(Debug, Clone)]
pub struct DomainInside {
    pub domain: String,
    /// The app row (bundle id, or `vendor:…`) the domain's bytes are in, if any.
    pub app: Option<String>,
    pub shares: Vec<PlacedShare>,
}

/// A share and the data type its bytes are counted in.
#[derive(Debug, Clone)]
pub struct PlacedShare {
    pub category: Category,
    pub counts: Counts,
    pub inside: ShareInside,
}

/// Everything kept for looking inside one backup.
#[derive(Debug, Clone)]
pub struct Inside {
    pub keep: Keep,
    pub domains: Vec<DomainInside>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_count_in_their_folder_or_its_ancestor_at_the_depth_limit() {
        assert_eq!(folder_of("a.db", 2), ("", true));
        assert_eq!(folder_of("Media/a.jpg", 2), ("Media", true));
        assert_eq!(folder_of("Media/DCIM/a.jpg", 2), ("Media/DCIM", true));
        assert_eq!(
            folder_of("Media/DCIM/100APPLE/a.jpg", 2),
            ("Media/DCIM", false)
        );
        assert_eq!(folder_of("Media/DCIM/100APPLE/a.jpg", 0), ("", false));
        assert_eq!(folder_of("a.db", 0), ("", true));
    }

    fn file(path: &str, size: u64) -> ManifestFile<'_> {
        ManifestFile {
            domain: "D",
            relative_path: path,
            size,
            ..Default::default()
        }
    }

    #[test]
    fn the_largest_are_kept_whatever_the_order_and_split() {
        let sizes = [5u64, 1, 9, 9, 3, 7, 2, 8, 6, 4];
        let names: Vec<String> = (0..sizes.len()).map(|i| format!("f{i}")).collect();
        let cap = 4;
        let mut whole = Largest::default();
        for (name, &size) in names.iter().zip(&sizes) {
            whole.offer(cap, &file(name, size));
        }
        // The same files in two halves, merged, in reverse order.
        let (mut a, mut b) = (Largest::default(), Largest::default());
        for (i, (name, &size)) in names.iter().zip(&sizes).enumerate().rev() {
            let half = if i % 2 == 0 { &mut a } else { &mut b };
            half.offer(cap, &file(name, size));
        }
        a.merge(cap, b);
        let list = |l: &Largest| -> Vec<(u64, String)> {
            l.sorted()
                .iter()
                .map(|f| (f.bytes, f.path.to_string()))
                .collect()
        };
        let want: Vec<(u64, String)> = [(9, "f2"), (9, "f3"), (8, "f7"), (7, "f5")]
            .into_iter()
            .map(|(b, p)| (b, p.to_string()))
            .collect();
        assert_eq!(list(&whole), want);
        assert_eq!(list(&a), want);
    }

    #[test]
    fn a_share_aggregates_folders_and_keeps_their_largest_direct_files() {
        let keep = Keep {
            depth: 2,
            files: 2,
            per_folder: 1,
        };
        let mut share = ShareInside::default();
        for (path, size) in [
            ("top.db", 10),
            ("Media/a.jpg", 5),
            ("Media/b.jpg", 6),
            ("Media/DCIM/c.jpg", 100),
            ("Media/DCIM/x/d.jpg", 1),
        ] {
            share.add(&keep, &file(path, size));
        }
        let root = &share.folders[""];
        assert_eq!((root.direct.files, root.direct.bytes), (1, 10));
        let media = &share.folders["Media"];
        assert_eq!((media.direct.files, media.direct.bytes), (2, 11));
        assert_eq!(media.below, Counts::default());
        assert_eq!(&*media.largest.sorted()[0].path, "Media/b.jpg");
        // At the depth limit: its own files and those below counted, none listed.
        let dcim = &share.folders["Media/DCIM"];
        assert_eq!((dcim.direct.files, dcim.below.files), (1, 1));
        assert!(dcim.largest.sorted().is_empty());
        let top: Vec<&str> = share.largest.sorted().iter().map(|f| &*f.path).collect();
        assert_eq!(top, ["Media/DCIM/c.jpg", "top.db"]);
    }
}
