//! Writes a synthetic iOS backup (or the committed sample set) plus `expected.json`, its record.
//!
//! `cargo run --release -p cloudfit-synth --bin make-backup -- OUT [--files N] [--scale BYTES] [--seed S]
//! [--encrypted PASSWORD [--dpic N] [--iter N]] [--mbdb] [--sample]
//! [--extracted domains|device-paths [--hard-links]] [--extracted-samples] [--pair]`

use std::fs;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use cloudfit_synth::{
    earlier_copy, write_backup, write_extracted, write_extracted_samples, write_sample_set,
    BackupSpec, ExtractedLayout, Format, SampleSet, DEVICE_DPIC, DEVICE_ITER,
};

const USAGE: &str = "usage: make-backup OUT [--files N] [--scale BYTES_PER_FILE_AVG] [--seed S]
                   [--encrypted PASSWORD [--dpic N] [--iter N]] [--mbdb] [--sample]
                   [--extracted domains|device-paths [--hard-links]] [--extracted-samples]
                   [--pair]

Writes one synthetic backup under OUT (or, with --sample, the committed sample set under
OUT/Backup) and its record as OUT/expected.json.
  --files N     regular files in the manifest (default 1000; at least the ~160 fixed ones)
  --scale B     average file size in bytes (default 65536); data files are sparse
  --seed S      generator seed (default 1)
  --encrypted P write an encrypted backup with password P
  --dpic N      keybag DPIC, PBKDF2-SHA256 rounds (default 10000000, as on a device)
  --iter N      keybag ITER, PBKDF2-SHA1 rounds (default 10000, as on a device)
  --mbdb        write an iOS 4-9 backup: Manifest.mbdb, data files flat (plain only)
  --sample      write the fixed sample set instead; the other options do not apply
  --extracted L write the backup as an already-extracted tree OUT/<udid>-extracted-...:
                L = domains (<domain>/<relativePath>) or device-paths (private/var/...)
  --hard-links  with --extracted: add a few hard links (counted once)
  --extracted-samples
                write the committed extracted samples (OUT/extracted-domains/...,
                OUT/device-tree/...; no hard links); the other options do not apply
  --pair        also write an earlier copy of the backup (80 days before, 100 files
                deleted and 100 grown since), archived beside it, for diff";

struct Args {
    out: PathBuf,
    sample: bool,
    extracted: Option<ExtractedLayout>,
    extracted_samples: bool,
    pair: bool,
    spec: BackupSpec,
}

fn number(flag: &str, value: Option<String>) -> Result<u64, String> {
    let v = value.ok_or_else(|| format!("{flag} needs a value"))?;
    v.replace('_', "")
        .parse()
        .map_err(|_| format!("{flag}: {v:?} is not a whole number"))
}

fn count(flag: &str, value: Option<String>) -> Result<u32, String> {
    let n = number(flag, value)?;
    match u32::try_from(n) {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{flag}: {n} is not between 1 and {}", u32::MAX)),
    }
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut out = None;
    let mut sample = false;
    let mut extracted = None;
    let mut extracted_samples = false;
    let mut pair = false;
    let mut spec = BackupSpec::default();
    let (mut dpic, mut iter) = (None, None);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--files" => spec.files = number("--files", args.next())?,
            "--scale" => spec.avg_file_size = number("--scale", args.next())?,
            "--seed" => spec.seed = number("--seed", args.next())?,
            "--encrypted" => {
                let p = args.next().ok_or("--encrypted needs a password")?;
                if p.is_empty() {
                    return Err("--encrypted: the password is empty".into());
                }
                spec.encrypted = true;
                spec.password = Some(p);
            }
            "--dpic" => dpic = Some(count("--dpic", args.next())?),
            "--iter" => iter = Some(count("--iter", args.next())?),
            "--mbdb" => spec.format = Format::ManifestMbdb,
            "--sample" => sample = true,
            "--extracted" => {
                extracted = Some(match args.next().as_deref() {
                    Some("domains") => ExtractedLayout::Domains,
                    Some("device-paths") => ExtractedLayout::DevicePaths,
                    other => {
                        return Err(format!(
                            "--extracted needs domains or device-paths, not {other:?}"
                        ))
                    }
                })
            }
            "--hard-links" => spec.extracted_hard_links = true,
            "--extracted-samples" => extracted_samples = true,
            "--pair" => pair = true,
            "-h" | "--help" => return Err(String::new()),
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            s if out.is_none() => out = Some(PathBuf::from(s)),
            s => return Err(format!("unexpected argument {s}")),
        }
    }
    let out = out.ok_or("missing OUT")?;
    if !spec.encrypted && (dpic.is_some() || iter.is_some()) {
        return Err("--dpic and --iter need --encrypted".into());
    }
    if spec.encrypted && spec.format == Format::ManifestMbdb {
        return Err("--mbdb backups are written unencrypted only".into());
    }
    if extracted.is_some() && (spec.encrypted || spec.format == Format::ManifestMbdb) {
        return Err("--extracted trees are plain files: no --encrypted or --mbdb".into());
    }
    if spec.extracted_hard_links && extracted.is_none() {
        return Err("--hard-links needs --extracted".into());
    }
    spec.dpic = dpic.unwrap_or(DEVICE_DPIC);
    spec.iter = iter.unwrap_or(DEVICE_ITER);
    Ok(Args {
        out,
        sample,
        extracted,
        extracted_samples,
        pair,
        spec,
    })
}

fn run(args: &Args) -> io::Result<SampleSet> {
    fs::create_dir_all(&args.out)?;
    let started = Instant::now();
    let set = if args.sample {
        write_sample_set(&args.out)?
    } else if args.extracted_samples {
        write_extracted_samples(&args.out, false)?
    } else if let Some(layout) = args.extracted {
        let backup = write_extracted(&args.out, &args.spec, layout)?;
        SampleSet {
            backups: vec![backup],
            skipped: Vec::new(),
        }
    } else {
        let mut backups = vec![write_backup(&args.out, &args.spec)?];
        if args.pair {
            let at = args.spec.last_backup - 80 * 86_400;
            backups.push(write_backup(
                &args.out,
                &earlier_copy(&args.spec, at, 100, 100),
            )?);
        }
        SampleSet {
            backups,
            skipped: Vec::new(),
        }
    };
    let secs = started.elapsed().as_secs_f64();
    let mut json = serde_json::to_string_pretty(&set).map_err(io::Error::other)?;
    json.push('\n');
    fs::write(args.out.join("expected.json"), json)?;
    for b in &set.backups {
        let rows = b.files.map_or("?".to_owned(), |f| f.to_string());
        let encrypted = if b.encrypted { " (encrypted)" } else { "" };
        eprintln!(
            "{}{encrypted}: {rows} files, {} bytes on disk in {} files",
            b.id, b.disk_bytes, b.disk_files
        );
    }
    let files: u64 = set.backups.iter().map(|b| b.disk_files).sum();
    eprintln!(
        "wrote {files} files in {secs:.1} s ({:.0} files/s)",
        files as f64 / secs.max(1e-9)
    );
    Ok(set)
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        // An empty reason means --help: usage on stdout, success.
        Err(why) if why.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(why) => {
            let mut err = io::stderr().lock();
            let _ = writeln!(err, "make-backup: {why}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("make-backup: {}: {e}", args.out.display());
            ExitCode::FAILURE
        }
    }
}
