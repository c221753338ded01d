"""The server under test: `rampart serve` on a free loopback port, with a fresh database and bootstrap keys."""
import os
import socket
import subprocess
import tempfile
import time

import pytest
import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SDK_KEY = "rk_sdk_pythonprovidertest0001"
ADMIN_KEY = "rk_admin_pythonprovidertest0001"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_healthy(base, seconds):
    """Polls GET /healthz until it answers 200; returns whether it did within `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=1).status_code == 200:
                return True
        except requests.ConnectionError:
            time.sleep(0.1)
    return False


def start_serve(prefix, env, wrapper=(), db=None, extra=()):
    """Starts `rampart serve` (RAMPART_BIN) on a free port and a new database; returns (process, base URL, db path).

    `wrapper` goes before the binary (e.g. `fiu-run -x`, `setpriv …`); `db` is the database path (default: a new
    temporary directory); `extra` are more options for `serve`."""
    binary = os.environ.get("RAMPART_BIN", os.path.join(ROOT, ".build", "debug", "rampart"))
    port = free_port()
    db = db or os.path.join(tempfile.mkdtemp(prefix=prefix), "rampart.db")
    process = subprocess.Popen(
        [*wrapper, binary, "serve", "--port", str(port), "--db", db, "--experiments", os.path.join(ROOT, "experiments"), *extra],
        env=dict(os.environ, **env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    return process, f"http://127.0.0.1:{port}", db


@pytest.fixture(scope="session")
def server():
    binary = os.environ.get("RAMPART_BIN", os.path.join(ROOT, ".build", "debug", "rampart"))
    port = free_port()
    db = os.path.join(tempfile.mkdtemp(prefix="rampart-ofrep-"), "rampart.db")
    env = dict(os.environ, RAMPART_SDK_KEY=SDK_KEY, RAMPART_ADMIN_KEY=ADMIN_KEY)
    process = subprocess.Popen(
        [binary, "serve", "--port", str(port), "--db", db, "--experiments", os.path.join(ROOT, "experiments")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    if not wait_until_healthy(base, seconds=30):
        process.kill()
        raise RuntimeError("rampart serve did not start: " + process.stdout.read().decode())
    yield base
    process.terminate()
    process.wait(timeout=10)


