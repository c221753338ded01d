"""One database, many hands (issue 12): `rampart serve`, two `rampart report` loops, `rampart ingest` runs and
`rampart autopilot` runs, all real processes on one SQLite file at once.

Holds: no operation fails (no HTTP error, no non-zero exit), every acknowledged event is stored exactly once, every
report is well-formed JSON, and the write-ahead log stays under the limit the processes are given.

The default run lasts RAMPART_MIX_SECONDS (6 s); the issue's sustained version is
`RAMPART_MIX_SECONDS=25 pytest tests/python/test_concurrent_access.py` (docs/operations.md quotes its figures).
"""
import json
import os
import random
import sqlite3
import subprocess
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import requests

from conftest import ROOT, free_port, wait_until_healthy

SDK = "rk_sdk_concurrencytestmix0001"
ADMIN = "rk_admin_concurrencytestmix0001"
EXPERIMENT = "support-answer-prompt"
SECONDS = float(os.environ.get("RAMPART_MIX_SECONDS", "6"))
# Small enough that the log reaches its checkpoint size and the RESTART threshold here (the default, 512 MiB, is
# never approached), large enough that the largest transaction (the merge at the end of each `rampart ingest` of
# what the server staged meanwhile) is under half of it, as the bound requires (docs/operations.md).
WAL_LIMIT_MIB = int(os.environ.get("RAMPART_MIX_WAL_LIMIT_MIB", "64"))
BINARY = os.environ.get("RAMPART_BIN", os.path.join(ROOT, ".build", "debug", "rampart"))


def stamp(seconds_ago):
    t = datetime.now(timezone.utc) - timedelta(seconds=seconds_ago)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def events_for(prefix, count, rng):
    """`count` valid events of units `prefix-N`: exposures, completed requests and resolved tickets."""
    out = []
    for i in range(count):
        unit = f"{prefix}-{rng.randrange(2000)}"
        kind = i % 3
        if kind == 0:
            event, props = "exposure", {"experiment": EXPERIMENT, "variant": rng.choice(["control", "treatment"])}
        elif kind == 1:
            event, props = "llm_request_completed", {
                "latency_ms": round(rng.uniform(200, 3000), 1), "estimated_cost_usd": 0.0006, "status": "success",
                "model": "gpt-4.1-mini", "provider": "openai", "environment": "production"}
        else:
            event, props = "support_ticket_resolved", {"channel": "email"}
        out.append({"uuid": str(uuid.uuid4()), "event": event, "unit": unit,
                    "timestamp": stamp(rng.uniform(1, 3600)), "properties": props})
    return out


class Tally:
    """Operations and failures per kind, and the uuids of acknowledged events."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ops = {}
        self.failures = []
        self.acknowledged = set()

    def ok(self, kind, uuids=()):
        with self.lock:
            self.ops[kind] = self.ops.get(kind, 0) + 1
            self.acknowledged.update(uuids)

    def fail(self, kind, detail):
        with self.lock:
            self.ops[kind] = self.ops.get(kind, 0) + 1
            self.failures.append(f"{kind}: {detail}"[:2000])


def run(args, env, timeout=120):
    return subprocess.run([BINARY, *args], env=env, capture_output=True, text=True, timeout=timeout)


def test_serve_reports_ingest_and_autopilot_share_one_database():
    directory = tempfile.mkdtemp(prefix="rampart-mix-")
    db = os.path.join(directory, "rampart.db")
    experiments = os.path.join(ROOT, "experiments")
    env = dict(os.environ, RAMPART_SDK_KEY=SDK, RAMPART_ADMIN_KEY=ADMIN, RAMPART_WAL_LIMIT_MIB=str(WAL_LIMIT_MIB))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [BINARY, "serve", "--port", str(port), "--db", db, "--experiments", experiments, "--autopilot-every", "0.05"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    tally = Tally()
    stop = threading.Event()
    wal_sizes = []

    def http_ingest(seed):
        rng = random.Random(seed)
        session = requests.Session()
        while not stop.is_set():
            batch = events_for(f"http{seed}", 300, rng)
            try:
                r = session.post(base + "/v1/events", json=batch, headers={"Authorization": f"Bearer {SDK}"}, timeout=30)
                body = r.json()
                if r.status_code == 200 and body["stored"] + body["duplicates"] == len(batch) and not body["rejected"]:
                    tally.ok("POST /v1/events", [e["uuid"] for e in batch])
                else:
                    tally.fail("POST /v1/events", f"{r.status_code} {r.text}")
            except Exception as error:  # noqa: BLE001 - every failure is counted and shown
                tally.fail("POST /v1/events", repr(error))

    def http_reads():
        session = requests.Session()
        rng = random.Random(7)
        while not stop.is_set():
            try:
                r = session.get(f"{base}/v1/experiments/{EXPERIMENT}/results", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=30)
                if r.status_code == 200 and r.json().get("schema") == "rampart.report/v1":
                    tally.ok("GET results")
                else:
                    tally.fail("GET results", f"{r.status_code} {r.text}")
                body = {"context": {"targetingKey": f"ofrep-{rng.randrange(10**6)}", "environment": "production", "plan": "free"}}
                r = session.post(f"{base}/ofrep/v1/evaluate/flags/{EXPERIMENT}", json=body, headers={"Authorization": f"Bearer {SDK}"}, timeout=30)
                if r.status_code == 200:
                    tally.ok("OFREP evaluate")
                else:
                    tally.fail("OFREP evaluate", f"{r.status_code} {r.text}")
            except Exception as error:  # noqa: BLE001
                tally.fail("HTTP read", repr(error))

    def report_loop():
        while not stop.is_set():
            try:
                p = run(["report", EXPERIMENT, "--db", db, "--experiments", experiments, "--format", "json"], env)
                report = json.loads(p.stdout) if p.returncode == 0 else None
                if report and report.get("schema") == "rampart.report/v1" and "verdict" in report and "metrics" in report:
                    tally.ok("rampart report")
                else:
                    tally.fail("rampart report", f"exit {p.returncode}: {p.stderr} {p.stdout[:500]}")
            except Exception as error:  # noqa: BLE001
                tally.fail("rampart report", repr(error))

    def cli_ingest():
        rng = random.Random(99)
        n = 0
        while not stop.is_set():
            n += 1
            batch = events_for(f"cli{n}", 6000, rng)
            path = os.path.join(directory, f"cron-{n}.ndjson")
            with open(path, "w") as f:
                f.write("".join(json.dumps(e) + "\n" for e in batch))
            try:
                p = run(["ingest", "--db", db, path, "--progress", "--chunk-bytes", "1000000"], env)
                acknowledged = [int(line.rsplit(" ", 1)[1]) for line in p.stdout.splitlines() if line.startswith("acknowledged through line")]
                through = max(acknowledged, default=0)
                if p.returncode == 0 and through == len(batch) and f"stored {len(batch)}, duplicates 0, rejected 0" in p.stdout:
                    tally.ok("rampart ingest", [e["uuid"] for e in batch])
                else:
                    tally.fail("rampart ingest", f"exit {p.returncode}: {p.stderr} {p.stdout[-500:]}")
                    tally.acknowledged.update(e["uuid"] for e in batch[:through])
            except Exception as error:  # noqa: BLE001
                tally.fail("rampart ingest", repr(error))

    def autopilot_loop():
        while not stop.is_set():
            try:
                p = run(["autopilot", "--db", db, "--experiments", experiments], env)
                if p.returncode == 0:
                    tally.ok("rampart autopilot")
                else:
                    tally.fail("rampart autopilot", f"exit {p.returncode}: {p.stderr}")
            except Exception as error:  # noqa: BLE001
                tally.fail("rampart autopilot", repr(error))
            time.sleep(0.2)

    def wal_sampler():
        while not stop.is_set():
            try:
                wal_sizes.append(os.path.getsize(db + "-wal"))
            except OSError:
                pass
            time.sleep(0.02)

    try:
        if not wait_until_healthy(base, seconds=60):
            raise RuntimeError("rampart serve did not start")
        workers = [threading.Thread(target=f, args=a) for f, a in [
            (http_ingest, (1,)), (http_ingest, (2,)), (http_reads, ()), (report_loop, ()), (report_loop, ()),
            (cli_ingest, ()), (autopilot_loop, ()), (wal_sampler, ()),
        ]]
        started = time.time()
        for w in workers:
            w.start()
        time.sleep(SECONDS)
        stop.set()
        for w in workers:
            w.join(timeout=180)
        elapsed = time.time() - started
    finally:
        stop.set()
        server.terminate()
        output = server.communicate(timeout=60)[0].decode()
    assert server.returncode == 0, output[-3000:]

    with sqlite3.connect(db) as connection:
        stored = [row[0] for row in connection.execute(
            "SELECT lower(hex(uuid)) FROM events UNION ALL SELECT lower(hex(uuid)) FROM events_staged")]
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
    counts = {}
    for u in stored:
        counts[u] = counts.get(u, 0) + 1
    acknowledged = {u.replace("-", "") for u in tally.acknowledged}
    missing = [u for u in acknowledged if u not in counts]
    twice = [u for u, c in counts.items() if c > 1]
    operations = sum(tally.ops.values())
    summary = (f"{elapsed:.1f} s: {operations} operations {tally.ops}, {len(tally.failures)} failed; "
               f"{len(acknowledged)} events acknowledged, {len(stored)} stored, {len(missing)} missing, {len(twice)} stored twice; "
               f"largest -wal {max(wal_sizes, default=0) / 2**20:.2f} MiB (limit {WAL_LIMIT_MIB} MiB, {len(wal_sizes)} samples)")
    print(summary)
    assert not tally.failures, summary + "\n" + "\n".join(tally.failures[:20])
    for kind in ["POST /v1/events", "GET results", "OFREP evaluate", "rampart report", "rampart ingest", "rampart autopilot"]:
        assert tally.ops.get(kind, 0) > 0, f"no {kind} ran: {summary}"
    assert tally.ops["rampart report"] >= 2, summary
    assert not missing, summary
    assert not twice, summary
    assert integrity == "ok", integrity
    assert wal_sizes and max(wal_sizes) <= WAL_LIMIT_MIB * 2**20, summary
