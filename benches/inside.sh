#!/usr/bin/env bash
# Times looking inside a backup (`top`, `tree`, `report`) against `scan --json` on the same generated backup,
# warm cache, and measures each command's peak memory. The targets (issue 17): top and tree within 1.5 x
# scan, report within 2 x, each under 250 MB at 1.5 million files.
#
#   benches/inside.sh [FILES ...]        default: 1500000
#
# BASELINE=/path/to/an/older/cloudfit adds that binary's `scan --json` to the same run, to compare scan
# itself across a change. Needs hyperfine and GNU time (Debian: apt-get install hyperfine time).
# Generated backups are sparse and cached in target/bench-backups/<FILES>, shared with benches/scan.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in hyperfine /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "benches/inside.sh: $tool is required" >&2; exit 2; }
done

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1500000)

cargo build --release --quiet --bin cloudfit
cargo build --release --quiet -p cloudfit-synth --bin make-backup
bin=target/release/cloudfit
cache=target/bench-backups
mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

commands=(
  "scan|scan BACKUP --json"
  "top|top BACKUP --json"
  "top --type photos|top BACKUP --type photos --json"
  "tree --type apps|tree BACKUP --type apps --json"
  "tree --domain CameraRollDomain|tree BACKUP --domain CameraRollDomain --json"
)
# `report` exists from the commit that adds it on.
if "$bin" report --help >/dev/null 2>&1; then
  commands+=("report|report BACKUP --output $work/report.html")
fi

echo "machine: $(nproc) cores, $(uname -sr)"
for n in "${sizes[@]}"; do
  out="$cache/$n"
  if [ ! -f "$out/expected.json" ]; then
    rm -rf "$out"
    target/release/make-backup "$out" --files "$n" >/dev/null
  fi
  backup=$(find "$out" -mindepth 1 -maxdepth 1 -type d | head -n 1)
  args=()
  for c in "${commands[@]}"; do
    args+=(-n "${c%%|*}" "$bin ${c#*|}")
  done
  if [ -n "${BASELINE:-}" ]; then
    args+=(-n "scan (baseline)" "$BASELINE scan BACKUP --json")
  fi
  csv="$work/$n.csv"
  # BACKUP in the commands above stands for the generated backup's folder.
  for i in "${!args[@]}"; do args[i]=${args[i]//BACKUP/$backup}; done
  hyperfine --warmup 2 --runs 10 --style none --export-csv "$csv" "${args[@]}" >/dev/null
  echo
  echo "$n files:"
  echo "| command | median | / scan | peak RSS |"
  echo "|---|---:|---:|---:|"
  scan=$(awk -F, '$1=="scan" {print $4}' "$csv")
  for c in "${commands[@]}" ${BASELINE:+"scan (baseline)|"}; do
    name=${c%%|*}
    line=${c#*|}
    median=$(awk -F, -v n="$name" '$1==n {print $4}' "$csv")
    if [ "$name" = "scan (baseline)" ]; then
      rss=$(/usr/bin/time -v "$BASELINE" scan "$backup" --json 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}')
    else
      # shellcheck disable=SC2086
      rss=$(/usr/bin/time -v $bin ${line//BACKUP/$backup} 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}')
    fi
    awk -v n="$name" -v m="$median" -v s="$scan" -v rss="$rss" 'BEGIN {
      printf "| %s | %.3f s | %.2f | %d MB |\n", n, m, m / s, rss * 1024 / 1e6 }'
  done
done
