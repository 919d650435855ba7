//! Which device each backup is of, the name a person should read for it (devices that share a name told
//! apart by model, last backup date and, when those agree too, the start of the UDID), and which device a
//! name the user gives (`--device`) means, never guessing between two.

use std::collections::{BTreeMap, BTreeSet};

use super::{BackupSummary, Format};
use crate::error::{Error, Result};

/// The shortest start of a UDID that names a device, when no other device's UDID starts the same way.
pub const MIN_UDID_PREFIX: usize = 4;

/// How much of the UDID a name shows at least, when the name, model and date of two devices all agree: the
/// chip's part (the first 8 characters of a UDID from 2018 on) and more if that is not enough.
const SHOWN_PREFIX: usize = 8;

/// What tells one device's backups from another's: its UDID (archived copies share it), else the folder.
pub fn device_key(s: &BackupSummary) -> String {
    s.udid
        .clone()
        .unwrap_or_else(|| s.id.clone())
        .to_ascii_uppercase()
}

/// The name the backup gives its device; an extracted tree (no plists) or a backup without one is known by
/// its folder.
fn plain_name(s: &BackupSummary) -> &str {
    let extracted = matches!(
        s.format,
        Format::ExtractedDomains | Format::ExtractedDevicePaths
    );
    match &s.device_name {
        Some(name) if !extracted => name,
        _ => &s.id,
    }
}

/// What a name the user gave fits.
enum Located {
    /// The backups of one device (or one backup folder).
    Backups(Vec<usize>),
    /// Several devices, by index.
    Several(BTreeSet<usize>),
    Nothing,
}

/// One device: the facts of its newest backup, which every copy's name shows.
struct Device<'a> {
    /// Its UDID as the plists spell it, else its folder's name.
    id: &'a str,
    has_udid: bool,
    model: Option<&'a str>,
    /// The day of its newest backup, `YYYY-MM-DD` (UTC).
    day: Option<&'a str>,
    /// Its newest backup, by index.
    newest: usize,
}

impl Device<'_> {
    /// What the model and date say, to be compared with another device's.
    fn label(&self) -> (Option<String>, Option<&str>) {
        (self.model.map(str::to_lowercase), self.day)
    }
}

/// The devices a set of backups is of, and the name a person reads for each backup.
pub struct Devices<'a> {
    backups: Vec<&'a BackupSummary>,
    /// For each backup, the index of its device.
    device_of: Vec<usize>,
    devices: Vec<Device<'a>>,
    /// For each backup, the name to show.
    names: Vec<String>,
}

impl<'a> Devices<'a> {
    /// The devices of `backups`; the indices of the other methods are positions in this order.
    pub fn of(backups: impl IntoIterator<Item = &'a BackupSummary>) -> Self {
        let backups: Vec<&BackupSummary> = backups.into_iter().collect();
        let mut by_key: BTreeMap<String, usize> = BTreeMap::new();
        let mut devices: Vec<Device<'a>> = Vec::new();
        let mut device_of = Vec::with_capacity(backups.len());
        for (i, s) in backups.iter().enumerate() {
            let d = *by_key.entry(device_key(s)).or_insert_with(|| {
                devices.push(Device {
                    id: s.udid.as_deref().unwrap_or(&s.id),
                    has_udid: s.udid.is_some(),
                    model: None,
                    day: None,
                    newest: i,
                });
                devices.len() - 1
            });
            device_of.push(d);
            let newest = backups[devices[d].newest];
            if (s.last_backup_time, !s.archived) > (newest.last_backup_time, !newest.archived) {
                devices[d].newest = i;
            }
        }
        for d in &mut devices {
            let s = backups[d.newest];
            d.model = s.product_name.as_deref().or(s.product_type.as_deref());
            d.day = s.last_backup.as_deref().map(|t| t.get(..10).unwrap_or(t));
        }
        let mut devices = Devices {
            backups,
            device_of,
            devices,
            names: Vec::new(),
        };
        devices.names = (0..devices.backups.len())
            .map(|i| devices.name_for(i))
            .collect();
        devices
    }

    /// The name to show for backup `i`: the plain name when no other device has it, else with what tells
    /// them apart ("Maya's iPhone (iPhone 12, last backup 2025-10-13)").
    pub fn name(&self, i: usize) -> &str {
        &self.names[i]
    }

    /// [`Devices::name`] of a backup of the set, found by identity; its plain name if it is not one of them.
    pub fn name_of(&self, s: &BackupSummary) -> String {
        match self.index_of(s) {
            Some(i) => self.names[i].clone(),
            None => plain_name(s).to_string(),
        }
    }

    /// Whether backups `a` and `b` are of different devices that have the same name (ignoring case).
    pub fn same_name_other_device(&self, a: usize, b: usize) -> bool {
        self.device_of[a] != self.device_of[b]
            && plain_name(self.backups[a]).to_lowercase()
                == plain_name(self.backups[b]).to_lowercase()
    }

    /// The model of backup `i`'s device and the day of its newest backup, as its name shows them.
    pub fn model_and_day(&self, i: usize) -> (Option<&'a str>, Option<&'a str>) {
        let d = &self.devices[self.device_of[i]];
        (d.model, d.day)
    }

    /// Where `s` is in the set.
    pub fn index_of(&self, s: &BackupSummary) -> Option<usize> {
        self.backups.iter().position(|b| std::ptr::eq(*b, s))
    }

    /// The backups of the device `wanted` names, ignoring case: its whole UDID (every copy), a backup folder
    /// (that one), its name, its name with any of the model, the last backup date and the start of the UDID
    /// in brackets (as [`Devices::name`] prints it), or the start of its UDID ([`MIN_UDID_PREFIX`]
    /// characters or more). A name or a start that fits several devices is refused, with the ways to pick
    /// one: the newest of different devices is never taken silently.
    pub fn find(&self, wanted: &str) -> Result<Vec<usize>> {
        match self.locate(wanted) {
            Located::Backups(found) => Ok(found),
            Located::Several(devices) => Err(self.ambiguous(wanted.trim(), &devices)),
            Located::Nothing => Err(self.no_such(wanted)),
        }
    }

    /// What [`Devices::find`] finds, before it is an answer or an error.
    fn locate(&self, wanted: &str) -> Located {
        let wanted = wanted.trim();
        let lower = wanted.to_lowercase();
        if wanted.is_empty() {
            return Located::Nothing;
        }
        let whole_udid: Vec<usize> = (0..self.backups.len())
            .filter(|&i| {
                self.backups[i]
                    .udid
                    .as_deref()
                    .is_some_and(|u| u.eq_ignore_ascii_case(wanted))
            })
            .collect();
        if !whole_udid.is_empty() {
            return Located::Backups(whole_udid);
        }
        let folder: Vec<usize> = (0..self.backups.len())
            .filter(|&i| self.backups[i].id.eq_ignore_ascii_case(wanted))
            .collect();
        if !folder.is_empty() {
            return Located::Backups(folder);
        }
        // In this order: the name, the name with what tells it apart, the start of a UDID.
        let named = self.devices_where(|name, _| name == lower);
        let qualified = self.devices_where(|name, d| {
            lower
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix(" ("))
                .and_then(|rest| rest.strip_suffix(')'))
                .is_some_and(|inner| self.qualifies(d, inner))
        });
        let start = strip_ellipsis(&lower);
        let started = (0..self.devices.len())
            .filter(|&d| {
                let device = &self.devices[d];
                start.chars().count() >= MIN_UDID_PREFIX
                    && device.has_udid
                    && device.id.to_lowercase().starts_with(start)
            })
            .collect();
        for devices in [named, qualified, started] {
            let mut each = devices.iter();
            match (each.next(), each.next()) {
                (None, _) => continue,
                (Some(&d), None) => {
                    return Located::Backups(
                        (0..self.backups.len())
                            .filter(|&i| self.device_of[i] == d)
                            .collect(),
                    )
                }
                _ => return Located::Several(devices),
            }
        }
        Located::Nothing
    }

    /// The error for a name that fits several `devices`: each as a person reads it, with its UDID, and short
    /// ways to name the first alone.
    fn ambiguous(&self, wanted: &str, devices: &BTreeSet<usize>) -> Error {
        let candidates = devices
            .iter()
            .map(|&d| {
                let device = &self.devices[d];
                let what = if device.has_udid { "UDID" } else { "folder" };
                format!("{}, {what} {}", self.names[device.newest], device.id)
            })
            .collect();
        Error::AmbiguousDevice {
            wanted: wanted.to_string(),
            candidates,
            examples: devices
                .first()
                .map(|&d| self.examples(d))
                .unwrap_or_default(),
        }
    }

    /// Short ways to name device `d` alone, each checked to find it: its name with only its model in
    /// brackets, and the start of its UDID that no other device's shares.
    fn examples(&self, d: usize) -> Vec<String> {
        let device = &self.devices[d];
        let name = plain_name(self.backups[device.newest]);
        let by_model = device.model.map(|model| format!("{name} ({model})"));
        let ids: Vec<&str> = self
            .devices
            .iter()
            .filter(|o| o.has_udid)
            .map(|o| o.id)
            .collect();
        let by_udid = device
            .has_udid
            .then(|| strip_ellipsis(&telling_start(device.id, &ids)).to_string());
        let picks = |wanted: &String| match self.locate(wanted) {
            Located::Backups(found) => found.iter().all(|&i| self.device_of[i] == d),
            _ => false,
        };
        by_model
            .into_iter()
            .filter(picks)
            .map(|wanted| format!("\"{wanted}\""))
            .chain(by_udid.into_iter().filter(picks))
            .collect()
    }

    /// The error for a name that fits no device: the devices there are, each as a person reads it.
    pub fn no_such(&self, wanted: &str) -> Error {
        Error::NoSuchDevice {
            wanted: wanted.trim().to_string(),
            known: self
                .devices
                .iter()
                .map(|d| self.names[d.newest].clone())
                .collect(),
        }
    }

    /// The devices with a backup whose name (lower case) and device pass `test`.
    fn devices_where(&self, test: impl Fn(&str, usize) -> bool) -> BTreeSet<usize> {
        let mut seen: BTreeSet<(String, usize)> = BTreeSet::new();
        (0..self.backups.len())
            .map(|i| {
                (
                    plain_name(self.backups[i]).to_lowercase(),
                    self.device_of[i],
                )
            })
            .filter(|key| seen.insert(key.clone()))
            .filter(|(name, d)| test(name, *d))
            .map(|(_, d)| d)
            .collect()
    }

    /// Whether every part of `inner` (lower case, split at commas) is true of device `d`: its model, its last
    /// backup's day (`2025-10-13` or `last backup 2025-10-13`), or a start of its UDID (`UDID 00008101…`, or
    /// bare with [`MIN_UDID_PREFIX`] characters or more).
    fn qualifies(&self, d: usize, inner: &str) -> bool {
        let device = &self.devices[d];
        let id = device.id.to_lowercase();
        let parts: Vec<&str> = inner
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        !parts.is_empty()
            && parts.iter().all(|&part| {
                let day = part.strip_prefix("last backup ").unwrap_or(part);
                let start = ["udid ", "folder "]
                    .iter()
                    .find_map(|tag| part.strip_prefix(tag))
                    .map(strip_ellipsis);
                device.model.is_some_and(|m| m.to_lowercase() == part)
                    || device.day == Some(day)
                    || start.is_some_and(|s| !s.is_empty() && id.starts_with(s))
                    || (part.chars().count() >= MIN_UDID_PREFIX
                        && device.has_udid
                        && id.starts_with(strip_ellipsis(part)))
            })
    }

    fn name_for(&self, i: usize) -> String {
        let s = self.backups[i];
        let name = plain_name(s);
        let lower = name.to_lowercase();
        let d = self.device_of[i];
        let sharing = self.devices_where(|other, _| other == lower);
        if sharing.len() < 2 {
            return name.to_string();
        }
        let device = &self.devices[d];
        let label = device.label();
        let alike: Vec<usize> = sharing
            .into_iter()
            .filter(|&o| self.devices[o].label() == label)
            .collect();
        let mut parts: Vec<String> = Vec::new();
        parts.extend(device.model.map(str::to_string));
        parts.extend(device.day.map(|day| format!("last backup {day}")));
        if alike.len() > 1 || parts.is_empty() {
            let ids: Vec<&str> = alike.iter().map(|&o| self.devices[o].id).collect();
            let what = if device.has_udid { "UDID" } else { "folder" };
            parts.push(format!("{what} {}", telling_start(device.id, &ids)));
        }
        format!("{name} ({})", parts.join(", "))
    }
}

/// A start typed or shown with "…" (or "...") after it.
fn strip_ellipsis(text: &str) -> &str {
    text.trim_end_matches('…').trim_end_matches("...")
}

/// The start of `id` that no other of `ids` shares, of at least [`SHOWN_PREFIX`] characters, with "…" when
/// it is not the whole id.
fn telling_start(id: &str, ids: &[&str]) -> String {
    let lower = |s: &str, n: usize| s.chars().take(n).collect::<String>().to_lowercase();
    let total = id.chars().count();
    let n = (SHOWN_PREFIX..total)
        .find(|&n| {
            ids.iter()
                .filter(|other| !other.eq_ignore_ascii_case(id))
                .all(|other| lower(other, n) != lower(id, n))
        })
        .unwrap_or(total);
    if n >= total {
        id.to_string()
    } else {
        format!("{}…", id.chars().take(n).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribute::BackupState;
    use std::path::PathBuf;

    fn backup(id: &str, udid: &str, name: &str, model: &str, day: &str) -> BackupSummary {
        let time = humantime::parse_rfc3339(&format!("{day}T10:00:00Z")).unwrap();
        BackupSummary {
            id: id.into(),
            path: PathBuf::from(id),
            udid: Some(udid.into()),
            serial_number: None,
            device_name: Some(name.into()),
            product_type: None,
            product_name: Some(model.into()),
            ios_version: None,
            last_backup: Some(format!("{day}T10:00:00Z")),
            age_days: Some(1),
            encrypted: false,
            decrypted: true,
            state: BackupState::Finished,
            archived: id != udid,
            format: Format::ManifestDb,
            bytes: Some(1),
            files: Some(1),
            directories: Some(0),
            symlinks: Some(0),
            disk_bytes: 1,
            disk_files: 1,
            disk_sizes: crate::read::DiskSizes::Named,
            missing: Default::default(),
            orphans: Default::default(),
            resized: Default::default(),
            apps: vec![],
            categories: vec![],
            subsets: vec![],
            domains: vec![],
            growth: None,
            warnings: vec![],
            last_backup_time: Some(time),
            inside: None,
        }
    }

    const A: &str = "00008120-001A2B3C4D5E6F70";
    const B: &str = "00008101-000E2C4A1B3D5F60";
    const C: &str = "00008030-0009783C22EA802E";

    /// Maya's iPhone 14 Pro with an archived copy, Maya's old iPhone 12 (the same name, in other case), and
    /// Sam's iPhone.
    fn set() -> Vec<BackupSummary> {
        vec![
            backup(A, A, "Maya's iPhone", "iPhone 14 Pro", "2026-11-20"),
            backup(
                &format!("{A}-20260901-101500"),
                A,
                "Maya's iPhone",
                "iPhone 14 Pro",
                "2026-09-01",
            ),
            backup(B, B, "MAYA'S IPHONE", "iPhone 12", "2025-10-13"),
            backup(C, C, "Sam's iPhone", "iPhone 11", "2026-06-14"),
        ]
    }

    fn found(devices: &Devices<'_>, wanted: &str) -> Result<Vec<usize>> {
        devices.find(wanted)
    }

    #[test]
    fn a_shared_name_shows_the_model_and_the_newest_backups_day_and_a_unique_one_stays_plain() {
        let set = set();
        let devices = Devices::of(&set);
        assert_eq!(
            devices.name(0),
            "Maya's iPhone (iPhone 14 Pro, last backup 2026-11-20)"
        );
        // The archived copy is the same device: the same name, with the device's newest day.
        assert_eq!(devices.name(1), devices.name(0));
        assert_eq!(
            devices.name(2),
            "MAYA'S IPHONE (iPhone 12, last backup 2025-10-13)"
        );
        assert_eq!(devices.name(3), "Sam's iPhone");
        assert!(devices.same_name_other_device(0, 2));
        assert!(!devices.same_name_other_device(0, 1));
        assert!(!devices.same_name_other_device(0, 3));
        assert_eq!(
            devices.model_and_day(1),
            (Some("iPhone 14 Pro"), Some("2026-11-20"))
        );
        // Alone, a device's copies never make its name ambiguous.
        let alone = Devices::of(&set[..2]);
        assert_eq!(alone.name(0), "Maya's iPhone");
        assert_eq!(alone.name(1), "Maya's iPhone");
    }

    #[test]
    fn when_model_and_day_agree_the_start_of_the_udid_tells_them_apart() {
        let twin = "00008120-001A2B3C4D5E0000";
        let set = [
            backup(A, A, "Maya's iPhone", "iPhone 14 Pro", "2026-11-20"),
            backup(twin, twin, "Maya's iPhone", "iPhone 14 Pro", "2026-11-20"),
            backup(B, B, "Maya's iPhone", "iPhone 12", "2025-10-13"),
        ];
        let devices = Devices::of(&set);
        assert_eq!(
            devices.name(0),
            "Maya's iPhone (iPhone 14 Pro, last backup 2026-11-20, UDID 00008120-001A2B3C4D5E6…)"
        );
        assert_eq!(
            devices.name(1),
            "Maya's iPhone (iPhone 14 Pro, last backup 2026-11-20, UDID 00008120-001A2B3C4D5E0…)"
        );
        // The third differs by model: no UDID needed.
        assert_eq!(
            devices.name(2),
            "Maya's iPhone (iPhone 12, last backup 2025-10-13)"
        );
        // Each printed name picks its own device back.
        for i in 0..3 {
            assert_eq!(found(&devices, devices.name(i)).unwrap(), vec![i]);
        }
        assert!(matches!(
            found(&devices, "Maya's iPhone (iPhone 14 Pro)"),
            Err(Error::AmbiguousDevice { ref candidates, .. }) if candidates.len() == 2
        ));
        // Distinct from the first 8: 8 are shown.
        assert_eq!(telling_start(A, &[A, B]), "00008120…");
        assert_eq!(telling_start("short", &["short", "shore"]), "short");
    }

    #[test]
    fn a_device_is_found_by_udid_folder_name_model_day_or_udid_start_and_never_guessed() {
        let set = set();
        let devices = Devices::of(&set);
        let archived = format!("{A}-20260901-101500");
        // Whole UDID: every copy; a folder: that one.
        assert_eq!(found(&devices, &A.to_lowercase()).unwrap(), vec![0, 1]);
        assert_eq!(found(&devices, &archived).unwrap(), vec![1]);
        // A name two devices share is refused, listing both as a person reads them, with their UDIDs.
        match found(&devices, " maya's iphone ") {
            Err(Error::AmbiguousDevice {
                wanted,
                candidates,
                examples,
            }) => {
                assert_eq!(wanted, "maya's iphone");
                // Short ways to pick the first, each of which does.
                assert_eq!(examples, ["\"Maya's iPhone (iPhone 14 Pro)\"", "00008120"]);
                for example in &examples {
                    assert_eq!(found(&devices, example.trim_matches('"')).unwrap(), [0, 1]);
                }
                assert_eq!(candidates.len(), 2);
                assert!(candidates[0].contains(devices.name(0)), "{candidates:?}");
                assert!(candidates[0].contains(A), "{candidates:?}");
                assert!(candidates[1].contains(devices.name(2)), "{candidates:?}");
                assert!(candidates[1].contains(B), "{candidates:?}");
            }
            other => panic!("{other:?}"),
        }
        // A unique name: every copy of that device.
        assert_eq!(found(&devices, "sam's iphone").unwrap(), vec![3]);
        // The name with what tells it apart, any of it, in any case.
        for wanted in [
            "Maya's iPhone (iPhone 12)",
            "maya's iphone (2025-10-13)",
            "Maya's iPhone (iPhone 12, last backup 2025-10-13)",
            "Maya's iPhone (UDID 00008101…)",
            "Maya's iPhone (00008101)",
        ] {
            assert_eq!(found(&devices, wanted).unwrap(), vec![2], "{wanted}");
        }
        assert_eq!(
            found(&devices, devices.name(0)).unwrap(),
            vec![0, 1],
            "the printed name"
        );
        // The start of a UDID, 4 characters or more, when only one device's starts so.
        assert_eq!(found(&devices, "0000810").unwrap(), vec![2]);
        assert_eq!(found(&devices, "00008120-001a…").unwrap(), vec![0, 1]);
        assert!(matches!(
            found(&devices, "0000"),
            Err(Error::AmbiguousDevice { ref candidates, .. }) if candidates.len() == 3
        ));
        // Too short, a model that is not its, nothing at all.
        for wanted in ["000", "Maya's iPhone (iPhone 13)", "", "Maya's iPhone ()"] {
            match found(&devices, wanted) {
                Err(Error::NoSuchDevice { known, .. }) => {
                    // One entry per device, as a person reads it.
                    assert_eq!(
                        known,
                        [devices.name(0), devices.name(2), devices.name(3)],
                        "{wanted}"
                    );
                }
                other => panic!("{wanted}: {other:?}"),
            }
        }
    }

    #[test]
    fn extracted_trees_and_unnamed_backups_are_known_by_their_folder() {
        let mut tree = backup("Maya export", "x", "ignored", "x", "2026-01-01");
        tree.udid = None;
        tree.device_name = None;
        tree.product_name = None;
        tree.last_backup = None;
        tree.last_backup_time = None;
        tree.format = Format::ExtractedDomains;
        let mut other = tree.clone();
        other.path = PathBuf::from("elsewhere/Maya export");
        let set = [tree, other];
        let devices = Devices::of(&set);
        // Two trees of one folder name are one "device" by key: not told apart, never ambiguous.
        assert_eq!(devices.name(0), "Maya export");
        assert_eq!(found(&devices, "maya export").unwrap(), vec![0, 1]);
        // A start of a folder name is not a UDID.
        assert!(found(&devices, "Maya").is_err());
        let unnamed = {
            let mut b = backup(A, A, "x", "iPhone 14 Pro", "2026-11-20");
            b.device_name = None;
            b
        };
        let devices = Devices::of(std::iter::once(&unnamed));
        assert_eq!(devices.name(0), A);
    }
}
