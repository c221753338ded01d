"""`rampart migrate-store` copies the notifications' state (#15): webhook endpoints with their secrets (a rotation
included), the pending outbox with its attempts, and the last notified verdicts; a second run copies nothing; the
copy delivers the pending notifications, signed with the copied secrets, and the copy back to SQLite is the same."""
import json
import os
import re
import sqlite3
import tempfile
import time

from postgres_support import fresh_database, needs_postgres, psql
from test_migrate_store import migrate
from test_webhooks import Receiver, add_webhook, cli, deliveries
from test_webhooks_cron import autopilot, ingest_sample_ratio_mismatch, verify_any


def webhook_line(output):
    m = re.search(r"webhooks: endpoints inserted (\d+), updated (\d+), unchanged (\d+); pending deliveries copied (\d+), "
                  r"already there (\d+); notified states written (\d+), unchanged (\d+)", output)
    assert m, output
    return tuple(int(x) for x in m.groups())


def pending(db):
    return sorted((r["webhook"], r["type"], r["status"], r["attempts"], r["last_status"]) for r in deliveries(db) if r["status"] == "pending")


@needs_postgres
def test_endpoints_pending_notifications_and_notified_verdicts_go_to_postgres_and_back():
    receiver = Receiver([500])
    sqlite_db = os.path.join(tempfile.mkdtemp(prefix="rampart-migrate-webhooks-"), "rampart.db")
    webhook_id, old = add_webhook(sqlite_db, receiver.url)
    _, new = cli("webhooks", "rotate", webhook_id, "--overlap", "1h", "--db", sqlite_db).split()
    ingest_sample_ratio_mismatch(sqlite_db)
    autopilot(sqlite_db, "--webhook-retry-base", "1")  # the rollback and the verdict queued, each tried once against a receiver answering 500
    queued = pending(sqlite_db)
    assert [(t, a, s) for _, t, _, a, s in queued] == [("rollout_changed", 1, 500), ("srm_detected", 1, 500), ("verdict_changed", 1, 500)]
    watched = sqlite3.connect(sqlite_db).execute("SELECT experiment, state FROM notification_watch ORDER BY experiment").fetchall()
    assert [e for e, _ in watched] == ["support-answer-prompt", "triage-model-swap"]

    postgres = fresh_database("rampart_migrate_webhooks")
    assert webhook_line(migrate(sqlite_db, postgres)) == (1, 0, 0, 3, 0, 2, 0)
    assert cli("webhooks", "list", "--db", postgres) == cli("webhooks", "list", "--db", sqlite_db)
    assert pending(postgres) == queued
    copied = psql("SELECT experiment || '|' || state FROM notification_watch ORDER BY experiment", url=postgres)
    assert copied.splitlines() == ["|".join(row) for row in watched]
    assert webhook_line(migrate(sqlite_db, postgres)) == (0, 0, 1, 0, 3, 0, 2), "a second run copies nothing"

    back = os.path.join(tempfile.mkdtemp(prefix="rampart-migrate-webhooks-back-"), "rampart.db")
    assert webhook_line(migrate(postgres, back)) == (1, 0, 0, 3, 0, 2, 0)
    assert pending(back) == queued
    assert sqlite3.connect(back).execute("SELECT experiment, state FROM notification_watch ORDER BY experiment").fetchall() == watched

    # The copy delivers what was pending, signed with the copied secrets (both, during the copied overlap).
    receiver.answers = [200]
    try:
        time.sleep(1.2)  # the next attempt as the source scheduled it (a 1 s retry base, up to 10 % jitter)
        autopilot(postgres)
        assert [r["status"] for r in deliveries(postgres)] == ["delivered"] * 3
        retried = receiver.received()[3:]
        assert len(retried) == 3 and all(verify_any(new, r) and verify_any(old, r) for r in retried)
        assert sorted(json.loads(r["body"])["type"] for r in retried) == ["rollout_changed", "srm_detected", "verdict_changed"]
    finally:
        receiver.close()
