"""Faults under a running `rampart serve` (issue 12): the database file removed, a failing fsync, a full disk, the
file made read-only. Ingest answers an error naming the cause instead of acknowledging events that are not durable;
evaluation and health keep working; nothing crashes; once the cause is gone, ingest resumes in the same process."""
import errno
import os
import random
import shutil
import sqlite3
import subprocess
import tempfile

import pytest
import requests

from conftest import start_serve, wait_until_healthy
from test_concurrent_access import events_for

SDK = "rk_sdk_faulttestfaulttest0001"
ADMIN = "rk_admin_faulttestfaulttest0001"


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


# --- Storage failing under a running server (issue 12, "Faults") -----------------------------------------------
# Each test starts its own `rampart serve`, breaks the storage under it, and checks: no event acknowledged whose
# commit failed, an error naming the cause, evaluation keeps answering, and once the cause is gone ingest works
# again in the same process, with every acknowledged event stored exactly once.

def post_events(base, auth, prefix, count, rng):
    """POSTs `count` new events; returns (response, their uuids)."""
    events = events_for(prefix, count, rng)
    r = requests.post(base + "/v1/events", json=events, headers=auth, timeout=60)
    return r, [e["uuid"] for e in events]


def evaluates(base, auth):
    body = {"context": {"targetingKey": "user-58", "environment": "production", "plan": "free"}}
    r = requests.post(base + "/ofrep/v1/evaluate/flags/support-answer-prompt", json=body, headers=auth, timeout=30)
    return r.status_code == 200 and r.json()["reason"] in ("SPLIT", "TARGETING_MATCH")


def stored_uuids(db):
    """Every stored event uuid (merged and staged), as 32 hex digits, with repeats (there must be none)."""
    connection = sqlite3.connect(db)
    try:
        rows = connection.execute(
            "SELECT lower(hex(uuid)) FROM events UNION ALL SELECT lower(hex(uuid)) FROM events_staged").fetchall()
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return [row[0] for row in rows]
    finally:
        connection.close()


def assert_stored_once(db, acknowledged):
    stored = stored_uuids(db)
    assert len(stored) == len(set(stored)), "an event was stored twice"
    missing = {u.replace("-", "") for u in acknowledged} - set(stored)
    assert not missing, f"{len(missing)} acknowledged events are missing"
    return set(stored)


def stop(process):
    process.terminate()
    output = process.communicate(timeout=30)[0].decode()
    assert process.returncode == 0, output
    return output


@pytest.mark.skipif(shutil.which("fiu-run") is None, reason="needs fiu-run (Debian fiu-utils)")
def test_failing_fsync_acknowledges_nothing_and_ingest_resumes():
    """fsync and fdatasync fail (libfiu's POSIX preload, switched on and off at run time through its control
    fifo): POST /v1/events answers 503 naming the failed fsync; nothing of those batches is stored; evaluation keeps
    answering; once fsync works again the same server stores events, and every acknowledged one is there once."""
    process, base, db = start_serve("rampart-fsync-", {"RAMPART_SDK_KEY": SDK}, wrapper=("fiu-run", "-x"))
    auth = {"Authorization": f"Bearer {SDK}"}
    rng = random.Random(11)
    acknowledged = []
    try:
        assert wait_until_healthy(base, seconds=60), "rampart serve did not start"
        r, uuids = post_events(base, auth, "before", 300, rng)
        assert r.status_code == 200 and r.json()["stored"] == 300, r.text
        acknowledged += uuids

        fiu_ctrl(process.pid, "enable name=posix/io/sync/*")
        failed = []
        for i in range(3):
            r, uuids = post_events(base, auth, f"during{i}", 300, rng)
            assert r.status_code == 503, r.text
            error = r.json()["error"]
            assert error["code"] == "store_unavailable"
            assert "fsync" in error["message"] and "nothing was acknowledged" in error["message"], error["message"]
            assert r.headers.get("Retry-After") == "1"
            failed.append(uuids)
            print("fsync failing:", r.status_code, r.text)
        assert evaluates(base, auth)
        assert requests.get(base + "/healthz", timeout=5).status_code == 200

        fiu_ctrl(process.pid, "disable name=posix/io/sync/*")
        r, uuids = post_events(base, auth, "after", 300, rng)
        assert r.status_code == 200 and r.json()["stored"] == 300, r.text
        acknowledged += uuids
        # The refused batches left nothing behind: sent again, every event is new.
        for uuids_of_batch, i in zip(failed, range(3)):
            events = [dict(e, uuid=u) for e, u in zip(events_for(f"during{i}", 300, random.Random(i)), uuids_of_batch)]
            r = requests.post(base + "/v1/events", json=events, headers=auth, timeout=60)
            assert r.status_code == 200 and r.json()["stored"] == 300 and r.json()["duplicates"] == 0, r.text
            acknowledged += uuids_of_batch
        assert process.poll() is None, "rampart serve exited"
    finally:
        fiu_ctrl(process.pid, "disable name=posix/io/sync/*", check=False)
        stop(process)
    assert_stored_once(db, acknowledged)


def fiu_ctrl(pid, command, check=True):
    subprocess.run(["fiu-ctrl", "-c", command, str(pid)], check=check, timeout=30)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a tmpfs of its own: needs root")
def test_full_disk_answers_507_keeps_evaluating_and_resumes():
    """The database lives on a 24 MiB tmpfs mounted by the test; a file fills the rest. POST /v1/events answers 507
    insufficient_storage naming the full disk; evaluation and health keep answering; after the file is removed the
    same server stores events again; the database passes integrity_check with every acknowledged event once."""
    mount = tempfile.mkdtemp(prefix="rampart-full-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mount], check=True)
    filler = os.path.join(mount, "filler")
    auth = {"Authorization": f"Bearer {SDK}"}
    rng = random.Random(13)
    acknowledged = []
    process = None
    try:
        process, base, db = start_serve("", {"RAMPART_SDK_KEY": SDK}, db=os.path.join(mount, "rampart.db"))
        assert wait_until_healthy(base, seconds=60), "rampart serve did not start"
        r, uuids = post_events(base, auth, "before", 500, rng)
        assert r.status_code == 200 and r.json()["stored"] == 500, r.text
        acknowledged += uuids

        fill(filler)
        refused = None
        for i in range(20):
            r, uuids = post_events(base, auth, f"full{i}", 500, rng)
            if r.status_code == 200:
                acknowledged += uuids  # it fitted in space the log already had
                continue
            refused = r
            break
        assert refused is not None, "the disk never filled"
        assert refused.status_code == 507, refused.text
        error = refused.json()["error"]
        assert error["code"] == "insufficient_storage"
        assert "the disk holding the database is full" in error["message"], error["message"]
        print("disk full:", refused.status_code, refused.headers.get("Retry-After"), refused.text)
        assert evaluates(base, auth)
        assert requests.get(base + "/healthz", timeout=5).status_code == 200

        os.remove(filler)
        r, uuids = post_events(base, auth, "after", 500, rng)
        assert r.status_code == 200 and r.json()["stored"] == 500, r.text
        acknowledged += uuids
        assert process.poll() is None, "rampart serve exited"
        stop(process)
        process = None
        assert_stored_once(db, acknowledged)
    finally:
        if process is not None:
            process.kill()
            process.wait()
        subprocess.run(["umount", mount], check=False)


def fill(path):
    """Writes `path` until the filesystem is full."""
    block = b"\0" * (64 << 10)
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                f.write(block)
        except OSError as error:
            assert error.errno == errno.ENOSPC, error
    with open(path, "ab", buffering=0) as f:  # the last partial block
        try:
            while True:
                f.write(b"\0" * 512)
        except OSError as error:
            assert error.errno == errno.ENOSPC, error


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="runs the server as nobody (root ignores file permissions): needs root and setpriv")
def test_database_made_read_only_refuses_writes_and_keeps_evaluating():
    """`chmod a-w rampart.db` under a server running as an unprivileged user: writes are refused with 503 naming the
    read-only file (SQLite's open descriptor would otherwise go on writing), evaluation and reads keep working, no
    crash; `chmod u+w` and the same server stores again."""
    directory = tempfile.mkdtemp(prefix="rampart-readonly-")
    os.chmod(directory, 0o755)
    os.chown(directory, 65534, 65534)
    db = os.path.join(directory, "rampart.db")
    wrapper = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
    process, base, _ = start_serve("", {"RAMPART_SDK_KEY": SDK, "RAMPART_ADMIN_KEY": ADMIN}, wrapper=wrapper, db=db)
    auth = {"Authorization": f"Bearer {SDK}"}
    admin = {"Authorization": f"Bearer {ADMIN}"}
    rng = random.Random(17)
    acknowledged = []
    try:
        assert wait_until_healthy(base, seconds=60), "rampart serve did not start: " + str(process.poll())
        r, uuids = post_events(base, auth, "before", 300, rng)
        assert r.status_code == 200 and r.json()["stored"] == 300, r.text
        acknowledged += uuids

        os.chmod(db, 0o444)
        r, uuids = post_events(base, auth, "readonly", 300, rng)
        assert r.status_code == 503, r.text
        error = r.json()["error"]
        assert error["code"] == "store_unavailable"
        assert "no longer writable" in error["message"] and db in error["message"], error["message"]
        print("read-only:", r.status_code, r.text)
        assert evaluates(base, auth)
        r = requests.get(base + "/v1/experiments/support-answer-prompt/results", headers=admin, timeout=60)
        assert r.status_code == 200, r.text
        assert process.poll() is None, "rampart serve exited"

        os.chmod(db, 0o644)
        r, uuids = post_events(base, auth, "after", 300, rng)
        assert r.status_code == 200 and r.json()["stored"] == 300, r.text
        acknowledged += uuids
    finally:
        os.chmod(db, 0o644)
        stop(process)
    assert_stored_once(db, acknowledged)


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="runs commands as nobody (root ignores file permissions): needs root and setpriv")
def test_a_reader_who_cannot_write_the_directory_is_told_why():
    """A database in a directory this user cannot write: SQLite in WAL mode must create `-wal` and `-shm` beside it
    even to read, so `report` and `list` fail; the error says which of the file and its directory it cannot write
    and what to do (found by QA in session 29: "attempt to write a readonly database" with no hint)."""
    directory = tempfile.mkdtemp(prefix="rampart-unwritable-")
    db = os.path.join(directory, "rampart.db")
    binary = os.environ.get("RAMPART_BIN", os.path.join(os.path.dirname(__file__), "..", "..", ".build", "debug", "rampart"))
    experiments = os.path.join(os.path.dirname(__file__), "..", "..", "experiments")
    subprocess.run([binary, "keys", "create", "--scope", "viewer", "--db", db], check=True, capture_output=True)
    os.chmod(directory, 0o755)  # root's, readable by everyone, writable by root only
    os.chmod(db, 0o644)
    for path in (db + "-wal", db + "-shm"):
        if os.path.exists(path):
            os.remove(path)
    nobody = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
    for command in (["report", "support-answer-prompt", "--experiments", experiments], ["list"]):
        done = subprocess.run([*nobody, binary, *command, "--db", db], capture_output=True, text=True, timeout=60)
        assert done.returncode != 0
        assert "uid 65534" in done.stderr and "cannot write the file or its directory" in done.stderr, done.stderr
        assert db + "-wal" in done.stderr, done.stderr
