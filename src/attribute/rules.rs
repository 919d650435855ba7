//! The one table that maps (domain, path prefix) to a data type, longest prefix first.
//!
//! Sources, by the short names used in each row:
//! - `Domains.plist`: Apple's backup domain rules (iOS 16.4), transcribed in PeterBlenessy/traceloupe
//!   `tools/data/ios-backup-domains.json`; it gives each domain's root and the relative paths it backs up.
//! - `ibd`: jsharkey13/iphone_backup_decrypt `utils.py` (well-known database paths: Notes, WhatsApp, Files).
//! - `ibt`: richinfante/iphonebackuptools `tools/reports/*` (Safari, Notes, Calls, Voicemail, Messages paths).
//! - `apple-app`: Apple's own app bundle ids, whose containers hold that data type's data.
//! - `inventory`: a row of the real-world inventory (`tests/data/real-inventory-*.tsv`), which names its public
//!   source (iLEAPP artifacts, mvt modules, avibrazil/iOSbackup, dnicolson/iOS-Wallpaper-Extractor, ...);
//!   `tests/it/inventory.rs` holds every row of it to these rules.
//!
//! Every row's domain must be one of Apple's domains in `read/domains.rs`. A misspelt or unknown domain stops the
//! build, because [`RULES`] is evaluated at compile time.

use super::category::Category;
use super::subset::Subset;
use crate::read::domains;

/// One row: files in `domain` whose relative path is `prefix` or lies under it are `category`.
/// A `domain` ending in `-` names a family (`SysContainerDomain-` matches `SysContainerDomain-com.apple.geod`).
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub domain: &'static str,
    pub prefix: &'static str,
    pub category: Category,
    /// The slice of `category` these files are, when Apple's rules treat it apart.
    pub subset: Option<Subset>,
    /// The public source of the rule: the table's citation, read by no code (kept as a field so every row
    /// must give one).
    #[allow(dead_code)]
    pub source: &'static str,
}

const fn rule(
    domain: &'static str,
    prefix: &'static str,
    category: Category,
    source: &'static str,
) -> Rule {
    Rule {
        domain: known(domain),
        prefix,
        category,
        subset: None,
        source,
    }
}

/// A row for a [`Subset`]: its category is the subset's own.
const fn part(
    domain: &'static str,
    prefix: &'static str,
    subset: Subset,
    source: &'static str,
) -> Rule {
    Rule {
        domain: known(domain),
        prefix,
        category: subset.category(),
        subset: Some(subset),
        source,
    }
}

/// `domain`, once the table of Apple's domains knows it: a fixed domain, `<family>-` or `<family>-<id>`.
const fn known(domain: &'static str) -> &'static str {
    assert!(
        domains::is_known(domain),
        "a rule names a domain that read/domains.rs does not list"
    );
    domain
}

use Category::*;

pub const RULES: &[Rule] = &[
    // Photos: the camera roll and its library database; MediaDomain redirects DCIM/PhotoData there.
    rule(
        "CameraRollDomain",
        "",
        Photos,
        "Domains.plist CameraRollDomain",
    ),
    rule(
        "MediaDomain",
        "Media/DCIM",
        Photos,
        "Domains.plist MediaDomain redirect",
    ),
    rule(
        "MediaDomain",
        "Media/PhotoData",
        Photos,
        "Domains.plist MediaDomain redirect",
    ),
    // Caches the Photos app rebuilds; Domains.plist keeps them from iCloud (RelativePathsNotToBackupToService).
    part(
        "CameraRollDomain",
        "Media/PhotoData/Thumbnails",
        Subset::PhotoCaches,
        "Domains.plist CameraRollDomain RelativePathsNotToBackupToService",
    ),
    part(
        "CameraRollDomain",
        "Media/PhotoData/Metadata",
        Subset::PhotoCaches,
        "Domains.plist CameraRollDomain RelativePathsNotToBackupToService",
    ),
    part(
        "CameraRollDomain",
        "Media/PhotoData/CPL",
        Subset::PhotoCaches,
        "Domains.plist CameraRollDomain RelativePathsNotToBackupToService",
    ),
    part(
        "MediaDomain",
        "Media/PhotoData/Thumbnails",
        Subset::PhotoCaches,
        "Domains.plist MediaDomain redirect; RelativePathsNotToBackupToService",
    ),
    part(
        "MediaDomain",
        "Media/PhotoData/Metadata",
        Subset::PhotoCaches,
        "Domains.plist MediaDomain redirect; RelativePathsNotToBackupToService",
    ),
    part(
        "MediaDomain",
        "Media/PhotoData/CPL",
        Subset::PhotoCaches,
        "Domains.plist MediaDomain redirect; RelativePathsNotToBackupToService",
    ),
    // MediaDomain's other roots.
    rule(
        "MediaDomain",
        "",
        System,
        "Domains.plist MediaDomain (Media/iTunes_Control preferences)",
    ),
    rule(
        "MediaDomain",
        "Library/SMS",
        Messages,
        "Domains.plist MediaDomain (Attachments, Parts, StickerCache)",
    ),
    rule(
        "MediaDomain",
        "Media/Recordings",
        VoiceMemos,
        "Domains.plist MediaDomain",
    ),
    rule(
        "MediaDomain",
        "Library/Recordings",
        VoiceMemos,
        "Domains.plist MediaDomain",
    ),
    rule(
        "MediaDomain",
        "Media/Books",
        Books,
        "Domains.plist MediaDomain",
    ),
    // HomeDomain: an allow-list of /var/mobile; what is not listed here is settings.
    rule(
        "HomeDomain",
        "",
        System,
        "Domains.plist HomeDomain (Preferences, SpringBoard)",
    ),
    rule(
        "HomeDomain",
        "Library/SMS",
        Messages,
        "Domains.plist HomeDomain; ibt messages",
    ),
    rule(
        "HomeDomain",
        "Library/AddressBook",
        Contacts,
        "Domains.plist HomeDomain; ibt contacts",
    ),
    rule(
        "HomeDomain",
        "Library/Calendar",
        Calendars,
        "Domains.plist HomeDomain",
    ),
    rule(
        "HomeDomain",
        "Library/Notes",
        Notes,
        "Domains.plist HomeDomain (legacy notes); ibt notes",
    ),
    rule(
        "HomeDomain",
        "Library/CallHistoryDB",
        CallHistory,
        "Domains.plist HomeDomain; ibt calls",
    ),
    rule(
        "HomeDomain",
        "Library/Voicemail",
        Voicemail,
        "Domains.plist HomeDomain; ibt voicemail",
    ),
    rule(
        "HomeDomain",
        "Library/Safari",
        Safari,
        "Domains.plist HomeDomain; ibt safari",
    ),
    // Local-only (RelativePathsToBackupToDriveAndStandardAccount): in encrypted computer backups only.
    part(
        "HomeDomain",
        "Library/Safari/History.db",
        Subset::SafariHistory,
        "Domains.plist HomeDomain RelativePathsToBackupToDriveAndStandardAccount",
    ),
    part(
        "HomeDomain",
        "Library/Safari/History.db-wal",
        Subset::SafariHistory,
        "Domains.plist HomeDomain RelativePathsToBackupToDriveAndStandardAccount",
    ),
    part(
        "HomeDomain",
        "Library/Safari/History.db-shm",
        Subset::SafariHistory,
        "Domains.plist HomeDomain RelativePathsToBackupToDriveAndStandardAccount",
    ),
    rule(
        "HomeDomain",
        "Library/Passes",
        Wallet,
        "Domains.plist HomeDomain",
    ),
    rule(
        "HomeDomain",
        "Library/Mobile Documents",
        ICloudDrive,
        "Domains.plist HomeDomain (iCloud Drive cache)",
    ),
    rule(
        "HomeDomain",
        "Library/Keyboard",
        Keyboard,
        "Domains.plist KeyboardDomain (same root)",
    ),
    rule(
        "HomeDomain",
        "Library/Recordings",
        VoiceMemos,
        "Domains.plist MediaDomain (same root)",
    ),
    rule(
        "HomeDomain",
        "Library/Health",
        Health,
        "Domains.plist HealthDomain (same data)",
    ),
    rule(
        "HomeDomain",
        "Library/homed",
        Home,
        "Domains.plist HomeKitDomain (same root)",
    ),
    // HomeDomain folders of the real-world inventory, each a data type a person knows.
    rule(
        "HomeDomain",
        "Library/Messages",
        Messages,
        "Domains.plist HomeDomain",
    ),
    rule(
        "HomeDomain",
        "Library/MessagesMetaData",
        Messages,
        "Domains.plist HomeDomain",
    ),
    rule(
        "HomeDomain",
        "Library/Avatar",
        Messages,
        "Domains.plist HomeDomain (Memoji and contact avatars)",
    ),
    rule(
        "HomeDomain",
        "Library/NickNameCache",
        Contacts,
        "Domains.plist HomeDomain (shared names and photos)",
    ),
    rule(
        "HomeDomain",
        "Library/Recents",
        Contacts,
        "Domains.plist HomeDomain",
    ),
    rule(
        "HomeDomain",
        "Library/Preferences/com.apple.mobilephone.speeddial.plist",
        Contacts,
        "ibt speed_dial",
    ),
    rule(
        "HomeDomain",
        "Library/Preferences/com.apple.cmfsyncagent.plist",
        Contacts,
        "inventory: iLEAPP blockedContacts",
    ),
    rule(
        "HomeDomain",
        "Library/CallHistoryTransactions",
        CallHistory,
        "Domains.plist HomeDomain",
    ),
    rule(
        "HomeDomain",
        "Library/Accessibility/TTY/TTYCallHistory.sqlite",
        CallHistory,
        "Domains.plist HomeDomain",
    ),
    rule(
        "HomeDomain",
        "Library/Cookies",
        Safari,
        "Domains.plist HomeDomain",
    ),
    rule(
        "HomeDomain",
        "Library/WebKit/Databases",
        Safari,
        "Domains.plist HomeDomain",
    ),
    rule(
        "HomeDomain",
        "Library/WebKit/Form Values",
        Safari,
        "Domains.plist HomeDomain",
    ),
    rule(
        "HomeDomain",
        "Library/WebKit/GeolocationSites.plist",
        Safari,
        "Domains.plist HomeDomain",
    ),
    rule(
        "HomeDomain",
        "Library/WebClips",
        Safari,
        "Domains.plist HomeDomain (Home Screen web apps)",
    ),
    rule(
        "HomeDomain",
        "Library/Preferences/com.apple.mobilesafari.plist",
        Safari,
        "inventory: iLEAPP safariRecentWebSearches",
    ),
    rule(
        "HomeDomain",
        "Library/Application Support/CloudDocs",
        ICloudDrive,
        "Domains.plist HomeDomain",
    ),
    rule(
        "HomeDomain",
        "Library/CloudStorage",
        Files,
        "Domains.plist HomeDomain (File Provider storage)",
    ),
    rule(
        "HomeDomain",
        "Library/Reminders",
        Reminders,
        "Domains.plist HomeDomain; iLEAPP reminders",
    ),
    rule(
        "HomeDomain",
        "Library/Shortcuts",
        Shortcuts,
        "Domains.plist HomeDomain; mvt shortcuts",
    ),
    rule(
        "HomeDomain",
        "Library/VoiceShortcuts",
        Shortcuts,
        "Domains.plist HomeDomain",
    ),
    rule(
        "HomeDomain",
        "Library/com.apple.siri.remembers",
        Siri,
        "Domains.plist HomeDomain; iLEAPP SiriRemembers",
    ),
    rule(
        "HomeDomain",
        "Library/com.apple.siri.inference",
        Siri,
        "iLEAPP SiriRemembers",
    ),
    rule(
        "HomeDomain",
        "Library/VoiceTrigger",
        Siri,
        "Domains.plist HomeDomain (the Hey Siri voice)",
    ),
    rule(
        "HomeDomain",
        "Library/Preferences/com.apple.speakerrecognition.plist",
        Siri,
        "Domains.plist HomeDomain",
    ),
    rule(
        "HomeDomain",
        "Library/PersonalizationPortrait",
        Siri,
        "Domains.plist HomeDomain (suggestions)",
    ),
    rule(
        "HomeDomain",
        "Library/DuetExpertCenter",
        Siri,
        "Domains.plist HomeDomain (suggestions)",
    ),
    rule(
        "HomeDomain",
        "Library/CoreDuet/People",
        Siri,
        "mvt interactionc (suggested people)",
    ),
    rule(
        "HomeDomain",
        "Library/Preferences/ScreenTimeAgent.plist",
        ScreenTime,
        "inventory: leminlimez/Nugget basic_plist_locations",
    ),
    rule(
        "HomeDomain",
        "Library/Application Support/com.apple.remotemanagementd",
        ScreenTime,
        "inventory: iLEAPP ilap_artifacts screentime (UNCONFIRMED in backups)",
    ),
    rule(
        "HomeDomain",
        "Library/SpringBoard/LockBackground.cpbitmap",
        Wallpaper,
        "dnicolson/iOS-Wallpaper-Extractor",
    ),
    rule(
        "HomeDomain",
        "Library/SpringBoard/HomeBackground.cpbitmap",
        Wallpaper,
        "dnicolson/iOS-Wallpaper-Extractor",
    ),
    rule(
        "HomeDomain",
        "Library/SpringBoard/LockBackgroundThumbnail.jpg",
        Wallpaper,
        "dnicolson/iOS-Wallpaper-Extractor",
    ),
    rule(
        "HomeDomain",
        "Library/SpringBoard/HomeBackgroundThumbnail.jpg",
        Wallpaper,
        "dnicolson/iOS-Wallpaper-Extractor",
    ),
    rule(
        "HomeDomain",
        "Library/SpringBoard/LockVideo.mov",
        Wallpaper,
        "avibrazil/iOSbackup Interesting Files",
    ),
    rule(
        "HomeDomain",
        "Library/Wallpapers",
        Wallpaper,
        "Domains.plist HomeDomain",
    ),
    rule(
        "HomeDomain",
        "Library/Application Support/com.apple.Home/Wallpapers",
        Home,
        "Domains.plist HomeDomain",
    ),
    rule(
        "HomeDomain",
        "Library/NanoBackup",
        AppleWatch,
        "Domains.plist HomeDomain (Apple Watch backups)",
    ),
    rule(
        "HomeDomain",
        "Library/DeviceRegistry",
        AppleWatch,
        "Domains.plist HomeDomain (paired Apple Watch)",
    ),
    rule(
        "HomeDomain",
        "Library/DeviceRegistry.state",
        AppleWatch,
        "Domains.plist HomeDomain (paired Apple Watch)",
    ),
    rule(
        "HomeDomain",
        "Library/Mail",
        Mail,
        "Domains.plist HomeDomain (accounts and mailbox settings)",
    ),
    rule(
        "HomeDomain",
        "Library/MusicLibrary",
        Music,
        "Domains.plist HomeDomain",
    ),
    rule(
        "HomeDomain",
        "Library/Photos/Libraries",
        Photos,
        "Domains.plist HomeDomain; iLEAPP Ph1BasicAssetData",
    ),
    rule(
        "HomeDomain",
        "Library/ExposureNotification",
        Health,
        "Domains.plist HomeDomain",
    ),
    rule(
        "HomeDomain",
        "Library/Mobile Documents/iCloud~com~apple~iBooks",
        ICloudDrive,
        "dariusf ios-backups (the Books app's iCloud Drive folder)",
    ),
    // Domains that are one data type throughout.
    rule("HealthDomain", "", Health, "Domains.plist HealthDomain"),
    rule(
        "KeychainDomain",
        "",
        Passwords,
        "Domains.plist KeychainDomain",
    ),
    rule(
        "KeyboardDomain",
        "",
        Keyboard,
        "Domains.plist KeyboardDomain",
    ),
    rule("TonesDomain", "", Ringtones, "Domains.plist TonesDomain"),
    rule("BooksDomain", "", Books, "Domains.plist BooksDomain"),
    rule("HomeKitDomain", "", Home, "Domains.plist HomeKitDomain"),
    rule(
        "WirelessDomain",
        "",
        System,
        "Domains.plist WirelessDomain (cellular usage, prefs)",
    ),
    rule(
        "WirelessDomain",
        "Library/CallHistory",
        CallHistory,
        "Domains.plist WirelessDomain",
    ),
    rule(
        "SystemPreferencesDomain",
        "",
        System,
        "Domains.plist SystemPreferencesDomain",
    ),
    // Wi-Fi networks (and their passwords' records) are in encrypted computer backups only (support.apple.com/108353).
    part(
        "SystemPreferencesDomain",
        "SystemConfiguration/com.apple.wifi.plist",
        Subset::WifiNetworks,
        "Domains.plist SystemPreferencesDomain; support.apple.com/108353",
    ),
    part(
        "SystemPreferencesDomain",
        "SystemConfiguration/com.apple.wifi-networks.plist",
        Subset::WifiNetworks,
        "Domains.plist SystemPreferencesDomain; support.apple.com/108353",
    ),
    part(
        "SystemPreferencesDomain",
        "SystemConfiguration/com.apple.wifi-private-mac-networks.plist",
        Subset::WifiNetworks,
        "Domains.plist SystemPreferencesDomain; support.apple.com/108353",
    ),
    rule("RootDomain", "", System, "Domains.plist RootDomain"),
    rule(
        "ManagedPreferencesDomain",
        "",
        System,
        "Domains.plist ManagedPreferencesDomain",
    ),
    rule("DatabaseDomain", "", System, "Domains.plist DatabaseDomain"),
    rule("InstallDomain", "", System, "Domains.plist InstallDomain"),
    rule(
        "MobileDeviceDomain",
        "",
        System,
        "Domains.plist MobileDeviceDomain",
    ),
    rule("NetworkDomain", "", System, "Domains.plist NetworkDomain"),
    rule(
        "ProtectedDomain",
        "",
        System,
        "Domains.plist ProtectedDomain",
    ),
    rule(
        "SysContainerDomain-",
        "",
        System,
        "Domains.plist SysContainerDomain",
    ),
    rule(
        "SysSharedContainerDomain-",
        "",
        System,
        "Domains.plist SysSharedContainerDomain",
    ),
    // Apple's own apps: their containers hold a data type's data. Extensions and groups of these apps
    // are looked up here by their owning app's `AppDomain-` name.
    rule(
        "AppDomain-com.apple.mobilesafari",
        "",
        Safari,
        "apple-app; ibt safari",
    ),
    rule(
        "AppDomainGroup-group.com.apple.mobilesafari",
        "",
        Safari,
        "apple-app",
    ),
    rule("AppDomain-com.apple.mobilenotes", "", Notes, "apple-app"),
    rule(
        "AppDomainGroup-group.com.apple.notes",
        "",
        Notes,
        "apple-app; ibd utils.py NoteStore.sqlite",
    ),
    rule(
        "AppDomainGroup-group.com.apple.FileProvider.LocalStorage",
        "",
        Files,
        "apple-app; ibd utils.py",
    ),
    rule("AppDomain-com.apple.DocumentsApp", "", Files, "apple-app"),
    rule(
        "AppDomain-com.apple.VoiceMemos",
        "",
        VoiceMemos,
        "apple-app",
    ),
    rule(
        "AppDomainGroup-group.com.apple.VoiceMemos.shared",
        "",
        VoiceMemos,
        "apple-app",
    ),
    rule("AppDomain-com.apple.Health", "", Health, "apple-app"),
    rule("AppDomain-com.apple.iBooks", "", Books, "apple-app"),
    rule(
        "AppDomainGroup-group.com.apple.iBooks",
        "",
        Books,
        "apple-app",
    ),
    rule("AppDomain-com.apple.Passbook", "", Wallet, "apple-app"),
    rule("AppDomain-com.apple.Home", "", Home, "apple-app"),
    rule("AppDomain-com.apple.MobileSMS", "", Messages, "apple-app"),
    rule("AppDomain-com.apple.mobilecal", "", Calendars, "apple-app"),
    rule(
        "AppDomain-com.apple.MobileAddressBook",
        "",
        Contacts,
        "apple-app",
    ),
    rule(
        "AppDomain-com.apple.mobilephone",
        "",
        CallHistory,
        "apple-app",
    ),
    rule(
        "AppDomain-com.apple.mobileslideshow",
        "",
        Photos,
        "apple-app (Photos)",
    ),
    rule("AppDomain-com.apple.camera", "", Photos, "apple-app"),
    // Apple's apps and services whose data is a data type of the real-world inventory.
    rule(
        "MediaDomain",
        "Media/PhotoStreamsData",
        Photos,
        "Domains.plist MediaDomain (Shared Albums)",
    ),
    rule(
        "MediaDomain",
        "Media/Vibrations",
        Ringtones,
        "Domains.plist MediaDomain (custom vibrations)",
    ),
    rule(
        "MediaDomain",
        "Media/iTunes_Control/iTunes/MediaLibrary.sqlitedb",
        Music,
        "Domains.plist MediaDomain (the music library database)",
    ),
    rule(
        "HealthDomain",
        "locationd",
        System,
        "inventory: Domains.plist HealthDomain (location settings)",
    ),
    rule(
        "KeychainDomain",
        "TrustStore.sqlite3",
        System,
        "inventory: certificate trust settings",
    ),
    rule(
        "SysContainerDomain-com.apple.mobilesafari",
        "",
        Safari,
        "avibrazil/iOSbackup List of Domains",
    ),
    rule(
        "SysSharedContainerDomain-systemgroup.com.apple.VideoSubscriberAccount",
        "",
        Tv,
        "avibrazil/iOSbackup List of Domains (TV provider)",
    ),
    rule(
        "SysSharedContainerDomain-systemgroup.com.apple.media.books.managed",
        "",
        Books,
        "avibrazil/iOSbackup List of Domains",
    ),
    rule(
        "SysSharedContainerDomain-systemgroup.com.apple.media.shared.books",
        "",
        Books,
        "avibrazil/iOSbackup List of Domains",
    ),
    rule(
        "AppDomain-com.apple.PosterBoard",
        "",
        Wallpaper,
        "dnicolson/iOS-Wallpaper-Extractor; leminlimez/Nugget posterboard (iOS 17+)",
    ),
    rule("AppDomain-com.apple.mobilemail", "", Mail, "apple-app"),
    rule("AppDomain-com.apple.Maps", "", Maps, "apple-app"),
    rule("AppDomainGroup-group.com.apple.Maps", "", Maps, "apple-app"),
    rule("AppDomain-com.apple.Music", "", Music, "apple-app"),
    rule("AppDomain-com.apple.podcasts", "", Podcasts, "apple-app"),
    rule(
        "AppDomainGroup-243LU875E5.groups.com.apple.podcasts",
        "",
        Podcasts,
        "apple-app",
    ),
    rule("AppDomain-com.apple.tv", "", Tv, "apple-app"),
    rule(
        "AppDomainGroup-group.com.apple.reminders",
        "",
        Reminders,
        "inventory: iLEAPP reminders (Container_v1/Stores)",
    ),
    rule("AppDomain-com.apple.reminders", "", Reminders, "apple-app"),
    rule("AppDomain-com.apple.shortcuts", "", Shortcuts, "apple-app"),
    rule("AppDomain-com.apple.facetime", "", CallHistory, "apple-app"),
    rule(
        "AppDomain-com.apple.Bridge",
        "",
        AppleWatch,
        "apple-app (the Watch app)",
    ),
    rule(
        "AppDomain-com.apple.SafariViewService",
        "",
        Safari,
        "inventory: avibrazil/iOSbackup",
    ),
];

/// The rows that apply to one domain, most specific first, ready for per-file matching.
#[derive(Debug, Clone)]
pub struct DomainRules {
    rows: Vec<&'static Rule>,
}

impl DomainRules {
    /// Rows whose domain is `domain` or a family it belongs to; exact domains win over families.
    pub fn for_domain(domain: &str) -> Option<Self> {
        let mut rows: Vec<&'static Rule> = RULES
            .iter()
            .filter(|r| {
                r.domain == domain || (r.domain.ends_with('-') && domain.starts_with(r.domain))
            })
            .collect();
        if rows.is_empty() {
            return None;
        }
        rows.sort_by_key(|r| (std::cmp::Reverse(r.prefix.len()), r.domain != domain));
        Some(DomainRules { rows })
    }

    /// The data type (and subset) of a file at `path`; `Other` when no row covers it (the tests' short way).
    #[cfg(test)]
    pub fn classify(&self, path: &str) -> (Category, Option<Subset>) {
        self.rule_index(path)
            .and_then(|i| self.rule(i))
            .map_or((Category::Other, None), |r| (r.category, r.subset))
    }

    /// Which of this domain's rows covers a file at `path` (its index), if any.
    pub fn rule_index(&self, path: &str) -> Option<usize> {
        self.rows.iter().position(|r| under(path, r.prefix))
    }

    /// Row `index` of this domain's rules.
    pub fn rule(&self, index: usize) -> Option<&'static Rule> {
        self.rows.get(index).copied()
    }

    /// How many rows apply to this domain.
    pub fn rule_count(&self) -> usize {
        self.rows.len()
    }

    /// The category when every file of the domain has the same one (no path rules).
    pub fn whole_domain(&self) -> Option<Category> {
        match self.rows.as_slice() {
            [only] if only.prefix.is_empty() && only.subset.is_none() => Some(only.category),
            _ => None,
        }
    }
}

/// Whether `path` is `prefix` or lies below it, at a path-component boundary.
fn under(path: &str, prefix: &str) -> bool {
    prefix.is_empty()
        || (path.starts_with(prefix)
            && (path.len() == prefix.len() || path.as_bytes()[prefix.len()] == b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(domain: &str, path: &str) -> Category {
        DomainRules::for_domain(domain).map_or(Other, |r| r.classify(path).0)
    }

    #[test]
    fn longest_prefix_wins_at_component_boundaries() {
        assert_eq!(category("HomeDomain", "Library/SMS/sms.db"), Messages);
        assert_eq!(category("HomeDomain", "Library/SMSX/x"), System);
        assert_eq!(
            category(
                "HomeDomain",
                "Library/Preferences/com.apple.springboard.plist"
            ),
            System
        );
        assert_eq!(
            category("MediaDomain", "Library/SMS/Attachments/ab/IMG_1.jpeg"),
            Messages
        );
        assert_eq!(
            category("MediaDomain", "Media/Recordings/a.m4a"),
            VoiceMemos
        );
        assert_eq!(category("MediaDomain", "Media/iTunes_Control/x"), System);
        assert_eq!(
            category(
                "HomeDomain",
                "Library/Mobile Documents/com~apple~CloudDocs/a.pdf"
            ),
            ICloudDrive
        );
        assert_eq!(
            category("WirelessDomain", "Library/CallHistory/call_history.db"),
            CallHistory
        );
        assert_eq!(
            category("WirelessDomain", "Library/Databases/DataUsage.sqlite"),
            System
        );
        assert_eq!(
            category("SysContainerDomain-com.apple.geod", "Library/x"),
            System
        );
        assert_eq!(category("FutureDomain", "x"), Other);
    }

    #[test]
    fn subsets_are_slices_of_their_data_type() {
        let classify =
            |domain: &str, path: &str| DomainRules::for_domain(domain).unwrap().classify(path);
        assert_eq!(
            classify(
                "CameraRollDomain",
                "Media/PhotoData/Thumbnails/V2/DCIM/a/5005.JPG"
            ),
            (Photos, Some(Subset::PhotoCaches))
        );
        assert_eq!(
            classify("CameraRollDomain", "Media/PhotoData/CPL/storage/x"),
            (Photos, Some(Subset::PhotoCaches))
        );
        assert_eq!(
            classify("CameraRollDomain", "Media/PhotoData/Photos.sqlite"),
            (Photos, None)
        );
        assert_eq!(
            classify("HomeDomain", "Library/Safari/History.db-wal"),
            (Safari, Some(Subset::SafariHistory))
        );
        assert_eq!(
            classify("HomeDomain", "Library/Safari/History.dbx"),
            (Safari, None)
        );
        assert_eq!(
            classify(
                "SystemPreferencesDomain",
                "SystemConfiguration/com.apple.wifi.plist"
            ),
            (System, Some(Subset::WifiNetworks))
        );
        assert_eq!(
            classify(
                "SystemPreferencesDomain",
                "SystemConfiguration/preferences.plist"
            ),
            (System, None)
        );
        for r in RULES.iter().filter(|r| r.subset.is_some()) {
            assert_eq!(Some(r.category), r.subset.map(Subset::category));
        }
    }

    #[test]
    fn every_domain_of_the_table_is_attributed() {
        // A domain with no row would count as Other (unrecognised) whatever it holds.
        for d in domains::FIXED {
            assert!(DomainRules::for_domain(d.name).is_some(), "{}", d.name);
        }
        // A family's containers are either an app's (apps.rs rolls them up into it) or attributed here: system
        // containers are settings unless a row says more.
        for f in domains::FAMILIES {
            let member = format!("{}-com.example", f.name);
            if crate::attribute::apps::app_container(&member).is_none() {
                assert_eq!(category(&member, "Library/x"), System, "{member}");
            }
        }
    }

    #[test]
    fn every_row_is_reachable_and_cited() {
        for r in RULES {
            assert!(!r.source.is_empty());
            let domain = if r.domain.ends_with('-') {
                format!("{}x", r.domain)
            } else {
                r.domain.to_string()
            };
            let path = if r.prefix.is_empty() {
                "some/file".to_string()
            } else {
                format!("{}/f", r.prefix)
            };
            let rules = DomainRules::for_domain(&domain).unwrap();
            // A row may be shadowed only by a longer prefix with the same outcome; none are today.
            assert_eq!(
                rules.classify(&path),
                (r.category, r.subset),
                "{} {}",
                r.domain,
                r.prefix
            );
        }
    }
}
