#!/usr/bin/env bash
# POST /v1/events alone under sustained load (issue 12, "Sustained load"; docs/performance.md): a release
# `rampart serve` on a fresh database, wrk -t2 -c16 with scripts/bench/events.lua (batches of 500 new events with
# random uuids) for SECONDS, long enough for many merges of staged events (one per 100,000-200,000 events).
# Prints wrk's latency distribution and rate, and the events stored (on SQLite, with how many are still staged:
# whether merges kept pace).
#   RAMPART_BIN=.build-release/release/rampart scripts/bench-http-ingest.sh 30
#   RAMPART_MERGE_SLICE_EVENTS=0 …   the merge in one transaction, as before slicing
#   DB=postgres://… …                  into that (empty) PostgreSQL database instead of a fresh SQLite file
#   RAMPART_POSTGRES_INSERT=json …     PostgreSQL: the JSON-array insert instead of COPY
#   RATE=100000 …                      open loop instead of wrk: batches due at RATE events/s, each timed from its
#                                      due time (scripts/bench/open_loop_ingest.py), so pauses count in full
#   TIMELINE=1 RATE=… …                also each quarter second's latencies (open loop)
#   STEADY_AFTER=1 RATE=… …            also the percentiles of the requests due from 1 s on (open loop)
#   DISK_LOAD_MIB=100 …                a writer beside the server appending to a file in the run's directory (next to
#                                      the SQLite database) and syncing, at 100 MiB/s (fsync_latency.py --mib-per-s)
#   BURN_CORE=1 …                      a busy loop beside the server for the run: one of the two cores taken, as
#                                      a merge on a thread of its own would take it (docs/performance.md, session 18)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
bin=${RAMPART_BIN:-.build-release/release/rampart}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
dir=$(mktemp -d)
port=${PORT:-8182}
export RAMPART_SDK_KEY=rk_sdk_benchmarkbenchmark0001 RAMPART_ADMIN_KEY=rk_admin_benchmarkbenchmark0001
db=${DB:-$dir/bench.db}
status=0
$bin serve --port "$port" --db "$db" --log-level warning &
server=$!
trap 'kill -INT $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
mode="16 connections (wrk)"; [ -z "${RATE:-}" ] || mode="open loop at $RATE events/s"
if [ -n "${DISK_LOAD_MIB:-}" ]; then
  python3 scripts/bench/fsync_latency.py --dir "$dir" --mib-per-s "$DISK_LOAD_MIB" --seconds "$seconds" &
fi
if [ -n "${BURN_CORE:-}" ]; then
  timeout "$((seconds + 2))" sh -c 'while :; do :; done' &
fi
# The server's CPU time (user + system, clock ticks) over the run: how much of the two cores ingest takes.
cpu() { awk '{ print $14 + $15 }' "/proc/$server/stat"; }
cpu_start=$(cpu); run_start=$(date +%s.%N)
echo "== POST /v1/events, batches of 500, $mode, ${seconds} s, ${DB:+PostgreSQL (${RAMPART_POSTGRES_INSERT:-copy}), }merge slice ${RAMPART_MERGE_SLICE_EVENTS:-default}; $(uptime | sed 's/.*load average/load average/')"
if [ -n "${RATE:-}" ]; then
  # A failed request makes the script fail, after the writer's figures below.
  python3 scripts/bench/open_loop_ingest.py --url "http://127.0.0.1:$port" --rate "$RATE" --seconds "$seconds" ${TIMELINE:+--timeline} ${STEADY_AFTER:+--steady-after "$STEADY_AFTER"} || status=$?
else
  wrk -t2 -c16 -d"${seconds}s" --latency -s scripts/bench/events.lua "http://127.0.0.1:$port" | grep -E "Requests/sec|50%|90%|99%|events/s|Non-2xx|Max"
fi
awk -v a="$cpu_start" -v b="$(cpu)" -v t0="$run_start" -v t1="$(date +%s.%N)" -v k="$(getconf CLK_TCK)" \
  'BEGIN { printf "server CPU %.2f cores over the run\n", (b - a) / k / (t1 - t0) }'
if [ -z "${DB:-}" ]; then
  # What the database writer did meanwhile: seconds per kind of work (rampart_store_write_seconds), over the run's
  # seconds, is the share of time the writer was busy with it.
  curl -sf "http://127.0.0.1:$port/metrics" | awk -v s="$seconds" '
    /^rampart_store_write_seconds_(sum|count)\{/ { match($0, /work="[a-z_]*"/); w = substr($0, RSTART + 6, RLENGTH - 7)
      if ($0 ~ /_sum/) sum[w] = $NF; else n[w] = $NF }
    END { for (w in sum) if (n[w] > 0) { printf "writer %-13s %6d transactions, %7.2f s (%.0f %% of the run), %.1f ms each\n", w, n[w], sum[w], 100 * sum[w] / s, 1000 * sum[w] / n[w]; t += sum[w] }
          printf "writer busy %.0f %% of the run\n", 100 * t / s }'
fi
if [ -n "${DB:-}" ]; then
  stored=$(psql "$db" -Atqc 'select count(*) from events' 2>/dev/null || echo '?')
else
  # Staged rows still waiting for a merge at the end show whether merges kept pace with the load.
  stored=$(sqlite3 "$db" "select ((select count(*) from events) + (select count(*) from events_pending)) || ' (' || (select count(*) from events_pending) || ' still staged)'" 2>/dev/null || echo '?')
fi
echo "events stored: $stored; $(uptime | sed 's/.*load average/load average/')"
exit "$status"
