"""`/v1/webhooks` answered in the shapes openapi.yaml declares, with good and bad input (openapi-core validates
status, content type and body), and a signed delivery to a real receiver after a rotation made over the API."""
import json
import time

from conftest import ADMIN_KEY
from test_openapi_contract import ADMIN, SDK, call
from test_webhooks import Receiver, stop, serve, new_db, ramp
from test_webhooks_cron import verify_any


def test_webhooks_routes_match_the_spec(server):
    added = call(server, "POST", "/v1/webhooks", 201, ADMIN, {"url": "http://127.0.0.1:9/hook", "events": ["rollout_changed"]}).json()
    assert added["secret"].startswith("whsec_") and added["events"] == ["rollout_changed"]
    call(server, "POST", "/v1/webhooks", 422, ADMIN, {"url": "ftp://nope"})
    call(server, "POST", "/v1/webhooks", 422, ADMIN, {"url": "http://x/", "events": "nope"})
    call(server, "POST", "/v1/webhooks", 400, ADMIN, raw="{not json")
    call(server, "POST", "/v1/webhooks", 401, None, {"url": "http://x/"})
    call(server, "POST", "/v1/webhooks", 403, SDK, {"url": "http://x/"})
    listed = call(server, "GET", "/v1/webhooks", 200, ADMIN).json()["webhooks"]
    assert added["id"] in [w["id"] for w in listed] and added["secret"] not in json.dumps(listed) and "whsec_" not in json.dumps(listed)
    rotated = call(server, "POST", f"/v1/webhooks/{added['id']}/rotate", 200, ADMIN, {"overlap": "1h"}).json()
    assert rotated["secret"] != added["secret"] and rotated["previous_secret_until"]
    call(server, "POST", f"/v1/webhooks/{added['id']}/rotate", 200, ADMIN)
    call(server, "POST", f"/v1/webhooks/{added['id']}/rotate", 422, ADMIN, {"overlap": "soon"})
    call(server, "POST", "/v1/webhooks/wh_000000000000/rotate", 404, ADMIN, {})
    call(server, "GET", "/v1/webhooks/deliveries?limit=5", 200, ADMIN)
    call(server, "GET", "/v1/webhooks/deliveries?limit=0", 400, ADMIN)
    call(server, "DELETE", f"/v1/webhooks/{added['id']}", 204, ADMIN)
    call(server, "DELETE", f"/v1/webhooks/{added['id']}", 404, ADMIN)


def test_an_endpoint_added_and_rotated_over_the_api_is_delivered_with_both_signatures():
    receiver = Receiver([200])
    db = new_db("rampart-webhooks-api-")
    process, base = serve(db)
    try:
        headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
        added = call(base, "POST", "/v1/webhooks", 201, headers, {"url": receiver.url}).json()
        rotated = call(base, "POST", f"/v1/webhooks/{added['id']}/rotate", 200, headers, {"overlap": "10m"}).json()
        ramp(base, "pause")
        request, = receiver.wait_for(1)
        assert verify_any(added["secret"], request) and verify_any(rotated["secret"], request)
        deadline = time.time() + 10
        while time.time() < deadline:
            rows = call(base, "GET", "/v1/webhooks", 200, headers).json()["webhooks"]
            if rows[0]["last_delivery"] and rows[0]["last_delivery"]["status"] == "delivered":
                break
            time.sleep(0.1)
        assert rows[0]["last_delivery"]["status"] == "delivered" and rows[0]["last_delivery"]["last_status"] == 200
    finally:
        stop(process)
        receiver.close()
