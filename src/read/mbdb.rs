//! Streams an iOS 4–9 `Manifest.mbdb`: a header, then one big-endian record per file, folder or symlink.
//!
//! Layout (dinosec iphone-dataprotection `backups/backup4.py`; pyiosbackup `manifest_dbs/mbdb.py`;
//! inflex/ideviceunback): header `mbdb\x05\x00`; each record is Domain, Path, LinkTarget, DataHash and
//! EncryptionKey as strings (u16 length then bytes, `0xFFFF` = null), then 40 bytes of fixed fields (Mode u16,
//! Inode u64, UserID u32, GroupID u32, three u32 times, Size u64, ProtectionClass u8, PropertyCount u8), then
//! PropertyCount name/value string pairs. The manifest is never encrypted, even in an encrypted backup; files
//! live flat in the backup folder as `<fileID>`, fileID = SHA-1 of `domain-path`.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use sha1::{Digest, Sha1};

use super::FileKey;
use crate::error::{Error, Result};

/// One record, borrowed for the duration of a callback.
#[derive(Debug)]
pub struct MbdbRecord<'a> {
    pub domain: &'a str,
    pub path: &'a str,
    /// `st_mode`: `mode & 0xF000` is 0x8000 for a file, 0x4000 a folder, 0xA000 a symlink.
    pub mode: u16,
    pub size: u64,
    /// LastModified and Birth, Unix seconds (dinosec's field names; ideviceunback and pyiosbackup call the
    /// three times mtime, atime, ctime, which gives the same first field and an uncertain third ⚠).
    pub modified: i64,
    pub birth: i64,
    /// SHA-1 of `domain-path`: the name of the file's data in the backup folder.
    pub key: FileKey,
    /// Whether the record has an encryption key: the file is stored encrypted (and padded).
    pub encrypted: bool,
}

const HEADER: &[u8; 6] = b"mbdb\x05\x00";
/// Mode, inode, user, group, three times, size, protection class, property count.
const FIXED_LEN: usize = 40;

/// Calls `visit` for every record, streaming with one reused buffer per string. Returns the record count.
pub fn for_each_record(path: &Path, visit: impl FnMut(&MbdbRecord<'_>)) -> Result<u64> {
    let file = super::file_kind::open_regular(path)?;
    records_from(BufReader::with_capacity(1 << 18, file), path, visit)
}

/// [`for_each_record`] over any buffered source; `path` names it in messages.
pub fn records_from(
    source: impl BufRead,
    path: &Path,
    mut visit: impl FnMut(&MbdbRecord<'_>),
) -> Result<u64> {
    let mut reader = Reader {
        inner: source,
        offset: 0,
        path,
    };
    let mut header = [0u8; 6];
    reader.exact(&mut header, "the header")?;
    if &header != HEADER {
        return Err(Error::Mbdb {
            path: path.to_path_buf(),
            problem: "it does not start with the mbdb header (another file copied in its place?); copy the \
                      backup again from where it came from"
                .into(),
        });
    }
    let (mut domain, mut relative, mut fixed) = (Vec::new(), Vec::new(), [0u8; FIXED_LEN]);
    let mut count = 0u64;
    while reader.more()? {
        reader.string(&mut domain)?;
        reader.string(&mut relative)?;
        reader.skip_string()?; // link target
        reader.skip_string()?; // data hash
        let encrypted = reader.skip_string()?; // encryption key: null when the file is stored plain
        reader.exact(&mut fixed, "a record")?;
        for _ in 0..2 * u16::from(fixed[FIXED_LEN - 1]) {
            reader.skip_string()?; // extended attributes: name, value
        }
        let domain_str = String::from_utf8_lossy(&domain);
        let path_str = String::from_utf8_lossy(&relative);
        // The fileID hashes the name's own bytes; the lossy text is only for attribution and display.
        let mut hasher = Sha1::new();
        hasher.update(&domain);
        hasher.update(b"-");
        hasher.update(&relative);
        visit(&MbdbRecord {
            domain: &domain_str,
            path: &path_str,
            mode: u16::from_be_bytes([fixed[0], fixed[1]]),
            size: u64::from_be_bytes(fixed[30..38].try_into().unwrap_or_default()),
            modified: i64::from(u32::from_be_bytes(
                fixed[18..22].try_into().unwrap_or_default(),
            )),
            birth: i64::from(u32::from_be_bytes(
                fixed[26..30].try_into().unwrap_or_default(),
            )),
            key: hasher.finalize().into(),
            encrypted,
        });
        count += 1;
    }
    Ok(count)
}

/// A buffered reader that knows its offset, for messages that say where a file is damaged.
struct Reader<'p, R> {
    inner: R,
    offset: u64,
    path: &'p Path,
}

impl<R: BufRead> Reader<'_, R> {
    fn truncated(&self, what: &str) -> Error {
        Error::Mbdb {
            path: self.path.to_path_buf(),
            problem: format!(
                "it is truncated in {what} at byte {}: the file was written or copied only in part; copy \
                 the backup again from where it came from",
                self.offset
            ),
        }
    }

    /// Whether another record starts here (end of file exactly between records is the normal end).
    fn more(&mut self) -> Result<bool> {
        let buffered = self.inner.fill_buf().map_err(|e| Error::io(self.path, e))?;
        Ok(!buffered.is_empty())
    }

    fn exact(&mut self, out: &mut [u8], what: &str) -> Result<()> {
        match self.inner.read_exact(out) {
            Ok(()) => {
                self.offset += out.len() as u64;
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(self.truncated(what)),
            Err(e) => Err(Error::io(self.path, e)),
        }
    }

    /// A string's length, `None` for null.
    fn length(&mut self) -> Result<Option<usize>> {
        let mut len = [0u8; 2];
        self.exact(&mut len, "a string length")?;
        Ok(match u16::from_be_bytes(len) {
            0xFFFF => None,
            n => Some(usize::from(n)),
        })
    }

    fn string(&mut self, out: &mut Vec<u8>) -> Result<()> {
        out.clear();
        if let Some(len) = self.length()? {
            out.resize(len, 0);
            self.exact(out, "a string")?;
        }
        Ok(())
    }

    /// Skips a string; returns whether it was there (not the `0xFFFF` null).
    fn skip_string(&mut self) -> Result<bool> {
        let length = self.length()?;
        if let Some(len) = length {
            let copied = std::io::copy(
                &mut (&mut self.inner).take(len as u64),
                &mut std::io::sink(),
            )
            .map_err(|e| Error::io(self.path, e))?;
            self.offset += copied;
            if copied < len as u64 {
                return Err(self.truncated("a string"));
            }
        }
        Ok(length.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(out: &mut Vec<u8>, s: Option<&[u8]>) {
        match s {
            Some(s) => {
                out.extend_from_slice(&(s.len() as u16).to_be_bytes());
                out.extend_from_slice(s);
            }
            None => out.extend_from_slice(&[0xFF, 0xFF]),
        }
    }

    fn record(out: &mut Vec<u8>, domain: &str, path: &str, mode: u16, size: u64, properties: u8) {
        string(out, Some(domain.as_bytes()));
        string(out, Some(path.as_bytes()));
        string(out, None);
        string(
            out,
            if mode & 0xF000 == 0x8000 {
                Some(&[9; 20])
            } else {
                None
            },
        );
        string(out, None);
        out.extend_from_slice(&mode.to_be_bytes());
        out.extend_from_slice(&[0; 8 + 4 + 4]);
        // LastModified, LastStatusChange, Birth: told apart by value.
        for time in [1_700_000_003u32, 1_700_000_002, 1_700_000_001] {
            out.extend_from_slice(&time.to_be_bytes());
        }
        out.extend_from_slice(&size.to_be_bytes());
        out.push(3);
        out.push(properties);
        for _ in 0..properties {
            string(out, Some(b"com.apple.assetsd.UUID"));
            string(out, Some(&[1; 16]));
        }
    }

    #[test]
    fn streams_records_and_names_their_data_files() {
        let mut data = HEADER.to_vec();
        let mut boundaries = vec![data.len()];
        record(&mut data, "HomeDomain", "", 0x41ED, 0, 0);
        boundaries.push(data.len());
        record(
            &mut data,
            "HomeDomain",
            "Library/SMS/sms.db",
            0x81A4,
            12_345,
            2,
        );
        boundaries.push(data.len());
        record(
            &mut data,
            "MediaDomain",
            "Media/Cafe\u{301}.jpg",
            0x81A4,
            1 << 33,
            0,
        );
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("Manifest.mbdb");
        std::fs::write(&path, &data).unwrap();

        let mut seen = Vec::new();
        let count = for_each_record(&path, |r| {
            seen.push((
                r.domain.to_string(),
                r.path.to_string(),
                r.mode,
                r.size,
                r.key,
                (r.modified, r.birth),
            ))
        })
        .unwrap();
        assert_eq!(count, 3);
        assert!(seen.iter().all(|r| r.5 == (1_700_000_003, 1_700_000_001)));
        assert_eq!(seen[1].3, 12_345);
        assert_eq!(seen[2].3, 1 << 33);
        // The test vector of backup-formats notes §1: HomeDomain-Library/SMS/sms.db.
        assert_eq!(
            seen[1].4,
            super::super::disk::file_key("3d0d7e5fb2ce288813306e4d4636395e047a3d28").unwrap()
        );

        // Cut inside a record: a clear "truncated" error, never a panic or a silent short count. A cut
        // between records cannot be told from a shorter manifest: it reads the records before it.
        for cut in HEADER.len() + 1..data.len() {
            std::fs::write(&path, &data[..cut]).unwrap();
            let result = for_each_record(&path, |_| ());
            match boundaries.iter().position(|&b| b == cut) {
                Some(records) => assert_eq!(result.unwrap(), records as u64),
                None => assert!(
                    result.unwrap_err().to_string().contains("truncated"),
                    "cut at {cut}"
                ),
            }
        }
        // A name that is not UTF-8: the fileID is the SHA-1 of its raw bytes, as on the device.
        let mut odd = HEADER.to_vec();
        string(&mut odd, Some(b"MediaDomain"));
        string(&mut odd, Some(b"Media/caf\xe9.jpg"));
        for _ in 0..3 {
            string(&mut odd, None);
        }
        odd.extend_from_slice(&0x81A4u16.to_be_bytes());
        odd.extend_from_slice(&[0; 28]);
        odd.extend_from_slice(&5u64.to_be_bytes());
        odd.extend_from_slice(&[3, 0]);
        std::fs::write(&path, &odd).unwrap();
        let mut key = None;
        for_each_record(&path, |r| key = Some(r.key)).unwrap();
        let want: FileKey = Sha1::digest(b"MediaDomain-Media/caf\xe9.jpg").into();
        assert_eq!(key, Some(want));

        std::fs::write(&path, b"mbdx\x02\x00").unwrap();
        assert!(for_each_record(&path, |_| ())
            .unwrap_err()
            .to_string()
            .contains("mbdb header"));
    }

    #[test]
    fn lengths_and_counts_past_the_end_are_truncation_not_allocation() {
        // Every length is a u16 (a string is at most 64 KiB) and the property count a u8: whatever a record
        // claims past the end of the file reads as truncated, after reading no more than is there.
        let truncated = |data: &[u8]| {
            let err = records_from(data, Path::new("Manifest.mbdb"), |_| ()).unwrap_err();
            assert!(err.to_string().contains("truncated"), "{err}");
        };
        for field in 0..5 {
            let mut data = HEADER.to_vec();
            for _ in 0..field {
                string(&mut data, None);
            }
            data.extend_from_slice(&[0xFF, 0xFE, b'a', b'b', b'c']);
            truncated(&data);
        }
        // 255 properties (510 strings) announced, none there.
        let mut data = HEADER.to_vec();
        record(&mut data, "HomeDomain", "a", 0x81A4, 1, 0);
        *data.last_mut().unwrap() = 0xFF;
        truncated(&data);
    }
}
