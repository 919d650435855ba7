//! Decodes the MBFile record (an NSKeyedArchiver binary plist) stored in each Manifest.db row.

use plist::{Dictionary, Value};

/// The fields of an MBFile that sizing needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MbFile {
    /// Logical size in bytes, as the phone holds the file.
    pub size: u64,
    /// `st_mode`; `mode & 0xF000` tells file (0x8000), folder (0x4000) and symlink (0xA000).
    pub mode: u32,
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

/// How many UID hops a value may take before it is called a cycle: real records need one.
const MAX_UID_HOPS: usize = 8;

/// Decodes one blob with the `plist` crate, resolving `$objects` references wherever a value may be one.
pub fn decode(blob: &[u8]) -> Result<MbFile, MbFileError> {
    let root = Value::from_reader(std::io::Cursor::new(blob))
        .map_err(|e| MbFileError::NotPlist(e.to_string()))?;
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
    let mode = integer(file, "Mode", objects)?.unwrap_or(0);
    let mode = u32::try_from(mode).unwrap_or(0);
    Ok(MbFile { size, mode })
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
                mode: 0o100644
            }
        );

        let mut file = Dictionary::new();
        file.insert("Size".into(), Value::Uid(Uid::new(2)));
        file.insert("Mode".into(), 0o100644.into());
        let blob = archive(file, vec![Value::Integer(99.into())]);
        assert_eq!(decode(&blob).unwrap().size, 99);
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
