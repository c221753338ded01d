"""Webhook notifications from a real `rampart serve` to a real HTTP receiver started by the test.

Checks what docs/integrations.md ("Notifications: webhooks") promises: a signed delivery that the documented
verification accepts, a retry after the receiver answers 500 and then exactly one delivery (no duplicate once it
succeeded), delivery after the service is killed while a delivery waits for its retry and started again, verdict
and SRM notifications found by the service's own re-analysis, and `rampart webhooks deliveries` / the audit log."""
import hashlib
import hmac
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from conftest import ADMIN_KEY, ROOT, free_port, wait_until_healthy
from postgres_support import fresh_database, needs_postgres

BINARY = os.environ.get("RAMPART_BIN", os.path.join(ROOT, ".build", "debug", "rampart"))
EXPERIMENT = "support-answer-prompt"


class Receiver:
    """An HTTP server in a thread that records every POST and answers with the next status of `answers`
    (the last one repeats)."""

    def __init__(self, answers, delay=0.0):
        self.answers = list(answers)
        self.requests = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                time.sleep(delay)
                with receiver.lock:
                    receiver.requests.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body, "path": self.path})
                    status = receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def received(self, kind=None):
        with self.lock:
            return [r for r in self.requests if kind is None or json.loads(r["body"])["type"] == kind]

    def wait_for(self, count, kind=None, seconds=20):
        deadline = time.time() + seconds
        while time.time() < deadline:
            if len(self.received(kind)) >= count:
                return self.received(kind)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} {kind or ''} requests, got {len(self.received(kind))}")

    def close(self):
        self.server.shutdown()


def verify(secret, request, tolerance=300):
    """The receiver-side check exactly as docs/integrations.md documents it."""
    timestamp = request["headers"]["x-rampart-timestamp"]
    expected = "v1=" + hmac.new(secret.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request["headers"]["x-rampart-signature"]) and abs(time.time() - int(timestamp)) <= tolerance


def cli(*args):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=60, check=True).stdout


def add_webhook(db, url, *extra):
    webhook_id, secret = cli("webhooks", "add", url, "--db", db, *extra).split()
    assert webhook_id.startswith("wh_") and secret.startswith("whsec_")
    return webhook_id, secret


def deliveries(db):
    return [json.loads(line) for line in cli("webhooks", "deliveries", "--json", "--db", db).splitlines()]


def serve(db, *extra):
    port = free_port()
    process = subprocess.Popen(
        [BINARY, "serve", "--port", str(port), "--db", db, "--experiments", os.path.join(ROOT, "experiments"),
         "--webhook-poll", "0.1", "--console-url", "https://rampart.example.com", *extra],
        env=dict(os.environ, RAMPART_ADMIN_KEY=ADMIN_KEY), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    if not wait_until_healthy(base, seconds=30):
        process.kill()
        raise RuntimeError("rampart serve did not start: " + process.stdout.read().decode())
    return process, base


def stop(process):
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=20)


def ramp(base, action):
    response = requests.post(f"{base}/v1/experiments/{EXPERIMENT}/ramp", json={"action": action, "reason": "webhook test"},
                             headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=10)
    assert response.status_code == 200, response.text


def new_db(prefix):
    return os.path.join(tempfile.mkdtemp(prefix=prefix), "rampart.db")


def test_a_rollout_change_is_signed_retried_after_a_500_and_delivered_once():
    receiver = Receiver([500, 200])
    db = new_db("rampart-webhooks-")
    webhook_id, secret = add_webhook(db, receiver.url)
    other_id, _ = add_webhook(db, receiver.url + "?other", "--experiment", "triage-model-swap")
    process, base = serve(db, "--webhook-retry-base", "0.5")
    try:
        ramp(base, "pause")
        first, second = receiver.wait_for(2)
        for request in (first, second):
            assert verify(secret, request), request["headers"]
            assert request["headers"]["content-type"] == "application/json"
            assert request["headers"]["x-rampart-event"] == "rollout_changed"
        body = json.loads(second["body"])
        assert body["type"] == "rollout_changed" and body["experiment"] == EXPERIMENT and body["action"] == "pause"
        assert body["actor"] == "api" and body["old"].startswith("running at") and body["new"].startswith("paused at")
        assert body["url"] == f"https://rampart.example.com/experiments/{EXPERIMENT}"
        assert body["reasons"][0] == "webhook test"
        assert first["body"] == second["body"] and body["id"] == second["headers"]["x-rampart-delivery"], "the same delivery retried"
        # Tampering and replays fail the documented check.
        assert not verify(secret, dict(second, body=second["body"] + b" "))
        assert not verify("whsec_wrong", second)
        assert not verify(secret, second, tolerance=-1)
        time.sleep(2)
        assert len(receiver.received()) == 2, "no duplicate after success, and nothing for the other experiment's endpoint"
        rows = deliveries(db)
        assert [(r["webhook"], r["status"], r["attempts"], r["last_status"]) for r in rows] == [(webhook_id, "delivered", 2, 200)]
        assert other_id not in {r["webhook"] for r in rows}
        audit = cli("audit", EXPERIMENT, "--db", db)
        assert "webhook_delivered" in audit and webhook_id in audit
    finally:
        stop(process)
        receiver.close()


def test_a_delivery_waiting_for_its_retry_survives_a_kill_and_restart():
    receiver = Receiver([500])
    db = new_db("rampart-webhooks-restart-")
    _, secret = add_webhook(db, receiver.url, "--events", "rollout_changed")
    process, base = serve(db, "--webhook-retry-base", "3")
    try:
        ramp(base, "pause")
        receiver.wait_for(1)
        deadline = time.time() + 10
        while not any(r["attempts"] == 1 for r in deliveries(db)) and time.time() < deadline:
            time.sleep(0.05)
        assert [(r["status"], r["attempts"], r["last_status"]) for r in deliveries(db)] == [("pending", 1, 500)]
        process.kill()
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    receiver.answers = [200]
    process, base = serve(db, "--webhook-retry-base", "3")
    try:
        requests_ = receiver.wait_for(2, seconds=30)
        assert verify(secret, requests_[1])
        assert requests_[0]["body"] == requests_[1]["body"]
        time.sleep(1)
        assert len(receiver.received()) == 2
        assert [(r["status"], r["attempts"], r["last_status"]) for r in deliveries(db)] == [("delivered", 2, 200)]
    finally:
        stop(process)
        receiver.close()


def exposure(unit, variant, at):
    return {"uuid": str(uuid.uuid4()), "event": "exposure", "unit": unit, "timestamp": at,
            "properties": {"experiment": EXPERIMENT, "variant": variant}}


def ingest_sample_ratio_mismatch(db):
    """1,000 control and 1,300 treatment exposures two hours ago: at 50/50 weights an SRM (p ≈ 1e-9), so ROLLBACK."""
    at = (datetime.now(timezone.utc) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    events = [exposure(f"c{i}", "control", at) for i in range(1000)] + [exposure(f"t{i}", "treatment", at) for i in range(1300)]
    path = os.path.join(os.path.dirname(db), "srm.ndjson")
    with open(path, "w") as f:
        f.writelines(json.dumps(e) + "\n" for e in events)
    cli("ingest", "--db", db, path)


def test_a_sample_ratio_mismatch_found_by_the_service_notifies_the_verdict_and_srm_once():
    receiver = Receiver([200])
    db = new_db("rampart-webhooks-srm-")
    _, secret = add_webhook(db, receiver.url, "--events", "verdict_changed,srm_detected")
    ingest_sample_ratio_mismatch(db)
    process, base = serve(db)
    try:
        verdict, = receiver.wait_for(1, kind="verdict_changed", seconds=30)
        srm, = receiver.wait_for(1, kind="srm_detected", seconds=10)
        assert verify(secret, verdict) and verify(secret, srm)
        body = json.loads(verdict["body"])
        assert body["old"] is None and body["new"] == "ROLLBACK"
        assert any("sample ratio mismatch" in r for r in body["reasons"])
    finally:
        stop(process)
    # A restart compares with the notified state: nothing is sent again.
    process, base = serve(db)
    try:
        time.sleep(3)
        assert len(receiver.received()) == 2
    finally:
        stop(process)
        receiver.close()


def test_the_autopilot_rollback_notifies_the_verdict_and_the_change_once():
    receiver = Receiver([200])
    db = new_db("rampart-webhooks-autopilot-")
    add_webhook(db, receiver.url)
    ingest_sample_ratio_mismatch(db)
    process, base = serve(db, "--autopilot-every", "0.02")
    try:
        change, = receiver.wait_for(1, kind="rollout_changed", seconds=30)
        body = json.loads(change["body"])
        assert body["actor"] == "autopilot" and body["action"] == "rollback" and body["verdict"] == "ROLLBACK"
        assert body["new"].startswith("stopped")
        time.sleep(3)
        kinds = sorted(json.loads(r["body"])["type"] for r in receiver.received())
        assert kinds == ["rollout_changed", "srm_detected", "verdict_changed"], "each once, whether the autopilot or the refresher saw the verdict first"
    finally:
        stop(process)
        receiver.close()


@needs_postgres
def test_two_replicas_on_postgresql_deliver_each_notification_once():
    receiver = Receiver([200], delay=0.2)
    url = fresh_database("rampart_webhooks")
    add_webhook(url, receiver.url, "--events", "rollout_changed")
    first, first_base = serve(url)
    second, second_base = serve(url)
    try:
        for _ in range(8):
            ramp(first_base, "pause")
            ramp(second_base, "resume")
        received = receiver.wait_for(16, seconds=30)
        time.sleep(2)
        received = receiver.received()
        ids = [json.loads(r["body"])["id"] for r in received]
        assert len(ids) == 16 and len(set(ids)) == 16, "every notification once, whichever replica sent it"
        rows = deliveries(url)
        assert len(rows) == 16 and all(r["status"] == "delivered" and r["attempts"] == 1 for r in rows)
    finally:
        stop(first)
        stop(second)
        receiver.close()
    sent = [process.stdout.read().decode().count("webhook delivered") for process in (first, second)]
    print("deliveries per replica:", sent)
    assert sum(sent) == 16, f"deliveries logged per replica: {sent}"
