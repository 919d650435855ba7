#!/usr/bin/env python3
"""Checks synthetic backups against expected.json with tools that share no code with cloudfit.

Usage: check_sample.py OUT
  OUT is what `cargo run --example make-backup -- OUT [--sample]` wrote: OUT/expected.json and
  the backups in OUT/Backup/ (sample set) or OUT/ (single backup).

Reads Manifest.db with Python's sqlite3 (and the sqlite3 CLI when installed), MBFile blobs and
plists with plistlib, sizes with os.stat, and re-derives every category and app total with its
own copy of the attribution rules. Prints one line per failed check and a closing
'N passed, N failed' line; exits 1 on any failure.
"""

import hashlib
import json
import os
import plistlib
import shutil
import sqlite3
import subprocess
import sys
from collections import defaultdict

PASSED = 0
FAILED = 0


def check(ok, what):
    global PASSED, FAILED
    if ok:
        PASSED += 1
    else:
        FAILED += 1
        print("FAIL:", what)


# --- attribution rules, written from the spec, independently of the Rust generator ----------

APPLE_DATA_DOMAINS = {
    "AppDomain-com.apple.mobilesafari": "safari",
    "AppDomainGroup-group.com.apple.notes": "notes",
    "AppDomainGroup-group.com.apple.FileProvider.LocalStorage": "files",
    "AppDomain-com.apple.VoiceMemos": "voice-memos",
}
WHOLE_DOMAINS = {
    "CameraRollDomain": "photos",
    "KeyboardDomain": "keyboard",
    "TonesDomain": "ringtones",
    "BooksDomain": "books",
    "HealthDomain": "health",
    "KeychainDomain": "passwords",
    "HomeKitDomain": "home",
    "SystemPreferencesDomain": "system",
    "RootDomain": "system",
    "ManagedPreferencesDomain": "system",
    "DatabaseDomain": "system",
}
HOME_PREFIXES = [
    ("Library/SMS/", "messages"),
    ("Library/AddressBook/", "contacts"),
    ("Library/Calendar/", "calendars"),
    ("Library/CallHistoryDB/", "call-history"),
    ("Library/Voicemail/", "voicemail"),
    ("Library/Safari/", "safari"),
    ("Library/Passes/", "wallet"),
    ("Library/Notes/", "notes"),
]
APP_PREFIXES = ("AppDomain-", "AppDomainGroup-", "AppDomainPlugin-")


def category(domain, path):
    if domain in APPLE_DATA_DOMAINS:
        return APPLE_DATA_DOMAINS[domain]
    if domain in WHOLE_DOMAINS:
        return WHOLE_DOMAINS[domain]
    if domain == "HomeDomain":
        for prefix, cat in HOME_PREFIXES:
            if path.startswith(prefix):
                return cat
        return "system"
    if domain == "MediaDomain":
        if path.startswith("Library/SMS/"):
            return "messages"
        if path.startswith(("Media/Recordings/", "Library/Recordings/")):
            return "voice-memos"
        return "other"
    if domain == "WirelessDomain":
        return "call-history" if path.startswith("Library/CallHistory/") else "system"
    if domain.startswith(("SysContainerDomain-", "SysSharedContainerDomain-")):
        return "system"
    if domain.startswith(APP_PREFIXES):
        return "apps"
    return "other"


def label_prefix(app, ident):
    return ident == app or ident.startswith(app + ".")


def owner(domain, installed):
    """(apps-map key, fallback name or None) for a third-party container domain."""
    kind, _, ident = domain.partition("-")
    if kind == "AppDomain":
        return ident, None
    if kind == "AppDomainPlugin":
        apps = [a for a in installed if label_prefix(a, ident) and a != ident]
        return (max(apps, key=len), None) if apps else (ident, ident)
    stripped = ident[len("group."):] if ident.startswith("group.") else ident
    apps = [a for a in installed if label_prefix(a, stripped)]
    if apps:
        return max(apps, key=len), None
    vendor = ".".join(stripped.split(".")[:2])
    same_vendor = [a for a in installed if ".".join(a.split(".")[:2]) == vendor]
    if len(same_vendor) == 1:
        return same_vendor[0], None
    return ident, "Shared group " + ident


# --- readers ---------------------------------------------------------------------------------


def resolve(archive, key):
    objects = archive["$objects"]
    mb = objects[archive["$top"]["root"].data]
    value = mb.get(key)
    if isinstance(value, plistlib.UID):
        return objects[value.data]
    return value


def walk_files(folder):
    for dirpath, _, names in os.walk(folder):
        for n in names:
            yield os.path.join(dirpath, n)


def sqlite_cli_counts(db):
    """Row counts per flags value as the sqlite3 command-line shell sees them."""
    exe = shutil.which("sqlite3")
    if not exe:
        return None
    out = subprocess.run(
        [exe, "file:%s?immutable=1" % db, "SELECT flags, count(*) FROM Files GROUP BY flags;"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {int(f): int(n) for f, n in (line.split("|") for line in out.split())}


def check_backup(folder, exp):
    bid = exp["id"]
    files = list(walk_files(folder))
    check(len(files) == exp["disk_files"], "%s: disk_files %d != %d" % (bid, len(files), exp["disk_files"]))
    disk = sum(os.stat(f).st_size for f in files)
    check(disk == exp["disk_bytes"], "%s: disk_bytes %d != %d" % (bid, disk, exp["disk_bytes"]))

    with open(os.path.join(folder, "Info.plist"), "rb") as f:
        info_raw = f.read()
    check(info_raw.startswith(b"<?xml"), "%s: Info.plist is XML" % bid)
    info = plistlib.loads(info_raw)
    with open(os.path.join(folder, "Manifest.plist"), "rb") as f:
        manifest_raw = f.read()
    with open(os.path.join(folder, "Status.plist"), "rb") as f:
        status_raw = f.read()
    check(manifest_raw.startswith(b"bplist00") and status_raw.startswith(b"bplist00"), "%s: binary plists" % bid)
    manifest = plistlib.loads(manifest_raw)
    status = plistlib.loads(status_raw)

    when = info["Last Backup Date"].strftime("%Y-%m-%dT%H:%M:%SZ")
    check(when == exp["last_backup"], "%s: Last Backup Date %s != %s" % (bid, when, exp["last_backup"]))
    check(info["Device Name"] == exp["device_name"], "%s: Device Name" % bid)
    check(info["Product Type"] == exp["product_type"], "%s: Product Type" % bid)
    check(info["Product Version"] == exp["ios_version"], "%s: Product Version" % bid)
    check(info["Unique Identifier"] == exp["udid"].upper(), "%s: Unique Identifier" % bid)
    check(manifest["Lockdown"]["UniqueDeviceID"] == exp["udid"], "%s: Lockdown UDID" % bid)
    check(manifest["IsEncrypted"] == exp["encrypted"], "%s: IsEncrypted" % bid)
    check(manifest["Version"] == "10.0" and status["Version"] == "3.3", "%s: versions" % bid)
    finished = status["SnapshotState"] == "finished"
    check(finished == (exp["state"] == "finished"), "%s: SnapshotState %s vs %s" % (bid, status["SnapshotState"], exp["state"]))
    check(exp["archived"] == (bid != exp["udid"]), "%s: archived flag vs folder name" % bid)

    classes = defaultdict(set)
    for ident, entry in manifest["Applications"].items():
        check(entry["CFBundleIdentifier"] == ident, "%s: Applications[%s] id" % (bid, ident))
        classes[entry["ContainerContentClass"]].add(ident)
    installed_info = set(info["Installed Applications"])
    check(classes["Data/Application"] == installed_info, "%s: Installed Applications vs Manifest.plist" % bid)
    names = {}
    for ident, entry in info["Applications"].items():
        if "iTunesMetadata" in entry:
            meta = plistlib.loads(entry["iTunesMetadata"])
            check(meta["softwareVersionBundleId"] == ident, "%s: iTunesMetadata id %s" % (bid, ident))
            names[ident] = meta["itemName"]

    db = os.path.join(folder, "Manifest.db")
    with open(db, "rb") as f:
        header = f.read(100)
    if exp["encrypted"]:
        check(not header.startswith(b"SQLite format 3"), "%s: encrypted Manifest.db looks like SQLite" % bid)
        check(os.stat(db).st_size % 16 == 0, "%s: encrypted Manifest.db not block-aligned" % bid)
        check(len(manifest.get("ManifestKey", b"")) == 44, "%s: ManifestKey length" % bid)
        check(isinstance(manifest.get("BackupKeyBag"), bytes), "%s: BackupKeyBag" % bid)
        for f in files:
            if len(os.path.basename(f)) == 40:
                check(os.stat(f).st_size % 16 == 0, "%s: %s not block-aligned" % (bid, f))
        for key in ("bytes", "files", "directories", "symlinks"):
            check(exp[key] is None, "%s: %s should be null" % (bid, key))
        check(not exp["apps"] and not exp["categories"] and not exp["domains"], "%s: maps should be empty" % bid)
        return

    check(header.startswith(b"SQLite format 3\0"), "%s: Manifest.db header" % bid)
    check(header[18] == 2 and header[19] == 2, "%s: header bytes 18/19 = %d/%d, want 2/2" % (bid, header[18], header[19]))
    con = sqlite3.connect("file:%s?immutable=1" % db, uri=True)
    schema = [r[0] for r in con.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")]
    check(schema[0] == "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)", "%s: Files schema" % bid)
    check(set(schema[1:]) == {
        "CREATE INDEX FilesDomainIdx ON Files(domain)",
        "CREATE INDEX FilesRelativePathIdx ON Files(relativePath)",
        "CREATE INDEX FilesFlagsIdx ON Files(flags)",
        "CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB)",
    }, "%s: other schema %r" % (bid, schema[1:]))

    counts = defaultdict(int)
    rows = []
    variants = defaultdict(int)
    for file_id, domain, path, flags, blob in con.execute("SELECT fileID, domain, relativePath, flags, file FROM Files"):
        counts[flags] += 1
        if flags == 16:
            check(domain is None and path is None and blob is None, "%s: flags-16 row with data" % bid)
            continue
        want_id = hashlib.sha1(("%s-%s" % (domain, path)).encode("utf-8")).hexdigest()
        check(file_id == want_id, "%s: fileID of %s-%s" % (bid, domain, path))
        archive = plistlib.loads(blob)
        check(archive["$archiver"] == "NSKeyedArchiver" and archive["$version"] == 100000, "%s: archiver header" % bid)
        check(resolve(archive, "$class")["$classname"] == "MBFile", "%s: class of %s" % (bid, path))
        check(resolve(archive, "RelativePath") == path, "%s: RelativePath of %s" % (bid, path))
        mb = archive["$objects"][archive["$top"]["root"].data]
        variants["digest"] += "Digest" in mb
        variants["xattrs"] += "ExtendedAttributes" in mb
        variants["size_uid"] += isinstance(mb["Size"], plistlib.UID)
        if "Digest" in mb:
            check(len(resolve(archive, "Digest")) == 20, "%s: Digest length" % bid)
        if "ExtendedAttributes" in mb:
            check(isinstance(plistlib.loads(resolve(archive, "ExtendedAttributes")), dict), "%s: xattrs plist" % bid)
        size = resolve(archive, "Size")
        mode = resolve(archive, "Mode") & 0xF000
        want_mode = {1: 0x8000, 2: 0x4000, 4: 0xA000}[flags]
        check(mode == want_mode, "%s: mode of %s" % (bid, path))
        if flags == 1:
            check(resolve(archive, "ProtectionClass") in (3, 4), "%s: protection class" % bid)
            rows.append((file_id, domain, path, size))
        else:
            check(size == 0, "%s: non-file %s has Size %s" % (bid, path, size))
        if flags == 4:
            check(isinstance(resolve(archive, "Target"), str), "%s: symlink target" % bid)
    con.close()
    check(counts[1] == exp["files"], "%s: files %d != %s" % (bid, counts[1], exp["files"]))
    check(counts[2] == exp["directories"], "%s: directories %d != %s" % (bid, counts[2], exp["directories"]))
    check(counts[4] == exp["symlinks"], "%s: symlinks %d != %s" % (bid, counts[4], exp["symlinks"]))
    check(counts[16] >= 1, "%s: no flags-16 row" % bid)
    check(all(variants[k] > 0 for k in ("digest", "xattrs", "size_uid")), "%s: blob variants %r" % (bid, dict(variants)))
    cli = sqlite_cli_counts(db)
    if cli is not None:
        check(cli == dict(counts), "%s: sqlite3 CLI counts %r vs %r" % (bid, cli, dict(counts)))
    check(not os.path.exists(db + "-wal") and not os.path.exists(db + "-shm"), "%s: -wal/-shm left" % bid)

    check(sum(r[3] for r in rows) == exp["bytes"], "%s: bytes" % bid)
    domains = defaultdict(lambda: [0, 0])
    missing = [0, 0]
    ids = set()
    for file_id, domain, path, size in rows:
        ids.add(file_id)
        domains[domain][0] += 1
        domains[domain][1] += size
        data = os.path.join(folder, file_id[:2], file_id)
        if os.path.exists(data):
            check(os.stat(data).st_size == size, "%s: %s-%s on disk %d != Size %d" % (bid, domain, path, os.stat(data).st_size, size))
        else:
            missing[0] += 1
            missing[1] += size
    got = {d: {"files": c[0], "bytes": c[1]} for d, c in domains.items()}
    check(got == exp["domains"], "%s: per-domain sums differ" % bid)
    check(missing == [exp["missing"]["files"], exp["missing"]["bytes"]], "%s: missing %r vs %r" % (bid, missing, exp["missing"]))

    orphans = [0, 0]
    for name in os.listdir(folder):
        shard = os.path.join(folder, name)
        if len(name) == 2 and os.path.isdir(shard):
            for f in os.listdir(shard):
                if f not in ids:
                    orphans[0] += 1
                    orphans[1] += os.stat(os.path.join(shard, f)).st_size
    check(orphans == [exp["orphans"]["files"], exp["orphans"]["bytes"]], "%s: orphans %r vs %r" % (bid, orphans, exp["orphans"]))

    # Attribution, re-derived from the rules above.
    installed = classes["Data/Application"] | installed_info
    installed |= {d[len("AppDomain-"):] for d in domains if d.startswith("AppDomain-")}
    check(installed == classes["Data/Application"], "%s: installed-app sources disagree" % bid)
    cats = defaultdict(lambda: [0, 0])
    apps = {}
    for file_id, domain, path, size in rows:
        cat = category(domain, path)
        cats[cat][0] += 1
        cats[cat][1] += size
        if cat == "apps":
            key, fallback = owner(domain, installed)
            app = apps.setdefault(key, {"name": fallback or names.get(key, key), "bytes": 0, "files": 0, "domains": set()})
            app["bytes"] += size
            app["files"] += 1
            app["domains"].add(domain)
    got = {c: {"files": v[0], "bytes": v[1]} for c, v in cats.items()}
    check(got == exp["categories"], "%s: categories differ:\n  got  %r\n  want %r" % (bid, got, exp["categories"]))
    want_apps = {k: dict(v, domains=set(v["domains"])) for k, v in exp["apps"].items()}
    check(apps == want_apps, "%s: apps differ:\n  got  %r\n  want %r" % (bid, apps, want_apps))


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out = sys.argv[1]
    with open(os.path.join(out, "expected.json"), encoding="utf-8") as f:
        expected = json.load(f)
    parent = os.path.join(out, "Backup") if os.path.isdir(os.path.join(out, "Backup")) else out
    for exp in expected["backups"]:
        check_backup(os.path.join(parent, exp["id"]), exp)
    others = sorted(n for n in os.listdir(parent) if os.path.isdir(os.path.join(parent, n)))
    backups = sorted(b["id"] for b in expected["backups"])
    check(sorted(set(others) - set(backups)) == sorted(expected["skipped"]), "skipped folders %r" % others)
    print("check_sample: %d passed, %d failed" % (PASSED, FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
