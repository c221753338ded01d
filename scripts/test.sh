#!/usr/bin/env bash
# Installs what is missing and runs the whole test suite: the Swift tests, then the OpenFeature Python SDK
# driving `rampart serve` through its OFREP provider.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build
python3 -m pip install --quiet --disable-pip-version-check -r tests/ofrep/requirements.txt
RAMPART_BIN="$(swift build --show-bin-path)/rampart" python3 -m pytest -q tests/ofrep
