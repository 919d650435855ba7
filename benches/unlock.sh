#!/usr/bin/env bash
# Times unlocking and reading an encrypted backup at a real device's key-derivation cost
# (10,000,000 PBKDF2-HMAC-SHA256 rounds, then 10,000 PBKDF2-HMAC-SHA1), and measures peak memory:
#   - cloudfit's key derivation alone against OpenSSL doing the same (Python's hashlib.pbkdf2_hmac): the ratio;
#   - `cloudfit scan --json --password-file` (unlock + Manifest.db decrypted page by page + disk listing),
#     against `cloudfit list` on the same backup without the password (plists and the on-disk listing only);
#   - every Manifest.db row read page by page (what cloudfit does) against the whole file decrypted into
#     memory first (the old way), with examples/read-encrypted: time and peak RSS of each;
#   - raw AES-256-CBC decryption throughput (a release unit test over a 512 MiB file).
#
#   benches/unlock.sh [FILES [OUT]]    default: 100000 files, OUT = target/bench-backups/encrypted-<FILES>
#
# Needs hyperfine, python3 and GNU time (Debian: apt-get install hyperfine time). The generated backup is
# sparse (little disk) and cached in OUT; pass an OUT outside the repository to share it between clones.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in hyperfine python3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "benches/unlock.sh: $tool is required" >&2; exit 2; }
done

n=${1:-100000}
out=${2:-target/bench-backups/encrypted-$n}
password="bench password"
cargo build --release --quiet --bin cloudfit
cargo build --release --quiet --features reference --example read-encrypted
cargo build --release --quiet -p cloudfit-synth --bin make-backup
if [ ! -f "$out/expected.json" ]; then
  rm -rf "$out"
  target/release/make-backup "$out" --files "$n" --encrypted "$password" >/dev/null
fi
backup=$(find "$out" -mindepth 1 -maxdepth 1 -type d | head -n 1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pwfile=$work/password
printf '%s\n' "$password" > "$pwfile"
bin=target/release/cloudfit
reader=target/release/examples/read-encrypted
openssl="python3 -c \"import hashlib; k=hashlib.pbkdf2_hmac('sha256', b'x', b'0'*20, 10_000_000, 32); hashlib.pbkdf2_hmac('sha1', k, b'1'*20, 10_000, 32)\""

echo "machine: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg); $(grep -o -w 'aes\|sha_ni' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "backup: $n files, Manifest.db $(stat -c %s "$backup/Manifest.db") bytes"
hyperfine --warmup 1 --runs 5 --style basic --export-csv "$work/times.csv" \
  -n "cloudfit key derivation" "$reader $backup $pwfile --unlock-only" \
  -n "openssl key derivation" "$openssl" \
  -n "cloudfit scan (unlock + decrypt + read)" "$bin scan $backup --json --password-file $pwfile" \
  -n "cloudfit list without password" "$bin list $backup --json" \
  -n "rows page by page (unlock + read)" "$reader $backup $pwfile" \
  -n "rows from a whole copy (unlock + decrypt all + read)" "$reader $backup $pwfile --whole-copy"

median() { awk -F, -v n="$1" '$1==n {print $4}' "$work/times.csv"; }
rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -n 1; }
scan_rss=$(rss "$bin" scan "$backup" --json --password-file "$pwfile")
page_rss=$(rss "$reader" "$backup" "$pwfile")
copy_rss=$(rss "$reader" "$backup" "$pwfile" --whole-copy)
echo
echo "| measure | median | peak RSS |"
echo "|---|---:|---:|"
awk -v k="$(median 'cloudfit key derivation')" -v o="$(median 'openssl key derivation')" 'BEGIN {
  printf "| key derivation: cloudfit / OpenSSL | %.3f s / %.3f s = %.2fx (target <= 1.2x) | |\n", k, o, k / o }'
awk -v t="$(median 'cloudfit scan (unlock + decrypt + read)')" -v r="$scan_rss" 'BEGIN {
  printf "| cloudfit scan --json --password-file | %.3f s | %d MB |\n", t, r * 1024 / 1e6 }'
awk -v t="$(median 'cloudfit list without password')" 'BEGIN { printf "| cloudfit list (no password) | %.3f s | |\n", t }'
awk -v p="$(median 'rows page by page (unlock + read)')" -v c="$(median 'rows from a whole copy (unlock + decrypt all + read)')" \
    -v k="$(median 'cloudfit key derivation')" -v pr="$page_rss" -v cr="$copy_rss" 'BEGIN {
  printf "| all rows, page by page (minus unlock) | %.3f s (%.3f s) | %d MB |\n", p, p - k, pr * 1024 / 1e6
  printf "| all rows, whole copy (minus unlock) | %.3f s (%.3f s) | %d MB |\n", c, c - k, cr * 1024 / 1e6 }'

echo
cargo test --release --quiet --lib decryption_throughput -- --ignored --nocapture 2>/dev/null | grep 'GB/s'
