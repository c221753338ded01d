#!/usr/bin/env bash
# HTTP load benchmark: wrk on loopback against a release build of `rampart serve` (docs/performance.md).
#   scripts/bench-http.sh [seconds]
# Environment:
#   SCRATCH      SwiftPM scratch path (default .build); or RAMPART_BIN, a prebuilt binary (skips the build).
#   ROUNDS       rounds of (/healthz, OFREP) run back to back against the same server (default 1); the summary gives
#                each round's OFREP/healthz ratio and the medians.
#   WARMUP       seconds of unmeasured load on each route before the first round (default 0).
#   PIN          "1": the server on CPU 0 and wrk on CPU 1 (taskset), the same for every route (default: unpinned,
#                wrk shares the machine's cores with the server).
#   EVENTS       "0" skips the event-ingestion run (default 1).
#   DB           the server's --db (default: a new SQLite file); e.g. a postgres:// URL of an empty database.
# The summary also gives the medians over the undisturbed rounds: those during which processes other than the server
# and wrk used under 10 % of one core in both runs.
# Runs /healthz and single-flag OFREP evaluation at 64 connections in the same run, then event ingestion in
# batches of 500 over 16 connections. Other benchmarks on the machine distort the figures: run it under
# `flock /tmp/rampart-bench.lock` and note the load average printed before each round.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
rounds=${ROUNDS:-1}
warmup=${WARMUP:-0}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
scratch=${SCRATCH:-.build}
if [ -z "${RAMPART_BIN:-}" ]; then
  swift build -c release --scratch-path "$scratch" --product rampart >/dev/null
fi
bin=${RAMPART_BIN:-$scratch/release/rampart}
server_cpu=() client_cpu=()
if [ "${PIN:-0}" = 1 ]; then server_cpu=(taskset -c 0) client_cpu=(taskset -c 1); fi
dir=$(mktemp -d)
export RAMPART_SDK_KEY=rk_sdk_benchmarkbenchmark0001 RAMPART_ADMIN_KEY=rk_admin_benchmarkbenchmark0001
"${server_cpu[@]}" $bin serve --port 8181 --db "${DB:-$dir/bench.db}" --log-level warning &
server=$!
trap 'kill -INT $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do curl -sf http://127.0.0.1:8181/healthz >/dev/null && break; sleep 0.1; done
healthz=(-t2 -c64 --latency http://127.0.0.1:8181/healthz)
ofrep=(-t2 -c64 --latency -s scripts/bench/ofrep.lua http://127.0.0.1:8181)
if [ "$warmup" != 0 ]; then
  "${client_cpu[@]}" wrk -d"${warmup}s" "${healthz[@]}" >/dev/null
  "${client_cpu[@]}" wrk -d"${warmup}s" "${ofrep[@]}" >/dev/null
fi
# CPU time in clock ticks: of the whole machine (busy), of the server, and of this script's finished children (wrk).
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
ticks_of() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
children() { awk '{ print $16 + $17 }' "/proc/$$/stat"; }
# Runs wrk with the given arguments into $dir/$1.txt; appends to $dir/$1.cpu the share of one core used by processes
# other than the server and wrk during the run (another engineer's build or benchmark distorts the figures).
measure() {
  local name=$1; shift
  local b0 s0 c0 b1 s1 c1 t0 t1
  b0=$(busy); s0=$(ticks_of "$server"); c0=$(children); t0=$(date +%s.%N)
  "${client_cpu[@]}" wrk -d"${seconds}s" "$@" > "$dir/$name.txt"
  b1=$(busy); s1=$(ticks_of "$server"); c1=$(children); t1=$(date +%s.%N)
  awk -v o=$(( (b1 - b0) - (s1 - s0) - (c1 - c0) )) -v hz="$(getconf CLK_TCK)" -v t0="$t0" -v t1="$t1" \
    'BEGIN { printf "%.0f\n", 100 * o / hz / (t1 - t0) }' > "$dir/$name.cpu"
}
# Requests/sec and p99 (in ms) of a wrk report.
rate() { awk '/Requests\/sec/ { print $2 }' "$1"; }
p99() { awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
  print (u == "us" ? v / 1000 : u == "s" ? v * 1000 : v) }' "$1"; }
summary=()
for round in $(seq "$rounds"); do
  echo "== round $round of $rounds; $(uptime | sed 's/.*load average/load average/')"
  echo "== /healthz, 64 connections"
  measure healthz "${healthz[@]}"
  grep -E "Requests/sec|99%|50%|Latency|Non-2xx" "$dir/healthz.txt"
  echo "== OFREP single flag, 64 connections"
  measure ofrep "${ofrep[@]}"
  grep -E "Requests/sec|99%|50%|Latency|Non-2xx" "$dir/ofrep.txt"
  summary+=("$(rate "$dir/healthz.txt") $(rate "$dir/ofrep.txt") $(p99 "$dir/healthz.txt") $(p99 "$dir/ofrep.txt") $(cat "$dir/healthz.cpu") $(cat "$dir/ofrep.cpu")")
done
echo "== summary: round, healthz req/s, OFREP req/s, OFREP/healthz, healthz p99 ms, OFREP p99 ms," \
  "other processes' CPU during healthz and OFREP (% of one core)"
printf '%s\n' "${summary[@]}" | awk '{ printf "%d %.0f %.0f %.1f%% %.2f %.2f %d%% %d%%\n", NR, $1, $2, 100 * $2 / $1, $3, $4, $5, $6 }' | tee "$dir/rounds.txt"
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR == 0 ? "-" : NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
medians() {
  echo "$1: healthz $(awk '{ print $2 }' "$2" | median) req/s, OFREP $(awk '{ print $3 }' "$2" | median) req/s," \
    "ratio $(awk '{ print $4 + 0 }' "$2" | median)%, OFREP p99 $(awk '{ print $6 }' "$2" | median) ms ($(wc -l < "$2") rounds)"
}
medians "median of all rounds" "$dir/rounds.txt"
# Undisturbed rounds: other processes used under 10 % of a core during both runs.
awk '$7 + 0 < 10 && $8 + 0 < 10' "$dir/rounds.txt" > "$dir/quiet.txt"
medians "median of undisturbed rounds" "$dir/quiet.txt"
[ "${EVENTS:-1}" = 0 ] && exit 0
echo "== POST /v1/events, batches of 500, 16 connections"
"${client_cpu[@]}" wrk -t2 -c16 -d"${seconds}s" --latency -s scripts/bench/events.lua http://127.0.0.1:8181 | grep -E "Requests/sec|99%|50%|events/s|Non-2xx"
echo "events stored: $(sqlite3 "$dir/bench.db" 'select (select count(*) from events) + (select count(*) from events_staged)' 2>/dev/null || echo '?')"
