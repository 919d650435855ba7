//! Two backups' prints, each sorted by key, merged in one pass: what was added, removed, grown and shrunk,
//! and the few largest changes of each kind, by key (their names are found afterwards).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use serde::Serialize;

use super::prints::{Key, Print};
use crate::read::Counts;

/// How files changed between two backups, and the keys of the largest changes.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Changes {
    /// Files only in the newer backup, with their bytes.
    pub added: Counts,
    /// Files only in the older one, with their bytes.
    pub removed: Counts,
    /// Files in both, larger in the newer: their count, and the bytes they grew by.
    pub grown: Counts,
    /// Files in both, smaller in the newer: their count, and the bytes they lost.
    pub shrunk: Counts,
    /// Files in both with the same size.
    pub unchanged: Counts,
    /// The largest changes, largest first, ties by key: (key, old size, new size).
    #[serde(skip)]
    pub top_added: Vec<(Key, u64)>,
    #[serde(skip)]
    pub top_removed: Vec<(Key, u64)>,
    #[serde(skip)]
    pub top_grown: Vec<(Key, u64, u64)>,
}

/// One change as the heap orders it: by how much, then the smaller key first; with the old and new sizes.
type Ranked = (u64, Reverse<Key>, u64, u64);

/// The `n` largest of what is pushed: largest first, ties by the smaller key.
struct Largest {
    n: usize,
    heap: BinaryHeap<Reverse<Ranked>>,
}

impl Largest {
    fn new(n: usize) -> Self {
        Largest {
            n,
            heap: BinaryHeap::with_capacity(n.min(1 << 16) + 1),
        }
    }

    fn push(&mut self, by: u64, key: Key, old: u64, new: u64) {
        if self.n == 0 {
            return;
        }
        let item = Reverse((by, Reverse(key), old, new));
        if self.heap.len() < self.n {
            self.heap.push(item);
        } else if self.heap.peek().is_some_and(|least| item < *least) {
            self.heap.pop();
            self.heap.push(item);
        }
    }

    fn into_sorted(self) -> Vec<(Key, u64, u64)> {
        // Ascending `Reverse` order is largest first.
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|Reverse((_, Reverse(key), old, new))| (key, old, new))
            .collect()
    }
}

/// Merges `old` and `new` (each sorted by key, each key once), keeping the `n` largest of each change.
pub(crate) fn merge(old: &[Print], new: &[Print], n: usize) -> Changes {
    let mut changes = Changes::default();
    let (mut added, mut removed, mut grown) = (Largest::new(n), Largest::new(n), Largest::new(n));
    let (mut i, mut j) = (0, 0);
    loop {
        let (o, nw) = (old.get(i), new.get(j));
        match (o, nw) {
            (None, None) => break,
            (Some(&(k, size)), None) => {
                changes.removed.add(size);
                removed.push(size, k, size, 0);
                i += 1;
            }
            (None, Some(&(k, size))) => {
                changes.added.add(size);
                added.push(size, k, 0, size);
                j += 1;
            }
            (Some(&(ko, so)), Some(&(kn, sn))) => {
                if ko < kn {
                    changes.removed.add(so);
                    removed.push(so, ko, so, 0);
                    i += 1;
                } else if kn < ko {
                    changes.added.add(sn);
                    added.push(sn, kn, 0, sn);
                    j += 1;
                } else {
                    if sn > so {
                        changes.grown.add(sn - so);
                        grown.push(sn - so, kn, so, sn);
                    } else if sn < so {
                        changes.shrunk.add(so - sn);
                    } else {
                        changes.unchanged.add(sn);
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
    }
    changes.top_added = added
        .into_sorted()
        .into_iter()
        .map(|(k, _, s)| (k, s))
        .collect();
    changes.top_removed = removed
        .into_sorted()
        .into_iter()
        .map(|(k, s, _)| (k, s))
        .collect();
    changes.top_grown = grown.into_sorted();
    changes
}

#[cfg(test)]
mod tests {
    use super::super::prints::Prints;
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// The simple way: every key in a map, every change listed, sorted, cut.
    fn reference(old: &[Print], new: &[Print], n: usize) -> Changes {
        let o: BTreeMap<Key, u64> = old.iter().copied().collect();
        let nw: BTreeMap<Key, u64> = new.iter().copied().collect();
        let mut c = Changes::default();
        let (mut added, mut removed, mut grown) = (vec![], vec![], vec![]);
        for (&k, &s) in &o {
            match nw.get(&k) {
                None => {
                    c.removed.add(s);
                    removed.push((k, s));
                }
                Some(&t) if t > s => {
                    c.grown.add(t - s);
                    grown.push((k, s, t));
                }
                Some(&t) if t < s => c.shrunk.add(s - t),
                Some(&t) => c.unchanged.add(t),
            }
        }
        for (&k, &t) in &nw {
            if !o.contains_key(&k) {
                c.added.add(t);
                added.push((k, t));
            }
        }
        added.sort_by_key(|&(k, s)| (Reverse(s), k));
        removed.sort_by_key(|&(k, s)| (Reverse(s), k));
        grown.sort_by_key(|&(k, s, t)| (Reverse(t - s), k));
        added.truncate(n);
        removed.truncate(n);
        grown.truncate(n);
        (c.top_added, c.top_removed, c.top_grown) = (added, removed, grown);
        c
    }

    fn side() -> impl Strategy<Value = Vec<Print>> {
        // Few keys and sizes, so that the two sides share places and sizes tie.
        proptest::collection::vec((0u128..40, 0u64..6), 0..60)
            .prop_map(|v| Prints(v.into_iter().map(|(k, s)| (k << 100 | k, s)).collect()).sorted())
    }

    proptest! {
        #[test]
        fn the_merge_equals_the_simple_way(old in side(), new in side(), n in 0usize..8) {
            prop_assert_eq!(merge(&old, &new, n), reference(&old, &new, n));
        }
    }

    #[test]
    fn nothing_against_nothing_is_no_change() {
        assert_eq!(merge(&[], &[], 5), Changes::default());
        let one = [(7, 3)];
        let c = merge(&one, &one, 5);
        assert_eq!(c.unchanged, Counts { files: 1, bytes: 3 });
        assert!(c.top_added.is_empty() && c.top_removed.is_empty() && c.top_grown.is_empty());
    }
}
