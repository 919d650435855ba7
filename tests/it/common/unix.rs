//! The Unix side of the test helpers: stepping down from root, resource limits, and tree snapshots taken
//! relative to open folders.

use std::ffi::OsStr;
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use sha1::{Digest, Sha1};

use super::{chmod, run_of, Run, Snapshot};

/// As root (who may read anything, so would never meet an unreadable folder) the binary runs as `nobody`,
/// from a copy that user may execute, and `tmp` (a temp dir, made 0700) is opened to it. `None` for anyone
/// else: they already are a user without special permissions.
pub(super) fn unprivileged(tmp: &Path) -> Option<Run> {
    // Root, or any user who may read a file whose mode forbids it, is privileged.
    let probe = tmp.join(".privilege-probe");
    std::fs::write(&probe, b"x").expect("probe");
    chmod(&probe, 0o000);
    let privileged = std::fs::read(&probe).is_ok();
    std::fs::remove_file(&probe).expect("probe");
    if !privileged {
        return None;
    }
    const NOBODY: u32 = 65534;
    let bin = tempfile::tempdir().expect("bin dir");
    chmod(bin.path(), 0o755);
    let program = bin.path().join("cloudfit");
    std::fs::copy(assert_cmd::cargo::cargo_bin("cloudfit"), &program).expect("copy binary");
    chmod(&program, 0o755);
    chmod(tmp, 0o755);
    let mut run = run_of(&program);
    run.as_user(NOBODY, NOBODY);
    run.keep.push(bin);
    Some(run)
}

/// Sets `resource`'s soft and hard limit to `bytes` in the child, before it execs.
#[allow(unsafe_code)] // pre_exec: see the SAFETY comment inside.
pub(super) fn rlimit(
    cmd: &mut std::process::Command,
    resource: rustix::process::Resource,
    bytes: u64,
) {
    use std::os::unix::process::CommandExt;
    let limit = rustix::process::Rlimit {
        current: Some(bytes),
        maximum: Some(bytes),
    };
    // SAFETY: setrlimit is a plain system call, safe between fork and exec; nothing is allocated.
    unsafe {
        cmd.pre_exec(move || rustix::process::setrlimit(resource, limit).map_err(Into::into));
    }
}

/// Snapshots a tree by walking it relative to open folders, so trees deeper than `PATH_MAX` work too.
pub(super) fn snapshot(root: &Path) -> Snapshot {
    let mut out = Snapshot::new();
    add_to_snapshot(&mut out, rustix::fs::CWD, root, root.to_path_buf());
    out
}

fn add_to_snapshot(out: &mut Snapshot, parent: impl AsFd, name: &Path, path: PathBuf) {
    use rustix::fs::{AtFlags, FileType, Mode, OFlags};
    let stat = rustix::fs::statat(&parent, name, AtFlags::SYMLINK_NOFOLLOW)
        .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()));
    let kind = FileType::from_raw_mode(stat.st_mode);
    let open = |extra: OFlags| {
        rustix::fs::openat(
            &parent,
            name,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | extra,
            Mode::empty(),
        )
    };
    let content = match kind {
        FileType::RegularFile => match open(OFlags::empty()) {
            Ok(fd) => {
                let mut file = std::fs::File::from(fd);
                let mut hasher = Sha1::new();
                std::io::copy(&mut file, &mut hasher).expect("read");
                format!("{:x}", hasher.finalize())
            }
            Err(rustix::io::Errno::ACCESS) => "unreadable".into(),
            Err(e) => panic!("open {}: {e}", path.display()),
        },
        FileType::Symlink => {
            let target = rustix::fs::readlinkat(&parent, name, Vec::new()).expect("readlink");
            format!("-> {}", target.to_string_lossy())
        }
        _ => String::new(),
    };
    out.insert(
        path.clone(),
        (
            stat.st_size as u64,
            stat.st_mtime as i64,
            stat.st_mtime_nsec as i64,
            stat.st_mode as u32,
            content,
        ),
    );
    if kind != FileType::Directory {
        return;
    }
    let dir = match open(OFlags::DIRECTORY) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::ACCESS) => {
            out.entry(path).and_modify(|e| e.4 = "unreadable".into());
            return;
        }
        Err(e) => panic!("open {}: {e}", path.display()),
    };
    let entries = match rustix::fs::Dir::read_from(&dir) {
        Ok(entries) => entries,
        Err(rustix::io::Errno::ACCESS) => {
            out.entry(path).and_modify(|e| e.4 = "unreadable".into());
            return;
        }
        Err(e) => panic!("list {}: {e}", path.display()),
    };
    for entry in entries {
        let entry = entry.expect("read folder");
        let bytes = entry.file_name().to_bytes();
        if bytes == b"." || bytes == b".." {
            continue;
        }
        let child = Path::new(OsStr::from_bytes(bytes));
        add_to_snapshot(out, &dir, child, path.join(child));
    }
}
