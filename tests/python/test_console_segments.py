"""Segments in the console (issue 16, part 1): the experiment page's segment selector shows the report's "By
segment" table, values escaped; exposures recorded by OFREP carry the named attributes; an unknown attribute is a
400 page. In a real headless Chromium, as test_console.py."""
import json
import time
import uuid

import pytest
import requests

from conftest import start_serve, wait_until_healthy
from test_console import browser, signed_in  # noqa: F401  (the browser fixture)

ADMIN_KEY = "rk_admin_segmentconsoletest0001"
SDK_KEY = "rk_sdk_segmentconsoletest0001"
HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def console():
    """`rampart serve` with a copy of support-answer-prompt that names `plan` as a segment, and exposures of three
    plans (one with a hostile value) sent to /v1/events."""
    process, base, _ = start_serve("rampart-segments-", {"RAMPART_ADMIN_KEY": ADMIN_KEY, "RAMPART_SDK_KEY": SDK_KEY})
    try:
        assert wait_until_healthy(base, 30), process.stdout.read().decode()
        admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
        definition = requests.get(f"{base}/v1/experiments/support-answer-prompt", headers=admin, timeout=10).json()["definition"]
        definition.update(key="seg-console-test", salt="seg-console-test", segments=["plan"], coverage=1)
        created = requests.post(f"{base}/v1/experiments", headers=admin, data=json.dumps(definition), timeout=10)
        assert created.status_code == 201, created.text
        events = []
        for i, plan in enumerate(["pro"] * 30 + ["enterprise"] * 20 + [HOSTILE] * 10):
            unit = f"user-{i}"
            at = 1_780_000_000_000 + i * 1000
            events.append({"uuid": str(uuid.uuid4()), "event": "exposure", "unit": unit, "timestamp": at,
                           "properties": {"experiment": "seg-console-test", "variant": "control" if i % 2 else "treatment", "plan": plan}})
            if i % 3 == 0:
                events.append({"uuid": str(uuid.uuid4()), "event": "support_ticket_resolved", "unit": unit, "timestamp": at + 5000, "properties": {}})
        posted = requests.post(f"{base}/v1/events", json=events, headers={"Authorization": f"Bearer {SDK_KEY}"}, timeout=30)
        assert posted.status_code in (200, 202), posted.text
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_the_segment_selector_shows_the_table_escaped(console, browser):
    base = console
    context, page = signed_in(browser, base, ADMIN_KEY)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(base + "/experiments/seg-console-test")
    assert page.locator("#segments").count() == 0
    assert page.locator("#segment-by option").all_inner_texts() == ["none", "plan"]
    page.select_option("#segment-by", "plan")
    page.click("#segment-show")
    page.wait_for_selector("table#segments")
    assert "by=plan" in page.url
    table = page.locator("table#segments").inner_text()
    for value in ("pro", "enterprise", HOSTILE):
        assert value in table, table
    # 15 and 10 units per variant are below the default minimum of 100 per variant.
    assert "too few units" in table
    assert page.locator("table#segments img").count() == 0
    assert dialogs == []
    # The selector keeps the choice.
    assert page.locator("#segment-by").input_value() == "plan"
    context.close()


def test_an_unknown_segment_is_a_400_page(console, browser):
    base = console
    context, page = signed_in(browser, base, ADMIN_KEY)
    response = page.goto(base + "/experiments/seg-console-test?by=email")
    assert response.status == 400
    assert "email" in page.content()
    context.close()


def test_ofrep_exposures_carry_the_named_attributes(console):
    base = console
    sdk = {"Authorization": f"Bearer {SDK_KEY}", "Content-Type": "application/json"}
    body = {"context": {"targetingKey": "ofrep-1", "environment": "production", "plan": "free", "email": "a@example.com"}}
    r = requests.post(f"{base}/ofrep/v1/evaluate/flags/seg-console-test", headers=sdk, data=json.dumps(body), timeout=10)
    assert r.status_code == 200, r.text
    # The exposure logger flushes every 200 ms; the report by plan then counts the unit under "free".
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    for _ in range(50):
        report = requests.get(f"{base}/v1/experiments/seg-console-test/results?by=plan", headers=admin, timeout=30).json()
        values = {v["value"]: v for v in report["segments"]["values"]}
        if "free" in values:
            break
        time.sleep(0.2)
    assert sum(values["free"]["units"].values()) == 1, values.keys()
