#!/usr/bin/env bash
# Times the weekly job end to end on a generated data set (see `make bench`).
# usage: bench.sh TIERWATCH_BINARY DATA_DIR [RUNS]
# Prints wall time (median of RUNS), events/s, MB/s of input and peak memory (max RSS).
set -euo pipefail
binary=$(realpath "$1"); data=$(realpath "$2"); runs=${3:-3}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/Jobs"
cat > "$work/Jobs/bench.json" <<JSON
{"schemaVersion": 1, "period": "weekly", "timezone": "UTC",
 "inputs": {"events": {"path": "$data/events/events-*.csv"}, "consents": {"path": "$data/consents.csv"},
            "erasures": {"path": "$data/erasures.csv"}, "surveys": {"path": "$data/surveys.csv"}},
 "currency": {"reporting": "EUR", "rates": {"SEK": 0.087, "GBP": 1.15, "USD": 0.92}}, "fail_on": "never"}
JSON
events=$(cat "$data"/events/events-*.csv | wc -l)
bytes=$(cat "$data"/events/*.csv "$data"/consents.csv "$data"/erasures.csv "$data"/surveys.csv | wc -c)
times=(); peaks=()
for i in $(seq "$runs"); do
  /usr/bin/time -f "%e %M" -o "$work/time" env TIERWATCH_PSEUDONYM_KEY=bench "$binary" run bench --period 2026-W46 \
    --jobs "$work/Jobs" --reports "$work/Reports" --state "$work/state.sqlite3" >/dev/null 2>"$work/stderr" || [ $? -le 2 ]
  read -r seconds kib < <(tail -n 1 "$work/time")
  times+=("$seconds"); peaks+=("$kib")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
peak=$(printf '%s\n' "${peaks[@]}" | sort -n | tail -1)
awk -v e="$events" -v b="$bytes" -v t="$median" -v k="$peak" -v r="$runs" -v runs_s="${times[*]}" 'BEGIN {
  printf "data:        %d event rows, %.1f MB of input (events, consents, erasures, surveys)\n", e, b / 1e6
  printf "wall time:   %.2f s (median of %d runs: %s)\n", t, r, runs_s
  printf "throughput:  %.0f events/s, %.0f MB/s\n", e / t, b / 1e6 / t
  printf "peak memory: %.0f MiB (max RSS)\n", k / 1024
}'
tail -n 3 "$work/stderr" | sed 's/^/run:         /'
