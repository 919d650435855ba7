//! The name a person knows an app by, from the best source a backup offers: the App Store metadata, the
//! app's bundle folder, a compiled-in table of well-known apps, and only then the bundle id.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;

use crate::read::AppCatalog;

/// Where an app's name came from, first hit wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NameSource {
    /// Info.plist `Applications[id].iTunesMetadata` `itemName`: the App Store name.
    ItunesMetadata,
    /// The `.app` folder in Manifest.plist `Applications[id].Path` (`…/Telegram.app` → `Telegram`).
    AppPath,
    /// The compiled-in table of well-known apps (`known_apps.tsv`, each name with its source).
    Known,
    /// Nothing better: the bundle id itself.
    BundleId,
}

/// The name of the app `id` and where it came from.
pub fn app_name(id: &str, catalog: &AppCatalog) -> (String, NameSource) {
    if let Some(name) = catalog.names.get(id) {
        return (name.clone(), NameSource::ItunesMetadata);
    }
    if let Some(name) = catalog.bundle_names.get(id) {
        return (name.clone(), NameSource::AppPath);
    }
    if let Some(name) = known_name(id) {
        return (name.to_string(), NameSource::Known);
    }
    (id.to_string(), NameSource::BundleId)
}

/// The table's name for `id`, matched without regard to case (bundle ids are case-insensitive on iOS).
pub fn known_name(id: &str) -> Option<&'static str> {
    let find = |id: &str| known().get(id.to_ascii_lowercase().as_str()).copied();
    find(id).or_else(|| find(super::apps::without_team(id)))
}

/// `bundle id<TAB>name<TAB>source` rows; `#` lines and the header are skipped.
const KNOWN_APPS: &str = include_str!("known_apps.tsv");

fn known() -> &'static HashMap<String, &'static str> {
    static TABLE: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        super::table::rows(KNOWN_APPS)
            .filter_map(|cells| Some((cells.first()?.to_ascii_lowercase(), *cells.get(1)?)))
            .collect()
    })
}

/// `Telegram` from `/private/var/containers/Bundle/Application/<UUID>/Telegram.app`; `None` for a path
/// that does not end in an `.app` folder.
pub fn bundle_folder_name(path: &str) -> Option<String> {
    let last = path.trim_end_matches('/').rsplit('/').next()?;
    let name = last.strip_suffix(".app")?.trim();
    (!name.is_empty()).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_source_that_has_a_name_wins() {
        let mut catalog = AppCatalog::default();
        let id = "ph.telegra.Telegraph";
        assert_eq!(
            app_name(id, &catalog),
            ("Telegram".into(), NameSource::Known)
        );
        catalog.bundle_names.insert(id.into(), "Telegram X".into());
        assert_eq!(
            app_name(id, &catalog),
            ("Telegram X".into(), NameSource::AppPath)
        );
        catalog.names.insert(id.into(), "Telegram Messenger".into());
        assert_eq!(
            app_name(id, &catalog),
            ("Telegram Messenger".into(), NameSource::ItunesMetadata)
        );
        assert_eq!(
            app_name("io.example.unknown", &catalog),
            ("io.example.unknown".into(), NameSource::BundleId)
        );
    }

    #[test]
    fn known_names_ignore_case_and_every_row_is_whole() {
        assert_eq!(known_name("COM.GOOGLE.CHROME.IOS"), Some("Google Chrome"));
        let rows = super::super::table::check(KNOWN_APPS, 3).unwrap();
        assert!(rows >= 250, "{rows} known apps");
        assert_eq!(known().len(), rows, "one row per bundle id");
    }

    #[test]
    fn bundle_folders_name_the_app() {
        let path = "/private/var/containers/Bundle/Application/0A1B/Telegram.app";
        assert_eq!(bundle_folder_name(path).as_deref(), Some("Telegram"));
        assert_eq!(
            bundle_folder_name("/x/Telegram.app/").as_deref(),
            Some("Telegram")
        );
        assert_eq!(bundle_folder_name("/x/Telegram").as_deref(), None);
        assert_eq!(bundle_folder_name("/x/.app").as_deref(), None);
    }
}
