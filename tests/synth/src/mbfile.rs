//! Encodes one Manifest.db `file` blob: an MBFile archived with NSKeyedArchiver as a binary plist.

use std::io;

use plist::{Dictionary, Uid, Value};

/// Everything one MBFile carries. Optional objects are what shift `$objects` indexes in real
/// backups, so readers that assume fixed positions break on these fixtures as they would on a
/// real device's backup.
#[derive(Debug, Clone)]
pub(crate) struct MbFile<'a> {
    pub relative_path: &'a str,
    pub mode: u32,
    pub size: u64,
    pub protection_class: u8,
    pub birth: i64,
    pub last_modified: i64,
    pub last_status_change: i64,
    pub inode: u64,
    pub digest: Option<[u8; 20]>,
    pub extended_attributes: Option<Vec<u8>>,
    pub target: Option<&'a str>,
    /// Store `Size` as a UID pointing at an integer object instead of inline: both forms occur
    /// (dinosec backup10.py resolves either), so fixtures carry both.
    pub size_as_uid: bool,
    /// Encrypted backups: u32 LE protection class + the file's key wrapped under that class's
    /// key, archived as an `NSMutableData` object.
    pub encryption_key: Option<[u8; 44]>,
}

pub(crate) const MODE_FILE: u32 = 0o100_644;
pub(crate) const MODE_DIR: u32 = 0o40_755;
pub(crate) const MODE_SYMLINK: u32 = 0o120_755;

/// NSKeyedArchiver's format version, as found in every real MBFile blob.
const ARCHIVER_VERSION: u64 = 100_000;

fn uid(n: usize) -> Value {
    Value::Uid(Uid::new(n as u64))
}

fn int(n: i64) -> Value {
    Value::Integer(n.into())
}

fn uint(n: u64) -> Value {
    Value::Integer(n.into())
}

impl MbFile<'_> {
    /// The archive as a plist value. `$objects[0]` is `$null` and `$objects[1]` the MBFile dict,
    /// like Apple's archiver; the class dict comes last so its index varies with the optional
    /// objects before it.
    pub(crate) fn to_value(&self) -> Value {
        let mut objects: Vec<Value> = vec![Value::String("$null".into()), Value::Boolean(false)];
        let push = |objects: &mut Vec<Value>, v: Value| {
            objects.push(v);
            objects.len() - 1
        };
        // Digest goes before RelativePath on purpose: a reader that takes "the first string
        // after the dict" or "index 2" as the path gets 20 bytes of binary instead.
        let digest = self
            .digest
            .map(|d| push(&mut objects, Value::Data(d.to_vec())));
        let path = push(&mut objects, Value::String(self.relative_path.to_owned()));
        let encryption_key = self.encryption_key.map(|k| {
            let at = objects.len();
            let mut data = Dictionary::new();
            data.insert("NS.data".into(), Value::Data(k.to_vec()));
            data.insert("$class".into(), uid(at + 1));
            objects.push(Value::Dictionary(data));
            let mut class = Dictionary::new();
            class.insert("$classname".into(), Value::String("NSMutableData".into()));
            class.insert(
                "$classes".into(),
                Value::Array(
                    ["NSMutableData", "NSData", "NSObject"]
                        .into_iter()
                        .map(|c| Value::String(c.into()))
                        .collect(),
                ),
            );
            objects.push(Value::Dictionary(class));
            at
        });
        let xattrs = self
            .extended_attributes
            .as_ref()
            .map(|x| push(&mut objects, Value::Data(x.clone())));
        let target = self
            .target
            .map(|t| push(&mut objects, Value::String(t.to_owned())));
        let size = self
            .size_as_uid
            .then(|| push(&mut objects, uint(self.size)));

        let mut class = Dictionary::new();
        class.insert(
            "$classes".into(),
            Value::Array(vec![
                Value::String("MBFile".into()),
                Value::String("NSObject".into()),
            ]),
        );
        class.insert("$classname".into(), Value::String("MBFile".into()));
        let class = push(&mut objects, Value::Dictionary(class));

        let mut f = Dictionary::new();
        f.insert("LastModified".into(), int(self.last_modified));
        f.insert("Flags".into(), uint(0));
        f.insert("GroupID".into(), uint(501));
        f.insert("LastStatusChange".into(), int(self.last_status_change));
        f.insert("Birth".into(), int(self.birth));
        if let Some(i) = digest {
            f.insert("Digest".into(), uid(i));
        }
        f.insert(
            "Size".into(),
            match size {
                Some(i) => uid(i),
                None => uint(self.size),
            },
        );
        f.insert("InodeNumber".into(), uint(self.inode));
        f.insert("Mode".into(), uint(u64::from(self.mode)));
        f.insert(
            "ProtectionClass".into(),
            uint(u64::from(self.protection_class)),
        );
        f.insert("UserID".into(), uint(501));
        f.insert("RelativePath".into(), uid(path));
        if let Some(i) = xattrs {
            f.insert("ExtendedAttributes".into(), uid(i));
        }
        if let Some(i) = encryption_key {
            f.insert("EncryptionKey".into(), uid(i));
        }
        if let Some(i) = target {
            f.insert("Target".into(), uid(i));
        }
        f.insert("$class".into(), uid(class));
        objects[1] = Value::Dictionary(f);

        let mut top = Dictionary::new();
        top.insert("root".into(), uid(1));
        let mut archive = Dictionary::new();
        archive.insert("$version".into(), uint(ARCHIVER_VERSION));
        archive.insert("$archiver".into(), Value::String("NSKeyedArchiver".into()));
        archive.insert("$top".into(), Value::Dictionary(top));
        archive.insert("$objects".into(), Value::Array(objects));
        Value::Dictionary(archive)
    }

    /// Appends the binary plist to `out` (callers reuse one buffer across millions of rows).
    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) -> io::Result<()> {
        self.to_value().to_writer_binary(&mut *out).map_err(|e| {
            io::Error::other(format!(
                "encoding MBFile for {:?} as a binary plist: {e}",
                self.relative_path
            ))
        })
    }
}

/// The `ExtendedAttributes` payload: a binary plist dict of attribute name to raw bytes.
pub(crate) fn xattr_blob(name: &str, value: &[u8]) -> io::Result<Vec<u8>> {
    let mut d = Dictionary::new();
    d.insert(name.to_owned(), Value::Data(value.to_vec()));
    let mut out = Vec::new();
    Value::Dictionary(d)
        .to_writer_binary(&mut out)
        .map_err(|e| io::Error::other(format!("encoding extended attributes plist: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample<'a>() -> MbFile<'a> {
        MbFile {
            relative_path: "Library/SMS/sms.db",
            mode: MODE_FILE,
            size: 123_456,
            protection_class: 3,
            birth: 1_700_000_000,
            last_modified: 1_700_000_100,
            last_status_change: 1_700_000_200,
            inode: 42,
            digest: Some([7; 20]),
            extended_attributes: Some(vec![1, 2, 3]),
            target: None,
            size_as_uid: true,
            encryption_key: None,
        }
    }

    /// Resolves a field the way a reader must: inline value, or a UID into `$objects`.
    fn field<'v>(archive: &'v Value, key: &str) -> Option<&'v Value> {
        let d = archive.as_dictionary()?;
        let objects = d.get("$objects")?.as_array()?;
        let root = d.get("$top")?.as_dictionary()?.get("root")?.as_uid()?.get();
        let mb = objects.get(root as usize)?.as_dictionary()?;
        match mb.get(key)? {
            Value::Uid(u) => objects.get(u.get() as usize),
            v => Some(v),
        }
    }

    #[test]
    fn round_trips_through_the_binary_reader() -> io::Result<()> {
        let f = sample();
        let mut buf = Vec::new();
        f.encode_into(&mut buf)?;
        assert!(buf.starts_with(b"bplist00"));
        let v = Value::from_reader(io::Cursor::new(&buf)).map_err(io::Error::other)?;
        let path = field(&v, "RelativePath").and_then(Value::as_string);
        assert_eq!(path, Some("Library/SMS/sms.db"));
        let size = field(&v, "Size").and_then(Value::as_unsigned_integer);
        assert_eq!(size, Some(123_456));
        let mode = field(&v, "Mode").and_then(Value::as_unsigned_integer);
        assert_eq!(mode, Some(u64::from(MODE_FILE)));
        let digest = field(&v, "Digest").and_then(Value::as_data);
        assert_eq!(digest, Some(&[7u8; 20][..]));
        let class = field(&v, "$class")
            .and_then(Value::as_dictionary)
            .and_then(|c| c.get("$classname"))
            .and_then(Value::as_string);
        assert_eq!(class, Some("MBFile"));
        Ok(())
    }

    #[test]
    fn digest_precedes_the_path_object() {
        let v = sample().to_value();
        let objects = v
            .as_dictionary()
            .and_then(|d| d.get("$objects"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let data_at = objects.iter().position(|o| o.as_data().is_some());
        let path_at = objects
            .iter()
            .position(|o| o.as_string() == Some("Library/SMS/sms.db"));
        assert!(data_at.is_some() && path_at.is_some() && data_at < path_at);
    }

    #[test]
    fn encryption_key_is_archived_ns_mutable_data() -> io::Result<()> {
        let mut key = [9u8; 44];
        key[..4].copy_from_slice(&3u32.to_le_bytes());
        let f = MbFile {
            encryption_key: Some(key),
            ..sample()
        };
        let mut buf = Vec::new();
        f.encode_into(&mut buf)?;
        let v = Value::from_reader(io::Cursor::new(&buf)).map_err(io::Error::other)?;
        let objects = v
            .as_dictionary()
            .and_then(|d| d.get("$objects"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let ek = field(&v, "EncryptionKey").and_then(Value::as_dictionary);
        let data = ek.and_then(|d| d.get("NS.data")).and_then(Value::as_data);
        assert_eq!(data, Some(&key[..]));
        let class = ek
            .and_then(|d| d.get("$class"))
            .and_then(Value::as_uid)
            .and_then(|u| objects.get(u.get() as usize))
            .and_then(Value::as_dictionary);
        let name = class
            .and_then(|c| c.get("$classname"))
            .and_then(Value::as_string);
        assert_eq!(name, Some("NSMutableData"));
        let chain = class
            .and_then(|c| c.get("$classes"))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_string).collect::<Vec<_>>());
        assert_eq!(chain, Some(vec!["NSMutableData", "NSData", "NSObject"]));
        let mb_class = field(&v, "$class")
            .and_then(Value::as_dictionary)
            .and_then(|c| c.get("$classname"))
            .and_then(Value::as_string);
        assert_eq!(mb_class, Some("MBFile"));
        Ok(())
    }

    #[test]
    fn inline_size_when_not_referenced() {
        let f = MbFile {
            size_as_uid: false,
            digest: None,
            ..sample()
        };
        let v = f.to_value();
        let mb = v
            .as_dictionary()
            .and_then(|d| d.get("$objects"))
            .and_then(Value::as_array)
            .and_then(|o| o.get(1))
            .and_then(Value::as_dictionary)
            .and_then(|d| d.get("Size"))
            .and_then(Value::as_unsigned_integer);
        assert_eq!(mb, Some(123_456));
    }
}
