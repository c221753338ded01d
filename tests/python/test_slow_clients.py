"""Slow and stalled clients against `rampart serve`: none of them can hold what other clients need.

Found by QA in session 29: 33 keyless `POST /batch/` connections that sent their headers and one byte of body, then
stalled, held all 32 places of the ingest gate for as long as they stayed open, and `/v1/events` answered 429 to
everyone. Now a body is read before a place is taken, within `--body-timeout` (408 `body_timeout`, and the
connection closed), and a connection that sends nothing for `--idle-timeout` is closed.
"""
import json
import socket
import time
import uuid

import pytest
import requests

from conftest import start_serve, wait_until_healthy

SDK_KEY = "rk_sdk_slowclientstest00000001"
ADMIN_KEY = "rk_admin_slowclientstest0000001"
BODY_TIMEOUT = 2
IDLE_TIMEOUT = 3


@pytest.fixture(scope="module")
def rampart():
    process, base, _ = start_serve("rampart-slow-", {"RAMPART_SDK_KEY": SDK_KEY, "RAMPART_ADMIN_KEY": ADMIN_KEY},
                                   extra=("--body-timeout", str(BODY_TIMEOUT), "--idle-timeout", str(IDLE_TIMEOUT)))
    if not wait_until_healthy(base, seconds=30):
        process.kill()
        raise RuntimeError("rampart serve did not start: " + process.stdout.read().decode())
    yield base, int(base.rsplit(":", 1)[1])
    process.terminate()
    process.wait(timeout=10)


def stalled(port, path, headers=""):
    """A connection that sends a POST's headers, promising 1,000 bytes of body, and one byte of it."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{headers}"
               "Content-Length: 1000\r\n\r\n{").encode())
    return s


def read_all(s, seconds):
    """What the server sends until it closes the connection (or `seconds` pass); and whether it closed."""
    s.settimeout(seconds)
    data = b""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return data, False
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


def event():
    return {"uuid": str(uuid.uuid4()), "event": "support_ticket_resolved", "unit": "slow-test-user",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


def test_stalled_keyless_uploads_do_not_stop_ingestion(rampart):
    base, port = rampart
    sockets = [stalled(port, "/batch/") for _ in range(40)] + [stalled(port, "/v1/events", f"Authorization: Bearer {SDK_KEY}\r\n") for _ in range(5)]
    try:
        time.sleep(0.3)
        started = time.time()
        r = requests.post(f"{base}/v1/events", headers={"Authorization": f"Bearer {SDK_KEY}"}, data=json.dumps([event()]), timeout=10)
        assert r.status_code == 200, r.text
        assert r.json()["stored"] == 1
        assert time.time() - started < BODY_TIMEOUT, "answered while the stalled uploads were still open"
        # Each stalled upload gets 408 body_timeout once its deadline passes, and its connection is closed.
        for s in sockets:
            data, closed = read_all(s, BODY_TIMEOUT + IDLE_TIMEOUT + 5)
            head, _, body = data.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 408"), data[:200]
            assert b"body_timeout" in body
            assert closed, "the connection stays open after the 408"
    finally:
        for s in sockets:
            s.close()


def test_a_trickled_body_is_cut_at_the_deadline(rampart):
    """One byte every half second never lets the connection go idle; the body deadline still ends it."""
    _, port = rampart
    s = stalled(port, "/batch/")
    started = time.time()
    answer = b""
    try:
        s.settimeout(0.5)
        while time.time() - started < BODY_TIMEOUT + 5:
            try:
                s.sendall(b" ")
            except (BrokenPipeError, ConnectionResetError):
                break
            try:
                chunk = s.recv(65536)
                if not chunk:
                    break
                answer += chunk
            except socket.timeout:
                continue
    finally:
        s.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert BODY_TIMEOUT - 0.5 < time.time() - started < BODY_TIMEOUT + 4


def test_an_idle_connection_is_closed(rampart):
    base, port = rampart
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    started = time.time()
    try:
        data, closed = read_all(s, IDLE_TIMEOUT + 5)
        assert closed and data == b""
        assert IDLE_TIMEOUT - 0.5 < time.time() - started < IDLE_TIMEOUT + 3
    finally:
        s.close()
    # A keep-alive client between requests is closed the same way, and the next request opens a new connection.
    with requests.Session() as session:
        assert session.get(f"{base}/healthz", timeout=5).status_code == 200
        time.sleep(IDLE_TIMEOUT + 1)
        assert session.get(f"{base}/healthz", timeout=5).status_code == 200


def test_a_body_sent_in_time_is_taken(rampart):
    """A body that arrives in pieces, all within the deadline, is stored as a whole."""
    base, port = rampart
    body = json.dumps([event()]).encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.sendall((f"POST /v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {SDK_KEY}\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode())
        for i in range(0, len(body), 16):
            s.sendall(body[i:i + 16])
            time.sleep(0.02)
        s.settimeout(10)
        data = s.recv(65536)
        assert data.startswith(b"HTTP/1.1 200"), data[:300]
        assert b'"stored":1' in data.replace(b" ", b"")
    finally:
        s.close()
