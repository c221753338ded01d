"""SIGKILL during a schema migration (issue 12, "Faults"): a store without its v4 migrations, holding about 95,000
events, is opened by `rampart report`, which migrates it first; the process is killed at several moments
of the migration. After each kill the store is consistent (each migration applied whole or not at all), and
rerunning the command migrates what remains and gives the report of a store that was never interrupted, with every
event counted once. Run on SQLite and on PostgreSQL."""
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest

from conftest import ROOT
from postgres_support import fresh_database, needs_postgres, psql
from test_postgres_parity import differences

BINARY = os.environ.get("RAMPART_BIN", os.path.join(ROOT, ".build", "debug", "rampart"))
EXPERIMENTS = os.path.join(ROOT, "experiments")
KEY = "support-answer-prompt"
# Where in the migration window (from a run on a current store to a full migration) each kill lands.
KILL_FRACTIONS = (0.1, 0.3, 0.5, 0.7, 0.9)
AS_OF = "2026-09-01T00:00:00Z"  # after every simulated event, so that two reports compare whole

# The slow migrations (a count over every event; on SQLite counts per name and minute and day over every event, on
# PostgreSQL an index over them) and SQL that takes a store back to before them; the later migrations stay applied,
# as they are independent of these.
# On SQLite the counts per minute and day (v5) replaced the index by name and time: a store before them has the index.
LATEST = ("v4 stored event counts", "v4 events by name and time", "v4 console: sign-in failures")
SQLITE_LATEST = ("v4 stored event counts", "v5 event counts per minute and day", "v4 console: sign-in failures")
SQLITE_DOWNGRADE = """
    DROP TABLE event_name_counts; DROP TABLE event_minutes; DROP TABLE event_days; DROP TABLE sign_in_failures;
    CREATE INDEX events_name_ts ON events (name_id, ts);
    DELETE FROM grdb_migrations WHERE identifier IN ('v4 stored event counts', 'v5 event counts per minute and day',
        'v4 console: sign-in failures');
    """
POSTGRES_DOWNGRADE = """
    DROP TABLE event_name_counts; DROP INDEX events_name_ts; CREATE INDEX events_ts ON events (ts);
    DROP TABLE sign_in_failures; DELETE FROM rampart_migrations WHERE name LIKE 'v4 %';
    """


def report_command(db):
    return [BINARY, "report", KEY, "--db", db, "--experiments", EXPERIMENTS, "--format", "json", "--as-of", AS_OF]


def report(db):
    """The JSON report of `db` without its generation time; fails the test when the command fails."""
    result = subprocess.run(report_command(db), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)
    document.pop("generated_at", None)
    return document


def migration_seconds(db):
    """How long `rampart report` on `db` holds the write lock (its migration), measured from outside: the report's
    own time is not a guide, since its analysis can take longer, and vary more, than the migration."""
    process = subprocess.Popen(report_command(db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while process.poll() is None and not sqlite_writing(db) and time.monotonic() < deadline:
        time.sleep(0.002)
    started = time.monotonic()
    while process.poll() is None and sqlite_writing(db) and time.monotonic() < deadline:
        time.sleep(0.002)
    held = time.monotonic() - started
    process.wait(timeout=120)
    return held


def sqlite_writing(db):
    """Whether another connection holds the write lock of `db` (a migration is the only write a report makes)."""
    connection = sqlite3.connect(db, timeout=0)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        connection.close()


def killed_while_migrating(db, after):
    """Starts `rampart report` on `db`, waits until it holds the write lock (its migration began), SIGKILLs it
    `after` seconds later; returns whether it was still running then."""
    process = subprocess.Popen(report_command(db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while process.poll() is None and not sqlite_writing(db) and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(after)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    return process.returncode == -signal.SIGKILL


@pytest.fixture(scope="module")
def events_store():
    """A SQLite store at the current schema with about 95,000 simulated events; returns (path, events stored)."""
    directory = tempfile.mkdtemp(prefix="rampart-migration-crash-")
    events = os.path.join(directory, "events.ndjson")
    subprocess.run([BINARY, "simulate", os.path.join(EXPERIMENTS, f"{KEY}.yaml"), "--units", "10000", "--seed", "12",
                    "-o", events], check=True, capture_output=True, timeout=300)
    db = os.path.join(directory, "current.db")
    subprocess.run([BINARY, "ingest", "--db", db, events], check=True, capture_output=True, timeout=300)
    connection = sqlite3.connect(db)
    try:
        count = connection.execute("SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM events_staged)").fetchone()[0]
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    return db, count


def sqlite_state(db):
    """Which of the latest migrations are recorded, after checking that each is whole (its objects exist exactly
    when it is recorded) and that the file is intact."""
    connection = sqlite3.connect(db)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        recorded = {r[0] for r in connection.execute("SELECT identifier FROM grdb_migrations")}
        objects = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
        assert ("event_name_counts" in objects) == (SQLITE_LATEST[0] in recorded)
        assert ("event_minutes" in objects) == ("event_days" in objects) == (SQLITE_LATEST[1] in recorded) != ("events_name_ts" in objects)
        assert ("sign_in_failures" in objects) == (SQLITE_LATEST[2] in recorded)
        return recorded & set(SQLITE_LATEST)
    finally:
        connection.close()


def sqlite_counted(db):
    connection = sqlite3.connect(db)
    try:
        counted = connection.execute("SELECT sum(stored) FROM event_name_counts").fetchone()[0]
        per_minute = connection.execute("SELECT sum(n) FROM event_minutes").fetchone()[0]
        per_day = connection.execute("SELECT sum(n) FROM event_days").fetchone()[0]
        assert counted == per_minute == per_day, (counted, per_minute, per_day)
        return counted
    finally:
        connection.close()


def test_sigkill_during_a_sqlite_schema_migration_then_rerun_completes(events_store):
    current, count = events_store
    directory = os.path.dirname(current)
    expected = report(current)
    old = os.path.join(directory, "old.db")
    shutil.copy(current, old)
    connection = sqlite3.connect(old)
    try:
        connection.executescript(SQLITE_DOWNGRADE + "VACUUM;")
    finally:
        connection.close()
    assert sqlite_state(old) == set()

    def fresh_copy(name):
        path = os.path.join(directory, name)
        shutil.copy(old, path)
        return path

    migrating = migration_seconds(fresh_copy("timing.db"))
    interrupted = 0
    for k, fraction in enumerate(KILL_FRACTIONS):
        db = fresh_copy(f"kill{k}.db")
        killed = killed_while_migrating(db, migrating * fraction)
        state = sqlite_state(db)
        interrupted += killed and state != set(SQLITE_LATEST)
        assert report(db) == expected, f"the report after a kill at {fraction:.0%} of the migration differs"
        assert sqlite_state(db) == set(SQLITE_LATEST)
        assert sqlite_counted(db) == count, "the stored-event counts count an event twice or miss one"
    assert interrupted > 0, f"no kill landed before the migration finished (it held the write lock {migrating:.3f} s)"


def postgres_state(url):
    recorded = set(psql("SELECT name FROM rampart_migrations", url).split("\n")) & set(LATEST)
    objects = set(psql("SELECT relname FROM pg_class WHERE relname IN "
                       "('event_name_counts', 'events_name_ts', 'events_ts', 'sign_in_failures')", url).split("\n"))
    assert ("event_name_counts" in objects) == (LATEST[0] in recorded)
    assert ("events_name_ts" in objects) == (LATEST[1] in recorded) != ("events_ts" in objects)
    assert ("sign_in_failures" in objects) == (LATEST[2] in recorded)
    assert psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())", url) == "0", "a killed migration kept its lock"
    return recorded


def lock_holder(url, mode):
    """A psql session holding `mode` on `events` until `.communicate()`; returns once the lock is granted."""
    holder = subprocess.Popen(["psql", url, "-v", "ON_ERROR_STOP=1", "-q"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, text=True)
    holder.stdin.write(f"BEGIN; LOCK TABLE events IN {mode} MODE;\n")
    holder.stdin.flush()
    while psql("SELECT count(*) FROM pg_locks AS l JOIN pg_class AS c ON c.oid = l.relation "
               f"WHERE c.relname = 'events' AND l.granted AND l.mode = '{mode.title().replace(' ', '')}Lock'", url) == "0":
        time.sleep(0.01)
    return holder


def killed_while_blocked(url, mode):
    """Holds `mode` on `events`, starts `rampart report`, waits until its migration waits for that lock, SIGKILLs it,
    then releases the lock."""
    holder = lock_holder(url, mode)
    process = subprocess.Popen(report_command(url), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while psql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
               url) == "0":
        assert process.poll() is None and time.monotonic() < deadline, "the migration never waited for the lock"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    holder.communicate("ROLLBACK;\n", timeout=60)
    # The server ends the killed client's session (its transaction and advisory lock) once it sees the socket close.
    while psql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
               url) != "0":
        time.sleep(0.01)


@needs_postgres
def test_sigkill_during_a_postgresql_schema_migration_then_rerun_completes(events_store):
    """The kills land at known points: the first migration waiting to read `events` (held ACCESS EXCLUSIVE by the
    test), and the second waiting to build its index (held ROW EXCLUSIVE, which lets the first migration through)."""
    source, count = events_store
    current = fresh_database("rampart_migration_crash")
    subprocess.run([BINARY, "migrate-store", "--from", source, "--to", current], check=True, capture_output=True, timeout=600)
    expected = report(current)
    assert not differences(report(source), expected), "the copy's report differs from the SQLite store's"
    psql(POSTGRES_DOWNGRADE, current)
    assert postgres_state(current) == set()
    template = urlsplit(current).path.lstrip("/")
    server = urlunsplit(urlsplit(current)._replace(path="/postgres"))

    for mode, applied in (("ACCESS EXCLUSIVE", set()), ("ROW EXCLUSIVE", {LATEST[0]})):
        name = f"{template}_{uuid.uuid4().hex[:8]}"
        psql(f"CREATE DATABASE {name} TEMPLATE {template}", server)
        url = urlunsplit(urlsplit(current)._replace(path="/" + name))
        killed_while_blocked(url, mode)
        assert postgres_state(url) == applied, f"killed while waiting behind {mode}"
        assert not differences(report(url), expected), f"the report after a kill behind {mode} differs"
        assert postgres_state(url) == set(LATEST)
        assert int(psql("SELECT sum(stored) FROM event_name_counts", url)) == count
