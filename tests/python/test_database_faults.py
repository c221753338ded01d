"""The database file removed under a running `rampart serve`: ingest answers 503 naming the cause instead of
acknowledging events into a file nobody will open again; evaluation and health keep working; nothing crashes."""
import os
import random

import requests

from conftest import start_serve, wait_until_healthy
from test_concurrent_access import events_for

SDK = "rk_sdk_faulttestfaulttest0001"


def test_removed_database_file_refuses_ingest_and_keeps_evaluating():
    process, base, db = start_serve("rampart-faults-", {"RAMPART_SDK_KEY": SDK})
    auth = {"Authorization": f"Bearer {SDK}"}
    rng = random.Random(7)
    try:
        assert wait_until_healthy(base, seconds=60), "rampart serve did not start"
        r = requests.post(base + "/v1/events", json=events_for("before", 30, rng), headers=auth, timeout=30)
        assert r.status_code == 200 and r.json()["stored"] == 30, r.text

        os.remove(db)
        r = requests.post(base + "/v1/events", json=events_for("after", 30, rng), headers=auth, timeout=30)
        assert r.status_code == 503, r.text
        error = r.json()["error"]
        assert error["code"] == "store_unavailable"
        assert "was removed" in error["message"] and db in error["message"], error["message"]
        assert r.headers.get("Retry-After") == "1"

        body = {"context": {"targetingKey": "user-58", "environment": "production", "plan": "free"}}
        r = requests.post(base + "/ofrep/v1/evaluate/flags/support-answer-prompt", json=body, headers=auth, timeout=30)
        assert r.status_code == 200 and r.json()["reason"] in ("SPLIT", "TARGETING_MATCH"), r.text
        assert requests.get(base + "/healthz", timeout=5).status_code == 200
        assert process.poll() is None, "rampart serve exited"
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0].decode()
    assert process.returncode == 0, output
