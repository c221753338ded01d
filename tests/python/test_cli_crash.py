"""SIGKILL during `rampart ingest --progress` of a large file, and during its maintenance step (the merge of staged
events into the clustered table that ends every run): rerunning the same command completes the job, with every line
stored exactly once and every line the killed run acknowledged already there (issue 12, "Faults")."""
import json
import os
import random
import signal
import sqlite3
import subprocess
import tempfile

from conftest import ROOT
from test_concurrent_access import events_for

BINARY = os.environ.get("RAMPART_BIN", os.path.join(ROOT, ".build", "debug", "rampart"))
PREFIX = "acknowledged through line "


def write_events(path, count, seed):
    """`count` events, one per line; returns their uuids in line order."""
    events = events_for(f"cli{seed}", count, random.Random(seed))
    with open(path, "w") as f:
        for e in events:
            f.write(json.dumps(e) + "\n")
    return [e["uuid"].replace("-", "") for e in events]


def stored(db):
    connection = sqlite3.connect(db)
    try:
        rows = connection.execute(
            "SELECT lower(hex(uuid)) FROM events UNION ALL SELECT lower(hex(uuid)) FROM events_staged").fetchall()
        staged = connection.execute("SELECT count(*) FROM events_staged").fetchone()[0]
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return [r[0] for r in rows], staged
    finally:
        connection.close()


def ingest_until(db, path, stop_at):
    """Runs `rampart ingest --progress` and SIGKILLs it once it has acknowledged `stop_at` lines (or, with None,
    right after the last acknowledgement, when the merge runs); returns (lines acknowledged, whether it was killed
    before it exited by itself)."""
    process = subprocess.Popen([BINARY, "ingest", "--db", db, "--progress", "--chunk-bytes", "400000", path],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    acknowledged = 0
    total = sum(1 for _ in open(path))
    for raw in process.stdout:
        line = raw.decode()
        if line.startswith(PREFIX):
            acknowledged = int(line[len(PREFIX):])
            if (stop_at is not None and acknowledged >= stop_at) or (stop_at is None and acknowledged == total):
                process.send_signal(signal.SIGKILL)
                break
    process.wait(timeout=120)
    return acknowledged, process.returncode == -signal.SIGKILL


def rerun(db, path):
    result = subprocess.run([BINARY, "ingest", "--db", db, "--progress", path], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_sigkill_during_cli_ingest_then_rerun_completes_exactly_once():
    directory = tempfile.mkdtemp(prefix="rampart-cli-crash-")
    db = os.path.join(directory, "rampart.db")
    path = os.path.join(directory, "events.ndjson")
    uuids = write_events(path, 60_000, 1)

    acknowledged, killed = ingest_until(db, path, stop_at=len(uuids) // 3)
    assert killed and 0 < acknowledged < len(uuids), (acknowledged, killed)
    rows, _ = stored(db)
    assert len(rows) == len(set(rows)), "an event was stored twice"
    assert not set(uuids[:acknowledged]) - set(rows), "an acknowledged line is missing after SIGKILL"

    out = rerun(db, path)
    assert f"stored {len(uuids) - len(rows)}, duplicates {len(rows)}, rejected 0" in out, out
    assert f"{PREFIX}{len(uuids)}" in out, out
    rows, staged = stored(db)
    assert sorted(rows) == sorted(uuids) and staged == 0


def test_sigkill_during_the_final_merge_then_rerun_completes_exactly_once():
    directory = tempfile.mkdtemp(prefix="rampart-merge-crash-")
    db = os.path.join(directory, "rampart.db")
    path = os.path.join(directory, "events.ndjson")
    uuids = write_events(path, 60_000, 2)

    # Killed after the last line was acknowledged: the run was merging staged events into `events` (or had just
    # finished). Every line is durable either way.
    acknowledged, _ = ingest_until(db, path, stop_at=None)
    assert acknowledged == len(uuids)
    rows, staged = stored(db)
    assert sorted(rows) == sorted(uuids), "after a SIGKILL in the merge, an event is missing or stored twice"
    print(f"killed after the last acknowledgement with {staged} of {len(uuids)} events still staged")

    out = rerun(db, path)
    assert f"stored 0, duplicates {len(uuids)}, rejected 0" in out, out
    rows, staged = stored(db)
    assert sorted(rows) == sorted(uuids) and staged == 0, "the rerun did not finish the merge"
