"""The console in a real headless Chromium (Debian's chromium through Playwright's `executable_path`; `playwright
install` cannot download here): sign in, the overview, an experiment, refused and forced ramp actions, the audit
log, roll back, viewers, CSRF, sign-out, escaping. Screenshots of the overview and the experiment page go to
docs/images/ (shown in the README)."""
import json
import os
import shutil
import subprocess

import pytest
import requests
from playwright.sync_api import sync_playwright

from conftest import ROOT, start_serve, wait_until_healthy

ADMIN_KEY = "rk_admin_consolebrowsertest0001"
SDK_KEY = "rk_sdk_consolebrowsertest0001"
XSS_NAME = "<script>alert(1)</script>"
IMAGES = os.path.join(ROOT, "docs", "images")


def binary():
    return os.environ.get("RAMPART_BIN", os.path.join(ROOT, ".build", "debug", "rampart"))


@pytest.fixture(scope="module")
def console():
    """`rampart serve` with the bundled experiments, the fixtures' events, a viewer key and an experiment whose
    name and metric name are hostile; yields (base URL, viewer key)."""
    process, base, db = start_serve("rampart-console-", {"RAMPART_ADMIN_KEY": ADMIN_KEY, "RAMPART_SDK_KEY": SDK_KEY})
    try:
        assert wait_until_healthy(base, 30), process.stdout.read().decode()
        for fixture in ("support-win.ndjson.gz", "triage-swap.ndjson.gz"):
            subprocess.run([binary(), "ingest", "--db", db, os.path.join(ROOT, "fixtures", fixture)], check=True, capture_output=True)
        viewer = subprocess.run([binary(), "keys", "create", "--scope", "viewer", "--name", "pat the viewer", "--db", db],
                                check=True, capture_output=True, text=True).stdout.strip()
        admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
        definition = requests.get(f"{base}/v1/experiments/triage-model-swap", headers=admin, timeout=10).json()["definition"]
        definition.update(key="xss-console-test", name=XSS_NAME, salt="xss-console-test")
        definition["metrics"][0]["name"] = 'Rate "quoted" & \'single\''
        created = requests.post(f"{base}/v1/experiments", headers=admin, data=json.dumps(definition), timeout=10)
        assert created.status_code == 201, created.text
        # Keys are reloaded from the store every 5 s.
        for _ in range(100):
            if requests.get(f"{base}/v1/experiments", headers={"Authorization": f"Bearer {viewer}"}, timeout=5).status_code == 200:
                break
            import time
            time.sleep(0.1)
        yield base, viewer
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    assert executable, "no Chromium on PATH: scripts/install-deps.sh --test installs Debian's chromium package"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def signed_in(browser, base, key, **options):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    page = context.new_page()
    page.goto(base + "/")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(base + "/")
    return context, page


def form_values(page):
    return {
        "_csrf": page.locator("#ramp-form input[name=_csrf]").get_attribute("value"),
        "revision": page.locator("#ramp-form input[name=revision]").get_attribute("value"),
    }


def test_sign_in_and_the_overview_lists_the_bundled_experiments_with_their_verdicts(console, browser):
    base, _ = console
    context, page = signed_in(browser, base, ADMIN_KEY)
    for key in ("support-answer-prompt", "triage-model-swap"):
        row = page.locator(f'tr[data-key="{key}"]')
        assert row.count() == 1
        badge = row.locator(".badge").inner_text()
        assert badge in ("ADVANCE", "HOLD", "ROLLBACK", "SHIP", "STOP")
        assert row.get_attribute("data-verdict") == badge
    assert "stage 1 of 5" in page.locator('tr[data-key="support-answer-prompt"]').inner_text()
    page.screenshot(path=os.path.join(IMAGES, "console-overview.png"), full_page=True)
    # A filter survives the page's own refresh.
    page.goto(base + "/?verdict=ADVANCE&sort=verdict")
    assert page.locator("#verdict").input_value() == "ADVANCE"
    assert page.locator('tr[data-verdict="HOLD"]').count() == 0
    # Readable at 390 px: nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_open_an_experiment_refused_advance_force_audit_and_roll_back(console, browser):
    base, _ = console
    context, page = signed_in(browser, base, ADMIN_KEY)
    page.get_by_role("link", name="Support answer prompt, June rewrite").click()
    assert page.locator("#verdict").count() == 1
    assert page.locator("#steps li[aria-current=step]").inner_text().startswith("Stage 1")
    page.screenshot(path=os.path.join(IMAGES, "console-experiment.png"), full_page=False)
    # The hostile experiment has no events: its verdict is HOLD, so advancing is refused in the policy's words.
    page.goto(base + "/experiments/xss-console-test")
    page.get_by_role("button", name="Advance to the next stage").click()
    refusal = page.locator("#refusal-message").inner_text()
    assert "the verdict is HOLD" in refusal, refusal
    page.get_by_label("reason (required").fill("pilot customers asked for it")
    page.get_by_role("button", name="Force advance").click()
    assert "Done: advance" in page.locator("#notice").inner_text()
    assert page.locator("#steps li[aria-current=step]").inner_text().startswith("Stage 2")
    page.goto(base + "/experiments/xss-console-test/audit")
    first = page.locator("#audit tbody tr").first.inner_text()
    assert "advance" in first and "(forced)" in first and "pilot customers asked for it" in first
    assert "bootstrap admin key" in first
    page.goto(base + "/experiments/xss-console-test")
    page.get_by_role("button", name="Roll back").click()
    assert "Done: rollback" in page.locator("#notice").inner_text()
    page.goto(base + "/audit")
    assert "rollback" in page.locator("#audit tbody tr").first.inner_text()
    context.close()


def test_the_experiment_page_at_390_px(console, browser):
    """A phone's width: the page body never scrolls sideways (wide tables scroll in their own box), the text is
    readable, and every control of the as-of and ramp forms is within the screen, focusable and named."""
    base, _ = console
    context, page = signed_in(browser, base, ADMIN_KEY)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + "/experiments/support-answer-prompt")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate("document.body.scrollWidth") <= 390
    # Readable: no text smaller than 12 px, and the name and verdict within the screen.
    smallest = page.evaluate("""Math.min(...Array.from(document.querySelectorAll('p, li, td, th, label, button, h1, h2, .reason'))
        .filter(e => e.offsetParent !== null && e.textContent.trim() !== '').map(e => parseFloat(getComputedStyle(e).fontSize)))""")
    assert smallest >= 12, smallest
    for selector in ("#experiment-name", "#verdict-badge"):
        box = page.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (selector, box)
    # Controls reachable: scrolled to, each lies within the screen's width and takes the keyboard focus.
    controls = page.locator("form.asof input, form.asof button, #ramp-form input:not([type=hidden]), #ramp-form select, #ramp-form button")
    assert controls.count() >= 6, controls.count()
    for i in range(controls.count()):
        control = controls.nth(i)
        control.scroll_into_view_if_needed()
        box = control.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] >= 20, (control.evaluate("e => e.outerHTML"), box)
        control.focus()
        assert control.evaluate("e => e === document.activeElement")
        named = control.evaluate("e => (e.labels && e.labels.length > 0) || e.textContent.trim() !== '' || !!e.getAttribute('aria-label')")
        assert named, control.evaluate("e => e.outerHTML")
    # A control still works at this width: the as-of form replays the report.
    page.locator("#as_of").fill("2026-06-15T12:00")
    page.locator("form.asof button").click()
    assert page.locator("#as-of-note").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_a_viewer_sees_no_buttons_and_a_forged_post_is_refused(console, browser):
    base, viewer = console
    context, page = signed_in(browser, base, viewer)
    assert "pat the viewer" in page.locator("#signed-in-as").inner_text()
    page.goto(base + "/experiments/triage-model-swap")
    assert page.locator("#ramp-form").count() == 0
    assert page.locator("button", has_text="Advance").count() == 0
    csrf = page.locator("#sign-out").locator("xpath=..").locator("input[name=_csrf]").get_attribute("value")
    before = requests.get(f"{base}/v1/experiments/triage-model-swap", headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=10).json()
    forged = context.request.post(base + "/experiments/triage-model-swap/ramp",
                                  form={"_csrf": csrf, "action": "pause", "revision": str(before["revision"])}, max_redirects=0)
    assert forged.status == 403
    after = requests.get(f"{base}/v1/experiments/triage-model-swap", headers={"Authorization": f"Bearer {ADMIN_KEY}"}, timeout=10).json()
    assert after["revision"] == before["revision"] and after["status"] == before["status"]
    context.close()


def test_a_post_without_the_csrf_token_is_refused(console, browser):
    base, _ = console
    context, page = signed_in(browser, base, ADMIN_KEY)
    page.goto(base + "/experiments/triage-model-swap")
    values = form_values(page)
    response = context.request.post(base + "/experiments/triage-model-swap/ramp",
                                    form={"action": "pause", "revision": values["revision"]}, max_redirects=0)
    assert response.status == 403
    assert "CSRF" in response.text()
    page.reload()
    assert form_values(page)["revision"] == values["revision"]
    context.close()


def test_sign_out_and_the_old_cookie_no_longer_works(console, browser):
    base, _ = console
    context, page = signed_in(browser, base, ADMIN_KEY)
    old = [c for c in context.cookies() if c["name"] == "rampart_session"]
    assert old and old[0]["httpOnly"] and old[0]["sameSite"] == "Strict"
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_role("button", name="Sign in").count() == 1
    replay = browser.new_context()
    replay.add_cookies(old)
    again = replay.new_page()
    again.goto(base + "/audit")
    assert again.get_by_role("button", name="Sign in").count() == 1
    replay.close()
    context.close()


def test_hostile_names_render_as_text(console, browser):
    base, _ = console
    context, page = signed_in(browser, base, ADMIN_KEY)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(base + "/")
    assert page.locator("a.exp-name", has_text=XSS_NAME).count() == 1
    page.goto(base + "/experiments/xss-console-test")
    assert page.locator("#experiment-name").inner_text() == XSS_NAME
    assert 'Rate "quoted" & \'single\'' in page.locator("#metrics").inner_text()
    assert dialogs == []
    context.close()


def test_pages_read_without_javascript(console, browser):
    base, _ = console
    context, page = signed_in(browser, base, ADMIN_KEY, java_script_enabled=False)
    assert page.locator('tr[data-key="support-answer-prompt"]').count() == 1
    for path in ("/experiments/support-answer-prompt", "/audit", "/ingest", "/definitions/support-answer-prompt"):
        response = page.goto(base + path)
        assert response.status == 200, path
    assert page.locator("#definition").input_value().startswith("{")
    context.close()


def test_the_experiment_page_links_each_metric_to_its_examples(console, browser):
    """Issue 16, part 3: every metric links, per variant, to example units with their trace ids; with a trace_url
    the trace ids are links; the same examples on a reload."""
    base, _ = console
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    definition = requests.get(f"{base}/v1/experiments/support-answer-prompt", headers=admin, timeout=10).json()["definition"]
    # Without a trace_url the trace ids are plain text, and a group with no threshold says none.
    assert "trace_url" not in definition
    context, page = signed_in(browser, base, ADMIN_KEY)
    plain = page.goto(base + "/experiments/support-answer-prompt/metrics/resolution_rate/examples?variant=treatment"
                      "&as_of=2026-06-15T00:00")
    assert plain.status == 200, plain.status
    html = page.content()
    assert 'href="nil"' not in html and "trace-link" not in html and "(above" not in html
    assert page.locator("#group-with_outcome table.examples tbody tr").count() == 20
    definition["trace_url"] = "https://traces.example.com/trace/{trace_id}"
    updated = requests.put(f"{base}/v1/experiments/support-answer-prompt", headers=admin, data=json.dumps(definition), timeout=10)
    assert updated.status_code == 200, updated.text
    page.goto(base + "/experiments/support-answer-prompt?as_of=2026-06-15T00:00")
    # Served vs. ran is on the page, inside the report: the fixture's events ran what each variant serves.
    assert page.locator("#served-vs-ran").count() == 1
    assert "0.0%" in page.locator("#served-vs-ran").inner_text()
    links = page.locator("#metric-examples a.example-link")
    with_role = sum(1 for m in definition["metrics"] if m.get("role"))
    assert links.count() == 2 * with_role, links.count()  # every metric with a role, for both variants
    page.locator("#metric-examples li", has_text="Ticket resolution rate").locator("a", has_text="treatment").click()
    page.wait_for_selector("#group-with_outcome")
    assert page.locator("#examples-variant").inner_text() == "treatment"
    rows = page.locator("#group-with_outcome table.examples tbody tr")
    assert rows.count() == 20, rows.count()
    trace = page.locator("#group-with_outcome a.trace-link").first
    assert trace.get_attribute("href").startswith("https://traces.example.com/trace/")
    first_units = page.locator("#group-with_outcome td code").all_inner_texts()
    assert page.locator("#group-without_outcome table.examples tbody tr").count() == 20
    page.reload()
    assert page.locator("#group-with_outcome td code").all_inner_texts() == first_units
    # The slowest requests behind the latency guardrail.
    page.goto(base + "/experiments/support-answer-prompt/metrics/p95_latency/examples?variant=control&as_of=2026-06-15T00:00")
    assert page.locator("#group-above_quantile table.examples tbody tr").count() == 20
    response = page.goto(base + "/experiments/support-answer-prompt/metrics/nope/examples?variant=control")
    assert response.status == 404
    assert "nope" in page.content()
    context.close()


def test_every_page_fits_a_375_px_screen(console, browser):
    """The smallest common phone width: no console page scrolls sideways (found by QA in session 29: /ingest did);
    wide tables scroll inside their own box."""
    base, _ = console
    context, page = signed_in(browser, base, ADMIN_KEY)
    page.set_viewport_size({"width": 375, "height": 812})
    too_wide = {}
    for path in ("/", "/audit", "/ingest", "/definitions", "/definitions/support-answer-prompt", "/definitions/new",
                 "/webhooks", "/experiments/support-answer-prompt", "/experiments/support-answer-prompt/audit"):
        page.goto(base + path)
        width = page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
        if width > 375:
            too_wide[path] = width
    context.close()
    assert not too_wide, too_wide
