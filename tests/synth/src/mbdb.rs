//! Writes Manifest.mbdb, the manifest of iOS 4–9 backups: one binary record per catalog entry.
//!
//! Big-endian throughout. Header `mbdb\x05\x00`, then records to the end of the file. A
//! *string* is a u16 length and its bytes, `0xFFFF` for null. A record is Domain, Path,
//! LinkTarget, DataHash and EncryptionKey (strings), then Mode u16, Inode u64, UserID u32,
//! GroupID u32, LastModified, LastStatusChange and Birth (u32 each), Size u64,
//! ProtectionClass u8 and PropertyCount u8, then that many (name, value) string pairs.

use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use super::catalog::{file_id, Catalog, Kind};
use super::rng::Rng;

pub(crate) const HEADER: &[u8; 6] = b"mbdb\x05\x00";
pub(crate) const MODE_FILE: u16 = 0x81A4;
pub(crate) const MODE_DIR: u16 = 0x41ED;
pub(crate) const MODE_SYMLINK: u16 = 0xA1ED;
/// UserID and GroupID of every record: `mobile`.
const MOBILE: u32 = 501;

/// The decomposition of a precomposed Latin-1 letter: base letter and combining mark.
fn decompose(c: char) -> Option<(char, char)> {
    const GRAVE: char = '\u{300}';
    const ACUTE: char = '\u{301}';
    const CIRCUMFLEX: char = '\u{302}';
    const TILDE: char = '\u{303}';
    const DIAERESIS: char = '\u{308}';
    const RING: char = '\u{30A}';
    const CEDILLA: char = '\u{327}';
    let pair = match c {
        'À' => ('A', GRAVE),
        'Á' => ('A', ACUTE),
        'Â' => ('A', CIRCUMFLEX),
        'Ã' => ('A', TILDE),
        'Ä' => ('A', DIAERESIS),
        'Å' => ('A', RING),
        'Ç' => ('C', CEDILLA),
        'È' => ('E', GRAVE),
        'É' => ('E', ACUTE),
        'Ê' => ('E', CIRCUMFLEX),
        'Ë' => ('E', DIAERESIS),
        'Ì' => ('I', GRAVE),
        'Í' => ('I', ACUTE),
        'Î' => ('I', CIRCUMFLEX),
        'Ï' => ('I', DIAERESIS),
        'Ñ' => ('N', TILDE),
        'Ò' => ('O', GRAVE),
        'Ó' => ('O', ACUTE),
        'Ô' => ('O', CIRCUMFLEX),
        'Õ' => ('O', TILDE),
        'Ö' => ('O', DIAERESIS),
        'Ù' => ('U', GRAVE),
        'Ú' => ('U', ACUTE),
        'Û' => ('U', CIRCUMFLEX),
        'Ü' => ('U', DIAERESIS),
        'Ý' => ('Y', ACUTE),
        'à' => ('a', GRAVE),
        'á' => ('a', ACUTE),
        'â' => ('a', CIRCUMFLEX),
        'ã' => ('a', TILDE),
        'ä' => ('a', DIAERESIS),
        'å' => ('a', RING),
        'ç' => ('c', CEDILLA),
        'è' => ('e', GRAVE),
        'é' => ('e', ACUTE),
        'ê' => ('e', CIRCUMFLEX),
        'ë' => ('e', DIAERESIS),
        'ì' => ('i', GRAVE),
        'í' => ('i', ACUTE),
        'î' => ('i', CIRCUMFLEX),
        'ï' => ('i', DIAERESIS),
        'ñ' => ('n', TILDE),
        'ò' => ('o', GRAVE),
        'ó' => ('o', ACUTE),
        'ô' => ('o', CIRCUMFLEX),
        'õ' => ('o', TILDE),
        'ö' => ('o', DIAERESIS),
        'ù' => ('u', GRAVE),
        'ú' => ('u', ACUTE),
        'û' => ('u', CIRCUMFLEX),
        'ü' => ('u', DIAERESIS),
        'ý' => ('y', ACUTE),
        'ÿ' => ('y', DIAERESIS),
        _ => return None,
    };
    Some(pair)
}

/// `s` in NFD for the precomposed Latin-1 letters, the only precomposed characters the
/// content tables use (CJK ideographs and emoji have no decomposition). `None` if unchanged.
pub(crate) fn nfd(s: &str) -> Option<String> {
    if !s.chars().any(|c| decompose(c).is_some()) {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        match decompose(c) {
            Some((base, mark)) => {
                out.push(base);
                out.push(mark);
            }
            None => out.push(c),
        }
    }
    Some(out)
}

/// Rewrites every path in NFD, as an iOS 9 device stores names, and recomputes its fileID.
/// A precomposed name whose NFD spelling is already a row of its domain is dropped: on such a
/// device both spellings are one file. Keeps entries sorted by fileID.
pub(crate) fn decompose_paths(cat: &mut Catalog) {
    let targets: HashSet<(u32, String)> = cat
        .entries
        .iter()
        .filter_map(|e| nfd(&e.path).map(|p| (e.domain, p)))
        .collect();
    if targets.is_empty() {
        return;
    }
    let lookup: HashSet<(u32, &str)> = targets.iter().map(|(d, p)| (*d, p.as_str())).collect();
    let taken: HashSet<(u32, String)> = cat
        .entries
        .iter()
        .filter(|e| lookup.contains(&(e.domain, e.path.as_str())))
        .map(|e| (e.domain, e.path.clone()))
        .collect();
    let domains = &cat.domains;
    cat.entries.retain_mut(|e| {
        let Some(path) = nfd(&e.path) else {
            return true;
        };
        if taken.contains(&(e.domain, path.clone())) {
            return false;
        }
        e.file_id = file_id(&domains[e.domain as usize], &path);
        e.path = path;
        true
    });
    cat.entries.sort_unstable_by_key(|e| e.file_id);
}

fn string(out: &mut Vec<u8>, s: Option<&[u8]>) -> io::Result<()> {
    match s {
        None => out.extend_from_slice(&[0xFF, 0xFF]),
        Some(b) => {
            let len = u16::try_from(b.len())
                .ok()
                .filter(|&n| n != 0xFFFF)
                .ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("a {}-byte string does not fit an mbdb record", b.len()),
                    )
                })?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(b);
        }
    }
    Ok(())
}

fn time(t: i64) -> [u8; 4] {
    (t.clamp(0, i64::from(u32::MAX)) as u32).to_be_bytes()
}

/// Writes Manifest.mbdb at `path` (refusing an existing file) and returns its length.
///
/// Records go out in (domain, path) order, as a device lists them, through one buffered
/// writer: about 150 bytes a row, so a million rows take a second or two.
pub(crate) fn write(path: &Path, cat: &Catalog, seed: u64) -> io::Result<u64> {
    let ctx = |e: io::Error| io::Error::new(e.kind(), format!("writing {}: {e}", path.display()));
    let mut out = BufWriter::with_capacity(1 << 20, File::create_new(path).map_err(ctx)?);
    out.write_all(HEADER).map_err(ctx)?;
    let mut len = HEADER.len() as u64;

    let mut order: Vec<u32> = (0..cat.entries.len() as u32).collect();
    order.sort_unstable_by(|&a, &b| {
        let (a, b) = (&cat.entries[a as usize], &cat.entries[b as usize]);
        (cat.domains[a.domain as usize].as_str(), a.path.as_str())
            .cmp(&(cat.domains[b.domain as usize].as_str(), b.path.as_str()))
    });

    let mut rng = Rng::derive(seed, 6);
    let mut rec = Vec::with_capacity(512);
    for i in order {
        let e = &cat.entries[i as usize];
        // Drawn for every row so a row's kind does not shift the stream for the rows after it.
        let hash = rng.bytes::<20>();
        let uuid = rng.bytes::<16>();
        let (mode, target, hash) = match &e.kind {
            Kind::File { .. } => (MODE_FILE, None, Some(&hash[..])),
            Kind::Dir => (MODE_DIR, None, None),
            Kind::Symlink { target } => (MODE_SYMLINK, Some(target.as_bytes()), None),
        };
        rec.clear();
        string(&mut rec, Some(cat.domains[e.domain as usize].as_bytes()))?;
        string(&mut rec, Some(e.path.as_bytes()))?;
        string(&mut rec, target)?;
        // Not the content hash: contents are sparse zeros at any size (as in Manifest.db's Digest).
        string(&mut rec, hash)?;
        string(&mut rec, None)?; // EncryptionKey: plain backups only
        rec.extend_from_slice(&mode.to_be_bytes());
        rec.extend_from_slice(&e.meta.inode.to_be_bytes());
        rec.extend_from_slice(&MOBILE.to_be_bytes());
        rec.extend_from_slice(&MOBILE.to_be_bytes());
        rec.extend_from_slice(&time(e.meta.modified));
        rec.extend_from_slice(&time(e.meta.changed));
        rec.extend_from_slice(&time(e.meta.birth));
        rec.extend_from_slice(&e.size().to_be_bytes());
        rec.push(e.meta.protection);
        // Extended attributes, as Photos and Safari downloads tag files: one or two.
        if e.meta.xattrs {
            let two = e.meta.inode % 2 == 1;
            rec.push(if two { 2 } else { 1 });
            string(&mut rec, Some(b"com.apple.assetsd.UUID"))?;
            string(&mut rec, Some(&uuid))?;
            if two {
                string(&mut rec, Some(b"com.apple.metadata:kMDItemWhereFroms"))?;
                string(&mut rec, Some(b"https://example.org/download"))?;
            }
        } else {
            rec.push(0);
        }
        out.write_all(&rec).map_err(ctx)?;
        len += rec.len() as u64;
    }
    out.flush().map_err(ctx)?;
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfd_decomposes_latin1_only() {
        assert_eq!(
            nfd("Caf\u{e9} menu.pdf").as_deref(),
            Some("Cafe\u{301} menu.pdf")
        );
        assert_eq!(nfd("Cafe\u{301} menu.pdf"), None);
        assert_eq!(nfd("写真/京都 清水寺.jpg"), None);
        assert_eq!(nfd("🎉 Party plans 🥳.txt"), None);
        assert_eq!(nfd("\u{c5}\u{ff}").as_deref(), Some("A\u{30a}y\u{308}"));
    }
}
