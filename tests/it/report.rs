//! The HTML report in a real browser (Debian's `chromium`, headless): the page built from `scan --json` and
//! `plan --json` of the committed samples shows their figures for every backup, zooms when a rectangle is
//! clicked, shows names from plists as text, lays its treemap out squarified, makes no request, and draws a
//! screenshot at 1280×800 that is not blank.
//!
//! How chromium is driven without a DevTools client: a wrapper page (written next to nothing but itself in a
//! temp dir) loads the report in a 1280×800 iframe, same-origin thanks to `--allow-file-access-from-files`,
//! reads its DOM, clicks and types into it, calls its layout function, and writes what it saw, as JSON, into
//! its own DOM; `--dump-dom` prints that once the page settles (`--virtual-time-budget`), and Rust asserts.
//!
//! No request may leave the page, checked three ways: chromium runs in an empty network namespace
//! (`unshare -n`, where it works: nothing could get out even past the page's Content-Security-Policy); the
//! iframe's Resource Timing list must be empty (a request the policy blocked is listed there too); and
//! chromium's console log on stderr (`--enable-logging=stderr`, where every CSP violation, failed load and
//! uncaught error is written) must have no line at all. A control page that does reach out must trip both
//! checks, so they cannot pass vacuously.

#![cfg(target_os = "linux")]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use cloudfit_synth::LEE_PASSWORD;
use serde_json::{json, Value};

use crate::common;

/// The XSS probes put into the data: they must show as these very strings.
const IMG: &str = "<img src=x onerror=alert(1)>";
const APP: &str = "</script><b>Evil App</b>";
const FILE: &str = "Documents/</script><img src=x onerror=alert(1)>.txt";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/MobileSync")
}

// ---- The data: the real binary's documents, and a synthetic look inside each readable backup -------------

/// `scan --json` and `plan --json` of the samples given only Lee's password, so Sam's iPhone stays locked (a
/// backup the page can only list, with the reason).
fn documents(tmp: &Path) -> (Value, Value) {
    let passwords = tmp.join("passwords.txt");
    std::fs::write(
        &passwords,
        format!("00008103-001C35A20E91801E={LEE_PASSWORD}\n"),
    )
    .unwrap();
    let root = fixtures();
    let with = [
        "--password-file".as_ref(),
        passwords.as_os_str(),
        "--tier".as_ref(),
        "5GB".as_ref(),
        "--used".as_ref(),
        "4.99983GB".as_ref(),
    ];
    let (scan, output) = common::json(&["scan".as_ref(), root.as_os_str(), with[0], with[1]]);
    common::assert_exit(&output, 1);
    let mut args = vec!["plan".as_ref(), root.as_os_str()];
    args.extend(with);
    let (plan, output) = common::json(&args);
    // A plan for Maya's iPhone, with Sam's iPhone still locked (exit 1: not every backup was read).
    common::assert_exit(&output, 1);
    assert!(plan["plan"]["options"]
        .as_array()
        .is_some_and(|o| !o.is_empty()));
    (scan, plan)
}

/// A node whose folded rest is what its children leave of its figures.
fn node(
    name: &str,
    kind: &str,
    id: Option<&str>,
    bytes: u64,
    files: u64,
    children: Vec<Value>,
) -> Value {
    let (cb, cf) = children.iter().fold((0, 0), |(b, f), c| {
        (
            b + c["bytes"].as_u64().unwrap(),
            f + c["files"].as_u64().unwrap(),
        )
    });
    assert!(
        cb <= bytes && cf <= files,
        "{name}: children exceed their parent"
    );
    let more = if children.is_empty() || (cb, cf) == (bytes, files) {
        Value::Null
    } else {
        json!({"bytes": bytes - cb, "files": files - cf})
    };
    let mut children = children;
    children.sort_by_key(|c| std::cmp::Reverse(c["bytes"].as_u64()));
    json!({"name": name, "kind": kind, "id": id, "bytes": bytes, "files": files, "children": children,
           "more": more})
}

/// Two folders in a domain, each with its largest file; every figure a fixed share of the domain's.
fn folders(
    domain: &str,
    owner: &(Option<String>, String),
    bytes: u64,
    files: u64,
    out: &mut Vec<Value>,
) -> Vec<Value> {
    if files < 4 || bytes < 100 {
        return Vec::new();
    }
    let mut list = Vec::new();
    for (name, b, f) in [
        ("Library", bytes * 3 / 5, files / 2),
        ("Documents", bytes / 4, files / 4),
    ] {
        let file_bytes = b * 2 / 3;
        let file_name = if out.is_empty() {
            FILE.to_string()
        } else {
            format!("{name}/{}.db", out.len())
        };
        let leaf = file_name.rsplit('/').next().unwrap().to_string();
        // One file with no date, one missing on disk: the table must say both.
        let modified = (out.len() != 2).then_some("2026-10-01T09:30:00Z");
        out.push(
            json!({"domain": domain, "path": file_name, "app": owner.0, "category": owner.1,
                        "bytes": file_bytes, "modified": modified, "on_disk": out.len() != 3}),
        );
        let file = node(&leaf, "file", None, file_bytes, 1, Vec::new());
        list.push(node(name, "folder", None, b, f, vec![file]));
    }
    list
}

/// The look inside one backup, built from its scan figures: data types (the `apps` type split into its
/// apps), then domains, folders and files; seven largest children at the top, the rest folded.
fn inside(backup: &Value, hostile_app: bool) -> Value {
    let mut files = Vec::new();
    let domain_bytes: std::collections::HashMap<&str, (u64, u64)> = backup["domains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["domain"].as_str().unwrap(),
                (d["bytes"].as_u64().unwrap(), d["files"].as_u64().unwrap()),
            )
        })
        .collect();
    let mut top = Vec::new();
    for c in backup["categories"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap();
        if id == "apps" {
            continue;
        }
        let owner = (None, id.to_string());
        let mut domains: Vec<(String, u64, u64)> = Vec::new();
        for p in c["paths"].as_array().unwrap() {
            let d = p["domain"].as_str().unwrap().to_string();
            let (b, f) = (p["bytes"].as_u64().unwrap(), p["files"].as_u64().unwrap());
            match domains.iter_mut().find(|(name, ..)| *name == d) {
                Some(entry) => (entry.1, entry.2) = (entry.1 + b, entry.2 + f),
                None => domains.push((d, b, f)),
            }
        }
        let children = domains
            .iter()
            .map(|(d, b, f)| {
                node(
                    d,
                    "domain",
                    None,
                    *b,
                    *f,
                    folders(d, &owner, *b, *f, &mut files),
                )
            })
            .collect();
        let label = c["label"].as_str().unwrap();
        top.push(node(
            label,
            "category",
            Some(id),
            c["bytes"].as_u64().unwrap(),
            c["files"].as_u64().unwrap(),
            children,
        ));
    }
    for (i, a) in backup["apps"].as_array().unwrap().iter().enumerate() {
        let bundle = a["bundle_id"].as_str().unwrap();
        let owner = (Some(bundle.to_string()), "apps".to_string());
        let (bytes, count) = (a["bytes"].as_u64().unwrap(), a["files"].as_u64().unwrap());
        let mut children: Vec<Value> = a["domains"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_str().unwrap())
            .filter_map(|d| {
                let (b, f) = *domain_bytes.get(d)?;
                Some(node(
                    d,
                    "domain",
                    None,
                    b,
                    f,
                    folders(d, &owner, b, f, &mut files),
                ))
            })
            .collect();
        let (cb, cf) = children.iter().fold((0, 0), |(b, f), c| {
            (
                b + c["bytes"].as_u64().unwrap(),
                f + c["files"].as_u64().unwrap(),
            )
        });
        if cb > bytes || cf > count {
            children.clear();
        }
        let name = if hostile_app && i == 0 {
            APP
        } else {
            a["name"].as_str().unwrap()
        };
        top.push(node(name, "app", Some(bundle), bytes, count, children));
    }
    top.sort_by_key(|c| std::cmp::Reverse(c["bytes"].as_u64()));
    let rest = top.split_off(7.min(top.len()));
    let (rb, rf) = rest.iter().fold((0, 0), |(b, f), c| {
        (
            b + c["bytes"].as_u64().unwrap(),
            f + c["files"].as_u64().unwrap(),
        )
    });
    let (bytes, count) = (
        backup["bytes"].as_u64().unwrap(),
        backup["files"].as_u64().unwrap(),
    );
    let tree = node(
        backup["device_name"].as_str().unwrap(),
        "backup",
        None,
        bytes,
        count,
        top,
    );
    assert_eq!(
        tree["more"],
        json!({"bytes": rb, "files": rf}),
        "the folded data types and apps"
    );
    files.sort_by_key(|f| std::cmp::Reverse(f["bytes"].as_u64()));
    files.truncate(12);
    // The probe must be listed, however small.
    if !files.iter().any(|f| f["path"] == FILE) {
        files.pop();
        files.push(json!({"domain": "HomeDomain", "path": FILE, "app": null, "category": "other", "bytes": 1,
                          "modified": null, "on_disk": true}));
    }
    // Sizes that are exact ties at two decimals (1.125 kB, 2.625 MB): Rust rounds them to even, as the page
    // must; JavaScript's toFixed would round them up.
    for (i, bytes) in [1_125_u64, 2_625_000].into_iter().enumerate() {
        files.push(
            json!({"domain": "MediaDomain", "path": format!("Media/tie-{i}.bin"), "app": null,
                          "category": "other", "bytes": bytes, "modified": null, "on_disk": true}),
        );
    }
    files.sort_by_key(|f| std::cmp::Reverse(f["bytes"].as_u64()));
    json!({"path": backup["path"], "tree": tree, "files": files})
}

/// The report's data for the samples, with the XSS probes in a device name, an app name and a file path.
fn report_data(tmp: &Path) -> Value {
    let (mut scan, plan) = documents(tmp);
    for b in scan["backups"].as_array_mut().unwrap() {
        if b["id"] == "5d1a3c9e8b7f46021c4e9a0b3d2f7e816a4c0b95" {
            b["device_name"] = IMG.into();
            b["display_name"] = IMG.into();
        }
    }
    let mut looks = Vec::new();
    for (i, b) in scan["backups"].as_array().unwrap().iter().enumerate() {
        if b["bytes"].is_u64() {
            looks.push(inside(b, i == 0));
        }
    }
    json!({"schema_version": 1, "generated_at": common::NOW, "scan": scan, "plan": plan, "inside": looks})
}

fn write_report(tmp: &Path, data: &Value) -> PathBuf {
    let html = cloudfit::render::report::report_html(data).expect("report_html");
    let path = tmp.join("report.html");
    std::fs::write(&path, html).unwrap();
    path
}

// ---- Driving chromium -----------------------------------------------------------------------------------

/// The browser binary: `CLOUDFIT_CHROMIUM`, or chromium (Debian's package) or Chrome on `PATH`. Missing, the
/// test fails saying how to install it: a browser test that passes without a browser proves nothing.
fn chromium() -> &'static Path {
    static FOUND: OnceLock<PathBuf> = OnceLock::new();
    FOUND.get_or_init(|| {
        if let Some(path) = std::env::var_os("CLOUDFIT_CHROMIUM") {
            return PathBuf::from(path);
        }
        let path = std::env::var_os("PATH").unwrap_or_default();
        for dir in std::env::split_paths(&path) {
            for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
                let candidate = dir.join(name);
                if candidate.is_file() {
                    return candidate;
                }
            }
        }
        panic!(
            "the report's browser tests need Chromium, and none is installed: `apt-get install -y chromium` \
             (Debian), or set CLOUDFIT_CHROMIUM to a Chromium or Chrome binary"
        )
    })
}

/// Whether this machine lets us run a program with no network at all (`unshare -n`: a namespace with only a
/// loopback, and that down). Containers without CAP_SYS_ADMIN cannot; the other two checks still hold.
fn empty_network() -> bool {
    static WORKS: OnceLock<bool> = OnceLock::new();
    *WORKS.get_or_init(|| {
        let works = std::process::Command::new("unshare")
            .args(["-n", "true"])
            .output()
            .is_ok_and(|o| o.status.success());
        if !works {
            eprintln!("note: `unshare -n` does not work here; chromium runs with the network, the CSP and log checks still apply");
        }
        works
    })
}

/// One headless chromium run on `url` with `args`: its stdout, and every console line it logged (CSP
/// violations, failed loads, uncaught errors, console calls).
fn chromium_run(url: &str, args: &[OsString]) -> (String, Vec<String>) {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = if empty_network() {
        let mut cmd = assert_cmd::Command::new("unshare");
        cmd.arg("-n").arg(chromium());
        cmd
    } else {
        assert_cmd::Command::new(chromium())
    };
    cmd.args([
        "--headless",
        "--disable-gpu",
        // Root in a container has no user namespaces for chromium's sandbox.
        "--no-sandbox",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-sync",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-dev-shm-usage",
        "--mute-audio",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .args(args)
    .arg(url)
    // Chromium writes caches and settings under HOME: keep them in the temp profile.
    .env("HOME", profile.path())
    .env("XDG_CONFIG_HOME", profile.path())
    .env("XDG_CACHE_HOME", profile.path())
    .timeout(std::time::Duration::from_secs(120));
    let output = cmd.output().expect("run chromium");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "chromium failed on {url}: {stderr}"
    );
    let console = stderr
        .lines()
        .filter(|l| {
            l.contains(":CONSOLE")
                || l.contains("Content Security Policy")
                || l.contains("net::ERR_")
        })
        // Chromium's own pages (chrome://: its new-tab page and UI components) log too; only ours count.
        .filter(|l| !l.contains("source: chrome://") && !l.contains("source: devtools://"))
        .map(str::to_string)
        .collect();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        console,
    )
}

/// `file://` URL of an absolute path, percent-encoding all but unreserved characters and `/`.
fn file_url(path: &Path) -> String {
    let path = std::fs::canonicalize(path).unwrap();
    let mut url = String::from("file://");
    for b in path.as_os_str().as_encoded_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                url.push(char::from(*b))
            }
            _ => url.push_str(&format!("%{b:02X}")),
        }
    }
    url
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// JSON that can sit in a `<script>` block whatever its strings hold (the wrapper's own copy of the rule).
fn script_json(v: &Value) -> String {
    serde_json::to_string(v)
        .unwrap()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

/// The wrapper's script: reads the report in its iframe, acts on it, and writes what it saw into #observed
/// (percent-encoded JSON, which HTML serialization leaves as it is).
const WRAPPER_JS: &str = r#"
const config = JSON.parse(document.getElementById('config').textContent);
const frame = document.getElementById('frame');
const num = (e, a) => (e && e.getAttribute(a) !== null ? Number(e.getAttribute(a)) : null);
const all = (root, sel) => Array.from(root.querySelectorAll(sel));
const text = e => (e ? e.textContent : null);
function rows(s) {
  return all(s, 'table.children tbody tr').map(r => ({
    name: r.getAttribute('data-name'), bytes: num(r, 'data-bytes'), files: num(r, 'data-files'),
    folded: r.hasAttribute('data-folded'), share: r.cells[2].textContent }));
}
function rects(map) {
  return all(map, '.tm-rect[data-depth="1"]').map(r => ({
    name: r.getAttribute('data-name'), bytes: num(r, 'data-bytes'), files: num(r, 'data-files'),
    zoomable: r.hasAttribute('data-zoomable'), title: r.title,
    left: r.offsetLeft, top: r.offsetTop, width: r.offsetWidth, height: r.offsetHeight }));
}
function state(s) {
  const map = s.querySelector('.treemap');
  return { name: map.getAttribute('data-name'), bytes: num(map, 'data-bytes'), files: num(map, 'data-files'),
    depth: num(map, 'data-depth'), width: map.clientWidth, height: map.clientHeight,
    crumbs: all(s, '.crumbs button, .crumbs .here').map(text), table: rows(s), rects: rects(map),
    upDisabled: s.querySelector('button.up').disabled };
}
function zoom(d, s) {
  const map = s.querySelector('.treemap');
  const target = map.querySelector('.tm-rect[data-depth="1"][data-zoomable]');
  if (!target) return null;
  const before = state(s);
  // A real hit: the point in the rectangle's label band, as the browser's hit testing finds it.
  target.scrollIntoView({ block: 'center' });
  const box = target.getBoundingClientRect();
  const x = box.left + Math.min(box.width / 2, 20), y = box.top + 6;
  const hit = d.elementFromPoint(x, y);
  const clicked = { name: target.getAttribute('data-name'), bytes: num(target, 'data-bytes'),
    hit: hit ? (hit.closest('.tm-rect') === target) : false };
  (hit || target).dispatchEvent(new MouseEvent('click', { bubbles: true, clientX: x, clientY: y }));
  const after = state(s);
  s.querySelector('button.up').click();
  const up = state(s);
  const key = map.querySelector('.tm-rect[tabindex="0"]');
  const keyed = { name: key.getAttribute('data-name'), bytes: num(key, 'data-bytes') };
  key.focus();
  key.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
  const byKey = state(s);
  const focusInside = d.activeElement ? d.activeElement.closest('.treemap') === map : false;
  d.activeElement.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
  const escaped = state(s);
  return { clicked, before, after, up, keyed, byKey, focusInside, escaped };
}
function backup(d, s) {
  const figures = {};
  all(s, '[data-figure]').forEach(e => { figures[e.getAttribute('data-figure')] = num(e, 'data-bytes'); });
  const map = s.querySelector('.treemap');
  return {
    path: s.getAttribute('data-path'), device: text(s.querySelector('h2')), figures,
    reasons: all(s, '.unreadable .reason').map(text), warnings: all(s, '.warnings li').map(text),
    assumptions: all(s, '.assumptions li').map(text),
    removed: all(s, 'table.removed tbody tr').map(r => num(r.querySelector('.size'), 'data-bytes')),
    treemap: map ? state(s) : null,
    files: all(s, 'table.files tbody tr').map(r => ({ path: r.getAttribute('data-path'),
      domain: r.getAttribute('data-domain'), bytes: num(r, 'data-bytes'), text: text(r.cells[0]) })),
    zoom: map ? zoom(d, s) : null,
  };
}
function plan(d) {
  const s = d.querySelector('section.plan');
  if (!s) return null;
  return { heading: text(s.querySelector('h2')), verdict: text(s.querySelector('.verdict')),
    reasons: all(s, '.reason').map(text), header: text(d.querySelector('header .verdict')),
    options: all(s, 'li.option').map(li => ({ kind: li.getAttribute('data-kind'),
      frees: num(li.querySelector('[data-figure="frees"]'), 'data-bytes'),
      items: all(li, 'tbody tr').map(r => num(r.querySelector('.size'), 'data-bytes')) })),
    used: num(s.querySelector('[data-figure="used"]'), 'data-bytes'),
    needed: num(s.querySelector('[data-figure="needed"]'), 'data-bytes'),
    estimate: num(s.querySelector('[data-figure="plan-estimate"]'), 'data-bytes') };
}
function observe() {
  const obs = {};
  try {
    const w = frame.contentWindow, d = frame.contentDocument;
    obs.resources = w.performance.getEntriesByType('resource').map(e => e.name);
    obs.elements = all(d, 'img, b, iframe, object, embed, form, [onerror], [onclick], [onload]').length;
    obs.bodyText = d.body.textContent;
    obs.needles = config.needles.map(n => d.body.textContent.includes(n));
    obs.sizes = all(d, 'span.size').map(e => [num(e, 'data-bytes'), e.textContent, e.title]);
    obs.overview = all(d, 'section.overview tbody tr').map(r => ({ path: r.getAttribute('data-path'),
      device: text(r.cells[0]), bytes: num(r.querySelector('.size'), 'data-bytes') }));
    obs.notRead = all(d, 'section.not-read li').map(text);
    obs.plan = plan(d);
    obs.layouts = config.layouts.map(l => w.cloudfitSquarify(l.values, l.x, l.y, l.w, l.h));
    obs.backups = all(d, 'section.backup').map(s => backup(d, s));
  } catch (e) {
    obs.error = String(e && e.stack || e);
  }
  // Narrower: the page must fit 600 px with no sideways scroll, its treemaps redrawn to their new width.
  // The redraw comes with a rendering frame, which a loaded machine may give late: looked at every 100 ms
  // until every treemap fits, for at most 3 s, and what was seen last is what the test judges.
  frame.style.width = '600px';
  let tries = 0;
  const look = () => {
    try {
      const d = frame.contentDocument;
      obs.narrow = { scrollWidth: d.documentElement.scrollWidth, clientWidth: d.documentElement.clientWidth,
        maps: all(d, '.treemap').map(m => ({ width: m.clientWidth,
          right: Math.max(0, ...all(m, '.tm-rect').map(r => r.offsetLeft + r.offsetWidth)) })) };
    } catch (e) {
      obs.error = (obs.error || '') + String(e && e.stack || e);
    }
    const fits = obs.narrow && obs.narrow.maps.every(m => m.right <= m.width);
    if (!fits && ++tries < 30) return setTimeout(look, 100);
    document.getElementById('observed').textContent = encodeURIComponent(JSON.stringify(obs));
  };
  setTimeout(look, 100);
}
frame.addEventListener('load', observe);
"#;

/// What the wrapper saw of a report, and what chromium logged.
struct Seen {
    doc: Value,
    console: Vec<String>,
}

/// Loads `report` in the wrapper page and returns what it saw. `needles` are strings that must show as text;
/// `layouts` are inputs for the page's layout function.
fn observe(report: &Path, needles: &[&str], layouts: &Value) -> Seen {
    let dir = tempfile::tempdir().unwrap();
    let config = json!({"needles": needles, "layouts": layouts});
    let wrapper = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"></head><body>\
         <pre id=\"observed\"></pre>\
         <script type=\"application/json\" id=\"config\">{}</script>\
         <iframe id=\"frame\" src=\"{}\" style=\"width:1280px;height:800px;border:0\"></iframe>\
         <script>{WRAPPER_JS}</script></body></html>",
        script_json(&config),
        file_url(report)
    );
    let path = dir.path().join("wrapper.html");
    std::fs::write(&path, wrapper).unwrap();
    let (dom, console) = chromium_run(
        &file_url(&path),
        &[
            "--allow-file-access-from-files".into(),
            "--window-size=1400,1000".into(),
            "--virtual-time-budget=15000".into(),
            "--dump-dom".into(),
        ],
    );
    let start = dom
        .find("<pre id=\"observed\">")
        .expect("the wrapper's #observed")
        + 19;
    let encoded = &dom[start..start + dom[start..].find("</pre>").unwrap()];
    assert!(
        !encoded.is_empty(),
        "the wrapper saw nothing: did the report load? console: {console:#?}"
    );
    let doc: Value = serde_json::from_str(&percent_decode(encoded)).expect("the wrapper's JSON");
    Seen { doc, console }
}

/// A screenshot, decoded.
struct Shot {
    width: u32,
    height: u32,
    pixels: Vec<[u8; 3]>,
    console: Vec<String>,
}

/// A screenshot of `report` at 1280×800, with the console lines of its load.
fn screenshot(report: &Path) -> Shot {
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("report.png");
    let (_, console) = chromium_run(
        &file_url(report),
        &[
            "--window-size=1280,800".into(),
            "--virtual-time-budget=5000".into(),
            format!("--screenshot={}", shot.display()).into(),
        ],
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&shot).expect("the screenshot"),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("PNG size")];
    let info = reader.next_frame(&mut buf).expect("PNG frame");
    let channels = info.color_type.samples();
    assert!(
        info.bit_depth == png::BitDepth::Eight && channels >= 3,
        "{info:?}"
    );
    let pixels = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    Shot {
        width: info.width,
        height: info.height,
        pixels,
        console,
    }
}

// ---- The checks -----------------------------------------------------------------------------------------

/// What a report must show: the documents it was made from, and (when the caller has them) the trees and
/// files; without those, the page's own data block is read from the file and held to the contract.
pub struct Want<'a> {
    pub scan: &'a Value,
    pub plan: Option<&'a Value>,
    pub inside: Option<&'a [Value]>,
    /// Strings that must appear in the page as text (names that look like markup).
    pub needles: &'a [&'a str],
}

/// The data block of a report file, parsed.
fn embedded_data(html: &str) -> Value {
    let open = r#"<script type="application/json" id="cloudfit-data">"#;
    let start = html.find(open).expect("the data block") + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).expect("the data block is JSON")
}

/// The browser test, on any report file: loads it from `file://` in headless chromium (with no network
/// where `unshare -n` works) and checks every figure against `want`, zooming, keyboard, names as text, no
/// request, no console line, the narrow layout, and a screenshot at 1280×800 that is not blank.
pub fn check_report_in_browser(report: &Path, want: &Want) {
    let html = std::fs::read_to_string(report).unwrap();
    let data = embedded_data(&html);
    let inside: Vec<Value> = match want.inside {
        Some(list) => list.to_vec(),
        None => data["inside"].as_array().cloned().unwrap_or_default(),
    };
    for entry in &inside {
        assert_tree_adds_up(&entry["tree"]);
    }
    let seen = observe(report, want.needles, &json!([]));
    let doc = &seen.doc;
    assert!(
        doc["error"].is_null(),
        "the wrapper failed: {}",
        doc["error"]
    );
    assert_eq!(
        seen.console,
        Vec::<String>::new(),
        "console lines (CSP violations, failed loads, errors)"
    );
    assert_eq!(doc["resources"], json!([]), "requests the page made");
    assert_eq!(
        doc["elements"], 0,
        "markup that came from data (img, b, handlers)"
    );
    for (needle, found) in want.needles.iter().zip(doc["needles"].as_array().unwrap()) {
        assert_eq!(found, true, "{needle:?} does not show as text");
    }
    assert_sizes_read_as_apple_counts(doc);

    let backups = want.scan["backups"].as_array().unwrap();
    let shown = doc["backups"].as_array().unwrap();
    assert_eq!(shown.len(), backups.len(), "one section per backup");
    assert_eq!(
        doc["overview"].as_array().unwrap().len(),
        backups.len(),
        "one row per backup"
    );
    for (i, b) in backups.iter().enumerate() {
        let path = b["path"].as_str().unwrap();
        let entry = inside.iter().find(|e| e["path"] == path);
        check_backup(b, &shown[i], &doc["overview"][i], entry, want.scan);
    }
    check_plan(want.plan, &doc["plan"]);
    let narrow = &doc["narrow"];
    assert!(
        narrow["scrollWidth"].as_u64() <= narrow["clientWidth"].as_u64(),
        "sideways scroll at 600 px: {narrow}"
    );
    for m in narrow["maps"].as_array().unwrap() {
        assert!(m["width"].as_u64().unwrap() > 300, "{narrow}");
        assert!(
            m["right"].as_u64() <= m["width"].as_u64(),
            "a rectangle past its treemap at 600 px: {m}"
        );
    }

    let Shot {
        width,
        height,
        pixels,
        console,
    } = screenshot(report);
    assert_eq!((width, height), (1280, 800));
    assert_eq!(
        console,
        Vec::<String>::new(),
        "console lines on the screenshot's load"
    );
    assert_not_blank(&pixels);
}

/// The screenshot shows a drawn page: many colours, and a treemap's worth of coloured (not grey) pixels.
fn assert_not_blank(pixels: &[[u8; 3]]) {
    let colours: std::collections::HashSet<[u8; 3]> = pixels.iter().copied().collect();
    let inked = pixels.iter().filter(|p| p.iter().any(|&c| c < 235)).count();
    let coloured = pixels
        .iter()
        .filter(|p| p.iter().max().unwrap() - p.iter().min().unwrap() >= 40)
        .count();
    let total = pixels.len();
    assert!(colours.len() >= 64, "{} colours: blank?", colours.len());
    assert!(
        inked * 20 >= total,
        "{inked} of {total} pixels not white: blank?"
    );
    assert!(
        coloured * 20 >= total,
        "{coloured} of {total} pixels coloured: no treemap on the first screen?"
    );
}

/// Every size on the page reads as cloudfit's tables print it (humansize, decimal), exact bytes in its title.
fn assert_sizes_read_as_apple_counts(doc: &Value) {
    let sizes = doc["sizes"].as_array().unwrap();
    assert!(sizes.len() > 50, "{} sizes", sizes.len());
    for s in sizes {
        let bytes = s[0].as_u64().unwrap_or_else(|| panic!("data-bytes of {s}"));
        assert_eq!(
            s[1],
            humansize::format_size(bytes, humansize::DECIMAL),
            "{s}"
        );
        assert_eq!(s[2], format!("{} bytes", thousands(bytes)), "{s}");
    }
}

/// A share as cloudfit's tables print it: one decimal, `<0.1%` for a sliver.
fn share(part: u64, total: u64) -> String {
    let pct = part as f64 * 100.0 / total as f64;
    if part > 0 && pct < 0.05 {
        "<0.1%".into()
    } else {
        format!("{pct:.1}%")
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The contract: children, largest first, and the folded rest add up to their parent exactly.
fn assert_tree_adds_up(node: &Value) {
    let name = &node["name"];
    let children = node["children"].as_array().unwrap();
    if children.is_empty() && node["more"].is_null() {
        return;
    }
    let (mut bytes, mut files) = (
        node["more"]["bytes"].as_u64().unwrap_or(0),
        node["more"]["files"].as_u64().unwrap_or(0),
    );
    let mut last = u64::MAX;
    for c in children {
        let b = c["bytes"].as_u64().unwrap();
        assert!(b <= last, "{name}: children not largest first");
        last = b;
        bytes += b;
        files += c["files"].as_u64().unwrap();
        assert_tree_adds_up(c);
    }
    assert_eq!(
        (bytes, files),
        (
            node["bytes"].as_u64().unwrap(),
            node["files"].as_u64().unwrap()
        ),
        "{name}"
    );
}

/// A node's parts as the page lists them: (name, bytes, files, folded); the treemap leaves out the empty ones.
fn parts(node: &Value) -> Vec<(String, u64, u64, bool)> {
    let mut list: Vec<_> = node["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["bytes"].as_u64().unwrap(),
                c["files"].as_u64().unwrap(),
                false,
            )
        })
        .collect();
    let more = &node["more"];
    if more.is_object() && (more["bytes"] != 0 || more["files"] != 0) {
        list.push((
            "Everything else".into(),
            more["bytes"].as_u64().unwrap(),
            more["files"].as_u64().unwrap(),
            true,
        ));
    }
    list
}

fn table_rows(shown: &Value) -> Vec<(String, u64, u64, bool)> {
    shown
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["bytes"].as_u64().unwrap(),
                r["files"].as_u64().unwrap(),
                r["folded"] == true,
            )
        })
        .collect()
}

fn check_backup(b: &Value, shown: &Value, row: &Value, inside: Option<&Value>, scan: &Value) {
    let path = b["path"].as_str().unwrap();
    let name = b["display_name"].as_str().unwrap_or(path);
    assert_eq!(shown["path"], path);
    assert_eq!(shown["device"], name, "{path}");
    assert_eq!(row["path"], path);
    assert_eq!(row["device"], name, "{path}");
    let figures = &shown["figures"];
    match b["bytes"].as_u64() {
        Some(bytes) => {
            assert_eq!(figures["total"], bytes, "{path}");
            assert_eq!(figures["disk"], b["disk_bytes"], "{path}");
            assert_eq!(row["bytes"], bytes, "{path}");
        }
        None => {
            assert_eq!(figures["total-disk"], b["disk_bytes"], "{path}");
            assert_eq!(row["bytes"], b["disk_bytes"], "{path}");
        }
    }
    let messages = |v: &Value| -> Vec<Value> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x["message"].clone())
            .collect()
    };
    assert_eq!(
        shown["warnings"].as_array().unwrap(),
        &messages(&b["warnings"]),
        "{path} warnings"
    );
    let reasons: Vec<Value> = scan["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["path"] == path)
        .map(|e| e["message"].clone())
        .collect();
    assert_eq!(
        shown["reasons"].as_array().unwrap(),
        &reasons,
        "{path} reasons"
    );
    let e = &b["estimate"];
    if e.is_null() {
        assert!(figures["estimate"].is_null(), "{path}");
    } else {
        for (figure, field) in [
            ("estimate", "bytes"),
            ("estimate-low", "low"),
            ("estimate-high", "high"),
            ("estimate-local", "local_bytes"),
        ] {
            assert_eq!(figures[figure], e[field], "{path} {figure}");
        }
        assert_eq!(
            shown["assumptions"].as_array().unwrap(),
            &messages(&e["assumptions"]),
            "{path}"
        );
        let removed: Vec<&Value> = e["removed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["bytes"])
            .collect();
        assert_eq!(
            shown["removed"]
                .as_array()
                .unwrap()
                .iter()
                .collect::<Vec<_>>(),
            removed,
            "{path}"
        );
    }

    let Some(inside) = inside else {
        assert!(shown["treemap"].is_null(), "{path}: a treemap without data");
        assert!(
            !reasons.is_empty() || b["bytes"].is_u64(),
            "{path}: neither contents nor a reason"
        );
        return;
    };
    let tree = &inside["tree"];
    let map = &shown["treemap"];
    assert_eq!(
        tree["bytes"], b["bytes"],
        "{path}: the tree's bytes are the backup's"
    );
    assert_eq!(map["bytes"], b["bytes"], "{path}");
    assert_eq!(map["depth"], 0, "{path}");
    assert_eq!(
        table_rows(&map["table"]),
        parts(tree),
        "{path}: the table of the top level"
    );
    check_rects(path, map, tree);
    for r in map["table"].as_array().unwrap() {
        assert_eq!(
            r["share"],
            share(
                r["bytes"].as_u64().unwrap(),
                tree["bytes"].as_u64().unwrap()
            ),
            "{path}: {r}"
        );
    }
    let files: Vec<(&Value, &Value, &Value)> = inside["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (&f["path"], &f["domain"], &f["bytes"]))
        .collect();
    let shown_files: Vec<(&Value, &Value, &Value)> = shown["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (&f["path"], &f["domain"], &f["bytes"]))
        .collect();
    assert_eq!(shown_files, files, "{path}: largest files");

    // Zoom: a click on a rectangle shows that node; Up, Enter and Escape move as they say.
    let z = &shown["zoom"];
    assert!(z.is_object(), "{path}: nothing to zoom into");
    assert_eq!(
        z["clicked"]["hit"], true,
        "{path}: the click point is not on the rectangle"
    );
    let clicked = child(tree, &z["clicked"]["name"]);
    assert_eq!(z["clicked"]["bytes"], clicked["bytes"]);
    let after = &z["after"];
    assert_eq!(after["depth"], 1, "{path}: the click did not zoom in");
    assert_eq!(after["name"], clicked["name"]);
    assert_eq!(after["bytes"], clicked["bytes"]);
    assert_eq!(
        after["crumbs"],
        json!([tree["name"], clicked["name"]]),
        "{path}"
    );
    assert_eq!(after["upDisabled"], false);
    assert_eq!(
        table_rows(&after["table"]),
        parts(clicked),
        "{path}: the table after zooming"
    );
    check_rects(path, after, clicked);
    assert_eq!(z["up"]["depth"], 0, "{path}: Up");
    assert_eq!(z["up"]["bytes"], tree["bytes"]);
    assert_eq!(z["up"]["upDisabled"], true);
    let keyed = child(tree, &z["keyed"]["name"]);
    assert_eq!(z["byKey"]["depth"], 1, "{path}: Enter");
    assert_eq!(z["byKey"]["bytes"], keyed["bytes"]);
    assert_eq!(
        z["focusInside"], true,
        "{path}: focus left the treemap after Enter"
    );
    assert_eq!(z["escaped"]["depth"], 0, "{path}: Escape");
}

fn child<'a>(node: &'a Value, name: &Value) -> &'a Value {
    node["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| &c["name"] == name)
        .unwrap_or_else(|| panic!("no child {name} of {}", node["name"]))
}

/// The top-level rectangles: the node's non-empty parts in order (a part under a pixel may be left out, but
/// none with 1% of the area), inside the treemap, with areas in proportion and exact bytes in the title.
fn check_rects(path: &str, map: &Value, node: &Value) {
    let want: Vec<_> = parts(node).into_iter().filter(|p| p.1 > 0).collect();
    let rects = map["rects"].as_array().unwrap();
    let (w, h) = (
        map["width"].as_f64().unwrap(),
        map["height"].as_f64().unwrap(),
    );
    assert!(w > 300.0 && h > 200.0, "{path}: treemap {w}×{h}");
    let total = node["bytes"].as_f64().unwrap();
    let mut at = want.iter();
    for r in rects {
        let name = r["name"].as_str().unwrap();
        let part = at
            .find(|p| p.0 == name)
            .unwrap_or_else(|| panic!("{path}: rectangle {name} is not a part, or out of order"));
        assert_eq!(r["bytes"], part.1, "{path}: {name}");
        assert_eq!(r["files"], part.2, "{path}: {name}");
        let title = r["title"].as_str().unwrap();
        assert!(
            title.contains(&format!("({} bytes)", thousands(part.1))),
            "{path}: title {title}"
        );
        let (rw, rh) = (r["width"].as_f64().unwrap(), r["height"].as_f64().unwrap());
        let (left, top) = (r["left"].as_f64().unwrap(), r["top"].as_f64().unwrap());
        assert!(
            left >= 0.0 && top >= 0.0 && left + rw <= w + 0.5 && top + rh <= h + 0.5,
            "{path}: {r} in {w}×{h}"
        );
        let want_area = part.1 as f64 / total * w * h;
        // Rounded to whole pixels: within a pixel of each side.
        assert!(
            (rw * rh - want_area).abs() <= rw + rh + 1.0,
            "{path}: {name} has {rw}×{rh}, wants {want_area}"
        );
    }
    for p in &want {
        let drawn = rects.iter().any(|r| r["name"] == p.0.as_str());
        assert!(
            drawn || (p.1 as f64) < total / 100.0,
            "{path}: {} not drawn",
            p.0
        );
    }
}

fn check_plan(want: Option<&Value>, shown: &Value) {
    let Some(doc) = want else {
        assert!(shown.is_null(), "a plan section without a plan");
        return;
    };
    let plan = &doc["plan"];
    if plan.is_null() {
        let reasons: Vec<Value> = doc["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["message"].clone())
            .collect();
        assert_eq!(shown["reasons"].as_array().unwrap(), &reasons);
        return;
    }
    assert_eq!(
        shown["heading"],
        format!("Plan for {}", plan["display_name"].as_str().unwrap())
    );
    assert_eq!(shown["verdict"], plan["verdict"]);
    assert_eq!(
        shown["header"],
        format!("{} The plan", plan["verdict"].as_str().unwrap())
    );
    assert_eq!(shown["used"], plan["used_bytes"]);
    assert_eq!(shown["needed"], plan["needed_bytes"]);
    assert_eq!(shown["estimate"], plan["estimate_bytes"]);
    let options: Vec<Value> = plan["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| json!({"kind": o["kind"], "frees": o["frees_bytes"],
                        "items": o["items"].as_array().unwrap().iter().map(|i| &i["bytes"]).collect::<Vec<_>>()}))
        .collect();
    assert_eq!(shown["options"].as_array().unwrap(), &options);
}

// ---- The tests ------------------------------------------------------------------------------------------

#[test]
fn report_in_chromium_shows_scan_figures_zooms_and_fetches_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let data = report_data(tmp.path());
    let report = write_report(tmp.path(), &data);
    // `REPORT_KEEP=FILE cargo test --test it report::` keeps the page to look at.
    if let Some(keep) = std::env::var_os("REPORT_KEEP") {
        std::fs::copy(&report, keep).unwrap();
    }
    let inside = data["inside"].as_array().unwrap();
    assert_eq!(inside.len(), 5, "five of the six samples are read");
    check_report_in_browser(
        &report,
        &Want {
            scan: &data["scan"],
            plan: Some(&data["plan"]),
            inside: Some(inside),
            needles: &[IMG, APP, FILE],
        },
    );
}

/// `cloudfit report` itself, on the samples: the page it writes embeds the very `scan --json` and
/// `plan --json` documents and shows them, with the trees and files the binary kept, in the browser.
#[test]
fn cloudfit_report_in_chromium_on_the_samples() {
    let tmp = tempfile::tempdir().unwrap();
    let (scan, plan) = documents(tmp.path());
    let page = tmp.path().join("samples.html");
    let output = common::cloudfit()
        .arg("report")
        .arg(fixtures())
        .arg("--password-file")
        .arg(tmp.path().join("passwords.txt"))
        .args(["--tier", "5GB", "--used", "4.99983GB", "--output"])
        .arg(&page)
        .output()
        .unwrap();
    // Sam's iPhone stays locked: listed with its reason, and exit 1 as for scan.
    common::assert_exit(&output, 1);
    assert!(output.stdout.is_empty(), "the page went to --output");
    let html = std::fs::read_to_string(&page).unwrap();
    let data = embedded_data(&html);
    assert_eq!(data["scan"], scan);
    assert_eq!(data["plan"], plan);
    assert_eq!(data["inside"].as_array().unwrap().len(), 5);
    check_report_in_browser(
        &page,
        &Want {
            scan: &scan,
            plan: Some(&plan),
            inside: None,
            needles: &[],
        },
    );
}

/// `cloudfit report` on a backup whose device, app and file names look like markup: shown as text.
#[test]
fn cloudfit_report_shows_hostile_names_as_text() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = cloudfit_synth::BackupSpec {
        device_name: IMG.into(),
        spec_files: vec![cloudfit_synth::SpecFile {
            domain: "HomeDomain".into(),
            path: FILE.into(),
            // The largest file, so the page lists it.
            size: 50_000_000,
            owner: cloudfit_synth::SpecOwner::Category("other".into()),
        }],
        ..cloudfit_synth::BackupSpec::default()
    };
    cloudfit_synth::write_backup(tmp.path(), &spec).unwrap();
    let backup = tmp.path().join(spec.folder_name());
    common::rename_app(&backup.join("Info.plist"), "net.whatsapp.WhatsApp", APP);
    let (scan, _) = common::json(&["scan".as_ref(), backup.as_os_str()]);
    let html = common::cloudfit()
        .arg("report")
        .arg(&backup)
        .output()
        .unwrap();
    common::assert_exit(&html, 0);
    let out = tempfile::tempdir().unwrap();
    let page = out.path().join("hostile.html");
    std::fs::write(&page, &html.stdout).unwrap();
    let data = embedded_data(&String::from_utf8(html.stdout).unwrap());
    assert_eq!(data["inside"][0]["files"][0]["path"], FILE);
    check_report_in_browser(
        &page,
        &Want {
            scan: &scan,
            plan: None,
            inside: None,
            needles: &[IMG, APP, FILE],
        },
    );
}

/// The squarified layout, through the page's own `cloudfitSquarify`: every rectangle inside the bounds, none
/// overlapping another, areas in proportion within 1%, the whole area covered, and no worse a worst aspect
/// ratio than slicing the rectangle into strips; and the first rows of the paper's worked example.
#[test]
fn squarified_layout_in_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let report = write_report(
        tmp.path(),
        &json!({"schema_version": 1, "generated_at": null,
        "scan": {"backups": [], "skipped": [], "errors": []}, "plan": null, "inside": []}),
    );
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut random = |n: usize| -> Vec<f64> {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed % 10_000 + 1) as f64
            })
            .collect()
    };
    let cases = vec![
        (
            vec![6.0, 6.0, 4.0, 3.0, 2.0, 2.0, 1.0],
            [0.0, 0.0, 6.0, 4.0],
        ),
        (random(40), [0.0, 0.0, 700.0, 400.0]),
        (random(7), [10.0, 20.0, 300.0, 200.0]),
        (
            (1..=30).map(|i| 1000.0 / (i as f64).powi(2)).collect(),
            [0.0, 0.0, 760.0, 400.0],
        ),
        (
            vec![1e9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
            [0.0, 0.0, 500.0, 300.0],
        ),
        (vec![1.0; 12], [0.0, 0.0, 300.0, 300.0]),
        (vec![42.0], [5.0, 5.0, 100.0, 50.0]),
        (vec![5.0, 0.0, 3.0, 0.0, 1.0], [0.0, 0.0, 200.0, 100.0]),
        (random(25), [0.0, 0.0, 100.0, 800.0]),
        // Not sorted: the rectangles still come back in the order given.
        (vec![1.0, 9.0, 3.0, 27.0, 2.0], [0.0, 0.0, 400.0, 300.0]),
    ];
    let layouts: Vec<Value> = cases
        .iter()
        .map(|(values, [x, y, w, h])| json!({"values": values, "x": x, "y": y, "w": w, "h": h}))
        .collect();
    let seen = observe(&report, &[], &json!(layouts));
    assert!(seen.doc["error"].is_null(), "{}", seen.doc["error"]);
    assert_eq!(seen.console, Vec::<String>::new());
    let results = seen.doc["layouts"].as_array().unwrap();
    assert_eq!(results.len(), cases.len());
    for ((values, bounds), result) in cases.iter().zip(results) {
        let rects: Vec<[f64; 4]> = result
            .as_array()
            .unwrap()
            .iter()
            .map(|r| ["x", "y", "w", "h"].map(|k| r[k].as_f64().unwrap()))
            .collect();
        check_layout(values, *bounds, &rects);
    }
    // Bruls et al.'s example, 6×4: the two 6s side by side in a 3-wide column, then 4 and 3 in a row.
    let paper: Vec<[f64; 4]> = results[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| ["x", "y", "w", "h"].map(|k| r[k].as_f64().unwrap()))
        .collect();
    let near = |a: [f64; 4], b: [f64; 4]| a.iter().zip(b).all(|(p, q)| (p - q).abs() < 1e-9);
    assert!(near(paper[0], [0.0, 0.0, 3.0, 2.0]), "{paper:?}");
    assert!(near(paper[1], [0.0, 2.0, 3.0, 2.0]), "{paper:?}");
    assert!(
        near(paper[2], [3.0, 0.0, 12.0 / 7.0, 7.0 / 3.0]),
        "{paper:?}"
    );
    assert!(
        near(paper[3], [3.0 + 12.0 / 7.0, 0.0, 9.0 / 7.0, 7.0 / 3.0]),
        "{paper:?}"
    );
}

fn check_layout(values: &[f64], [x, y, w, h]: [f64; 4], rects: &[[f64; 4]]) {
    assert_eq!(rects.len(), values.len());
    let total: f64 = values.iter().filter(|v| **v > 0.0).sum();
    let eps = 1e-9 * (w + h);
    let mut covered = 0.0;
    for (v, r) in values.iter().zip(rects) {
        let area = r[2] * r[3];
        if *v <= 0.0 {
            assert!(
                area.abs() < eps,
                "{values:?}: a zero value with area {area}"
            );
            continue;
        }
        assert!(r[2] >= -eps && r[3] >= -eps, "{r:?}");
        assert!(
            r[0] >= x - eps && r[1] >= y - eps,
            "{values:?}: {r:?} outside {x},{y}"
        );
        assert!(
            r[0] + r[2] <= x + w + eps && r[1] + r[3] <= y + h + eps,
            "{values:?}: {r:?} outside"
        );
        let want = v / total * w * h;
        assert!(
            (area - want).abs() <= want / 100.0,
            "{values:?}: value {v} has area {area}, wants {want}"
        );
        covered += area;
    }
    assert!(
        (covered - w * h).abs() <= 1e-6 * w * h,
        "{values:?}: covers {covered} of {}",
        w * h
    );
    for (i, a) in rects.iter().enumerate() {
        for b in &rects[i + 1..] {
            let dx = (a[0] + a[2]).min(b[0] + b[2]) - a[0].max(b[0]);
            let dy = (a[1] + a[3]).min(b[1] + b[3]) - a[1].max(b[1]);
            assert!(dx <= eps || dy <= eps, "{values:?}: {a:?} overlaps {b:?}");
        }
    }
    let aspect = |r: &[f64; 4]| (r[2] / r[3]).max(r[3] / r[2]);
    let worst = rects
        .iter()
        .zip(values)
        .filter(|(_, v)| **v > 0.0)
        .map(|(r, _)| aspect(r))
        .fold(1.0, f64::max);
    // Slicing: every value a strip across the longer side.
    let (long, short) = (w.max(h), w.min(h));
    let sliced = values
        .iter()
        .filter(|v| **v > 0.0)
        .map(|v| {
            let strip = v / total * long;
            (strip / short).max(short / strip)
        })
        .fold(1.0, f64::max);
    assert!(
        worst <= sliced + 1e-9,
        "{values:?}: worst aspect {worst}, slicing {sliced}"
    );
}

/// The no-request checks are not vacuous: a copy of the report that asks for an image and a script from the
/// network (the policy blocks both; the namespace would too) trips the console and Resource Timing checks.
#[test]
fn a_page_that_reaches_out_is_caught() {
    let tmp = tempfile::tempdir().unwrap();
    let data = json!({"schema_version": 1, "generated_at": null,
        "scan": {"backups": [], "skipped": [], "errors": []}, "plan": null, "inside": []});
    let html = cloudfit::render::report::report_html(&data).unwrap();
    let leaky = html.replacen(
        "<body>",
        "<body><img src=\"http://192.0.2.1/pixel.png\"><script src=\"https://192.0.2.1/x.js\"></script>",
        1,
    );
    assert_ne!(leaky, html);
    let path = tmp.path().join("leaky.html");
    std::fs::write(&path, leaky).unwrap();
    let seen = observe(&path, &[], &json!([]));
    let resources = seen.doc["resources"].as_array().unwrap();
    assert!(
        resources.iter().any(|r| r == "http://192.0.2.1/pixel.png"),
        "{resources:?}"
    );
    assert!(
        seen.console
            .iter()
            .any(|l| l.contains("192.0.2.1") && l.contains("Content Security Policy")),
        "{:#?}",
        seen.console
    );
    // The real page, given the same data, is clean.
    let path = write_report(tmp.path(), &data);
    let seen = observe(&path, &[], &json!([]));
    assert_eq!(seen.console, Vec::<String>::new());
    assert_eq!(seen.doc["resources"], json!([]));
}
