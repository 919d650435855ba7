//! Decodes the MBFile record (an NSKeyedArchiver binary plist) stored in each Manifest.db row.

use plist::{Dictionary, Value};

/// The fields of an MBFile that sizing and dating need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MbFile {
    /// Logical size in bytes, as the phone holds the file.
    pub size: u64,
    /// `st_mode`; `mode & 0xF000` tells file (0x8000), folder (0x4000) and symlink (0xA000).
    pub mode: u32,
    /// `LastModified` and `Birth`, Unix seconds (iOSbackup, pyiosbackup `manifest_dbs/sqlite3.py`, mvt);
    /// `None` when absent or not an integer.
    pub modified: Option<i64>,
    pub birth: Option<i64>,
}

/// Why a blob could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MbFileError {
    #[error("the MBFile record is not a property list ({0})")]
    NotPlist(String),
    #[error("the MBFile record is not an NSKeyedArchiver archive ({0})")]
    NotArchive(&'static str),
    #[error("the MBFile record has no usable Size ({0})")]
    BadSize(&'static str),
}

/// No file on a phone is larger than this (the largest iPhone holds 2 TB); a bigger `Size` is damage.
pub const MAX_FILE_SIZE: u64 = 4_000_000_000_000;

/// How many UID hops a value may take before it is called a cycle: real records need one.
const MAX_UID_HOPS: usize = 8;

/// Decodes one blob: the narrow fast reader when it understands the blob, else the `plist` crate.
pub fn decode(blob: &[u8]) -> Result<MbFile, MbFileError> {
    match fast(blob) {
        Some(file) => Ok(file),
        None => decode_reference(blob),
    }
}

/// The narrow reader's answer, as [`decode`] takes it: `None` when it declines or finds a size out of range
/// (the reference then decides).
pub fn fast(blob: &[u8]) -> Option<MbFile> {
    let fields = super::bplist::mbfile_fields(blob)?;
    let size = u64::try_from(fields.size)
        .ok()
        .filter(|&s| s <= MAX_FILE_SIZE)?;
    Some(MbFile {
        size,
        // Read as the reference reads them: a mode that is not a u32 is 0.
        mode: fields.mode.and_then(|m| u32::try_from(m).ok()).unwrap_or(0),
        modified: fields.modified,
        birth: fields.birth,
    })
}

/// Decodes one blob with the `plist` crate, resolving `$objects` references wherever a value may be one.
/// The reference the fast reader is tested against.
pub fn decode_reference(blob: &[u8]) -> Result<MbFile, MbFileError> {
    let root = super::plist_value::parse(blob).map_err(|e| MbFileError::NotPlist(e.to_string()))?;
    let root = root
        .as_dictionary()
        .ok_or(MbFileError::NotArchive("top level is not a dictionary"))?;
    let objects = root
        .get("$objects")
        .and_then(Value::as_array)
        .ok_or(MbFileError::NotArchive("no $objects array"))?;
    let top = root
        .get("$top")
        .and_then(Value::as_dictionary)
        .ok_or(MbFileError::NotArchive("no $top dictionary"))?;
    let file = top
        .get("root")
        .map(|v| resolve(v, objects))
        .transpose()?
        .and_then(Value::as_dictionary)
        .ok_or(MbFileError::NotArchive("$top.root is not an object"))?;

    let size = integer(file, "Size", objects)?.ok_or(MbFileError::BadSize("missing"))?;
    let size = u64::try_from(size).map_err(|_| MbFileError::BadSize("negative"))?;
    if size > MAX_FILE_SIZE {
        return Err(MbFileError::BadSize("larger than any iPhone holds"));
    }
    // Mode only refines the picture (the row's flags already say file or folder): a bad one reads as 0.
    let mode = integer(file, "Mode", objects).ok().flatten().unwrap_or(0);
    let mode = u32::try_from(mode).unwrap_or(0);
    // Dates too: a bad one is unknown, never a reason to lose the file's size.
    let date = |key| {
        integer(file, key, objects)
            .ok()
            .flatten()
            .and_then(|t| i64::try_from(t).ok())
    };
    Ok(MbFile {
        size,
        mode,
        modified: date("LastModified"),
        birth: date("Birth"),
    })
}

/// Follows UIDs into `$objects` until a plain value is reached.
fn resolve<'a>(mut value: &'a Value, objects: &'a [Value]) -> Result<&'a Value, MbFileError> {
    for _ in 0..MAX_UID_HOPS {
        match value {
            Value::Uid(uid) => {
                value = usize::try_from(uid.get())
                    .ok()
                    .and_then(|i| objects.get(i))
                    .ok_or(MbFileError::NotArchive("a reference points past $objects"))?;
            }
            _ => return Ok(value),
        }
    }
    Err(MbFileError::NotArchive("references form a cycle"))
}

fn integer(file: &Dictionary, key: &str, objects: &[Value]) -> Result<Option<i128>, MbFileError> {
    let Some(value) = file.get(key) else {
        return Ok(None);
    };
    let value = resolve(value, objects)?;
    match value.as_signed_integer() {
        Some(i) => Ok(Some(i128::from(i))),
        None => match value.as_unsigned_integer() {
            Some(u) => Ok(Some(i128::from(u))),
            None => Err(MbFileError::BadSize("not an integer")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plist::Uid;

    fn archive(file: Dictionary, extra: Vec<Value>) -> Vec<u8> {
        let mut objects = vec![Value::String("$null".into()), Value::Dictionary(file)];
        objects.extend(extra);
        let mut top = Dictionary::new();
        top.insert("root".into(), Value::Uid(Uid::new(1)));
        let mut root = Dictionary::new();
        root.insert("$archiver".into(), "NSKeyedArchiver".into());
        root.insert("$version".into(), 100000.into());
        root.insert("$top".into(), Value::Dictionary(top));
        root.insert("$objects".into(), Value::Array(objects));
        let mut out = Vec::new();
        Value::Dictionary(root).to_writer_binary(&mut out).unwrap();
        out
    }

    #[test]
    fn reads_inline_and_referenced_sizes() {
        let mut file = Dictionary::new();
        file.insert("Size".into(), 1234.into());
        file.insert("Mode".into(), 0o100644.into());
        assert_eq!(
            decode(&archive(file, vec![])).unwrap(),
            MbFile {
                size: 1234,
                mode: 0o100644,
                modified: None,
                birth: None
            }
        );

        let mut file = Dictionary::new();
        file.insert("Size".into(), Value::Uid(Uid::new(2)));
        file.insert("Mode".into(), 0o100644.into());
        let blob = archive(file, vec![Value::Integer(99.into())]);
        assert_eq!(decode(&blob).unwrap().size, 99);
    }

    #[test]
    fn dates_are_read_and_a_bad_one_is_unknown_not_a_lost_file() {
        let mut file = Dictionary::new();
        file.insert("Size".into(), 7.into());
        file.insert("LastModified".into(), 1_700_000_123.into());
        file.insert("Birth".into(), Value::Uid(Uid::new(2)));
        let blob = archive(file, vec![Value::Integer(1_600_000_000.into())]);
        let want = MbFile {
            size: 7,
            mode: 0,
            modified: Some(1_700_000_123),
            birth: Some(1_600_000_000),
        };
        assert_eq!(fast(&blob), Some(want));
        assert_eq!(decode_reference(&blob), Ok(want));

        // A date that is not an integer: the fast reader declines, the reference calls it unknown.
        let mut file = Dictionary::new();
        file.insert("Size".into(), 7.into());
        file.insert("LastModified".into(), "yesterday".into());
        file.insert("Birth".into(), 5.into());
        let blob = archive(file, vec![]);
        assert_eq!(fast(&blob), None);
        let got = decode(&blob).unwrap();
        assert_eq!((got.size, got.modified, got.birth), (7, None, Some(5)));
    }

    /// Realistic records in several shapes: optional objects before the path, sizes inline or referenced.
    fn shapes() -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for (i, size) in [
            0u64,
            1,
            255,
            256,
            65_535,
            65_536,
            1 << 32,
            (1 << 40) + 7,
            MAX_FILE_SIZE,
        ]
        .into_iter()
        .enumerate()
        {
            let mut file = Dictionary::new();
            let mut extra = Vec::new();
            if i % 2 == 0 {
                extra.push(Value::Data(vec![0xAB; 20]));
                file.insert("Digest".into(), Value::Uid(Uid::new(2)));
            }
            let path_uid = 2 + extra.len() as u64;
            extra.push(Value::String(format!("Library/Caches/ünïcode {i}/file.db")));
            file.insert("RelativePath".into(), Value::Uid(Uid::new(path_uid)));
            for key in [
                "Birth",
                "LastModified",
                "LastStatusChange",
                "InodeNumber",
                "UserID",
                "GroupID",
            ] {
                file.insert(key.into(), (1_700_000_000 + i as u64).into());
            }
            if i % 3 == 1 {
                extra.push(Value::Integer(size.into()));
                file.insert(
                    "Size".into(),
                    Value::Uid(Uid::new(2 + extra.len() as u64 - 1)),
                );
            } else {
                file.insert("Size".into(), size.into());
            }
            file.insert("Mode".into(), 0o100644.into());
            file.insert("ProtectionClass".into(), 3.into());
            out.push(archive(file, extra));
        }
        out
    }

    #[test]
    fn fast_reader_reads_every_shape_as_the_reference_does() {
        for blob in shapes() {
            let fast = fast(&blob).expect("fast path taken on a normal record");
            let reference = decode_reference(&blob).unwrap();
            assert_eq!(fast, reference);
            assert!(reference.modified.is_some() && reference.birth.is_some());
            assert_eq!(decode(&blob).unwrap(), reference);
        }
    }

    #[test]
    fn fast_reader_never_contradicts_the_reference_on_damaged_records() {
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut both_ok = 0;
        for blob in shapes() {
            for n in 0..blob.len() + 1 {
                let cases = [blob[..n].to_vec(), {
                    let mut b = blob.clone();
                    if let Some(byte) = b.get_mut(n) {
                        *byte ^= (next() % 255 + 1) as u8;
                    }
                    b
                }];
                for case in cases {
                    let reference = decode_reference(&case);
                    if let (Ok(r), Some(fast)) = (&reference, fast(&case)) {
                        both_ok += 1;
                        assert_eq!(&fast, r, "{case:02x?}");
                    }
                    // `decode` answers exactly like the reference wherever the reference succeeds.
                    if let Ok(r) = reference {
                        assert_eq!(decode(&case), Ok(r));
                    }
                }
            }
        }
        assert!(
            both_ok > 100,
            "the comparison must exercise the fast path ({both_ok})"
        );
    }

    #[test]
    fn rejects_bad_records_without_panicking() {
        assert!(matches!(decode(b""), Err(MbFileError::NotPlist(_))));
        assert!(matches!(
            decode(b"bplist00garbage"),
            Err(MbFileError::NotPlist(_))
        ));

        let mut file = Dictionary::new();
        file.insert("Size".into(), (-5).into());
        assert_eq!(
            decode(&archive(file, vec![])),
            Err(MbFileError::BadSize("negative"))
        );

        let mut file = Dictionary::new();
        file.insert("Size".into(), Value::Uid(Uid::new(2)));
        let cyclic = archive(file, vec![Value::Uid(Uid::new(2))]);
        assert_eq!(
            decode(&cyclic),
            Err(MbFileError::NotArchive("references form a cycle"))
        );

        let mut file = Dictionary::new();
        file.insert("Size".into(), Value::Uid(Uid::new(40)));
        assert!(matches!(
            decode(&archive(file, vec![])),
            Err(MbFileError::NotArchive(_))
        ));
    }
}
