//! Makes sure what sits where a backup file should be is a regular file before anything reads it: a folder,
//! FIFO, socket or device (a symlink to `/dev/zero`, say) is named for what it is and never opened, so a read
//! can neither block for ever nor run without end.

use std::fs::{File, Metadata};
use std::path::Path;

use crate::error::{Error, Result};

/// Whether `path` is a regular file (`Ok(true)`) or absent (`Ok(false)`); anything else that exists there
/// is an [`Error::NotAFile`]. Symlinks are followed, as the backup's own readers would.
pub fn regular_file(path: &Path) -> Result<bool> {
    match std::fs::metadata(path) {
        Ok(meta) => check(path, &meta).map(|()| true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Opens a regular file for reading. On Unix the open itself cannot block: it is non-blocking (a FIFO would
/// otherwise wait for a writer), and the kind is checked on the open file, so nothing can be swapped in
/// between the check and the read.
pub fn open_regular(path: &Path) -> Result<File> {
    // A socket cannot be opened at all (ENXIO): its kind says more than the error.
    let file = open_nonblocking(path).map_err(|e| match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => not_a_file(path, &meta),
        _ => Error::io(path, e),
    })?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    check(path, &meta)?;
    Ok(file)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // Reads of a regular file ignore O_NONBLOCK, so the flag can stay set.
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    // Windows has no FIFOs in the file system; named pipes live under \\.\pipe\, not in a backup folder.
    File::open(path)
}

fn check(path: &Path, meta: &Metadata) -> Result<()> {
    if meta.is_file() {
        return Ok(());
    }
    Err(not_a_file(path, meta))
}

fn not_a_file(path: &Path, meta: &Metadata) -> Error {
    Error::NotAFile {
        path: path.to_path_buf(),
        kind: kind_of(meta),
    }
}

/// What a non-regular file is, in a person's words.
fn kind_of(meta: &Metadata) -> &'static str {
    if meta.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = meta.file_type();
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
    }
    "not a regular file"
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn names_what_is_there_instead_of_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("Manifest.db");
        std::fs::write(&file, b"x").unwrap();
        assert!(regular_file(&file).unwrap());
        assert!(open_regular(&file).is_ok());
        assert!(!regular_file(&dir.path().join("absent")).unwrap());

        let folder = dir.path().join("folder");
        std::fs::create_dir(&folder).unwrap();
        let device = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &device).unwrap();
        let fifo = dir.path().join("fifo");
        // mkfifo(1): rustix has no mknodat on Apple targets.
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        for (path, says) in [
            (&folder, "is a folder, not a file"),
            (&device, "is a device, not a file"),
            (&fifo, "is a FIFO (named pipe), not a file"),
        ] {
            for error in [
                regular_file(path).unwrap_err(),
                // Opening the FIFO returns at once: nobody writes to it.
                open_regular(path).unwrap_err(),
            ] {
                assert!(error.to_string().contains(says), "{error}");
            }
        }
    }
}
