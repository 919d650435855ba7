//! Attributes every byte of a backup to an app or a data type, and assembles the per-backup summary.

pub(crate) mod apps;
pub mod births;
pub(crate) mod category;
pub mod devices;
pub mod inside;
pub(crate) mod names;
pub(crate) mod rules;
pub(crate) mod subset;
pub(crate) mod summary;
mod table;
pub(crate) mod tally;

use std::collections::BTreeMap;

use serde::Serialize;

pub use apps::{ContainerKind, Owner, OwnerFinder, OwnerKind};
pub use category::Category;
pub use names::NameSource;
pub use subset::Subset;
pub use summary::{BackupState, BackupSummary, Format};
pub use tally::Tally;

use crate::read::{AppCatalog, Counts};
use rules::DomainRules;
use tally::DomainCounts;

/// One app's share of a backup: its own container plus the groups and extensions rolled into it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppUsage {
    pub bundle_id: String,
    pub name: String,
    /// Where `name` came from: `itunes-metadata`, `app-path`, `known` or `bundle-id`.
    pub name_source: names::NameSource,
    /// `app`, or a `shared-group` / `extension` no installed app owns (these have no switch on the phone).
    pub kind: OwnerKind,
    pub bytes: u64,
    pub files: u64,
    /// Every domain whose bytes are in this row, sorted.
    pub domains: Vec<String>,
}

/// One data type's share of a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryUsage {
    pub id: Category,
    pub label: &'static str,
    pub bytes: u64,
    pub files: u64,
    /// Up to ten (domain, path prefix) shares that hold its bytes, largest first.
    pub paths: Vec<PathUsage>,
}

/// The files of a data type under one (domain, path prefix): what a catch-all holds, at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathUsage {
    pub domain: String,
    /// The rule's path prefix in the domain; empty for the whole domain.
    pub prefix: String,
    pub bytes: u64,
    pub files: u64,
}

/// How many path prefixes a data type lists.
const TOP_PATHS: usize = 10;

/// The largest shares, largest first (then by domain and prefix, so output is stable).
fn top_paths(mut paths: Vec<PathUsage>) -> Vec<PathUsage> {
    paths.sort_by(|a, b| {
        b.bytes
            .cmp(&a.bytes)
            .then_with(|| (&a.domain, &a.prefix).cmp(&(&b.domain, &b.prefix)))
    });
    paths.truncate(TOP_PATHS);
    paths
}

/// One subset's share of a backup (already counted in its data type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubsetUsage {
    pub id: Subset,
    pub label: &'static str,
    /// The data type it is part of.
    pub category: Category,
    pub bytes: u64,
    pub files: u64,
}

/// One domain's regular files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DomainUsage {
    pub domain: String,
    pub bytes: u64,
    pub files: u64,
}

/// A backup's bytes three ways. `categories` and `domains` each add up to the backup's total;
/// `apps` adds up to the `apps` category. `subsets` are slices of categories, not extra bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Attribution {
    pub apps: Vec<AppUsage>,
    pub categories: Vec<CategoryUsage>,
    pub subsets: Vec<SubsetUsage>,
    pub domains: Vec<DomainUsage>,
    /// The bytes born per month of the window, per data type and app row, when the tally counted them.
    #[serde(skip)]
    pub births: Option<(births::Window, births::Births)>,
}

/// Adds one share's births per month to a series.
fn add_births(series: &mut births::PerMonth, born: &births::PerMonth) {
    for (s, b) in series.iter_mut().zip(born) {
        *s = s.saturating_add(*b);
    }
}

/// Settles app ownership now that every domain is known, and sorts each list by bytes, largest first. When
/// the tally kept what lies inside its shares, that comes back too, each share placed as its bytes are.
pub fn attribute(tally: Tally, catalog: &AppCatalog) -> (Attribution, Option<inside::Inside>) {
    let keep = tally.keep();
    let window = tally.window();
    let domains = tally.into_domains();
    let mut inside_domains = Vec::new();
    let mut births = births::Births::default();

    // Apps with a container in the manifest are installed whatever the plists say.
    let mut installed = catalog.installed.clone();
    for d in &domains {
        if let Some((ContainerKind::App, id)) = apps::app_container(&d.domain) {
            if let Err(at) = installed.binary_search_by(|p| p.as_str().cmp(id)) {
                installed.insert(at, id.to_string());
            }
        }
    }
    let finder = OwnerFinder::new(&installed);

    let mut by_category: BTreeMap<Category, Counts> = BTreeMap::new();
    let mut by_subset: BTreeMap<Subset, Counts> = BTreeMap::new();
    let mut by_app: BTreeMap<String, (Owner, Counts, Vec<String>)> = BTreeMap::new();
    let mut out_domains = Vec::with_capacity(domains.len());
    // Per data type, the (domain, prefix) shares that hold its bytes: one per rule, never per file.
    let mut by_path: BTreeMap<Category, Vec<PathUsage>> = BTreeMap::new();
    let mut add_path = |category: Category, domain: &str, prefix: &str, counts: Counts| {
        by_path.entry(category).or_default().push(PathUsage {
            domain: domain.to_string(),
            prefix: prefix.to_string(),
            bytes: counts.bytes,
            files: counts.files,
        });
    };
    for d in domains {
        let mut total = Counts::default();
        for bucket in &d.buckets {
            total.merge(bucket.counts);
        }
        out_domains.push(DomainUsage {
            domain: d.domain.clone(),
            bytes: total.bytes,
            files: total.files,
        });
        // Where each share's bytes go (data type, app row), for looking inside; the same decisions as below.
        // Where each share's births and insides go: an app container's data type and app row, else each
        // share's own rule's data type. The same decisions as the counts below.
        let mut place = |container: Option<Category>, app: Option<String>, d: &mut DomainCounts| {
            let category_of = |bucket: &tally::Bucket| container.unwrap_or(bucket.key.0);
            for (bucket, born) in d.buckets.iter().zip(std::mem::take(&mut d.births)) {
                add_births(
                    births
                        .by_category
                        .entry(category_of(bucket))
                        .or_insert([0; births::MONTHS]),
                    &born,
                );
                if let Some(app) = &app {
                    add_births(
                        births
                            .by_app
                            .entry(app.clone())
                            .or_insert([0; births::MONTHS]),
                        &born,
                    );
                }
            }
            if keep.is_none() {
                return;
            }
            let shares = d
                .buckets
                .iter()
                .zip(std::mem::take(&mut d.inside))
                .map(|(bucket, inside)| inside::PlacedShare {
                    category: category_of(bucket),
                    counts: bucket.counts,
                    inside,
                })
                .collect();
            inside_domains.push(inside::DomainInside {
                domain: d.domain.clone(),
                app,
                shares,
            });
        };
        let mut d = d;
        if !d.is_app_container {
            place(None, None, &mut d);
            for bucket in d.buckets {
                let (category, subset) = bucket.key;
                by_category
                    .entry(category)
                    .or_default()
                    .merge(bucket.counts);
                if let Some(subset) = subset {
                    by_subset.entry(subset).or_default().merge(bucket.counts);
                }
                add_path(category, &d.domain, bucket.prefix, bucket.counts);
            }
            continue;
        }
        let Some((kind, id)) = apps::app_container(&d.domain) else {
            continue;
        };
        let owner = finder.owner(kind, id);
        // Apple's services and extensions have no switch on the Backups screen: a data type, or system.
        let category = apple_data_type(&d.domain, &owner)
            .or_else(|| owner.is_apple_service().then_some(Category::System));
        let category = category.unwrap_or(Category::Apps);
        place(
            Some(category),
            (category == Category::Apps).then(|| owner.id()),
            &mut d,
        );
        add_path(category, &d.domain, "", total);
        match category {
            Category::Apps => {
                by_category.entry(Category::Apps).or_default().merge(total);
                let row = by_app
                    .entry(owner.id())
                    .or_insert_with(|| (owner.clone(), Counts::default(), Vec::new()));
                row.1.merge(total);
                row.2.push(d.domain);
            }
            other => by_category.entry(other).or_default().merge(total),
        }
    }

    let mut apps: Vec<AppUsage> = by_app
        .into_iter()
        .map(|(id, (owner, counts, mut domains))| {
            domains.sort();
            let (name, name_source) = display_name(&owner, catalog);
            AppUsage {
                name,
                name_source,
                kind: owner.kind(),
                bundle_id: id,
                bytes: counts.bytes,
                files: counts.files,
                domains,
            }
        })
        .collect();
    apps.sort_by(|a, b| {
        b.bytes
            .cmp(&a.bytes)
            .then_with(|| a.bundle_id.cmp(&b.bundle_id))
    });

    let mut categories: Vec<CategoryUsage> = by_category
        .into_iter()
        .map(|(id, counts)| CategoryUsage {
            id,
            label: id.label(),
            bytes: counts.bytes,
            files: counts.files,
            paths: top_paths(by_path.remove(&id).unwrap_or_default()),
        })
        .collect();
    categories.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.id.cmp(&b.id)));

    let subsets = by_subset
        .into_iter()
        .map(|(id, counts)| SubsetUsage {
            id,
            label: id.label(),
            category: id.category(),
            bytes: counts.bytes,
            files: counts.files,
        })
        .collect();

    out_domains.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.domain.cmp(&b.domain)));
    let attribution = Attribution {
        apps,
        categories,
        subsets,
        domains: out_domains,
        births: window.map(|w| (w, births)),
    };
    let inside = keep.map(|keep| inside::Inside {
        keep,
        domains: inside_domains,
    });
    (attribution, inside)
}

/// Apple's own apps hold a data type's data (Notes, Safari, Files…): the container's own rule first,
/// then its owning app's.
fn apple_data_type(domain: &str, owner: &Owner) -> Option<Category> {
    let whole = |d: &str| DomainRules::for_domain(d).and_then(|r| r.whole_domain());
    whole(domain).or_else(|| match owner {
        Owner::App(id) => whole(&format!("AppDomain-{id}")),
        _ => None,
    })
}

fn display_name(owner: &Owner, catalog: &AppCatalog) -> (String, names::NameSource) {
    match owner {
        Owner::App(id) => names::app_name(id, catalog),
        Owner::SharedGroup(id) => (format!("Shared group {id}"), names::NameSource::BundleId),
        Owner::Extension(id) => (id.clone(), names::NameSource::BundleId),
        Owner::Vendor(vendor) => (format!("Shared by {vendor} apps"), names::NameSource::Known),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::ManifestFile;

    #[test]
    fn every_byte_lands_once_and_apps_roll_up() {
        let mut tally = Tally::default();
        let files = [
            ("HomeDomain", "Library/SMS/sms.db", 100),
            ("HomeDomain", "Library/Preferences/x.plist", 7),
            ("CameraRollDomain", "Media/DCIM/100APPLE/IMG_1.HEIC", 5000),
            ("AppDomain-net.whatsapp.WhatsApp", "Documents/x", 10),
            (
                "AppDomainGroup-group.net.whatsapp.WhatsApp.shared",
                "ChatStorage.sqlite",
                900,
            ),
            (
                "AppDomainPlugin-net.whatsapp.WhatsApp.ShareExtension",
                "Library/y",
                3,
            ),
            (
                "AppDomainGroup-group.com.apple.notes",
                "NoteStore.sqlite",
                40,
            ),
            ("AppDomainPlugin-com.apple.mobilesafari.Ext", "a", 2),
            ("AppDomainGroup-group.com.google.common", "a", 11),
            ("NewDomain", "a", 1),
        ];
        for (domain, relative_path, size) in files {
            tally.add(ManifestFile {
                domain,
                relative_path,
                size,
                ..Default::default()
            });
        }
        let mut catalog = AppCatalog::default();
        catalog.add_installed("com.apple.mobilesafari");
        catalog
            .names
            .insert("net.whatsapp.WhatsApp".into(), "WhatsApp Messenger".into());
        let (a, _) = attribute(tally, &catalog);

        let total: u64 = files.iter().map(|f| f.2).sum();
        assert_eq!(a.categories.iter().map(|c| c.bytes).sum::<u64>(), total);
        assert_eq!(a.domains.iter().map(|d| d.bytes).sum::<u64>(), total);
        let apps_category = a
            .categories
            .iter()
            .find(|c| c.id == Category::Apps)
            .unwrap();
        assert_eq!(
            a.apps.iter().map(|x| x.bytes).sum::<u64>(),
            apps_category.bytes
        );

        assert_eq!(a.apps[0].bundle_id, "net.whatsapp.WhatsApp");
        assert_eq!(a.apps[0].name, "WhatsApp Messenger");
        assert_eq!(a.apps[0].bytes, 913);
        assert_eq!(a.apps[0].domains.len(), 3);
        assert_eq!(a.apps[1].name, "Shared by Google apps");
        assert_eq!(a.apps[1].bundle_id, "vendor:Google");
        let cat = |c: Category| a.categories.iter().find(|x| x.id == c).map(|x| x.bytes);
        assert_eq!(cat(Category::Notes), Some(40));
        assert_eq!(cat(Category::Safari), Some(2));
        assert_eq!(cat(Category::Messages), Some(100));
        assert_eq!(cat(Category::Other), Some(1));
        assert_eq!(a.categories[0].id, Category::Photos);
    }
}
