//! A narrow reader of binary plists: just enough to pull `Size`, `Mode` and the dates out of an MBFile archive
//! fast.
//!
//! The `plist` crate builds a whole value tree per blob (about 6 µs each; a large backup has 1.5 million
//! rows). This reader walks the same bytes without allocating. It declines (returns `None`) when the path to
//! the fields it reads holds anything it does not fully understand, and the caller then uses the `plist` crate,
//! which stays the reference: tests check that wherever the crate reads a record, this reader either declines
//! or gives the same values. It checks only what it reads, so it is more lenient than the crate: a record
//! damaged elsewhere (say, a `RelativePath` that is not UTF-8) is still sized here, where the crate would
//! reject it whole.
//!
//! Format: Apple's `CFBinaryPList.c` (public in CF-Lite) — header `bplist00`, objects, an offset table, and a
//! 32-byte trailer (offset size, reference size, object count, top object, offset-table offset).

/// A decoded binary plist, borrowed.
struct Bplist<'a> {
    data: &'a [u8],
    offset_size: usize,
    ref_size: usize,
    objects: usize,
    table: usize,
}

/// A value as found: what an MBFile needs and nothing else.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Found<'a> {
    Int(i64),
    Uid(u64),
    Ascii(&'a [u8]),
    Dict { count: usize, refs: usize },
    Array { count: usize, refs: usize },
    Other,
}

/// How many UID hops are followed, as in the reference decoder.
const MAX_UID_HOPS: usize = 8;

/// What the fast reader takes from an MBFile: each integer as stored (the caller checks ranges).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MbFileFields {
    pub size: i64,
    pub mode: Option<i64>,
    pub modified: Option<i64>,
    pub birth: Option<i64>,
}

/// `Size`, `Mode`, `LastModified` and `Birth` of an MBFile archive, or `None` to let the reference decoder
/// decide (also when an optional field is there but is not an integer: the reference then calls it unknown).
pub fn mbfile_fields(data: &[u8]) -> Option<MbFileFields> {
    let plist = Bplist::parse(data)?;
    let root = plist.top()?;
    let archive = plist.dict(root)?;
    // One pass over each dictionary for all the keys wanted from it: a large backup has 1.5 million of these.
    let [top, objects] = plist.lookup(archive, [b"$top", b"$objects"])?;
    let top = plist.dict(top?)?;
    let Found::Array { count, refs } = plist.object(objects?)? else {
        return None;
    };
    let objects = (count, refs);
    let [file] = plist.lookup(top, [b"root"])?;
    let file = plist.dict(plist.resolve(file?, objects)?)?;
    let [size, mode, modified, birth] =
        plist.lookup(file, [b"Size", b"Mode", b"LastModified", b"Birth"])?;
    let optional = |value: Option<usize>| match value {
        Some(v) => plist.int(plist.resolve(v, objects)?).map(Some),
        None => Some(None),
    };
    Some(MbFileFields {
        size: plist.int(plist.resolve(size?, objects)?)?,
        mode: optional(mode)?,
        modified: optional(modified)?,
        birth: optional(birth)?,
    })
}

impl<'a> Bplist<'a> {
    fn parse(data: &'a [u8]) -> Option<Self> {
        if data.len() < 8 + 32 || &data[..8] != b"bplist00" {
            return None;
        }
        let trailer = &data[data.len() - 32..];
        let offset_size = usize::from(trailer[6]);
        let ref_size = usize::from(trailer[7]);
        let objects = usize::try_from(be(&trailer[8..16])).ok()?;
        let top = be(&trailer[16..24]);
        let table = usize::try_from(be(&trailer[24..32])).ok()?;
        if !(1..=8).contains(&offset_size) || !(1..=8).contains(&ref_size) || top >= objects as u64
        {
            return None;
        }
        let table_end = table.checked_add(objects.checked_mul(offset_size)?)?;
        if table < 8 || table_end > data.len() - 32 {
            return None;
        }
        Some(Bplist {
            data,
            offset_size,
            ref_size,
            objects,
            table,
        })
    }

    fn top(&self) -> Option<usize> {
        let trailer = &self.data[self.data.len() - 32..];
        usize::try_from(be(&trailer[16..24])).ok()
    }

    /// The byte offset of object `index`, checked to lie within the object area.
    fn offset(&self, index: usize) -> Option<usize> {
        if index >= self.objects {
            return None;
        }
        let at = self.table + index * self.offset_size;
        let offset = usize::try_from(be(self.data.get(at..at + self.offset_size)?)).ok()?;
        (8..self.table).contains(&offset).then_some(offset)
    }

    /// The `i`-th object reference in a run of references starting at byte `refs`.
    fn reference(&self, refs: usize, i: usize) -> Option<usize> {
        let at = refs.checked_add(i.checked_mul(self.ref_size)?)?;
        usize::try_from(be(self.data.get(at..at.checked_add(self.ref_size)?)?)).ok()
    }

    fn object(&self, index: usize) -> Option<Found<'a>> {
        let at = self.offset(index)?;
        let marker = *self.data.get(at)?;
        let low = usize::from(marker & 0x0F);
        Some(match marker >> 4 {
            0x1 => {
                let len = 1usize << low;
                let bytes = self.data.get(at + 1..at + 1 + len)?;
                match len {
                    // 1, 2 and 4 bytes are unsigned, 8 bytes signed (two's complement): `as` does both.
                    1 | 2 | 4 | 8 => Found::Int(be(bytes) as i64),
                    _ => return None, // 16-byte integers: let the reference decide
                }
            }
            0x5 => {
                let (len, start) = self.length(at, low)?;
                Found::Ascii(self.data.get(start..start.checked_add(len)?)?)
            }
            // 1 to 8 bytes, as the reference reads them: `be` would keep only the low 8 bytes of a longer one.
            0x8 if low < 8 => Found::Uid(be(self.data.get(at + 1..at + 2 + low)?)),
            0x8 => return None,
            0xA => {
                let (count, refs) = self.length(at, low)?;
                Found::Array { count, refs }
            }
            0xD => {
                let (count, refs) = self.length(at, low)?;
                Found::Dict { count, refs }
            }
            _ => Found::Other,
        })
    }

    /// A collection or string length: the marker's low nibble, or an int object after it when 0xF.
    fn length(&self, at: usize, low: usize) -> Option<(usize, usize)> {
        if low != 0x0F {
            return Some((low, at + 1));
        }
        let marker = *self.data.get(at + 1)?;
        if marker >> 4 != 0x1 {
            return None;
        }
        let len = 1usize << (marker & 0x0F);
        if len > 8 {
            return None;
        }
        let value = usize::try_from(be(self.data.get(at + 2..at + 2 + len)?)).ok()?;
        Some((value, at + 2 + len))
    }

    /// The common case of [`Bplist::short_ascii`] in a few instructions: 1- or 2-byte offsets (every
    /// MBFile), a short ASCII string. `None` means "not this case", never "malformed".
    #[inline(always)]
    fn key_name(&self, index: usize) -> Option<&'a [u8]> {
        if index >= self.objects || self.offset_size > 2 {
            return None;
        }
        let at = self.table + index * self.offset_size;
        let offset = match self.offset_size {
            1 => usize::from(*self.data.get(at)?),
            _ => usize::from(u16::from_be_bytes([
                *self.data.get(at)?,
                *self.data.get(at + 1)?,
            ])),
        };
        if offset < 8 || offset >= self.table {
            return None;
        }
        let marker = *self.data.get(offset)?;
        if marker >> 4 != 0x5 || marker & 0x0F == 0x0F {
            return None;
        }
        self.data
            .get(offset + 1..offset + 1 + usize::from(marker & 0x0F))
    }

    /// An ASCII string of fewer than 15 bytes (every MBFile key), read without the general decoder:
    /// `Some(None)` when the object is something else, for [`Bplist::object`] to decide.
    #[inline]
    fn short_ascii(&self, index: usize) -> Option<Option<&'a [u8]>> {
        let at = self.offset(index)?;
        let marker = *self.data.get(at)?;
        if marker >> 4 != 0x5 || marker & 0x0F == 0x0F {
            return Some(None);
        }
        let len = usize::from(marker & 0x0F);
        Some(Some(self.data.get(at + 1..at + 1 + len)?))
    }

    fn dict(&self, index: usize) -> Option<(usize, usize)> {
        match self.object(index)? {
            Found::Dict { count, refs } => Some((count, refs)),
            _ => None,
        }
    }

    /// The values of ASCII keys in a dictionary, each `None` when absent; `None` as a whole when the
    /// dictionary is malformed (so the caller declines rather than guess).
    /// Keys that are not ASCII strings make it decline; a repeated key yields its last value, as the
    /// reference decoder's map does.
    fn lookup<const N: usize>(
        &self,
        (count, refs): (usize, usize),
        keys: [&[u8]; N],
    ) -> Option<[Option<usize>; N]> {
        let mut found = [None; N];
        // The key references, then the value references, each `ref_size` bytes.
        let key_refs = self
            .data
            .get(refs..refs.checked_add(count.checked_mul(self.ref_size)?)?)?;
        for (i, key_ref) in key_refs.chunks_exact(self.ref_size).enumerate() {
            // One-byte references (any archive of fewer than 256 objects, so every MBFile) skip `be`.
            let index = match *key_ref {
                [one] => usize::from(one),
                _ => usize::try_from(be(key_ref)).ok()?,
            };
            let name = match self.key_name(index) {
                Some(name) => name,
                None => match self.short_ascii(index)? {
                    Some(name) => name,
                    None => match self.object(index)? {
                        Found::Ascii(name) => name,
                        _ => return None,
                    },
                },
            };
            // Lengths first: most keys differ from the wanted ones in length, and need no comparison.
            if let Some(k) = keys
                .iter()
                .position(|key| key.len() == name.len() && *key == name)
            {
                found[k] = Some(self.reference(refs, count.checked_add(i)?)?);
            }
        }
        Some(found)
    }

    /// Follows UIDs into `$objects`.
    fn resolve(&self, mut index: usize, (count, refs): (usize, usize)) -> Option<usize> {
        for _ in 0..MAX_UID_HOPS {
            match self.object(index)? {
                Found::Uid(uid) => {
                    let uid = usize::try_from(uid).ok()?;
                    if uid >= count {
                        return None;
                    }
                    index = self.reference(refs, uid)?;
                }
                _ => return Some(index),
            }
        }
        None
    }

    fn int(&self, index: usize) -> Option<i64> {
        match self.object(index)? {
            Found::Int(i) => Some(i),
            _ => None,
        }
    }
}

/// A big-endian unsigned integer of 1 to 8 bytes.
#[inline]
fn be(bytes: &[u8]) -> u64 {
    // References and offsets are 1 or 2 bytes in an MBFile: those lengths skip the loop.
    match *bytes {
        [a] => u64::from(a),
        [a, b] => u64::from(u16::from_be_bytes([a, b])),
        _ => bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::mbfile::decode_reference;

    /// A binary plist of `objects` (each its marker and contents, references one byte) with 1-byte offsets
    /// and object 0 on top.
    fn bplist(objects: &[Vec<u8>]) -> Vec<u8> {
        let mut out = b"bplist00".to_vec();
        let mut offsets = Vec::new();
        for object in objects {
            offsets.push(u8::try_from(out.len()).unwrap());
            out.extend(object);
        }
        let table = out.len() as u64;
        out.extend(offsets);
        out.extend([0; 6]);
        out.extend([1, 1]);
        out.extend((objects.len() as u64).to_be_bytes());
        out.extend(0u64.to_be_bytes());
        out.extend(table.to_be_bytes());
        out
    }

    fn ascii(s: &str) -> Vec<u8> {
        let mut out = vec![0x50 | u8::try_from(s.len()).unwrap()];
        out.extend(s.as_bytes());
        out
    }

    /// The objects of an MBFile archive whose `Size` (42) is reached through `hops` UIDs, the first in the
    /// file record. Objects: 0 root, 1 `$top`, 2 `$objects`, 3..=5 keys, 6 `UID(1)`, 7 `$null`, 8 the file
    /// record, 9 `Size`, 10 `UID(2)`, 11 the integer, 12.. the further UIDs of `$objects`.
    fn archive(hops: u8) -> Vec<Vec<u8>> {
        assert!((1..14).contains(&hops));
        let mut elements = vec![7, 8];
        elements.extend((0..hops - 1).map(|i| 12 + i));
        elements.push(11);
        let mut objects_array = vec![0xA0 | u8::try_from(elements.len()).unwrap()];
        objects_array.extend(elements);
        let mut objects = vec![
            vec![0xD2, 3, 4, 1, 2],
            vec![0xD1, 5, 6],
            objects_array,
            ascii("$top"),
            ascii("$objects"),
            ascii("root"),
            vec![0x80, 1],
            ascii("$null"),
            vec![0xD1, 9, 10],
            ascii("Size"),
            vec![0x80, 2],
            vec![0x10, 42],
        ];
        // `$objects[i]` for i in 2..=hops is UID(i + 1): one more hop each.
        objects.extend((0..hops - 1).map(|i| vec![0x80, 3 + i]));
        objects
    }

    #[test]
    fn uid_chains_stop_at_the_hop_limit_as_the_reference_does() {
        for hops in 1..MAX_UID_HOPS as u8 {
            let blob = bplist(&archive(hops));
            assert_eq!(
                mbfile_fields(&blob),
                Some(MbFileFields {
                    size: 42,
                    mode: None,
                    modified: None,
                    birth: None
                }),
                "{hops} hops"
            );
            assert_eq!(decode_reference(&blob).unwrap().size, 42, "{hops} hops");
        }
        for hops in [MAX_UID_HOPS as u8, 13] {
            let blob = bplist(&archive(hops));
            assert_eq!(mbfile_fields(&blob), None, "{hops} hops");
            assert!(decode_reference(&blob).is_err(), "{hops} hops");
        }
    }

    #[test]
    fn trailer_counts_past_the_bytes_are_declined() {
        let good = bplist(&archive(1));
        assert!(Bplist::parse(&good).is_some());
        let trailer = good.len() - 32;
        let with = |at: usize, value: u64| {
            let mut bad = good.clone();
            bad[trailer + at..trailer + at + 8].copy_from_slice(&value.to_be_bytes());
            bad
        };
        for (what, bad) in [
            // An offset table of 2^60 entries, far past the end of the blob.
            ("2^60 objects", with(8, 1 << 60)),
            // Object count times offset size overflows.
            ("u64::MAX objects", {
                let mut bad = with(8, u64::MAX);
                bad[trailer + 6] = 8;
                bad
            }),
            ("an offset table past the end", with(24, u64::MAX - 3)),
            ("an offset table inside the header", with(24, 2)),
            ("a top object past the count", with(16, 1 << 40)),
        ] {
            assert!(Bplist::parse(&bad).is_none(), "{what}");
            assert_eq!(mbfile_fields(&bad), None, "{what}");
            // The reference decoder refuses it too, without allocating for the claimed count.
            assert!(decode_reference(&bad).is_err(), "{what}");
        }
    }

    #[test]
    fn lengths_past_the_bytes_are_declined() {
        // The root dictionary's count as an 8-byte integer object: 2^60, then one whose key references
        // would wrap around the address space.
        for count in [1u64 << 60, u64::MAX] {
            let mut objects = archive(1);
            objects[0] = [0xDF, 0x13].to_vec();
            objects[0].extend(count.to_be_bytes());
            objects[0].extend([3, 4, 1, 2]);
            let bad = bplist(&objects);
            assert!(Bplist::parse(&bad).is_some(), "a sound trailer");
            assert_eq!(mbfile_fields(&bad), None, "count {count}");
            assert!(decode_reference(&bad).is_err(), "count {count}");
        }
        // A UID of 16 bytes whose low 8 would read as the file record's index: not a UID the reference
        // reads, so declined rather than read as 1.
        let mut objects = archive(1);
        objects[6] = [0x8F].into_iter().chain([0; 15]).chain([1]).collect();
        let bad = bplist(&objects);
        assert_eq!(mbfile_fields(&bad), None);
        assert!(decode_reference(&bad).is_err());
        // A length given as a 16-byte integer.
        let plist = Bplist {
            data: &[0xAF, 0x14, 0, 0],
            offset_size: 1,
            ref_size: 1,
            objects: 1,
            table: 4,
        };
        assert_eq!(plist.length(0, 0x0F), None);
    }
}
