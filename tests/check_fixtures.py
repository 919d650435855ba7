#!/usr/bin/env python3
"""Checks synthetic backups against expected.json with tools that share no code with cloudfit.

Usage: check_sample.py OUT
  OUT is what `cargo run -p cloudfit-synth --bin make-backup -- OUT [--sample]` wrote: OUT/expected.json and
  the backups in OUT/Backup/ (sample set) or OUT/ (single backup).

Reads Manifest.db with Python's sqlite3 (and the sqlite3 CLI when installed), MBFile blobs and
plists with plistlib, sizes with os.stat, and re-derives every category and app total with its
own copy of the attribution rules. Encrypted backups are opened with the password from the
record first: keybag parsed here, keys derived with hashlib.pbkdf2_hmac, and RFC 3394 unwrap and
AES-256-CBC done by the small pure-Python AES below (checked against FIPS-197 and RFC 3394
vectors at start-up); the decrypted Manifest.db then gets every check a plain one gets.
iOS 4-9 backups (record format "manifest-mbdb") have Manifest.mbdb instead, parsed here with
struct from the format description, and data files flat at <fileID>.
Extracted trees (record format "extracted-domains" / "extracted-device-paths", written by
`make-backup OUT --extracted-samples` into OUT/extracted-domains/<id> and OUT/device-tree/<id>, or
by `--extracted L` into OUT/<id>) are walked with os.walk without following symlinks, each
(st_dev, st_ino) counted once; device paths are mapped back to domains with the table below.
Prints one line per failed check and a closing 'N passed, N failed' line; exits 1 on any failure.
"""

import hashlib
import json
import os
import plistlib
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import unicodedata
from collections import defaultdict

PASSED = 0
FAILED = 0
# Decrypted copies of encrypted Manifest.db files, removed before exit.
TEMP_DIRS = []


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


# --- AES-256 decryption, RFC 3394 unwrap, CBC: just enough to open an encrypted backup --------


def _xtime(a):
    return ((a << 1) ^ 0x11B) if a & 0x80 else a << 1


def _gmul(a, b):
    out = 0
    while b:
        if b & 1:
            out ^= a
        a = _xtime(a)
        b >>= 1
    return out


def _make_sbox():
    sbox = [0] * 256
    for x in range(256):
        inv = 0 if x == 0 else next(y for y in range(1, 256) if _gmul(x, y) == 1)
        s = inv
        for shift in range(1, 5):
            s ^= ((inv << shift) | (inv >> (8 - shift))) & 0xFF
        sbox[x] = s ^ 0x63
    return sbox


SBOX = _make_sbox()
INV_SBOX = [0] * 256
for _i, _v in enumerate(SBOX):
    INV_SBOX[_v] = _i
MUL = {m: [_gmul(x, m) for x in range(256)] for m in (9, 11, 13, 14)}


def aes256_round_keys(key):
    assert len(key) == 32
    w = [list(key[4 * i:4 * i + 4]) for i in range(8)]
    rcon = 1
    for i in range(8, 60):
        t = list(w[i - 1])
        if i % 8 == 0:
            t = [SBOX[b] for b in t[1:] + t[:1]]
            t[0] ^= rcon
            rcon = _xtime(rcon)
        elif i % 8 == 4:
            t = [SBOX[b] for b in t]
        w.append([a ^ b for a, b in zip(w[i - 8], t)])
    return [sum(w[4 * r:4 * r + 4], []) for r in range(15)]


def aes256_decrypt_block(rks, block):
    s = [b ^ k for b, k in zip(block, rks[14])]
    for r in range(13, -1, -1):
        # InvShiftRows (state is column-major: byte row + 4 * column), InvSubBytes, AddRoundKey.
        s = [INV_SBOX[s[(i % 4) + 4 * ((i // 4 - i % 4) % 4)]] ^ rks[r][i] for i in range(16)]
        if r:
            m9, m11, m13, m14 = MUL[9], MUL[11], MUL[13], MUL[14]
            out = []
            for c in range(4):
                a0, a1, a2, a3 = s[4 * c:4 * c + 4]
                out += [
                    m14[a0] ^ m11[a1] ^ m13[a2] ^ m9[a3],
                    m9[a0] ^ m14[a1] ^ m11[a2] ^ m13[a3],
                    m13[a0] ^ m9[a1] ^ m14[a2] ^ m11[a3],
                    m11[a0] ^ m13[a1] ^ m9[a2] ^ m14[a3],
                ]
            s = out
    return bytes(s)


def aes_unwrap(kek, wrapped):
    """RFC 3394 key unwrap; None when the integrity check fails (wrong key)."""
    rks = aes256_round_keys(kek)
    n = len(wrapped) // 8 - 1
    a = wrapped[:8]
    r = [wrapped[8 * i:8 * i + 8] for i in range(1, n + 1)]
    for j in range(5, -1, -1):
        for i in range(n, 0, -1):
            t = n * j + i
            a_xor = (int.from_bytes(a, "big") ^ t).to_bytes(8, "big")
            b = aes256_decrypt_block(rks, a_xor + r[i - 1])
            a, r[i - 1] = b[:8], b[8:]
    return b"".join(r) if a == b"\xa6" * 8 else None


def aes_cbc_decrypt(key, data, unpad=True):
    """AES-256-CBC, zero IV; strips and checks PKCS#7 padding when `unpad`."""
    if len(data) % 16:
        raise ValueError("ciphertext length %d is not a multiple of 16" % len(data))
    rks = aes256_round_keys(key)
    prev = bytes(16)
    out = bytearray()
    for i in range(0, len(data), 16):
        block = data[i:i + 16]
        out += bytes(x ^ y for x, y in zip(aes256_decrypt_block(rks, block), prev))
        prev = block
    if unpad:
        n = out[-1] if out else 0
        if not 1 <= n <= 16 or out[-n:] != bytes([n]) * n:
            raise ValueError("bad PKCS#7 padding")
        del out[-n:]
    return bytes(out)


def aes_self_test():
    key = bytes(range(32))
    # FIPS-197 appendix C.3 (AES-256), decryption direction.
    pt = aes256_decrypt_block(aes256_round_keys(key), bytes.fromhex("8ea2b7ca516745bfeafc49904b496089"))
    check(pt == bytes.fromhex("00112233445566778899aabbccddeeff"), "AES-256 FIPS-197 C.3 vector")
    # RFC 3394 section 4.6: 256 bits of key data with a 256-bit KEK.
    wrapped = bytes.fromhex("28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21")
    want = bytes.fromhex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")
    check(aes_unwrap(key, wrapped) == want, "RFC 3394 4.6 unwrap vector")
    check(aes_unwrap(bytes(32), wrapped) is None, "RFC 3394 unwrap rejects the wrong KEK")


def parse_keybag(blob):
    """(header dict, [class record dicts]); 4-byte values as ints, like the readers do."""
    header, records, i = {}, [], 0
    while i + 8 <= len(blob):
        tag = blob[i:i + 4].decode("ascii")
        (n,) = struct.unpack(">I", blob[i + 4:i + 8])
        value = blob[i + 8:i + 8 + n]
        i += 8 + n
        if n == 4:
            value = struct.unpack(">I", value)[0]
        if tag == "UUID" and "UUID" in header:
            records.append({})
        (records[-1] if records else header)[tag] = value
    return header, records, i == len(blob)


def unlock(manifest, password):
    """Class keys (WRAP & 2 records) from the keybag and password; None for a wrong password."""
    header, records, _ = parse_keybag(manifest["BackupKeyBag"])
    k1 = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), header["DPSL"], header["DPIC"], 32)
    key = hashlib.pbkdf2_hmac("sha1", k1, header["SALT"], header["ITER"], 32)
    class_keys = {}
    for r in records:
        if r["WRAP"] & 2:
            k = aes_unwrap(key, r["WPKY"])
            if k is None:
                return None
            if r["WRAP"] == 2:
                class_keys[r["CLAS"]] = k
    return class_keys


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


def mbdb_string(data, pos):
    """(bytes or None, next position) of one mbdb string: u16 big-endian length, 0xFFFF = null."""
    (n,) = struct.unpack_from(">H", data, pos)
    if n == 0xFFFF:
        return None, pos + 2
    return data[pos + 2:pos + 2 + n], pos + 2 + n


def parse_mbdb(data):
    """Every record of a Manifest.mbdb, as dicts; raises ValueError on a malformed file."""
    if data[:6] != b"mbdb\x05\x00":
        raise ValueError("header %r" % data[:6])
    pos, out = 6, []
    while pos < len(data):
        rec = {}
        for key in ("domain", "path", "target", "hash", "key"):
            rec[key], pos = mbdb_string(data, pos)
        if pos + 40 > len(data):
            raise ValueError("truncated record at %d" % pos)
        (rec["mode"], rec["inode"], rec["uid"], rec["gid"], rec["mtime"], rec["ctime"], rec["btime"],
         rec["size"], rec["protection"], nprops) = struct.unpack_from(">HQIIIIIQBB", data, pos)
        pos += 40
        rec["props"] = []
        for _ in range(nprops):
            name, pos = mbdb_string(data, pos)
            value, pos = mbdb_string(data, pos)
            rec["props"].append((name, value))
        if pos > len(data):
            raise ValueError("record runs past the end")
        out.append(rec)
    return out


def read_manifest_mbdb(folder, exp):
    """Checks Manifest.mbdb (iOS 4-9, plain only); (rows, None) like read_manifest_db."""
    bid = exp["id"]
    check(not exp["encrypted"], "%s: an encrypted mbdb backup" % bid)
    check(not os.path.exists(os.path.join(folder, "Manifest.db")), "%s: Manifest.db beside Manifest.mbdb" % bid)
    with open(os.path.join(folder, "Manifest.mbdb"), "rb") as f:
        data = f.read()
    try:
        records = parse_mbdb(data)
    except (ValueError, struct.error) as e:
        check(False, "%s: Manifest.mbdb does not parse: %s" % (bid, e))
        return None
    counts = defaultdict(int)
    rows = []
    seen = set()
    nprops = defaultdict(int)
    for rec in records:
        try:
            domain, path = rec["domain"].decode("utf-8"), rec["path"].decode("utf-8")
        except (AttributeError, UnicodeDecodeError):
            check(False, "%s: domain/path not UTF-8: %r" % (bid, rec))
            continue
        check(unicodedata.normalize("NFD", path) == path, "%s: %r is not NFD" % (bid, path))
        check((domain, path) not in seen, "%s: %s-%s twice" % (bid, domain, path))
        seen.add((domain, path))
        check(rec["key"] is None, "%s: EncryptionKey in a plain backup" % bid)
        check((rec["uid"], rec["gid"]) == (501, 501), "%s: owner of %s" % (bid, path))
        check(rec["btime"] <= rec["mtime"] <= rec["ctime"], "%s: times of %s" % (bid, path))
        kind = rec["mode"] & 0xF000
        counts[kind] += 1
        nprops[len(rec["props"])] += 1
        if kind == 0x8000:
            check(rec["mode"] == 0x81A4, "%s: file mode %#x" % (bid, rec["mode"]))
            check(rec["hash"] is not None and len(rec["hash"]) == 20, "%s: DataHash of %s" % (bid, path))
            check(rec["target"] is None, "%s: file %s with a link target" % (bid, path))
            check(rec["protection"] in (1, 2, 3, 4), "%s: protection class %r" % (bid, rec["protection"]))
            file_id = hashlib.sha1(("%s-%s" % (domain, path)).encode("utf-8")).hexdigest()
            rows.append((file_id, domain, path, rec["size"], rec["protection"], None))
        else:
            check(rec["size"] == 0 and rec["hash"] is None and rec["protection"] == 0,
                  "%s: non-file %s size/hash/class" % (bid, path))
            check(not rec["props"], "%s: non-file %s has properties" % (bid, path))
            if kind == 0x4000:
                check(rec["mode"] == 0x41ED and rec["target"] is None, "%s: dir %s" % (bid, path))
            else:
                check(rec["mode"] == 0xA1ED and rec["target"], "%s: mode %#x of %s" % (bid, rec["mode"], path))
    check(counts[0x8000] == exp["files"], "%s: files %d != %s" % (bid, counts[0x8000], exp["files"]))
    check(counts[0x4000] == exp["directories"], "%s: directories %d != %s" % (bid, counts[0x4000], exp["directories"]))
    check(counts[0xA000] == exp["symlinks"], "%s: symlinks %d != %s" % (bid, counts[0xA000], exp["symlinks"]))
    check(set(counts) == {0x8000, 0x4000, 0xA000}, "%s: record kinds %r" % (bid, dict(counts)))
    check(nprops[1] > 0 and nprops[2] > 0, "%s: records with 1 and 2 properties %r" % (bid, dict(nprops)))
    # Every ancestor folder and every domain root is a directory record.
    dirs = {(r["domain"], r["path"]) for r in records if r["mode"] & 0xF000 == 0x4000}
    for domain, path in seen:
        parts = path.split("/")
        for i in range(len(parts) if path else 0):
            parent = "/".join(parts[:i]).encode("utf-8")
            check((domain.encode("utf-8"), parent) in dirs, "%s: no folder record for %r in %s" % (bid, parent, domain))
    return rows, None


def read_manifest_db(folder, exp, manifest, files):
    """Checks Manifest.db (decrypting it first for an encrypted backup); (rows, class keys) or None."""
    bid = exp["id"]
    db = os.path.join(folder, "Manifest.db")
    with open(db, "rb") as f:
        header = f.read(100)
    class_keys = None
    if exp["encrypted"]:
        check(isinstance(exp.get("password"), str) and exp["password"], "%s: record has a password" % bid)
        check(not header.startswith(b"SQLite format 3"), "%s: encrypted Manifest.db looks like SQLite" % bid)
        check(os.stat(db).st_size % 16 == 0, "%s: encrypted Manifest.db not block-aligned" % bid)
        manifest_key = manifest.get("ManifestKey", b"")
        check(len(manifest_key) == 44 and manifest_key[:4] == b"\x04\0\0\0", "%s: ManifestKey shape" % bid)
        kb_header, records, whole = parse_keybag(manifest.get("BackupKeyBag", b""))
        check(whole, "%s: keybag ends on a record boundary" % bid)
        check((kb_header.get("VERS"), kb_header.get("TYPE"), kb_header.get("WRAP"), kb_header.get("DPWT")) == (4, 1, 0, 1),
              "%s: keybag header %r" % (bid, {k: v for k, v in kb_header.items() if isinstance(v, int)}))
        check(len(kb_header.get("SALT", b"")) == 20 and len(kb_header.get("DPSL", b"")) == 20, "%s: salts" % bid)
        check(sorted(r.get("CLAS") for r in records) == list(range(1, 12)), "%s: classes 1..11" % bid)
        wraps = {r["CLAS"]: r["WRAP"] for r in records}
        check(sorted(set(wraps.values())) == [1, 2, 3], "%s: WRAP kinds %r" % (bid, wraps))
        check(all(len(r["WPKY"]) == 40 and r["KTYP"] == 0 for r in records), "%s: WPKY/KTYP" % bid)
        for f in files:
            if len(os.path.basename(f)) == 40:
                check(os.stat(f).st_size % 16 == 0, "%s: %s not block-aligned" % (bid, f))
        check(unlock(manifest, exp["password"] + "x") is None, "%s: a wrong password unlocks the keybag" % bid)
        class_keys = unlock(manifest, exp["password"])
        check(class_keys is not None, "%s: the recorded password does not unlock the keybag" % bid)
        if class_keys is None:
            return None
        db_key = aes_unwrap(class_keys[4], manifest_key[4:])
        check(db_key is not None, "%s: ManifestKey does not unwrap under class 4" % bid)
        if db_key is None:
            return None
        with open(db, "rb") as f:
            try:
                plain = aes_cbc_decrypt(db_key, f.read())
            except ValueError as e:
                check(False, "%s: Manifest.db does not decrypt: %s" % (bid, e))
                return None
        tmp = tempfile.mkdtemp(prefix="check-fixtures-")
        TEMP_DIRS.append(tmp)
        db = os.path.join(tmp, "Manifest.db")
        with open(db, "wb") as f:
            f.write(plain)
        header = plain[:100]

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
        protection = resolve(archive, "ProtectionClass")
        key_obj = resolve(archive, "EncryptionKey") if "EncryptionKey" in mb else None
        if flags == 1:
            check(protection in (1, 2, 3, 4), "%s: protection class %r" % (bid, protection))
            variants["class%d" % protection] += 1
            rows.append((file_id, domain, path, size, protection, key_obj))
            if class_keys is None:
                check(key_obj is None, "%s: EncryptionKey in a plain backup" % bid)
            else:
                key_class = None
                if isinstance(key_obj, dict) and isinstance(key_obj.get("$class"), plistlib.UID):
                    key_class = archive["$objects"][key_obj["$class"].data].get("$classname")
                check(key_class == "NSMutableData", "%s: EncryptionKey class of %s" % (bid, path))
                data = key_obj.get("NS.data", b"") if isinstance(key_obj, dict) else b""
                check(len(data) == 44 and struct.unpack("<I", data[:4])[0] == protection,
                      "%s: EncryptionKey of %s names class %r" % (bid, path, data[:4]))
        else:
            check(size == 0, "%s: non-file %s has Size %s" % (bid, path, size))
            check(protection == 0 and key_obj is None, "%s: non-file %s class/key" % (bid, path))
        if flags == 4:
            check(isinstance(resolve(archive, "Target"), str), "%s: symlink target" % bid)
    con.close()
    check(counts[1] == exp["files"], "%s: files %d != %s" % (bid, counts[1], exp["files"]))
    check(counts[2] == exp["directories"], "%s: directories %d != %s" % (bid, counts[2], exp["directories"]))
    check(counts[4] == exp["symlinks"], "%s: symlinks %d != %s" % (bid, counts[4], exp["symlinks"]))
    check(counts[16] >= 1, "%s: no flags-16 row" % bid)
    check(all(variants[k] > 0 for k in ("digest", "xattrs", "size_uid", "class1", "class2", "class3", "class4")),
          "%s: blob variants %r" % (bid, dict(variants)))
    cli = sqlite_cli_counts(db)
    if cli is not None:
        check(cli == dict(counts), "%s: sqlite3 CLI counts %r vs %r" % (bid, cli, dict(counts)))
    check(not os.path.exists(db + "-wal") and not os.path.exists(db + "-shm"), "%s: -wal/-shm left" % bid)
    return rows, class_keys

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

    fmt = exp.get("format")
    check(fmt in ("manifest-db", "manifest-mbdb"), "%s: format %r" % (bid, fmt))
    if fmt == "manifest-mbdb":
        check(manifest["Version"] == "9.1" and status["Version"] == "2.4", "%s: versions" % bid)
        read = read_manifest_mbdb(folder, exp)
        data_path = lambda fid: os.path.join(folder, fid)
    else:
        check(manifest["Version"] == "10.0" and status["Version"] == "3.3", "%s: versions" % bid)
        read = read_manifest_db(folder, exp, manifest, files)
        data_path = lambda fid: os.path.join(folder, fid[:2], fid)
    if read is None:
        return
    rows, class_keys = read

    check(sum(r[3] for r in rows) == exp["bytes"], "%s: bytes" % bid)
    domains = defaultdict(lambda: [0, 0])
    missing = [0, 0]
    ids = set()
    decrypted = 0
    for file_id, domain, path, size, protection, key_obj in rows:
        ids.add(file_id)
        domains[domain][0] += 1
        domains[domain][1] += size
        data = data_path(file_id)
        if os.path.exists(data):
            on_disk = os.stat(data).st_size
            want = size if class_keys is None else size // 16 * 16 + 16
            check(on_disk == want, "%s: %s-%s on disk %d != %d (Size %d)" % (bid, domain, path, on_disk, want, size))
            if class_keys is not None and on_disk <= 4096:
                # Small files are real ciphertext of the plain backup's zero bytes.
                file_key = aes_unwrap(class_keys[protection], key_obj["NS.data"][4:])
                with open(data, "rb") as f:
                    try:
                        ok = file_key is not None and aes_cbc_decrypt(file_key, f.read()) == bytes(size)
                    except ValueError:
                        ok = False
                check(ok, "%s: %s-%s does not decrypt to %d zero bytes" % (bid, domain, path, size))
                decrypted += 1
        else:
            missing[0] += 1
            missing[1] += size
    if class_keys is not None:
        check(decrypted > 0, "%s: no data file small enough to decrypt" % bid)
    got = {d: {"files": c[0], "bytes": c[1]} for d, c in domains.items()}
    check(got == exp["domains"], "%s: per-domain sums differ" % bid)
    check(missing == [exp["missing"]["files"], exp["missing"]["bytes"]], "%s: missing %r vs %r" % (bid, missing, exp["missing"]))

    orphans = [0, 0]
    if fmt == "manifest-mbdb":
        # Flat: data files beside the manifest, no shard folders.
        known = {"Info.plist", "Manifest.plist", "Status.plist", "Manifest.mbdb"}
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            check(os.path.isfile(path) or name == "Snapshot", "%s: folder %s in a flat backup" % (bid, name))
            if os.path.isfile(path) and name not in known and name not in ids:
                orphans[0] += 1
                orphans[1] += os.stat(path).st_size
    else:
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
    for file_id, domain, path, size, _, _ in rows:
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


# --- extracted trees ------------------------------------------------------------------------

# (device root, domain or container kind), longest root first; "private/" is optional.
DEVICE_ROOTS = [
    ("var/mobile/Containers/Data/Application/", "AppDomain-"),
    ("var/mobile/Containers/Shared/AppGroup/", "AppDomainGroup-"),
    ("var/mobile/Containers/Data/PluginKitPlugin/", "AppDomainPlugin-"),
    ("var/containers/Data/System/", "SysContainerDomain-"),
    ("var/containers/Shared/SystemGroup/", "SysSharedContainerDomain-"),
    ("var/mobile/Media/Books/", "BooksDomain"),
    ("var/Managed Preferences/", "ManagedPreferencesDomain"),
    ("var/preferences/", "SystemPreferencesDomain"),
    ("var/MobileDevice/", "MobileDeviceDomain"),
    ("var/Keychains/", "KeychainDomain"),
    ("var/protected/", "ProtectedDomain"),
    ("var/installd/", "InstallDomain"),
    ("var/networkd/", "NetworkDomain"),
    ("var/wireless/", "WirelessDomain"),
    ("var/mobile/", "mobile"),
    ("var/root/", "RootDomain"),
    ("var/db/", "DatabaseDomain"),
]
# Six domains (and Health, under Library/) share /var/mobile: told apart by path prefix (§6).
MOBILE_PREFIXES = [
    (("Library/Health/", "Library/MedicalID/"), "HealthDomain"),
    (("Media/DCIM/", "Media/PhotoData/", "Media/Deferred/", "Media/Memories/"), "CameraRollDomain"),
    (("Library/SMS/Attachments/", "Library/SMS/Parts/", "Library/SMS/StickerCache/",
      "Media/Recordings/", "Library/Recordings/"), "MediaDomain"),
    (("Library/Keyboard/",), "KeyboardDomain"),
    (("Media/iTunes_Control/Ringtones/", "Media/iTunes_Control/iTunes/Ringtones.plist"), "TonesDomain"),
    (("Library/homed/",), "HomeKitDomain"),
]


def device_domain(rel):
    """(domain, relativePath) for a path in a device tree, or None."""
    if rel.startswith("private/"):
        rel = rel[len("private/"):]
    for root, kind in DEVICE_ROOTS:
        if not rel.startswith(root):
            continue
        rest = rel[len(root):]
        if kind.endswith("-"):
            ident, _, path = rest.partition("/")
            return kind + ident, path
        if kind != "mobile":
            return kind, rest
        for prefixes, domain in MOBILE_PREFIXES:
            if rest.startswith(prefixes):
                if domain == "HealthDomain":
                    rest = rest[len("Library/"):]
                return domain, rest
        return "HomeDomain", rest
    return None


def check_extracted(folder, exp):
    bid = exp["id"]
    device = exp["format"] == "extracted-device-paths"
    check(os.path.isdir(folder), "%s: no folder %s" % (bid, folder))
    seen = set()
    rows = []
    dirs = links = 0
    unmapped = []
    for dirpath, dirnames, filenames in os.walk(folder):
        for n in list(dirnames):
            if os.path.islink(os.path.join(dirpath, n)):
                links += 1
            else:
                dirs += 1
        for n in filenames:
            full = os.path.join(dirpath, n)
            st = os.lstat(full)
            if os.path.islink(full):
                links += 1
                continue
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            rel = os.path.relpath(full, folder).replace(os.sep, "/")
            if device:
                mapped = device_domain(rel)
            else:
                domain, _, path = rel.partition("/")
                mapped = (domain, path)
            if mapped is None:
                unmapped.append(rel)
                continue
            rows.append((mapped[0], mapped[1], st.st_size))
    check(not unmapped, "%s: paths with no domain: %r" % (bid, unmapped[:5]))
    total = [len(rows), sum(r[2] for r in rows)]
    check(total == [exp["disk_files"], exp["disk_bytes"]], "%s: disk %r vs %r" % (bid, total, [exp["disk_files"], exp["disk_bytes"]]))
    check(total == [exp["files"], exp["bytes"]], "%s: files %r vs %r" % (bid, total, [exp["files"], exp["bytes"]]))
    check(links == exp["symlinks"], "%s: symlinks %d vs %d" % (bid, links, exp["symlinks"]))
    # git keeps no empty folders, so a clone has fewer than were written: report, do not fail.
    if dirs != exp["directories"]:
        print("note: %s: %d folders on disk, %d written (empty folders are not in git)" % (bid, dirs, exp["directories"]))
    doms = defaultdict(lambda: [0, 0])
    cats = defaultdict(lambda: [0, 0])
    for domain, path, size in rows:
        doms[domain][0] += 1
        doms[domain][1] += size
    installed = {d[len("AppDomain-"):] for d in doms if d.startswith("AppDomain-")}
    apps = {}
    for domain, path, size in rows:
        cat = category(domain, path)
        cats[cat][0] += 1
        cats[cat][1] += size
        if cat == "apps":
            key, _ = owner(domain, installed)
            app = apps.setdefault(key, {"bytes": 0, "files": 0, "domains": set()})
            app["bytes"] += size
            app["files"] += 1
            app["domains"].add(domain)
    got = {d: {"files": v[0], "bytes": v[1]} for d, v in doms.items()}
    check(got == exp["domains"], "%s: domains differ:\n  got  %r\n  want %r" % (bid, got, exp["domains"]))
    got = {c: {"files": v[0], "bytes": v[1]} for c, v in cats.items()}
    check(got == exp["categories"], "%s: categories differ:\n  got  %r\n  want %r" % (bid, got, exp["categories"]))
    # No plists in an extracted tree, so no display names to check.
    want_apps = {k: {"bytes": v["bytes"], "files": v["files"], "domains": set(v["domains"])} for k, v in exp["apps"].items()}
    check(apps == want_apps, "%s: apps differ:\n  got  %r\n  want %r" % (bid, apps, want_apps))
    print("%s (%s): %d files, %d bytes, %d domains, %d symlinks, %d folders" % (bid, exp["format"], total[0], total[1], len(doms), links, dirs))


EXTRACTED_DIRS = {"extracted-domains": "extracted-domains", "extracted-device-paths": "device-tree"}


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out = sys.argv[1]
    with open(os.path.join(out, "expected.json"), encoding="utf-8") as f:
        expected = json.load(f)
    parent = os.path.join(out, "Backup") if os.path.isdir(os.path.join(out, "Backup")) else out
    aes_self_test()
    extracted = [e for e in expected["backups"] if e["format"] in EXTRACTED_DIRS]
    for exp in extracted:
        sub = os.path.join(out, EXTRACTED_DIRS[exp["format"]], exp["id"])
        check_extracted(sub if os.path.isdir(sub) else os.path.join(out, exp["id"]), exp)
    if extracted:
        print("check_sample: %d passed, %d failed" % (PASSED, FAILED))
        return 1 if FAILED else 0
    try:
        for exp in expected["backups"]:
            check_backup(os.path.join(parent, exp["id"]), exp)
    finally:
        for tmp in TEMP_DIRS:
            shutil.rmtree(tmp, ignore_errors=True)
    others = sorted(n for n in os.listdir(parent) if os.path.isdir(os.path.join(parent, n)))
    backups = sorted(b["id"] for b in expected["backups"])
    check(sorted(set(others) - set(backups)) == sorted(expected["skipped"]), "skipped folders %r" % others)
    print("check_sample: %d passed, %d failed" % (PASSED, FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
