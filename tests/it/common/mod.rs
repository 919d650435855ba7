//! Shared helpers for the integration tests: sample backups, the binary, and tree snapshots.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use assert_cmd::Command;

use cloudfit_synth::{self as synth, Counts as ExpectedCounts, ExpectedBackup, SampleSet};
use serde_json::Value;

#[cfg(unix)]
mod terminal;
#[cfg(unix)]
mod unix;

/// A fixed clock so ages in the output do not drift with the date the tests run.
pub const NOW: &str = "2026-11-24T12:00:00Z";

/// A fresh copy of the generated sample set in a temp dir, with the generator's record of it.
pub fn sample() -> (tempfile::TempDir, SampleSet) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let record = synth::write_sample_set(tmp.path()).expect("write sample set");
    (tmp, record)
}

/// A password file for the sample set's two encrypted backups, written beside them (not inside `Backup`): a
/// scan given it reads every sample backup.
pub fn sample_passwords(root: &Path) -> PathBuf {
    let path = root.join("passwords.txt");
    std::fs::write(
        &path,
        format!(
            "00008030-0009783C22EA802E={}\n00008103-001C35A20E91801E={}\n",
            synth::SAM_PASSWORD,
            synth::LEE_PASSWORD
        ),
    )
    .expect("password file");
    path
}

/// The binary, with the clock pinned and colour off, run under the read-only guard (see [`Run`]).
pub fn cloudfit() -> Run {
    run_of(&assert_cmd::cargo::cargo_bin("cloudfit"))
}

fn run_of(program: &Path) -> Run {
    let mut cmd = std::process::Command::new(program);
    cmd.env("CLOUDFIT_NOW", NOW).env("NO_COLOR", "1");
    Run {
        cmd,
        args: Vec::new(),
        envs: Vec::new(),
        stdin: None,
        timeout: None,
        keep: Vec::new(),
    }
}

/// The address space every corpus run gets: the samples need a fraction of it, a reader that trusted a
/// damaged length would need far more.
pub const CORPUS_MEMORY: u64 = 256 << 20;

/// The binary as a user without special permissions: as root (who may read anything, so would never meet
/// an unreadable folder) it runs as `nobody`, from a copy that user may execute, and `tmp` (a temp dir,
/// made 0700) is opened to it. As anyone else it is [`cloudfit`].
pub fn cloudfit_unprivileged(tmp: &Path) -> Run {
    #[cfg(unix)]
    if let Some(run) = unix::unprivileged(tmp) {
        return run;
    }
    // Elsewhere (Windows) tests run as the user who owns the files: there is no root to step down from.
    let _ = tmp;
    cloudfit()
}

/// Sets a Unix mode; elsewhere only its write bits count, as the read-only attribute.
pub fn chmod(path: &Path, mode: u32) {
    #[cfg(unix)]
    let perms = {
        use std::os::unix::fs::PermissionsExt;
        std::fs::Permissions::from_mode(mode)
    };
    #[cfg(not(unix))]
    let perms = {
        let mut perms = std::fs::metadata(path).expect("metadata").permissions();
        perms.set_readonly(mode & 0o222 == 0);
        perms
    };
    std::fs::set_permissions(path, perms).expect("chmod");
}

/// One corpus run: `cloudfit scan --json ROOT ARGS` as a user without special permissions, inside
/// [`CORPUS_MEMORY`], under the read-only guard. Checks what every case must meet (no panic, done within
/// seconds, one whole JSON document on stdout), restores permissions for clean-up, and returns the document
/// with the run's output.
pub fn corpus_scan(name: &str, root: &Path, args: &[&OsStr]) -> (Value, std::process::Output) {
    corpus_run(name, "scan", root, args, None)
}

/// How long one corpus case may take. Under Wine (the Windows suite) a case runs up to 26 times slower: the
/// runaway Manifest.db case took 32.8 s there and 1.24 s natively.
const CASE_SECONDS: u64 = if cfg!(windows) { 50 } else { 20 };

/// The main-thread stack the corpora also run with: an eighth of the usual 8 MB, so a parser that recurses
/// on what a file says shows up long before a user's default stack would overflow.
pub const SMALL_STACK: u64 = 1 << 20;

/// [`corpus_scan`] for any command (`scan` or `list`), with the main thread's stack capped at `stack` bytes
/// when given (`ulimit -s`; worker threads keep their own 2 MB).
pub fn corpus_run(
    name: &str,
    command: &str,
    root: &Path,
    args: &[&OsStr],
    stack: Option<u64>,
) -> (Value, std::process::Output) {
    let started = std::time::Instant::now();
    let mut run = cloudfit_unprivileged(root);
    run.args([command, "--json"])
        .arg(root)
        .args(args)
        .timeout(std::time::Duration::from_secs(60))
        .memory_limit(CORPUS_MEMORY);
    if let Some(stack) = stack {
        run.stack_limit(stack);
    }
    let output = run.output().expect("run");
    let took = started.elapsed();
    make_removable(root);
    assert_no_panic(&output);
    if std::env::var_os("CORPUS_PRINT").is_some() {
        println!("-- {name}: {took:.2?}");
    }
    assert!(took.as_secs() < CASE_SECONDS, "{name}: took {took:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let doc = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{name}: stdout is not one JSON document ({e}); {stderr}"));
    (doc, output)
}

/// Runs every case of a corpus, two at a time (each is its own sample set and process; the machine has two
/// cores), and fails once at the end listing every case that failed and why.
pub fn run_cases<C: Sync>(cases: &[C], name: fn(&C) -> &str, run: fn(&C)) {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failed = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| loop {
                let at = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(case) = cases.get(at) else { break };
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(case)));
                if let Err(e) = outcome {
                    let message = e
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    let line = format!("{}: {message}", name(case));
                    failed.lock().unwrap_or_else(|p| p.into_inner()).push(line);
                }
            });
        }
    });
    let failed = failed.into_inner().unwrap_or_else(|p| p.into_inner());
    assert!(
        failed.is_empty(),
        "{} of {} cases failed:\n{}",
        failed.len(),
        cases.len(),
        failed.join("\n")
    );
}

/// Undoes permission damage so a temp dir can be removed by a user without special permissions.
pub fn make_removable(path: &Path) {
    let Ok(meta) = path.symlink_metadata() else {
        return;
    };
    if meta.is_dir() {
        chmod(path, 0o755);
        for entry in std::fs::read_dir(path).expect("list") {
            make_removable(&entry.expect("entry").path());
        }
    } else if meta.is_file() {
        chmod(path, 0o644);
    }
}

/// Runs `cloudfit ARGS --json` and parses stdout.
pub fn json(args: &[&std::ffi::OsStr]) -> (serde_json::Value, std::process::Output) {
    let output = cloudfit().args(args).arg("--json").output().expect("run");
    let value = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    (value, output)
}

/// `cloudfit scan ROOT --json` over a sample set in `root`, with the passwords of its encrypted backups.
pub fn scan_sample_json(root: &Path) -> (serde_json::Value, std::process::Output) {
    let passwords = sample_passwords(root);
    json(&[
        "scan".as_ref(),
        root.as_os_str(),
        "--password-file".as_ref(),
        passwords.as_os_str(),
    ])
}

/// One run of the binary that proves it wrote nothing: every folder and file named on the command line is
/// snapshotted before and after, and the run gets an empty `HOME`, `TMPDIR` and `SQLITE_TMPDIR` of its own
/// that must still be empty when it ends. Every integration test that runs the binary goes through this, so
/// every command on every format carries the read-only check.
pub struct Run {
    cmd: std::process::Command,
    args: Vec<OsString>,
    envs: Vec<OsString>,
    stdin: Option<Vec<u8>>,
    timeout: Option<std::time::Duration>,
    /// Temp dirs the run needs until it ends (a copy of the binary).
    keep: Vec<tempfile::TempDir>,
}

impl Run {
    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Self {
        self.args.push(arg.as_ref().to_owned());
        self.cmd.arg(arg);
        self
    }

    pub fn args<I, S>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        for arg in args {
            self.arg(arg);
        }
        self
    }

    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Self {
        self.envs.push(key.as_ref().to_owned());
        self.cmd.env(key, value);
        self
    }

    pub fn write_stdin(&mut self, input: impl Into<Vec<u8>>) -> &mut Self {
        self.stdin = Some(input.into());
        self
    }

    pub fn timeout(&mut self, limit: std::time::Duration) -> &mut Self {
        self.timeout = Some(limit);
        self
    }

    /// Runs as another user (the caller makes sure that user can reach the binary and the folders).
    #[cfg(unix)]
    pub fn as_user(&mut self, uid: u32, gid: u32) -> &mut Self {
        use std::os::unix::process::CommandExt;
        // std also drops root's supplementary groups when it switches user.
        self.cmd.uid(uid).gid(gid);
        self
    }

    /// Caps the run's address space: a run that tries to take more fails its allocation and dies, which the
    /// corpora then see as a run that did not end cleanly. Bounded memory, asserted (on Unix; elsewhere
    /// the run is not capped).
    pub fn memory_limit(&mut self, bytes: u64) -> &mut Self {
        #[cfg(unix)]
        unix::rlimit(&mut self.cmd, rustix::process::Resource::As, bytes);
        let _ = bytes;
        self
    }

    /// Caps the main thread's stack (`ulimit -s`): the kernel sizes it from this limit at exec (on Unix;
    /// a Windows executable's main stack is fixed at link time, 1 MB for Rust's targets: as small already).
    pub fn stack_limit(&mut self, bytes: u64) -> &mut Self {
        #[cfg(unix)]
        unix::rlimit(&mut self.cmd, rustix::process::Resource::Stack, bytes);
        let _ = bytes;
        self
    }

    /// Runs the binary; panics, naming what changed, if the run wrote anywhere it may not.
    pub fn output(&mut self) -> std::io::Result<std::process::Output> {
        let stdin = self.stdin.clone();
        let timeout = self.timeout;
        self.guarded(|cmd| {
            let mut cmd = Command::from_std(cmd);
            if let Some(input) = stdin {
                cmd.write_stdin(input);
            }
            if let Some(limit) = timeout {
                cmd.timeout(limit);
            }
            cmd.output()
        })
        .inspect(|output| {
            // Every JSON document any test sees is held to the codes contract.
            if let Ok(doc) = serde_json::from_slice::<Value>(&output.stdout) {
                assert_codes_documented(&doc);
            }
        })
    }

    /// Runs the binary with a terminal of its own (a pty as its controlling terminal and stdin; stdout and
    /// stderr piped), answering every password prompt with an empty line (skip). Returns the output and the
    /// prompts the terminal showed, under the same read-only guard as [`Run::output`].
    #[cfg(unix)]
    pub fn output_on_terminal(&mut self) -> std::io::Result<(std::process::Output, Vec<String>)> {
        self.guarded(terminal::run)
    }

    /// Runs the binary with its stdout on a terminal `columns` wide (0: one that does not say how wide), as
    /// a person sees it: the output's stdout is what the terminal showed. No prompt may be needed.
    #[cfg(unix)]
    pub fn output_on_terminal_of(&mut self, columns: u16) -> std::io::Result<std::process::Output> {
        self.guarded(|cmd| terminal::run_sized(cmd, columns))
    }

    /// Snapshots the watched paths and gives the run empty scratch folders, runs it, then checks that
    /// nothing changed and the scratch folders are still empty.
    fn guarded<T>(
        &mut self,
        run: impl FnOnce(std::process::Command) -> std::io::Result<T>,
    ) -> std::io::Result<T> {
        let watched = self.watched();
        let before: Vec<Snapshot> = watched.iter().map(|root| snapshot(root)).collect();
        let mut scratch = Vec::new();
        for var in ["HOME", "TMPDIR", "SQLITE_TMPDIR"] {
            if !self.envs.iter().any(|set| set == var) {
                let dir = tempfile::tempdir()?;
                self.cmd.env(var, dir.path());
                scratch.push((var, dir));
            }
        }
        let cmd = std::mem::replace(&mut self.cmd, std::process::Command::new("true"));
        let output = run(cmd)?;
        for (root, before) in watched.iter().zip(before) {
            assert_unchanged(&before, &snapshot(root), &self.args);
        }
        for (var, dir) in &scratch {
            let left: Vec<_> = std::fs::read_dir(dir.path())?.collect();
            assert!(
                left.is_empty(),
                "{:?} left {left:?} in its {var}",
                self.args
            );
        }
        Ok(output)
    }

    /// The existing paths among the arguments (a folder with all it holds), outermost only. A file named
    /// on the command line (a password file, a Manifest.db) is watched alone, not its whole folder.
    fn watched(&self) -> Vec<PathBuf> {
        let mut roots: Vec<PathBuf> = self
            .args
            .iter()
            .map(PathBuf::from)
            .filter(|path| path.symlink_metadata().is_ok())
            .collect();
        roots.sort();
        roots.dedup();
        let outer: Vec<PathBuf> = roots
            .iter()
            .filter(|r| !roots.iter().any(|o| o != *r && r.starts_with(o)))
            .cloned()
            .collect();
        outer
    }
}

/// Fails naming the paths that appeared, vanished or changed (not the whole trees).
pub fn assert_unchanged(before: &Snapshot, after: &Snapshot, what: &dyn std::fmt::Debug) {
    if before == after {
        return;
    }
    let mut changes = Vec::new();
    for (path, old) in before {
        match after.get(path) {
            None => changes.push(format!("removed {}", path.display())),
            Some(new) if new != old => {
                changes.push(format!("changed {}: {old:?} -> {new:?}", path.display()))
            }
            _ => {}
        }
    }
    for path in after.keys().filter(|p| !before.contains_key(*p)) {
        changes.push(format!("created {}", path.display()));
    }
    panic!("{what:?} changed the backup tree:\n{}", changes.join("\n"));
}

/// Every path under a root with its size, mtime (s, ns), mode and content hash (a symlink's target for a
/// link; `unreadable` where this user may not look).
pub type Snapshot = BTreeMap<PathBuf, (u64, i64, i64, u32, String)>;

/// Snapshots a tree: on Unix by walking it relative to open folders, so trees deeper than `PATH_MAX` work
/// too; elsewhere with walkdir, never following a link.
pub fn snapshot(root: &Path) -> Snapshot {
    #[cfg(unix)]
    return unix::snapshot(root);
    #[cfg(not(unix))]
    return portable_snapshot(root);
}

#[cfg(not(unix))]
fn portable_snapshot(root: &Path) -> Snapshot {
    use sha1::{Digest, Sha1};
    let mut out = Snapshot::new();
    for entry in walkdir::WalkDir::new(root) {
        let entry = entry.unwrap_or_else(|e| panic!("walk {}: {e}", root.display()));
        let meta = entry.path().symlink_metadata().expect("metadata");
        let content = if meta.file_type().is_symlink() {
            let target = std::fs::read_link(entry.path()).expect("read link");
            format!("-> {}", target.display())
        } else if meta.is_file() {
            let mut file = std::fs::File::open(entry.path()).expect("open");
            let mut hasher = Sha1::new();
            std::io::copy(&mut file, &mut hasher).expect("read");
            format!("{:x}", hasher.finalize())
        } else {
            String::new()
        };
        let modified = meta.modified().expect("mtime");
        let since = modified
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let mode = u32::from(meta.permissions().readonly());
        out.insert(
            entry.path().to_path_buf(),
            (
                meta.len(),
                since.as_secs() as i64,
                i64::from(since.subsec_nanos()),
                mode,
                content,
            ),
        );
    }
    out
}

pub fn counts(v: &Value) -> ExpectedCounts {
    ExpectedCounts {
        files: v["files"].as_u64().expect("files"),
        bytes: v["bytes"].as_u64().expect("bytes"),
    }
}

pub fn find<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["backups"]
        .as_array()
        .expect("backups array")
        .iter()
        .find(|b| b["id"] == id)
        .unwrap_or_else(|| panic!("backup {id} not reported"))
}

/// The message of the error reported for the backup or tree whose folder is named `id`.
pub fn error_message<'a>(doc: &'a Value, id: &str) -> &'a str {
    doc["errors"]
        .as_array()
        .expect("errors array")
        .iter()
        .find(|e| e["path"].as_str().is_some_and(|p| p.ends_with(id)))
        .and_then(|e| e["message"].as_str())
        .unwrap_or_else(|| panic!("no error for {id}: {}", doc["errors"]))
}

pub fn assert_backup_matches(got: &Value, want: &ExpectedBackup) {
    let id = &want.id;
    assert_eq!(got["udid"], want.udid.as_str(), "{id} udid");
    assert_eq!(
        got["device_name"],
        want.device_name.as_str(),
        "{id} device_name"
    );
    assert_eq!(
        got["product_type"],
        want.product_type.as_str(),
        "{id} product_type"
    );
    assert_eq!(
        got["ios_version"],
        want.ios_version.as_str(),
        "{id} ios_version"
    );
    assert_eq!(
        got["last_backup"],
        want.last_backup.as_str(),
        "{id} last_backup"
    );
    assert_eq!(got["encrypted"], want.encrypted, "{id} encrypted");
    assert_eq!(got["state"], want.state.as_str(), "{id} state");
    assert_eq!(got["archived"], want.archived, "{id} archived");
    assert_totals_match(got, want);
    assert_eq!(counts(&got["missing"]), want.missing, "{id} missing");
    assert_eq!(counts(&got["orphans"]), want.orphans, "{id} orphans");

    let apps: BTreeMap<String, (String, ExpectedCounts, BTreeSet<String>)> = got["apps"]
        .as_array()
        .expect("apps")
        .iter()
        .map(|a| {
            let domains = a["domains"].as_array().expect("domains");
            (
                a["bundle_id"].as_str().expect("bundle_id").to_string(),
                (
                    a["name"].as_str().expect("name").to_string(),
                    counts(a),
                    domains
                        .iter()
                        .map(|d| d.as_str().expect("domain").to_string())
                        .collect(),
                ),
            )
        })
        .collect();
    let want_apps: BTreeMap<String, (String, ExpectedCounts, BTreeSet<String>)> = want
        .apps
        .iter()
        .map(|(id, a)| {
            let c = ExpectedCounts {
                files: a.files,
                bytes: a.bytes,
            };
            (id.clone(), (a.name.clone(), c, a.domains.clone()))
        })
        .collect();
    assert_eq!(apps, want_apps, "{id} apps");

    let categories: BTreeMap<String, ExpectedCounts> = got["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .map(|c| (c["id"].as_str().expect("id").to_string(), counts(c)))
        .collect();
    assert_eq!(categories, want.categories, "{id} categories");

    let subsets: BTreeMap<String, ExpectedCounts> = got["subsets"]
        .as_array()
        .expect("subsets")
        .iter()
        .map(|c| (c["id"].as_str().expect("id").to_string(), counts(c)))
        .collect();
    assert_eq!(subsets, want.subsets, "{id} subsets");

    let domains: BTreeMap<String, ExpectedCounts> = got["domains"]
        .as_array()
        .expect("domains")
        .iter()
        .map(|d| (d["domain"].as_str().expect("domain").to_string(), counts(d)))
        .collect();
    assert_eq!(domains, want.domains, "{id} domains");
}

/// What a scan without the password must show of a backup: an encrypted one has no manifest figures.
pub fn locked(want: &ExpectedBackup) -> ExpectedBackup {
    if !want.encrypted {
        return want.clone();
    }
    ExpectedBackup {
        bytes: None,
        files: None,
        directories: None,
        symlinks: None,
        apps: Default::default(),
        categories: Default::default(),
        subsets: Default::default(),
        domains: Default::default(),
        ..want.clone()
    }
}

/// Exit code 101 is a Rust panic: never acceptable, whatever the input.
pub fn assert_no_panic(output: &std::process::Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_ne!(output.status.code(), Some(101), "panicked: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The codes the README's "Codes" table lists: the contract every JSON `code` is held to.
fn documented_codes() -> &'static BTreeSet<String> {
    static CODES: std::sync::OnceLock<BTreeSet<String>> = std::sync::OnceLock::new();
    CODES.get_or_init(|| {
        let readme = include_str!("../../../README.md");
        let table = readme
            .split_once("### Codes")
            .expect("the README has a Codes section")
            .1;
        let table = table.split("\n\n").nth(2).expect("the codes table");
        let mut codes = BTreeSet::new();
        for row in table.lines().filter(|l| l.starts_with('|')) {
            // The second column holds the codes, each in backticks.
            let cell = row.split('|').nth(2).unwrap_or_default();
            for (i, part) in cell.split('`').enumerate() {
                if i % 2 == 1 {
                    codes.insert(part.to_string());
                }
            }
        }
        assert!(codes.len() > 30, "{codes:?}");
        codes
    })
}

/// Every warning, assumption, note, error and skipped folder of a JSON document has a documented `code` and
/// a `message`: what scripts are promised (README, "Codes").
pub fn assert_codes_documented(doc: &Value) {
    let Some(version) = doc["schema_version"].as_u64() else {
        return;
    };
    assert_eq!(version, 2, "schema_version");
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let mut all = Vec::new();
    for backup in list(&doc["backups"]) {
        all.extend(list(&backup["warnings"]));
        all.extend(list(&backup["estimate"]["assumptions"]));
    }
    all.extend(list(&doc["plan"]["notes"]));
    all.extend(list(&doc["plan"]["estimate"]["assumptions"]));
    all.extend(list(&doc["diff"]["notes"]));
    all.extend(list(&doc["errors"]));
    all.extend(list(&doc["skipped"]));
    for object in &all {
        let code = object["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no code: {object}"));
        assert!(
            documented_codes().contains(code),
            "{code} is not in the README's Codes table: {object}"
        );
        let message = object["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "no message: {object}");
    }
}

/// The figures every layout knows: format, manifest totals and what the folder holds on disk.
pub fn assert_totals_match(got: &Value, want: &ExpectedBackup) {
    let id = &want.id;
    assert_eq!(got["format"], want.format.as_str(), "{id} format");
    assert_eq!(got["bytes"].as_u64(), want.bytes, "{id} bytes");
    assert_eq!(got["files"].as_u64(), want.files, "{id} files");
    assert_eq!(
        got["directories"].as_u64(),
        want.directories,
        "{id} directories"
    );
    assert_eq!(got["symlinks"].as_u64(), want.symlinks, "{id} symlinks");
    assert_eq!(
        got["disk_bytes"].as_u64(),
        Some(want.disk_bytes),
        "{id} disk_bytes"
    );
    assert_eq!(
        got["disk_files"].as_u64(),
        Some(want.disk_files),
        "{id} disk_files"
    );
}

/// The exit code, with stderr in the failure message.
pub fn assert_exit(output: &std::process::Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Renames an installed app in a generated backup's Info.plist: its iTunesMetadata `itemName`, which is
/// where cloudfit takes an app's name from.
pub fn rename_app(info_plist: &Path, id: &str, name: &str) {
    let mut info = plist::Value::from_file(info_plist).unwrap();
    let entry = info
        .as_dictionary_mut()
        .and_then(|d| d.get_mut("Applications"))
        .and_then(plist::Value::as_dictionary_mut)
        .and_then(|apps| apps.get_mut(id))
        .and_then(plist::Value::as_dictionary_mut)
        .unwrap_or_else(|| panic!("{id} in Info.plist"));
    let old = entry
        .get("iTunesMetadata")
        .and_then(plist::Value::as_data)
        .expect("iTunesMetadata");
    let mut metadata = plist::Value::from_reader(std::io::Cursor::new(old.to_vec())).unwrap();
    metadata
        .as_dictionary_mut()
        .unwrap()
        .insert("itemName".into(), name.into());
    let mut bytes = Vec::new();
    metadata.to_writer_binary(&mut bytes).unwrap();
    entry.insert("iTunesMetadata".into(), plist::Value::Data(bytes));
    info.to_file_xml(info_plist).unwrap();
}

/// The sample set's plain, current Manifest.db backup (Maya's iPhone): the one most tests look inside.
pub fn plain_current(record: &SampleSet) -> &ExpectedBackup {
    record
        .backups
        .iter()
        .find(|b| !b.encrypted && !b.archived && b.format == "manifest-db")
        .expect("a plain current backup in the sample set")
}
