#!/usr/bin/env bash
# Installs what is missing, builds a release binary, and runs Rampart's main job on the embedded default: the HTTP
# service on SQLite (rampart.db), with the bundled experiments/ and the simulated events of fixtures/ loaded.
#   scripts/run.sh            serve on http://127.0.0.1:8080
#   PORT=9000 scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product rampart
bin=.build/release/rampart
db=${RAMPART_DB:-rampart.db}

$bin validate experiments
# Replaying a fixture is safe: events are keyed by uuid, so a second run stores nothing twice.
$bin ingest --db "$db" fixtures/support-win.ndjson.gz
$bin ingest --db "$db" fixtures/triage-swap.ndjson.gz

# Quickstart keys, unless you bring your own (rampart keys create --scope sdk|admin --db rampart.db).
new_key() { echo "$1$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
export RAMPART_SDK_KEY=${RAMPART_SDK_KEY:-$(new_key rk_sdk_)}
export RAMPART_ADMIN_KEY=${RAMPART_ADMIN_KEY:-$(new_key rk_admin_)}
cat <<TEXT

Rampart on http://127.0.0.1:${PORT:-8080}  (Ctrl-C stops it gracefully)
  SDK key:   $RAMPART_SDK_KEY
  admin key: $RAMPART_ADMIN_KEY
Console: open http://127.0.0.1:${PORT:-8080} and sign in with the admin key.
Try:
  curl -s -X POST http://127.0.0.1:${PORT:-8080}/ofrep/v1/evaluate/flags/support-answer-prompt \\
    -H "Authorization: Bearer $RAMPART_SDK_KEY" \\
    -d '{"context":{"targetingKey":"user-58","environment":"production","plan":"free"}}'
  curl -s http://127.0.0.1:${PORT:-8080}/v1/experiments/support-answer-prompt/results.html \\
    -H "Authorization: Bearer $RAMPART_ADMIN_KEY" > report.html

TEXT
exec $bin serve --db "$db" --experiments experiments --port "${PORT:-8080}"
