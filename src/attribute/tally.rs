//! Streaming counters: each manifest file adds to its domain's bucket; no per-file strings are kept.

use rustc_hash::FxHashMap;

use super::apps::app_container;
use super::category::Category;
use super::rules::DomainRules;
use super::subset::Subset;
use crate::read::{Counts, ManifestFile};

/// How files of one domain are sorted into data types, decided once when the domain is first seen.
#[derive(Debug)]
enum Sorting {
    /// Every file goes to one data type.
    Whole(Category),
    /// The data type depends on the file's path.
    ByPath(DomainRules),
    /// An app container: its owner and data type are settled at the end, once every app is known.
    AppContainer,
}

/// What a bucket counts: a data type, and the slice of it Apple's rules treat apart, if any.
pub type BucketKey = (Category, Option<Subset>);

#[derive(Debug)]
struct DomainTally {
    name: Box<str>,
    sorting: Sorting,
    buckets: Vec<(BucketKey, Counts)>,
}

/// Per-domain, per-data-type counters for one backup.
#[derive(Debug, Default)]
pub struct Tally {
    index: FxHashMap<Box<str>, u32>,
    domains: Vec<DomainTally>,
    /// The domain of the previous file: manifests list a domain's files together, so most lookups end here.
    last: Option<u32>,
}

/// One domain's counts, split by data type (`Apps` for app containers), as the tally ends.
#[derive(Debug)]
pub struct DomainCounts {
    pub domain: String,
    pub is_app_container: bool,
    pub by_category: Vec<(BucketKey, Counts)>,
}

impl Tally {
    pub fn add(&mut self, file: ManifestFile<'_>) {
        let slot = match self.last {
            Some(last) if *self.domains[last as usize].name == *file.domain => last,
            _ => match self.index.get(file.domain) {
                Some(&slot) => slot,
                None => self.intern(file.domain),
            },
        };
        self.last = Some(slot);
        let domain = &mut self.domains[slot as usize];
        let key = match &domain.sorting {
            Sorting::Whole(category) => (*category, None),
            Sorting::ByPath(rules) => rules.classify(file.relative_path),
            Sorting::AppContainer => (Category::Apps, None),
        };
        match domain.buckets.iter_mut().find(|(k, _)| *k == key) {
            Some((_, counts)) => counts.add(file.size),
            None => {
                let mut counts = Counts::default();
                counts.add(file.size);
                domain.buckets.push((key, counts));
            }
        }
    }

    fn intern(&mut self, domain: &str) -> u32 {
        let sorting = if app_container(domain).is_some() {
            Sorting::AppContainer
        } else {
            match DomainRules::for_domain(domain) {
                Some(rules) => match rules.whole_domain() {
                    Some(category) => Sorting::Whole(category),
                    None => Sorting::ByPath(rules),
                },
                None => Sorting::Whole(Category::Other),
            }
        };
        let slot = u32::try_from(self.domains.len()).expect("fewer than 4 billion domains");
        self.domains.push(DomainTally {
            name: domain.into(),
            sorting,
            buckets: Vec::with_capacity(1),
        });
        self.index.insert(domain.into(), slot);
        slot
    }

    /// Adds another tally's counts (from a parallel walk) into this one.
    pub fn merge(&mut self, other: Tally) {
        for domain in other.domains {
            let slot = match self.index.get(&*domain.name) {
                Some(&slot) => slot,
                None => self.intern(&domain.name),
            };
            let mine = &mut self.domains[slot as usize].buckets;
            for (key, counts) in domain.buckets {
                match mine.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, existing)) => existing.merge(counts),
                    None => mine.push((key, counts)),
                }
            }
        }
    }

    /// The counts per domain, in no particular order.
    pub fn into_domains(self) -> Vec<DomainCounts> {
        self.domains
            .into_iter()
            .map(|d| DomainCounts {
                is_app_container: matches!(d.sorting, Sorting::AppContainer),
                domain: d.name.into(),
                by_category: d.buckets,
            })
            .collect()
    }
}
