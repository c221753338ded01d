"""SIGTERM on a real `rampart serve`: in-flight work finishes and every exposure served before it is written."""
import sqlite3

import requests

from conftest import start_serve, wait_until_healthy

SDK = "rk_sdk_shutdowntestshutdown01"


def test_sigterm_flushes_every_exposure():
    process, base, db = start_serve("rampart-shutdown-", {"RAMPART_SDK_KEY": SDK})
    try:
        assert wait_until_healthy(base, seconds=60), "rampart serve did not start"
        session = requests.Session()
        enrolled = 0
        for i in range(400):
            body = {"context": {"targetingKey": f"user-{i}", "environment": "production", "plan": "pro"}}
            r = session.post(base + "/ofrep/v1/evaluate/flags/triage-model-swap", json=body, headers={"Authorization": f"Bearer {SDK}"}, timeout=5)
            assert r.status_code == 200
            enrolled += r.json()["reason"] in ("SPLIT", "TARGETING_MATCH")
        assert enrolled > 0
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0].decode()
    assert process.returncode == 0, output
    with sqlite3.connect(db) as connection:
        # Small transactions land in the events_staged append log (merged by a later writer, never on open): count both.
        stored = connection.execute("""
            SELECT count(*) FROM (SELECT name_id FROM events UNION ALL SELECT name_id FROM events_staged) e
            JOIN event_names n ON n.id = e.name_id WHERE n.name = 'exposure'""").fetchone()[0]
    assert stored == enrolled, f"{enrolled} enrolled evaluations, {stored} exposures stored\n{output}"
