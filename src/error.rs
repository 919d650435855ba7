//! The library's one error type: every message names the file and the problem, and says what to do where it can.

use std::fmt;
use std::path::{Path, PathBuf};

/// Anything that stops cloudfit from reading a backup (or from starting at all).
///
/// Messages are complete sentences with their cause folded in (no separate `source` chain), so a caller can
/// print `{}` and be done.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {}", path.display(), IoCause(err))]
    Io { path: PathBuf, err: std::io::Error },

    #[error(
        "{} disappeared while cloudfit was reading it (moved or deleted, or a backup is running now); run \
         cloudfit again when nothing is changing the backup",
        path.display()
    )]
    Vanished { path: PathBuf },

    #[error("{} is not a folder", path.display())]
    NotAFolder { path: PathBuf },

    #[error(
        "{} is {kind}, not a file, so cloudfit does not read it; back up again in Finder or iTunes (or put the \
         file back if it was moved away)",
        path.display()
    )]
    NotAFile { path: PathBuf, kind: &'static str },

    #[error("{} is 0 bytes: the last backup did not finish writing it; back up again in Finder or iTunes", path.display())]
    EmptyFile { path: PathBuf },

    #[error(
        "{} is not a SQLite database ({problem}): back up again in Finder or iTunes (if the backup is encrypted, \
         its Manifest.plist, which holds the key, is missing or damaged)",
        path.display()
    )]
    NotSqlite { path: PathBuf, problem: String },

    #[error(
        "{} has no Files table: it is not an iOS 10 or later backup manifest (another file copied in its \
         place?); back up again in Finder or iTunes",
        path.display()
    )]
    WrongSchema { path: PathBuf },

    #[error("cannot read {}: {err}", path.display())]
    Sqlite { path: PathBuf, err: rusqlite::Error },

    #[error("{} is damaged ({err}): the last backup may not have finished; back up again in Finder or iTunes", path.display())]
    DamagedDb { path: PathBuf, err: rusqlite::Error },

    /// SQLite was stopped after far more work than a file of this size can need.
    #[error(
        "{} is damaged: reading it does not end (its pages point back at each other), far more work than \
         its size can need; back up again in Finder or iTunes",
        path.display()
    )]
    Runaway { path: PathBuf },

    #[error("{} is not a readable iOS 4–9 manifest: {problem}", path.display())]
    Mbdb { path: PathBuf, problem: String },

    #[error("{} is not a readable property list: {problem}; back up again in Finder or iTunes", path.display())]
    Plist { path: PathBuf, problem: String },

    #[error("{} holds no iPhone or iPad backup (no Manifest.db, Manifest.plist or Info.plist inside or one folder down)", path.display())]
    NoBackup { path: PathBuf },

    #[error(
        "wrong password for {device} ({}): it is the password chosen for encrypted local backups in Finder or \
         iTunes, not the Apple Account password or the iPhone passcode",
        path.display()
    )]
    WrongPassword { device: String, path: PathBuf },

    /// An encrypted backup no password was given for: listed with what shows without it, contents unread.
    /// (The command line adds how to give one: the library never spells a flag.)
    #[error(
        "{device} ({}) is encrypted and was not unlocked, so what fills it is unknown: give its password",
        path.display()
    )]
    Locked { device: String, path: PathBuf },

    #[error("cannot unlock {}: {problem}", path.display())]
    Encryption { path: PathBuf, problem: String },

    #[error("{0}")]
    NoDefaultFolder(String),

    /// `plan`'s device has only a locked backup: it is in `errors` already as `locked`; this says the plan
    /// cannot be made.
    #[error(
        "no plan for {device}: its backup ({}) is encrypted and was not unlocked; give its password",
        path.display()
    )]
    PlanLocked { device: String, path: PathBuf },

    /// `plan` (or `--device` anywhere) was asked for a device no backup is of.
    #[error(
        "no backup of a device named {wanted:?}; the backups found are of: {}",
        if known.is_empty() { "none".to_string() } else { known.join(", ") }
    )]
    NoSuchDevice { wanted: String, known: Vec<String> },

    /// A device name (or the start of a UDID) that fits several different devices: nothing is guessed.
    #[error(
        "{wanted:?} fits {} devices: {}; name one by its UDID or a start of it that no other device's UDID \
         shares (4 characters or more), by its backup folder, or by its name as shown here, where what is in \
         brackets may be cut to what tells it apart{}",
        candidates.len(),
        candidates.join("; "),
        if examples.is_empty() { String::new() } else { format!(" (e.g. {})", examples.join(" or ")) }
    )]
    AmbiguousDevice {
        wanted: String,
        /// Each device as a person reads its name, with its UDID (or folder).
        candidates: Vec<String>,
        /// Ways to name the first of them that pick it alone.
        examples: Vec<String>,
    },

    /// `plan` found no backup at all to plan for.
    #[error("no backup was found to plan for")]
    NothingToPlan,

    /// The price table cannot price a tier it lists.
    #[error("cannot price iCloud+ plans: {0}")]
    Prices(String),

    /// `diff` was given a folder that holds no backup or several, where it needs one.
    #[error(
        "{} holds {found} backups, and diff compares one backup with another: name each backup folder",
        path.display()
    )]
    DiffNotOneBackup { path: PathBuf, found: usize },

    /// `diff` of a device that has fewer than two backups in the folders given.
    #[error(
        "diff needs two backups of {wanted:?} and found {found}; the backups found are of: {}",
        if known.is_empty() { "none".to_string() } else { known.join(", ") }
    )]
    DiffTooFewBackups {
        wanted: String,
        found: usize,
        known: Vec<String>,
    },

    /// Looking inside: no app of this backup has that name or bundle id.
    #[error(
        "no app in {} is named {query:?} or has that bundle id (names are matched whole or in part, ignoring case)",
        path.display()
    )]
    NoSuchApp { query: String, path: PathBuf },

    /// Looking inside: more than one app matches.
    #[error(
        "{query:?} matches {count} apps in {}: {}; give the bundle id of the one you mean",
        path.display(),
        matches.join(", ")
    )]
    AmbiguousApp {
        query: String,
        path: PathBuf,
        /// A few of them, by name and bundle id (and how many more).
        matches: Vec<String>,
        count: usize,
    },

    /// Looking inside: the backup has no file in that domain.
    #[error("{} has no files in the domain {domain:?} (domain names are matched exactly)", path.display())]
    NoSuchDomain { domain: String, path: PathBuf },
}

/// An I/O error as a person should read it: permission problems say what to do about them.
struct IoCause<'a>(&'a std::io::Error);

/// The systems whose permission problems need their own advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum System {
    MacOs,
    Other,
}

const THIS_SYSTEM: System = if cfg!(target_os = "macos") {
    System::MacOs
} else {
    System::Other
};

impl fmt::Display for IoCause<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        describe(self.0, THIS_SYSTEM, f)
    }
}

fn describe(err: &std::io::Error, system: System, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match (err.kind(), system) {
        // macOS keeps `~/Library/Application Support/MobileSync` from every app not given Full Disk Access
        // (TCC): the read fails with EPERM, "Operation not permitted", whoever owns the files.
        (std::io::ErrorKind::PermissionDenied, System::MacOs) => write!(
            f,
            "permission denied: macOS lets only apps with Full Disk Access read iPhone backups; turn it on for \
             your terminal app in System Settings › Privacy & Security › Full Disk Access, then quit and reopen \
             the terminal"
        ),
        (std::io::ErrorKind::PermissionDenied, _) => write!(
            f,
            "permission denied (run cloudfit as the user who owns the backup, or ask them for access)"
        ),
        (std::io::ErrorKind::NotFound, _) => write!(f, "no such file or folder"),
        // Rust's words with the errno dropped: "(os error 40)" means nothing to a person.
        _ => match err.raw_os_error() {
            Some(code) => {
                let text = err.to_string();
                let suffix = format!(" (os error {code})");
                write!(f, "{}", text.strip_suffix(&suffix).unwrap_or(&text).to_lowercase())
            }
            None => write!(f, "{err}"),
        },
    }
}

impl Error {
    /// The stable, kebab-case code of this error: the JSON's `code`, listed in the README, never reused.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Io { err, .. } if err.kind() == std::io::ErrorKind::PermissionDenied => {
                "permission-denied"
            }
            Error::Io { err, .. } if err.kind() == std::io::ErrorKind::NotFound => "not-found",
            Error::Io { .. } => "cannot-read",
            Error::Vanished { .. } => "vanished",
            Error::NotAFolder { .. } => "not-a-folder",
            Error::NotAFile { .. } => "not-a-file",
            Error::EmptyFile { .. } => "empty-file",
            Error::NotSqlite { .. } => "not-sqlite",
            Error::WrongSchema { .. } => "wrong-schema",
            Error::Sqlite { .. } => "sqlite-error",
            Error::DamagedDb { .. } => "damaged-database",
            Error::Runaway { .. } => "runaway-database",
            Error::Mbdb { .. } => "bad-mbdb",
            Error::Plist { .. } => "bad-plist",
            Error::NoBackup { .. } => "no-backup",
            Error::WrongPassword { .. } => "wrong-password",
            Error::Locked { .. } => "locked",
            Error::Encryption { .. } => "cannot-unlock",
            Error::NoDefaultFolder(_) => "no-default-folder",
            Error::PlanLocked { .. } => "plan-locked",
            Error::NoSuchDevice { .. } => "no-such-device",
            Error::AmbiguousDevice { .. } => "ambiguous-device",
            Error::NothingToPlan => "nothing-to-plan",
            Error::Prices(_) => "bad-prices",
            Error::DiffNotOneBackup { .. } => "diff-not-one-backup",
            Error::DiffTooFewBackups { .. } => "diff-too-few-backups",
            Error::NoSuchApp { .. } => "no-such-app",
            Error::AmbiguousApp { .. } => "ambiguous-app",
            Error::NoSuchDomain { .. } => "no-such-domain",
        }
    }

    pub(crate) fn io(path: &Path, err: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            err,
        }
    }

    pub(crate) fn sqlite(path: &Path, err: rusqlite::Error) -> Self {
        if err.to_string().contains("no such table") {
            return Error::WrongSchema {
                path: path.to_path_buf(),
            };
        }
        // A damaged file is the user's next step, not SQLite's words alone.
        if let rusqlite::Error::SqliteFailure(failure, _) = &err {
            // "unable to open database file" hides the cause: the file system says it better.
            // Only the query budget interrupts a query (read/manifest_db.rs).
            if failure.code == rusqlite::ErrorCode::OperationInterrupted {
                return Error::Runaway {
                    path: path.to_path_buf(),
                };
            }
            if failure.code == rusqlite::ErrorCode::CannotOpen {
                if let Err(io) = std::fs::metadata(path) {
                    return Error::io(path, io);
                }
            }
            if matches!(
                failure.code,
                rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase
            ) {
                return Error::DamagedDb {
                    path: path.to_path_buf(),
                    err,
                };
            }
        }
        Error::Sqlite {
            path: path.to_path_buf(),
            err,
        }
    }

    /// An encrypted backup whose key material or ciphertext is damaged: the password cannot help.
    pub(crate) fn damaged_encryption(path: &Path, problem: impl fmt::Display) -> Self {
        Error::Encryption {
            path: path.to_path_buf(),
            problem: format!(
                "{problem}; the backup's encryption data is damaged: back up again in Finder or iTunes"
            ),
        }
    }

    pub(crate) fn plist(path: &Path, problem: impl ToString) -> Self {
        Error::Plist {
            path: path.to_path_buf(),
            problem: problem.to_string(),
        }
    }
}

/// An I/O error in the words of [`Error::Io`], for warnings about parts of a backup that could not be read.
pub fn io_cause(err: &std::io::Error) -> String {
    IoCause(err).to_string()
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    struct On<'a>(&'a std::io::Error, System);

    impl fmt::Display for On<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            describe(self.0, self.1, f)
        }
    }

    /// Every error's code is kebab-case, its own, and documented (README, "Codes").
    #[test]
    fn every_error_code_is_documented_and_distinct() {
        let p = || PathBuf::from("x");
        let sqlite = || rusqlite::Error::InvalidQuery;
        let io = |kind| std::io::Error::from(kind);
        let all = [
            Error::io(&p(), io(std::io::ErrorKind::PermissionDenied)),
            Error::io(&p(), io(std::io::ErrorKind::NotFound)),
            Error::io(&p(), io(std::io::ErrorKind::InvalidData)),
            Error::Vanished { path: p() },
            Error::NotAFolder { path: p() },
            Error::NotAFile {
                path: p(),
                kind: "a FIFO",
            },
            Error::EmptyFile { path: p() },
            Error::NotSqlite {
                path: p(),
                problem: "x".into(),
            },
            Error::WrongSchema { path: p() },
            Error::Sqlite {
                path: p(),
                err: sqlite(),
            },
            Error::DamagedDb {
                path: p(),
                err: sqlite(),
            },
            Error::Runaway { path: p() },
            Error::Mbdb {
                path: p(),
                problem: "x".into(),
            },
            Error::plist(&p(), "x"),
            Error::NoBackup { path: p() },
            Error::WrongPassword {
                device: "d".into(),
                path: p(),
            },
            Error::Locked {
                device: "d".into(),
                path: p(),
            },
            Error::damaged_encryption(&p(), "x"),
            Error::NoDefaultFolder("x".into()),
            Error::PlanLocked {
                device: "d".into(),
                path: p(),
            },
            Error::NoSuchDevice {
                wanted: "x".into(),
                known: vec![],
            },
            Error::AmbiguousDevice {
                wanted: "x".into(),
                candidates: vec!["a".into(), "b".into()],
                examples: vec![],
            },
            Error::NothingToPlan,
            Error::Prices("x".into()),
            Error::DiffNotOneBackup {
                path: p(),
                found: 2,
            },
            Error::DiffTooFewBackups {
                wanted: "x".into(),
                found: 1,
                known: vec![],
            },
            Error::NoSuchApp {
                query: "x".into(),
                path: "p".into(),
            },
            Error::AmbiguousApp {
                query: "x".into(),
                path: "p".into(),
                matches: vec!["a".into(), "b".into()],
                count: 2,
            },
            Error::NoSuchDomain {
                domain: "x".into(),
                path: "p".into(),
            },
        ];
        let readme = include_str!("../README.md");
        let mut seen = std::collections::BTreeSet::new();
        for e in &all {
            let code = e.code();
            assert!(seen.insert(code), "{code} twice");
            assert!(
                code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{code}"
            );
            assert!(
                readme.contains(&format!("`{code}`")),
                "{code} is not in the README"
            );
            // No message spells a command-line flag: the words that do are render's.
            assert!(
                !e.to_string().contains("--") && !e.to_string().contains("PATH"),
                "{e}"
            );
        }
    }

    #[test]
    fn a_permission_error_on_macos_says_how_to_grant_full_disk_access() {
        // What reading ~/Library/Application Support/MobileSync/Backup without Full Disk Access gives.
        let eperm = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        let mac = On(&eperm, System::MacOs).to_string();
        assert!(
            mac.contains("System Settings › Privacy & Security › Full Disk Access"),
            "{mac}"
        );
        assert!(mac.contains("terminal"), "{mac}");
        let other = On(&eperm, System::Other).to_string();
        assert!(other.contains("the user who owns the backup"), "{other}");
        assert!(!other.contains("Full Disk Access"), "{other}");
    }
}
