#!/usr/bin/env bash
# Per-file cost of the test suite (a benchmark, not a test): each test file run alone by vitest, one after
# another, from a cold test cache (.cache/test/ removed first, as on a fresh clone), with its wall time and
# the CPU seconds (user + system) of vitest and every process it started. On a machine other jobs share,
# wall time grows with the load average (recorded at start and end); CPU seconds much less, so compare them.
#   bash bench/test-times.sh LABEL test/x.test.ts … >> bench/results/test-times.tsv
# Columns: label, file, wall s, CPU s, exit code, load average at start, at end.
set -uo pipefail
cd "$(dirname "$0")/.."
label=$1
shift
for f in "$@"; do
  rm -rf .cache/test
  l1=$(cut -d' ' -f1 /proc/loadavg)
  t=$(mktemp)
  /usr/bin/time -f '%e %U %S' -o "$t" npx vitest run "$f" > /dev/null 2>&1
  rc=$?
  l2=$(cut -d' ' -f1 /proc/loadavg)
  read -r wall user sys < <(tail -1 "$t")
  rm -f "$t"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$f" "$wall" "$(awk "BEGIN{print $user+$sys}")" "$rc" "$l1" "$l2"
done
