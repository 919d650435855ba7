#!/usr/bin/env bash
# Times `cloudfit scan --json` against `du -s` and the sqlite3 floor (every Manifest.db row and blob read once)
# on the same generated backup, warm cache, and measures cloudfit's peak memory.
#
#   benches/scan.sh [FILES ...]        default: 1000000
#
# Needs hyperfine, sqlite3 and GNU time (Debian: apt-get install hyperfine sqlite3 time).
# Generated backups are sparse (no disk cost for their bytes) and cached in target/bench-backups/<FILES>.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in hyperfine sqlite3 du /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "benches/scan.sh: $tool is required" >&2; exit 2; }
done

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000)

cargo build --release --quiet --bin cloudfit --example make-backup
bin=target/release/cloudfit
cache=target/bench-backups
mkdir -p "$cache"

echo "machine: $(nproc) cores, $(uname -sr)"
printf '| files | cloudfit scan --json | du -s | sqlite3 floor | cloudfit/du | cloudfit/sqlite3 | cloudfit peak RSS |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|\n'
for n in "${sizes[@]}"; do
  out="$cache/$n"
  if [ ! -f "$out/expected.json" ]; then
    rm -rf "$out"
    target/release/examples/make-backup "$out" --files "$n" >/dev/null
  fi
  backup=$(find "$out" -mindepth 1 -maxdepth 1 -type d | head -n 1)
  uri="file:$backup/Manifest.db?immutable=1"
  csv=$(mktemp)
  hyperfine --warmup 2 --runs 10 --style none --export-csv "$csv" \
    -n cloudfit "$bin scan $backup --json" \
    -n du "du -s $backup" \
    -n sqlite3 "sqlite3 '$uri' 'select count(*), sum(length(file)) from Files'" >/dev/null
  median() { awk -F, -v n="$1" '$1==n {print $4}' "$csv"; }
  c=$(median cloudfit); d=$(median du); s=$(median sqlite3)
  rss=$(/usr/bin/time -v "$bin" scan "$backup" --json 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}')
  awk -v n="$n" -v c="$c" -v d="$d" -v s="$s" -v rss="$rss" 'BEGIN {
    printf "| %d | %.3f s | %.3f s | %.3f s | %.2f | %.2f | %d MB |\n", n, c, d, s, c / d, c / s, rss * 1024 / 1000000 }'
  rm -f "$csv"
done
