//! The generator's intent: every row it will write, each regular file labelled with its owner.
//!
//! Labels are assigned by hand in the content tables below, not derived by running attribution
//! rules, so the record they feed stays independent of any reader's rule engine.

use std::collections::{HashMap, HashSet};

use sha1::{Digest, Sha1};

use super::rng::{hex_digit, mix64, uuid_from, Rng};

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
    System,
    Apps,
    Other,
}

impl Category {
    #[cfg(test)]
    pub(crate) const ALL: [Category; 20] = [
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
            Category::System => "system",
            Category::Apps => "apps",
            Category::Other => "other",
        }
    }
}

/// An application container as Info.plist and Manifest.plist describe it.
#[derive(Debug)]
pub(crate) struct AppDef {
    pub id: &'static str,
    /// `iTunesMetadata.itemName`; `None` = the app ships no iTunesMetadata at all (enterprise,
    /// TestFlight or built-in apps), so its display name is unknown to a reader.
    pub item_name: Option<&'static str>,
    pub artist: &'static str,
    pub version: &'static str,
    /// The `.app` folder name in the bundle container path.
    pub bundle_dir: &'static str,
}

/// Every `Data/Application` container the fixtures install. Apple's own apps are here too
/// because their `AppDomain-` domains make them installed apps for the ownership rules, and
/// the three sources of "installed" (Manifest.plist, Info.plist, domains) must agree.
pub(crate) const APPS: &[AppDef] = &[
    AppDef {
        id: "net.whatsapp.WhatsApp",
        item_name: Some("WhatsApp Messenger"),
        artist: "WhatsApp Inc.",
        version: "24.22.79",
        bundle_dir: "WhatsApp.app",
    },
    AppDef {
        id: "com.burbn.instagram",
        item_name: Some("Instagram"),
        artist: "Instagram, Inc.",
        version: "356.0",
        bundle_dir: "Instagram.app",
    },
    AppDef {
        id: "ph.telegra.Telegraph",
        item_name: Some("Telegram Messenger"),
        artist: "Telegram FZ-LLC",
        version: "11.3",
        bundle_dir: "Telegram.app",
    },
    AppDef {
        id: "com.spotify.client",
        item_name: Some("Spotify - Music and Podcasts"),
        artist: "Spotify",
        version: "9.0.4",
        bundle_dir: "Spotify.app",
    },
    AppDef {
        id: "com.google.Gmail",
        item_name: Some("Gmail - Email by Google"),
        artist: "Google LLC",
        version: "6.0.241020",
        bundle_dir: "Gmail.app",
    },
    AppDef {
        id: "com.google.Maps",
        item_name: Some("Google Maps"),
        artist: "Google LLC",
        version: "6.134.1",
        bundle_dir: "GoogleMaps.app",
    },
    AppDef {
        id: "com.tencent.xin",
        item_name: Some("微信"),
        artist: "Tencent Technology (Shenzhen) Company Limited",
        version: "8.0.53",
        bundle_dir: "WeChat.app",
    },
    AppDef {
        id: "io.habitloop.app",
        item_name: Some("Habit Loop 🔁 Daily Tracker ✨"),
        artist: "Loop Labs GmbH",
        version: "3.2.1",
        bundle_dir: "HabitLoop.app",
    },
    AppDef {
        id: "com.acme.enterprise.Expenses",
        item_name: None,
        artist: "",
        version: "1.4 (87)",
        bundle_dir: "Expenses.app",
    },
    AppDef {
        id: "com.apple.Keynote",
        item_name: Some("Keynote"),
        artist: "Apple",
        version: "14.2",
        bundle_dir: "Keynote.app",
    },
    AppDef {
        id: "com.apple.mobilesafari",
        item_name: None,
        artist: "Apple",
        version: "8620.1.16.10.11",
        bundle_dir: "MobileSafari.app",
    },
    AppDef {
        id: "com.apple.VoiceMemos",
        item_name: Some("Voice Memos"),
        artist: "Apple",
        version: "3.1",
        bundle_dir: "VoiceMemos.app",
    },
];

/// Extension ids listed in Manifest.plist without any backed-up container of their own (real
/// backups list far more containers than they hold domains for).
pub(crate) const EXTRA_EXTENSIONS: &[&str] = &[
    "ph.telegra.Telegraph.Share",
    "com.spotify.client.WidgetExtension",
];

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
    pub files: u64,
    pub avg_file_size: u64,
    pub seed: u64,
    pub last_backup: i64,
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
enum By {
    Cat(Category),
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
}

#[derive(Default)]
struct Builder {
    domains: Vec<String>,
    domain_ix: HashMap<String, u32>,
    drafts: Vec<Draft>,
    labels: Vec<Label>,
    label_ix: HashMap<Label, u32>,
    owners: Vec<Owner>,
    owner_ix: HashMap<String, u32>,
}

impl Builder {
    fn domain(&mut self, name: &str) -> u32 {
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
        let label = match by {
            By::Cat(category) => Label {
                category,
                owner: None,
            },
            By::App(id) => {
                // The record names an app by its itemName, or by its id when it has none.
                let name = APPS
                    .iter()
                    .find(|a| a.id == id)
                    .and_then(|a| a.item_name)
                    .unwrap_or(id);
                Label {
                    category: Category::Apps,
                    owner: Some(self.owner(id, name)),
                }
            }
            By::Own(key, name) => Label {
                category: Category::Apps,
                owner: Some(self.owner(key, name)),
            },
        };
        if let Some(&i) = self.label_ix.get(&label) {
            return i;
        }
        let i = self.labels.len() as u32;
        self.labels.push(label);
        self.label_ix.insert(label, i);
        i
    }

    fn push(&mut self, domain: &str, path: &str, by: By, kind: DraftKind) {
        let domain = self.domain(domain);
        let label = self.label(by);
        self.drafts.push(Draft {
            domain,
            path: path.to_owned(),
            kind,
            label,
        });
    }

    fn file(&mut self, domain: &str, path: &str, by: By, weight: u64) {
        let kind = DraftKind::File {
            weight,
            spread: Spread::Tight,
        };
        self.push(domain, path, by, kind);
    }

    fn symlink(&mut self, domain: &str, path: &str, target: &str) {
        let kind = DraftKind::Symlink(target.to_owned());
        self.push(domain, path, By::Cat(Category::Other), kind);
    }

    fn dir(&mut self, domain: &str, path: &str) {
        self.push(domain, path, By::Cat(Category::Other), DraftKind::Dir);
    }
}

// Domain names used more than once below.
const WA: &str = "net.whatsapp.WhatsApp";
const WA_APP: &str = "AppDomain-net.whatsapp.WhatsApp";
const WA_GROUP: &str = "AppDomainGroup-group.net.whatsapp.WhatsApp.shared";
const IG: &str = "com.burbn.instagram";
const TG: &str = "ph.telegra.Telegraph";
const SPOTIFY: &str = "com.spotify.client";
const GMAIL: &str = "com.google.Gmail";
const WECHAT: &str = "com.tencent.xin";
const FILES_GROUP: &str = "AppDomainGroup-group.com.apple.FileProvider.LocalStorage";
const NOTES_GROUP: &str = "AppDomainGroup-group.com.apple.notes";
const NOTES_ACCOUNT: &str = "6A1C5E2B-3F4D-4E8A-9B0C-1D2E3F4A5B6C";

/// The fixed files every backup has: one or more per attribution rule, plus the odd names.
fn fixed_content(b: &mut Builder) {
    use Category as C;
    let cat = By::Cat;

    // Photos (CameraRollDomain). IMG_0001.HEIC itself comes from the DCIM pool (n = 0); its
    // Live Photo movie sits beside it.
    b.file(
        "CameraRollDomain",
        "Media/DCIM/100APPLE/IMG_0001.MOV",
        cat(C::Photos),
        3_000,
    );
    b.file(
        "CameraRollDomain",
        "Media/PhotoData/Photos.sqlite",
        cat(C::Photos),
        60_000,
    );
    b.file(
        "CameraRollDomain",
        "Media/PhotoData/Mutations/DCIM/100APPLE/IMG_0003/Adjustments/FullSizeRender.jpg",
        cat(C::Photos),
        1_800,
    );

    // HomeDomain: an allow-list of data types; everything else there is settings (system).
    let home = "HomeDomain";
    b.file(home, "Library/SMS/sms.db", cat(C::Messages), 90_000);
    b.file(home, "Library/SMS/sms.db-wal", cat(C::Messages), 0);
    b.file(
        home,
        "Library/AddressBook/AddressBook.sqlitedb",
        cat(C::Contacts),
        4_000,
    );
    b.file(
        home,
        "Library/AddressBook/AddressBookImages.sqlitedb",
        cat(C::Contacts),
        6_000,
    );
    b.file(
        home,
        "Library/Calendar/Calendar.sqlitedb",
        cat(C::Calendars),
        8_000,
    );
    b.file(
        home,
        "Library/CallHistoryDB/CallHistory.storedata",
        cat(C::CallHistory),
        1_500,
    );
    b.file(
        home,
        "Library/Voicemail/voicemail.db",
        cat(C::Voicemail),
        200,
    );
    b.file(home, "Library/Safari/Bookmarks.db", cat(C::Safari), 400);
    b.file(home, "Library/Safari/Bookmarks.db-wal", cat(C::Safari), 0);
    b.file(home, "Library/Notes/notes.sqlite", cat(C::Notes), 300);
    b.file(
        home,
        "Library/Preferences/com.apple.springboard.plist",
        cat(C::System),
        30,
    );
    b.file(
        home,
        "Library/SpringBoard/LockBackground.cpbitmap",
        cat(C::System),
        3_000,
    );
    b.symlink(
        home,
        "Library/Ringtones",
        "../Media/iTunes_Control/Ringtones",
    );

    // Single-purpose domains.
    b.file(
        "KeyboardDomain",
        "Library/Keyboard/en-dynamic.lm/dynamic-lexicon.dat",
        cat(C::Keyboard),
        600,
    );
    b.file(
        "KeyboardDomain",
        "Library/Keyboard/en-dynamic.lm/dynamic.lm",
        cat(C::Keyboard),
        200,
    );
    b.file(
        "TonesDomain",
        "Media/iTunes_Control/iTunes/Ringtones.plist",
        cat(C::Ringtones),
        2,
    );
    b.file(
        "TonesDomain",
        "Media/iTunes_Control/Ringtones/QXKD.m4r",
        cat(C::Ringtones),
        600,
    );
    b.file("BooksDomain", "Books.plist", cat(C::Books), 20);
    b.file(
        "HealthDomain",
        "Health/healthdb_secure.sqlite",
        cat(C::Health),
        40_000,
    );
    b.file(
        "HealthDomain",
        "Health/healthdb.sqlite",
        cat(C::Health),
        2_000,
    );
    b.file(
        "KeychainDomain",
        "keychain-backup.plist",
        cat(C::Passwords),
        700,
    );
    b.file(
        "HomeKitDomain",
        "Library/homed/core.sqlite",
        cat(C::Home),
        900,
    );
    b.file(
        "WirelessDomain",
        "Library/CallHistory/call_history.db",
        cat(C::CallHistory),
        300,
    );
    b.file(
        "WirelessDomain",
        "Library/Databases/DataUsage.sqlite",
        cat(C::System),
        1_200,
    );
    b.file(
        "SystemPreferencesDomain",
        "SystemConfiguration/com.apple.wifi.plist",
        cat(C::System),
        40,
    );
    b.file(
        "SystemPreferencesDomain",
        "SystemConfiguration/preferences.plist",
        cat(C::System),
        10,
    );
    b.file(
        "RootDomain",
        "Library/Preferences/com.apple.locationd.plist",
        cat(C::System),
        20,
    );
    b.file(
        "RootDomain",
        "Library/Caches/locationd/clients.plist",
        cat(C::System),
        30,
    );
    b.file(
        "SysContainerDomain-com.apple.geod",
        "Library/Preferences/com.apple.GEO.plist",
        cat(C::System),
        10,
    );
    b.symlink(
        "SysContainerDomain-com.apple.geod",
        "Library/Caches/GeoServices/latest",
        "tiles-v3",
    );
    b.file(
        "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles",
        "Library/ConfigurationProfiles/CloudConfigurationDetails.plist",
        cat(C::System),
        5,
    );
    b.file(
        "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles",
        "Library/ConfigurationProfiles/PublicInfo/MCMeta.plist",
        cat(C::System),
        3,
    );
    // A domain this iOS does not know yet: readers must not drop its bytes.
    b.file(
        "FutureDomain",
        "Library/NewFeature/store.db",
        cat(C::Other),
        500,
    );
    b.file("FutureDomain", "Data/blob.bin", cat(C::Other), 100);
    // Real backups have many domains that hold nothing but their root row.
    b.domain("DatabaseDomain");
    b.domain("ManagedPreferencesDomain");

    // Apple apps whose containers are a data type, not an app.
    b.file(
        "AppDomain-com.apple.mobilesafari",
        "Library/Safari/SuspendState.plist",
        cat(C::Safari),
        60,
    );
    b.file(
        "AppDomain-com.apple.mobilesafari",
        "Library/Preferences/com.apple.mobilesafari.plist",
        cat(C::Safari),
        8,
    );
    b.file(NOTES_GROUP, "NoteStore.sqlite", cat(C::Notes), 5_000);
    b.file(
        "AppDomain-com.apple.VoiceMemos",
        "Library/Preferences/com.apple.VoiceMemos.plist",
        cat(C::VoiceMemos),
        3,
    );
    b.file(
        "AppDomain-com.apple.VoiceMemos",
        "Library/Application Support/Recordings/20261101 093000.m4a",
        cat(C::VoiceMemos),
        2_500,
    );

    // "On My iPhone" files: the odd-name zoo. NFC and NFD spellings of the same name are
    // different byte strings, hence different fileIDs and rows; a reader must not merge them.
    let fp = "File Provider Storage";
    let files = cat(C::Files);
    b.file(FILES_GROUP, &format!("{fp}/Report.pdf"), files, 2_500);
    b.file(FILES_GROUP, &format!("{fp}/Caf\u{e9} menu.pdf"), files, 300);
    b.file(
        FILES_GROUP,
        &format!("{fp}/Cafe\u{301} menu.pdf"),
        files,
        310,
    );
    b.file(
        FILES_GROUP,
        &format!("{fp}/Re\u{301}sume\u{301}s/Re\u{301}sume\u{301} 2026.pages"),
        files,
        450,
    );
    b.file(
        FILES_GROUP,
        &format!("{fp}/🎉 Party plans 🥳.txt"),
        files,
        4,
    );
    b.file(
        FILES_GROUP,
        &format!("{fp}/写真/旅行 2026/京都 清水寺.jpg"),
        files,
        900,
    );
    b.file(FILES_GROUP, &format!("{fp}/empty file.txt"), files, 0);
    b.file(FILES_GROUP, &format!("{fp}/{}", long_name()), files, 120);
    b.file(
        FILES_GROUP,
        &format!(
            "{fp}/Projects/2026/Clients/Acme Corp/Q4/Drafts/Archive/Old/v1/v2/v3/v4/final/really final/notes.txt"
        ),
        files,
        6,
    );

    // WhatsApp: app, shared group (label-prefix of the group id) and a share extension.
    let wa = By::App(WA);
    b.file(
        WA_APP,
        "Library/Preferences/net.whatsapp.WhatsApp.plist",
        wa,
        20,
    );
    b.file(
        WA_APP,
        "Library/Application Support/Backups/2026-11-19/meta.plist",
        wa,
        2,
    );
    b.symlink(
        WA_APP,
        "Library/Application Support/current",
        "Backups/2026-11-19",
    );
    b.file(WA_GROUP, "ChatStorage.sqlite", wa, 60_000);
    b.file(WA_GROUP, "ChatStorage.sqlite-wal", wa, 0);
    b.file(
        WA_GROUP,
        "Media/Profile/4915112345678-1731234567.thumb",
        wa,
        10,
    );
    b.file(
        "AppDomainPlugin-net.whatsapp.WhatsApp.ShareExtension",
        "Library/Preferences/net.whatsapp.WhatsApp.ShareExtension.plist",
        wa,
        2,
    );

    // Instagram: its own group, plus a vendor-prefix group (no app id is a label-prefix of
    // com.burbn.shared, and Instagram is the only installed com.burbn app).
    let ig = By::App(IG);
    b.file(
        "AppDomain-com.burbn.instagram",
        "Library/Preferences/com.burbn.instagram.plist",
        ig,
        40,
    );
    b.file(
        "AppDomain-com.burbn.instagram",
        "Documents/DirectSQLiteDatabase/2345678901.db",
        ig,
        5_000,
    );
    b.file(
        "AppDomainGroup-group.com.burbn.instagram",
        "Library/Preferences/group.com.burbn.instagram.plist",
        ig,
        4,
    );
    b.file(
        "AppDomainGroup-group.com.burbn.shared",
        "Shared/widget-cache.json",
        ig,
        30,
    );

    // Telegram: a group whose id minus "group." equals the app id.
    let tg = By::App(TG);
    b.file(
        "AppDomain-ph.telegra.Telegraph",
        "Library/Preferences/ph.telegra.Telegraph.plist",
        tg,
        10,
    );
    b.file(
        "AppDomainGroup-group.ph.telegra.Telegraph",
        "telegram-data/account-5791342604/postbox/db/db_sqlite",
        tg,
        8_000,
    );

    // Spotify: app only; the cache is a pool below. Also an empty folder (a dir row only).
    let sp = By::App(SPOTIFY);
    b.file(
        "AppDomain-com.spotify.client",
        "Library/Preferences/com.spotify.client.plist",
        sp,
        15,
    );
    b.file(
        "AppDomain-com.spotify.client",
        "Documents/Offline/.lock",
        sp,
        0,
    );
    b.dir("AppDomain-com.spotify.client", "Documents/Offline/Pending");

    // Google: two apps share the vendor prefix, so com.google.common is nobody's.
    let gm = By::App(GMAIL);
    b.file(
        "AppDomain-com.google.Gmail",
        "Library/Application Support/Gmail/mail.db",
        gm,
        3_000,
    );
    b.file(
        "AppDomainPlugin-com.google.Gmail.ShareExtension",
        "Library/Preferences/com.google.Gmail.ShareExtension.plist",
        gm,
        2,
    );
    b.file(
        "AppDomain-com.google.Maps",
        "Library/Application Support/OfflineMaps/region-1.pack",
        By::App("com.google.Maps"),
        5_000,
    );
    let common = By::Own(
        "group.com.google.common",
        "Shared group group.com.google.common",
    );
    b.file(
        "AppDomainGroup-group.com.google.common",
        "Library/Preferences/group.com.google.common.plist",
        common,
        6,
    );
    b.file(
        "AppDomainGroup-group.com.google.common",
        "Library/Application Support/GoogleSignIn/accounts.db",
        common,
        200,
    );

    // Non-ASCII and emoji display names, an app without iTunesMetadata, an Apple App Store
    // app that is just an app, and an extension whose app is gone.
    let wc = By::App(WECHAT);
    b.file(
        "AppDomain-com.tencent.xin",
        "Documents/MMappedKV/mmsetting.archive",
        wc,
        50,
    );
    b.file(
        "AppDomain-com.tencent.xin",
        "Documents/3f2a9c0b7d6e41f5a8b9c0d1e2f3a4b5/DB/MM.sqlite",
        wc,
        9_000,
    );
    let hl = By::App("io.habitloop.app");
    b.file(
        "AppDomain-io.habitloop.app",
        "Documents/habits.sqlite",
        hl,
        400,
    );
    b.file(
        "AppDomain-io.habitloop.app",
        "Library/Preferences/io.habitloop.app.plist",
        hl,
        3,
    );
    let ex = By::App("com.acme.enterprise.Expenses");
    b.file(
        "AppDomain-com.acme.enterprise.Expenses",
        "Documents/receipts/2026-11/receipt-001.jpg",
        ex,
        300,
    );
    b.file(
        "AppDomain-com.acme.enterprise.Expenses",
        "Library/Preferences/com.acme.enterprise.Expenses.plist",
        ex,
        2,
    );
    let kn = By::App("com.apple.Keynote");
    b.file(
        "AppDomain-com.apple.Keynote",
        "Documents/Pitch Deck.key",
        kn,
        4_000,
    );
    b.file(
        "AppDomain-com.apple.Keynote",
        "Library/Preferences/com.apple.Keynote.plist",
        kn,
        5,
    );
    let orphan = By::Own("com.example.orphan.Widget", "com.example.orphan.Widget");
    b.file(
        "AppDomainPlugin-com.example.orphan.Widget",
        "Library/Preferences/com.example.orphan.Widget.plist",
        orphan,
        2,
    );
    b.file(
        "AppDomainPlugin-com.example.orphan.Widget",
        "Documents/timeline.json",
        orphan,
        5,
    );
}

/// A 200-character file name (filesystems allow 255 bytes; some readers truncate at 128).
fn long_name() -> String {
    let stem = "Minutes of the extraordinary general meeting of the residents association ";
    let mut s: String = stem.repeat(3).chars().take(196).collect();
    s.push_str(".pdf");
    s
}

/// A family of similar files that grows with the requested file count.
struct Pool {
    domain: &'static str,
    by: By,
    /// Always generated, so small backups still exercise every family.
    min: u64,
    /// Share of the files beyond the fixed set and the minimums.
    share: u64,
    /// The `n`-th member's relative path and weight. Must be injective in `n`.
    item: fn(u64) -> (String, u64),
}

/// Distinct counters map to distinct words (mix64 is a bijection), which keeps names unique.
fn word(n: u64, salt: u64) -> u64 {
    mix64(n ^ salt)
}

fn dcim_name(n: u64) -> (u64, u64, &'static str, u64) {
    // 1000 items per folder, numbers wrapping after 9999, a video every tenth item.
    let folder = 100 + n / 1000;
    let number = n % 9999 + 1;
    if n % 10 == 9 {
        (folder, number, "MOV", 30_000)
    } else {
        (folder, number, "HEIC", 2_500)
    }
}

fn pools() -> Vec<Pool> {
    use Category as C;
    vec![
        Pool {
            domain: "CameraRollDomain",
            by: By::Cat(C::Photos),
            min: 20,
            share: 220,
            item: |n| {
                let (folder, number, ext, weight) = dcim_name(n);
                (
                    format!("Media/DCIM/{folder}APPLE/IMG_{number:04}.{ext}"),
                    weight,
                )
            },
        },
        Pool {
            domain: "CameraRollDomain",
            by: By::Cat(C::Photos),
            min: 6,
            share: 150,
            item: |n| {
                let (folder, number, ext, _) = dcim_name(n);
                (
                    format!(
                        "Media/PhotoData/Thumbnails/V2/DCIM/{folder}APPLE/IMG_{number:04}.{ext}/5005.JPG"
                    ),
                    40,
                )
            },
        },
        Pool {
            domain: WA_GROUP,
            by: By::App(WA),
            min: 16,
            share: 180,
            item: |n| {
                let w = word(n, 0x3A11);
                let chat = 4_917_600_000_000 + (n % 17) * 7_919_113;
                let x = hex_digit((w >> 60) as u8, false);
                let y = hex_digit((w >> 56) as u8, false);
                let id = uuid_from(w, mix64(n));
                let (ext, weight) = match n % 12 {
                    11 => ("mp4", 6_000),
                    5 => ("opus", 40),
                    _ => ("jpg", 180),
                };
                (
                    format!("Message/Media/{chat}@s.whatsapp.net/{x}/{y}/{id}.{ext}"),
                    weight,
                )
            },
        },
        Pool {
            domain: "MediaDomain",
            by: By::Cat(C::Messages),
            min: 4,
            share: 80,
            item: |n| {
                let w = word(n, 0x535);
                let id = uuid_from(w, mix64(w));
                (
                    format!(
                        "Library/SMS/Attachments/{:02x}/{:02}/{id}/IMG_{:04}.heic",
                        w >> 56,
                        (w >> 48) % 16,
                        n % 9000 + 1000
                    ),
                    1_200,
                )
            },
        },
        Pool {
            domain: "AppDomainGroup-group.ph.telegra.Telegraph",
            by: By::App(TG),
            min: 6,
            share: 60,
            item: |n| {
                (
                    format!(
                        "telegram-data/account-5791342604/postbox/media/telegram-cloud-photo-size-2-{}-y",
                        word(n, 0x7E1E)
                    ),
                    150,
                )
            },
        },
        Pool {
            domain: "AppDomain-com.spotify.client",
            by: By::App(SPOTIFY),
            min: 4,
            share: 20,
            item: |n| {
                let w = word(n, 0x5B07);
                (
                    format!(
                        "Documents/Offline/Storage/{:02x}/{w:016x}{:016x}.file",
                        w >> 56,
                        mix64(w)
                    ),
                    4_000,
                )
            },
        },
        Pool {
            domain: "AppDomain-com.tencent.xin",
            by: By::App(WECHAT),
            min: 5,
            share: 40,
            item: |n| {
                let w = word(n, 0x3C4A7);
                (
                    format!(
                        "Documents/3f2a9c0b7d6e41f5a8b9c0d1e2f3a4b5/Img/{}/{w:016x}.pic",
                        hex_digit((w >> 60) as u8, false)
                    ),
                    90,
                )
            },
        },
        Pool {
            domain: "AppDomain-com.burbn.instagram",
            by: By::App(IG),
            min: 3,
            share: 20,
            item: |n| {
                (
                    format!("Documents/DirectMedia/{:016x}.jpg", word(n, 0x16)),
                    120,
                )
            },
        },
        Pool {
            domain: NOTES_GROUP,
            by: By::Cat(C::Notes),
            min: 2,
            share: 10,
            item: |n| {
                let w = word(n, 0x0707);
                (
                    format!(
                        "Accounts/{NOTES_ACCOUNT}/Media/{}/1_{}/Image.jpeg",
                        uuid_from(w, 0x0123_4567_89AB_CDEF),
                        uuid_from(mix64(w), w)
                    ),
                    900,
                )
            },
        },
        Pool {
            domain: FILES_GROUP,
            by: By::Cat(C::Files),
            min: 2,
            share: 10,
            item: |n| {
                (
                    format!("File Provider Storage/Downloads/Scan {:04}.pdf", n + 1),
                    1_500,
                )
            },
        },
        Pool {
            domain: "MediaDomain",
            by: By::Cat(C::VoiceMemos),
            min: 2,
            share: 8,
            item: |n| {
                // One recording per hour from 2024-01-01: the timestamp alone keeps names unique.
                let t = super::clock::unix_from_utc(2024, 1, 1, 7, 30, 12) + n as i64 * 3_600;
                let (y, mo, d, h, mi, s) = super::clock::utc_from_unix(t);
                (
                    format!(
                        "Media/Recordings/{y:04}{mo:02}{d:02} {h:02}{mi:02}{s:02}-{:08X}.m4a",
                        word(n, 0xF0CE) >> 32
                    ),
                    3_000,
                )
            },
        },
        Pool {
            domain: "HomeDomain",
            by: By::Cat(C::System),
            min: 3,
            share: 40,
            item: |n| {
                let w = word(n, 0x9005);
                (
                    format!(
                        "Library/SpringBoard/PushStore/{}.pushstore",
                        uuid_from(w, mix64(w))
                    ),
                    4,
                )
            },
        },
        Pool {
            domain: "AppDomain-com.google.Gmail",
            by: By::App(GMAIL),
            min: 2,
            share: 6,
            item: |n| {
                (
                    format!(
                        "Library/Application Support/Gmail/attachments/{:016x}.bin",
                        word(n, 0x6A11)
                    ),
                    300,
                )
            },
        },
        Pool {
            domain: "HomeDomain",
            by: By::Cat(C::Wallet),
            min: 3,
            share: 6,
            item: |n| {
                let card = word(n / 3, 0xCA4D);
                let (name, weight) = match n % 3 {
                    0 => ("pass.json", 3),
                    1 => ("logo.png", 12),
                    _ => ("strip@2x.png", 60),
                };
                (
                    format!("Library/Passes/Cards/{card:016X}.pkpass/{name}"),
                    weight,
                )
            },
        },
        Pool {
            domain: "HomeDomain",
            by: By::Cat(C::Voicemail),
            min: 2,
            share: 4,
            item: |n| (format!("Library/Voicemail/{}.amr", n + 1), 60),
        },
        Pool {
            domain: "BooksDomain",
            by: By::Cat(C::Books),
            min: 1,
            share: 3,
            item: |n| (format!("Purchases/{:016X}.epub", word(n, 0xB00C)), 4_000),
        },
    ]
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
    };
    weight * per_mille
}

/// Builds the catalog. Deterministic in `shape`; allocates about 200 bytes per row.
pub(crate) fn build(shape: &Shape) -> Catalog {
    let mut b = Builder::default();
    fixed_content(&mut b);
    let fixed_files = b
        .drafts
        .iter()
        .filter(|d| matches!(d.kind, DraftKind::File { .. }))
        .count() as u64;
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
        .filter(|d| matches!(d.kind, DraftKind::File { .. }))
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
        let meta = meta(&mut rng, shape, is_file, file_ordinal);
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
        let meta = meta(&mut rng, shape, false, 0);
        entries.push(Entry {
            file_id: file_id(&domains[d as usize], &path),
            domain: d,
            path,
            kind: Kind::Dir,
            label: 0,
            meta,
        });
    }
    entries.sort_unstable_by(|a, b| a.file_id.cmp(&b.file_id));
    for (i, e) in entries.iter_mut().enumerate() {
        // Inode numbers follow row order so they are unique without bookkeeping.
        e.meta.inode = 1_000_000 + (word(shape.seed, 0x1D0) % 1_000_000) + i as u64;
    }

    let mut extensions: Vec<String> = EXTRA_EXTENSIONS.iter().map(|s| s.to_string()).collect();
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

fn meta(rng: &mut Rng, shape: &Shape, is_file: bool, file_ordinal: u64) -> Meta {
    const TWO_YEARS: u64 = 2 * 365 * 86_400;
    let last = shape.last_backup.max(0);
    let birth = last - rng.below(TWO_YEARS.min(last as u64) + 1) as i64;
    let modified = birth + rng.below((last - birth) as u64 + 1) as i64;
    let changed = modified + rng.below(((last - modified) as u64).min(3_600) + 1) as i64;
    // Draw the same count of numbers for every row, so a row's kind does not shift the
    // stream for the rows after it.
    let protection_roll = rng.chance(700);
    let digest_roll = rng.chance(400);
    let xattr_roll = rng.chance(100);
    let size_uid_roll = rng.chance(30);
    Meta {
        birth,
        modified,
        changed,
        inode: 0,
        protection: match (is_file, protection_roll) {
            (false, _) => 0,
            (true, true) => 3,
            (true, false) => 4,
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
            files,
            avg_file_size: 4_096,
            seed: 11,
            last_backup: super::super::clock::unix_from_utc(2026, 11, 20, 8, 15, 0),
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
    fn long_name_is_200_characters() {
        assert_eq!(long_name().chars().count(), 200);
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
            assert_eq!(top_app, Some(WA), "{files}: {by_owner:?}");
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
}
