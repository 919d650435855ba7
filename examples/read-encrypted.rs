//! Reads every row of an encrypted backup's Manifest.db, decrypted page by page (what cloudfit does) or as a
//! whole decrypted copy in memory (the old way), and says how long each step took: the numbers behind
//! `benches/unlock.sh`. Run it under `/usr/bin/time -v` for the peak memory of either way.
//!
//! `cargo run --release --features reference --example read-encrypted -- BACKUP_FOLDER PASSWORD_FILE [--whole-copy] [--repeat N]
//! [--unlock-only]`

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use cloudfit::read::{crypto, manifest_db, plists};

const USAGE: &str =
    "usage: read-encrypted BACKUP_FOLDER PASSWORD_FILE [--whole-copy] [--repeat N] [--unlock-only]
  --whole-copy  decrypt all of Manifest.db into memory first, instead of page by page
  --repeat N    open and read the rows N times after one unlock (default 1)
  --unlock-only derive the keys and stop (the key derivation alone, to compare with OpenSSL)";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("read-encrypted: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (mut folder, mut password_file) = (None, None);
    let (mut whole_copy, mut repeat, mut unlock_only) = (false, 1u32, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--whole-copy" => whole_copy = true,
            "--unlock-only" => unlock_only = true,
            "--repeat" => {
                repeat = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|&n| n > 0)
                    .ok_or("--repeat needs a whole number above 0")?
            }
            "-h" | "--help" => return Err(USAGE.into()),
            _ if folder.is_none() => folder = Some(PathBuf::from(arg)),
            _ if password_file.is_none() => password_file = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected {arg:?}\n{USAGE}")),
        }
    }
    let (Some(folder), Some(password_file)) = (folder, password_file) else {
        return Err(USAGE.into());
    };
    let password = std::fs::read_to_string(&password_file)
        .map_err(|e| format!("{}: {e}", password_file.display()))?;
    let password = password.trim_end_matches(['\r', '\n']);

    let started = Instant::now();
    let info = plists::read_device_info(&folder).map_err(|e| e.to_string())?;
    let bag = info
        .keybag
        .as_deref()
        .ok_or("Manifest.plist has no BackupKeyBag")?;
    let bag = crypto::Keybag::parse(bag).map_err(|e| e.to_string())?;
    let derived = crypto::passcode_key(&bag, password.as_bytes()).map_err(|e| e.to_string())?;
    let class_keys = crypto::unwrap_class_keys(&bag, &derived).map_err(|e| e.to_string())?;
    let blob = info
        .manifest_key
        .as_deref()
        .ok_or("Manifest.plist has no ManifestKey")?;
    let key = crypto::manifest_key(blob, &class_keys).map_err(|e| e.to_string())?;
    println!("unlock: {:.3} s", started.elapsed().as_secs_f64());
    if unlock_only {
        return Ok(());
    }

    let db = folder.join("Manifest.db");
    let how = if whole_copy {
        "whole copy"
    } else {
        "page by page"
    };
    for _ in 0..repeat {
        let started = Instant::now();
        let conn = if whole_copy {
            manifest_db::open_encrypted_in_memory(&db, &key)
        } else {
            manifest_db::open_encrypted(&db, &key)
        }
        .map_err(|e| e.to_string())?;
        let opened = started.elapsed().as_secs_f64();
        let mut bytes = 0u64;
        let rows = manifest_db::for_each_row_in(&conn, &db, &manifest_db::Rows::All, |row| {
            bytes += row.blob.len() as u64
        })
        .map_err(|e| e.to_string())?;
        let total = started.elapsed().as_secs_f64();
        println!("{how}: open {opened:.3} s, open + {rows} rows ({bytes} blob bytes) {total:.3} s");
    }
    Ok(())
}
