"""`rampart examples` and served vs. ran from the command line, on a fixture: deterministic examples with trace ids,
errors that name the field, and the report's `served_vs_ran` (issue 16, parts 2 and 3)."""
import json
import os
import subprocess
import tempfile

import pytest

from conftest import ROOT


def binary():
    return os.environ.get("RAMPART_BIN", os.path.join(ROOT, ".build", "debug", "rampart"))


@pytest.fixture(scope="module")
def db():
    path = os.path.join(tempfile.mkdtemp(prefix="rampart-examples-"), "rampart.db")
    subprocess.run([binary(), "ingest", "--db", path, os.path.join(ROOT, "fixtures", "support-win.ndjson.gz")],
                   check=True, capture_output=True)
    return path


def rampart(db, *args):
    return subprocess.run([binary(), *args, "--db", db, "--experiments", os.path.join(ROOT, "experiments")],
                          capture_output=True, text=True)


def test_examples_are_deterministic_with_trace_ids(db):
    args = ("examples", "support-answer-prompt", "--metric", "resolution_rate", "--variant", "treatment", "--limit", "5",
            "--as-of", "2026-06-15T00:00:00Z", "--format", "json")
    first = rampart(db, *args)
    assert first.returncode == 0, first.stderr
    second = rampart(db, *args)
    assert second.stdout == first.stdout
    body = json.loads(first.stdout)
    assert body["schema"] == "rampart.examples/v1"
    assert [g["kind"] for g in body["groups"]] == ["with_outcome", "without_outcome"]
    for group in body["groups"]:
        assert len(group["examples"]) == 5
        # Every simulated request carries a trace id; each example links to one of its unit's.
        assert all(x["trace_id"] for x in group["examples"]), group
        assert all(x["trace_url"] is None for x in group["examples"])  # the bundled file sets no trace_url
    assert {x["unit"] for x in body["groups"][0]["examples"]}.isdisjoint({x["unit"] for x in body["groups"][1]["examples"]})

    latency = rampart(db, "examples", "support-answer-prompt", "--metric", "p95_latency", "--variant", "control", "--limit", "3",
                      "--as-of", "2026-06-15T00:00:00Z", "--format", "json")
    assert latency.returncode == 0, latency.stderr
    group = json.loads(latency.stdout)["groups"][0]
    assert group["kind"] == "above_quantile"
    values = [x["value"] for x in group["examples"]]
    assert len(values) == 3 and values == sorted(values, reverse=True) and min(values) > group["threshold"]

    text = rampart(db, "examples", "support-answer-prompt", "--metric", "escalation_rate", "--variant", "treatment", "--limit", "2")
    assert text.returncode == 0, text.stderr
    assert "with_outcome" in text.stdout and "trace id" in text.stdout


@pytest.mark.parametrize("args,field", [
    (("--metric", "nope", "--variant", "treatment"), "metric"),
    (("--metric", "resolution_rate", "--variant", "nobody"), "variant"),
    (("--metric", "resolution_rate", "--variant", "treatment", "--limit", "0"), "--limit"),
])
def test_examples_errors_name_the_field(db, args, field):
    result = rampart(db, "examples", "support-answer-prompt", *args)
    assert result.returncode != 0
    assert field in result.stderr, result.stderr


def test_the_report_shows_served_vs_ran(db):
    result = rampart(db, "report", "support-answer-prompt", "--as-of", "2026-06-15T00:00:00Z", "--format", "json")
    assert result.returncode == 0, result.stderr
    served = json.loads(result.stdout)["served_vs_ran"]
    assert served["threshold"] == 0.01
    rows = {v["variant"]: v for v in served["variants"]}
    # The simulator's events carry the variant's own payload: nothing ran another version.
    assert rows["treatment"]["events"] > 1000 and rows["treatment"]["mismatched"] == 0 and rows["treatment"]["share"] == 0
    assert rows["treatment"]["served_prompt_version_id"] == "pv_2026_06_04_003"
    text = rampart(db, "report", "support-answer-prompt", "--as-of", "2026-06-15T00:00:00Z")
    assert "Served vs. ran" in text.stdout


def test_the_report_lists_examples_when_asked(db):
    result = rampart(db, "report", "support-answer-prompt", "--as-of", "2026-06-15T00:00:00Z", "--format", "json", "--examples", "2")
    assert result.returncode == 0, result.stderr
    sets = json.loads(result.stdout)["examples"]
    assert {(s["metric"], s["variant"]) for s in sets} >= {("resolution_rate", "treatment"), ("p95_latency", "control")}
    assert all(len(g["examples"]) <= 2 for s in sets for g in s["groups"])
    text = rampart(db, "report", "support-answer-prompt", "--as-of", "2026-06-15T00:00:00Z", "--examples", "1")
    assert "Examples behind each metric" in text.stdout
    assert "examples" not in json.loads(rampart(db, "report", "support-answer-prompt", "--format", "json").stdout)
