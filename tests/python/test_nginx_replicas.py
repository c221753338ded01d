"""Two replicas on one PostgreSQL database behind nginx (Debian's package) as the load balancer: event posts and
OFREP evaluations go through nginx; one replica is killed with SIGKILL mid-run; every event answered 2xx is in the
store afterwards and evaluation continues through the other replica. The nginx configuration is the one in
docs/deployment.md."""
import datetime
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid

import pytest
import requests

from conftest import ROOT, free_port, wait_until_healthy
from postgres_support import fresh_database, needs_postgres, psql
from test_replicas import SDK, start_replica

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)

pytestmark = [needs_postgres, pytest.mark.skipif(NGINX is None, reason="nginx is not installed (scripts/install-deps.sh --test)")]

CONFIG = """
worker_processes 1;
error_log {prefix}/error.log;
pid {prefix}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream rampart {{
        server 127.0.0.1:{a} max_fails=1 fail_timeout=5s;
        server 127.0.0.1:{b} max_fails=1 fail_timeout=5s;
    }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 8m;
        client_body_buffer_size 8m;
        location / {{
            proxy_pass http://rampart;
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
            proxy_next_upstream_tries 2;
        }}
    }}
}}
"""


def test_killing_one_replica_behind_nginx_loses_no_acknowledged_event():
    db = fresh_database("rampart_nginx")
    experiments = os.path.join(ROOT, "experiments")
    replicas = [start_replica(db, experiments) for _ in range(2)]
    prefix = tempfile.mkdtemp(prefix="rampart-nginx-")
    os.chmod(prefix, 0o777)  # nginx's workers (an unprivileged user when started as root) write temporary files here
    port = free_port()
    ports = [int(base.rsplit(":", 1)[1]) for _, base in replicas]
    with open(os.path.join(prefix, "nginx.conf"), "w") as f:
        f.write(CONFIG.format(prefix=prefix, a=ports[0], b=ports[1], port=port))
    nginx = None
    try:
        for process, base in replicas:
            assert wait_until_healthy(base, seconds=60)
        nginx = subprocess.Popen([NGINX, "-p", prefix, "-c", os.path.join(prefix, "nginx.conf"), "-g", "daemon off;"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        assert wait_until_healthy(base, seconds=10)
        acknowledged, failures, evaluations = [], [], []
        stop = threading.Event()

        def post_events():
            while not stop.is_set():
                now = datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
                batch = [{"uuid": str(uuid.uuid4()), "event": "llm_request_completed", "unit": f"n{i}", "timestamp": now,
                          "properties": {"latency_ms": 10 + i}} for i in range(100)]
                try:
                    answer = requests.post(f"{base}/v1/events", headers=SDK, json=batch, timeout=30)
                    if 200 <= answer.status_code < 300:
                        acknowledged.extend(e["uuid"] for e in batch)
                    else:
                        failures.append(answer.status_code)
                except requests.RequestException as error:
                    failures.append(str(error))

        def evaluate_flags():
            while not stop.is_set():
                answer = requests.post(f"{base}/ofrep/v1/evaluate/flags/support-answer-prompt", headers=SDK,
                                       json={"context": {"targetingKey": f"user-{len(evaluations)}"}}, timeout=10)
                evaluations.append((time.time(), answer.status_code))

        threads = [threading.Thread(target=post_events) for _ in range(2)] + [threading.Thread(target=evaluate_flags)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        killed_at = time.time()
        replicas[0][0].send_signal(signal.SIGKILL)
        time.sleep(2.5)
        stop.set()
        for t in threads:
            t.join(timeout=60)
        assert len(acknowledged) > 0, failures[:3]
        after = [code for at, code in evaluations if at > killed_at]
        assert after and set(after) == {200}, f"evaluations after the kill: {sorted(set(after))}"
        assert failures == [], failures[:5]
        stored = int(psql(f"SELECT count(*) FROM events WHERE uuid IN (SELECT unnest(ARRAY[{','.join(repr(u) for u in acknowledged)}]::uuid[]))", db))
        assert stored == len(acknowledged)
    finally:
        if nginx:
            nginx.terminate()
            nginx.wait(timeout=10)
        for process, _ in replicas:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=15)
        shutil.rmtree(prefix, ignore_errors=True)
