//! Parses a plist from a backup into a `plist::Value`, refusing shapes that no real plist has before a
//! value tree is built: nesting deeper than [`MAX_DEPTH`] and more values than the bytes can hold.
//!
//! Why a check first: the `plist` crate reads events without recursion, but the `Value` it builds is dropped
//! (and cloned, printed, compared) recursively, so a 1 MB file of `<array>` inside `<array>` overflows the
//! stack and aborts the whole process with every other backup. And a binary plist may reference one array
//! from many places: the crate expands every reference, so 40 levels of arrays that each reference the next
//! twice expand to 2^40 values from a few hundred bytes. The value is built from the crate's own event stream
//! (read without recursion), which is cut at the first value past either limit.

use std::io::Cursor;

use plist::stream::{Event, OwnedEvent, Reader};
use plist::Value;

/// Deepest nesting accepted. Backup plists nest at most a handful of levels (Info.plist's
/// `Applications › id › iTunesMetadata` is the deepest we know of); CFPropertyList caps binary plists at 512
/// (its PR #72) and we follow it. With 512 levels a dropped value needs a few tens of KB of stack, well
/// inside the 2 MB of a worker thread (tested with a 1 MB main-thread stack too: `tests/it/corpus.rs`).
pub const MAX_DEPTH: usize = 512;

/// Why a plist was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("it is truncated or damaged")]
    Damaged,
    #[error("it nests deeper than {MAX_DEPTH} levels, which no real plist does: it is damaged or crafted")]
    TooDeep,
    #[error(
        "it expands to more values than its {bytes} bytes can hold (shared references): it is damaged or crafted"
    )]
    TooManyValues { bytes: usize },
}

/// The plist in `bytes` (binary, XML or ASCII), or why it was refused.
pub fn parse(bytes: &[u8]) -> Result<Value, Refused> {
    let mut guard = Guard {
        events: Reader::new(Cursor::new(bytes)),
        depth: 0,
        values: 0,
        budget: bytes.len() as u64 + 1,
        refused: None,
    };
    let value = Value::from_events(&mut guard);
    match guard.refused {
        Some(refused) => Err(refused),
        None => value.map_err(|_| Refused::Damaged),
    }
}

/// The crate's event stream, ended at the first value deeper than [`MAX_DEPTH`] or past the value budget
/// (the builder then fails, and [`Guard::refused`] says why). A tree-shaped plist has at most one value per
/// byte: in a binary plist every value but the top is the target of its own reference (at least one byte),
/// and XML spends several bytes on each.
struct Guard<'a> {
    events: Reader<Cursor<&'a [u8]>>,
    depth: usize,
    values: u64,
    budget: u64,
    refused: Option<Refused>,
}

impl Iterator for Guard<'_> {
    type Item = Result<OwnedEvent, plist::Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.refused.is_some() {
            return None;
        }
        let event = self.events.next()?;
        match &event {
            Ok(Event::EndCollection) => {
                self.depth = self.depth.saturating_sub(1);
                return Some(event);
            }
            Ok(Event::StartArray(_) | Event::StartDictionary(_)) => {
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    self.refused = Some(Refused::TooDeep);
                    return None;
                }
            }
            _ => {}
        }
        self.values += 1;
        if self.values > self.budget {
            self.refused = Some(Refused::TooManyValues {
                bytes: (self.budget - 1) as usize,
            });
            return None;
        }
        Some(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `depth` arrays, one inside the other, as XML.
    fn nested_xml(depth: usize) -> Vec<u8> {
        let mut xml =
            String::from(r#"<?xml version="1.0" encoding="UTF-8"?><plist version="1.0">"#);
        xml.push_str(&"<array>".repeat(depth));
        xml.push_str(&"</array>".repeat(depth));
        xml.push_str("</plist>");
        xml.into_bytes()
    }

    /// A binary plist of `levels` arrays in which array `i` holds `width` references (`ref_size` bytes each)
    /// to array `i + 1`, the last one empty: `width^levels` values once expanded, from a few bytes a level.
    fn arrays(levels: usize, width: usize, ref_size: u8) -> Vec<u8> {
        let mut out = b"bplist00".to_vec();
        let mut offsets = Vec::new();
        for i in 0..levels {
            offsets.push(out.len());
            if i + 1 == levels {
                out.push(0xA0);
                continue;
            }
            if width < 15 {
                out.push(0xA0 | width as u8);
            } else {
                out.extend([0xAF, 0x11]);
                out.extend(u16::try_from(width).unwrap().to_be_bytes());
            }
            let next = (i as u64 + 1).to_be_bytes();
            for _ in 0..width {
                out.extend(&next[8 - usize::from(ref_size)..]);
            }
        }
        // Offset table (4-byte offsets), then the trailer with object 0 on top.
        let table = out.len() as u64;
        for &o in &offsets {
            out.extend(u32::try_from(o).unwrap().to_be_bytes());
        }
        out.extend([0; 6]);
        out.extend([4, ref_size]);
        out.extend((offsets.len() as u64).to_be_bytes());
        out.extend(0u64.to_be_bytes());
        out.extend(table.to_be_bytes());
        out
    }

    /// Arrays referenced `width` times each, from one level to the next (fewer than 256 levels).
    fn shared_arrays(levels: usize, width: usize) -> Vec<u8> {
        arrays(levels, width, 1)
    }

    /// `depth` arrays, each holding the next (4-byte references, so any depth).
    fn nested_binary(depth: usize) -> Vec<u8> {
        arrays(depth, 1, 4)
    }

    #[test]
    fn real_shapes_parse_as_the_crate_reads_them() {
        let mut dict = plist::Dictionary::new();
        dict.insert("Device Name".into(), "Maya's iPhone".into());
        dict.insert(
            "Installed Applications".into(),
            Value::Array(vec!["com.burbn.instagram".into()]),
        );
        let value = Value::Dictionary(dict);
        let mut binary = Vec::new();
        value.to_writer_binary(&mut binary).unwrap();
        let mut xml = Vec::new();
        value.to_writer_xml(&mut xml).unwrap();
        assert_eq!(parse(&binary).unwrap(), value);
        assert_eq!(parse(&xml).unwrap(), value);
        assert_eq!(parse(b"").unwrap_err(), Refused::Damaged);
        assert_eq!(parse(b"bplist00 cut").unwrap_err(), Refused::Damaged);
    }

    #[test]
    fn nesting_is_accepted_up_to_the_limit_and_refused_past_it() {
        for depth in [1, 2, 100, MAX_DEPTH] {
            assert!(parse(&nested_xml(depth)).is_ok(), "xml {depth}");
            assert!(parse(&nested_binary(depth)).is_ok(), "binary {depth}");
        }
        // Up to a million levels: each refused without building (or dropping) a deep value.
        for depth in [MAX_DEPTH + 1, 10_000, 1_000_000] {
            assert_eq!(parse(&nested_xml(depth)), Err(Refused::TooDeep), "{depth}");
            assert_eq!(
                parse(&nested_binary(depth)),
                Err(Refused::TooDeep),
                "{depth}"
            );
        }
    }

    #[test]
    fn shared_references_may_not_expand_past_the_bytes() {
        // A tree with each array referenced once reads, whatever its width.
        assert!(parse(&shared_arrays(2, 1000)).is_ok());
        // 2^40 values from about 150 bytes, and 1000^3 from 2 KB: refused early, not expanded.
        for (levels, width) in [(40, 2), (4, 1000)] {
            let bytes = shared_arrays(levels, width);
            assert_eq!(
                parse(&bytes),
                Err(Refused::TooManyValues { bytes: bytes.len() }),
                "{levels} x {width}"
            );
        }
    }

    #[test]
    fn a_value_at_the_limit_can_be_dropped_on_a_small_stack() {
        let bytes = nested_xml(MAX_DEPTH);
        let dropped = std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(move || drop(parse(&bytes).unwrap()))
            .unwrap()
            .join();
        assert!(dropped.is_ok());
    }
}
