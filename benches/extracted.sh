#!/usr/bin/env bash
# Times `cloudfit scan --json` on a tree another tool already extracted (the parallel walk) against `du -s` on the
# same tree, warm cache, and measures cloudfit's peak memory.
#
#   benches/extracted.sh [FILES ...]        default: 1000000
#   LAYOUT=device-paths benches/extracted.sh  the `private/var/…` layout instead of domain folders
#
# Needs hyperfine, du and GNU time (Debian: apt-get install hyperfine time).
# Generated trees are sparse (no disk cost for their bytes, one inode per file and folder) and cached in
# target/bench-backups/extracted-<LAYOUT>-<FILES>.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in hyperfine du /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "benches/extracted.sh: $tool is required" >&2; exit 2; }
done

layout=${LAYOUT:-domains}
case "$layout" in
  domains | device-paths) ;;
  *) echo "benches/extracted.sh: LAYOUT must be domains or device-paths, not $layout" >&2; exit 2 ;;
esac
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000)

cargo build --release --quiet --bin cloudfit
cargo build --release --quiet -p cloudfit-synth --bin make-backup
bin=target/release/cloudfit
cache=target/bench-backups
mkdir -p "$cache"

echo "machine: $(nproc) cores, $(uname -sr); layout: $layout"
# Medians of wall time; CPU is the mean user + system time of a run (on a busy machine the walk gets fewer cores,
# and CPU shows how much work each tool does regardless).
printf '| files | folders | cloudfit scan --json | du -s | cloudfit/du | cloudfit CPU | du CPU | cloudfit peak RSS |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for n in "${sizes[@]}"; do
  out="$cache/extracted-$layout-$n"
  if [ ! -f "$out/expected.json" ]; then
    rm -rf "$out"
    target/release/make-backup "$out" --files "$n" --extracted "$layout" >/dev/null
  fi
  tree=$(find "$out/" -mindepth 1 -maxdepth 1 -type d | head -n 1)  # the slash: $out may be a symlink
  folders=$(grep -o '"directories": *[0-9]*' "$out/expected.json" | head -n 1 | grep -o '[0-9]*$')
  # Warm the dentry and inode caches once before hyperfine's own warmup runs.
  du -s "$tree" >/dev/null
  csv=$(mktemp)
  hyperfine --warmup 2 --runs 10 --style none --export-csv "$csv" \
    -n cloudfit "$bin scan '$tree' --json" \
    -n du "du -s '$tree'" >/dev/null
  median() { awk -F, -v n="$1" '$1==n {print $4}' "$csv"; }
  cpu() { awk -F, -v n="$1" '$1==n {print $5 + $6}' "$csv"; }
  c=$(median cloudfit); d=$(median du); cc=$(cpu cloudfit); dc=$(cpu du)
  rss=$(/usr/bin/time -v "$bin" scan "$tree" --json 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}')
  awk -v n="$n" -v f="$folders" -v c="$c" -v d="$d" -v cc="$cc" -v dc="$dc" -v rss="$rss" 'BEGIN {
    printf "| %d | %d | %.3f s | %.3f s | %.2f | %.2f s | %.2f s | %d MB |\n", n, f, c, d, c / d, cc, dc, rss * 1024 / 1000000 }'
  rm -f "$csv"
done
