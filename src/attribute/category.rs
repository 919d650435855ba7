//! The user-facing data types every byte of a backup is attributed to.

use serde::Serialize;

/// A data type as a phone owner thinks of it. `Apps` holds third-party (and unmapped Apple) app data,
/// broken down further by app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
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
    #[serde(rename = "icloud-drive")]
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
    pub const ALL: [Category; 32] = [
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

    /// The data type whose [`Category::id`] is `id`.
    pub fn from_id(id: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.id() == id)
    }

    /// The stable id used in JSON.
    pub fn id(self) -> &'static str {
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

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Category::Photos => "Photos & Videos",
            Category::Messages => "Messages & attachments",
            Category::VoiceMemos => "Voice Memos",
            Category::Voicemail => "Voicemail",
            Category::CallHistory => "Call history",
            Category::Contacts => "Contacts",
            Category::Calendars => "Calendars",
            Category::Notes => "Notes",
            Category::Safari => "Safari",
            Category::Wallet => "Wallet",
            Category::Health => "Health",
            Category::Passwords => "Passwords (Keychain)",
            Category::Home => "Home",
            Category::Books => "Books",
            Category::Ringtones => "Ringtones",
            Category::Keyboard => "Keyboard",
            Category::Files => "Files (On My iPhone)",
            Category::ICloudDrive => "iCloud Drive (offline copies)",
            Category::Wallpaper => "Wallpaper",
            Category::AppleWatch => "Apple Watch",
            Category::Mail => "Mail",
            Category::Reminders => "Reminders",
            Category::Shortcuts => "Shortcuts",
            Category::Maps => "Maps",
            Category::Music => "Music",
            Category::Podcasts => "Podcasts",
            Category::Tv => "TV",
            Category::Siri => "Siri & suggestions",
            Category::ScreenTime => "Screen Time",
            Category::System => "Settings & system",
            Category::Apps => "Apps",
            Category::Other => "Other (unrecognised)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_match_serde_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in Category::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.id());
            assert!(seen.insert(c.id()));
        }
    }

    #[test]
    fn the_readme_lists_every_id_in_order() {
        // The JSON contract names every id; a new data type must reach it.
        let readme = include_str!("../../README.md");
        let list = readme
            .split("Category ids: ")
            .nth(1)
            .and_then(|rest| rest.split("\n\n").next())
            .expect("README: a 'Category ids:' paragraph");
        let listed: Vec<&str> = list.split('`').skip(1).step_by(2).collect();
        let ids: Vec<&str> = Category::ALL.iter().map(|c| c.id()).collect();
        assert_eq!(listed, ids);
    }
}
