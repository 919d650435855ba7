#!/usr/bin/env python3
"""Opt-in cross-check: read backups with Python's own sqlite3 and plistlib, independently of cloudfit,
and compare per-domain files and bytes, totals, folders, symlinks and missing files with `cloudfit scan --json`.

    python3 tests/cross_check.py [BACKUPS_ROOT] [CLOUDFIT_BINARY]
    (defaults: fixtures/MobileSync and target/release/cloudfit; build it first with `cargo build --release`)

Needs only Python 3's standard library. Not part of `cargo test`.
"""
import collections
import json
import os
import plistlib
import sqlite3
import subprocess
import sys
import urllib.parse


def mbfile_size(blob):
    """Size of an NSKeyedArchiver MBFile, resolving UIDs into $objects."""
    archive = plistlib.loads(blob)
    objects = archive["$objects"]

    def resolve(value):
        hops = 0
        while isinstance(value, plistlib.UID):
            value = objects[value.data]
            hops += 1
            if hops > 8:
                raise ValueError("UID cycle")
        return value

    record = resolve(archive["$top"]["root"])
    return resolve(record["Size"])


def read_backup(path):
    uri = "file:" + urllib.parse.quote(os.path.abspath(os.path.join(path, "Manifest.db"))) + "?immutable=1"
    db = sqlite3.connect(uri, uri=True)
    domains = collections.defaultdict(lambda: [0, 0])
    totals = {"files": 0, "bytes": 0, "directories": 0, "symlinks": 0}
    missing = [0, 0]
    for file_id, domain, flags, blob in db.execute("SELECT fileID, domain, flags, file FROM Files"):
        if not domain:
            continue
        if flags == 2:
            totals["directories"] += 1
        elif flags == 4:
            totals["symlinks"] += 1
        elif flags == 1:
            size = mbfile_size(blob)
            totals["files"] += 1
            totals["bytes"] += size
            domains[domain][0] += 1
            domains[domain][1] += size
            on_disk = os.path.isfile(os.path.join(path, file_id[:2], file_id))
            if not on_disk:
                missing[0] += 1
                missing[1] += size
    db.close()
    return domains, totals, missing


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "fixtures/MobileSync"
    binary = sys.argv[2] if len(sys.argv) > 2 else "target/release/cloudfit"
    out = subprocess.run([binary, "scan", root, "--json"], capture_output=True, check=False)
    report = json.loads(out.stdout)
    passed = failed = 0

    def check(what, ours, theirs):
        nonlocal passed, failed
        if ours == theirs:
            passed += 1
        else:
            failed += 1
            print(f"MISMATCH {what}: cloudfit {ours!r} vs python {theirs!r}")

    for backup in report["backups"]:
        if not backup["decrypted"] or backup["format"] != "manifest-db" or backup["encrypted"]:
            # Encrypted and iOS 4-9 backups are checked against the record by check_fixtures.py and
            # cross_check_encrypted.py; this script reads plain Manifest.db files itself.
            continue
        domains, totals, missing = read_backup(backup["path"])
        name = backup["id"]
        for key in ("files", "bytes", "directories", "symlinks"):
            check(f"{name} {key}", backup[key], totals[key])
        check(f"{name} missing", [backup["missing"]["files"], backup["missing"]["bytes"]], missing)
        ours = {d["domain"]: [d["files"], d["bytes"]] for d in backup["domains"]}
        check(f"{name} domains", ours, dict(domains))
        print(f"{name}: {totals['files']} files, {totals['bytes']} bytes, {len(domains)} domains")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
