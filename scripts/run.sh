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
echo "Sample assignments, support-answer-prompt at its first stage (1% coverage):"
assign() { $bin assign --experiments experiments --experiment support-answer-prompt --format json "$@" ; }
assign --unit user-114 --attr environment=production --attr plan=pro     # enrolled: control
assign --unit user-58  --attr environment=production --attr plan=free    # enrolled: treatment
assign --unit user-42  --attr environment=production --attr plan=pro     # outside the 1% coverage
assign --unit user-58  --attr environment=staging    --attr plan=pro     # not targeted
