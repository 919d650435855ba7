//! Writes the catalog as other tools leave a backup they have already extracted: ordinary
//! folders, no manifest, no plists.
//!
//! Two layouts (reference §7): a folder per domain (`<root>/<domain>/<relativePath>`, as
//! pyiosbackup `unback`, iOSbackup and dinosec write), and a restored device tree
//! (`<root>/private/var/…` with each domain's device root from §6 and app containers named by
//! bundle id, as Backup2FS writes). Regular files are sparse; symlink rows become real
//! symlinks; directory rows become real folders. The record is summed from what was written,
//! decided before anything touches the disk.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::hash::Hasher;
use std::io;
use std::path::Path;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};

use super::catalog::{self, Catalog, Kind};
use super::record::{Counts, ExpectedApp, ExpectedBackup, SampleSet};
use super::sample::sample_specs;
use super::BackupSpec;

/// How an extracted tree is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtractedLayout {
    /// `<root>/<domain>/<relativePath>`.
    Domains,
    /// `<root>/private/var/…`: each domain under its device root, containers by bundle id.
    DevicePaths,
}

impl ExtractedLayout {
    /// The record's `format`: `extracted-domains` or `extracted-device-paths`.
    pub fn id(self) -> &'static str {
        match self {
            ExtractedLayout::Domains => "extracted-domains",
            ExtractedLayout::DevicePaths => "extracted-device-paths",
        }
    }
}

/// Where the committed extracted samples' folders live under the sample root, by layout.
pub const EXTRACTED_DOMAINS_DIR: &str = "extracted-domains";
/// See [`EXTRACTED_DOMAINS_DIR`].
pub const DEVICE_TREE_DIR: &str = "device-tree";

/// Home domain file with a name that is not valid UTF-8 (`caf\xe9.txt`, Latin-1 é).
#[cfg(unix)]
const ODD_NAME_DIR: &str = "Library/Preferences";
#[cfg(unix)]
const ODD_NAME: &[u8] = b"caf\xe9.txt";

/// Hard links added when the spec asks: `(domain, existing path, second path)`. The second
/// path is in the same domain and folder, so it has the same category and app.
const HARD_LINKS: &[(&str, &str, &str)] = &[
    (
        "HomeDomain",
        "Library/SMS/sms.db",
        "Library/SMS/sms-hardlink.db",
    ),
    (
        "CameraRollDomain",
        "Media/DCIM/100APPLE/IMG_0001.MOV",
        "Media/DCIM/100APPLE/IMG_0001-hardlink.MOV",
    ),
    (
        "AppDomainGroup-group.net.whatsapp.WhatsApp.shared",
        "ChatStorage.sqlite",
        "ChatStorage-hardlink.sqlite",
    ),
];

/// A domain's folder in the device tree, relative to the tree's root; `None` for a domain
/// with no known device path (it is left out of that layout).
pub fn device_root(domain: &str) -> Option<String> {
    let fixed = match domain {
        "HomeDomain" | "CameraRollDomain" | "MediaDomain" | "KeyboardDomain" | "TonesDomain"
        | "HomeKitDomain" => Some("private/var/mobile"),
        "HealthDomain" => Some("private/var/mobile/Library"),
        "BooksDomain" => Some("private/var/mobile/Media/Books"),
        "KeychainDomain" => Some("private/var/Keychains"),
        "WirelessDomain" => Some("private/var/wireless"),
        "SystemPreferencesDomain" => Some("private/var/preferences"),
        "RootDomain" => Some("private/var/root"),
        "ManagedPreferencesDomain" => Some("private/var/Managed Preferences"),
        "DatabaseDomain" => Some("private/var/db"),
        "InstallDomain" => Some("private/var/installd"),
        "MobileDeviceDomain" => Some("private/var/MobileDevice"),
        "NetworkDomain" => Some("private/var/networkd"),
        "ProtectedDomain" => Some("private/var/protected"),
        _ => None,
    };
    if let Some(f) = fixed {
        return Some(f.to_owned());
    }
    const CONTAINERS: &[(&str, &str)] = &[
        (
            "AppDomain-",
            "private/var/mobile/Containers/Data/Application",
        ),
        (
            "AppDomainGroup-",
            "private/var/mobile/Containers/Shared/AppGroup",
        ),
        (
            "AppDomainPlugin-",
            "private/var/mobile/Containers/Data/PluginKitPlugin",
        ),
        ("SysContainerDomain-", "private/var/containers/Data/System"),
        (
            "SysSharedContainerDomain-",
            "private/var/containers/Shared/SystemGroup",
        ),
    ];
    CONTAINERS.iter().find_map(|(prefix, base)| {
        let id = domain.strip_prefix(prefix)?;
        let safe = !id.is_empty() && id != "." && id != ".." && !id.contains(['/', '\\']);
        safe.then(|| format!("{base}/{id}"))
    })
}

fn join(base: &str, rel: &str) -> String {
    if rel.is_empty() {
        base.to_owned()
    } else {
        format!("{base}/{rel}")
    }
}

fn key(path: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(path.as_bytes());
    h.finish()
}

/// Proper ancestors of a relative path, shortest first (`a`, `a/b` for `a/b/c`).
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.char_indices()
        .filter(|&(_, c)| c == '/')
        .map(move |(i, _)| &path[..i])
}

#[derive(Debug, Clone, Copy, Default)]
struct Claim {
    /// Files and symlinks that want this path.
    others: u32,
    /// A directory row, or an ancestor of some row, is here.
    dir: bool,
}

/// Which rows go to disk, and each kept row's path under the root (`None` if left out).
struct Placement {
    roots: Vec<Option<String>>,
    keep: Vec<bool>,
}

impl Placement {
    fn path(&self, cat: &Catalog, i: usize) -> Option<String> {
        let e = &cat.entries[i];
        if !self.keep[i] {
            return None;
        }
        let root = self.roots[e.domain as usize].as_deref()?;
        Some(join(root, &e.path))
    }
}

fn place(cat: &Catalog, layout: ExtractedLayout) -> Placement {
    let roots: Vec<Option<String>> = cat
        .domains
        .iter()
        .map(|d| match layout {
            ExtractedLayout::Domains => {
                let safe = !d.is_empty() && d != "." && d != ".." && !d.contains(['/', '\\']);
                safe.then(|| d.clone())
            }
            ExtractedLayout::DevicePaths => device_root(d),
        })
        .collect();
    let mapped = |i: usize| {
        let e = &cat.entries[i];
        let symlink_ok = cfg!(unix) || !matches!(e.kind, Kind::Symlink { .. });
        symlink_ok && roots[e.domain as usize].is_some()
    };
    let n = cat.entries.len();
    if layout == ExtractedLayout::Domains {
        // Domain folders are distinct and paths are unique within a domain: nothing collides.
        return Placement {
            keep: (0..n).map(mapped).collect(),
            roots,
        };
    }
    // Several domains share /var/mobile (and Health, Books and the containers live under it):
    // count who wants each path, then keep a row only if nothing else wants its path or one
    // of its folders as something else. Keys are 64-bit hashes; a false match can only leave
    // a row out, and the record follows the same decision.
    let mut claims: FxHashMap<u64, Claim> = FxHashMap::default();
    for root in roots.iter().flatten() {
        for a in ancestors(root) {
            claims.entry(key(a)).or_default().dir = true;
        }
        claims.entry(key(root)).or_default().dir = true;
    }
    let full = |i: usize| -> Option<String> {
        let e = &cat.entries[i];
        roots[e.domain as usize]
            .as_deref()
            .map(|r| join(r, &e.path))
    };
    for i in (0..n).filter(|&i| mapped(i)) {
        let Some(p) = full(i) else { continue };
        let c = claims.entry(key(&p)).or_default();
        match cat.entries[i].kind {
            Kind::Dir => c.dir = true,
            _ => c.others += 1,
        }
        for a in ancestors(&p) {
            claims.entry(key(a)).or_default().dir = true;
        }
    }
    let others_at = |p: &str| claims.get(&key(p)).map_or(0, |c| c.others);
    let keep = (0..n)
        .map(|i| {
            if !mapped(i) {
                return false;
            }
            let Some(p) = full(i) else { return false };
            let here = claims.get(&key(&p)).copied().unwrap_or_default();
            let clear_here = match cat.entries[i].kind {
                Kind::Dir => here.others == 0,
                _ => here.others == 1 && !here.dir,
            };
            clear_here && ancestors(&p).all(|a| others_at(a) == 0)
        })
        .collect();
    Placement { roots, keep }
}

/// Per-domain and per-label sums of the files written.
struct Sums {
    domains: Vec<Counts>,
    labels: Vec<Counts>,
}

impl Sums {
    fn new(cat: &Catalog) -> Self {
        Sums {
            domains: vec![Counts::default(); cat.domains.len()],
            labels: vec![Counts::default(); cat.labels.len()],
        }
    }

    fn add(&mut self, domain: u32, label: Option<u32>, size: u64) {
        let d = &mut self.domains[domain as usize];
        d.files += 1;
        d.bytes += size;
        if let Some(l) = label {
            let c = &mut self.labels[l as usize];
            c.files += 1;
            c.bytes += size;
        }
    }
}

/// Writes `parent/<spec.extracted_folder_name(layout)>/` in `layout` and returns its record.
///
/// Refuses an existing folder and an encrypted spec (extracted trees are plain files).
/// Hard links and a name that is not UTF-8 are added only when `spec.extracted_hard_links` is set (trees
/// made for tests; git keeps neither as written).
pub fn write_extracted(
    parent: &Path,
    spec: &BackupSpec,
    layout: ExtractedLayout,
) -> io::Result<ExpectedBackup> {
    spec.validate()?;
    if spec.encrypted {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "extracted trees hold plain files: the spec must not be encrypted",
        ));
    }
    let name = spec.extracted_folder_name(layout)?;
    let cat = catalog::build(&spec.shape());
    let placement = place(&cat, layout);

    fs::create_dir_all(parent)?;
    let root = parent.join(&name);
    fs::create_dir(&root)
        .map_err(|e| io::Error::new(e.kind(), format!("creating {}: {e}", root.display())))?;

    // Folders first, parents before children; the set also counts them for the record.
    let mut dirs: BTreeSet<String> = BTreeSet::new();
    for (i, e) in cat.entries.iter().enumerate() {
        if e.kind == Kind::Dir {
            if let Some(p) = placement.path(&cat, i) {
                dirs.extend(ancestors(&p).map(str::to_owned));
                dirs.insert(p);
            }
        }
    }
    for d in &dirs {
        fs::create_dir(root.join(d))
            .map_err(|e| io::Error::new(e.kind(), format!("creating {d}: {e}")))?;
    }

    // Files and symlinks: creating them is kernel time, spread over the cores.
    (0..cat.entries.len())
        .into_par_iter()
        .try_for_each(|i| -> io::Result<()> {
            let Some(p) = placement.path(&cat, i) else {
                return Ok(());
            };
            let at = root.join(&p);
            let with_path = |e: io::Error| io::Error::new(e.kind(), format!("writing {p}: {e}"));
            match &cat.entries[i].kind {
                Kind::File { size } => {
                    let f = File::create_new(&at).map_err(with_path)?;
                    f.set_len(*size).map_err(with_path)
                }
                Kind::Dir => Ok(()),
                #[cfg(unix)]
                Kind::Symlink { target } => {
                    std::os::unix::fs::symlink(target, &at).map_err(with_path)
                }
                #[cfg(not(unix))]
                Kind::Symlink { .. } => Ok(()),
            }
        })?;

    let mut sums = Sums::new(&cat);
    let mut symlinks = 0u64;
    for (i, e) in cat.entries.iter().enumerate() {
        if !placement.keep[i] {
            continue;
        }
        match e.kind {
            Kind::File { size } => sums.add(e.domain, Some(e.label), size),
            // Written on Unix only (a Windows symlink needs a privilege most accounts lack).
            Kind::Symlink { .. } => symlinks += u64::from(cfg!(unix)),
            Kind::Dir => {}
        }
    }

    let find = |domain: &str, path: &str| {
        cat.entries.iter().enumerate().position(|(i, e)| {
            placement.keep[i] && e.path == path && cat.domains[e.domain as usize] == domain
        })
    };

    // A name that is not UTF-8, in a folder that was written: counted, category system. Like hard links,
    // only in trees written for tests: a Mac cannot check such a name out of git, so the committed fixture
    // has none.
    #[cfg(unix)]
    if let Some(dir_ix) = find("HomeDomain", ODD_NAME_DIR).filter(|_| spec.extracted_hard_links) {
        use std::os::unix::ffi::OsStrExt;
        let dir = placement.path(&cat, dir_ix).unwrap_or_default();
        let at = root.join(&dir).join(std::ffi::OsStr::from_bytes(ODD_NAME));
        let size = spec.avg_file_size.max(1);
        File::create_new(&at)?.set_len(size)?;
        let domain = cat.entries[dir_ix].domain;
        let system = cat
            .labels
            .iter()
            .position(|l| l.category == catalog::Category::System && l.owner.is_none());
        match system {
            Some(l) => sums.add(domain, Some(l as u32), size),
            None => return Err(io::Error::other("the catalog has no system label")),
        }
    }

    // Second names for existing files: one inode, counted once (the first name's figures). Unix only, as
    // cloudfit counts hard links once only there (read/extracted/windows.rs says why).
    if spec.extracted_hard_links && cfg!(unix) {
        for &(domain, existing, second) in HARD_LINKS {
            if let Some(i) = find(domain, existing) {
                let from = placement.path(&cat, i).unwrap_or_default();
                let base = placement.roots[cat.entries[i].domain as usize]
                    .as_deref()
                    .unwrap_or_default();
                fs::hard_link(root.join(from), root.join(join(base, second)))?;
            }
        }
    }

    let mut domains = std::collections::BTreeMap::new();
    for (d, c) in cat.domains.iter().zip(&sums.domains) {
        if c.files > 0 {
            domains.insert(d.clone(), *c);
        }
    }
    let mut categories: std::collections::BTreeMap<String, Counts> = Default::default();
    let mut subsets: std::collections::BTreeMap<String, Counts> = Default::default();
    let mut apps: std::collections::BTreeMap<String, ExpectedApp> = Default::default();
    for (l, c) in cat.labels.iter().zip(&sums.labels) {
        if c.files == 0 {
            continue;
        }
        let cc = categories.entry(l.category.id().to_owned()).or_default();
        cc.files += c.files;
        cc.bytes += c.bytes;
        if let Some(subset) = l.subset {
            let sc = subsets.entry(subset.id().to_owned()).or_default();
            sc.files += c.files;
            sc.bytes += c.bytes;
        }
        if let Some(o) = l.owner {
            let owner = &cat.owners[o as usize];
            let app = apps
                .entry(owner.key.clone())
                .or_insert_with(|| ExpectedApp {
                    name: owner.name.clone(),
                    ..ExpectedApp::default()
                });
            app.files += c.files;
            app.bytes += c.bytes;
        }
    }
    // An app's domains: every domain one of its files was written in.
    for (i, e) in cat.entries.iter().enumerate() {
        if !placement.keep[i] || !e.is_file() {
            continue;
        }
        if let Some(o) = cat.labels[e.label as usize].owner {
            if let Some(app) = apps.get_mut(&cat.owners[o as usize].key) {
                let d = &cat.domains[e.domain as usize];
                if !app.domains.contains(d) {
                    app.domains.insert(d.clone());
                }
            }
        }
    }

    let files: u64 = sums.domains.iter().map(|c| c.files).sum();
    let bytes: u64 = sums.domains.iter().map(|c| c.bytes).sum();
    Ok(ExpectedBackup {
        id: name,
        format: layout.id().into(),
        // Device facts are unknown in an extracted tree: empty strings.
        udid: String::new(),
        device_name: String::new(),
        product_type: String::new(),
        ios_version: String::new(),
        last_backup: String::new(),
        encrypted: false,
        password: None,
        state: "finished".into(),
        archived: false,
        bytes: Some(bytes),
        files: Some(files),
        directories: Some(dirs.len() as u64),
        symlinks: Some(symlinks),
        disk_bytes: bytes,
        disk_files: files,
        missing: Counts::default(),
        orphans: Counts::default(),
        apps,
        categories,
        subsets,
        domains,
    })
}

/// The regular files [`write_extracted`] writes for `spec`, each with its place below the tree's root, as
/// the catalog names them (a device-path tree's reader finds the domain from the place).
pub fn expected_extracted_files(
    spec: &BackupSpec,
    layout: ExtractedLayout,
) -> io::Result<Vec<(crate::ExpectedFile, String)>> {
    let cat = catalog::build(&spec.shape());
    let placement = place(&cat, layout);
    let files = crate::expected_files(&BackupSpec {
        missing: 0,
        ..spec.clone()
    })?;
    // `expected_files` lists the catalog's regular files in order: the same entries, in the same order.
    let placed: Vec<Option<String>> = cat
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.is_file())
        .map(|(i, _)| placement.path(&cat, i))
        .collect();
    assert_eq!(
        placed.len(),
        files.len(),
        "the catalog's files, counted twice"
    );
    Ok(files
        .into_iter()
        .zip(placed)
        .filter_map(|(file, place)| Some((file, place?)))
        .collect())
}

/// Maya's iPhone, small, as the extracted samples are written.
pub fn extracted_sample_spec(name: &str, hard_links: bool) -> BackupSpec {
    let maya = sample_specs().swap_remove(0);
    BackupSpec {
        extracted_name: Some(name.to_owned()),
        extracted_hard_links: hard_links,
        ..maya
    }
}

/// Writes `root/extracted-domains/Maya iPhone export/` and
/// `root/device-tree/Maya iPhone device tree/` from Maya's sample spec, with hard links only
/// when asked (git stores a hard link as two files, so the committed copy has none).
pub fn write_extracted_samples(root: &Path, with_hard_links: bool) -> io::Result<SampleSet> {
    let mut set = SampleSet::default();
    let domains = extracted_sample_spec("Maya iPhone export", with_hard_links);
    set.backups.push(write_extracted(
        &root.join(EXTRACTED_DOMAINS_DIR),
        &domains,
        ExtractedLayout::Domains,
    )?);
    let device = extracted_sample_spec("Maya iPhone device tree", with_hard_links);
    set.backups.push(write_extracted(
        &root.join(DEVICE_TREE_DIR),
        &device,
        ExtractedLayout::DevicePaths,
    )?);
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashSet};

    /// Walks a tree without following links, each inode once: (files, bytes, dirs, symlinks).
    fn walk(root: &Path) -> (u64, u64, u64, u64) {
        let (mut files, mut bytes, mut dirs, mut links) = (0, 0, 0, 0);
        #[cfg_attr(not(unix), allow(unused_mut, unused_variables))]
        let mut seen: HashSet<(u64, u64)> = HashSet::new();
        for e in walkdir::WalkDir::new(root).min_depth(1) {
            let e = e.expect("walk");
            let md = e.path().symlink_metadata().expect("lstat");
            if md.is_dir() {
                dirs += 1;
            } else if md.file_type().is_symlink() {
                links += 1;
            } else if md.is_file() {
                #[cfg(unix)]
                {
                    use std::os::unix::fs::MetadataExt;
                    if !seen.insert((md.dev(), md.ino())) {
                        continue;
                    }
                }
                files += 1;
                bytes += md.len();
            }
        }
        (files, bytes, dirs, links)
    }

    #[test]
    fn extracted_samples_are_what_the_record_says() -> io::Result<()> {
        for links in [false, true] {
            let dir = tempfile::tempdir()?;
            let set = write_extracted_samples(dir.path(), links)?;
            for (b, sub) in set
                .backups
                .iter()
                .zip([EXTRACTED_DOMAINS_DIR, DEVICE_TREE_DIR])
            {
                let got = walk(&dir.path().join(sub).join(&b.id));
                let want = (
                    b.disk_files,
                    b.disk_bytes,
                    b.directories.unwrap_or(0),
                    b.symlinks.unwrap_or(0),
                );
                assert_eq!(got, want, "{} links={links}", b.format);
                let by_dom: u64 = b.domains.values().map(|c| c.bytes).sum();
                let by_cat: u64 = b.categories.values().map(|c| c.bytes).sum();
                assert_eq!((by_dom, by_cat), (b.disk_bytes, b.disk_bytes));
                assert_eq!(b.symlinks, Some(if cfg!(unix) { 3 } else { 0 }));
            }
            let d = &set.backups[0];
            let t = &set.backups[1];
            assert!(d.domains.contains_key("FutureDomain"));
            assert!(!t.domains.contains_key("FutureDomain"));
            assert_eq!(
                d.files.unwrap_or(0),
                t.files.unwrap_or(0) + d.domains["FutureDomain"].files
            );
        }
        Ok(())
    }

    #[test]
    fn device_paths_follow_the_domain_table() {
        let cases = [
            ("HealthDomain", Some("private/var/mobile/Library")),
            (
                "AppDomainGroup-group.net.whatsapp.WhatsApp.shared",
                Some("private/var/mobile/Containers/Shared/AppGroup/group.net.whatsapp.WhatsApp.shared"),
            ),
            (
                "SysSharedContainerDomain-systemgroup.x",
                Some("private/var/containers/Shared/SystemGroup/systemgroup.x"),
            ),
            ("ManagedPreferencesDomain", Some("private/var/Managed Preferences")),
            ("FutureDomain", None),
            ("AppDomain-..", None),
        ];
        let got: BTreeMap<&str, Option<String>> =
            cases.iter().map(|(d, _)| (*d, device_root(d))).collect();
        let want: BTreeMap<&str, Option<String>> = cases
            .iter()
            .map(|(d, r)| (*d, r.map(str::to_owned)))
            .collect();
        assert_eq!(got, want);
    }

    /// Unix only: the committed trees hold symlinks, which the generator writes on Unix only.
    #[test]
    #[cfg(unix)]
    fn committed_extracted_fixture_is_fresh() -> io::Result<()> {
        let committed =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/extracted/expected.json");
        let Ok(text) = fs::read_to_string(&committed) else {
            return Ok(()); // not generated yet in this checkout
        };
        let want: SampleSet = serde_json::from_str(&text).map_err(io::Error::other)?;
        let dir = tempfile::tempdir()?;
        let got = write_extracted_samples(dir.path(), false)?;
        assert_eq!(
            got, want,
            "fixtures/extracted is stale: cargo run -p cloudfit-synth --bin make-backup -- fixtures/extracted --extracted-samples"
        );
        Ok(())
    }
}
