//! The library's one error type: every message names the file and the problem.

use std::path::{Path, PathBuf};

/// Anything that stops cloudfit from reading a backup (or from starting at all).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{} is 0 bytes: the last backup did not finish writing it; back up again in Finder or iTunes", path.display())]
    EmptyFile { path: PathBuf },

    #[error("{} is not a SQLite database ({problem})", path.display())]
    NotSqlite { path: PathBuf, problem: String },

    #[error("cannot read {}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    #[error("{} is not a readable property list: {problem}", path.display())]
    Plist { path: PathBuf, problem: String },

    #[error("{} holds no iPhone or iPad backup (no Manifest.db, Manifest.plist or Info.plist inside or one folder down)", path.display())]
    NoBackup { path: PathBuf },

    #[error("wrong password for {device} ({})", path.display())]
    WrongPassword { device: String, path: PathBuf },

    #[error("cannot unlock {}: {problem}", path.display())]
    Encryption { path: PathBuf, problem: String },

    #[error("{} is {what}", path.display())]
    Unsupported { path: PathBuf, what: String },

    #[error("{0}")]
    NoDefaultFolder(String),
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn sqlite(path: &Path, source: rusqlite::Error) -> Self {
        Error::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn plist(path: &Path, problem: impl ToString) -> Self {
        Error::Plist {
            path: path.to_path_buf(),
            problem: problem.to_string(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
