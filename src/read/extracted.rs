//! Walks backups that other tools already extracted into ordinary folders, in parallel, and turns each file's
//! path back into a (domain, relative path) so it can be attributed like a manifest row.
//!
//! Layouts (backup-formats notes §7): `<domain>/<relativePath>` (pyiosbackup `unback`, iOSbackup, dinosec), and
//! device paths (`private/var/mobile/…`, Backup2FS), mapped back with the domain roots of Apple's
//! `Domains.plist` (§6). Sizes come from the file system: hard links count once, symlinks are never followed
//! (so a link loop cannot trap the walk), and folders that cannot be read are listed, not fatal.

use std::collections::HashSet;
use std::ffi::{CStr, CString, OsStr};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rustix::fd::OwnedFd;
use rustix::fs::{AtFlags, FileType, Mode, OFlags, Stat};

use super::{Counts, ManifestFile};
use crate::discover::Layout;
use crate::error::io_cause;

/// What the walk found besides the files handed to the sinks.
#[derive(Debug, Default)]
pub struct WalkStats {
    pub files: Counts,
    pub directories: u64,
    pub symlinks: u64,
    /// Names that are not valid UTF-8: counted under a lossy spelling. Sorted.
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
    let root = Folder {
        parent: None,
        name: CString::default(),
        path: root.to_path_buf(),
        relative: String::new(),
    };
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

/// Entries of one folder that could not be looked at: one warning per folder, not one per entry (a folder
/// that may be listed but not entered fails for every name in it).
#[derive(Default)]
struct Unstatable {
    count: u64,
    first: Option<(PathBuf, io::Error)>,
}

impl Unstatable {
    fn note(&mut self, folder: &Path, name: &[u8], e: rustix::io::Errno) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some((folder.join(OsStr::from_bytes(name)), io::Error::from(e)));
        }
    }

    fn report(self, folder: &Path, unreadable: &mut Vec<(PathBuf, String)>) {
        match (self.count, self.first) {
            (1, Some((path, e))) => unreadable.push((path, io_cause(&e))),
            (n, Some((_, e))) => unreadable.push((
                folder.to_path_buf(),
                format!("{n} entries in it: {}", io_cause(&e)),
            )),
            _ => {}
        }
    }
}

/// Folders kept open at once so their subfolders can be opened by name (see [`Folder::parent`]); far below
/// the usual limit of 1,024 descriptors, whatever the tree's shape.
const HELD_FOLDERS: usize = 64;

/// Bytes of directory entries read per system call (glibc's `readdir` uses the same).
const LISTING_BYTES: usize = 32 << 10;

/// A folder still to be read.
struct Folder<'w> {
    /// Its parent, still open: opening the folder by its name alone spares the kernel a lookup of every
    /// component of its path, which a profile of a 1,000,000-file tree showed as a sixth of the walk.
    /// `None` for the root, and when too many folders are held open: then it is opened by its path.
    parent: Option<Arc<Held<'w>>>,
    name: CString,
    path: PathBuf,
    /// Its path below the root, `/`-separated, empty for the root.
    relative: String,
}

/// An open folder lent to its subfolders; counted in [`Walker::held`] while it lives.
struct Held<'w> {
    fd: OwnedFd,
    count: &'w AtomicUsize,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.count.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One worker thread's share of the walk.
struct Local<S> {
    /// Where directory entries are read into, reused from folder to folder.
    listing: Vec<std::mem::MaybeUninit<u8>>,
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
    /// (device, inode) of files with more than one link, so each is counted once.
    seen_links: Mutex<HashSet<(u64, u64)>>,
    /// How many folders are held open for their subfolders.
    held: AtomicUsize,
}

impl<'w, S: Send> Walker<'w, S> {
    fn local(&self) -> Local<S> {
        Local {
            listing: Vec::new(),
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
        folder: Folder<'s>,
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

    /// Counts the files of one folder into `local` and adds its subfolders to `subfolders`.
    fn dir<'h>(
        &'h self,
        folder: Folder<'h>,
        local: &mut Local<S>,
        subfolders: &mut Vec<Folder<'h>>,
    ) {
        let counted = &mut local.counted;
        // Read-only, and a subfolder swapped for a symlink since its parent was listed is not followed.
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let opened = match &folder.parent {
            Some(parent) => rustix::fs::openat(
                &parent.fd,
                folder.name.as_c_str(),
                flags | OFlags::NOFOLLOW,
                Mode::empty(),
            ),
            // The root may itself be a symlink the user named.
            None if folder.relative.is_empty() => {
                rustix::fs::open(&folder.path, flags, Mode::empty())
            }
            None => rustix::fs::open(&folder.path, flags | OFlags::NOFOLLOW, Mode::empty()),
        };
        drop(folder.parent);
        let fd = match opened {
            Ok(fd) => fd,
            Err(e) if folder.relative.is_empty() => {
                counted.stats.root_error = Some(io::Error::from(e));
                return;
            }
            Err(e) => {
                let e = io::Error::from(e);
                counted.stats.unreadable.push((folder.path, io_cause(&e)));
                return;
            }
        };
        // The folder's part of each path, written once; each name replaces the last one after it.
        counted.path.clear();
        counted.path.push_str(&folder.relative);
        if !folder.relative.is_empty() {
            counted.path.push('/');
        }
        let base = counted.path.len();
        let first_sub = subfolders.len();
        let mut denied = Unstatable::default();
        let listed = list(&fd, &mut local.listing, |name, kind| {
            let bytes = name.to_bytes();
            counted.path.truncate(base);
            match std::str::from_utf8(bytes) {
                Ok(name) => counted.path.push_str(name),
                Err(_) => {
                    let os = OsStr::from_bytes(bytes);
                    counted.stats.non_utf8_names.push(folder.path.join(os));
                    counted.path.push_str(&os.to_string_lossy());
                }
            }
            // The kind comes from the listing (no system call); only regular files, and entries of a kind
            // the file system did not say, are looked at further, relative to the open folder and never
            // following a symlink.
            let mut stat = None;
            let kind = match kind {
                FileType::Unknown => match rustix::fs::statat(&fd, name, AtFlags::SYMLINK_NOFOLLOW)
                {
                    Ok(st) => {
                        let kind = FileType::from_raw_mode(st.st_mode);
                        stat = Some(st);
                        kind
                    }
                    Err(e) => {
                        denied.note(&folder.path, bytes, e);
                        return;
                    }
                },
                kind => kind,
            };
            match kind {
                FileType::Symlink => counted.stats.symlinks += 1,
                FileType::Directory => {
                    counted.stats.directories += 1;
                    subfolders.push(Folder {
                        parent: None,
                        name: name.to_owned(),
                        path: folder.path.join(OsStr::from_bytes(bytes)),
                        relative: counted.path.clone(),
                    });
                }
                FileType::RegularFile => {
                    let stat = match stat {
                        Some(st) => Ok(st),
                        None => rustix::fs::statat(&fd, name, AtFlags::SYMLINK_NOFOLLOW),
                    };
                    match stat {
                        Ok(st) => self.file(&st, counted),
                        Err(e) => denied.note(&folder.path, bytes, e),
                    }
                }
                _ => {}
            }
        });
        denied.report(&folder.path, &mut counted.stats.unreadable);
        if let Err(e) = listed {
            let e = io::Error::from(e);
            counted.stats.unreadable.push((folder.path, io_cause(&e)));
        }
        // Lend the open folder to its subfolders while few are held; otherwise they are opened by path.
        if subfolders.len() > first_sub && self.held.fetch_add(1, Ordering::Relaxed) < HELD_FOLDERS
        {
            let held = Arc::new(Held {
                fd,
                count: &self.held,
            });
            for sub in &mut subfolders[first_sub..] {
                sub.parent = Some(Arc::clone(&held));
            }
        } else if subfolders.len() > first_sub {
            self.held.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Counts a regular file (`st` is its `lstat`), once per inode, and hands it to the sink.
    fn file(&self, st: &Stat, counted: &mut Counted<S>) {
        if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
            // Replaced by something else since the listing: a symlink or folder is counted as such, not walked.
            match FileType::from_raw_mode(st.st_mode) {
                FileType::Symlink => counted.stats.symlinks += 1,
                FileType::Directory => counted.stats.directories += 1,
                _ => {}
            }
            return;
        }
        // The fields' widths differ between systems.
        #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
        let (nlink, dev, ino) = (st.st_nlink as u64, st.st_dev as u64, st.st_ino as u64);
        if nlink > 1 {
            let first = self.seen_links.lock().map(|mut s| s.insert((dev, ino)));
            if matches!(first, Ok(false)) {
                return;
            }
        }
        let size = u64::try_from(st.st_size).unwrap_or(0);
        counted.stats.files.add(size);
        let Some(found) = locate_parts(self.layout, &counted.path) else {
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
            },
        );
    }
}

/// Calls `each` with the name and kind of every entry of the open folder `fd` but `.` and `..`.
#[cfg(target_os = "linux")]
fn list(
    fd: &OwnedFd,
    buf: &mut Vec<std::mem::MaybeUninit<u8>>,
    mut each: impl FnMut(&CStr, FileType),
) -> rustix::io::Result<()> {
    // `getdents64` straight into a buffer reused by the thread: no allocation per entry, unlike `readdir`
    // wrappers that copy each name out.
    if buf.len() < LISTING_BYTES {
        buf.resize(LISTING_BYTES, std::mem::MaybeUninit::uninit());
    }
    let mut entries = rustix::fs::RawDir::new(fd, buf);
    while let Some(entry) = entries.next() {
        let entry = entry?;
        let name = entry.file_name();
        if !matches!(name.to_bytes(), b"." | b"..") {
            each(name, entry.file_type());
        }
    }
    Ok(())
}

/// See the Linux version; elsewhere through the C library's `readdir`.
#[cfg(not(target_os = "linux"))]
fn list(
    fd: &OwnedFd,
    _buf: &mut Vec<std::mem::MaybeUninit<u8>>,
    mut each: impl FnMut(&CStr, FileType),
) -> rustix::io::Result<()> {
    let _ = LISTING_BYTES;
    for entry in rustix::fs::Dir::read_from(fd)? {
        let entry = entry?;
        let name = entry.file_name();
        if !matches!(name.to_bytes(), b"." | b"..") {
            each(name, entry.file_type());
        }
    }
    Ok(())
}

/// Device roots of the backup domains (Domains.plist, iOS 16.4), longest first: (path prefix below the tree's
/// root, domain, how much of the prefix is the domain's root rather than part of the relative path).
/// `*` stands for one path component that completes the domain's name (a bundle or group id).
const DEVICE_ROOTS: &[(&str, &str, &str)] = &[
    (
        "var/mobile/Containers/Data/Application/*",
        "AppDomain-",
        "var/mobile/Containers/Data/Application/*",
    ),
    (
        "var/mobile/Containers/Shared/AppGroup/*",
        "AppDomainGroup-",
        "var/mobile/Containers/Shared/AppGroup/*",
    ),
    (
        "var/mobile/Containers/Data/PluginKitPlugin/*",
        "AppDomainPlugin-",
        "var/mobile/Containers/Data/PluginKitPlugin/*",
    ),
    (
        "var/containers/Data/System/*",
        "SysContainerDomain-",
        "var/containers/Data/System/*",
    ),
    (
        "var/containers/Shared/SystemGroup/*",
        "SysSharedContainerDomain-",
        "var/containers/Shared/SystemGroup/*",
    ),
    (
        "var/mobile/Media/iTunes_Control/iTunes/Ringtones.plist",
        "TonesDomain",
        "var/mobile",
    ),
    (
        "var/mobile/Media/iTunes_Control/Ringtones",
        "TonesDomain",
        "var/mobile",
    ),
    (
        "var/mobile/Library/SMS/Attachments",
        "MediaDomain",
        "var/mobile",
    ),
    ("var/mobile/Library/Recordings", "MediaDomain", "var/mobile"),
    (
        "var/mobile/Library/Keyboard",
        "KeyboardDomain",
        "var/mobile",
    ),
    (
        "var/mobile/Library/Health",
        "HealthDomain",
        "var/mobile/Library",
    ),
    ("var/mobile/Library/homed", "HomeKitDomain", "var/mobile"),
    (
        "var/mobile/Media/PhotoData",
        "CameraRollDomain",
        "var/mobile",
    ),
    (
        "var/mobile/Media/Books",
        "BooksDomain",
        "var/mobile/Media/Books",
    ),
    ("var/mobile/Media/DCIM", "CameraRollDomain", "var/mobile"),
    (
        "var/Managed Preferences",
        "ManagedPreferencesDomain",
        "var/Managed Preferences",
    ),
    ("var/mobile/Media", "MediaDomain", "var/mobile"),
    ("var/MobileDevice", "MobileDeviceDomain", "var/MobileDevice"),
    (
        "var/preferences",
        "SystemPreferencesDomain",
        "var/preferences",
    ),
    ("var/protected", "ProtectedDomain", "var/protected"),
    ("var/Keychains", "KeychainDomain", "var/Keychains"),
    ("var/installd", "InstallDomain", "var/installd"),
    ("var/networkd", "NetworkDomain", "var/networkd"),
    ("var/wireless", "WirelessDomain", "var/wireless"),
    ("var/mobile", "HomeDomain", "var/mobile"),
    ("var/root", "RootDomain", "var/root"),
    ("var/db", "DatabaseDomain", "var/db"),
];

/// The pseudo-domain of files that lie outside every domain's root; attributed as "Other (unrecognised)".
pub const OUTSIDE: &str = "(outside any domain)";

/// A file's (domain, relative path) from its path below the tree's root; files outside every domain's root
/// get [`OUTSIDE`], so every byte still lands somewhere. `None` only for a real backup's layout.
pub fn locate(layout: Layout, path: &str) -> Option<(String, String)> {
    let found = locate_parts(layout, path)?;
    Some((found.domain.concat(), found.relative.to_string()))
}

/// Where [`locate`] puts a file, borrowed from its path so the walk spells nothing per file.
struct Located<'p> {
    /// The domain's name, in pieces to be joined (`AppDomain`, `-`, `<bundle id>`); unused pieces are empty.
    domain: [&'p str; 3],
    relative: &'p str,
}

fn locate_parts(layout: Layout, path: &str) -> Option<Located<'_>> {
    let outside = || Located {
        domain: [OUTSIDE, "", ""],
        relative: path,
    };
    match layout {
        Layout::Backup => None,
        Layout::ExtractedDomains => Some(match path.split_once('/') {
            // `AppDomain/<bundle id>/…` (exporters that split the domain at its first `-`).
            Some((family, rest)) if crate::discover::DOMAIN_FAMILIES.contains(&family) => {
                match rest.split_once('/') {
                    Some((id, relative)) => Located {
                        domain: [family, "-", id],
                        relative,
                    },
                    None => outside(),
                }
            }
            Some((domain, relative)) => Located {
                domain: [domain, "", ""],
                relative,
            },
            // A file an exporter left beside the domain folders: counted, in no domain.
            None => outside(),
        }),
        Layout::ExtractedDevicePaths => {
            let path = path.strip_prefix("private/").unwrap_or(path);
            for (prefix, domain, root) in DEVICE_ROOTS {
                if let Some(found) = match_root(path, prefix, domain, root) {
                    return Some(found);
                }
            }
            Some(Located {
                domain: [OUTSIDE, "", ""],
                relative: path,
            })
        }
    }
}

fn match_root<'p>(
    path: &'p str,
    prefix: &str,
    domain: &'static str,
    root: &str,
) -> Option<Located<'p>> {
    let (fixed, wildcard) = match prefix.strip_suffix("/*") {
        Some(fixed) => (fixed, true),
        None => (prefix, false),
    };
    let rest = path.strip_prefix(fixed)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    if wildcard {
        // The next component names the container: it completes the domain name.
        let rest = rest.strip_prefix('/')?;
        let (id, relative) = rest.split_once('/')?;
        return Some(Located {
            domain: [domain, id, ""],
            relative,
        });
    }
    let relative = path.strip_prefix(root)?.trim_start_matches('/');
    Some(Located {
        domain: [domain, "", ""],
        relative,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(path: &str) -> (String, String) {
        locate(Layout::ExtractedDevicePaths, path).unwrap()
    }

    /// Walks `root` and returns what it found, with the (domain, relative path, size) of every file handed on.
    fn walk_all(root: &Path) -> (WalkStats, Vec<(String, String, u64)>) {
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
    fn a_tree_deeper_than_a_path_can_be_long_is_walked() {
        // 3,000 levels: 6,000 bytes of path, past Linux's 4,096, so only folders opened by name reach the
        // bottom; the walk queues folders instead of recursing, so the stack does not grow with the depth.
        let tmp = tempfile::tempdir().unwrap();
        let top = tmp.path().join("HomeDomain");
        std::fs::create_dir(&top).unwrap();
        let mut fd =
            rustix::fs::open(&top, OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty()).unwrap();
        for _ in 0..3000 {
            rustix::fs::mkdirat(&fd, "d", Mode::from_raw_mode(0o755)).unwrap();
            fd = rustix::fs::openat(&fd, "d", OFlags::RDONLY | OFlags::DIRECTORY, Mode::empty())
                .unwrap();
        }
        let file = rustix::fs::openat(
            &fd,
            "bottom.txt",
            OFlags::WRONLY | OFlags::CREATE,
            Mode::from_raw_mode(0o644),
        )
        .unwrap();
        rustix::fs::ftruncate(&file, 5).unwrap();
        let (stats, files) = walk_all(tmp.path());
        assert_eq!(stats.directories, 3001);
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].2, 5);
        assert!(files[0].1.ends_with("/d/d/bottom.txt"));
        assert!(
            stats.unreadable.is_empty(),
            "{:?}",
            stats.unreadable.first()
        );
    }

    #[test]
    fn folders_are_opened_by_path_when_too_many_are_held() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("HomeDomain/a/b");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("f"), [0u8; 4]).unwrap();
        std::os::unix::fs::symlink("..", dir.join("up")).unwrap();
        let walker = Walker {
            layout: Layout::ExtractedDomains,
            new_sink: &|| 0u64,
            add: &|n: &mut u64, f| *n += f.size,
            seen_links: Mutex::new(HashSet::new()),
            held: AtomicUsize::new(HELD_FOLDERS),
        };
        let mut local = walker.local();
        let mut pending = vec![Folder {
            parent: None,
            name: CString::default(),
            path: tmp.path().to_path_buf(),
            relative: String::new(),
        }];
        while let Some(folder) = pending.pop() {
            assert!(folder.parent.is_none());
            walker.dir(folder, &mut local, &mut pending);
        }
        let counted = local.counted;
        assert_eq!((counted.stats.files.files, counted.sink), (1, 4));
        assert_eq!((counted.stats.directories, counted.stats.symlinks), (3, 1));
        assert_eq!(walker.held.load(Ordering::Relaxed), HELD_FOLDERS);
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
    fn device_paths_map_back_to_domains() {
        let d = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(
            device("private/var/mobile/Library/SMS/sms.db"),
            d("HomeDomain", "Library/SMS/sms.db")
        );
        assert_eq!(
            device("var/mobile/Media/DCIM/100APPLE/IMG_1.HEIC"),
            d("CameraRollDomain", "Media/DCIM/100APPLE/IMG_1.HEIC")
        );
        assert_eq!(
            device("private/var/mobile/Library/Health/healthdb.sqlite"),
            d("HealthDomain", "Health/healthdb.sqlite")
        );
        assert_eq!(
            device("private/var/mobile/Containers/Shared/AppGroup/group.net.whatsapp.WhatsApp.shared/ChatStorage.sqlite"),
            d("AppDomainGroup-group.net.whatsapp.WhatsApp.shared", "ChatStorage.sqlite")
        );
        assert_eq!(
            device("private/var/Keychains/keychain-backup.plist"),
            d("KeychainDomain", "keychain-backup.plist")
        );
        assert_eq!(
            device("private/var/mobile/Media/Books/Purchases/a.epub"),
            d("BooksDomain", "Purchases/a.epub")
        );
        assert_eq!(device("private/var/mobileX/a"), d(OUTSIDE, "var/mobileX/a"));
        assert_eq!(
            locate(Layout::ExtractedDomains, "HomeDomain/Library/SMS/sms.db").unwrap(),
            d("HomeDomain", "Library/SMS/sms.db")
        );
        assert_eq!(
            locate(Layout::ExtractedDomains, "notes.txt").unwrap(),
            d(OUTSIDE, "notes.txt")
        );
        assert_eq!(
            locate(
                Layout::ExtractedDomains,
                "AppDomain/net.whatsapp.WhatsApp/Documents/x"
            )
            .unwrap(),
            d("AppDomain-net.whatsapp.WhatsApp", "Documents/x")
        );
    }
}
