//! The Unix walk of an extracted tree: folders opened relative to their open parent (`openat`, never following
//! a symlink), listed with `getdents64` on Linux (the C library's `readdir` elsewhere), and a `stat` only for
//! regular files and entries whose kind the listing did not give.

use std::ffi::{CStr, CString, OsStr};
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use rustix::fd::OwnedFd;
use rustix::fs::{AtFlags, FileType, Mode, OFlags, Stat};

use super::{Counted, Local, Place, Unstatable, Walker};
use crate::error::io_cause;

/// Folders kept open at once so their subfolders can be opened by name (see [`Folder::parent`]); far below
/// the usual limit of 1,024 descriptors, whatever the tree's shape.
const HELD_FOLDERS: usize = 64;

/// Bytes of directory entries read per system call (glibc's `readdir` uses the same).
const LISTING_BYTES: usize = 32 << 10;

/// A folder still to be read.
pub(super) struct Folder<'w> {
    /// Its parent, still open: opening the folder by its name alone spares the kernel a lookup of every
    /// component of its path, which a profile of a 1,000,000-file tree showed as a sixth of the walk.
    /// `None` for the root, and when too many folders are held open: then it is opened by its path.
    parent: Option<Arc<Held<'w>>>,
    place: Arc<Place>,
}

impl Folder<'_> {
    pub(super) fn root(path: &std::path::Path) -> Self {
        Folder {
            parent: None,
            place: Place::root(path),
        }
    }
}

/// Where directory entries are read into, reused by a thread from folder to folder.
#[derive(Default)]
pub(super) struct Listing {
    buf: Vec<std::mem::MaybeUninit<u8>>,
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
        // Read-only, and a subfolder swapped for a symlink since its parent was listed is not followed.
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let opened = match &folder.parent {
            // Names from a listing hold no NUL byte.
            Some(parent) => match CString::new(place.name.as_bytes()) {
                Ok(name) => {
                    rustix::fs::openat(&parent.fd, &name, flags | OFlags::NOFOLLOW, Mode::empty())
                }
                Err(_) => Err(rustix::io::Errno::INVAL),
            },
            // The root may itself be a symlink the user named.
            None if place.is_root() => rustix::fs::open(place.path(), flags, Mode::empty()),
            None => rustix::fs::open(place.path(), flags | OFlags::NOFOLLOW, Mode::empty()),
        };
        drop(folder.parent);
        let fd = match opened {
            Ok(fd) => fd,
            Err(e) if place.is_root() => {
                counted.stats.root_error = Some(io::Error::from(e));
                return;
            }
            Err(e) => {
                let e = io::Error::from(e);
                counted.stats.unreadable.push((place.path(), io_cause(&e)));
                return;
            }
        };
        // The folder's part of each path, written once; each name replaces the last one after it.
        let base = place.prefix_into(&mut counted.path);
        let first_sub = subfolders.len();
        let mut denied = Unstatable::default();
        let listed = list(&fd, &mut local.listing.buf, |name, kind| {
            let bytes = name.to_bytes();
            counted.path.truncate(base);
            match std::str::from_utf8(bytes) {
                Ok(name) => counted.path.push_str(name),
                Err(_) => {
                    let os = OsStr::from_bytes(bytes);
                    counted.stats.non_utf8_names.push(place.path().join(os));
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
                        denied.note(OsStr::from_bytes(bytes), io::Error::from(e));
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
                        place: place.child(OsStr::from_bytes(bytes).to_owned()),
                    });
                }
                FileType::RegularFile => {
                    let stat = match stat {
                        Some(st) => Ok(st),
                        None => rustix::fs::statat(&fd, name, AtFlags::SYMLINK_NOFOLLOW),
                    };
                    match stat {
                        Ok(st) => self.stat_file(&st, counted),
                        Err(e) => denied.note(OsStr::from_bytes(bytes), io::Error::from(e)),
                    }
                }
                _ => {}
            }
        });
        denied.report(&place, &mut counted.stats.unreadable);
        if let Err(e) = listed {
            let e = io::Error::from(e);
            counted.stats.unreadable.push((place.path(), io_cause(&e)));
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

    /// Counts a regular file (`st` is its `lstat`), once per inode.
    fn stat_file(&self, st: &Stat, counted: &mut Counted<S>) {
        match FileType::from_raw_mode(st.st_mode) {
            FileType::RegularFile => {}
            // Replaced by something else since the listing: a symlink or folder is counted as such, not walked.
            FileType::Symlink => return counted.stats.symlinks += 1,
            FileType::Directory => return counted.stats.directories += 1,
            _ => return,
        }
        // The fields' widths differ between systems.
        #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
        let (nlink, dev, ino) = (st.st_nlink as u64, st.st_dev as u64, st.st_ino as u64);
        let size = u64::try_from(st.st_size).unwrap_or(0);
        #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
        let modified = Some(st.st_mtime as i64);
        self.file(size, modified, (nlink > 1).then_some((dev, ino)), counted);
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

#[cfg(test)]
mod tests {
    use super::super::tests::walk_all;
    use super::*;
    use crate::discover::Layout;
    use std::collections::HashSet;
    use std::sync::Mutex;

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
        let mut pending = vec![Folder::root(tmp.path())];
        while let Some(folder) = pending.pop() {
            assert!(folder.parent.is_none());
            walker.dir(folder, &mut local, &mut pending);
        }
        let counted = local.counted;
        assert_eq!((counted.stats.files.files, counted.sink), (1, 4));
        assert_eq!((counted.stats.directories, counted.stats.symlinks), (3, 1));
        assert_eq!(walker.held.load(Ordering::Relaxed), HELD_FOLDERS);
    }
}
