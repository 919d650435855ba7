#!/usr/bin/env bash
# Times unlocking and reading an encrypted backup at a real device's key-derivation cost
# (10,000,000 PBKDF2-HMAC-SHA256 rounds, then 10,000 PBKDF2-HMAC-SHA1), against:
#   - OpenSSL doing the same derivation (Python's hashlib.pbkdf2_hmac), the reference for the unlock alone;
#   - cloudfit listing the same backup without the password (plists and the on-disk listing only).
#
#   benches/unlock.sh [FILES]        default: 100000
#
# Needs hyperfine and python3. The generated backup is cached in target/bench-backups/encrypted-<FILES>.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "benches/unlock.sh: hyperfine is required" >&2; exit 2; }
command -v python3 >/dev/null || { echo "benches/unlock.sh: python3 is required" >&2; exit 2; }

n=${1:-100000}
password="bench password"
cargo build --release --quiet --bin cloudfit --example make-backup
out=target/bench-backups/encrypted-$n
if [ ! -f "$out/expected.json" ]; then
  rm -rf "$out"
  target/release/examples/make-backup "$out" --files "$n" --encrypted "$password" >/dev/null
fi
backup=$(find "$out" -mindepth 1 -maxdepth 1 -type d | head -n 1)
pwfile=$(mktemp)
trap 'rm -f "$pwfile"' EXIT
printf '%s\n' "$password" > "$pwfile"

echo "machine: $(nproc) cores, $(uname -sr); Manifest.db $(stat -c %s "$backup/Manifest.db") bytes, $n files"
hyperfine --warmup 1 --runs 5 --style basic \
  -n "cloudfit scan (unlock + decrypt + read)" "target/release/cloudfit scan $backup --json --password-file $pwfile" \
  -n "cloudfit list without password (disk listing only)" "target/release/cloudfit list $backup --json" \
  -n "openssl pbkdf2 (same derivation)" \
  "python3 -c \"import hashlib; k=hashlib.pbkdf2_hmac('sha256', b'x', b'0'*20, 10_000_000, 32); hashlib.pbkdf2_hmac('sha1', k, b'1'*20, 10_000, 32)\""
