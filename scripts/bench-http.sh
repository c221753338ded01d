#!/usr/bin/env bash
# HTTP load benchmark: wrk on loopback against a release build of `rampart serve` (docs/performance.md).
#   scripts/bench-http.sh [seconds]
# Environment: SCRATCH (SwiftPM scratch path, default .build) or RAMPART_BIN (a prebuilt binary, skips the build).
# Runs /healthz and single-flag OFREP evaluation at 64 connections in the same run, then event ingestion in
# batches of 500 over 16 connections. wrk shares the machine's cores with the server.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
scratch=${SCRATCH:-.build}
if [ -z "${RAMPART_BIN:-}" ]; then
  swift build -c release --scratch-path "$scratch" --product rampart >/dev/null
fi
bin=${RAMPART_BIN:-$scratch/release/rampart}
dir=$(mktemp -d)
export RAMPART_SDK_KEY=rk_sdk_benchmarkbenchmark0001 RAMPART_ADMIN_KEY=rk_admin_benchmarkbenchmark0001
$bin serve --port 8181 --db "$dir/bench.db" --log-level warning &
server=$!
trap 'kill -INT $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do curl -sf http://127.0.0.1:8181/healthz >/dev/null && break; sleep 0.1; done
echo "== /healthz, 64 connections"
wrk -t2 -c64 -d"${seconds}s" --latency http://127.0.0.1:8181/healthz | grep -E "Requests/sec|99%|50%|Latency"
echo "== OFREP single flag, 64 connections"
wrk -t2 -c64 -d"${seconds}s" --latency -s scripts/bench/ofrep.lua http://127.0.0.1:8181 | grep -E "Requests/sec|99%|50%|Latency|Non-2xx"
echo "== POST /v1/events, batches of 500, 16 connections"
wrk -t2 -c16 -d"${seconds}s" --latency -s scripts/bench/events.lua http://127.0.0.1:8181 | grep -E "Requests/sec|99%|50%|events/s|Non-2xx"
echo "events stored: $(sqlite3 "$dir/bench.db" 'select (select count(*) from events) + (select count(*) from events_staged)' 2>/dev/null || echo '?')"
