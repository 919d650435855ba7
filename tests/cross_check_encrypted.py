#!/usr/bin/env python3
"""Opt-in cross-check: open every encrypted backup of a generated set with an independent reader,
iphone_backup_decrypt (jsharkey13; pycryptodome AES), using the password from the record, and
compare what its decrypted Manifest.db holds with the record in expected.json.

    python3 -m venv /work/venv-ibd && /work/venv-ibd/bin/pip install iphone-backup-decrypt
    /work/venv-ibd/bin/python tests/cross_check_encrypted.py [OUT]
    (OUT defaults to fixtures/MobileSync: what `make-backup OUT [--sample]` wrote)

Checks per encrypted backup: a wrong password is refused; the right one unlocks the keybag and
decrypts Manifest.db; per-domain regular-file counts and Size sums, total files and bytes, folder
and symlink counts equal the record (Size resolved through $objects when it is a UID reference,
which the library's FilePlist does not do); every file's key unwraps under its protection class; small
files decrypt (via the library's own extraction) to Size zero bytes. Prints one line per failure,
a line per backup and a closing 'N passed, N failed' line; exits 1 on any failure.
Not part of `cargo test`.
"""

import collections
import contextlib
import io
import json
import os
import plistlib
import sys
import warnings

try:
    from iphone_backup_decrypt import EncryptedBackup, utils
    from iphone_backup_decrypt.exceptions import IncorrectPassphraseError
except ImportError:
    print(__doc__.strip(), file=sys.stderr)
    print("\niphone_backup_decrypt is not installed in this Python.", file=sys.stderr)
    sys.exit(2)

PASSED = 0
FAILED = 0


def check(ok, what):
    global PASSED, FAILED
    if ok:
        PASSED += 1
    else:
        FAILED += 1
        print("FAIL:", what)


def padded(n):
    return n // 16 * 16 + 16


def mbfile_size(blob):
    """Size resolved the way the format allows: inline, or a UID into $objects."""
    archive = plistlib.loads(blob)
    objects = archive["$objects"]
    size = objects[archive["$top"]["root"].data]["Size"]
    return objects[size.data] if isinstance(size, plistlib.UID) else size


def check_backup(folder, exp):
    bid = exp["id"]
    password = exp.get("password")
    check(isinstance(password, str) and password, "%s: no password in the record" % bid)
    if not password:
        return

    wrong = EncryptedBackup(backup_directory=folder, passphrase=password + "!")
    try:
        wrong.test_decryption()
        check(False, "%s: a wrong password was accepted" % bid)
    except IncorrectPassphraseError:
        check(True, "")

    backup = EncryptedBackup(backup_directory=folder, passphrase=password)
    try:
        backup.test_decryption()
    except Exception as e:  # the point is to report whatever the independent reader objects to
        check(False, "%s: iphone_backup_decrypt cannot open it: %r" % (bid, e))
        return
    check(backup.decrypted, "%s: not decrypted" % bid)

    keybag = backup.keybag
    wraps = {c: d[b"WRAP"] for c, d in keybag.classes_data.items()}
    check(sorted(wraps) == list(range(1, 12)), "%s: keybag classes %r" % (bid, sorted(wraps)))
    check(1 in wraps.values() and 3 in wraps.values(), "%s: no device-bound classes %r" % (bid, wraps))

    domains = collections.defaultdict(lambda: [0, 0])
    totals = collections.Counter()
    small = []
    with backup.manifest_db_cursor() as cur:
        cur.execute("SELECT fileID, domain, relativePath, flags, file FROM Files")
        rows = cur.fetchall()
    for file_id, domain, path, flags, blob in rows:
        if flags == 2:
            totals["directories"] += 1
        elif flags == 4:
            totals["symlinks"] += 1
        elif flags == 1:
            plist = utils.FilePlist(blob)
            size = mbfile_size(blob)
            if plist.filesize != size:
                # FilePlist does int(Size): for a UID-referenced Size that is the $objects index.
                totals["uid_sizes"] += 1
            totals["files"] += 1
            totals["bytes"] += size
            domains[domain][0] += 1
            domains[domain][1] += size
            key = plist.encryption_key
            check(key is not None and len(key) == 40, "%s: %s-%s has no EncryptionKey" % (bid, domain, path))
            try:
                keybag.unwrap_key_for_class(plist.protection_class, key)
                check(True, "")
            except ValueError as e:
                check(False, "%s: %s-%s key does not unwrap under class %s: %s"
                      % (bid, domain, path, plist.protection_class, e))
            data = os.path.join(folder, file_id[:2], file_id)
            if os.path.exists(data):
                check(os.path.getsize(data) == padded(size), "%s: %s-%s on-disk length" % (bid, domain, path))
                if padded(size) <= 4096:
                    small.append((domain, path, size))
        elif flags != 16:
            check(False, "%s: unexpected flags %r" % (bid, flags))

    for key in ("files", "bytes", "directories", "symlinks"):
        check(totals[key] == exp[key], "%s: %s %d vs record %r" % (bid, key, totals[key], exp[key]))
    got = {d: {"files": c[0], "bytes": c[1]} for d, c in domains.items()}
    check(got == exp["domains"], "%s: per-domain files/bytes differ:\n  got  %r\n  want %r"
          % (bid, got, exp["domains"]))

    # The library's own extraction: its unwrap, CBC and padding check on real ciphertext.
    # (domain_like is a LIKE pattern; '_' in a domain matches itself as well.)
    for domain, path, size in small:
        try:
            # The library prints an INFO line when Size and the plaintext differ: the UID-Size
            # rows again (see the note below); the comparison here uses the resolved Size.
            with contextlib.redirect_stdout(io.StringIO()):
                data = backup.extract_file_as_bytes(path, domain_like=domain)
            check(data == bytes(size), "%s: %s-%s decrypts to %d bytes, want %d zeros"
                  % (bid, domain, path, len(data), size))
        except Exception as e:
            check(False, "%s: extracting %s-%s: %r" % (bid, domain, path, e))
    check(len(small) > 0, "%s: no small files to extract" % bid)
    print("%s: %d files, %d bytes, %d domains, %d files extracted" % (
        bid, totals["files"], totals["bytes"], len(domains), len(small)))
    if totals["uid_sizes"]:
        print("  note: %d rows store Size as a UID reference; iphone_backup_decrypt's FilePlist reads the"
              " UID's index as the size (its limitation; sizes here are resolved through $objects)"
              % totals["uid_sizes"])


def main():
    warnings.simplefilter("ignore", DeprecationWarning)
    out = sys.argv[1] if len(sys.argv) > 1 else "fixtures/MobileSync"
    with open(os.path.join(out, "expected.json"), encoding="utf-8") as f:
        expected = json.load(f)
    parent = os.path.join(out, "Backup") if os.path.isdir(os.path.join(out, "Backup")) else out
    encrypted = [b for b in expected["backups"] if b["encrypted"]]
    check(len(encrypted) > 0, "no encrypted backup in %s" % out)
    for exp in encrypted:
        check_backup(os.path.join(parent, exp["id"]), exp)
    print("%d passed, %d failed" % (PASSED, FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
