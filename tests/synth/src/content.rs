//! What the synthetic phone holds: its apps, its fixed files and the pools that scale with size.
//!
//! Every file's owner (category, and app for category `apps`) is written here by hand from the
//! attribution rules, not computed by running them, so the record stays independent of any
//! reader's rule engine.

use super::births::Life;
use super::catalog::{Builder, By, Category, Subset};
use super::rng::{hex_digit, mix64, uuid_from};

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

// Ids and domains used more than once below.
const WA: &str = "net.whatsapp.WhatsApp";
const WA_APP: &str = "AppDomain-net.whatsapp.WhatsApp";
const WA_GROUP: &str = "AppDomainGroup-group.net.whatsapp.WhatsApp.shared";
const IG: &str = "com.burbn.instagram";
const IG_APP: &str = "AppDomain-com.burbn.instagram";
const TG: &str = "ph.telegra.Telegraph";
const TG_GROUP: &str = "AppDomainGroup-group.ph.telegra.Telegraph";
const SPOTIFY: &str = "com.spotify.client";
const SPOTIFY_APP: &str = "AppDomain-com.spotify.client";
const GMAIL: &str = "com.google.Gmail";
const GMAIL_APP: &str = "AppDomain-com.google.Gmail";
const GOOGLE_COMMON: &str = "AppDomainGroup-group.com.google.common";
const WECHAT: &str = "com.tencent.xin";
const WECHAT_APP: &str = "AppDomain-com.tencent.xin";
const HABITS: &str = "io.habitloop.app";
const EXPENSES: &str = "com.acme.enterprise.Expenses";
const KEYNOTE: &str = "com.apple.Keynote";
const ORPHAN_WIDGET: &str = "AppDomainPlugin-com.example.orphan.Widget";
const SAFARI_APP: &str = "AppDomain-com.apple.mobilesafari";
const VOICE_MEMOS_APP: &str = "AppDomain-com.apple.VoiceMemos";
const FILES_GROUP: &str = "AppDomainGroup-group.com.apple.FileProvider.LocalStorage";
const NOTES_GROUP: &str = "AppDomainGroup-group.com.apple.notes";
const NOTES_ACCOUNT: &str = "6A1C5E2B-3F4D-4E8A-9B0C-1D2E3F4A5B6C";
const HOME: &str = "HomeDomain";
const CAMERA: &str = "CameraRollDomain";
const GEOD: &str = "SysContainerDomain-com.apple.geod";
const PROFILES: &str = "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles";

/// Google's group shared by its apps (Gmail and Maps here): one row for the vendor, as a person would say it.
const COMMON: By = By::Own("vendor:Google", "Shared by Google apps");
/// An extension whose app is not installed is its own entry, named by its id.
const ORPHAN: By = By::Own("com.example.orphan.Widget", "com.example.orphan.Widget");

/// The fixed files every backup has, at least one per attribution rule:
/// `(domain, relative path, owner, weight in nominal KB; 0 = empty file)`.
#[rustfmt::skip]
const FIXED: &[(&str, &str, By, u64)] = {
    use By::{App, Cat, Part};
    use Category as C;
    use Subset as S;
    &[
        // Photos. IMG_0001.HEIC comes from the DCIM pool (n = 0); its Live Photo movie is here.
        (CAMERA, "Media/DCIM/100APPLE/IMG_0001.MOV", Cat(C::Photos), 3_000),
        (CAMERA, "Media/PhotoData/Photos.sqlite", Cat(C::Photos), 60_000),
        // Caches Domains.plist keeps from iCloud: the thumbnails are a pool; these are the others.
        (CAMERA, "Media/PhotoData/Metadata/DCIM/100APPLE/IMG_0001.JPG", Part(C::Photos, S::PhotoCaches), 30),
        (CAMERA, "Media/PhotoData/CPL/storage/store.cloudphotodb", Part(C::Photos, S::PhotoCaches), 8_000),
        (CAMERA, "Media/PhotoData/Mutations/DCIM/100APPLE/IMG_0003/Adjustments/FullSizeRender.jpg", Cat(C::Photos), 1_800),
        // HomeDomain is an allow-list of data types; everything else there is settings.
        (HOME, "Library/SMS/sms.db", Cat(C::Messages), 90_000),
        (HOME, "Library/SMS/sms.db-wal", Cat(C::Messages), 0),
        (HOME, "Library/AddressBook/AddressBook.sqlitedb", Cat(C::Contacts), 4_000),
        (HOME, "Library/AddressBook/AddressBookImages.sqlitedb", Cat(C::Contacts), 6_000),
        (HOME, "Library/Calendar/Calendar.sqlitedb", Cat(C::Calendars), 8_000),
        (HOME, "Library/CallHistoryDB/CallHistory.storedata", Cat(C::CallHistory), 1_500),
        (HOME, "Library/Voicemail/voicemail.db", Cat(C::Voicemail), 200),
        (HOME, "Library/Safari/Bookmarks.db", Cat(C::Safari), 400),
        (HOME, "Library/Safari/Bookmarks.db-wal", Cat(C::Safari), 0),
        (HOME, "Library/Safari/History.db", Part(C::Safari, S::SafariHistory), 2_500),
        (HOME, "Library/Safari/History.db-wal", Part(C::Safari, S::SafariHistory), 300),
        (HOME, "Library/Mobile Documents/com~apple~CloudDocs/Budget 2026.numbers", Cat(C::ICloudDrive), 1_200),
        (HOME, "Library/Mobile Documents/iCloud~com~apple~Pages/Documents/Letter.pages", Cat(C::ICloudDrive), 700),
        (HOME, "Library/Notes/notes.sqlite", Cat(C::Notes), 300),
        (HOME, "Library/Preferences/com.apple.springboard.plist", Cat(C::System), 30),
        // Wallpapers, the paired Apple Watch, Mail accounts, Shortcuts and Reminders, where real phones keep
        // them (tests/data/real-inventory-system.tsv names the sources).
        (HOME, "Library/SpringBoard/LockBackground.cpbitmap", Cat(C::Wallpaper), 3_000),
        (HOME, "Library/SpringBoard/HomeBackground.cpbitmap", Cat(C::Wallpaper), 2_500),
        (HOME, "Library/NanoBackup/4D1E6C2A-7B3F-4E9A-8C5D-2F1A0B9C8D7E/Backup.plist", Cat(C::AppleWatch), 900),
        (HOME, "Library/DeviceRegistry.state/properties.plist", Cat(C::AppleWatch), 20),
        (HOME, "Library/Mail/Accounts.plist", Cat(C::Mail), 12),
        (HOME, "Library/Shortcuts/Shortcuts.sqlite", Cat(C::Shortcuts), 400),
        (HOME, "Library/Reminders/Container_v1/Stores/Data-local.sqlite", Cat(C::Reminders), 250),
        // Siri, Screen Time, Music, Podcasts, Maps and TV, at paths of the inventory (the file names
        // inside Library/VoiceTrigger/SAT and the TV provider's group are illustrative).
        (HOME, "Library/VoiceTrigger/SAT/en-US/td/audio/1.wav", Cat(C::Siri), 120),
        (HOME, "Library/Preferences/ScreenTimeAgent.plist", Cat(C::ScreenTime), 2),
        ("MediaDomain", "Media/iTunes_Control/iTunes/MediaLibrary.sqlitedb", Cat(C::Music), 3_000),
        ("AppDomainGroup-243LU875E5.groups.com.apple.podcasts", "Documents/MTLibrary.sqlite", Cat(C::Podcasts), 800),
        ("AppDomainGroup-group.com.apple.Maps", "Library/Preferences/group.com.apple.Maps.plist", Cat(C::Maps), 4),
        ("SysSharedContainerDomain-systemgroup.com.apple.VideoSubscriberAccount", "Library/Preferences/com.apple.VideoSubscriberAccount.plist", Cat(C::Tv), 3),
        // Domains that are one data type throughout.
        ("KeyboardDomain", "Library/Keyboard/en-dynamic.lm/dynamic-lexicon.dat", Cat(C::Keyboard), 600),
        ("KeyboardDomain", "Library/Keyboard/en-dynamic.lm/dynamic.lm", Cat(C::Keyboard), 200),
        ("TonesDomain", "Media/iTunes_Control/iTunes/Ringtones.plist", Cat(C::Ringtones), 2),
        ("TonesDomain", "Media/iTunes_Control/Ringtones/QXKD.m4r", Cat(C::Ringtones), 600),
        ("BooksDomain", "Books.plist", Cat(C::Books), 20),
        ("HealthDomain", "Health/healthdb_secure.sqlite", Cat(C::Health), 40_000),
        ("HealthDomain", "Health/healthdb.sqlite", Cat(C::Health), 2_000),
        ("KeychainDomain", "keychain-backup.plist", Cat(C::Passwords), 700),
        ("HomeKitDomain", "Library/homed/core.sqlite", Cat(C::Home), 900),
        // Wireless is split by path; the rest of the system domains are settings.
        ("WirelessDomain", "Library/CallHistory/call_history.db", Cat(C::CallHistory), 300),
        ("WirelessDomain", "Library/Databases/DataUsage.sqlite", Cat(C::System), 1_200),
        ("SystemPreferencesDomain", "SystemConfiguration/com.apple.wifi.plist", Part(C::System, S::WifiNetworks), 40),
        ("SystemPreferencesDomain", "SystemConfiguration/com.apple.wifi-private-mac-networks.plist", Part(C::System, S::WifiNetworks), 15),
        ("SystemPreferencesDomain", "SystemConfiguration/preferences.plist", Cat(C::System), 10),
        ("RootDomain", "Library/Preferences/com.apple.locationd.plist", Cat(C::System), 20),
        ("RootDomain", "Library/Caches/locationd/clients.plist", Cat(C::System), 30),
        (GEOD, "Library/Preferences/com.apple.GEO.plist", Cat(C::System), 10),
        (PROFILES, "Library/ConfigurationProfiles/CloudConfigurationDetails.plist", Cat(C::System), 5),
        (PROFILES, "Library/ConfigurationProfiles/PublicInfo/MCMeta.plist", Cat(C::System), 3),
        // A domain this iOS does not know yet: its bytes must land somewhere, not vanish.
        ("FutureDomain", "Library/NewFeature/store.db", Cat(C::Other), 500),
        ("FutureDomain", "Data/blob.bin", Cat(C::Other), 100),
        // Apple apps whose containers are a data type, not an app.
        (SAFARI_APP, "Library/Safari/SuspendState.plist", Cat(C::Safari), 60),
        (SAFARI_APP, "Library/Preferences/com.apple.mobilesafari.plist", Cat(C::Safari), 8),
        (NOTES_GROUP, "NoteStore.sqlite", Cat(C::Notes), 5_000),
        (VOICE_MEMOS_APP, "Library/Preferences/com.apple.VoiceMemos.plist", Cat(C::VoiceMemos), 3),
        (VOICE_MEMOS_APP, "Library/Application Support/Recordings/20261101 093000.m4a", Cat(C::VoiceMemos), 2_500),
        // "On My iPhone". NFC and NFD spellings of one name are different byte strings, so
        // different fileIDs and rows: a reader must not merge them.
        (FILES_GROUP, "File Provider Storage/Report.pdf", Cat(C::Files), 2_500),
        (FILES_GROUP, "File Provider Storage/Caf\u{e9} menu.pdf", Cat(C::Files), 300),
        (FILES_GROUP, "File Provider Storage/Cafe\u{301} menu.pdf", Cat(C::Files), 310),
        (FILES_GROUP, "File Provider Storage/Re\u{301}sume\u{301}s/Re\u{301}sume\u{301} 2026.pages", Cat(C::Files), 450),
        (FILES_GROUP, "File Provider Storage/🎉 Party plans 🥳.txt", Cat(C::Files), 4),
        (FILES_GROUP, "File Provider Storage/写真/旅行 2026/京都 清水寺.jpg", Cat(C::Files), 900),
        (FILES_GROUP, "File Provider Storage/empty file.txt", Cat(C::Files), 0),
        (FILES_GROUP, "File Provider Storage/Projects/2026/Clients/Acme Corp/Q4/Drafts/Archive/Old/v1/v2/v3/v4/final/really final/notes.txt", Cat(C::Files), 6),
        // WhatsApp: app, a shared group whose id has the app id as a label-prefix, and an
        // extension.
        (WA_APP, "Library/Preferences/net.whatsapp.WhatsApp.plist", App(WA), 20),
        (WA_APP, "Library/Application Support/Backups/2026-11-19/meta.plist", App(WA), 2),
        (WA_GROUP, "ChatStorage.sqlite", App(WA), 60_000),
        (WA_GROUP, "ChatStorage.sqlite-wal", App(WA), 0),
        (WA_GROUP, "Media/Profile/4915112345678-1731234567.thumb", App(WA), 10),
        ("AppDomainPlugin-net.whatsapp.WhatsApp.ShareExtension", "Library/Preferences/net.whatsapp.WhatsApp.ShareExtension.plist", App(WA), 2),
        // Instagram: its own group, and com.burbn.shared, which no app id label-prefixes but
        // whose vendor (com.burbn) has exactly one installed app.
        (IG_APP, "Library/Preferences/com.burbn.instagram.plist", App(IG), 40),
        (IG_APP, "Documents/DirectSQLiteDatabase/2345678901.db", App(IG), 5_000),
        ("AppDomainGroup-group.com.burbn.instagram", "Library/Preferences/group.com.burbn.instagram.plist", App(IG), 4),
        ("AppDomainGroup-group.com.burbn.shared", "Shared/widget-cache.json", App(IG), 30),
        // Telegram: the group id minus "group." is the app id.
        ("AppDomain-ph.telegra.Telegraph", "Library/Preferences/ph.telegra.Telegraph.plist", App(TG), 10),
        (TG_GROUP, "telegram-data/account-5791342604/postbox/db/db_sqlite", App(TG), 8_000),
        // Spotify: app only; its offline cache is a pool.
        (SPOTIFY_APP, "Library/Preferences/com.spotify.client.plist", App(SPOTIFY), 15),
        (SPOTIFY_APP, "Documents/Offline/.lock", App(SPOTIFY), 0),
        // Google: two apps with one vendor prefix, so the common group is its own entry.
        (GMAIL_APP, "Library/Application Support/Gmail/mail.db", App(GMAIL), 3_000),
        ("AppDomainPlugin-com.google.Gmail.ShareExtension", "Library/Preferences/com.google.Gmail.ShareExtension.plist", App(GMAIL), 2),
        ("AppDomain-com.google.Maps", "Library/Application Support/OfflineMaps/region-1.pack", App("com.google.Maps"), 5_000),
        (GOOGLE_COMMON, "Library/Preferences/group.com.google.common.plist", COMMON, 6),
        (GOOGLE_COMMON, "Library/Application Support/GoogleSignIn/accounts.db", COMMON, 200),
        // Display names in CJK and emoji, an app without iTunesMetadata, an App Store app by
        // Apple that is just an app, and an extension whose app is gone.
        (WECHAT_APP, "Documents/MMappedKV/mmsetting.archive", App(WECHAT), 50),
        (WECHAT_APP, "Documents/3f2a9c0b7d6e41f5a8b9c0d1e2f3a4b5/DB/MM.sqlite", App(WECHAT), 9_000),
        ("AppDomain-io.habitloop.app", "Documents/habits.sqlite", App(HABITS), 400),
        ("AppDomain-io.habitloop.app", "Library/Preferences/io.habitloop.app.plist", App(HABITS), 3),
        ("AppDomain-com.acme.enterprise.Expenses", "Documents/receipts/2026-11/receipt-001.jpg", App(EXPENSES), 300),
        ("AppDomain-com.acme.enterprise.Expenses", "Library/Preferences/com.acme.enterprise.Expenses.plist", App(EXPENSES), 2),
        ("AppDomain-com.apple.Keynote", "Documents/Pitch Deck.key", App(KEYNOTE), 4_000),
        ("AppDomain-com.apple.Keynote", "Library/Preferences/com.apple.Keynote.plist", App(KEYNOTE), 5),
        (ORPHAN_WIDGET, "Library/Preferences/com.example.orphan.Widget.plist", ORPHAN, 2),
        (ORPHAN_WIDGET, "Documents/timeline.json", ORPHAN, 5),
    ]
};

/// Symlink rows: `(domain, relative path, target)`. They have no data file and no bytes.
const SYMLINKS: &[(&str, &str, &str)] = &[
    (
        HOME,
        "Library/Ringtones",
        "../Media/iTunes_Control/Ringtones",
    ),
    (
        WA_APP,
        "Library/Application Support/current",
        "Backups/2026-11-19",
    ),
    (GEOD, "Library/Caches/GeoServices/latest", "tiles-v3"),
];

/// Adds the fixed rows: files, symlinks, an empty folder and domains with only a root row.
pub(super) fn fixed_content(b: &mut Builder) {
    for &(domain, path, by, weight) in FIXED {
        b.file(domain, path, by, weight);
    }
    b.file(
        FILES_GROUP,
        &format!("File Provider Storage/{}", long_name()),
        By::Cat(Category::Files),
        120,
    );
    for &(domain, path, target) in SYMLINKS {
        b.symlink(domain, path, target);
    }
    // A folder with nothing in it is still a directory row.
    b.dir(SPOTIFY_APP, "Documents/Offline/Pending");
    // Real backups have many domains that hold nothing but their root row.
    b.domain("DatabaseDomain");
    b.domain("ManagedPreferencesDomain");
}

/// A 200-character file name: long, yet within the 255 bytes most filesystems allow.
pub(super) fn long_name() -> String {
    let stem = "Minutes of the extraordinary general meeting of the residents association ";
    let mut s: String = stem.repeat(3).chars().take(196).collect();
    s.push_str(".pdf");
    s
}

/// A family of similar files that grows with the requested file count.
pub(super) struct Pool {
    pub domain: &'static str,
    pub by: By,
    /// Always generated, so small backups still exercise every family.
    pub min: u64,
    /// Share of the files beyond the fixed set and the minimums.
    pub share: u64,
    /// The `n`-th member's relative path and weight. Must be injective in `n`.
    pub item: fn(u64) -> (String, u64),
    /// The `n`-th member's kind of dates.
    pub life: fn(u64) -> Life,
}

/// The kind of dates a named file gets: the first camera-roll item's movie and metadata are that item's;
/// databases and settings are the phone's setup's, grown in place; caches are recent.
pub(super) fn life_of(path: &str) -> Life {
    const DATABASES: &[&str] = &[
        ".sqlite",
        ".sqlitedb",
        ".db",
        ".storedata",
        ".cloudphotodb",
        "-wal",
        "/db_sqlite",
    ];
    let first_photo = [
        "Media/DCIM/100APPLE/IMG_0001.MOV",
        "Media/PhotoData/Metadata/DCIM/100APPLE/IMG_0001.JPG",
    ];
    if first_photo.contains(&path) {
        Life::Camera(0)
    } else if path.contains("Caches/") {
        Life::Cache
    } else if DATABASES.iter().any(|s| path.ends_with(s))
        || path.starts_with("Library/Preferences/")
    {
        Life::Setup
    } else {
        Life::Any
    }
}

/// How many WhatsApp chats the phone has media from.
const WA_CHATS: u64 = 17;

/// Which of `chats` chats the `n`-th attachment of app `app` (a salt) belongs to: a few chats hold most
/// (chat 0 the most), as on a phone where the family group sends more than a colleague.
pub(super) fn chat_index(app: u64, chats: u64, n: u64) -> u64 {
    chats - 1 - (word(n, app ^ 0xC4A7) % (chats * chats)).isqrt()
}

/// Chat attachments: the app's salt and the chat the `n`-th member belongs to, out of `chats`.
fn chat(app: u64, chats: u64, n: u64) -> Life {
    Life::Chat {
        app,
        chat: chat_index(app, chats, n),
    }
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

pub(super) fn pools() -> Vec<Pool> {
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
            life: |n| Life::Camera(n),
        },
        Pool {
            domain: "CameraRollDomain",
            by: By::Part(C::Photos, Subset::PhotoCaches),
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
            life: |n| Life::Camera(n),
        },
        Pool {
            domain: WA_GROUP,
            by: By::App(WA),
            min: 16,
            share: 180,
            // The shared group's `Message/` folder holds `ZWAMEDIAITEM.ZMEDIALOCALPATH`, which is
            // `Media/<chat JID>/<x>/<y>/<file>`: one folder per chat, two one-character levels below it
            // (KnugiHK/WhatsApp-Chat-Exporter, Whatsapp_Chat_Exporter/ios_handler.py, `media()`, opens
            // `Message/{ZMEDIALOCALPATH}`; its iPhone media tests use `Media/1@s.whatsapp.net/a/b/photo.jpg`).
            item: |n| {
                let w = word(n, 0x3A11);
                let chat = 4_917_600_000_000 + chat_index(0x3A11, WA_CHATS, n) * 7_919_113;
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
            life: |n| chat(0x3A11, WA_CHATS, n),
        },
        Pool {
            domain: "MediaDomain",
            by: By::Cat(C::Messages),
            min: 4,
            share: 80,
            // `Library/SMS/Attachments/<2 hex>/<2 hex>/<UUID>/<name>`, spread by hash rather than by chat:
            // a real backup's Manifest.db row quoted in a write-up of FCSC 2025's "iForensics - iTreasure"
            // (`Library/SMS/Attachments/9e/14/4C3DF366-1CE1-42F1-9570-C76206181041/679329D1-….HEIC`), and
            // sms.db's `attachment.filename` (`~/Library/SMS/Attachments/…`, mvt-project/mvt,
            // src/mvt/ios/modules/mixed/sms_attachments.py).
            item: |n| {
                let w = word(n, 0x535);
                let id = uuid_from(w, mix64(w));
                let dirs = mix64(w ^ 0xD125);
                (
                    format!(
                        "Library/SMS/Attachments/{:02x}/{:02x}/{id}/IMG_{:04}.heic",
                        dirs >> 56,
                        (dirs >> 48) & 0xFF,
                        n % 9000 + 1000
                    ),
                    1_200,
                )
            },
            life: |n| chat(0x535, 9, n),
        },
        Pool {
            domain: TG_GROUP,
            by: By::App(TG),
            min: 6,
            share: 60,
            // Telegram keeps every peer's media in one flat `postbox/media/` folder, so no folder per
            // peer here: `…/AppGroup/<UUID>/telegram-data/account-<id>/postbox/media/telegram-cloud-document-1-<id>`
            // is left hard-coded in an iOS client's ChatMessageBubbleBackdrop.swift, and the macOS client's
            // `account-<id>/postbox/media/telegram-cloud-photo-size-2-<id>-m.jpg` paths are flat too.
            item: |n| {
                (
                    format!(
                        "telegram-data/account-5791342604/postbox/media/telegram-cloud-photo-size-2-{}-y",
                        word(n, 0x7E1E)
                    ),
                    150,
                )
            },
            life: |n| chat(0x7E1E, 11, n),
        },
        Pool {
            domain: SPOTIFY_APP,
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
            life: |_| Life::Any,
        },
        Pool {
            domain: WECHAT_APP,
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
            life: |n| chat(0x3C4A7, 7, n),
        },
        Pool {
            domain: IG_APP,
            by: By::App(IG),
            min: 3,
            share: 20,
            item: |n| {
                (
                    format!("Documents/DirectMedia/{:016x}.jpg", word(n, 0x16)),
                    120,
                )
            },
            life: |n| chat(0x16, 5, n),
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
            life: |_| Life::Any,
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
            life: |_| Life::Any,
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
            life: |_| Life::Any,
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
            life: |_| Life::Cache,
        },
        Pool {
            domain: GMAIL_APP,
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
            life: |_| Life::Any,
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
            life: |_| Life::Any,
        },
        Pool {
            domain: "HomeDomain",
            by: By::Cat(C::Voicemail),
            min: 2,
            share: 4,
            item: |n| (format!("Library/Voicemail/{}.amr", n + 1), 60),
            life: |_| Life::Any,
        },
        Pool {
            domain: "BooksDomain",
            by: By::Cat(C::Books),
            min: 1,
            share: 3,
            item: |n| (format!("Purchases/{:016X}.epub", word(n, 0xB00C)), 4_000),
            life: |_| Life::Any,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_name_is_200_characters() {
        assert_eq!(long_name().chars().count(), 200);
    }

    #[test]
    fn pool_paths_are_distinct() {
        for pool in pools() {
            let paths: std::collections::HashSet<String> =
                (0..5_000).map(|n| (pool.item)(n).0).collect();
            assert_eq!(paths.len(), 5_000, "{}", pool.domain);
        }
    }
}
