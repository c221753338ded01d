"""PostgreSQL for the tests: the server scripts/postgres-cluster.sh started (RAMPART_TEST_POSTGRES_URL), and fresh
databases on it. Tests that need it are skipped when the variable is not set."""
import os
import subprocess
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

SERVER_URL = os.environ.get("RAMPART_TEST_POSTGRES_URL", "")

needs_postgres = pytest.mark.skipif(not SERVER_URL, reason="RAMPART_TEST_POSTGRES_URL is not set (scripts/postgres-cluster.sh)")


def psql(sql, url=None):
    """Runs SQL with psql against the test server (or `url`); returns its unaligned output."""
    return subprocess.run(
        ["psql", url or SERVER_URL, "-v", "ON_ERROR_STOP=1", "-Atq", "-f", "-"],
        input=sql, check=True, capture_output=True, text=True,
    ).stdout.strip()


def fresh_database(prefix="rampart_py"):
    """Creates an empty database on the test server; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    psql(f"CREATE DATABASE {name}")
    parts = urlsplit(SERVER_URL)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))
