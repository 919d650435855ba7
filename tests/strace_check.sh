#!/usr/bin/env bash
# Opt-in: proves cloudfit writes nothing *at any time* during a run, not just that nothing differs after it.
# Runs every command on every format of the committed samples under strace and fails on any system call that
# opens a file for writing, creates, renames, removes, truncates or links anything, makes a folder, or takes
# a file lock, anywhere on the machine (the terminal and /dev/null aside).
#
#   tests/strace_check.sh [BINARY]        (needs strace: apt-get install strace)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/cloudfit}
[ -x "$bin" ] || cargo build --quiet
command -v strace >/dev/null || { echo "strace is not installed (apt-get install strace)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r fixtures/MobileSync fixtures/extracted "$work/"
python3 - "$work/MobileSync/expected.json" > "$work/passwords" <<'PY'
import json, sys
for b in json.load(open(sys.argv[1]))["backups"]:
    if b.get("password"):
        print(f'{b["udid"]}={b["password"]}')
PY

writes='O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_TMPFILE|unlink|rename|mkdir|rmdir|truncate|link\(|symlink|flock|F_SETLK|F_OFD_SETLK|chmod|chown|utime'
runs=0
for path in "$work/MobileSync" "$work/extracted" "$work/MobileSync/Backup/00008120-001A2B3C4D5E6F70"; do
  for command in scan list plan; do
    for extra in "" "--json" "--password-file $work/passwords" "--measure-disk"; do
      # shellcheck disable=SC2086
      CLOUDFIT_NOW=2026-11-24T12:00:00Z strace -f -qq -e trace=%file,%desc -o "$work/trace" \
        "$bin" $command "$path" $extra >/dev/null 2>&1 || true
      if grep -E "$writes" "$work/trace" | grep -vE '"/dev/(null|tty)"'; then
        echo "FAIL: cloudfit $command $path $extra wrote or locked something (above)" >&2
        exit 1
      fi
      runs=$((runs + 1))
    done
  done
done
echo "ok: $runs runs under strace, no write, create, rename, remove, truncate, link, chmod or lock anywhere"
