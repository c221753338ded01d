"""PostgreSQL restarted while events are being posted to a replica: every answer is 2xx (stored) or 503 with
Retry-After, never 2xx for an event that is not in the store afterwards; the replica reconnects by itself; OFREP
evaluation answers from memory throughout."""
import datetime
import os
import subprocess
import threading
import time
import uuid

import pytest
import requests

from conftest import ROOT, wait_until_healthy
from postgres_support import fresh_database, needs_postgres, psql
from test_replicas import SDK, evaluate, start_replica

BIN = os.environ.get("RAMPART_TEST_POSTGRES_BIN", "")
DATA = os.environ.get("RAMPART_TEST_POSTGRES_DATA", "")

pytestmark = [needs_postgres, pytest.mark.skipif(not (BIN and DATA), reason="needs the cluster of scripts/postgres-cluster.sh")]


def restart_postgres():
    command = [os.path.join(BIN, "pg_ctl"), "-D", DATA, "-m", "immediate", "-w", "-t", "120", "restart"]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--"] + command
    # The restarted server inherits pg_ctl's output: no pipe, or waiting for its end would wait for the server.
    log = os.path.join(os.path.dirname(DATA), "restart.log")
    subprocess.run(command + ["-l", log], check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=150)


def test_a_database_restart_never_acknowledges_unstored_events():
    db = fresh_database("rampart_restart")
    process, base = start_replica(db, os.path.join(ROOT, "experiments"))
    try:
        assert wait_until_healthy(base, seconds=60)
        acknowledged, refused, other = [], [], []
        evaluations = []
        stop = threading.Event()

        def post_events():
            while not stop.is_set():
                now = datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
                batch = [{"uuid": str(uuid.uuid4()), "event": "llm_request_completed", "unit": f"u{i}", "timestamp": now,
                          "properties": {"latency_ms": 100 + i}} for i in range(50)]
                try:
                    answer = requests.post(f"{base}/v1/events", headers=SDK, json=batch, timeout=30)
                except requests.RequestException as error:
                    other.append(str(error))
                    continue
                if 200 <= answer.status_code < 300:
                    acknowledged.extend(e["uuid"] for e in batch)
                elif answer.status_code == 503 and answer.headers.get("Retry-After"):
                    refused.append(answer.json().get("error", answer.text))
                    time.sleep(0.05)
                else:
                    other.append(f"{answer.status_code} {answer.text}")

        def evaluate_flags():
            while not stop.is_set():
                evaluations.append(evaluate(base, "support-answer-prompt", "restart-user").status_code)
                time.sleep(0.02)

        threads = [threading.Thread(target=post_events), threading.Thread(target=evaluate_flags)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        restart_postgres()
        # The replica reconnects by itself: events are acknowledged again within a few seconds.
        count_before = len(acknowledged)
        deadline = time.time() + 20
        while len(acknowledged) <= count_before + 500 and time.time() < deadline:
            time.sleep(0.2)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        assert other == [], other[:5]
        assert len(acknowledged) > count_before + 500, "ingest did not recover after the restart"
        assert evaluations and set(evaluations) == {200}
        stored = int(psql(f"SELECT count(*) FROM events WHERE uuid IN (SELECT unnest(ARRAY[{','.join(repr(u) for u in acknowledged)}]::uuid[]))", db))
        assert stored == len(acknowledged)
        print(f"acknowledged {len(acknowledged)} events, {len(refused)} batches refused with 503 during the restart")
    finally:
        process.terminate()
        process.wait(timeout=15)
