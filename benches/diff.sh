#!/usr/bin/env bash
# Times `diff --json` of a backup and its earlier copy against `scan --json` of the backup alone, warm cache,
# and measures peak memory. The target (issue 18): diff within 2.5 x one scan, with bounded memory, at
# 1.5 million files.
#
#   benches/diff.sh [FILES ...]        default: 1500000
#
# Needs hyperfine and GNU time (Debian: apt-get install hyperfine time). The generated pairs (`make-backup
# --pair`: the backup, and its copy of 80 days before with 100 files deleted and 100 grown since) are
# sparse and cached in target/bench-backups/pair-<FILES>.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in hyperfine /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "benches/diff.sh: $tool is required" >&2; exit 2; }
done

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1500000)
runs=${RUNS:-5}

cargo build --release --quiet --bin cloudfit
cargo build --release --quiet -p cloudfit-synth --bin make-backup
bin=target/release/cloudfit
cache=target/bench-backups
mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, $(uname -sr)"
for n in "${sizes[@]}"; do
  out="$cache/pair-$n"
  if [ ! -f "$out/expected.json" ]; then
    rm -rf "$out"
    target/release/make-backup "$out" --files "$n" --pair >/dev/null
  fi
  new=$(find "$out" -mindepth 1 -maxdepth 1 -type d ! -name '*-*-*' | head -n 1)
  old=$(find "$out" -mindepth 1 -maxdepth 1 -type d -name "$(basename "$new")-*" | head -n 1)
  csv="$work/$n.csv"
  hyperfine --warmup 2 --runs "$runs" --style none --export-csv "$csv" \
    -n scan "$bin scan $new --json" \
    -n diff "$bin diff $old $new --json" >/dev/null
  scan=$(awk -F, '$1=="scan" {print $4}' "$csv")
  diff=$(awk -F, '$1=="diff" {print $4}' "$csv")
  rss_scan=$(/usr/bin/time -v "$bin" scan "$new" --json 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}')
  rss_diff=$(/usr/bin/time -v "$bin" diff "$old" "$new" --json 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}')
  echo
  echo "$n files:"
  echo "| command | median | / scan | peak RSS |"
  echo "|---|---:|---:|---:|"
  awk -v m="$scan" -v rss="$rss_scan" 'BEGIN { printf "| `scan --json` | %.3f s | 1.00 | %d MB |\n", m, rss * 1024 / 1e6 }'
  awk -v m="$diff" -v s="$scan" -v rss="$rss_diff" 'BEGIN { printf "| `diff OLD NEW --json` | %.3f s | %.2f | %d MB |\n", m, m / s, rss * 1024 / 1e6 }'
done
