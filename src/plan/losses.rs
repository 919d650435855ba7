//! What a user loses when an app is left out of the iCloud backup: a curated table of well-known apps.
//!
//! Leaving an app out of the backup deletes nothing on the phone; it matters only when the phone is lost or
//! replaced. Then an app whose data lives in its own service signs back in and has everything (`none`), an
//! app whose backed-up bytes are offline media fetches them again (`redownload`), and an app whose chats or
//! documents live only on the phone loses them (`user-data`). Apps not in this table count as `user-data`:
//! guessing kindly would put someone's only copy at risk.
//!
//! Each row gives the reason shown to the user. Sources: the apps' own help pages on where data is kept
//! (Telegram cloud chats, Spotify/Netflix/Prime Video downloads, WhatsApp and Signal chat backups).

use super::select::Loss;

/// One curated app.
#[derive(Debug, Clone, Copy)]
pub struct KnownApp {
    pub bundle_id: &'static str,
    pub loss: Loss,
    pub why: &'static str,
}

const fn app(bundle_id: &'static str, loss: Loss, why: &'static str) -> KnownApp {
    KnownApp {
        bundle_id,
        loss,
        why,
    }
}

const CLOUD: &str = "its data lives in its own cloud; signing in again brings it back";
const DOWNLOADS: &str = "offline downloads; the app fetches them again";
const MAIL: &str = "mail stays on the mail server";
const CHATS: &str = "chats and media kept only on the phone (unless the app's own backup is on)";
const DOCS: &str = "documents kept on the phone may exist nowhere else";

use Loss::{None as Safe, Redownload, UserData};

pub const KNOWN_APPS: &[KnownApp] = &[
    app(
        "com.amazon.Lassen",
        Safe,
        "books are in your Kindle library",
    ),
    app("com.amazon.aiv.AIVApp", Redownload, DOWNLOADS),
    app("com.apple.Keynote", UserData, DOCS),
    app("com.apple.Numbers", UserData, DOCS),
    app("com.apple.Pages", UserData, DOCS),
    app("com.apple.podcasts", Redownload, DOWNLOADS),
    app("com.atebits.Tweetie2", Safe, CLOUD),
    app(
        "com.audible.iphone",
        Redownload,
        "audiobooks download again from your library",
    ),
    app("com.burbn.instagram", Safe, CLOUD),
    app("com.disney.disneyplus", Redownload, DOWNLOADS),
    app(
        "com.evernote.iPhone.Evernote",
        Safe,
        "notes sync to Evernote's servers",
    ),
    app("com.facebook.Facebook", Safe, CLOUD),
    app(
        "com.facebook.Messenger",
        Safe,
        "chats are kept on Meta's servers",
    ),
    app(
        "com.getdropbox.Dropbox",
        Safe,
        "files are in Dropbox; offline copies download again",
    ),
    app("com.google.Drive", Safe, "files are in Google Drive"),
    app("com.google.Gmail", Safe, MAIL),
    app("com.google.Maps", Redownload, "offline maps download again"),
    app(
        "com.google.chrome.ios",
        Safe,
        "bookmarks and history sync with your Google account",
    ),
    app("com.google.ios.youtube", Redownload, DOWNLOADS),
    app("com.google.ios.youtubemusic", Redownload, DOWNLOADS),
    app("com.google.photos", Safe, "photos are in Google Photos"),
    app(
        "com.hammerandchisel.discord",
        Safe,
        "messages are kept on Discord's servers",
    ),
    app("com.linkedin.LinkedIn", Safe, CLOUD),
    app("com.microsoft.Office.Outlook", Safe, MAIL),
    app("com.microsoft.skydrive", Safe, "files are in OneDrive"),
    app(
        "com.netflix.Netflix",
        Safe,
        "downloads only; the account and its lists are Netflix's",
    ),
    // Pinterest's bundle id is `pinterest`, with no reverse domain (three sources in src/attribute/known_apps.tsv).
    app("pinterest", Safe, CLOUD),
    app("com.reddit.Reddit", Safe, CLOUD),
    app(
        "com.skype.skype",
        Safe,
        "chats are kept on Microsoft's servers",
    ),
    app(
        "com.spotify.client",
        Safe,
        "playlists are Spotify's; offline songs download again",
    ),
    app("com.tencent.xin", UserData, CHATS),
    app(
        "com.tinyspeck.chatlyio",
        Safe,
        "messages are kept on Slack's servers",
    ),
    app(
        "com.toyopagroup.picaboo",
        Safe,
        "Memories are kept on Snapchat's servers",
    ),
    app("com.zhiliaoapp.musically", Safe, CLOUD),
    app("fm.overcast.overcast", Redownload, DOWNLOADS),
    app("jp.naver.line", UserData, CHATS),
    app("net.whatsapp.WhatsApp", UserData, CHATS),
    app("net.whatsapp.WhatsAppSMB", UserData, CHATS),
    app(
        "org.mozilla.ios.Firefox",
        Safe,
        "bookmarks and history sync with a Mozilla account",
    ),
    app(
        "org.whispersystems.signal",
        UserData,
        "Signal keeps messages only on your devices",
    ),
    app(
        "ph.telegra.Telegraph",
        Safe,
        "Telegram keeps chats and media in its cloud",
    ),
    app("com.viber", UserData, CHATS),
    app("us.zoom.videomeetings", Safe, CLOUD),
];

/// The reason used for apps not in the table.
pub const UNKNOWN_WHY: &str =
    "not in cloudfit's list of apps, so counted as holding data found nowhere else";

/// The loss class and reason for `bundle_id`.
pub fn loss_of(bundle_id: &str) -> (Loss, &'static str) {
    KNOWN_APPS
        .iter()
        .find(|a| a.bundle_id.eq_ignore_ascii_case(bundle_id))
        .map_or((UserData, UNKNOWN_WHY), |a| (a.loss, a.why))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_curated_app_has_a_known_name() {
        // A plan names the apps it asks a person to switch off: each must have a name even without metadata.
        for app in KNOWN_APPS {
            assert!(
                crate::attribute::names::known_name(app.bundle_id).is_some(),
                "{}",
                app.bundle_id
            );
        }
    }

    #[test]
    fn ids_are_unique_and_every_row_has_a_reason() {
        let mut seen = std::collections::HashSet::new();
        for a in KNOWN_APPS {
            assert!(seen.insert(a.bundle_id), "{}", a.bundle_id);
            assert!(!a.why.is_empty());
        }
    }

    #[test]
    fn the_issues_examples_and_unknown_apps() {
        for id in [
            "ph.telegra.Telegraph",
            "com.spotify.client",
            "com.netflix.Netflix",
            "com.google.photos",
        ] {
            assert_eq!(loss_of(id).0, Loss::None, "{id}");
        }
        assert_eq!(loss_of("com.getdropbox.Dropbox").0, Loss::None);
        assert_eq!(loss_of("com.amazon.Lassen").0, Loss::None);
        assert_eq!(loss_of("com.google.Maps").0, Loss::Redownload);
        assert_eq!(loss_of("net.whatsapp.WhatsApp").0, Loss::UserData);
        assert_eq!(loss_of("io.habitloop.app"), (Loss::UserData, UNKNOWN_WHY));
    }
}
