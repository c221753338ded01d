"""On every bundled fixture, `rampart report --format json` gives the same numbers on PostgreSQL as on SQLite (to
1e-9 relative; only generated_at may differ), as of the last event (the whole stream; a fixed moment, since "now"
moves between the two runs) and as of a moment halfway through the data."""
import gzip
import json
import math
import os
import subprocess
import tempfile

import pytest

from conftest import ROOT
from postgres_support import fresh_database, needs_postgres

FIXTURES = {
    "support-aa": "support-answer-prompt",
    "support-win": "support-answer-prompt",
    "support-guardrail": "support-answer-prompt",
    "triage-swap": "triage-model-swap",
}


def rampart(*args):
    binary = os.environ.get("RAMPART_BIN", os.path.join(ROOT, ".build", "debug", "rampart"))
    result = subprocess.run([binary, *args], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def differences(a, b, path="$"):
    """Every place where two JSON documents differ beyond 1e-9 relative (generated_at ignored)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            if key == "generated_at":
                continue
            if key not in a or key not in b:
                out.append(f"{path}.{key}: only on {'SQLite' if key in a else 'PostgreSQL'}")
            else:
                out += differences(a[key], b[key], f"{path}.{key}")
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items on SQLite, {len(b)} on PostgreSQL"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")]
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
            return []
        return [f"{path}: {a!r} on SQLite, {b!r} on PostgreSQL"]
    return [] if a == b else [f"{path}: {a!r} on SQLite, {b!r} on PostgreSQL"]


def test_differences_catch_a_changed_number():
    assert differences({"x": 1.0, "generated_at": "a"}, {"x": 1.0 + 1e-12, "generated_at": "b"}) == []
    assert differences({"x": [1.0]}, {"x": [1.001]}) != []
    assert differences({"x": 1}, {"y": 1}) != []


@needs_postgres
@pytest.mark.parametrize("fixture", sorted(FIXTURES))
def test_report_on_postgres_equals_sqlite(fixture):
    experiment = FIXTURES[fixture]
    path = os.path.join(ROOT, "fixtures", f"{fixture}.ndjson.gz")
    sqlite = os.path.join(tempfile.mkdtemp(prefix="rampart-parity-"), "rampart.db")
    postgres = fresh_database("rampart_parity")
    for db in (sqlite, postgres):
        out = rampart("ingest", "--db", db, path)
        assert "rejected 0" in out
    with gzip.open(path, "rt") as lines:
        stamps = sorted(json.loads(line)["timestamp"] for line in lines)
    experiments = os.path.join(ROOT, "experiments")
    for as_of in (["--as-of", stamps[-1]], ["--as-of", stamps[len(stamps) // 2]]):
        reports = [
            json.loads(rampart("report", experiment, "--db", db, "--experiments", experiments, "--format", "json", *as_of))
            for db in (sqlite, postgres)
        ]
        found = differences(*reports)
        assert found == [], f"{fixture} {as_of}: " + "; ".join(found[:10])
