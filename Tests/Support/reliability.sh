#!/bin/sh
# make reliability: attacks a release build of Tierwatch and prints what survived.
#
#   Tests/Support/reliability.sh SWIFT RELEASE_BINARY [FUZZ_RUNS]
#
# The attacks are the ReliabilityTests suite of `make test` at their documented counts
# (TIERWATCH_RELIABILITY=full: 50 killed runs, 20 killed deliveries, ...) against the release
# binary, plus each libFuzzer target for FUZZ_RUNS executions when Tests/Fuzz/fuzz.sh exists.
# Each attack adds a row "attack<TAB>tries<TAB>survived<TAB>lost"; the table is printed at
# the end, and the exit status is 1 when anything was lost or an attack failed.
set -u
swift_bin=$1
binary=$2
fuzz_runs=${3:-20000}
table=$(mktemp)
trap 'rm -f "$table"' EXIT
started=$(date +%s)
status=0

TIERWATCH_BIN=$binary TIERWATCH_RELIABILITY=full TIERWATCH_RELIABILITY_TABLE=$table \
  "$swift_bin" test --skip-build --filter ReliabilityTests >"$table.log" 2>&1 || status=1
if [ "$status" -ne 0 ]; then
  grep -E "^✘|Expectation failed" "$table.log" | head -40 >&2
fi
rm -f "$table.log"

if [ -x Tests/Fuzz/fuzz.sh ]; then
  Tests/Fuzz/fuzz.sh --runs "$fuzz_runs" --table "$table" || status=1
fi

elapsed=$(( $(date +%s) - started ))
printf '\n%-84s %6s %9s %5s\n' "attack" "tries" "survived" "lost"
awk -F '\t' '{ printf "%-84s %6d %9d %5d\n", $1, $2, $3, $4; lost += $4 } END { printf "\n%d attacks, %d lost\n", NR, lost; if (lost > 0) exit 1 }' "$table" || status=1
printf 'took %d s on %s cores (%s)\n' "$elapsed" "$(nproc)" "$(git rev-parse --short HEAD 2>/dev/null)"
exit $status
