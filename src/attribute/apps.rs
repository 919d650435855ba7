//! Rolls app containers (`AppDomain-`, `AppDomainGroup-`, `AppDomainPlugin-`) up into the app that owns them.

use crate::read::domains;

/// The three kinds of app container a backup holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    App,
    Group,
    Plugin,
}

/// The three app-container families as the prefixes [`app_container`] matches; each is checked against
/// Apple's domain table (`read/domains.rs`) as the crate compiles, so the two cannot drift apart.
const APP: &str = "AppDomain-";
const GROUP: &str = "AppDomainGroup-";
const PLUGIN: &str = "AppDomainPlugin-";
const _: () =
    assert!(domains::is_known(APP) && domains::is_known(GROUP) && domains::is_known(PLUGIN));

/// Splits `AppDomainGroup-group.x.y` into its kind and id; `None` for other domains.
pub fn app_container(domain: &str) -> Option<(ContainerKind, &str)> {
    // Order matters: `AppDomain-` is a prefix of neither of the others, but check the longer names first anyway.
    if let Some(id) = domain.strip_prefix(GROUP) {
        Some((ContainerKind::Group, id))
    } else if let Some(id) = domain.strip_prefix(PLUGIN) {
        Some((ContainerKind::Plugin, id))
    } else {
        domain.strip_prefix(APP).map(|id| (ContainerKind::App, id))
    }
}

/// Who a container's bytes belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// An installed app, by bundle id.
    App(String),
    /// An app group no single installed app can be said to own.
    SharedGroup(String),
    /// An extension whose app is not installed.
    Extension(String),
    /// A group one vendor's apps share (`group.com.google.common`), by the vendor's name.
    Vendor(String),
}

/// What kind of owner an apps row is: only apps have a switch on the phone's Backups screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OwnerKind {
    App,
    SharedGroup,
    Extension,
}

impl Owner {
    pub fn kind(&self) -> OwnerKind {
        match self {
            Owner::App(_) => OwnerKind::App,
            Owner::SharedGroup(_) | Owner::Vendor(_) => OwnerKind::SharedGroup,
            Owner::Extension(_) => OwnerKind::Extension,
        }
    }

    /// The id the owner's row is keyed by (`vendor:Google` for a vendor's shared groups, all in one row).
    pub fn id(&self) -> String {
        match self {
            Owner::App(id) | Owner::SharedGroup(id) | Owner::Extension(id) => id.clone(),
            Owner::Vendor(vendor) => format!("vendor:{vendor}"),
        }
    }

    /// An Apple system service, widget or extension (not an app with a switch on the Backups screen): its
    /// bytes belong to a data type, or to Settings & system.
    pub fn is_apple_service(&self) -> bool {
        let apple = |id: &str| {
            let id = without_team(id).to_ascii_lowercase();
            [
                "com.apple.",
                "group.com.apple.",
                "groups.com.apple.",
                "systemgroup.com.apple.",
            ]
            .iter()
            .any(|p| id.starts_with(p))
        };
        match self {
            // Apple's own apps a person sees (Pages, Keynote, Podcasts…) are in the table of known apps.
            Owner::App(id) => apple(id) && super::names::known_name(id).is_none(),
            Owner::SharedGroup(id) | Owner::Extension(id) => apple(id),
            Owner::Vendor(vendor) => vendor == "Apple",
        }
    }
}

/// Who the cited table (`app_groups.tsv`) says owns a group or extension.
enum Listed {
    App(&'static str),
    Vendor(&'static str),
}

const APP_GROUPS: &str = include_str!("app_groups.tsv");

/// The table's owner of `id`, matched without regard to case.
fn listed(id: &str) -> Option<&'static Listed> {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static TABLE: OnceLock<HashMap<String, Listed>> = OnceLock::new();
    let table = TABLE.get_or_init(|| {
        super::table::rows(APP_GROUPS)
            .filter_map(|cells| {
                let owner = *cells.get(2)?;
                let listed = match owner.strip_prefix("vendor:") {
                    Some(vendor) => Listed::Vendor(vendor),
                    None => Listed::App(owner),
                };
                Some((cells.first()?.to_ascii_lowercase(), listed))
            })
            .collect()
    });
    table.get(&id.to_ascii_lowercase())
}

/// A group id without its `group.` or `groups.` prefix.
fn group_body(id: &str) -> &str {
    id.strip_prefix("group.")
        .or_else(|| id.strip_prefix("groups."))
        .unwrap_or(id)
}

/// `4GU63N96WE.com.p5sys.jumpdesktop` without its team id: ten upper-case letters and digits, then a dot.
pub(crate) fn without_team(id: &str) -> &str {
    match id.split_once('.') {
        Some((team, rest))
            if team.len() == 10
                && team
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                && team.bytes().any(|b| b.is_ascii_digit()) =>
        {
            rest
        }
        _ => id,
    }
}

/// Finds owners among the installed apps (sorted bundle ids), comparing ids without their team-id prefix.
pub struct OwnerFinder<'a> {
    installed: &'a [String],
}

impl<'a> OwnerFinder<'a> {
    pub fn new(installed: &'a [String]) -> Self {
        OwnerFinder { installed }
    }

    pub fn owner(&self, kind: ContainerKind, id: &str) -> Owner {
        if kind == ContainerKind::App {
            return Owner::App(id.to_string());
        }
        // The cited exceptions first: ids no rule can read (`group.snapchat.picaboo`, vendor-wide groups).
        match listed(id) {
            // Shared by a vendor's apps: the one installed app of that vendor if there is only one.
            Some(Listed::Vendor(vendor)) => {
                return match self.only_app_of_vendor(group_body(without_team(id))) {
                    Some(app) => Owner::App(app.to_string()),
                    None => Owner::Vendor(vendor.to_string()),
                }
            }
            Some(Listed::App(app)) => {
                if let Some(app) = self.installed(app) {
                    return Owner::App(app.to_string());
                }
            }
            None => {}
        }
        let bare = without_team(id);
        match kind {
            // An extension id is normally `<app id>.<Name>`.
            ContainerKind::Plugin => {
                match self.longest(|app| label_prefix(without_team(app), bare)) {
                    Some(app) => Owner::App(app.to_string()),
                    None => Owner::Extension(id.to_string()),
                }
            }
            _ => self.group_owner(id, bare),
        }
    }

    /// The installed app whose id is `id`, in the installed spelling (ids are case-insensitive).
    fn installed(&self, id: &str) -> Option<&'a str> {
        self.installed
            .iter()
            .map(String::as_str)
            .find(|app| app.eq_ignore_ascii_case(id))
    }

    /// Group ids are free-form (`group.<anything>`, `groups.<anything>`, either after a team id): first an
    /// app id at its start or inside it at label boundaries, then the one app whose id the group's starts
    /// (`group.com.google.chrome` of `com.google.chrome.ios`), then a vendor prefix (first two labels) that
    /// exactly one installed app shares.
    fn group_owner(&self, group: &str, bare: &str) -> Owner {
        let bare = group_body(bare);
        if let Some(app) = self.longest(|app| label_prefix(without_team(app), bare)) {
            return Owner::App(app.to_string());
        }
        if let Some(app) = self.longest(|app| contains_labels(bare, without_team(app))) {
            return Owner::App(app.to_string());
        }
        // Shorter than the app id: only from three labels on (two are a vendor), and only when one app fits.
        if bare.matches('.').count() >= 2 {
            let mut longer = self
                .installed
                .iter()
                .filter(|app| label_prefix(bare, without_team(app)));
            if let (Some(app), None) = (longer.next(), longer.next()) {
                return Owner::App(app.clone());
            }
        }
        match self.only_app_of_vendor(bare) {
            Some(app) => Owner::App(app.to_string()),
            None => Owner::SharedGroup(group.to_string()),
        }
    }

    /// The one installed app sharing the vendor prefix (first two labels) of `id`, if exactly one does.
    fn only_app_of_vendor(&self, id: &str) -> Option<&'a str> {
        let id_vendor = vendor(id)?;
        let mut sharing = self.installed.iter().filter(|app| {
            vendor(without_team(app)).is_some_and(|v| v.eq_ignore_ascii_case(id_vendor))
        });
        match (sharing.next(), sharing.next()) {
            (Some(app), None) => Some(app),
            _ => None,
        }
    }

    fn longest(&self, matches: impl Fn(&str) -> bool) -> Option<&'a str> {
        self.installed
            .iter()
            .map(String::as_str)
            .filter(|app| matches(app))
            .max_by_key(|app| app.len())
    }
}

/// `app` equals `id` or is its leading labels (`net.whatsapp.WhatsApp` of `net.whatsapp.WhatsApp.Share`),
/// without regard to case.
fn label_prefix(app: &str, id: &str) -> bool {
    id.len() >= app.len()
        && id.is_char_boundary(app.len())
        && id[..app.len()].eq_ignore_ascii_case(app)
        && (id.len() == app.len() || id.as_bytes()[app.len()] == b'.')
}

/// `app` appears in `id` as whole labels, anywhere, without regard to case.
fn contains_labels(id: &str, app: &str) -> bool {
    let (id, app) = (id.to_ascii_lowercase(), app.to_ascii_lowercase());
    id.match_indices(&app).any(|(at, _)| {
        let before_ok = at == 0 || id.as_bytes()[at - 1] == b'.';
        let end = at + app.len();
        let after_ok = end == id.len() || id.as_bytes()[end] == b'.';
        before_ok && after_ok
    })
}

/// The first two labels (`com.burbn` of `com.burbn.instagram`), when there are more than two.
fn vendor(id: &str) -> Option<&str> {
    let first = id.find('.')?;
    let second = first + 1 + id[first + 1..].find('.')?;
    Some(&id[..second])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finder_apps() -> Vec<String> {
        let mut apps: Vec<String> = [
            "com.burbn.instagram",
            "net.whatsapp.WhatsApp",
            "com.google.Gmail",
            "com.google.Maps",
            "ph.telegra.Telegraph",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        apps.sort();
        apps
    }

    #[test]
    fn extensions_go_to_the_longest_app_prefix() {
        let apps = finder_apps();
        let f = OwnerFinder::new(&apps);
        assert_eq!(
            f.owner(
                ContainerKind::Plugin,
                "net.whatsapp.WhatsApp.ShareExtension"
            ),
            Owner::App("net.whatsapp.WhatsApp".into())
        );
        assert_eq!(
            f.owner(ContainerKind::Plugin, "net.whatsapp.WhatsAppX.Share"),
            Owner::Extension("net.whatsapp.WhatsAppX.Share".into())
        );
    }

    #[test]
    fn groups_by_app_id_then_unique_vendor_else_shared() {
        let apps = finder_apps();
        let f = OwnerFinder::new(&apps);
        let owner = |g: &str| f.owner(ContainerKind::Group, g);
        assert_eq!(
            owner("group.com.burbn.instagram"),
            Owner::App("com.burbn.instagram".into())
        );
        assert_eq!(
            owner("group.net.whatsapp.WhatsApp.shared"),
            Owner::App("net.whatsapp.WhatsApp".into())
        );
        assert_eq!(
            owner("group.com.burbn.shared"),
            Owner::App("com.burbn.instagram".into())
        );
        assert_eq!(
            owner("group.x.ph.telegra.Telegraph"),
            Owner::App("ph.telegra.Telegraph".into())
        );
        assert_eq!(
            owner("group.com.google.common"),
            Owner::Vendor("Google".into()),
            "the cited table: shared by Google's apps"
        );
        assert_eq!(owner("group.solo"), Owner::SharedGroup("group.solo".into()));
    }

    #[test]
    fn irregular_group_and_extension_ids() {
        let mut apps: Vec<String> = [
            "com.google.chrome.ios",
            "com.google.ios.youtube",
            "com.apple.podcasts",
            "com.apple.Bridge",
            "com.toyopagroup.picaboo",
            "4GU63N96WE.com.p5sys.jumpdesktop",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        apps.sort();
        let f = OwnerFinder::new(&apps);
        let group = |g: &str| f.owner(ContainerKind::Group, g);
        let app = |a: &str| Owner::App(a.into());
        // Shorter than the app id, and the only app it starts.
        assert_eq!(
            group("group.com.google.chrome"),
            app("com.google.chrome.ios")
        );
        // A team-id prefix and `groups.`.
        assert_eq!(
            group("243LU875E5.groups.com.apple.podcasts"),
            app("com.apple.podcasts")
        );
        // Case differs between the app and its group.
        assert_eq!(group("group.com.apple.bridge"), app("com.apple.Bridge"));
        // Another vendor name entirely: from the cited table.
        assert_eq!(
            group("group.snapchat.picaboo"),
            app("com.toyopagroup.picaboo")
        );
        // An extension of an app whose own id carries the team id.
        assert_eq!(
            f.owner(
                ContainerKind::Plugin,
                "4GU63N96WE.com.p5sys.jumpdesktop.Share"
            ),
            app("4GU63N96WE.com.p5sys.jumpdesktop")
        );
        // A group two installed Google apps share stays Google's; with one of them, it is that app's.
        assert_eq!(
            group("group.com.google.common"),
            Owner::Vendor("Google".into())
        );
        let chrome_only = vec!["com.google.chrome.ios".to_string()];
        assert_eq!(
            OwnerFinder::new(&chrome_only).owner(ContainerKind::Group, "group.com.google.common"),
            app("com.google.chrome.ios")
        );
        // Two labels are a vendor, not an app.
        assert_eq!(
            group("group.com.google"),
            Owner::SharedGroup("group.com.google".into())
        );
    }

    #[test]
    fn every_row_of_the_group_table_is_whole_and_read() {
        let rows = super::super::table::check(APP_GROUPS, 4).unwrap();
        assert!(rows >= 100, "{rows} rows");
        for cells in super::super::table::rows(APP_GROUPS) {
            assert!(listed(cells[0]).is_some(), "{}", cells[0]);
            assert!(matches!(cells[1], "group" | "plugin"), "{cells:?}");
        }
    }

    #[test]
    fn apple_services_are_not_apps_but_apples_apps_are() {
        for service in [
            Owner::App("com.apple.InCallService".into()),
            Owner::App("com.apple.WebSheet".into()),
            Owner::Extension("com.apple.stocks.widget".into()),
            Owner::SharedGroup("group.com.apple.ScreenshotServicesService".into()),
            Owner::Vendor("Apple".into()),
        ] {
            assert!(service.is_apple_service(), "{service:?}");
        }
        for app in [
            "com.apple.Pages",
            "com.apple.iMovie",
            "com.apple.podcasts",
            "net.whatsapp.WhatsApp",
        ] {
            assert!(!Owner::App(app.into()).is_apple_service(), "{app}");
        }
    }

    #[test]
    fn splits_container_domains() {
        assert_eq!(
            app_container("AppDomain-com.a.b"),
            Some((ContainerKind::App, "com.a.b"))
        );
        assert_eq!(
            app_container("AppDomainGroup-group.a"),
            Some((ContainerKind::Group, "group.a"))
        );
        assert_eq!(
            app_container("AppDomainPlugin-com.a.b.W"),
            Some((ContainerKind::Plugin, "com.a.b.W"))
        );
        assert_eq!(app_container("HomeDomain"), None);
    }
}
