"""PostHog's capture API, driven by the real, unmodified `posthog` package pointed at `rampart serve`.

A few hundred users each get a `$feature_flag_called` for the support-answer-prompt experiment, LLM generations
(`$ai_generation`, some failed, with raw prompts and outputs) and product events; after a flush, the experiment's
report shows exactly the units, requests, costs and outcomes sent, no raw content is stored, and sending the same
events again stores nothing twice.
"""
import gzip
import json
import random
import sqlite3
import time
import uuid as uuidlib
from datetime import datetime, timedelta, timezone

import pytest
import requests
from posthog import Posthog

from conftest import start_serve, wait_until_healthy

SDK_KEY = "rk_sdk_posthogcapturetest0001"
ADMIN_KEY = "rk_admin_posthogcapturetest0001"
EXPERIMENT = "support-answer-prompt"
SECRET = "CUSTOMER-SECRET-TEXT"


@pytest.fixture(scope="module")
def rampart():
    process, base, db = start_serve("rampart-posthog-", {"RAMPART_SDK_KEY": SDK_KEY, "RAMPART_ADMIN_KEY": ADMIN_KEY})
    if not wait_until_healthy(base, seconds=30):
        process.kill()
        raise RuntimeError("rampart serve did not start: " + process.stdout.read().decode())
    yield base, db
    process.terminate()
    process.wait(timeout=10)


def report(base):
    # As of the next UTC midnight: the default design (alpha-spending) reads metrics as of the last completed UTC day
    # end, which is then the end of today, after every event just sent (as of now there would be no look yet).
    midnight = (int(time.time()) // 86_400 + 1) * 86_400
    as_of = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(midnight))
    r = requests.get(f"{base}/v1/experiments/{EXPERIMENT}/results?as_of={as_of}", headers={"Authorization": f"Bearer {SDK_KEY}"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def metric(rep, key):
    return {v["variant"]: v for v in next(m for m in rep["metrics"] if m["key"] == key)["variants"]}


def generate(users, seed):
    """Every event the test sends, as (method, kwargs), and the expected counts per variant."""
    rng = random.Random(seed)
    start = datetime.now(timezone.utc) - timedelta(minutes=30)
    calls = []
    expected = {v: {"units": 0, "completed": 0, "failed": 0, "cost": 0.0, "resolved_units": 0, "output_tokens": 0} for v in ("control", "treatment")}
    for i in range(users):
        user = f"ph-user-{seed}-{i}"
        variant = "control" if rng.random() < 0.5 else "treatment"
        e = expected[variant]
        e["units"] += 1
        t = start + timedelta(seconds=i)
        calls.append(("capture", dict(event="$feature_flag_called", distinct_id=user, timestamp=t,
                                      properties={"$feature_flag": EXPERIMENT, "$feature_flag_response": variant})))
        for k in range(rng.randint(1, 3)):
            failed = rng.random() < 0.1
            cost = round(rng.uniform(0.0001, 0.002), 6)
            props = {
                "$ai_model": "gpt-4.1-mini", "$ai_provider": "openai", "$ai_latency": rng.uniform(0.2, 3.0),
                "$ai_input_tokens": rng.randint(100, 1000), "$ai_output_tokens": rng.randint(50, 400),
                "$ai_total_cost_usd": cost, "$ai_trace_id": str(uuidlib.uuid4()), "$ai_http_status": 500 if failed else 200,
                "$ai_input": [{"role": "user", "content": SECRET}], "$ai_output_choices": [{"role": "assistant", "content": SECRET}],
                "prompt_version_id": "pv_x",
            }
            if failed:
                props["$ai_is_error"] = True
                props["$ai_error"] = SECRET
                e["failed"] += 1
            else:
                e["completed"] += 1
                e["cost"] += cost
                e["output_tokens"] += props["$ai_output_tokens"]
            # Half through capture() (the /batch/ endpoint), half through capture_ai() (/i/v0/ai/batch/).
            method = "capture" if k % 2 == 0 else "capture_ai"
            calls.append((method, dict(event="$ai_generation", distinct_id=user, timestamp=t + timedelta(seconds=1 + k), properties=props)))
        if rng.random() < 0.4:
            e["resolved_units"] += 1
            calls.append(("capture", dict(event="support_ticket_resolved", distinct_id=user, timestamp=t + timedelta(seconds=10),
                                          properties={"ticket_id": f"t-{i}"})))
    return calls, expected


def send(base, calls, gzip_bodies):
    errors = []
    client = Posthog(SDK_KEY, host=base, gzip=gzip_bodies, flush_at=50, flush_interval=0.5, on_error=lambda e, batch: errors.append(e))
    for method, kwargs in calls:
        getattr(client, method)(**kwargs)
    client.flush()
    client.shutdown()
    assert errors == []


def test_report_counts_exactly_what_the_sdk_sent_and_a_resend_stores_nothing(rampart):
    base, db = rampart
    calls, expected = generate(users=300, seed=1)
    # Fix every event's uuid, as a client retrying the same events would send them.
    for _, kwargs in calls:
        kwargs["uuid"] = str(uuidlib.uuid4())
    send(base, calls[: len(calls) // 2], gzip_bodies=False)
    send(base, calls[len(calls) // 2:], gzip_bodies=True)

    rep = report(base)
    assert rep["units"]["enrolled"] == {v: e["units"] for v, e in expected.items()}
    assert rep["units"]["exposures"] == sum(e["units"] for e in expected.values())
    cost = {c["variant"]: c for c in rep["cost"]}
    for variant, e in expected.items():
        assert cost[variant]["requests"] == e["completed"]
        assert cost[variant]["cost_usd"] == pytest.approx(e["cost"], rel=1e-9, abs=1e-9)
    resolved = metric(rep, "resolution_rate")
    tokens = metric(rep, "output_tokens")
    for variant, e in expected.items():
        assert resolved[variant]["value"] == pytest.approx(e["resolved_units"] / e["units"])
        assert tokens[variant]["value"] == pytest.approx(e["output_tokens"] / e["units"])

    # The same events again (same uuids), through a new client: nothing is stored twice.
    send(base, calls, gzip_bodies=True)
    again = report(base)
    assert again["units"] == rep["units"]
    assert again["cost"] == rep["cost"]

    # Failed generations are stored as llm_request_failed; raw prompts, outputs and error text were dropped.
    with sqlite3.connect(db) as conn:
        tables = [t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' AND name IN ('events', 'events_staged')")]
        failed = 0
        for table in tables:
            assert conn.execute(f"SELECT count(*) FROM {table} WHERE props LIKE ?", (f"%{SECRET}%",)).fetchone()[0] == 0
            failed += conn.execute(
                f"SELECT count(*) FROM {table} t JOIN event_names n ON n.id = t.name_id WHERE n.name = 'llm_request_failed'"
            ).fetchone()[0]
        assert failed == sum(e["failed"] for e in expected.values())


def post(base, body, headers=None, path="/batch/", raw=None):
    data = raw if raw is not None else json.dumps(body).encode()
    return requests.post(base + path, data=data, headers={"Content-Type": "application/json", **(headers or {})}, timeout=30)


def test_events_without_uuid_get_a_deterministic_one(rampart):
    base, _ = rampart
    now = datetime.now(timezone.utc).isoformat()
    batch = [{"event": "support_reply_sent", "distinct_id": f"nouuid-{i}", "timestamp": now, "properties": {"n": i}} for i in range(20)]
    first = post(base, {"api_key": SDK_KEY, "batch": batch, "sent_at": now})
    assert first.status_code == 200, first.text
    assert first.json()["stored"] == 20
    # A retry: sent_at differs, the events do not.
    retry = post(base, {"api_key": SDK_KEY, "batch": batch, "sent_at": datetime.now(timezone.utc).isoformat()})
    assert retry.json()["stored"] == 0 and retry.json()["duplicates"] == 20


def test_gzip_bodies_header_and_query(rampart):
    base, _ = rampart
    event = {"api_key": SDK_KEY, "event": "support_reply_sent", "distinct_id": "gz-1", "uuid": str(uuidlib.uuid4())}
    body = gzip.compress(json.dumps(event).encode())
    r = post(base, None, headers={"Content-Encoding": "gzip"}, path="/capture/", raw=body)
    assert r.status_code == 200 and r.json()["stored"] == 1, r.text
    event["uuid"] = str(uuidlib.uuid4())
    r = post(base, None, path="/e/?compression=gzip-js", raw=gzip.compress(json.dumps(event).encode()))
    assert r.status_code == 200 and r.json()["stored"] == 1, r.text
    event["uuid"] = str(uuidlib.uuid4())
    r = post(base, event, path="/i/v0/e/")
    assert r.status_code == 200 and r.json()["stored"] == 1, r.text


def test_errors_as_posthog_clients_expect_them(rampart):
    base, _ = rampart
    good = {"event": "support_reply_sent", "distinct_id": "err-1", "uuid": str(uuidlib.uuid4())}
    # 401 for an unknown or missing key, with PostHog's error body (the SDK reads `detail`).
    r = post(base, {"api_key": "rk_sdk_notakeynotakeynotakey", "batch": [good]})
    assert r.status_code == 401 and r.json()["type"] == "authentication_error" and "api_key" in r.json()["detail"]
    assert post(base, {"batch": [good]}).status_code == 401
    # 403 for an admin key, as on /v1/events.
    assert post(base, {"api_key": ADMIN_KEY, "batch": [good]}).status_code == 403
    # 400 with a JSON body for malformed input.
    r = post(base, None, raw=b'{"api_key": "x", "batch": [')
    assert r.status_code == 400 and r.json()["code"] == "invalid_payload" and "JSON" in r.json()["detail"]
    r = post(base, {"api_key": SDK_KEY, "batch": {"event": "x"}})
    assert r.status_code == 400 and "batch" in r.json()["detail"]
    r = post(base, None, headers={"Content-Encoding": "gzip"}, raw=b"not gzip at all")
    assert r.status_code == 400 and r.json()["code"] == "invalid_gzip"
    # 413 above the body limit (8 MiB), and for a gzip body that decompresses past it.
    big = {"api_key": SDK_KEY, "batch": [dict(good, properties={"pad": "x" * (9 << 20)})]}
    assert post(base, big).status_code == 413
    bomb = gzip.compress(json.dumps(big).encode())
    assert len(bomb) < 100_000
    r = post(base, None, headers={"Content-Encoding": "gzip"}, raw=bomb)
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"
    # One bad event does not drop the others; the response says which was rejected and why.
    batch = [
        good,
        {"event": "$ai_generation", "distinct_id": "err-2", "properties": {"$ai_latency": "slow"}},
        {"event": "support_reply_sent"},
        {"event": "$feature_flag_called", "distinct_id": "err-3", "properties": {"$feature_flag": EXPERIMENT, "$feature_flag_response": "nope"}},
        {"event": "support_reply_sent", "distinct_id": "err-4", "uuid": "not-a-uuid"},
        {"event": "support_reply_sent", "distinct_id": "err-5", "timestamp": "yesterday"},
    ]
    r = post(base, {"api_key": SDK_KEY, "batch": batch})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["stored"] == 1
    assert [(x["index"], x["field"]) for x in body["rejected"]] == [
        (1, "properties.$ai_latency"), (2, "distinct_id"), (3, "properties.$feature_flag_response"), (4, "uuid"), (5, "timestamp"),
    ]
