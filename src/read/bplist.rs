//! A narrow reader of binary plists: just enough to pull `Size` and `Mode` out of an MBFile archive fast.
//!
//! The `plist` crate builds a whole value tree per blob (about 6 µs each; a large backup has 1.5 million
//! rows). This reader walks the same bytes without allocating. It declines (returns `None`) when the path to
//! `Size` and `Mode` holds anything it does not fully understand, and the caller then uses the `plist` crate,
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

/// `(size, mode)` of an MBFile archive, or `None` to let the reference decoder decide.
pub fn mbfile_size_mode(data: &[u8]) -> Option<(i64, Option<i64>)> {
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
    let [size, mode] = plist.lookup(file, [b"Size", b"Mode"])?;
    let size = plist.int(plist.resolve(size?, objects)?)?;
    let mode = match mode {
        Some(v) => Some(plist.int(plist.resolve(v, objects)?)?),
        None => None,
    };
    Some((size, mode))
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
            0x8 => Found::Uid(be(self.data.get(at + 1..at + 2 + low)?)),
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
