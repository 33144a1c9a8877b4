#!/bin/sh
# Fuzzes Tierwatch's parsers with libFuzzer (the toolchain's -sanitize=fuzzer, with ASan).
#
#   Tests/Fuzz/fuzz.sh [--seconds N | --runs N] [--table FILE] [TARGET...]
#
# Targets (Sources/TierwatchFuzz): tcstring gppstring usprivacy gpc csv fields job; all
# when none is named. Each starts from Tests/Fuzz/Seeds/<target>/ and the corpus it grew
# before (.build/fuzz/corpus/<target>/); --runs fixes the number of executions and the
# seed (reproducible, for make test and make reliability), --seconds the time per target.
# A crash, a hang (over 5 s), more than 1 GiB resident or one allocation over 256 MiB is a
# finding: the input is copied to Tests/Fuzz/Regressions/<target>/ (replayed by make test
# from then on) and the script exits 1. --table appends "fuzz <target><TAB>executions<TAB>
# executions without a finding<TAB>findings" rows for make reliability.
set -u
cd "$(dirname "$0")/../.."
seconds=30
runs=""
table=""
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --table) table=$2; shift 2 ;;
    *) break ;;
  esac
done
scratch=.build/fuzz
# --sanitize=fuzzer makes SwiftPM link libFuzzer's main instead of the target's entry point;
# the compile flags must still name both sanitizers in one -sanitize= (the driver keeps
# only the last one, and ASan alone gives libFuzzer no coverage).
if ! swift build --scratch-path "$scratch" --product TierwatchFuzz --sanitize=fuzzer \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING >"$scratch.log" 2>&1; then
  tail -20 "$scratch.log" >&2
  echo "fuzz.sh: the libFuzzer build failed (log: $scratch.log)" >&2
  exit 1
fi
binary=$scratch/debug/TierwatchFuzz
targets=${*:-"tcstring gppstring usprivacy gpc csv fields job"}
status=0
for target in $targets; do
  corpus=$scratch/corpus/$target
  artifacts=$scratch/artifacts/$target
  mkdir -p "$corpus" "$artifacts" "Tests/Fuzz/Regressions/$target"
  if [ -n "$runs" ]; then limit="-runs=$runs -seed=1"; else limit="-max_total_time=$seconds"; fi
  log=$scratch/$target.log
  # The grown corpus comes first: libFuzzer writes new inputs there, never into the seeds.
  TIERWATCH_FUZZ_TARGET=$target "$binary" $limit -rss_limit_mb=1024 -malloc_limit_mb=256 -timeout=5 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "Tests/Fuzz/Seeds/$target" >"$log" 2>&1
  result=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  findings=0
  for found in "$artifacts"/*; do
    [ -f "$found" ] || continue
    findings=$((findings + 1))
    name=$(basename "$found")
    cp "$found" "Tests/Fuzz/Regressions/$target/$name"
    rm -f "$found"
    echo "fuzz.sh: $target: $name kept as Tests/Fuzz/Regressions/$target/$name" >&2
    grep -E "ERROR|Fatal error|runtime failure|SUMMARY" "$log" | head -5 >&2
  done
  if [ "$result" -ne 0 ] && [ "$findings" -eq 0 ]; then
    findings=1
    echo "fuzz.sh: $target: libFuzzer exited $result (log: $log)" >&2
    tail -5 "$log" >&2
  fi
  [ "$findings" -eq 0 ] || status=1
  printf '%-10s %10s executions  %-9s  %d finding(s)\n' "$target" "${executions:-0}" "$coverage" "$findings"
  if [ -n "$table" ]; then
    printf 'fuzz %s\t%d\t%d\t%d\n' "$target" "${executions:-0}" "$(( ${executions:-0} - findings ))" "$findings" >>"$table"
  fi
done
exit $status
