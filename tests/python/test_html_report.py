"""The HTML report renders in a real headless Chromium (Debian's chromium package): the served page, with the
fixture's events ingested through the API, is loaded from a file with no network, its DOM is checked, and a
screenshot is taken."""
import gzip
import os
import shutil
import struct
import subprocess
import tempfile

import requests

from conftest import ADMIN_KEY, ROOT, SDK_KEY


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise AssertionError("no Chromium on PATH: scripts/test.sh installs Debian's chromium package")


def headless(*args):
    command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_report_renders_in_headless_chromium(server):
    with gzip.open(os.path.join(ROOT, "fixtures", "support-guardrail.ndjson.gz"), "rb") as f:
        body = f.read()
    stored = requests.post(server + "/v1/events", data=body, headers={"Authorization": f"Bearer {SDK_KEY}", "Content-Type": "application/x-ndjson"}, timeout=60)
    assert stored.status_code == 200, stored.text
    page = requests.get(server + "/v1/experiments/support-answer-prompt/results.html", headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=60)
    assert page.status_code == 200
    assert "<script" not in page.text.lower(), "the report must not need JavaScript"
    assert "http://" not in page.text and "https://" not in page.text, "the report must not load anything from the network"

    directory = tempfile.mkdtemp(prefix="rampart-html-")
    path = os.path.join(directory, "report.html")
    with open(path, "w") as f:
        f.write(page.text)

    dom = headless("--dump-dom", "file://" + path)
    assert dom.returncode == 0, dom.stderr
    html = dom.stdout
    for element in ('id="verdict"', 'id="variants"', 'id="metrics"', 'id="guardrails"', 'id="timeline"', 'id="funnel"', 'id="cost"'):
        assert element in html, f"{element} missing from the rendered DOM"
    assert html.count("<svg") >= 4, "effect intervals and funnel bars are drawn as SVG"
    assert "Escalation rate" in html and "p95 latency" in html

    png = os.path.join(directory, "report.png")
    shot = headless("--window-size=1200,2400", f"--screenshot={png}", "file://" + path)
    assert shot.returncode == 0, shot.stderr
    with open(png, "rb") as f:
        header = f.read(24)
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert (width, height) == (1200, 2400)
    assert os.path.getsize(png) > 50_000, "a blank page compresses to almost nothing"
