//! The folders that hold a target's bytes, as a tree like `dust -d N`: each level's largest children, the
//! rest folded into one "more".

use std::collections::BTreeMap;

use serde::Serialize;

use super::scope::{backup_name, Scope, Target};
use crate::attribute::inside::{DomainInside, FileFacts, Folder, PlacedShare};
use crate::attribute::{BackupSummary, Category};
use crate::error::Result;
use crate::read::Counts;

/// What a node of the tree is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    Backup,
    Category,
    App,
    Domain,
    Folder,
    File,
}

/// One node: its bytes and files (everything below it), its largest children, and what was folded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    pub name: String,
    pub kind: NodeKind,
    /// The data type id, bundle id, domain, or the path inside the domain; null for a backup.
    pub id: Option<String>,
    pub bytes: u64,
    pub files: u64,
    /// Largest first (then by name).
    pub children: Vec<Node>,
    /// What the children do not show, together: children plus `more` is exactly the node, at every node.
    /// A node that was not opened (a file, a folder at the depth limit) shows no children: all of it is here.
    pub more: Counts,
}

impl Node {
    fn leaf(name: String, kind: NodeKind, id: Option<String>, counts: Counts) -> Node {
        Node {
            name,
            kind,
            id,
            bytes: counts.bytes,
            files: counts.files,
            children: Vec::new(),
            more: counts,
        }
    }

    /// Closes every node `levels` below this one (the levels that stay are as they were).
    fn cut(&mut self, levels: usize) {
        match levels {
            0 => {
                self.children = Vec::new();
                self.more = Counts {
                    files: self.files,
                    bytes: self.bytes,
                };
            }
            _ => self.children.iter_mut().for_each(|c| c.cut(levels - 1)),
        }
    }

    /// A node over `children`: their sums, the `rows` largest kept and the rest folded.
    fn over(
        name: String,
        kind: NodeKind,
        id: Option<String>,
        children: Vec<Node>,
        rows: usize,
    ) -> Node {
        let mut total = Counts::default();
        for child in &children {
            total.merge(Counts {
                files: child.files,
                bytes: child.bytes,
            });
        }
        Node::opened(name, kind, id, total, children, rows)
    }

    /// A node of `total` whose `rows` largest `children` are shown and the rest folded into `more`.
    fn opened(
        name: String,
        kind: NodeKind,
        id: Option<String>,
        total: Counts,
        mut children: Vec<Node>,
        rows: usize,
    ) -> Node {
        children.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
        children.truncate(rows);
        let shown = children.iter().fold(Counts::default(), |mut sum, c| {
            sum.merge(Counts {
                files: c.files,
                bytes: c.bytes,
            });
            sum
        });
        Node {
            name,
            kind,
            id,
            bytes: total.bytes,
            files: total.files,
            children,
            more: Counts {
                files: total.files.saturating_sub(shown.files),
                bytes: total.bytes.saturating_sub(shown.bytes),
            },
        }
    }
}

/// A target's tree.
#[derive(Debug, Clone, Serialize)]
pub struct TreeOf {
    /// What was looked inside, with its bytes and files.
    pub target: Target,
    pub tree: Node,
}

/// The tree of `scope` in `backup`, `depth` levels below its root, `rows` children per level.
pub fn scope_tree(
    backup: &BackupSummary,
    scope: &Scope,
    depth: usize,
    rows: usize,
) -> Result<TreeOf> {
    let mut target = scope.settle(backup)?;
    let domains = super::inside_of(backup).map_or(&[][..], |i| &i.domains);
    let node = match target.kind {
        NodeKind::Backup => backup_tree(backup, depth, rows),
        NodeKind::Domain => domains
            .iter()
            .filter(|d| Some(d.domain.as_str()) == target.id.as_deref())
            .map(|d| domain_node(d, d.shares.iter(), depth, rows))
            .next()
            .unwrap_or_else(|| {
                Node::over(
                    target.name.clone(),
                    NodeKind::Domain,
                    target.id.clone(),
                    vec![],
                    rows,
                )
            }),
        kind => {
            let children = domains
                .iter()
                .filter_map(|d| {
                    let mut taken = d.shares.iter().filter(|s| target.takes(d, s)).peekable();
                    taken.peek()?;
                    Some(domain_node(d, taken, depth.saturating_sub(1), rows))
                })
                .collect();
            let mut node = Node::over(target.name.clone(), kind, target.id.clone(), children, rows);
            node.cut(depth);
            node
        }
    };
    target.bytes = node.bytes;
    target.files = node.files;
    Ok(TreeOf { target, tree: node })
}

/// The whole backup: data types and apps, then their domains, then folders; `depth` levels below it.
pub fn backup_tree(backup: &BackupSummary, depth: usize, rows: usize) -> Node {
    /// Where a share's bytes show at the first level: its app's row, or its data type.
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    enum Group<'a> {
        Type(Category),
        App(&'a str),
    }
    let mut groups: BTreeMap<Group<'_>, Vec<Node>> = BTreeMap::new();
    for domain in super::inside_of(backup).map_or(&[][..], |i| &i.domains) {
        let mut by_group: BTreeMap<Group<'_>, Vec<&PlacedShare>> = BTreeMap::new();
        for share in &domain.shares {
            let group = match (share.category, domain.app.as_deref()) {
                (Category::Apps, Some(app)) => Group::App(app),
                (category, _) => Group::Type(category),
            };
            by_group.entry(group).or_default().push(share);
        }
        for (group, shares) in by_group {
            let node = domain_node(domain, shares.into_iter(), depth.saturating_sub(2), rows);
            groups.entry(group).or_default().push(node);
        }
    }
    let children = groups
        .into_iter()
        .map(|(group, domains)| {
            let (name, kind, id) = match group {
                Group::Type(category) => (
                    category.label().to_string(),
                    NodeKind::Category,
                    category.id().to_string(),
                ),
                Group::App(id) => {
                    let name = backup
                        .apps
                        .iter()
                        .find(|a| a.bundle_id == id)
                        .map_or(id, |a| &a.name);
                    (name.to_string(), NodeKind::App, id.to_string())
                }
            };
            Node::over(name, kind, Some(id), domains, rows)
        })
        .collect();
    let mut node = Node::over(backup_name(backup), NodeKind::Backup, None, children, rows);
    node.cut(depth);
    node
}

/// One domain's node over the folders of `shares`, `levels` levels of folders below it.
fn domain_node<'a>(
    domain: &DomainInside,
    shares: impl Iterator<Item = &'a PlacedShare>,
    levels: usize,
    rows: usize,
) -> Node {
    let mut root = Trie::default();
    for share in shares {
        for (path, folder) in &share.inside.folders {
            root.insert(path, folder);
        }
    }
    root.into_node(
        domain.domain.clone(),
        NodeKind::Domain,
        Some(domain.domain.clone()),
        "",
        levels,
        rows,
    )
}

/// Folders merged from the shares of one domain, by path component.
#[derive(Default)]
struct Trie<'a> {
    direct: Counts,
    below: Counts,
    /// The largest files directly in this folder, from each share's list.
    files: Vec<&'a FileFacts>,
    kids: BTreeMap<&'a str, Trie<'a>>,
}

impl<'a> Trie<'a> {
    fn insert(&mut self, path: &'a str, folder: &'a Folder) {
        let mut node = self;
        // The scan kept folders only to a bounded depth: so is this walk.
        if !path.is_empty() {
            for part in path.split('/') {
                node = node.kids.entry(part).or_default();
            }
        }
        node.direct.merge(folder.direct);
        node.below.merge(folder.below);
        node.files.extend(folder.largest.sorted());
    }

    fn total(&self) -> Counts {
        let mut total = self.direct;
        total.merge(self.below);
        for kid in self.kids.values() {
            total.merge(kid.total());
        }
        total
    }

    fn into_node(
        self,
        name: String,
        kind: NodeKind,
        id: Option<String>,
        path: &str,
        levels: usize,
        rows: usize,
    ) -> Node {
        let total = self.total();
        if levels == 0 || (self.kids.is_empty() && self.direct.files == 0) {
            return Node::leaf(name, kind, id, total);
        }
        let join = |name: &str| match path {
            "" => name.to_string(),
            _ => format!("{path}/{name}"),
        };
        let mut children: Vec<Node> = self
            .files
            .iter()
            .map(|f| {
                let file_name = f.path.rsplit('/').next().unwrap_or(&f.path);
                Node::leaf(
                    file_name.to_string(),
                    NodeKind::File,
                    Some(f.path.to_string()),
                    Counts {
                        files: 1,
                        bytes: f.bytes,
                    },
                )
            })
            .collect();
        for (part, kid) in self.kids {
            let kid_path = join(part);
            children.push(kid.into_node(
                part.to_string(),
                NodeKind::Folder,
                Some(kid_path.clone()),
                &kid_path,
                levels - 1,
                rows,
            ));
        }
        Node::opened(name, kind, id, total, children, rows)
    }
}
