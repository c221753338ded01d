#!/usr/bin/env bash
# Installs the system packages Rampart needs, only when they are missing. Safe to run again.
#   scripts/install-deps.sh          build and run
#   scripts/install-deps.sh --test   also what the tests need (headless Chromium for the HTML report and console tests,
#                                    libfiu's fiu-run/fiu-ctrl for the failing-fsync test, PostgreSQL, nginx)
set -euo pipefail

packages=(libgsl-dev libsqlite3-dev pkg-config)
if [ "${1:-}" = "--test" ]; then
  command -v chromium >/dev/null 2>&1 || packages+=(chromium)
  packages+=(fiu-utils)
  # The PostgreSQL backend's tests start a throwaway cluster (scripts/postgres-cluster.sh).
  packages+=(postgresql)
  # The replicas-behind-a-load-balancer test (tests/python/test_nginx_replicas.py).
  packages+=(nginx)
fi
if ! command -v python3 >/dev/null 2>&1; then
  packages+=(python3 python3-venv python3-pip)
elif ! python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
  packages+=(python3-venv)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "swift is not on PATH: install the Swift 6.1+ toolchain (https://swift.org/install) first" >&2
  exit 1
fi
