//! The generator's intent: every row it will write, each regular file labelled with its owner.
//!
//! The rows come from the hand-labelled tables in `content`; this module sizes them, adds the
//! directory rows, and draws the per-row MBFile details.

use std::collections::{HashMap, HashSet};

use sha1::{Digest, Sha1};

use super::births::{Calendar, Life};
use super::content::{fixed_content, life_of, pools, Pool, APPS, EXTRA_EXTENSIONS};
use super::rng::{hex_digit, mix64, Rng};
use super::{SpecFile, SpecOwner};

/// The data types a backup's bytes are split into. Ids are the strings the record uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Category {
    Photos,
    Messages,
    VoiceMemos,
    Voicemail,
    CallHistory,
    Contacts,
    Calendars,
    Notes,
    Safari,
    Wallet,
    Health,
    Passwords,
    Home,
    Books,
    Ringtones,
    Keyboard,
    Files,
    ICloudDrive,
    Wallpaper,
    AppleWatch,
    Mail,
    Reminders,
    Shortcuts,
    Maps,
    Music,
    Podcasts,
    Tv,
    Siri,
    ScreenTime,
    System,
    Apps,
    Other,
}

impl Category {
    pub(crate) const ALL: [Category; 32] = [
        Category::Photos,
        Category::Messages,
        Category::VoiceMemos,
        Category::Voicemail,
        Category::CallHistory,
        Category::Contacts,
        Category::Calendars,
        Category::Notes,
        Category::Safari,
        Category::Wallet,
        Category::Health,
        Category::Passwords,
        Category::Home,
        Category::Books,
        Category::Ringtones,
        Category::Keyboard,
        Category::Files,
        Category::ICloudDrive,
        Category::Wallpaper,
        Category::AppleWatch,
        Category::Mail,
        Category::Reminders,
        Category::Shortcuts,
        Category::Maps,
        Category::Music,
        Category::Podcasts,
        Category::Tv,
        Category::Siri,
        Category::ScreenTime,
        Category::System,
        Category::Apps,
        Category::Other,
    ];

    pub(crate) fn id(self) -> &'static str {
        match self {
            Category::Photos => "photos",
            Category::Messages => "messages",
            Category::VoiceMemos => "voice-memos",
            Category::Voicemail => "voicemail",
            Category::CallHistory => "call-history",
            Category::Contacts => "contacts",
            Category::Calendars => "calendars",
            Category::Notes => "notes",
            Category::Safari => "safari",
            Category::Wallet => "wallet",
            Category::Health => "health",
            Category::Passwords => "passwords",
            Category::Home => "home",
            Category::Books => "books",
            Category::Ringtones => "ringtones",
            Category::Keyboard => "keyboard",
            Category::Files => "files",
            Category::ICloudDrive => "icloud-drive",
            Category::Wallpaper => "wallpaper",
            Category::AppleWatch => "apple-watch",
            Category::Mail => "mail",
            Category::Reminders => "reminders",
            Category::Shortcuts => "shortcuts",
            Category::Maps => "maps",
            Category::Music => "music",
            Category::Podcasts => "podcasts",
            Category::Tv => "tv",
            Category::Siri => "siri",
            Category::ScreenTime => "screen-time",
            Category::System => "system",
            Category::Apps => "apps",
            Category::Other => "other",
        }
    }

    /// The category whose record id is `id`.
    pub(crate) fn from_id(id: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.id() == id)
    }
}

/// A slice of a category that Apple's backup rules treat apart (Domains.plist); ids as the record uses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Subset {
    /// Photo thumbnails, metadata and CPL caches: kept from iCloud backups.
    PhotoCaches,
    /// Safari's History.db: local encrypted backups only.
    SafariHistory,
    /// Wi-Fi network lists: local encrypted backups only.
    WifiNetworks,
}

impl Subset {
    pub(crate) fn id(self) -> &'static str {
        match self {
            Subset::PhotoCaches => "photo-caches",
            Subset::SafariHistory => "safari-history",
            Subset::WifiNetworks => "wifi-networks",
        }
    }
}

/// A row kind, with what only that kind has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    File { size: u64 },
    Dir,
    Symlink { target: String },
}

/// Who a regular file's bytes belong to: a category, and for category `apps` the apps-map key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Label {
    pub category: Category,
    pub subset: Option<Subset>,
    pub owner: Option<u32>,
}

/// One entry of the record's apps map.
#[derive(Debug, Clone)]
pub(crate) struct Owner {
    pub key: String,
    pub name: String,
}

/// Per-row MBFile details that vary between rows so readers meet every shape.
#[derive(Debug, Clone)]
pub(crate) struct Meta {
    pub birth: i64,
    pub modified: i64,
    pub changed: i64,
    pub inode: u64,
    pub protection: u8,
    pub digest: bool,
    pub xattrs: bool,
    pub size_uid: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub domain: u32,
    pub path: String,
    pub kind: Kind,
    /// Index into `Catalog::labels`; meaningful for regular files only.
    pub label: u32,
    pub file_id: [u8; 20],
    pub meta: Meta,
}

impl Entry {
    pub(crate) fn size(&self) -> u64 {
        match self.kind {
            Kind::File { size } => size,
            _ => 0,
        }
    }

    pub(crate) fn is_file(&self) -> bool {
        matches!(self.kind, Kind::File { .. })
    }
}

/// Everything the generator means to write for one backup.
#[derive(Debug)]
pub(crate) struct Catalog {
    pub domains: Vec<String>,
    /// Sorted by fileID: SQLite then appends to the primary-key index instead of splitting
    /// pages all over it, and shard folders are filled one after the other.
    pub entries: Vec<Entry>,
    pub labels: Vec<Label>,
    pub owners: Vec<Owner>,
    /// `AppDomainPlugin-` ids present plus [`EXTRA_EXTENSIONS`], sorted.
    pub extensions: Vec<String>,
    /// `AppDomainGroup-` ids present, sorted.
    pub groups: Vec<String>,
}

/// What a catalog is built from (a subset of the public spec, so this module has no I/O types).
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    /// The generated phone's fixed files and pools; without it only `spec_files`.
    pub phone_content: bool,
    pub spec_files: Vec<SpecFile>,
    pub files: u64,
    pub avg_file_size: u64,
    pub seed: u64,
    pub last_backup: i64,
    /// Set for an earlier copy: the catalog is the later backup's, seen at `last_backup`.
    pub earlier: Option<super::earlier::Earlier>,
}

pub(crate) fn file_id(domain: &str, path: &str) -> [u8; 20] {
    let mut h = Sha1::new();
    h.update(domain.as_bytes());
    h.update(b"-");
    h.update(path.as_bytes());
    h.finalize().into()
}

pub(crate) fn hex_id(id: &[u8; 20]) -> String {
    let mut s = String::with_capacity(40);
    for b in id {
        s.push(hex_digit(b >> 4, false));
        s.push(hex_digit(b & 0xF, false));
    }
    s
}

/// FNV-1a: a stable per-string stream id (std's hashers are randomly seeded per process).
pub(crate) fn stable_hash(s: &str) -> u64 {
    s.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// Who owns a draft's bytes, written the way the content tables read best.
#[derive(Debug, Clone, Copy)]
pub(super) enum By {
    Cat(Category),
    /// A file of `Category` that is also in a subset.
    Part(Category, Subset),
    /// A third-party (or unmapped Apple) app, keyed by its bundle id.
    App(&'static str),
    /// A container no installed app can claim: its own apps entry under `key` named `name`.
    Own(&'static str, &'static str),
}

/// How much a file's drawn size may stray from its weight, in per-mille of the weight.
#[derive(Debug, Clone, Copy)]
enum Spread {
    /// Named fixed files: 800–1200 ‰, so each keeps its rank (sms.db stays big).
    Tight,
    /// Bulk media: 300–1700 ‰, triangular.
    Wide,
    /// A file a spec asked for by size: `weight` is its exact `Size` in bytes, never scaled.
    Exact,
}

#[derive(Debug)]
enum DraftKind {
    /// `weight` is a size in nominal kilobytes; only ratios matter after scaling. 0 = empty file.
    File {
        weight: u64,
        spread: Spread,
    },
    Dir,
    Symlink(String),
}

#[derive(Debug)]
struct Draft {
    domain: u32,
    path: String,
    kind: DraftKind,
    label: u32,
    life: Life,
}

#[derive(Default)]
pub(super) struct Builder {
    domains: Vec<String>,
    domain_ix: HashMap<String, u32>,
    drafts: Vec<Draft>,
    labels: Vec<Label>,
    label_ix: HashMap<Label, u32>,
    owners: Vec<Owner>,
    owner_ix: HashMap<String, u32>,
}

impl Builder {
    pub(super) fn domain(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.domain_ix.get(name) {
            return i;
        }
        let i = self.domains.len() as u32;
        self.domains.push(name.to_owned());
        self.domain_ix.insert(name.to_owned(), i);
        i
    }

    fn owner(&mut self, key: &str, name: &str) -> u32 {
        if let Some(&i) = self.owner_ix.get(key) {
            return i;
        }
        let i = self.owners.len() as u32;
        self.owners.push(Owner {
            key: key.to_owned(),
            name: name.to_owned(),
        });
        self.owner_ix.insert(key.to_owned(), i);
        i
    }

    fn label(&mut self, by: By) -> u32 {
        let label = self.label_of(by);
        self.intern(label)
    }

    fn label_of(&mut self, by: By) -> Label {
        match by {
            By::Cat(category) => Label {
                category,
                subset: None,
                owner: None,
            },
            By::Part(category, subset) => Label {
                category,
                subset: Some(subset),
                owner: None,
            },
            By::App(id) => {
                // The record names an app by its itemName, else by the `.app` folder it was written with
                // (Manifest.plist `Path`), or by its id when it has neither.
                let def = APPS.iter().find(|a| a.id == id);
                let name = def
                    .and_then(|a| a.item_name)
                    .or_else(|| def.and_then(|a| a.bundle_dir.strip_suffix(".app")))
                    .unwrap_or(id);
                Label {
                    category: Category::Apps,
                    subset: None,
                    owner: Some(self.owner(id, name)),
                }
            }
            By::Own(key, name) => Label {
                category: Category::Apps,
                subset: None,
                owner: Some(self.owner(key, name)),
            },
        }
    }

    fn intern(&mut self, label: Label) -> u32 {
        if let Some(&i) = self.label_ix.get(&label) {
            return i;
        }
        let i = self.labels.len() as u32;
        self.labels.push(label);
        self.label_ix.insert(label, i);
        i
    }

    fn push(&mut self, domain: &str, path: &str, by: By, kind: DraftKind, life: Life) {
        let domain = self.domain(domain);
        let label = self.label(by);
        self.drafts.push(Draft {
            domain,
            path: path.to_owned(),
            kind,
            label,
            life,
        });
    }

    pub(super) fn file(&mut self, domain: &str, path: &str, by: By, weight: u64) {
        let kind = DraftKind::File {
            weight,
            spread: Spread::Tight,
        };
        self.push(domain, path, by, kind, life_of(path));
    }

    /// A file a spec names, with its exact size and owner.
    fn spec_file(&mut self, f: &SpecFile) {
        let label = match &f.owner {
            SpecOwner::Category(id) => Label {
                // `BackupSpec::validate` refused unknown ids.
                category: Category::from_id(id).unwrap_or(Category::Other),
                subset: None,
                owner: None,
            },
            SpecOwner::App(key) => Label {
                category: Category::Apps,
                subset: None,
                owner: Some(self.owner(key, key)),
            },
        };
        let label = self.intern(label);
        let domain = self.domain(&f.domain);
        self.drafts.push(Draft {
            domain,
            path: f.path.clone(),
            kind: DraftKind::File {
                weight: f.size,
                spread: Spread::Exact,
            },
            label,
            life: life_of(&f.path),
        });
    }

    pub(super) fn symlink(&mut self, domain: &str, path: &str, target: &str) {
        let kind = DraftKind::Symlink(target.to_owned());
        self.push(domain, path, By::Cat(Category::Other), kind, Life::Any);
    }

    pub(super) fn dir(&mut self, domain: &str, path: &str) {
        self.push(
            domain,
            path,
            By::Cat(Category::Other),
            DraftKind::Dir,
            Life::Any,
        );
    }
}

/// How many members each pool gets: its minimum plus its share of what is left of `files`
/// after the fixed set, largest remainders first so the total is exact.
fn pool_counts(pools: &[Pool], fixed_files: u64, files: u64) -> Vec<u64> {
    let mins: u64 = pools.iter().map(|p| p.min).sum();
    let extra = files.saturating_sub(fixed_files + mins);
    let shares: u64 = pools.iter().map(|p| p.share).sum();
    let mut counts: Vec<u64> = pools
        .iter()
        .map(|p| p.min + extra * p.share / shares)
        .collect();
    let mut left = extra - pools.iter().map(|p| extra * p.share / shares).sum::<u64>();
    let mut order: Vec<usize> = (0..pools.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse((extra * pools[i].share) % shares));
    for i in order {
        if left == 0 {
            break;
        }
        counts[i] += 1;
        left -= 1;
    }
    counts
}

/// Draws a file's unscaled size from its weight.
fn draw(rng: &mut Rng, weight: u64, spread: Spread) -> u64 {
    let per_mille = match spread {
        Spread::Tight => 800 + rng.below(401),
        Spread::Wide => 300 + rng.below(701) + rng.below(701),
        // Not part of the scaled total: its size is its weight.
        Spread::Exact => return 0,
    };
    weight * per_mille
}

/// Builds the catalog. Deterministic in `shape`; allocates about 200 bytes per row. An earlier copy's is
/// the later backup's catalog, seen at the earlier date ([`super::earlier::derive`]).
pub(crate) fn build(shape: &Shape) -> Catalog {
    match &shape.earlier {
        None => build_now(shape),
        Some(earlier) => {
            let later = Shape {
                last_backup: earlier.later,
                earlier: None,
                ..shape.clone()
            };
            super::earlier::derive(build_now(&later), shape.last_backup, earlier, shape.seed)
        }
    }
}

fn build_now(shape: &Shape) -> Catalog {
    let mut b = Builder::default();
    for f in &shape.spec_files {
        b.spec_file(f);
    }
    if !shape.phone_content {
        return finish(b, shape);
    }
    fixed_content(&mut b);
    let fixed_files = b
        .drafts
        .iter()
        .filter(|d| matches!(d.kind, DraftKind::File { .. }))
        .count() as u64
        - shape.spec_files.len() as u64;
    let pools = pools();
    let counts = pool_counts(&pools, fixed_files, shape.files);
    for (pool, &count) in pools.iter().zip(&counts) {
        let domain = b.domain(pool.domain);
        let label = b.label(pool.by);
        b.drafts.reserve(count as usize);
        for n in 0..count {
            let (path, weight) = (pool.item)(n);
            b.drafts.push(Draft {
                domain,
                path,
                kind: DraftKind::File {
                    weight,
                    spread: Spread::Wide,
                },
                label,
                life: (pool.life)(n),
            });
        }
    }
    finish(b, shape)
}

fn finish(b: Builder, shape: &Shape) -> Catalog {
    let Builder {
        domains,
        drafts,
        labels,
        owners,
        ..
    } = b;
    let mut rng = Rng::derive(shape.seed, 1);
    let camera_items = drafts
        .iter()
        .filter_map(|d| match d.life {
            Life::Camera(n) => Some(n + 1),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let calendar = Calendar::new(shape.seed, shape.last_backup, camera_items);

    // Sizes: draw unscaled sizes, then scale so they add up to files × avg_file_size. Integer
    // arithmetic only, so every platform produces the same bytes.
    let raw: Vec<u64> = drafts
        .iter()
        .map(|d| match d.kind {
            DraftKind::File { weight, spread } => draw(&mut rng, weight, spread),
            _ => 0,
        })
        .collect();
    let file_count = drafts
        .iter()
        .filter(|d| {
            matches!(d.kind, DraftKind::File { spread, .. } if !matches!(spread, Spread::Exact))
        })
        .count() as u128;
    let target = file_count * u128::from(shape.avg_file_size);
    let raw_total = raw.iter().map(|&r| u128::from(r)).sum::<u128>().max(1);

    // Every ancestor folder of every row is a directory row, and every domain has its root.
    let mut dirs: HashSet<(u32, &str)> = HashSet::new();
    for d in 0..domains.len() as u32 {
        dirs.insert((d, ""));
    }
    for d in &drafts {
        if matches!(d.kind, DraftKind::Dir) {
            dirs.insert((d.domain, d.path.as_str()));
        }
        for (i, ch) in d.path.char_indices() {
            if ch == '/' {
                dirs.insert((d.domain, &d.path[..i]));
            }
        }
    }
    let mut dir_rows: Vec<(u32, String)> =
        dirs.into_iter().map(|(d, p)| (d, p.to_owned())).collect();
    // HashSet order is random per process; sort before anything draws random numbers for it.
    dir_rows.sort();

    let mut entries = Vec::with_capacity(drafts.len() + dir_rows.len());
    let mut file_ordinal = 0u64;
    for (d, raw) in drafts.into_iter().zip(raw) {
        let kind = match d.kind {
            DraftKind::File {
                weight,
                spread: Spread::Exact,
            } => Kind::File { size: weight },
            DraftKind::File { weight, .. } => {
                let scaled = (u128::from(raw) * target / raw_total) as u64;
                // A file meant to have content keeps at least one byte at any scale.
                let size = if weight == 0 { 0 } else { scaled.max(1) };
                Kind::File { size }
            }
            DraftKind::Dir => continue, // already among dir_rows
            DraftKind::Symlink(target) => Kind::Symlink { target },
        };
        let is_file = matches!(kind, Kind::File { .. });
        let meta = meta(&mut rng, &calendar, d.life, is_file, file_ordinal);
        if is_file {
            file_ordinal += 1;
        }
        entries.push(Entry {
            file_id: file_id(&domains[d.domain as usize], &d.path),
            domain: d.domain,
            path: d.path,
            kind,
            label: d.label,
            meta,
        });
    }
    for (d, path) in dir_rows {
        let meta = meta(&mut rng, &calendar, Life::Any, false, 0);
        entries.push(Entry {
            file_id: file_id(&domains[d as usize], &path),
            domain: d,
            path,
            kind: Kind::Dir,
            label: 0,
            meta,
        });
    }
    entries.sort_unstable_by_key(|e| e.file_id);
    for (i, e) in entries.iter_mut().enumerate() {
        // Inode numbers follow row order so they are unique without bookkeeping.
        e.meta.inode = 1_000_000 + (mix64(shape.seed ^ 0x1D0) % 1_000_000) + i as u64;
    }

    let mut extensions: Vec<String> = match shape.phone_content {
        true => EXTRA_EXTENSIONS.iter().map(|s| s.to_string()).collect(),
        false => Vec::new(),
    };
    let mut groups = Vec::new();
    for d in &domains {
        if let Some(id) = d.strip_prefix("AppDomainPlugin-") {
            extensions.push(id.to_owned());
        } else if let Some(id) = d.strip_prefix("AppDomainGroup-") {
            groups.push(id.to_owned());
        }
    }
    extensions.sort();
    groups.sort();

    Catalog {
        domains,
        entries,
        labels,
        owners,
        extensions,
        groups,
    }
}

fn meta(rng: &mut Rng, calendar: &Calendar, life: Life, is_file: bool, file_ordinal: u64) -> Meta {
    // Draw the same count of numbers for every row, so a row's kind does not shift the
    // stream for the rows after it.
    let words = [
        rng.next_u64(),
        rng.next_u64(),
        rng.next_u64(),
        rng.next_u64(),
    ];
    let dates = calendar.dates(life, words);
    let protection_roll = rng.below(1000);
    let digest_roll = rng.chance(400);
    let xattr_roll = rng.chance(100);
    let size_uid_roll = rng.chance(30);
    Meta {
        birth: dates.birth,
        modified: dates.modified,
        changed: dates.changed,
        inode: 0,
        // Real backups: 0 on folders and links; mostly 3 and 4 on files, some 1 and 2 (fixed
        // ordinals make sure both rarer classes occur in small catalogs).
        protection: match (is_file, file_ordinal, protection_roll) {
            (false, _, _) => 0,
            (true, 11, _) => 1,
            (true, 13, _) => 2,
            (true, _, 0..700) => 3,
            (true, _, 700..960) => 4,
            (true, _, 960..980) => 1,
            (true, _, _) => 2,
        },
        // Fixed ordinals guarantee each blob variant appears even in tiny catalogs.
        digest: is_file && (digest_roll || file_ordinal == 3),
        xattrs: is_file && (xattr_roll || file_ordinal == 7),
        size_uid: is_file && (size_uid_roll || file_ordinal == 5),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    fn shape(files: u64) -> Shape {
        Shape {
            phone_content: true,
            spec_files: Vec::new(),
            files,
            avg_file_size: 4_096,
            seed: 11,
            last_backup: super::super::clock::unix_from_utc(2026, 11, 20, 8, 15, 0),
            earlier: None,
        }
    }

    #[test]
    fn file_id_test_vectors() {
        assert_eq!(
            hex_id(&file_id("HomeDomain", "Library/SMS/sms.db")),
            "3d0d7e5fb2ce288813306e4d4636395e047a3d28"
        );
        assert_eq!(
            hex_id(&file_id(
                "SystemPreferencesDomain",
                "SystemConfiguration/com.apple.wifi.plist"
            )),
            "ade0340f576ee14793c607073bd7e8e409af07a8"
        );
    }

    #[test]
    fn hits_the_requested_file_count_and_size() {
        for files in [10, 300, 5_000] {
            let c = build(&shape(files));
            let n = c.entries.iter().filter(|e| e.is_file()).count() as u64;
            let fixed_and_min = build(&shape(0))
                .entries
                .iter()
                .filter(|e| e.is_file())
                .count() as u64;
            assert_eq!(n, files.max(fixed_and_min));
            let total: u64 = c.entries.iter().map(Entry::size).sum();
            let want = n * 4_096;
            // Flooring loses at most one byte per file; the one-byte floor adds a few.
            assert!(total <= want + n && total + n >= want, "{total} vs {want}");
        }
    }

    #[test]
    fn rows_are_unique_and_tree_shaped() {
        let c = build(&shape(20_000));
        let ids: HashSet<[u8; 20]> = c.entries.iter().map(|e| e.file_id).collect();
        assert_eq!(ids.len(), c.entries.len(), "duplicate fileID");
        let dirs: HashSet<(u32, &str)> = c
            .entries
            .iter()
            .filter(|e| e.kind == Kind::Dir)
            .map(|e| (e.domain, e.path.as_str()))
            .collect();
        for e in &c.entries {
            if e.kind != Kind::Dir {
                assert!(!dirs.contains(&(e.domain, e.path.as_str())), "{}", e.path);
            }
            if let Some((parent, _)) = e.path.rsplit_once('/') {
                assert!(
                    dirs.contains(&(e.domain, parent)),
                    "no parent for {}",
                    e.path
                );
            } else {
                assert!(dirs.contains(&(e.domain, "")), "no root for {}", e.path);
            }
        }
    }

    #[test]
    fn apps_and_photos_lead_at_every_scale() {
        for files in [0, 300, 100_000] {
            let c = build(&shape(files));
            let mut by_cat: BTreeMap<Category, u64> = BTreeMap::new();
            let mut by_owner: BTreeMap<&str, u64> = BTreeMap::new();
            for e in c.entries.iter().filter(|e| e.is_file()) {
                let l = c.labels[e.label as usize];
                *by_cat.entry(l.category).or_default() += e.size();
                if let Some(o) = l.owner {
                    *by_owner.entry(&c.owners[o as usize].key).or_default() += e.size();
                }
            }
            let top_cat = by_cat.iter().max_by_key(|(_, &b)| b).map(|(c, _)| *c);
            assert_eq!(top_cat, Some(Category::Photos), "{files}: {by_cat:?}");
            let top_app = by_owner.iter().max_by_key(|(_, &b)| b).map(|(k, _)| *k);
            assert_eq!(
                top_app,
                Some("net.whatsapp.WhatsApp"),
                "{files}: {by_owner:?}"
            );
            let used: BTreeSet<Category> = by_cat.keys().copied().collect();
            assert_eq!(
                used.len(),
                Category::ALL.len(),
                "every category is exercised"
            );
            assert!(by_cat.values().all(|&b| b > 0));
        }
    }

    #[test]
    fn every_app_domain_is_an_installed_app() {
        let c = build(&shape(0));
        for d in &c.domains {
            if let Some(id) = d.strip_prefix("AppDomain-") {
                assert!(APPS.iter().any(|a| a.id == id), "{id} missing from APPS");
            }
        }
        for a in APPS {
            let domain = format!("AppDomain-{}", a.id);
            assert!(c.domains.contains(&domain), "{} has no container", a.id);
        }
    }

    #[test]
    fn blob_variants_all_occur() {
        let c = build(&shape(0));
        let files: Vec<&Entry> = c.entries.iter().filter(|e| e.is_file()).collect();
        assert!(files.iter().any(|e| e.meta.digest));
        assert!(files.iter().any(|e| e.meta.xattrs));
        assert!(files.iter().any(|e| e.meta.size_uid));
        assert!(files.iter().any(|e| e.size() == 0));
        assert!(c
            .entries
            .iter()
            .all(|e| e.meta.birth <= e.meta.modified && e.meta.modified <= e.meta.changed));
    }

    /// The regular files whose path starts with `prefix` in `domain`.
    fn files_under<'a>(c: &'a Catalog, domain: &str, prefix: &str) -> Vec<&'a Entry> {
        c.entries
            .iter()
            .filter(|e| e.is_file() && c.domains[e.domain as usize] == domain)
            .filter(|e| e.path.starts_with(prefix))
            .collect()
    }

    /// The share of `births` on the busiest tenth of the two years' days, in per-mille.
    fn busiest_tenth(births: &[i64], last: i64) -> u64 {
        let mut per_day: BTreeMap<i64, u64> = BTreeMap::new();
        for &b in births {
            *per_day.entry((last - b) / 86_400).or_default() += 1;
        }
        let mut counts: Vec<u64> = per_day.into_values().collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let top: u64 = counts.iter().take(73).sum();
        top * 1000 / births.len() as u64
    }

    #[test]
    fn camera_roll_births_come_in_bursts_in_shooting_order() {
        let s = shape(20_000);
        let c = build(&s);
        let mut photos = files_under(&c, "CameraRollDomain", "Media/DCIM/");
        assert!(photos.len() > 4_000);
        let births: Vec<i64> = photos.iter().map(|e| e.meta.birth).collect();
        let share = busiest_tenth(&births, s.last_backup);
        assert!(
            share > 500,
            "the busiest 10% of days hold {share}‰ of the photos"
        );
        let start = s.last_backup - 2 * 365 * 86_400;
        assert!(births.iter().all(|&b| (start..=s.last_backup).contains(&b)));
        // Not edited in place, but for a few.
        let edited = photos
            .iter()
            .filter(|e| e.meta.modified != e.meta.birth)
            .count();
        assert!(edited > 0 && edited * 20 < photos.len(), "{edited} edited");
        // A camera numbers its shots in order: a higher number (in a later folder) is never older. The
        // numbers wrap after 9999, so compare within the first 9,999.
        let number = |e: &Entry| -> u64 {
            let name = e.path.rsplit('/').next().unwrap_or("");
            name[4..8].parse().unwrap_or(0)
        };
        photos.retain(|e| e.path.ends_with(".HEIC") && !e.path.contains("IMG_E"));
        photos.sort_by_key(|e| (e.path[11..14].to_string(), number(e)));
        let first: Vec<&&Entry> = photos.iter().take(9_000).collect();
        assert!(first.windows(2).all(|w| w[0].meta.birth <= w[1].meta.birth));
        // A thumbnail is made with its photo.
        let thumb = files_under(&c, "CameraRollDomain", "Media/PhotoData/Thumbnails/");
        let by_path: HashMap<&str, i64> = photos
            .iter()
            .map(|e| (e.path.as_str(), e.meta.birth))
            .collect();
        let mut matched = 0;
        for t in thumb {
            let photo = t.path["Media/PhotoData/Thumbnails/V2/".len()..]
                .rsplit_once('/')
                .map(|(p, _)| format!("Media/{p}"));
            if let Some(&b) = photo.as_deref().and_then(|p| by_path.get(p)) {
                assert_eq!(t.meta.birth, b, "{}", t.path);
                matched += 1;
            }
        }
        assert!(matched > 1_000, "{matched} thumbnails matched");
    }

    #[test]
    fn databases_are_from_setup_and_written_in_the_last_week() {
        let s = shape(300);
        let c = build(&s);
        let start = s.last_backup - 2 * 365 * 86_400;
        let week_ago = s.last_backup - 7 * 86_400;
        let dbs: Vec<&Entry> = c
            .entries
            .iter()
            .filter(|e| e.is_file())
            .filter(|e| e.path.ends_with(".sqlite") || e.path.ends_with(".db"))
            .collect();
        let names: BTreeSet<&str> = dbs.iter().map(|e| e.path.as_str()).collect();
        for db in [
            "Library/SMS/sms.db",
            "ChatStorage.sqlite",
            "Media/PhotoData/Photos.sqlite",
            "Health/healthdb_secure.sqlite",
        ] {
            assert!(names.contains(db), "{db}");
        }
        let births: BTreeSet<i64> = dbs.iter().map(|e| e.meta.birth / 86_400).collect();
        for e in &dbs {
            assert!(e.meta.birth < start, "{} born {}", e.path, e.meta.birth);
            assert!(
                e.meta.modified >= week_ago,
                "{} written {}",
                e.path,
                e.meta.modified
            );
        }
        // One setup per phone: they were all made within days of each other.
        let (first, last) = (births.first().copied(), births.last().copied());
        assert!(
            last.zip(first).is_some_and(|(l, f)| l - f <= 3),
            "{births:?}"
        );
        let other = build(&Shape { seed: 12, ..s });
        let setup_of = |c: &Catalog| {
            c.entries
                .iter()
                .find(|e| e.path == "Library/SMS/sms.db")
                .map(|e| e.meta.birth / 86_400)
        };
        assert_ne!(
            setup_of(&c),
            setup_of(&other),
            "phones are set up on their own days"
        );
    }

    #[test]
    fn chat_media_is_nested_per_chat_and_born_while_it_was_active() {
        let s = shape(20_000);
        let c = build(&s);
        let media = files_under(
            &c,
            "AppDomainGroup-group.net.whatsapp.WhatsApp.shared",
            "Message/Media/",
        );
        let mut chats: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
        for e in &media {
            let parts: Vec<&str> = e.path.split('/').collect();
            assert_eq!(
                parts.len(),
                6,
                "Message/Media/<jid>/<x>/<y>/<file>: {}",
                e.path
            );
            assert!(parts[2].ends_with("@s.whatsapp.net"), "{}", e.path);
            assert!(parts[3].len() == 1 && parts[4].len() == 1, "{}", e.path);
            assert_eq!(e.meta.modified, e.meta.birth, "{}", e.path);
            chats.entry(parts[2]).or_default().push(e.meta.birth);
        }
        assert_eq!(chats.len(), 17);
        let mut sizes: Vec<usize> = chats.values().map(Vec::len).collect();
        sizes.sort_unstable();
        assert!(
            sizes[16] > 4 * sizes[0],
            "a few chats hold most media: {sizes:?}"
        );
        // A chat's media come from a few stretches of weeks, not from all over the two years.
        for (jid, births) in &chats {
            let days: BTreeSet<i64> = births.iter().map(|b| b / (7 * 86_400)).collect();
            assert!(days.len() <= 3 * 7, "{jid}: media in {} weeks", days.len());
        }
        let sms = files_under(&c, "MediaDomain", "Library/SMS/Attachments/");
        assert!(!sms.is_empty());
        for e in sms {
            let parts: Vec<&str> = e.path.split('/').collect();
            let hex2 = |p: &str| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit());
            assert!(
                parts.len() == 7 && hex2(parts[3]) && hex2(parts[4]),
                "{}",
                e.path
            );
            assert_eq!(parts[5].len(), 36, "{}", e.path);
        }
    }

    #[test]
    fn caches_are_recent() {
        let s = shape(300);
        let c = build(&s);
        let month_ago = s.last_backup - 30 * 86_400;
        let caches: Vec<&Entry> = c
            .entries
            .iter()
            .filter(|e| e.is_file() && e.path.contains("Caches/"))
            .collect();
        assert!(!caches.is_empty());
        assert!(caches.iter().all(|e| e.meta.birth >= month_ago));
    }
}
