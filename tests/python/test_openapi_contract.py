"""Every route, with good and bad input, answered in the shapes openapi.yaml declares.

Each response is validated against the spec with openapi-core: status code, content type, headers and body schema.
"""
import json
import os
import uuid

import pytest
import requests
import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse

from conftest import ADMIN_KEY, ROOT, SDK_KEY

_SPECS = {}


def spec(server):
    """The spec, with the server under test as its only server."""
    if server not in _SPECS:
        with open(os.path.join(ROOT, "openapi.yaml")) as f:
            document = yaml.safe_load(f)
        document["servers"] = [{"url": server}]
        _SPECS[server] = OpenAPI.from_dict(document)
    return _SPECS[server]
SDK = {"Authorization": f"Bearer {SDK_KEY}"}
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
PROD = {"context": {"targetingKey": "user-58", "environment": "production", "plan": "free"}}


def call(server, method, path, expected, headers=None, body=None, raw=None, content_type="application/json"):
    """Sends a request, checks the status, and validates the response against the spec."""
    data = raw if raw is not None else (json.dumps(body) if body is not None else None)
    all_headers = dict(headers or {})
    if data is not None:
        all_headers["Content-Type"] = content_type
    response = requests.request(method, server + path, headers=all_headers, data=data, timeout=10)
    assert response.status_code == expected, f"{method} {path}: {response.status_code} {response.text[:300]}"
    request = requests.Request(method, server + path, headers=all_headers, data=data).prepare()
    spec(server).validate_response(RequestsOpenAPIRequest(request), RequestsOpenAPIResponse(response))
    return response


def event(name="support_ticket_resolved", unit="user-58", **properties):
    return {"uuid": str(uuid.uuid4()), "event": name, "unit": unit, "timestamp": "2026-06-01T10:00:00Z", "properties": properties}


def test_ofrep_single(server):
    call(server, "POST", "/ofrep/v1/evaluate/flags/support-answer-prompt", 200, SDK, PROD)
    call(server, "POST", "/ofrep/v1/evaluate/flags/support-answer-prompt", 400, SDK, {})
    call(server, "POST", "/ofrep/v1/evaluate/flags/support-answer-prompt", 400, SDK, raw="{not json")
    call(server, "POST", "/ofrep/v1/evaluate/flags/support-answer-prompt", 400, SDK, {"context": {"targetingKey": 7}})
    call(server, "POST", "/ofrep/v1/evaluate/flags/no-such-flag", 404, SDK, PROD)
    call(server, "POST", "/ofrep/v1/evaluate/flags/support-answer-prompt", 401, None, PROD)
    call(server, "POST", "/ofrep/v1/evaluate/flags/support-answer-prompt", 401, {"X-API-Key": "rk_sdk_nope"}, PROD)
    call(server, "POST", "/ofrep/v1/evaluate/flags/support-answer-prompt", 403, ADMIN, PROD)
    big = {"context": {"targetingKey": "u", "pad": "x" * (2 * 1024 * 1024)}}
    call(server, "POST", "/ofrep/v1/evaluate/flags/support-answer-prompt", 413, SDK, big)


def test_ofrep_bulk_with_etag(server):
    first = call(server, "POST", "/ofrep/v1/evaluate/flags", 200, SDK, PROD)
    etag = first.headers["ETag"]
    call(server, "POST", "/ofrep/v1/evaluate/flags", 304, {**SDK, "If-None-Match": etag}, PROD)
    call(server, "POST", "/ofrep/v1/evaluate/flags", 400, SDK, {"context": {}})


def test_events(server):
    good = [event(), event("llm_request_completed", latency_ms=900, model="gpt-4.1-mini")]
    bad = [event("llm_request_completed", latency_ms="slow"), {"event": "x", "unit": "u", "timestamp": "2026-06-01T10:00:00Z", "uuid": "not-a-uuid"}]
    result = call(server, "POST", "/v1/events", 200, SDK, good + bad).json()
    assert result["stored"] == 2 and len(result["rejected"]) == 2
    assert call(server, "POST", "/v1/events", 200, SDK, good).json()["duplicates"] == 2
    ndjson = "\n".join(json.dumps(e) for e in [event(), event()]) + "\n"
    call(server, "POST", "/v1/events", 200, SDK, raw=ndjson, content_type="application/x-ndjson")
    call(server, "POST", "/v1/events", 400, SDK, raw="[{broken")
    call(server, "POST", "/v1/events", 401, None, good)
    call(server, "POST", "/v1/events", 403, ADMIN, good)


def test_experiments(server):
    listed = call(server, "GET", "/v1/experiments", 200, SDK).json()
    assert [e["key"] for e in listed["experiments"]] == ["support-answer-prompt", "triage-model-swap"]
    call(server, "GET", "/v1/experiments/support-answer-prompt", 200, ADMIN)
    call(server, "GET", "/v1/experiments/nope", 404, SDK)
    call(server, "GET", "/v1/experiments", 401)
    definition = open(os.path.join(ROOT, "experiments", "support-answer-prompt.yaml")).read().replace("key: support-answer-prompt", "key: contract-copy")
    call(server, "POST", "/v1/experiments", 201, ADMIN, raw=definition, content_type="application/yaml")
    call(server, "POST", "/v1/experiments", 409, ADMIN, raw=definition, content_type="application/yaml")
    call(server, "POST", "/v1/experiments", 403, SDK, raw=definition, content_type="application/yaml")
    call(server, "POST", "/v1/experiments", 422, ADMIN, raw=definition.replace("coverage: 0.01\n", "coverage: 7\n"), content_type="application/yaml")
    renamed = definition.replace("name: Support answer prompt, June rewrite", "name: Contract copy")
    call(server, "PUT", "/v1/experiments/contract-copy", 200, ADMIN, raw=renamed, content_type="application/yaml")
    # GET returns the definition in the file format: PUT it back as JSON and GET the same definition again.
    got = call(server, "GET", "/v1/experiments/contract-copy", 200, ADMIN).json()
    assert got["definition"]["metrics"][1]["threshold"] == {"relative_margin": 0.02}
    assert "analysis" not in got["definition"] and "relativeMargin" not in json.dumps(got)
    call(server, "PUT", "/v1/experiments/contract-copy", 200, ADMIN, got["definition"])
    assert call(server, "GET", "/v1/experiments/contract-copy", 200, ADMIN).json()["definition"] == got["definition"]
    reweighted = definition.replace("weight: 0.5", "weight: 0.25", 1).replace("  - key: treatment\n    weight: 0.5", "  - key: treatment\n    weight: 0.75")
    call(server, "PUT", "/v1/experiments/contract-copy", 409, ADMIN, raw=reweighted, content_type="application/yaml")
    call(server, "POST", "/v1/experiments/contract-copy/phases", 201, ADMIN, raw=reweighted, content_type="application/yaml")


def test_results_ramp_and_audit(server):
    report = call(server, "GET", "/v1/experiments/support-answer-prompt/results", 200, SDK).json()
    assert report["verdict"]["action"] == "HOLD"
    call(server, "GET", "/v1/experiments/support-answer-prompt/results?as_of=2026-06-02T00:00:00Z", 200, SDK)
    call(server, "GET", "/v1/experiments/support-answer-prompt/results?as_of=soon", 400, SDK)
    html = call(server, "GET", "/v1/experiments/support-answer-prompt/results.html", 200, SDK)
    assert "<svg" in html.text or "Not enough days" in html.text
    examples = "/v1/experiments/support-answer-prompt/metrics/resolution_rate/examples"
    body = call(server, "GET", examples + "?variant=treatment&limit=3", 200, SDK).json()
    assert [g["kind"] for g in body["groups"]] == ["with_outcome", "without_outcome"]
    call(server, "GET", "/v1/experiments/support-answer-prompt/metrics/p95_latency/examples?variant=control", 200, SDK)
    call(server, "GET", examples + "?variant=nobody", 400, SDK)
    call(server, "GET", examples + "?variant=treatment&limit=0", 400, SDK)
    call(server, "GET", "/v1/experiments/support-answer-prompt/metrics/nope/examples?variant=control", 404, SDK)
    call(server, "GET", examples + "?variant=control", 401, None)
    call(server, "POST", "/v1/experiments/triage-model-swap/ramp", 409, ADMIN, {"action": "advance"})
    call(server, "POST", "/v1/experiments/triage-model-swap/ramp", 422, ADMIN, {"action": "launch"})
    call(server, "POST", "/v1/experiments/triage-model-swap/ramp", 400, ADMIN, raw="not json")
    call(server, "POST", "/v1/experiments/triage-model-swap/ramp", 200, ADMIN, {"action": "pause", "actor": "contract-test", "reason": "maintenance"})
    call(server, "POST", "/v1/experiments/triage-model-swap/ramp", 200, ADMIN, {"action": "resume", "actor": "contract-test"})
    call(server, "POST", "/v1/experiments/triage-model-swap/ramp", 403, SDK, {"action": "pause"})
    entries = call(server, "GET", "/v1/experiments/triage-model-swap/audit", 200, ADMIN).json()["entries"]
    assert [e["action"] for e in entries] == ["import", "pause", "resume"]
    call(server, "GET", "/v1/experiments/triage-model-swap/audit", 403, SDK)



def test_verdict_and_flagger_hooks(server):
    verdict = call(server, "GET", "/v1/experiments/support-answer-prompt/verdict", 200, ADMIN).json()
    assert verdict["verdict"] == "HOLD" and verdict["experiment"] == "support-answer-prompt"
    call(server, "GET", "/v1/experiments/support-answer-prompt/verdict", 403, SDK)
    call(server, "GET", "/v1/experiments/nope/verdict", 404, ADMIN)
    payload = {"name": "support-bot", "namespace": "prod", "phase": "Progressing", "metadata": {"experiment": "support-answer-prompt"}}
    answer = call(server, "POST", "/v1/flagger/confirm-traffic-increase", 403, ADMIN, payload).json()
    assert answer["allowed"] is False and answer["hook"] == "confirm-traffic-increase"
    call(server, "POST", "/v1/flagger/rollback", 403, ADMIN, payload)
    call(server, "POST", "/v1/flagger/confirm-promotion", 401, None, payload)
    call(server, "POST", "/v1/flagger/confirm-promotion", 422, ADMIN, {"name": "support-bot", "metadata": {}})
    call(server, "POST", "/v1/flagger/confirm-promotion", 400, ADMIN, raw="not json")


def test_operations(server):
    call(server, "GET", "/healthz", 200)
    call(server, "GET", "/readyz", 200)
    metrics = call(server, "GET", "/metrics", 200)
    assert "rampart_evaluations_total" in metrics.text
    assert "rampart_events_ingested_total" in metrics.text
    spec = call(server, "GET", "/openapi.yaml", 200)
    assert spec.text.startswith("openapi: 3.1.0")


def test_posthog_capture_and_growthbook_payload(server):
    captured = {"event": "support_ticket_resolved", "distinct_id": "user-58", "uuid": str(uuid.uuid4())}
    result = call(server, "POST", "/batch/", 200, None, {"api_key": SDK_KEY, "batch": [captured, {"event": "x"}]}).json()
    assert result["status"] == 1 and result["stored"] == 1 and len(result["rejected"]) == 1
    call(server, "POST", "/batch/", 400, None, raw="{broken")
    call(server, "POST", "/batch/", 401, None, {"api_key": "rk_sdk_nope", "batch": [captured]})
    call(server, "POST", "/batch/", 403, None, {"api_key": ADMIN_KEY, "batch": [captured]})
    first = call(server, "GET", f"/api/features/{SDK_KEY}", 200)
    call(server, "GET", f"/api/features/{SDK_KEY}", 304, {"If-None-Match": first.headers["ETag"]})
    call(server, "GET", "/api/features/rk_sdk_nope", 401)
    call(server, "GET", f"/api/features/{ADMIN_KEY}", 403)
