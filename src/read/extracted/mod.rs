//! Walks backups that other tools already extracted into ordinary folders, in parallel, and turns each file's
//! path back into a (domain, relative path) so it can be attributed like a manifest row.
//!
//! Layouts (backup-formats notes §7): `<domain>/<relativePath>` (pyiosbackup `unback`, iOSbackup, dinosec), and
//! device paths (`private/var/mobile/…`, Backup2FS), mapped back with the domain roots of Apple's
//! `Domains.plist` (§6, `locate`). Sizes come from the file system: hard links count once (on Unix; see
//! `windows.rs`), symlinks (and Windows junctions) are never followed, so a link loop cannot trap the walk, and folders that cannot be read
//! are listed, not fatal.
//!
//! This module holds what every platform shares: the parallel queue of folders, the per-thread sinks, the
//! hard-link set and the counting of one file. How a folder is opened and listed is the platform's
//! (`unix.rs`: `openat` and `getdents64` through rustix; `windows.rs`: `std::fs`).

mod locate;
#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix as platform;
#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows as platform;

use std::collections::HashSet;
use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};

#[cfg(test)]
use locate::OUTSIDE;

use super::{Counts, ManifestFile};
use crate::discover::Layout;
use crate::error::io_cause;

/// What the walk found besides the files handed to the sinks.
#[derive(Debug, Default)]
pub struct WalkStats {
    pub files: Counts,
    pub directories: u64,
    pub symlinks: u64,
    /// Names that are not valid Unicode: counted under a lossy spelling. Sorted.
    pub non_utf8_names: Vec<PathBuf>,
    /// Folders or files that could not be read, with why. Sorted by path.
    pub unreadable: Vec<(PathBuf, String)>,
    /// Why the root folder itself could not be read (then nothing was counted).
    pub root_error: Option<io::Error>,
}

impl WalkStats {
    fn merge(&mut self, other: WalkStats) {
        self.files.merge(other.files);
        self.directories += other.directories;
        self.symlinks += other.symlinks;
        self.non_utf8_names.extend(other.non_utf8_names);
        self.unreadable.extend(other.unreadable);
        self.root_error = self.root_error.take().or(other.root_error);
    }
}

/// Walks `root` in parallel. Each worker thread fills its own sink (made by `new_sink`, fed by `add`); the
/// sinks are combined with `merge` at the end, so nothing is shared on the per-file path but the hard-link set.
pub fn walk<S: Send>(
    root: &Path,
    layout: Layout,
    new_sink: &(dyn Fn() -> S + Sync),
    add: &(dyn Fn(&mut S, ManifestFile<'_>) + Sync),
    merge: &(dyn Fn(&mut S, S) + Sync),
) -> (WalkStats, S) {
    let walker = Walker {
        layout,
        new_sink,
        add,
        seen_links: Mutex::new(HashSet::new()),
        held: AtomicUsize::new(0),
    };
    let root = platform::Folder::root(root);
    // A pool of its own: its size bounds the per-thread sinks, and a walk never queues behind other work.
    let locals: Vec<Local<S>> = match rayon::ThreadPoolBuilder::new().build() {
        Ok(pool) => {
            let slots: Vec<Mutex<Option<Local<S>>>> = (0..pool.current_num_threads())
                .map(|_| Mutex::new(None))
                .collect();
            pool.scope(|scope| walker.spawn(scope, &slots, root));
            slots
                .into_iter()
                .filter_map(|slot| slot.into_inner().unwrap_or_else(|p| p.into_inner()))
                .collect()
        }
        // No threads to be had: the same walk, one folder after the other.
        Err(_) => {
            let mut local = walker.local();
            let mut pending = vec![root];
            while let Some(folder) = pending.pop() {
                walker.dir(folder, &mut local, &mut pending);
            }
            vec![local]
        }
    };
    let mut stats = WalkStats::default();
    let mut sink = new_sink();
    for local in locals {
        stats.merge(local.counted.stats);
        merge(&mut sink, local.counted.sink);
    }
    // Threads finish in any order: sorted, the lists read the same from one run to the next.
    stats.non_utf8_names.sort_unstable();
    stats.unreadable.sort_unstable();
    (stats, sink)
}

/// Where a folder is: its name and its parent's place, up to the root. A queued folder holds only its own
/// name, so the queue's memory grows with the number of folders, not with folders × depth.
struct Place {
    parent: Option<Arc<Place>>,
    /// The folder's name; for the root, the root's path as given.
    name: OsString,
}

impl Place {
    fn root(path: &Path) -> Arc<Place> {
        Arc::new(Place {
            parent: None,
            name: path.as_os_str().to_owned(),
        })
    }

    fn child(self: &Arc<Place>, name: OsString) -> Arc<Place> {
        Arc::new(Place {
            parent: Some(Arc::clone(self)),
            name,
        })
    }

    fn is_root(&self) -> bool {
        self.parent.is_none()
    }

    /// The places from the root down to this one.
    fn chain(&self) -> Vec<&Place> {
        let mut chain = vec![self];
        while let Some(parent) = chain.last().and_then(|p| p.parent.as_deref()) {
            chain.push(parent);
        }
        chain.reverse();
        chain
    }

    /// The folder's path: the root's path joined with every name below it.
    fn path(&self) -> PathBuf {
        let mut path = PathBuf::new();
        for place in self.chain() {
            path.push(&place.name);
        }
        path
    }

    /// Writes the folder's path below the root into `out` as the prefix of its entries' paths: `/`-separated
    /// with a trailing `/` (empty for the root), names that are not Unicode spelled lossily (they were reported
    /// when their parent was listed). Returns the prefix's length, where each entry's name goes.
    fn prefix_into(&self, out: &mut String) -> usize {
        out.clear();
        for place in self.chain().into_iter().skip(1) {
            out.push_str(&place.name.to_string_lossy());
            out.push('/');
        }
        out.len()
    }
}

impl Drop for Place {
    /// Unlinks the chain one place at a time: dropping a deep chain by recursion would use stack in
    /// proportion to the tree's depth, which a crafted tree makes as large as it likes.
    fn drop(&mut self) {
        let mut next = self.parent.take();
        while let Some(parent) = next {
            next = match Arc::try_unwrap(parent) {
                Ok(mut place) => place.parent.take(),
                Err(_) => None,
            };
        }
    }
}

/// Entries of one folder that could not be looked at: one warning per folder, not one per entry (a folder
/// that may be listed but not entered fails for every name in it).
#[derive(Default)]
struct Unstatable {
    count: u64,
    first: Option<(OsString, io::Error)>,
}

impl Unstatable {
    fn note(&mut self, name: impl Into<OsString>, e: io::Error) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some((name.into(), e));
        }
    }

    fn report(self, folder: &Place, unreadable: &mut Vec<(PathBuf, String)>) {
        match (self.count, self.first) {
            (1, Some((name, e))) => unreadable.push((folder.path().join(name), io_cause(&e))),
            (n, Some((_, e))) => unreadable.push((
                folder.path(),
                format!("{n} entries in it: {}", io_cause(&e)),
            )),
            _ => {}
        }
    }
}

/// One worker thread's share of the walk.
struct Local<S> {
    /// What the platform's listing reuses from folder to folder (Unix; nothing elsewhere).
    #[cfg_attr(not(unix), allow(dead_code))]
    listing: platform::Listing,
    counted: Counted<S>,
}

/// What one thread has counted, with buffers reused from file to file.
struct Counted<S> {
    stats: WalkStats,
    sink: S,
    /// The current file's path below the root.
    path: String,
    /// Its domain, when that has to be spelled out of pieces.
    domain: String,
}

struct Walker<'a, S> {
    layout: Layout,
    new_sink: &'a (dyn Fn() -> S + Sync),
    add: &'a (dyn Fn(&mut S, ManifestFile<'_>) + Sync),
    /// (device or volume, file id) of files with more than one link, so each is counted once.
    seen_links: Mutex<HashSet<(u64, u64)>>,
    /// How many folders are held open for their subfolders (Unix; unused elsewhere).
    #[cfg_attr(not(unix), allow(dead_code))]
    held: AtomicUsize,
}

impl<'w, S: Send> Walker<'w, S> {
    fn local(&self) -> Local<S> {
        Local {
            listing: platform::Listing::default(),
            counted: Counted {
                stats: WalkStats::default(),
                sink: (self.new_sink)(),
                path: String::new(),
                domain: String::new(),
            },
        }
    }

    /// Reads `folder` as a rayon job, then queues its subfolders as jobs of their own: idle threads steal them,
    /// so every core stays busy however the tree is shaped, and a deep tree never deepens the stack.
    fn spawn<'s>(
        &'s self,
        scope: &rayon::Scope<'s>,
        slots: &'s [Mutex<Option<Local<S>>>],
        folder: platform::Folder<'s>,
    ) where
        'w: 's,
    {
        scope.spawn(move |scope| {
            let mut subfolders = Vec::new();
            {
                // Each thread has its own slot, so the lock is never contended; nothing inside `dir` runs other
                // rayon jobs, so the thread cannot come back for its slot while holding it.
                let thread = rayon::current_thread_index().unwrap_or(0) % slots.len().max(1);
                let Some(slot) = slots.get(thread) else {
                    return;
                };
                let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
                let local = slot.get_or_insert_with(|| self.local());
                self.dir(folder, local, &mut subfolders);
            }
            for sub in subfolders {
                self.spawn(scope, slots, sub);
            }
        });
    }

    /// Counts a regular file of `size` bytes whose path below the root is in `counted.path`, once per file:
    /// `link` is its (device, file id) when it has more than one name.
    fn file(
        &self,
        size: u64,
        modified: Option<i64>,
        link: Option<(u64, u64)>,
        counted: &mut Counted<S>,
    ) {
        if let Some(id) = link {
            let first = self.seen_links.lock().map(|mut s| s.insert(id));
            if matches!(first, Ok(false)) {
                return;
            }
        }
        counted.stats.files.add(size);
        let Some(found) = locate::locate_parts(self.layout, &counted.path) else {
            return;
        };
        let domain = match found.domain {
            [whole, "", ""] => whole,
            parts => {
                counted.domain.clear();
                parts.iter().for_each(|p| counted.domain.push_str(p));
                &counted.domain
            }
        };
        (self.add)(
            &mut counted.sink,
            ManifestFile {
                domain,
                relative_path: found.relative,
                size,
                key: None,
                modified,
                birth: None,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Walks `root` and returns what it found, with the (domain, relative path, size) of every file handed on.
    pub(super) fn walk_all(root: &Path) -> (WalkStats, Vec<(String, String, u64)>) {
        let (stats, mut files) = walk(
            root,
            Layout::ExtractedDomains,
            &Vec::new,
            &|v: &mut Vec<(String, String, u64)>, f| {
                v.push((f.domain.into(), f.relative_path.into(), f.size))
            },
            &|v, other| v.extend(other),
        );
        files.sort();
        (stats, files)
    }

    #[test]
    fn every_file_reaches_the_sink_once_with_its_domain_and_size() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        // Wide and deep enough that both threads take folders, with a name in two pieces (`AppDomain/<id>`).
        let mut want = Vec::new();
        for a in 0..20 {
            for b in 0..5 {
                let dir = root.join(format!("HomeDomain/Library/d{a}/e{b}"));
                std::fs::create_dir_all(&dir).unwrap();
                let f = std::fs::File::create(dir.join("f.db")).unwrap();
                f.set_len(a * 10 + b).unwrap();
                let rel = format!("Library/d{a}/e{b}/f.db");
                want.push(("HomeDomain".to_string(), rel, a * 10 + b));
            }
        }
        let app = root.join("AppDomain/com.example/Documents");
        std::fs::create_dir_all(&app).unwrap();
        std::fs::write(app.join("x"), [0u8; 7]).unwrap();
        want.push(("AppDomain-com.example".into(), "Documents/x".into(), 7));
        std::fs::write(root.join("loose.txt"), [0u8; 3]).unwrap();
        want.push((OUTSIDE.into(), "loose.txt".into(), 3));
        want.sort();
        let (stats, files) = walk_all(root);
        assert_eq!(files, want);
        assert_eq!(stats.files.files, want.len() as u64);
        assert_eq!(stats.directories, 2 + 20 + 100 + 3);
        assert!(stats.unreadable.is_empty() && stats.non_utf8_names.is_empty());
    }

    #[test]
    #[cfg(unix)]
    fn hard_links_count_once() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("HomeDomain");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("a"), [0u8; 10]).unwrap();
        std::fs::hard_link(dir.join("a"), dir.join("b")).unwrap();
        std::fs::write(dir.join("c"), [0u8; 5]).unwrap();
        let (stats, files) = walk_all(tmp.path());
        assert_eq!((stats.files.files, stats.files.bytes), (2, 15));
        assert_eq!(files.len(), 2);
    }

    #[test]
    fn a_missing_root_is_reported_as_the_roots_error() {
        let tmp = tempfile::tempdir().unwrap();
        let gone = tmp.path().join("gone");
        let (stats, files) = walk_all(&gone);
        assert!(files.is_empty());
        assert!(stats.unreadable.is_empty());
        let kind = stats.root_error.map(|e| e.kind());
        assert_eq!(kind, Some(io::ErrorKind::NotFound));
    }

    #[test]
    fn a_place_knows_its_path_and_prefix_and_drops_a_deep_chain_without_recursion() {
        let root = Place::root(Path::new("/r"));
        let mut place = Arc::clone(&root);
        for i in 0..200_000 {
            place = place.child(format!("d{}", i % 3).into());
        }
        let mut prefix = String::new();
        let short = root.child("a".into()).child("b".into());
        assert_eq!(short.prefix_into(&mut prefix), 4);
        assert_eq!(prefix, "a/b/");
        assert_eq!(short.path(), Path::new("/r").join("a").join("b"));
        assert_eq!(root.prefix_into(&mut prefix), 0);
        assert_eq!(prefix, "");
        // 200,000 levels: a recursive drop would need far more than a test thread's stack.
        drop(place);
    }
}
