#!/usr/bin/env bash
# Installs what is missing, builds a release binary, and runs Rampart's main job on the embedded default:
# the bundled experiments in experiments/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product rampart
bin=.build/release/rampart
$bin validate experiments
echo
$bin list --experiments experiments
echo "Sample assignments (support-answer-prompt, production traffic on the pro plan):"
for unit in user-1 user-2 user-3 user-42 user-1001; do
  $bin assign --experiments experiments --experiment support-answer-prompt --unit "$unit" \
    --attr environment=production --attr plan=pro --format json | tr -d '\n ' ; echo
done
