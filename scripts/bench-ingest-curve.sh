#!/usr/bin/env bash
# Ingest throughput as the database grows (issue 12, "Sustained load"; docs/performance.md): PASSES runs of
# `rampart ingest` into one database, each of a new simulated file (support-answer-prompt, UNITS units, seed = pass,
# about 9 events a unit). Prints, per pass, the events stored before it, the pass's events, its wall time as
# `rampart ingest` reports it (reading, parsing, durable commits and the final merge) and the rate, with the load
# average at its end (the machine is shared: note it next to every figure).
#   RAMPART_BIN=.build-release/release/rampart PASSES=20 UNITS=105000 scripts/bench-ingest-curve.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${RAMPART_BIN:-.build-release/release/rampart}
passes=${PASSES:-20}
units=${UNITS:-105000}
dir=${DIR:-$(mktemp -d)}
db=$dir/curve.db
trap 'rm -f "$dir/pass.ndjson"' EXIT
echo "pass stored_before events_in_pass seconds events_per_s load_average"
# FIRST=k goes on with pass k in an existing DIR (the events stored before it read from the database).
first=${FIRST:-1}
total=0
if [ "$first" -gt 1 ]; then total=$(sqlite3 "$db" "SELECT coalesce(sum(stored), 0) FROM event_name_counts"); fi
for pass in $(seq "$first" "$passes"); do
  "$bin" simulate experiments/support-answer-prompt.yaml --units "$units" --days 28 --seed "$pass" -o "$dir/pass.ndjson"
  out=$("$bin" ingest --db "$db" ${CACHE_MIB:+--cache-mib "$CACHE_MIB"} ${CHUNK_BYTES:+--chunk-bytes "$CHUNK_BYTES"} "$dir/pass.ndjson")
  seconds=$(echo "$out" | sed -n 's/.* in \([0-9.]*\) s$/\1/p')
  stored=$(echo "$out" | sed -n 's/^stored \([0-9]*\),.*/\1/p')
  echo "$pass $total $stored $seconds $(awk -v n="$stored" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }') $(cut -d' ' -f1 /proc/loadavg)"
  total=$((total + stored))
done
echo "database: $db ($(du -h "$db" | cut -f1)), $total events"
