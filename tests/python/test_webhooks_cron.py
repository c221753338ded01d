"""Webhooks outside `rampart serve`: a `rampart autopilot` run from cron queues the verdict and rollout changes it
sees through the same outbox and compare-and-set as `serve` and delivers them before it exits (a failed one waits
for the next run); `rampart webhooks rotate` signs with both secrets during the overlap and with the new one after.
Every check runs against a real HTTP receiver started by the test (docs/integrations.md)."""
import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import time
from datetime import datetime, timedelta, timezone

import pytest

from conftest import ROOT
from postgres_support import SERVER_URL, fresh_database
from test_webhooks import BINARY, EXPERIMENT, Receiver, add_webhook, cli, deliveries, exposure, new_db, serve, stop

EXPERIMENTS = os.path.join(ROOT, "experiments")


def verify_any(secret, request, tolerance=300):
    """The receiver-side check as docs/integrations.md documents it: one matching `v1=` entry is enough."""
    timestamp = request["headers"]["x-rampart-timestamp"]
    expected = "v1=" + hmac.new(secret.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    entries = [part.strip() for part in request["headers"]["x-rampart-signature"].split(",")]
    return any(hmac.compare_digest(expected, entry) for entry in entries) and abs(time.time() - int(timestamp)) <= tolerance


def ingest_sample_ratio_mismatch(db):
    """As test_webhooks.py's (an SRM, so ROLLBACK), for a store that is an SQLite path or a postgres:// URL."""
    at = (datetime.now(timezone.utc) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    events = [exposure(f"c{i}", "control", at) for i in range(1000)] + [exposure(f"t{i}", "treatment", at) for i in range(1300)]
    path = os.path.join(tempfile.mkdtemp(prefix="rampart-srm-"), "srm.ndjson")
    with open(path, "w") as f:
        f.writelines(json.dumps(e) + "\n" for e in events)
    cli("ingest", "--db", db, path)


def autopilot(db, *extra):
    result = subprocess.run([BINARY, "autopilot", "--db", db, "--experiments", EXPERIMENTS, *extra],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


def kinds(receiver):
    return sorted(json.loads(r["body"])["type"] for r in receiver.received())


def database(backend, prefix):
    if backend == "postgres":
        if not SERVER_URL:
            pytest.skip("RAMPART_TEST_POSTGRES_URL is not set (scripts/postgres-cluster.sh)")
        return fresh_database(prefix.replace("-", "_"))
    return new_db(prefix + "-")


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_cron_autopilot_notifies_its_rollback_and_the_verdict_once_and_delivers_before_exiting(backend):
    receiver = Receiver([200])
    db = database(backend, "rampart-cron-webhooks")
    _, secret = add_webhook(db, receiver.url)
    ingest_sample_ratio_mismatch(db)
    try:
        run = autopilot(db, "--console-url", "https://rampart.example.com")
        assert f"{EXPERIMENT}: rollback" in run.stdout, run.stdout
        # Delivered before the command exited: no waiting here.
        assert kinds(receiver) == ["rollout_changed", "srm_detected", "verdict_changed"]
        assert "webhooks: delivered 3, will retry 0, failed 0" in run.stderr
        for request in receiver.received():
            assert verify_any(secret, request)
            assert json.loads(request["body"])["url"] == f"https://rampart.example.com/experiments/{EXPERIMENT}"
        verdict = next(json.loads(r["body"]) for r in receiver.received() if json.loads(r["body"])["type"] == "verdict_changed")
        assert verdict["old"] is None and verdict["new"] == "ROLLBACK"
        assert all(r["status"] == "delivered" and r["attempts"] == 1 for r in deliveries(db))
        # A second run and a server on the same store find nothing new to notify and nothing left to send.
        autopilot(db)
        process, _ = serve(db)
        try:
            time.sleep(3)
        finally:
            stop(process)
        assert len(receiver.received()) == 3
    finally:
        receiver.close()


def test_a_failed_delivery_waits_for_the_next_cron_run_and_no_deliver_leaves_it_queued():
    receiver = Receiver([500])
    db = new_db("rampart-cron-retry-")
    add_webhook(db, receiver.url, "--events", "verdict_changed")
    ingest_sample_ratio_mismatch(db)
    try:
        first = autopilot(db, "--webhook-retry-base", "1")
        assert "webhooks: delivered 0, will retry 1, failed 0" in first.stderr
        assert [(r["status"], r["attempts"], r["last_status"]) for r in deliveries(db)] == [("pending", 1, 500)]
        time.sleep(1.5)
        quiet = autopilot(db, "--no-deliver")
        assert "webhooks:" not in quiet.stderr and len(receiver.received()) == 1, "--no-deliver sends nothing"
        receiver.answers = [200]
        autopilot(db)
        assert [(r["status"], r["attempts"], r["last_status"]) for r in deliveries(db)] == [("delivered", 2, 200)]
        bodies = [r["body"] for r in receiver.received()]
        assert len(bodies) == 2 and bodies[0] == bodies[1], "the same notification retried, not a new one"
    finally:
        receiver.close()


def test_serve_and_a_cron_autopilot_on_one_store_notify_each_change_once():
    receiver = Receiver([200])
    db = new_db("rampart-cron-and-serve-")
    add_webhook(db, receiver.url)
    ingest_sample_ratio_mismatch(db)
    process, _ = serve(db)
    try:
        receiver.wait_for(1, kind="verdict_changed", seconds=30)
        receiver.wait_for(1, kind="srm_detected", seconds=10)
        autopilot(db)
        receiver.wait_for(1, kind="rollout_changed", seconds=20)
        time.sleep(2)
        assert kinds(receiver) == ["rollout_changed", "srm_detected", "verdict_changed"], "the server saw the verdict first; the cron run adds only its change"
    finally:
        stop(process)
        receiver.close()


def test_rotation_signs_with_both_secrets_during_the_overlap_and_the_new_one_after():
    receiver = Receiver([200])
    db = new_db("rampart-rotate-")
    webhook_id, old = add_webhook(db, receiver.url, "--events", "rollout_changed")
    rotated_id, new = cli("webhooks", "rotate", webhook_id, "--overlap", "3s", "--db", db).split()
    assert rotated_id == webhook_id and new.startswith("whsec_") and new != old
    assert new not in cli("webhooks", "list", "--db", db), "the secret is printed once, never listed"
    try:
        cli("ramp", EXPERIMENT, "pause", "--db", db, "--experiments", EXPERIMENTS)
        autopilot(db)
        during, = receiver.received()
        assert during["headers"]["x-rampart-signature"].count("v1=") == 2
        assert verify_any(new, during) and verify_any(old, during)
        assert not verify_any("whsec_other", during)
        time.sleep(3.2)
        cli("ramp", EXPERIMENT, "resume", "--db", db, "--experiments", EXPERIMENTS)
        autopilot(db)
        after = receiver.received()[1]
        assert after["headers"]["x-rampart-signature"].count("v1=") == 1
        assert verify_any(new, after) and not verify_any(old, after), "after the overlap the old secret is gone"

        # Rotating twice: the newest and the one it replaced sign; the first secret no longer does.
        _, third = cli("webhooks", "rotate", webhook_id, "--db", db).split()
        _, fourth = cli("webhooks", "rotate", webhook_id, "--overlap", "1h", "--db", db).split()
        cli("ramp", EXPERIMENT, "pause", "--db", db, "--experiments", EXPERIMENTS)
        autopilot(db)
        twice = receiver.received()[2]
        assert verify_any(fourth, twice) and verify_any(third, twice)
        assert not verify_any(new, twice) and not verify_any(old, twice)
    finally:
        receiver.close()


def test_rotating_an_unknown_endpoint_or_with_a_bad_overlap_is_a_clear_error():
    db = new_db("rampart-rotate-unknown-")
    webhook_id, _ = add_webhook(db, "http://127.0.0.1:9/hook")
    unknown = subprocess.run([BINARY, "webhooks", "rotate", "wh_000000000000", "--db", db], capture_output=True, text=True, timeout=30)
    assert unknown.returncode != 0 and "no webhook 'wh_000000000000'" in unknown.stderr, unknown.stderr
    bad = subprocess.run([BINARY, "webhooks", "rotate", webhook_id, "--overlap", "soon", "--db", db], capture_output=True, text=True, timeout=30)
    assert bad.returncode != 0 and "--overlap: expected a duration" in bad.stderr, bad.stderr


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_cron_autopilots_at_once_notify_each_change_once(backend):
    receiver = Receiver([200])
    db = database(backend, "rampart-two-crons")
    add_webhook(db, receiver.url)
    ingest_sample_ratio_mismatch(db)
    try:
        runs = [subprocess.Popen([BINARY, "autopilot", "--db", db, "--experiments", EXPERIMENTS], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [(run.communicate(timeout=120), run.returncode) for run in runs]
        # One applies the rollback; the other applies it too only if it started after (then there is nothing left
        # to do), or is refused by the rollout's revision (exit 1, "changed meanwhile").
        applied = [out for (out, _), code in outputs if code == 0 and f"{EXPERIMENT}: rollback" in out]
        assert len(applied) == 1, outputs
        assert all(code == 0 or "changed meanwhile" in err for (_, err), code in outputs), outputs
        time.sleep(0.5)
        assert kinds(receiver) == ["rollout_changed", "srm_detected", "verdict_changed"], "each change once between them"
        assert all(r["status"] == "delivered" for r in deliveries(db))
    finally:
        receiver.close()
