//! The one place the library's typed reports become sentences: warnings, assumptions, plan notes, errors and
//! skipped folders, for tables, stderr and the JSON's `message` fields alike. The stages never word what
//! they report and never spell a command-line flag; these sentences may (they are cloudfit's own words).

use humansize::{format_size, DECIMAL};

use crate::diagnostic::{Assumption, PlanNote, Warning};
use crate::discover::{SkipReason, Skipped};
use crate::scan::BackupError;

/// How to give a password, said wherever a backup could not be opened without one.
const HOW_TO_GIVE_A_PASSWORD: &str =
    "--password-file, --password-stdin or CLOUDFIT_PASSWORD, or type it when asked on a terminal";

pub fn warning(w: &Warning) -> String {
    match w {
        Warning::ManifestPlistUnreadable { problem } => {
            format!("{problem}; device details come from Info.plist")
        }
        Warning::ManifestPlistMissing => "Manifest.plist is missing".into(),
        Warning::InfoPlistMissing => {
            "Info.plist is missing: device details come from Manifest.plist".into()
        }
        Warning::InfoPlistUnreadable { problem } | Warning::StatusPlistUnreadable { problem } => {
            problem.clone()
        }
        Warning::StatusPlistMissing => {
            "Status.plist is missing: the backup may not have finished".into()
        }
        Warning::DecryptedCopy => "Manifest.plist says the backup is encrypted but Manifest.db is plain: read \
                                   as a decrypted copy"
            .into(),
        Warning::ExtractedTree => {
            "extracted by another tool: no device details, sizes as the files occupy the disk".into()
        }
        Warning::NonUtf8Names { count, example } => format!(
            "{count} names are not valid UTF-8 and are shown with U+FFFD, e.g. {example}"
        ),
        Warning::SnapshotLeftOver => {
            "a Snapshot folder is left over: the last backup was interrupted".into()
        }
        Warning::NotFinished { state } => {
            format!("Status.plist says the backup is {state:?}, not finished")
        }
        Warning::WalPending { bytes } => format!(
            "Manifest.db-wal holds {bytes} bytes of changes not yet in Manifest.db (a backup was interrupted or \
             is still running); they are not counted"
        ),
        Warning::Unreadable { path, problem } => {
            format!("could not read {path}: {problem}; its files are not counted")
        }
        Warning::MoreUnreadable { count } => format!(
            "{count} more folders or files could not be read; their files are not counted"
        ),
        Warning::UndecodableRows { rows, examples } => format!(
            "{rows} manifest rows could not be decoded and are not counted, e.g. {}",
            examples.join("; ")
        ),
        Warning::Resized { files, bytes } => format!(
            "{files} files differ in length from what the manifest says ({bytes} bytes on disk)"
        ),
        Warning::Encrypted => "this backup is encrypted: give its password (--password-file, --password-stdin \
                               or CLOUDFIT_PASSWORD) to see what fills it; until then sizes are what it \
                               occupies on disk"
            .into(),
    }
}

pub fn assumption(a: &Assumption) -> String {
    match a {
        Assumption::IcloudPhotos { on: true } => "iCloud Photos: on (--icloud-photos on): the photo library is \
                                                  not counted; it uses iCloud storage of its own"
            .into(),
        Assumption::IcloudPhotos { on: false } => "iCloud Photos: off (the default; say --icloud-photos on if \
                                                   it is on): a computer backup already leaves iCloud Photos \
                                                   out, so the photos in this one would go into the iCloud \
                                                   backup"
            .into(),
        Assumption::MessagesInIcloud { on: true } => "Messages in iCloud: on (--messages-in-icloud on): \
                                                      messages are not counted; they use iCloud storage of \
                                                      their own"
            .into(),
        Assumption::MessagesInIcloud { on: false } => "Messages in iCloud: off (the default; say \
                                                       --messages-in-icloud on if it is on): the messages in \
                                                       this backup would go into the iCloud backup"
            .into(),
        Assumption::SyncedNotCounted { .. } => "Contacts, Calendars, Notes and Voice Memos sync with iCloud, \
                                                so they are not counted; the high figure counts them, for a \
                                                phone that does not sync them"
            .into(),
        Assumption::SizesAsOf { date, band_percent } => {
            let when = date
                .as_deref()
                .map_or_else(|| "this backup".to_string(), |d| format!("the backup of {d}"));
            format!(
                "Sizes are those of {when}; the range allows {band_percent}% for changes on the phone since \
                 then and for how the phone counts"
            )
        }
    }
}

pub fn plan_note(n: &PlanNote) -> String {
    match n {
        PlanNote::UsedNotGiven => "--used was not given, so nothing else is counted in iCloud; Settings › [your \
                                   name] › iCloud shows what else uses it (Photos, Drive, Mail, other backups)"
            .into(),
        PlanNote::UsedBeyondTier { used_bytes, tier } => format!(
            "--used ({}) is more than the {tier} plan holds, which iCloud does not allow: check --tier and \
             --used against Settings › [your name] › iCloud; the plan below is only a what-if",
            format_size(*used_bytes, DECIMAL)
        ),
        PlanNote::TierNotGiven { tier } => format!(
            "--tier was not given, so this is planned for the free {tier} plan; say --tier 200GB (or your plan) if \
             you pay for iCloud+"
        ),
        PlanNote::GrowthUnknown => "how fast this backup grows is not known (no birth dates and no archived \
                                    copies), so no growth is counted; a plan to buy keeps 10% room to grow"
            .into(),
        PlanNote::SameNameNotThisPhone {
            name,
            model,
            last_backup,
            ..
        } => {
            let facts: Vec<String> = model
                .iter()
                .cloned()
                .chain(last_backup.iter().map(|day| format!("last backed up {day}")))
                .collect();
            let facts = match facts.is_empty() {
                true => String::new(),
                false => format!(" ({})", facts.join(", ")),
            };
            format!(
                "{name}, offered for deletion, is not this phone: it is another device with the same \
                 name{facts}; check the model in Settings › [your name] before deleting its backup"
            )
        }
    }
}

/// An error's sentence, with how to act on it where that is a command-line matter.
pub fn error(e: &BackupError) -> String {
    error_message(e.code, &e.message)
}

/// [`error`] from a code and the library's sentence.
pub fn error_message(code: &str, message: &str) -> String {
    match code {
        "locked" | "plan-locked" => format!("{message} ({HOW_TO_GIVE_A_PASSWORD})"),
        "no-default-folder" => {
            format!("{message}; or pass a backup folder as PATH, e.g. `cloudfit scan ~/MobileSync/Backup`")
        }
        _ => message.to_string(),
    }
}

pub fn skipped(s: &Skipped) -> String {
    match s.code {
        SkipReason::NotABackup => {
            "not a backup (no Manifest.db, Manifest.plist or Info.plist)".into()
        }
    }
}

/// Why `diff` made no comparison: the side's error, named as the old or the new backup.
pub fn diff_error(e: &crate::diff::DiffError) -> String {
    let message = error_message(e.code, &e.message);
    match e.side {
        Some(side) => format!("cannot compare: the {} backup: {message}", side.word()),
        None => format!("cannot compare: {message}"),
    }
}

/// A note of `diff`.
pub fn diff_note(n: &crate::diff::Note) -> String {
    use crate::diff::Note;
    match n {
        Note::DiffSwapped => {
            "OLD is the newer backup: the two are compared the other way round, older first".into()
        }
        Note::DiffOtherDevice { old_udid, new_udid } => format!(
            "the two are backups of different devices (UDID {} and {}): the change is not one phone's growth",
            old_udid.as_deref().unwrap_or("unknown"),
            new_udid.as_deref().unwrap_or("unknown")
        ),
    }
}
