//! The per data type, app and domain figures of two backups side by side, from their scans' summaries.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::attribute::BackupSummary;
use crate::inspect::NodeKind;

/// One data type, app or domain in either backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// `category`, `app` or `domain`.
    pub kind: NodeKind,
    /// The data type id, the app's bundle id (as `apps[].bundle_id`) or the domain.
    pub id: String,
    /// Its name in the newer backup, else in the older.
    pub name: String,
    /// 0 where a backup does not hold it.
    pub old_bytes: u64,
    pub new_bytes: u64,
    pub delta_bytes: i64,
    pub old_files: u64,
    pub new_files: u64,
}

/// Bytes, files and name of one row in one backup.
type Figures = (u64, u64, String);

fn figures(s: &BackupSummary) -> BTreeMap<(u8, String), Figures> {
    let mut out = BTreeMap::new();
    for c in &s.categories {
        let row = (c.bytes, c.files, c.label.to_string());
        out.insert((0, c.id.id().to_string()), row);
    }
    for a in &s.apps {
        out.insert((1, a.bundle_id.clone()), (a.bytes, a.files, a.name.clone()));
    }
    for d in &s.domains {
        out.insert((2, d.domain.clone()), (d.bytes, d.files, d.domain.clone()));
    }
    out
}

/// Every row of either backup, the most grown first (then by kind: data types, apps, domains; then id).
pub(crate) fn rows(old: &BackupSummary, new: &BackupSummary) -> Vec<Row> {
    let (mut old, new) = (figures(old), figures(new));
    let mut joined: Vec<_> = new
        .into_iter()
        .map(|(key, (bytes, files, name))| {
            let (ob, of) = old.remove(&key).map_or((0, 0), |(b, f, _)| (b, f));
            (key, (ob, of), (bytes, files), name)
        })
        .collect();
    joined.extend(
        old.into_iter()
            .map(|(key, (b, f, name))| (key, (b, f), (0, 0), name)),
    );
    let mut rows: Vec<Row> = joined
        .into_iter()
        .map(
            |((kind, id), (old_bytes, old_files), (new_bytes, new_files), name)| Row {
                kind: match kind {
                    0 => NodeKind::Category,
                    1 => NodeKind::App,
                    _ => NodeKind::Domain,
                },
                id,
                name,
                old_bytes,
                new_bytes,
                delta_bytes: delta(old_bytes, new_bytes),
                old_files,
                new_files,
            },
        )
        .collect();
    rows.sort_by(|a, b| {
        b.delta_bytes
            .cmp(&a.delta_bytes)
            .then_with(|| kind_rank(a.kind).cmp(&kind_rank(b.kind)))
            .then_with(|| a.id.cmp(&b.id))
    });
    rows
}

fn kind_rank(kind: NodeKind) -> u8 {
    match kind {
        NodeKind::Category => 0,
        NodeKind::App => 1,
        _ => 2,
    }
}

/// `new - old`, held to what an `i64` can say (no backup comes near).
pub fn delta(old: u64, new: u64) -> i64 {
    let clamp = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    match new >= old {
        true => clamp(new - old),
        false => -clamp(old - new),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_are_signed_and_bounded() {
        assert_eq!(delta(3, 10), 7);
        assert_eq!(delta(10, 3), -7);
        assert_eq!(delta(0, u64::MAX), i64::MAX);
        assert_eq!(delta(u64::MAX, 0), -i64::MAX);
    }
}
