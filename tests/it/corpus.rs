//! The bad-input corpus: each case is a good generated sample set with one damage done to one backup. Every
//! case must end without a panic, within seconds, with a whole JSON document on stdout, the expected exit
//! code and message, every other backup still reported, and not one byte changed on disk.

use crate::common;

use std::path::Path;

use common::{chmod, corpus_run, error_message, find, sample, SMALL_STACK};
use plist::Value as Plist;
use rusqlite::Connection;

/// Which sample a case damages.
#[derive(Clone, Copy)]
enum Target {
    /// Maya's iPhone, iOS 18, plain.
    Plain,
    /// Sam's iPhone, encrypted (the password is given).
    Encrypted,
    /// The iOS 9 `Manifest.mbdb` backup.
    Mbdb,
}

/// What the scan must say.
enum Outcome {
    /// The backup fails: exit 1 (the others are read), an error naming `file` and saying `says`.
    Fails {
        file: &'static str,
        says: &'static str,
    },
    /// The backup is read with a warning saying `says`: exit 0.
    Warns { says: &'static str },
    /// The backup is read: exit 0 (what was damaged is not worth a warning).
    Reads,
}

struct Case {
    name: &'static str,
    target: Target,
    damage: fn(&Path),
    outcome: Outcome,
}

fn target_id(target: Target, record: &cloudfit_synth::SampleSet) -> String {
    let want = |pred: &dyn Fn(&cloudfit_synth::ExpectedBackup) -> bool| {
        record
            .backups
            .iter()
            .find(|b| pred(b))
            .expect("a sample of that kind")
            .id
            .clone()
    };
    match target {
        Target::Plain => want(&|b| b.id == "00008120-001A2B3C4D5E6F70"),
        Target::Encrypted => want(&|b| b.device_name == "Sam's iPhone"),
        Target::Mbdb => want(&|b| b.format == "manifest-mbdb"),
    }
}

/// Every case runs on an eighth of the usual main-thread stack: a parser that recursed on what a file says
/// would show up here first.
fn run(case: &Case) {
    run_with(case, Some(SMALL_STACK));
}

/// The nesting bombs run on the stack a user has too.
fn run_on_default_stack(case: &Case) {
    run_with(case, None);
}

fn run_with(case: &Case, stack: Option<u64>) {
    let (tmp, record) = sample();
    let id = target_id(case.target, &record);
    let dir = tmp.path().join("Backup").join(&id);
    (case.damage)(&dir);
    let passwords = common::sample_passwords(tmp.path());
    // `cloudfit()` snapshots the whole sample folder before and after: not one byte may change.
    // As a user without special permissions, as people run it (root reads even unreadable files).
    let name = case.name;
    let (doc, output) = corpus_run(
        name,
        "scan",
        tmp.path(),
        &["--password-file".as_ref(), passwords.as_os_str()],
        stack,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    // `CORPUS_PRINT=1 cargo test --test it corpus:: -- --nocapture` shows what a user would read for each case.
    if std::env::var_os("CORPUS_PRINT").is_some() {
        println!("== {name} (exit {:?})\n{stderr}", output.status.code());
        if let Some(warnings) = doc["backups"]
            .as_array()
            .and_then(|b| b.iter().find(|b| b["id"] == *id))
            .and_then(|b| b["warnings"].as_array())
        {
            for warning in warnings {
                println!(
                    "warning: {}",
                    warning["message"].as_str().unwrap_or_default()
                );
            }
        }
    }
    // Every other backup is still reported.
    for other in record.backups.iter().filter(|b| b.id != id) {
        assert!(
            doc["backups"]
                .as_array()
                .unwrap()
                .iter()
                .any(|b| b["id"] == *other.id),
            "{name}: {} not reported; stderr: {stderr}",
            other.id
        );
    }
    match case.outcome {
        Outcome::Fails { file, says } => {
            assert_eq!(output.status.code(), Some(1), "{name}: {stderr}");
            let message = error_message(&doc, &id);
            assert!(message.contains(says), "{name}: {message}");
            assert!(message.contains(file), "{name}: names {file}: {message}");
            assert!(stderr.contains(says), "{name}: {stderr}");
        }
        Outcome::Warns { says } => {
            assert_eq!(output.status.code(), Some(0), "{name}: {stderr}");
            let backup = find(&doc, &id);
            let warnings = backup["warnings"].to_string();
            assert!(warnings.contains(says), "{name}: {warnings}");
        }
        Outcome::Reads => {
            assert_eq!(output.status.code(), Some(0), "{name}: {stderr}");
            assert!(find(&doc, &id)["bytes"].is_u64(), "{name}: {stderr}");
        }
    }
}

// ---- damages ----

/// The first two-hex-digit shard folder of a backup.
fn first_shard(dir: &Path) -> std::path::PathBuf {
    let mut shards: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n.len() == 2))
        .collect();
    shards.sort();
    shards.remove(0)
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
}

fn truncate(path: &Path, keep: u64) {
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(keep)
        .unwrap();
}

fn half(path: &Path) {
    let len = std::fs::metadata(path).unwrap().len();
    truncate(path, len / 2);
}

/// Runs SQL on a backup's (plain) Manifest.db: the test's own copy, so writing is fine here.
fn sql(dir: &Path, statement: &str) {
    let db = dir.join("Manifest.db");
    let conn = Connection::open(&db).unwrap();
    conn.execute_batch(statement).unwrap();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .unwrap();
    drop(conn);
    let _ = std::fs::remove_file(dir.join("Manifest.db-wal"));
    let _ = std::fs::remove_file(dir.join("Manifest.db-shm"));
}

/// Replaces the MBFile blob of the first regular file with what `edit` makes of the decoded archive.
fn edit_first_mbfile(dir: &Path, edit: impl FnOnce(&mut Plist) -> Vec<u8>) {
    let db = dir.join("Manifest.db");
    let conn = Connection::open(&db).unwrap();
    let (rowid, blob): (i64, Vec<u8>) = conn
        .query_row(
            "SELECT rowid, file FROM Files WHERE flags = 1 ORDER BY rowid LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let mut archive = Plist::from_reader(std::io::Cursor::new(&blob)).unwrap();
    let new = edit(&mut archive);
    conn.execute(
        "UPDATE Files SET file = ?1 WHERE rowid = ?2",
        rusqlite::params![new, rowid],
    )
    .unwrap();
    drop(conn);
    sql(dir, "SELECT 1;");
}

fn binary(value: &Plist) -> Vec<u8> {
    let mut out = Vec::new();
    value.to_writer_binary(&mut out).unwrap();
    out
}

/// The MBFile dictionary inside an archive (`$objects[1]` in every generated and real one).
fn mbfile(archive: &mut Plist) -> &mut plist::Dictionary {
    archive.as_dictionary_mut().unwrap()["$objects"]
        .as_array_mut()
        .unwrap()[1]
        .as_dictionary_mut()
        .unwrap()
}

fn set_size(archive: &mut Plist, size: Plist) -> Vec<u8> {
    mbfile(archive).insert("Size".into(), size);
    binary(archive)
}

fn plist_of(path: &Path, value: Plist) {
    value.to_file_binary(path).unwrap();
}

/// Edits a tag of the keybag in Manifest.plist (tag, then a 4-byte length, then the value).
fn edit_keybag(dir: &Path, edit: impl FnOnce(&mut Vec<u8>)) {
    let path = dir.join("Manifest.plist");
    let mut plist = Plist::from_file(&path).unwrap();
    let dict = plist.as_dictionary_mut().unwrap();
    let mut bag = dict["BackupKeyBag"].as_data().unwrap().to_vec();
    edit(&mut bag);
    dict.insert("BackupKeyBag".into(), Plist::Data(bag));
    plist.to_file_binary(&path).unwrap();
}

/// Byte offsets of every `tag` record in a keybag: (start of the value, its length).
fn tags(bag: &[u8], tag: &[u8; 4]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 8 <= bag.len() {
        let len = u32::from_be_bytes(bag[at + 4..at + 8].try_into().unwrap()) as usize;
        if &bag[at..at + 4] == tag {
            out.push((at + 8, len));
        }
        at += 8 + len;
    }
    out
}

// ---- nesting bombs: megabytes of regular structure that a recursive reader would overflow its stack on ----

/// A dictionary whose `Bomb` key holds `depth` arrays, one inside the other, as XML (8 bytes a level).
fn nested_xml(depth: usize) -> Vec<u8> {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>Bomb</key>"#,
    );
    xml.push_str(&"<array>".repeat(depth));
    xml.push_str(&"</array>".repeat(depth));
    xml.push_str("</dict></plist>");
    xml.into_bytes()
}

/// The same in a binary plist, where each array references the next: 9 bytes a level. With `shared`, each
/// array references the next twice instead, so the plist expands to 2^depth values from 13 bytes a level.
fn nested_binary(depth: usize, shared: bool) -> Vec<u8> {
    let mut out = b"bplist00".to_vec();
    let mut offsets = Vec::new();
    // Object 0: { "Bomb": object 2 }; object 1: the key; objects 2.. the arrays.
    offsets.push(out.len());
    out.push(0xD1);
    out.extend(1u32.to_be_bytes());
    out.extend(2u32.to_be_bytes());
    offsets.push(out.len());
    out.extend(b"\x54Bomb");
    for level in 0..depth {
        offsets.push(out.len());
        let next = u32::try_from(level + 3).unwrap();
        match (level + 1 == depth, shared) {
            (true, _) => out.push(0xA0),
            (false, false) => {
                out.push(0xA1);
                out.extend(next.to_be_bytes());
            }
            (false, true) => {
                out.push(0xA2);
                out.extend(next.to_be_bytes());
                out.extend(next.to_be_bytes());
            }
        }
    }
    let table = out.len() as u64;
    for &o in &offsets {
        out.extend(u32::try_from(o).unwrap().to_be_bytes());
    }
    out.extend([0; 6]);
    out.extend([4, 4]);
    out.extend((offsets.len() as u64).to_be_bytes());
    out.extend(0u64.to_be_bytes());
    out.extend(table.to_be_bytes());
    out
}

/// Levels in the bombs: 1.6 MB of XML, 1.8 MB of binary plist.
const BOMB_LEVELS: usize = 200_000;

/// Puts a nested bomb inside the iTunesMetadata of the first app of Info.plist.
fn bomb_in_itunes_metadata(dir: &Path) {
    let path = dir.join("Info.plist");
    let mut plist = Plist::from_file(&path).unwrap();
    let apps = plist.as_dictionary_mut().unwrap()["Applications"]
        .as_dictionary_mut()
        .unwrap();
    let first = apps.keys().next().unwrap().clone();
    apps[&first].as_dictionary_mut().unwrap().insert(
        "iTunesMetadata".into(),
        Plist::Data(nested_binary(BOMB_LEVELS, false)),
    );
    plist.to_file_xml(&path).unwrap();
}

/// Each beside the good backups of the sample set, which must still be reported.
fn bombs() -> Vec<Case> {
    use Outcome::*;
    use Target::*;
    vec![
        Case {
            name: "Info.plist nested 200,000 levels (XML)",
            target: Plain,
            damage: |d| write(&d.join("Info.plist"), &nested_xml(BOMB_LEVELS)),
            outcome: Warns {
                says: "Info.plist is not a readable property list: it nests deeper than 512 levels",
            },
        },
        Case {
            name: "Info.plist nested 200,000 levels (binary)",
            target: Plain,
            damage: |d| write(&d.join("Info.plist"), &nested_binary(BOMB_LEVELS, false)),
            outcome: Warns {
                says: "Info.plist is not a readable property list: it nests deeper than 512 levels",
            },
        },
        Case {
            name: "Info.plist whose shared arrays expand to 2^40 values",
            target: Plain,
            damage: |d| write(&d.join("Info.plist"), &nested_binary(40, true)),
            outcome: Warns {
                says: "expands to more values than its",
            },
        },
        Case {
            name: "Manifest.plist nested 200,000 levels (plain backup)",
            target: Plain,
            damage: |d| {
                write(
                    &d.join("Manifest.plist"),
                    &nested_binary(BOMB_LEVELS, false),
                )
            },
            outcome: Warns {
                says: "Manifest.plist is not a readable property list: it nests deeper",
            },
        },
        Case {
            name: "Manifest.plist nested 200,000 levels (encrypted backup)",
            target: Encrypted,
            damage: |d| write(&d.join("Manifest.plist"), &nested_xml(BOMB_LEVELS)),
            outcome: Fails {
                file: "Manifest.plist",
                says: "nests deeper than 512 levels",
            },
        },
        Case {
            name: "Status.plist nested 200,000 levels",
            target: Plain,
            damage: |d| write(&d.join("Status.plist"), &nested_binary(BOMB_LEVELS, false)),
            outcome: Warns {
                says: "Status.plist is not a readable property list: it nests deeper",
            },
        },
        Case {
            name: "Status.plist nested 200,000 levels (iOS 9)",
            target: Mbdb,
            damage: |d| write(&d.join("Status.plist"), &nested_xml(BOMB_LEVELS)),
            outcome: Warns {
                says: "Status.plist is not a readable property list: it nests deeper",
            },
        },
        Case {
            name: "an MBFile row nested 200,000 levels",
            target: Plain,
            damage: |d| edit_first_mbfile(d, |_| nested_binary(BOMB_LEVELS, false)),
            outcome: Warns {
                says: "1 manifest rows could not be decoded",
            },
        },
        Case {
            name: "an MBFile row whose shared arrays expand to 2^40 values",
            target: Plain,
            damage: |d| edit_first_mbfile(d, |_| nested_binary(40, true)),
            outcome: Warns {
                says: "1 manifest rows could not be decoded",
            },
        },
        Case {
            name: "an app's iTunesMetadata nested 200,000 levels",
            target: Plain,
            damage: bomb_in_itunes_metadata,
            outcome: Reads,
        },
    ]
}

fn cases() -> Vec<Case> {
    let mut cases = damages();
    cases.extend(special_files());
    cases.extend(bombs());
    // Windows has no modes that lock the owner out, no FIFOs and no device files: those cases are Unix's.
    #[cfg(not(unix))]
    cases.retain(|c| !UNIX_ONLY.iter().any(|marker| c.name.contains(marker)));
    cases
}

/// What the names of the Unix-only cases say.
#[cfg(not(unix))]
const UNIX_ONLY: &[&str] = &["nobody may read", "FIFO", "/dev/zero", "a device"];

/// Rewrites the `Files` table of a backup's Manifest.db (the test's own copy) so that its root and 18 more
/// interior pages each point three times at the next, the last at a real leaf: a sound file to every check
/// SQLite makes on a page, but 3^19 paths to walk in a scan. Both readers must give up quickly.
fn shared_interior_pages(dir: &Path) {
    let db = dir.join("Manifest.db");
    // Small pages give the table enough leaves to turn into the chain.
    sql(
        dir,
        "PRAGMA journal_mode=DELETE; PRAGMA page_size=512; VACUUM;",
    );
    let (root, page): (u32, usize) = {
        let conn = Connection::open(&db).unwrap();
        let root = conn
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = 'Files'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let page: i64 = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        (root, page as usize)
    };
    let mut bytes = std::fs::read(&db).unwrap();
    let at = |n: u32| (n as usize - 1) * page;
    // The table's leaves, in order, from its interior pages.
    let mut leaves = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        let p = &bytes[at(n)..at(n) + page];
        match p[0] {
            0x0D => leaves.push(n),
            0x05 => {
                let cells = u16::from_be_bytes([p[3], p[4]]) as usize;
                stack.push(u32::from_be_bytes(p[8..12].try_into().unwrap()));
                for i in (0..cells).rev() {
                    let c = u16::from_be_bytes([p[12 + 2 * i], p[13 + 2 * i]]) as usize;
                    stack.push(u32::from_be_bytes(p[c..c + 4].try_into().unwrap()));
                }
            }
            kind => panic!("page {n} of Files is of kind {kind:#x}"),
        }
    }
    assert!(leaves.len() > 20, "{} leaves", leaves.len());
    let mut chain = vec![root];
    chain.extend(&leaves[1..19]);
    chain.push(leaves[0]);
    for pair in chain.windows(2) {
        let (this, next) = (pair[0], pair[1]);
        let mut p = vec![0u8; page];
        let start = page - 3 * 5;
        p[0] = 0x05;
        p[3..5].copy_from_slice(&3u16.to_be_bytes());
        p[5..7].copy_from_slice(&(start as u16).to_be_bytes());
        p[8..12].copy_from_slice(&next.to_be_bytes());
        for i in 0..3 {
            let cell = start + 5 * i;
            p[12 + 2 * i..14 + 2 * i].copy_from_slice(&(cell as u16).to_be_bytes());
            p[cell..cell + 4].copy_from_slice(&next.to_be_bytes());
            p[cell + 4] = 0x7F; // the largest rowid to its left, one byte
        }
        // Page 1 starts with the 100-byte file header; the table's root never is page 1.
        bytes[at(this)..at(this) + page].copy_from_slice(&p);
    }
    write(&db, &bytes);
}

/// Replaces a backup file with a folder.
fn folder_instead(path: &Path) {
    std::fs::remove_file(path).unwrap();
    std::fs::create_dir(path).unwrap();
}

/// Replaces a backup file with a FIFO nobody writes to: opening it for reading would wait for ever.
fn fifo_instead(path: &Path) {
    std::fs::remove_file(path).unwrap();
    // mkfifo(1): rustix has no mknodat on Apple targets, and Windows has no FIFOs (the cases are Unix's).
    let made = std::process::Command::new("mkfifo").arg(path).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", path.display());
}

/// Replaces a backup file with a symlink to a device that reads without end.
fn device_instead(path: &Path) {
    std::fs::remove_file(path).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/dev/zero", path).unwrap();
}

/// Folders, FIFOs and devices where a backup file should be: each named for what it is, none opened.
fn special_files() -> Vec<Case> {
    use Outcome::*;
    use Target::*;
    vec![
        Case {
            name: "Manifest.db is a folder",
            target: Plain,
            damage: |d| folder_instead(&d.join("Manifest.db")),
            outcome: Fails {
                file: "Manifest.db",
                says: "is a folder, not a file",
            },
        },
        Case {
            name: "Manifest.db is a symlink to /dev/zero",
            target: Plain,
            damage: |d| device_instead(&d.join("Manifest.db")),
            outcome: Fails {
                file: "Manifest.db",
                says: "is a device, not a file",
            },
        },
        Case {
            name: "Manifest.db is a FIFO",
            target: Plain,
            damage: |d| fifo_instead(&d.join("Manifest.db")),
            outcome: Fails {
                file: "Manifest.db",
                says: "is a FIFO (named pipe), not a file",
            },
        },
        Case {
            name: "Manifest.db is a FIFO (encrypted)",
            target: Encrypted,
            damage: |d| fifo_instead(&d.join("Manifest.db")),
            outcome: Fails {
                file: "Manifest.db",
                says: "is a FIFO (named pipe), not a file",
            },
        },
        Case {
            name: "Manifest.mbdb is a folder",
            target: Mbdb,
            damage: |d| folder_instead(&d.join("Manifest.mbdb")),
            outcome: Fails {
                file: "Manifest.mbdb",
                says: "is a folder, not a file",
            },
        },
        Case {
            name: "Manifest.mbdb is a FIFO",
            target: Mbdb,
            damage: |d| fifo_instead(&d.join("Manifest.mbdb")),
            outcome: Fails {
                file: "Manifest.mbdb",
                says: "is a FIFO (named pipe), not a file",
            },
        },
        Case {
            name: "Manifest.plist is a symlink to /dev/zero (encrypted)",
            target: Encrypted,
            damage: |d| device_instead(&d.join("Manifest.plist")),
            outcome: Fails {
                file: "Manifest.plist",
                says: "is a device, not a file",
            },
        },
        Case {
            name: "Info.plist is a folder",
            target: Plain,
            damage: |d| folder_instead(&d.join("Info.plist")),
            outcome: Warns {
                says: "Info.plist is a folder, not a file",
            },
        },
        Case {
            name: "Status.plist is a FIFO",
            target: Plain,
            damage: |d| fifo_instead(&d.join("Status.plist")),
            outcome: Warns {
                says: "Status.plist is a FIFO (named pipe), not a file",
            },
        },
    ]
}

fn damages() -> Vec<Case> {
    use Outcome::*;
    use Target::*;
    vec![
        // Manifest.db
        Case {
            name: "Manifest.db is 0 bytes",
            target: Plain,
            damage: |d| write(&d.join("Manifest.db"), b""),
            outcome: Fails {
                file: "Manifest.db",
                says: "0 bytes",
            },
        },
        Case {
            name: "Manifest.db cut to 3000 bytes",
            target: Plain,
            damage: |d| truncate(&d.join("Manifest.db"), 3000),
            outcome: Fails {
                file: "Manifest.db",
                says: "is damaged",
            },
        },
        Case {
            name: "Manifest.db cut in half",
            target: Plain,
            damage: |d| half(&d.join("Manifest.db")),
            outcome: Fails {
                file: "Manifest.db",
                says: "is damaged",
            },
        },
        Case {
            name: "Manifest.db is not SQLite",
            target: Plain,
            damage: |d| write(&d.join("Manifest.db"), &[0x8a; 8192]),
            outcome: Fails {
                file: "Manifest.db",
                says: "not a SQLite database",
            },
        },
        Case {
            name: "Manifest.db has another schema",
            target: Plain,
            damage: |d| {
                write(&d.join("Manifest.db"), b"");
                std::fs::remove_file(d.join("Manifest.db")).unwrap();
                Connection::open(d.join("Manifest.db"))
                    .unwrap()
                    .execute_batch("CREATE TABLE Other (x);")
                    .unwrap();
            },
            outcome: Fails {
                file: "Manifest.db",
                says: "no Files table",
            },
        },
        Case {
            name: "Manifest.db whose interior pages point three times at the next (3^19 paths)",
            target: Plain,
            damage: shared_interior_pages,
            outcome: Fails {
                file: "Manifest.db",
                says: "reading it does not end",
            },
        },
        Case {
            name: "an MBFile blob cut short",
            target: Plain,
            damage: |d| {
                edit_first_mbfile(d, |a| {
                    let b = binary(a);
                    b[..b.len() / 2].to_vec()
                })
            },
            outcome: Warns {
                says: "could not be decoded",
            },
        },
        Case {
            name: "an MBFile blob that is not an archive",
            target: Plain,
            damage: |d| {
                edit_first_mbfile(d, |_| {
                    binary(&Plist::Dictionary(
                        [("a".to_string(), Plist::Integer(1.into()))]
                            .into_iter()
                            .collect(),
                    ))
                })
            },
            outcome: Warns {
                says: "could not be decoded",
            },
        },
        Case {
            name: "an MBFile with a negative Size",
            target: Plain,
            damage: |d| edit_first_mbfile(d, |a| set_size(a, Plist::Integer((-5i64).into()))),
            outcome: Warns {
                says: "could not be decoded",
            },
        },
        Case {
            name: "an MBFile with an absurd Size",
            target: Plain,
            damage: |d| {
                edit_first_mbfile(d, |a| {
                    set_size(a, Plist::Integer(4_000_000_000_000_000_000u64.into()))
                })
            },
            outcome: Warns {
                says: "could not be decoded",
            },
        },
        Case {
            name: "an MBFile whose root points past $objects",
            target: Plain,
            damage: |d| {
                edit_first_mbfile(d, |a| {
                    a.as_dictionary_mut().unwrap()["$top"]
                        .as_dictionary_mut()
                        .unwrap()
                        .insert("root".into(), Plist::Uid(plist::Uid::new(999)));
                    binary(a)
                })
            },
            outcome: Warns {
                says: "could not be decoded",
            },
        },
        Case {
            name: "an MBFile with a UID cycle",
            target: Plain,
            damage: |d| {
                edit_first_mbfile(d, |a| {
                    let objects = a.as_dictionary_mut().unwrap()["$objects"]
                        .as_array_mut()
                        .unwrap();
                    let n = objects.len() as u64;
                    objects.push(Plist::Uid(plist::Uid::new(n + 1)));
                    objects.push(Plist::Uid(plist::Uid::new(n)));
                    set_size(a, Plist::Uid(plist::Uid::new(n)))
                })
            },
            outcome: Warns {
                says: "could not be decoded",
            },
        },
        Case {
            name: "a fileID that is not hex",
            target: Plain,
            damage: |d| {
                sql(d, "UPDATE Files SET fileID = 'zz' || substr(fileID, 3) WHERE rowid = (SELECT min(rowid) FROM Files WHERE flags = 1);")
            },
            outcome: Warns { says: "" },
        },
        Case {
            name: "a fileID that climbs out with ../",
            target: Plain,
            damage: |d| {
                sql(d, "UPDATE Files SET fileID = '../../../../etc/passwd' WHERE rowid = (SELECT min(rowid) FROM Files WHERE flags = 1);")
            },
            outcome: Warns { says: "" },
        },
        Case {
            name: "rows with flags 16 and no domain",
            target: Plain,
            damage: |d| {
                sql(d, "INSERT INTO Files VALUES ('ffffffffffffffffffffffffffffffffffffffff', '', '', 16, NULL);")
            },
            outcome: Warns { says: "" },
        },
        Case {
            name: "a Manifest.db-wal left beside it",
            target: Plain,
            damage: |d| write(&d.join("Manifest.db-wal"), &[0u8; 4096]),
            outcome: Warns {
                says: "Manifest.db-wal holds 4096 bytes",
            },
        },
        Case {
            name: "a Snapshot folder left over",
            target: Plain,
            damage: |d| std::fs::create_dir_all(d.join("Snapshot/00")).unwrap(),
            outcome: Warns {
                says: "Snapshot folder",
            },
        },
        // Permissions (the run is as a user without special permissions)
        Case {
            name: "Manifest.db nobody may read",
            target: Plain,
            damage: |d| chmod(&d.join("Manifest.db"), 0o000),
            outcome: Fails {
                file: "Manifest.db",
                says: "permission denied",
            },
        },
        Case {
            name: "a shard folder nobody may read",
            target: Plain,
            damage: |d| chmod(&first_shard(d), 0o000),
            outcome: Warns {
                says: "permission denied",
            },
        },
        Case {
            name: "the backup folder nobody may read",
            target: Plain,
            damage: |d| chmod(d, 0o000),
            outcome: Fails {
                file: "",
                says: "permission denied",
            },
        },
        Case {
            name: "Manifest.plist nobody may read (encrypted)",
            target: Encrypted,
            damage: |d| chmod(&d.join("Manifest.plist"), 0o000),
            outcome: Fails {
                file: "Manifest.plist",
                says: "permission denied",
            },
        },
        // The plists
        Case {
            name: "Info.plist is empty",
            target: Plain,
            damage: |d| write(&d.join("Info.plist"), b""),
            outcome: Warns { says: "Info.plist" },
        },
        Case {
            name: "Info.plist cut in half",
            target: Plain,
            damage: |d| half(&d.join("Info.plist")),
            outcome: Warns { says: "Info.plist" },
        },
        Case {
            name: "Info.plist is an array",
            target: Plain,
            damage: |d| plist_of(&d.join("Info.plist"), Plist::Array(vec![])),
            outcome: Warns { says: "Info.plist" },
        },
        Case {
            name: "Manifest.plist is missing",
            target: Plain,
            damage: |d| std::fs::remove_file(d.join("Manifest.plist")).unwrap(),
            outcome: Warns {
                says: "Manifest.plist",
            },
        },
        Case {
            name: "Manifest.plist is empty",
            target: Plain,
            damage: |d| write(&d.join("Manifest.plist"), b""),
            outcome: Warns {
                says: "Manifest.plist",
            },
        },
        Case {
            name: "Manifest.plist is a string",
            target: Plain,
            damage: |d| plist_of(&d.join("Manifest.plist"), Plist::String("x".into())),
            outcome: Warns {
                says: "Manifest.plist",
            },
        },
        Case {
            name: "Status.plist cut in half",
            target: Plain,
            damage: |d| half(&d.join("Status.plist")),
            outcome: Warns {
                says: "Status.plist",
            },
        },
        Case {
            name: "Status.plist is missing",
            target: Plain,
            damage: |d| std::fs::remove_file(d.join("Status.plist")).unwrap(),
            outcome: Warns {
                says: "Status.plist",
            },
        },
        // Encrypted
        Case {
            name: "a wrong password (the keybag's salt changed)",
            target: Encrypted,
            damage: |d| {
                edit_keybag(d, |bag| {
                    for (at, _) in tags(bag, b"SALT") {
                        bag[at] ^= 1;
                    }
                })
            },
            outcome: Fails {
                file: "Sam's iPhone",
                says: "wrong password",
            },
        },
        Case {
            name: "a keybag asking for 4 billion rounds",
            target: Encrypted,
            damage: |d| {
                edit_keybag(d, |bag| {
                    for (at, _) in tags(bag, b"DPIC") {
                        bag[at..at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
                    }
                })
            },
            outcome: Fails {
                file: "Manifest.plist",
                says: "rounds",
            },
        },
        Case {
            name: "a keybag without its class keys",
            target: Encrypted,
            damage: |d| {
                edit_keybag(d, |bag| {
                    let first = tags(bag, b"UUID").get(1).map(|&(at, _)| at - 8).unwrap();
                    bag.truncate(first);
                })
            },
            outcome: Fails {
                file: "Manifest.plist",
                says: "class",
            },
        },
        Case {
            name: "a wrapped key of the wrong length",
            target: Encrypted,
            damage: |d| {
                edit_keybag(d, |bag| {
                    let (at, len) = tags(bag, b"WPKY")[0];
                    bag.drain(at + len - 8..at + len);
                    let l = (len - 8) as u32;
                    bag[at - 4..at].copy_from_slice(&l.to_be_bytes());
                })
            },
            outcome: Fails {
                file: "Manifest.plist",
                says: "",
            },
        },
        Case {
            name: "a ManifestKey of the wrong length",
            target: Encrypted,
            damage: |d| {
                let path = d.join("Manifest.plist");
                let mut p = Plist::from_file(&path).unwrap();
                p.as_dictionary_mut()
                    .unwrap()
                    .insert("ManifestKey".into(), Plist::Data(vec![4, 0, 0, 0, 1, 2, 3]));
                p.to_file_binary(&path).unwrap();
            },
            outcome: Fails {
                file: "Manifest.plist",
                says: "",
            },
        },
        Case {
            name: "an encrypted Manifest.db cut short",
            target: Encrypted,
            damage: |d| truncate(&d.join("Manifest.db"), 4099),
            outcome: Fails {
                file: "Manifest.db",
                says: "",
            },
        },
        // iOS 4–9
        Case {
            name: "Manifest.mbdb cut mid-record",
            target: Mbdb,
            damage: |d| half(&d.join("Manifest.mbdb")),
            outcome: Fails {
                file: "Manifest.mbdb",
                says: "truncated",
            },
        },
        Case {
            name: "Manifest.mbdb with a string running past the end",
            target: Mbdb,
            damage: |d| {
                let p = d.join("Manifest.mbdb");
                let mut b = std::fs::read(&p).unwrap();
                b[6] = 0x7F;
                b[7] = 0xFF;
                b.truncate(200);
                write(&p, &b)
            },
            outcome: Fails {
                file: "Manifest.mbdb",
                says: "truncated",
            },
        },
        Case {
            name: "Manifest.mbdb is 0 bytes",
            target: Mbdb,
            damage: |d| write(&d.join("Manifest.mbdb"), b""),
            outcome: Fails {
                file: "Manifest.mbdb",
                says: "is 0 bytes: the last backup did not finish writing it",
            },
        },
        Case {
            name: "Manifest.mbdb has another header",
            target: Mbdb,
            damage: |d| {
                let p = d.join("Manifest.mbdb");
                let mut b = std::fs::read(&p).unwrap();
                b[..4].copy_from_slice(b"mbdx");
                write(&p, &b)
            },
            outcome: Fails {
                file: "Manifest.mbdb",
                says: "header",
            },
        },
    ]
}

#[test]
fn nesting_bombs_end_cleanly_on_the_default_stack() {
    common::run_cases(&bombs(), |case| case.name, run_on_default_stack);
}

/// `list` reads the same plists: a folder of bombs is listed, each damaged backup with its warning.
#[test]
fn list_survives_a_folder_of_bombs() {
    let (tmp, record) = sample();
    let backups = tmp.path().join("Backup");
    let plain = backups.join(target_id(Target::Plain, &record));
    write(&plain.join("Info.plist"), &nested_xml(BOMB_LEVELS));
    write(&plain.join("Status.plist"), &nested_binary(40, true));
    let encrypted = backups.join(target_id(Target::Encrypted, &record));
    write(
        &encrypted.join("Info.plist"),
        &nested_binary(BOMB_LEVELS, false),
    );
    for stack in [None, Some(SMALL_STACK)] {
        let (doc, output) = corpus_run("list of bombs", "list", tmp.path(), &[], stack);
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        let listed = doc["backups"].as_array().unwrap();
        assert_eq!(listed.len(), record.backups.len());
        let warnings = find(&doc, &target_id(Target::Plain, &record))["warnings"].to_string();
        assert!(warnings.contains("nests deeper than 512"), "{warnings}");
        assert!(warnings.contains("expands to more values"), "{warnings}");
    }
}

#[test]
fn every_damaged_backup_ends_cleanly() {
    let cases = cases();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    common::run_cases(&cases, |case| case.name, run);
}
