//! Streaming counters: each manifest file adds to its domain's bucket; no per-file strings are kept.

use rustc_hash::FxHashMap;

use super::apps::app_container;
use super::births::{PerMonth, Window, MONTHS};
use super::category::Category;
use super::inside::{Keep, ShareInside};
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
    /// One counter per rule of the domain (`ByPath`: the rule's index, then one for files no rule covers);
    /// one counter otherwise. Counted per rule, not per data type, so each data type can show which path
    /// prefixes hold its bytes, at the cost of an index per file.
    counts: Vec<Counts>,
    /// Beside each counter, what its files hold (folders, largest files) when the tally keeps that.
    inside: Vec<ShareInside>,
    /// Beside each counter, the bytes born per month of the window, when the tally has one.
    births: Vec<PerMonth>,
}

/// Per-domain, per-rule counters for one backup.
#[derive(Debug, Default)]
pub struct Tally {
    index: FxHashMap<Box<str>, u32>,
    domains: Vec<DomainTally>,
    /// The domain of the previous file: manifests list a domain's files together, so most lookups end here.
    last: Option<u32>,
    /// What to keep of each share's files for looking inside; `None` (a plain scan) keeps nothing.
    keep: Option<Keep>,
    /// The months births are counted in; `None` (no backup date) counts none.
    window: Option<Window>,
}

/// One share of a domain: the files under one path prefix (one rule) and the data type they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub key: BucketKey,
    /// The rule's path prefix; empty for the whole domain.
    pub prefix: &'static str,
    pub counts: Counts,
}

/// One domain's counts, split by rule (`Apps` for app containers), as the tally ends.
#[derive(Debug)]
pub struct DomainCounts {
    pub domain: String,
    pub is_app_container: bool,
    /// Only buckets that counted a file.
    pub buckets: Vec<Bucket>,
    /// What each bucket holds, in the same order, when the tally kept it; empty otherwise.
    pub inside: Vec<ShareInside>,
    /// Each bucket's bytes born per month, in the same order, when the tally counted them; empty otherwise.
    pub births: Vec<PerMonth>,
}

impl Tally {
    /// A tally that also keeps, per share, its folders and largest files as `keep` says.
    pub fn keeping(keep: Keep) -> Self {
        Tally {
            keep: Some(keep),
            ..Tally::default()
        }
    }

    /// What the tally keeps for looking inside, if anything.
    pub fn keep(&self) -> Option<Keep> {
        self.keep
    }

    /// The same tally, counting the bytes born in each month of `window` too.
    pub fn with_births(mut self, window: Window) -> Self {
        self.window = Some(window);
        self
    }

    /// The months births are counted in, if any.
    pub fn window(&self) -> Option<Window> {
        self.window
    }

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
        let at = match &domain.sorting {
            Sorting::ByPath(rules) => rules
                .rule_index(file.relative_path)
                .unwrap_or(rules.rule_count()),
            Sorting::Whole(_) | Sorting::AppContainer => 0,
        };
        domain.counts[at].add(file.size);
        if let Some(keep) = &self.keep {
            domain.inside[at].add(keep, &file);
        }
        if let (Some(window), Some(birth)) = (&self.window, file.birth) {
            if let Some(month) = window.slot(birth) {
                let slot = &mut domain.births[at][month];
                *slot = slot.saturating_add(file.size);
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
        let buckets = match &sorting {
            Sorting::ByPath(rules) => rules.rule_count() + 1,
            _ => 1,
        };
        let inside = match self.keep {
            Some(_) => vec![ShareInside::default(); buckets],
            None => Vec::new(),
        };
        let births = match self.window {
            Some(_) => vec![[0; MONTHS]; buckets],
            None => Vec::new(),
        };
        self.domains.push(DomainTally {
            name: domain.into(),
            sorting,
            counts: vec![Counts::default(); buckets],
            inside,
            births,
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
            // The same domain has the same rules in both: the counters line up.
            let mine = &mut self.domains[slot as usize];
            for (counts, theirs) in mine.counts.iter_mut().zip(domain.counts) {
                counts.merge(theirs);
            }
            if let Some(keep) = &self.keep {
                for (inside, theirs) in mine.inside.iter_mut().zip(domain.inside) {
                    inside.merge(keep, theirs);
                }
            }
            for (births, theirs) in mine.births.iter_mut().zip(domain.births) {
                for (b, t) in births.iter_mut().zip(theirs) {
                    *b = b.saturating_add(t);
                }
            }
        }
    }

    /// The counts per domain, in no particular order.
    pub fn into_domains(self) -> Vec<DomainCounts> {
        self.domains
            .into_iter()
            .map(|d| {
                // Empty unless the tally keeps what lies inside (counts births): then one per counter.
                let mut inside = d.inside.into_iter();
                let mut kept_inside = Vec::new();
                let mut births = d.births.into_iter();
                let mut kept_births = Vec::new();
                let buckets = d
                    .counts
                    .into_iter()
                    .enumerate()
                    .filter_map(|(at, counts)| {
                        let held = inside.next();
                        let born = births.next();
                        if counts.files == 0 {
                            return None;
                        }
                        kept_inside.extend(held);
                        kept_births.extend(born);
                        Some((at, counts))
                    })
                    .map(|(at, counts)| {
                        let (key, prefix) = match &d.sorting {
                            Sorting::Whole(category) => ((*category, None), ""),
                            Sorting::AppContainer => ((Category::Apps, None), ""),
                            Sorting::ByPath(rules) => match rules.rule(at) {
                                Some(rule) => ((rule.category, rule.subset), rule.prefix),
                                None => ((Category::Other, None), ""),
                            },
                        };
                        Bucket {
                            key,
                            prefix,
                            counts,
                        }
                    })
                    .collect();
                DomainCounts {
                    is_app_container: matches!(d.sorting, Sorting::AppContainer),
                    domain: d.name.into(),
                    buckets,
                    inside: kept_inside,
                    births: kept_births,
                }
            })
            .collect()
    }
}
