//! Plans and writes the data files: shard files for manifest rows, orphans, and `Snapshot/` leftovers.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::catalog::{hex_id, Catalog};
use super::crypto::{encrypt_cbc, Keys};
use super::padded_len;
use super::record::Counts;
use super::rng::Rng;
use super::{BackupSpec, Format};

/// Encrypted data files get real ciphertext up to this length and a hole after it: files
/// this small decrypt in full, longer ones have a correct first 4 KiB, and nothing writes
/// gigabytes at scale. Orphans and `Snapshot/` leftovers get random bytes instead.
const CIPHERTEXT_HEAD: u64 = 4_096;

/// A file written outside the manifest's own data files, relative to the backup folder.
#[derive(Debug, Clone)]
pub(crate) struct Extra {
    pub rel: String,
    pub len: u64,
}

/// What goes to disk besides Manifest.db and the plists, decided before anything is written.
#[derive(Debug, Clone, Default)]
pub(crate) struct Plan {
    /// Indices into `Catalog::entries` of regular files whose data file is left out.
    pub missing: BTreeSet<usize>,
    pub orphans: Vec<Extra>,
    pub snapshot: Vec<Extra>,
}

impl Plan {
    pub(crate) fn missing_counts(&self, cat: &Catalog) -> Counts {
        Counts {
            files: self.missing.len() as u64,
            bytes: self.missing.iter().map(|&i| cat.entries[i].size()).sum(),
        }
    }

    pub(crate) fn orphan_counts(&self) -> Counts {
        Counts {
            files: self.orphans.len() as u64,
            bytes: self.orphans.iter().map(|o| o.len).sum(),
        }
    }
}

/// The length a row's data file has on disk: its `Size`, or the CBC-padded length when encrypted.
pub(crate) fn disk_len(size: u64, encrypted: bool) -> u64 {
    if encrypted {
        padded_len(size)
    } else {
        size
    }
}

pub(crate) fn plan(cat: &Catalog, spec: &BackupSpec) -> io::Result<Plan> {
    let mut rng = Rng::derive(spec.seed, 4);
    let candidates: Vec<usize> = cat
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.size() > 0)
        .map(|(i, _)| i)
        .collect();
    if spec.missing + spec.orphans > candidates.len() as u64 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "asked for {} missing and {} orphan files but the catalog has only {} non-empty files",
                spec.missing,
                spec.orphans,
                candidates.len()
            ),
        ));
    }
    // Partial Fisher-Yates: distinct picks, the first `missing` go missing, the next ones
    // lend their fileIDs to `.upload` temporaries.
    let mut pool = candidates;
    let picks = (spec.missing + spec.orphans) as usize;
    for i in 0..picks {
        let j = i + rng.below((pool.len() - i) as u64) as usize;
        pool.swap(i, j);
    }
    let mut plan = Plan {
        missing: pool[..spec.missing as usize].iter().copied().collect(),
        ..Plan::default()
    };
    let uploads = &pool[spec.missing as usize..picks];

    for (k, &upload_of) in uploads.iter().enumerate() {
        let extra = if k % 2 == 0 {
            // A data file for a row that is not there: a plain 40-hex name.
            let id = rng.hex(40, false);
            let len = 1 + rng.below(spec.avg_file_size.max(1) * 2);
            Extra {
                rel: spec.format.data_rel(&id),
                len: disk_len(len, spec.encrypted),
            }
        } else {
            // A half-uploaded temporary beside a real row's data file.
            let e = &cat.entries[upload_of];
            let id = hex_id(&e.file_id);
            Extra {
                rel: spec.format.data_rel(&format!("{id}.upload")),
                len: disk_len((e.size() / 2).max(1), spec.encrypted),
            }
        };
        plan.orphans.push(extra);
    }

    if spec.snapshot_dir {
        // The aborted backup's staging area holds the files that never reached their shard:
        // the first missing rows, then made-up ids.
        let mut staged: Vec<(String, u64)> = plan
            .missing
            .iter()
            .take(2)
            .map(|&i| {
                let e = &cat.entries[i];
                (hex_id(&e.file_id), e.size())
            })
            .collect();
        while staged.len() < 2 {
            staged.push((rng.hex(40, false), 1 + rng.below(spec.avg_file_size.max(1))));
        }
        plan.snapshot = staged
            .into_iter()
            .map(|(id, size)| Extra {
                rel: format!("Snapshot/{}", spec.format.data_rel(&id)),
                len: disk_len(size, spec.encrypted),
            })
            .collect();
    }
    Ok(plan)
}

/// Creates one file of `len` bytes: `head`, then a hole (no disk used at any size).
fn make_file(path: &Path, len: u64, head: &[u8]) -> io::Result<()> {
    let mut f = File::create(path)?;
    f.write_all(&head[..head.len().min(len as usize)])?;
    if len > 0 {
        f.set_len(len)?;
    }
    Ok(())
}

/// The start of an encrypted data file whose plaintext is `size` zero bytes (what the plain
/// backup's sparse file holds): the whole AES-CBC ciphertext when it fits in
/// [`CIPHERTEXT_HEAD`], else its first `CIPHERTEXT_HEAD` bytes (a CBC prefix is valid on its own).
fn ciphertext_head(
    keys: &Keys,
    file_id: &[u8; 20],
    size: u64,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    out.clear();
    let whole = padded_len(size) <= CIPHERTEXT_HEAD;
    let plain = if whole { size } else { CIPHERTEXT_HEAD };
    encrypt_cbc(&keys.file_key(file_id), &mut io::repeat(0).take(plain), out)?;
    out.truncate(CIPHERTEXT_HEAD as usize);
    Ok(())
}

fn with_path<T>(path: &Path, r: io::Result<T>) -> io::Result<T> {
    r.map_err(|e| io::Error::new(e.kind(), format!("writing {}: {e}", path.display())))
}

/// Writes every present row's data file at `<fileID[0:2]>/<fileID>`, or flat at `<fileID>`
/// for an mbdb backup.
pub(crate) fn write_data(
    folder: &Path,
    cat: &Catalog,
    plan: &Plan,
    spec: &BackupSpec,
    keys: Option<&Keys>,
) -> io::Result<()> {
    let mut head = Vec::with_capacity(CIPHERTEXT_HEAD as usize + 16);
    let mut made: [bool; 256] = [false; 256];
    let mut path = PathBuf::from(folder);
    for (i, e) in cat.entries.iter().enumerate() {
        if !e.is_file() || plan.missing.contains(&i) {
            continue;
        }
        let id = hex_id(&e.file_id);
        let sharded = spec.format == Format::ManifestDb;
        if sharded {
            let shard = usize::from(e.file_id[0]);
            path.push(&id[..2]);
            if !made[shard] {
                // Only shards that hold something: git (where the sample lives) drops empty folders.
                with_path(&path, fs::create_dir_all(&path))?;
                made[shard] = true;
            }
        }
        path.push(&id);
        head.clear();
        if let Some(keys) = keys {
            ciphertext_head(keys, &e.file_id, e.size(), &mut head)?;
        }
        with_path(
            &path,
            make_file(&path, disk_len(e.size(), spec.encrypted), &head),
        )?;
        path.pop();
        if sharded {
            path.pop();
        }
    }
    Ok(())
}

/// Writes the orphans and the `Snapshot/` files.
pub(crate) fn write_extras(folder: &Path, plan: &Plan, spec: &BackupSpec) -> io::Result<()> {
    let mut rng = Rng::derive(spec.seed, 5);
    let mut head = [0u8; CIPHERTEXT_HEAD as usize];
    for x in plan.orphans.iter().chain(&plan.snapshot) {
        let path = folder.join(&x.rel);
        if let Some(dir) = path.parent() {
            with_path(dir, fs::create_dir_all(dir))?;
        }
        // No row names these, so no key exists for them: random bytes that look the part.
        let n = if spec.encrypted {
            x.len.min(CIPHERTEXT_HEAD) as usize
        } else {
            0
        };
        rng.fill(&mut head[..n]);
        with_path(&path, make_file(&path, x.len, &head[..n]))?;
    }
    Ok(())
}
