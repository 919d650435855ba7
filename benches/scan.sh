#!/usr/bin/env bash
# Times `cloudfit scan --json` against `du -s` and the sqlite3 floor (every Manifest.db row and blob read
# once) on the same generated backup, warm cache, and measures cloudfit's peak memory.
#
#   benches/scan.sh [FILES ...]        default: 300000 1000000 1500000
#
# Needs hyperfine, sqlite3 and GNU time (Debian: apt-get install hyperfine sqlite3 time).
# Opt-in: PYIOSBACKUP_PYTHON=/path/to/venv/bin/python (a Python with `pip install pyiosbackup`) adds
# pyiosbackup's full listing of the same backup, one run (it takes minutes at these sizes).
# Generated backups are sparse (no disk cost for their bytes) and cached in target/bench-backups/<FILES>.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in hyperfine sqlite3 du /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "benches/scan.sh: $tool is required" >&2; exit 2; }
done

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(300000 1000000 1500000)

cargo build --release --quiet --bin cloudfit
cargo build --release --quiet -p cloudfit-synth --bin make-backup
bin=target/release/cloudfit
cache=target/bench-backups
mkdir -p "$cache"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# pyiosbackup's full listing: every entry with its size. It writes a copy of Manifest.db to the temp folder on
# every open and leaves it there, so it is pointed at our own temp folder, removed after each run.
cat > "$work/pyiosbackup_list.py" <<'EOF'
import sys
import pyiosbackup
from pyiosbackup.manifest_dbs import sqlite3 as manifest

# pyiosbackup 0.2.4 stops at the first row it cannot decode (real backups have flags-16 rows with no MBFile);
# skip those rows and count them, so the rest is listed and timed.
load = manifest.ManifestDbSqlite3._load_entry
skipped = 0
def load_or_skip(row):
    global skipped
    try:
        return load(row)
    except Exception:
        skipped += 1
        return None
def all_entries(self):
    rows = self._cursor.execute(f"{manifest.ENTRIES_QUERY} ORDER BY relativePath").fetchall()
    return (e for e in map(load_or_skip, rows) if e is not None)
manifest.ManifestDbSqlite3.get_all_entries = all_entries

backup = pyiosbackup.Backup.from_path(sys.argv[1])
entries = size = unsized = 0
for entry in backup.iter_entries():
    entries += 1
    if isinstance(entry.size, int):
        size += entry.size
    else:  # a Size stored as a reference, which pyiosbackup hands back unresolved
        unsized += 1
print(entries, "entries,", size, "bytes;", skipped, "rows skipped,", unsized, "sizes unresolved")
EOF

echo "machine: $(nproc) cores, $(uname -sr)"
header='| files | Manifest.db | cloudfit scan --json | du -s | sqlite3 floor | cloudfit/du | cloudfit/sqlite3 | cloudfit peak RSS |'
[ -z "${PYIOSBACKUP_PYTHON:-}" ] || header="$header pyiosbackup listing |"
echo "$header"
echo "$header" | awk -F'|' '{ s = "|"; for (i = 2; i < NF; i++) s = s "---:|"; print s }'
declare -A medians
for n in "${sizes[@]}"; do
  out="$cache/$n"
  if [ ! -f "$out/expected.json" ]; then
    rm -rf "$out"
    target/release/make-backup "$out" --files "$n" >/dev/null
  fi
  backup=$(find "$out" -mindepth 1 -maxdepth 1 -type d | head -n 1)
  uri="file:$backup/Manifest.db?immutable=1"
  db_bytes=$(stat -c %s "$backup/Manifest.db")
  csv="$work/$n.csv"
  hyperfine --warmup 2 --runs 10 --style none --export-csv "$csv" \
    -n cloudfit "$bin scan $backup --json" \
    -n du "du -s $backup" \
    -n sqlite3 "sqlite3 '$uri' 'select count(*), sum(length(file)) from Files'" >/dev/null
  median() { awk -F, -v n="$1" '$1==n {print $4}' "$csv"; }
  c=$(median cloudfit); d=$(median du); s=$(median sqlite3)
  medians[$n]=$c
  rss=$(/usr/bin/time -v "$bin" scan "$backup" --json 2>&1 >/dev/null | awk -F': ' '/Maximum resident/ {print $2}')
  row=$(awk -v n="$n" -v db="$db_bytes" -v c="$c" -v d="$d" -v s="$s" -v rss="$rss" 'BEGIN {
    printf "| %d | %.2f GB | %.3f s | %.3f s | %.3f s | %.2f | %.2f | %d MB |", n, db / 1e9, c, d, s, c / d, c / s, rss * 1024 / 1e6 }')
  if [ -n "${PYIOSBACKUP_PYTHON:-}" ]; then
    start=$(date +%s.%N)
    if TMPDIR="$work" "$PYIOSBACKUP_PYTHON" "$work/pyiosbackup_list.py" "$backup" >/dev/null 2>"$work/py.err"; then
      row="$row $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f s", b - a }') |"
    else
      row="$row fails: $(tail -n 1 "$work/py.err" | cut -c1-60) |"
    fi
    rm -rf "${work:?}"/tmp* 2>/dev/null || true
  fi
  echo "$row"
done

# Linear cost: the largest size's time over the smallest's, against the ratio of their file counts.
if [ ${#sizes[@]} -gt 1 ]; then
  small=${sizes[0]}; large=${sizes[-1]}
  awk -v a="$small" -v b="$large" -v ta="${medians[$small]}" -v tb="${medians[$large]}" 'BEGIN {
    printf "scaling: %d files take %.2f x the time of %d files (%.1f x the files)\n", b, tb / ta, a, b / a }'
fi
