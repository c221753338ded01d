"""`rampart migrate-store` copies a whole store between SQLite and PostgreSQL: the reports, audit log and keys are the
same on the copy, a second run copies nothing, a run killed midway is finished by running it again, and the copy
back to SQLite is the same too."""
import os
import re
import signal
import subprocess
import tempfile
import time

from conftest import ROOT
from postgres_support import fresh_database, needs_postgres
from test_postgres_parity import differences, rampart

import json

EXPERIMENTS = os.path.join(ROOT, "experiments")
FIXTURE = os.path.join(ROOT, "fixtures", "support-win.ndjson.gz")
BINARY = os.environ.get("RAMPART_BIN", os.path.join(ROOT, ".build", "debug", "rampart"))


def report(db):
    return json.loads(rampart("report", "support-answer-prompt", "--db", db, "--experiments", EXPERIMENTS, "--format", "json",
                              "--as-of", "2027-01-01T00:00:00Z"))


def migrate(source, target, *extra):
    return rampart("migrate-store", "--from", source, "--to", target, *extra)


def counts(output):
    """The numbers of the summary's event line."""
    m = re.search(r"events: read (\d+), stored (\d+), already there (\d+), rejected (\d+)", output)
    assert m, output
    return tuple(int(x) for x in m.groups())


def source_store():
    """An SQLite store with hashed unit ids, a forced ramp in the audit log and two keys."""
    db = os.path.join(tempfile.mkdtemp(prefix="rampart-migrate-"), "rampart.db")
    out = subprocess.run([BINARY, "ingest", "--db", db, "--unit-hash-key-env", "MIGRATE_TEST_KEY", FIXTURE],
                         capture_output=True, text=True, env={**os.environ, "MIGRATE_TEST_KEY": "s3cret"}, check=True).stdout
    total = int(re.search(r"stored (\d+)", out).group(1))
    rampart("ramp", "support-answer-prompt", "advance", "--force", "--reason", "migration test", "--actor", "maria",
            "--db", db, "--experiments", EXPERIMENTS)
    rampart("keys", "create", "--scope", "viewer", "--name", "pm", "--db", db)
    rampart("keys", "create", "--scope", "sdk", "--name", "checkout", "--db", db)
    return db, total


@needs_postgres
def test_a_copy_to_postgres_and_back_reports_the_same_and_a_second_run_copies_nothing():
    sqlite, total = source_store()
    postgres = fresh_database("rampart_migrate")
    first = migrate(sqlite, postgres)
    assert counts(first) == (total, total, 0, 0)
    assert "audit entries appended" in first and "API keys: inserted 2" in first
    found = differences(report(sqlite), report(postgres))
    assert found == [], "; ".join(found[:10])
    for command in (["audit", "support-answer-prompt", "--experiments", EXPERIMENTS], ["keys", "list"]):
        assert rampart(*command, "--db", sqlite) == rampart(*command, "--db", postgres)

    second = migrate(sqlite, postgres)
    assert counts(second) == (total, 0, total, 0)
    assert re.search(r"rollouts: written 0, unchanged \d+; audit entries appended 0", second), second
    assert "API keys: inserted 0, already there 2" in second

    back = os.path.join(tempfile.mkdtemp(prefix="rampart-migrate-back-"), "rampart.db")
    assert counts(migrate(postgres, back)) == (total, total, 0, 0)
    found = differences(report(sqlite), report(back))
    assert found == [], "; ".join(found[:10])
    assert rampart("audit", "support-answer-prompt", "--experiments", EXPERIMENTS, "--db", back) == \
        rampart("audit", "support-answer-prompt", "--experiments", EXPERIMENTS, "--db", sqlite)


@needs_postgres
def test_a_copy_killed_midway_is_finished_by_running_it_again():
    sqlite, total = source_store()
    postgres = fresh_database("rampart_migrate_kill")
    process = subprocess.Popen([BINARY, "migrate-store", "--from", sqlite, "--to", postgres, "--page-events", "500", "--verbose"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stderr.readline()  # the first page is stored
    assert line.startswith("events 500/"), line
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    rerun = migrate(sqlite, postgres)
    read, stored, already, rejected = counts(rerun)
    assert read == total and already >= 500 and stored + already == total and rejected == 0
    assert int(subprocess.run(["psql", postgres, "-Atqc", "SELECT count(*) FROM events"], capture_output=True, text=True, check=True).stdout) == total
    found = differences(report(sqlite), report(postgres))
    assert found == [], "; ".join(found[:10])


def test_bad_arguments_name_the_option():
    db = os.path.join(tempfile.mkdtemp(prefix="rampart-migrate-args-"), "rampart.db")
    missing = subprocess.run([BINARY, "migrate-store", "--from", db + ".missing", "--to", db], capture_output=True, text=True)
    assert missing.returncode != 0 and "--from: no database at" in missing.stderr
    same = subprocess.run([BINARY, "migrate-store", "--from", db, "--to", db], capture_output=True, text=True)
    assert same.returncode != 0 and "--from and --to name the same store" in same.stderr
    pages = subprocess.run([BINARY, "migrate-store", "--from", db, "--to", db + "2", "--page-events", "0"], capture_output=True, text=True)
    assert pages.returncode != 0 and "--page-events 0" in pages.stderr
