#!/usr/bin/env bash
# Installs what is missing and runs the whole test suite: the Swift tests (the store tests against SQLite and a
# throwaway PostgreSQL cluster), the fuzzers for 30 s each, then the Python tests against running `rampart serve`
# processes: the OpenFeature Python SDK through its OFREP provider, the OpenAPI contract of every route, the HTML
# report and the console in headless Chromium (Playwright), the PostHog, OpenTelemetry and GrowthBook client
# libraries, replicas on PostgreSQL (behind nginx), concurrent access and storage faults.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
# A throwaway PostgreSQL cluster for the store, parity and replica tests (RAMPART_TEST_POSTGRES_URL), stopped on exit.
source scripts/postgres-cluster.sh
swift build --build-tests
swift test --skip-build
scripts/fuzz.sh 30
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt
RAMPART_BIN="$(swift build --show-bin-path)/rampart" .venv/bin/python -m pytest -q tests/python
