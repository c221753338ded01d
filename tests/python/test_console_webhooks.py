"""The console's Webhooks page in a real headless Chromium (Debian's chromium, as test_console.py): an admin adds an
endpoint for a real receiver (the secret shown once verifies the receiver's request), sees the failing delivery
with its attempts and last error, rotates and removes through forms; hostile URLs render as text; a POST without
the CSRF token is refused; a viewer sees redacted URLs, no forms, and is refused on the server."""
import subprocess
import time

import pytest
import requests

from conftest import ADMIN_KEY
from test_console import browser, signed_in  # noqa: F401  (the browser fixture)
from test_webhooks import BINARY, EXPERIMENT, Receiver, new_db, ramp, serve, stop
from test_webhooks_cron import verify_any

API = {"Authorization": f"Bearer {ADMIN_KEY}"}
HOSTILE_URL = "http://127.0.0.1:9/<script>alert(1)</script>"
HOSTILE_SCOPE = "<img src=x onerror=alert(2)>"


@pytest.fixture(scope="module")
def console():
    """`rampart serve` (webhook poll 0.1 s) with a viewer key and a receiver answering 500; yields (base, viewer, receiver)."""
    receiver = Receiver([500])
    db = new_db("rampart-console-webhooks-")
    process, base = serve(db)
    viewer = subprocess.run([BINARY, "keys", "create", "--scope", "viewer", "--name", "pat the viewer", "--db", db],
                            check=True, capture_output=True, text=True).stdout.strip()
    deadline = time.time() + 10
    while requests.get(f"{base}/v1/webhooks", headers={"Authorization": f"Bearer {viewer}"}, timeout=5).status_code != 200:
        assert time.time() < deadline, "the viewer key was not loaded"
        time.sleep(0.1)
    try:
        yield base, viewer, receiver
    finally:
        stop(process)
        receiver.close()


def webhooks(base):
    return requests.get(f"{base}/v1/webhooks", headers=API, timeout=10).json()["webhooks"]


def test_an_admin_adds_sees_the_failure_rotates_and_removes(console, browser):
    base, _, receiver = console
    context, page = signed_in(browser, base, ADMIN_KEY)
    page.get_by_role("link", name="Webhooks").click()
    page.wait_for_url(base + "/webhooks")
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("Events").fill("rollout_changed")
    page.get_by_role("button", name="Add endpoint").click()
    secret = page.locator("#new-secret-value").inner_text()
    assert secret.startswith("whsec_")
    webhook_id = next(w["id"] for w in webhooks(base) if w["url"] == receiver.url)
    # A reload sends the form again: it carries the id it was shown with, so nothing is added twice.
    again = page.reload()
    assert again.request.method == "POST" and again.status == 200
    assert "already added by this form" in page.locator("#webhooks-message").inner_text()
    assert page.locator("#new-secret").count() == 0
    assert [w["id"] for w in webhooks(base) if w["url"] == receiver.url] == [webhook_id]
    page.goto(base + "/webhooks")
    assert page.locator("#new-secret").count() == 0 and secret not in page.content(), "the secret is shown once"

    ramp(base, "pause")
    request, = receiver.wait_for(1)
    assert verify_any(secret, request), "the secret shown signs the deliveries"
    deadline = time.time() + 10
    while True:
        page.goto(base + "/webhooks")
        if page.locator("#failures").count() == 1 or time.time() > deadline:
            break
        time.sleep(0.2)
    failure = page.locator("#failures tbody tr").first.inner_text()
    assert webhook_id in failure and "HTTP 500" in failure and "pending" in failure and "rollout_changed" in failure
    row = page.locator(f"#endpoint-{webhook_id}")
    assert "HTTP 500" in row.locator("td.last").inner_text() and "1 attempt" in row.locator("td.last").inner_text()

    row.get_by_label(f"Overlap of {webhook_id}").fill("1h")
    row.get_by_role("button", name="Rotate secret").click()
    rotated = page.locator("#new-secret-value").inner_text()
    assert rotated.startswith("whsec_") and rotated != secret
    assert "old secret signs until" in page.locator(f"#endpoint-{webhook_id}").inner_text()
    assert next(w for w in webhooks(base) if w["id"] == webhook_id)["previous_secret_until"]
    # Sent again, the rotate form names the secret it replaced, which is gone: nothing changes, and the secret just
    # shown is still the one that signs.
    again = page.reload()
    assert again.request.method == "POST" and again.status == 409
    assert "was rotated since this form was shown" in page.locator("#webhooks-error").inner_text()
    assert page.locator("#new-secret").count() == 0
    before = len(receiver.received())
    ramp(base, "resume")
    deadline = time.time() + 20
    while not any(b'"resume"' in r["body"] for r in receiver.received()[before:]):
        assert time.time() < deadline, "the resume was not delivered"
        time.sleep(0.05)
    signed = next(r for r in receiver.received()[before:] if b'"resume"' in r["body"])
    assert verify_any(rotated, signed), "the secret shown by the first rotation still signs"

    page.locator(f"#endpoint-{webhook_id}").get_by_role("button", name="Remove").click()
    assert f"Removed webhook {webhook_id}" in page.locator("#webhooks-message").inner_text()
    assert webhook_id not in [w["id"] for w in webhooks(base)]
    context.close()


def test_hostile_urls_and_scopes_render_as_text_and_bad_input_is_explained(console, browser):
    base, _, _ = console
    context, page = signed_in(browser, base, ADMIN_KEY)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(base + "/webhooks")
    page.get_by_label("URL").fill(HOSTILE_URL)
    page.get_by_label("Only this experiment").fill(HOSTILE_SCOPE)
    page.get_by_role("button", name="Add endpoint").click()
    page.goto(base + "/webhooks")
    hostile = next(w for w in webhooks(base) if w["url"] == HOSTILE_URL)
    row = page.locator(f"#endpoint-{hostile['id']}")
    assert row.locator("td.url").inner_text() == HOSTILE_URL
    assert HOSTILE_SCOPE in row.inner_text()
    assert page.locator("#endpoints script").count() == 0 and page.locator("#endpoints img").count() == 0
    page.get_by_label("URL").fill("ftp://nope")
    page.get_by_role("button", name="Add endpoint").click()
    assert page.locator("#webhooks-error").inner_text().startswith("url: expected an absolute http:// or https:// URL")
    assert page.get_by_label("URL").input_value() == "ftp://nope", "the form keeps what was typed"
    assert dialogs == []
    context.close()


def test_a_post_without_the_csrf_token_is_refused(console, browser):
    base, _, _ = console
    context, page = signed_in(browser, base, ADMIN_KEY)
    before = webhooks(base)
    for form in ({"url": "http://127.0.0.1:9/csrf"}, {"url": "http://127.0.0.1:9/csrf", "_csrf": "0" * 64}):
        response = context.request.post(base + "/webhooks", form=form, max_redirects=0)
        assert response.status == 403 and "CSRF" in response.text()
    if before:
        refused = context.request.post(base + f"/webhooks/{before[0]['id']}/rotate", form={"overlap": "1h"}, max_redirects=0)
        assert refused.status == 403
    assert webhooks(base) == before, "nothing added or rotated"
    context.close()


def test_a_viewer_sees_redacted_urls_no_forms_and_is_refused_on_the_server(console, browser):
    base, viewer, _ = console
    added = requests.post(f"{base}/v1/webhooks", headers=API, json={"url": "https://hooks.slack.com/services/T0/B0/very-secret"}, timeout=10).json()
    before = webhooks(base)
    context, page = signed_in(browser, base, viewer)
    page.goto(base + "/webhooks")
    row = page.locator(f"#endpoint-{added['id']}")
    assert row.locator("td.url").inner_text() == "https://hooks.slack.com/…"
    assert "very-secret" not in page.content()
    assert page.locator("form#add-webhook").count() == 0 and page.locator(".rotate-form, .remove-form").count() == 0
    csrf = page.locator("#sign-out").locator("xpath=..").locator("input[name=_csrf]").get_attribute("value")
    for path, form in (("/webhooks", {"url": "http://127.0.0.1:9/viewer"}), (f"/webhooks/{added['id']}/rotate", {"overlap": "1h"}),
                       (f"/webhooks/{added['id']}/remove", {})):
        response = context.request.post(base + path, form={"_csrf": csrf, **form}, max_redirects=0)
        assert response.status == 403 and "viewer" in response.text(), path
    assert webhooks(base) == before, "a viewer changed nothing"
    context.close()
