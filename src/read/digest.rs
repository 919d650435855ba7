//! Per-shard fingerprints of a set of data files, so the manifest and the disk can be compared without
//! keeping a key per file: equal fingerprints mean equal sets.

use super::{Counts, FileKey};

/// The fingerprint of the data files of one shard (fileIDs starting with the same byte).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShardDigest {
    pub files: u64,
    /// Sum of the files' lengths, when they are known.
    pub bytes: u64,
    /// Wrapping sum of the keys (their last 16 bytes plus their first 4). FileIDs are SHA-1 hashes, so two
    /// different sets of the same size have equal sums only by a 2^-128 chance.
    key_sum: u128,
    /// Wrapping sum of each key mixed with its length: differs when any file's length does.
    len_sum: u64,
}

impl ShardDigest {
    fn add(&mut self, key: &FileKey, len: Option<u64>) {
        self.files += 1;
        let (mut head, mut tail) = ([0u8; 4], [0u8; 16]);
        head.copy_from_slice(&key[..4]);
        tail.copy_from_slice(&key[4..]);
        // Every byte counts, so no two fileIDs look alike to the sum.
        let value = u128::from_le_bytes(tail).wrapping_add(u128::from(u32::from_be_bytes(head)));
        self.key_sum = self.key_sum.wrapping_add(value);
        if let Some(len) = len {
            self.bytes = self.bytes.saturating_add(len);
            self.len_sum = self.len_sum.wrapping_add(mix(key, len));
        }
    }

    fn merge(&mut self, other: &ShardDigest) {
        self.files += other.files;
        self.bytes = self.bytes.saturating_add(other.bytes);
        self.key_sum = self.key_sum.wrapping_add(other.key_sum);
        self.len_sum = self.len_sum.wrapping_add(other.len_sum);
    }

    /// Whether both sides name the same files.
    pub fn same_files(&self, other: &ShardDigest) -> bool {
        self.files == other.files && self.key_sum == other.key_sum
    }

    /// Whether both sides give every file the same length (meaningful when both were given lengths).
    pub fn same_lengths(&self, other: &ShardDigest) -> bool {
        self.len_sum == other.len_sum
    }
}

/// SplitMix64's finaliser over the key's head and the length: a length change moves the sum unpredictably.
fn mix(key: &FileKey, len: u64) -> u64 {
    let mut head = [0u8; 8];
    head.copy_from_slice(&key[..8]);
    let mut z = u64::from_le_bytes(head) ^ len.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One `ShardDigest` per shard: 8 KB whatever the number of files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digests(Box<[ShardDigest; 256]>);

impl Default for Digests {
    fn default() -> Self {
        Digests(Box::new([ShardDigest::default(); 256]))
    }
}

impl Digests {
    /// Adds a file, with its length when known.
    pub fn add(&mut self, key: &FileKey, len: Option<u64>) {
        self.0[usize::from(key[0])].add(key, len);
    }

    pub fn merge(&mut self, other: &Digests) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0.iter()) {
            mine.merge(theirs);
        }
    }

    pub fn shard(&self, shard: u8) -> &ShardDigest {
        &self.0[usize::from(shard)]
    }

    /// Files and bytes over every shard.
    pub fn total(&self) -> Counts {
        let mut total = Counts::default();
        for shard in self.0.iter() {
            total.merge(Counts {
                files: shard.files,
                bytes: shard.bytes,
            });
        }
        total
    }
}

/// A set of shards, by their first byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardSet(Box<[bool; 256]>);

impl ShardSet {
    pub fn new(shards: impl IntoIterator<Item = u8>) -> Self {
        let mut set = Box::new([false; 256]);
        for shard in shards {
            set[usize::from(shard)] = true;
        }
        ShardSet(set)
    }

    pub fn contains(&self, key: &FileKey) -> bool {
        self.contains_shard(key[0])
    }

    pub fn contains_shard(&self, shard: u8) -> bool {
        self.0[usize::from(shard)]
    }

    /// The first and last shard in the set, if any.
    pub fn bounds(&self) -> Option<(u8, u8)> {
        let first = self.0.iter().position(|&b| b)?;
        let last = self.0.iter().rposition(|&b| b)?;
        Some((first as u8, last as u8))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: u32) -> FileKey {
        use sha1::{Digest, Sha1};
        Sha1::digest(i.to_le_bytes()).into()
    }

    #[test]
    fn equal_sets_in_any_order_have_equal_digests() {
        let (mut a, mut b) = (Digests::default(), Digests::default());
        for i in 0..1000 {
            a.add(&key(i), Some(u64::from(i)));
        }
        for i in (0..1000).rev() {
            b.add(&key(i), Some(u64::from(i)));
        }
        assert_eq!(a, b);
        assert_eq!(
            a.total(),
            Counts {
                files: 1000,
                bytes: 999 * 1000 / 2
            }
        );
    }

    #[test]
    fn a_missing_extra_or_resized_file_shows() {
        let mut all = Digests::default();
        for i in 0..100 {
            all.add(&key(i), Some(10));
        }
        let k = key(7);
        let shard = k[0];

        let mut missing = Digests::default();
        let mut swapped = Digests::default();
        let mut resized = Digests::default();
        for i in 0..100 {
            if i != 7 {
                missing.add(&key(i), Some(10));
                swapped.add(&key(i), Some(10));
            }
            resized.add(&key(i), Some(if i == 7 { 11 } else { 10 }));
        }
        // Same count, one name swapped for another in the same shard.
        let mut other = key(1000);
        other[0] = shard;
        swapped.add(&other, Some(10));

        assert!(!all.shard(shard).same_files(missing.shard(shard)));
        assert!(!all.shard(shard).same_files(swapped.shard(shard)));
        assert!(all.shard(shard).same_files(resized.shard(shard)));
        assert!(!all.shard(shard).same_lengths(resized.shard(shard)));
        // Other shards are untouched.
        let elsewhere = (0..=255u8).find(|&s| s != shard).unwrap();
        assert_eq!(all.shard(elsewhere), missing.shard(elsewhere));
    }

    #[test]
    fn shard_sets_know_their_bounds() {
        let set = ShardSet::new([0x10, 0x3d, 0xff]);
        assert_eq!(set.bounds(), Some((0x10, 0xff)));
        assert!(set.contains(&[0x3d; 20]));
        assert!(!set.contains(&[0x3e; 20]));
        assert_eq!(ShardSet::new([]).bounds(), None);
    }
}
