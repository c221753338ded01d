"""OpenTelemetry GenAI spans into `rampart serve` through the real, unmodified OpenTelemetry Python SDK and its
OTLP/HTTP protobuf exporter, and OTLP/JSON through plain HTTP requests.

A traced fake LLM client serves a few hundred users in two variants: each user's request is a server span carrying a
`feature_flag.evaluation` event (the exposure), with GenAI client spans (the LLM calls, some failing) and a database
span (no GenAI attributes: ignored) under it. The report must show exactly the requests, latency quantiles and token
means the test generated; exporting the same spans again must store nothing twice.
"""
import gzip
import json
import math
import os
import random
import sqlite3
import subprocess
import time

import requests
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode

from conftest import ROOT, start_serve, wait_until_healthy

SDK = "rk_sdk_otlptestotlptestotlp01"
EXPERIMENT = "support-answer-prompt"
USERS = 300
MODEL = "gpt-4.1-mini"
TOKEN_CAP = 20000  # the output_tokens metric's winsorize


def rampart(args):
    binary = os.environ.get("RAMPART_BIN", os.path.join(ROOT, ".build", "debug", "rampart"))
    p = subprocess.run([binary] + args, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout


def stored_events(db):
    """Every stored event (the clustered table and the staged append log) as (name, unit, latency_ms, output_tokens, props)."""
    with sqlite3.connect(db) as c:
        return c.execute("""
            SELECT n.name, u.key, e.latency_ms, e.output_tokens, e.props
            FROM (SELECT name_id, unit_id, latency_ms, output_tokens, props FROM events
                  UNION ALL SELECT name_id, unit_id, latency_ms, output_tokens, props FROM events_staged) e
            JOIN event_names n ON n.id = e.name_id JOIN units u ON u.id = e.unit_id""").fetchall()


class FakeLLM:
    """A fake LLM client traced the way GenAI instrumentations trace one: a CLIENT span per call with the GenAI
    semantic-convention attributes, its duration the call's latency (given explicitly, so the test knows it)."""

    def __init__(self, tracer, rng):
        self.tracer = tracer
        self.rng = rng

    def chat(self, user, variant, start_ns, conversation):
        rng = self.rng
        latency_ns = int(rng.lognormvariate(math.log(1100 * (1.2 if variant == "treatment" else 1.0)), 0.45) * 1e6)
        failed = rng.random() < 0.04
        attributes = {
            "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": MODEL,
            "user.id": user, "gen_ai.conversation.id": conversation,
            "rampart.prompt_name": "support_answer",
            "rampart.prompt_version_id": "pv_2026_06_04_003" if variant == "treatment" else "pv_2026_05_21_001",
            # Raw content, as instrumentations record it when content capture is on: never stored by Rampart.
            "gen_ai.input.messages": json.dumps([{"role": "user", "content": f"SECRET-PROMPT {user}"}]),
        }
        span = self.tracer.start_span(f"chat {MODEL}", kind=SpanKind.CLIENT, start_time=start_ns, attributes=attributes)
        result = None
        if failed:
            span.set_attribute("error.type", "TimeoutError")
            span.set_status(Status(StatusCode.ERROR, "the model did not answer in time"))
        else:
            output_tokens = int(rng.lognormvariate(math.log(260 * (0.8 if variant == "treatment" else 1.0)), 0.5))
            span.set_attributes({
                "gen_ai.response.model": MODEL, "gen_ai.usage.input_tokens": int(rng.lognormvariate(math.log(950), 0.3)),
                "gen_ai.usage.output_tokens": output_tokens,
                "gen_ai.output.messages": json.dumps([{"role": "assistant", "content": "SECRET-ANSWER"}]),
            })
            result = {"latency_ms": latency_ns / 1e6, "output_tokens": output_tokens}
        span.end(end_time=start_ns + latency_ns)
        return start_ns + latency_ns, result


def generate(tracer, now_ns, seed=7):
    """Emits every user's traces; returns what was generated: {variant: {user: [completed requests]}}, failures."""
    rng = random.Random(seed)
    llm = FakeLLM(tracer, rng)
    truth = {"control": {}, "treatment": {}}
    failures = 0
    for i in range(USERS):
        user = f"otlp-user-{i}"
        variant = "treatment" if rng.random() < 0.5 else "control"
        t = now_ns - int(3 * 3600e9) + int(rng.random() * 2 * 3600e9)
        server = tracer.start_span("POST /support/answer", kind=SpanKind.SERVER, start_time=t, attributes={"user.id": user})
        # What an OpenFeature hook records on evaluation (semantic conventions, "Feature flags").
        server.add_event("feature_flag.evaluation", {
            "feature_flag.key": EXPERIMENT, "feature_flag.result.variant": variant,
            "feature_flag.context.id": user, "feature_flag.provider.name": "ofrep",
        }, timestamp=t)
        with trace.use_span(server, end_on_exit=False):
            db = tracer.start_span("SELECT tickets", kind=SpanKind.CLIENT, start_time=t + 1_000_000,
                                   attributes={"db.system.name": "postgresql", "user.id": user})
            db.end(end_time=t + 3_000_000)
            t += 5_000_000
            truth[variant][user] = []
            for _ in range(1 + min(int(rng.expovariate(1 / 1.5)), 6)):
                t, result = llm.chat(user, variant, t + 1_000_000, conversation=f"conv-{i}")
                if result is None:
                    failures += 1
                else:
                    truth[variant][user].append(result)
        server.end(end_time=t + 1_000_000)
    return truth, failures


def type1_quantile(values, level):
    """The smallest value with at least `level` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(math.ceil(level * len(ordered)) - 1, 0)]


def test_sdk_exports_genai_spans_and_the_report_matches():
    process, base, db = start_serve("rampart-otlp-", {"RAMPART_SDK_KEY": SDK})
    try:
        assert wait_until_healthy(base, seconds=60), "rampart serve did not start"
        provider = TracerProvider(resource=Resource.create({"service.name": "support-bot", "deployment.environment.name": "production"}))
        # The exporter as an application configures it: endpoint, the SDK key as a header, gzip compression.
        exporter = OTLPSpanExporter(endpoint=base + "/v1/traces", headers={"Authorization": f"Bearer {SDK}"}, compression=Compression.Gzip)
        provider.add_span_processor(BatchSpanProcessor(exporter, max_queue_size=100_000, max_export_batch_size=512))
        captured = InMemorySpanExporter()
        provider.add_span_processor(SimpleSpanProcessor(captured))
        tracer = provider.get_tracer("fake-llm-client")

        truth, failures = generate(tracer, time.time_ns())
        assert provider.force_flush(60_000)
        spans = captured.get_finished_spans()
        completed = sum(len(r) for users in truth.values() for r in users.values())
        assert len(spans) == 2 * USERS + completed + failures

        rows = stored_events(db)
        names = [r[0] for r in rows]
        assert names.count("exposure") == USERS
        assert names.count("llm_request_completed") == completed
        assert names.count("llm_request_failed") == failures
        assert len(rows) == USERS + completed + failures  # the database spans were ignored
        assert not any("SECRET" in (r[4] or "") for r in rows), "raw prompt or completion content was stored"

        # Exporting the same spans again (an exporter's retry) stores nothing twice; this time without gzip.
        again = OTLPSpanExporter(endpoint=base + "/v1/traces", headers={"Authorization": f"Bearer {SDK}"})
        for start in range(0, len(spans), 512):
            assert again.export(spans[start:start + 512]) == SpanExportResult.SUCCESS
        assert len(stored_events(db)) == len(rows)

        # A wrong key is refused (the exporter reports a failure rather than silently dropping data).
        wrong = OTLPSpanExporter(endpoint=base + "/v1/traces", headers={"Authorization": "Bearer rk_sdk_notavalidkeynotavalidkey"})
        assert wrong.export(spans[:1]) == SpanExportResult.FAILURE
        provider.shutdown()

        # The values are checked as of now, so the report reads the experiment with the mixture: the default design
        # (alpha-spending) reads metrics as of the last completed UTC day end, before these spans were sent.
        definitions = os.path.join(os.path.dirname(db), "experiments-mixture")
        os.makedirs(definitions, exist_ok=True)
        with open(os.path.join(ROOT, "experiments", EXPERIMENT + ".yaml")) as source, \
                open(os.path.join(definitions, EXPERIMENT + ".yaml"), "w") as copy:
            copy.write(source.read().rstrip("\n") + "\nsequential_method: mixture\n")
        report = json.loads(rampart(["report", EXPERIMENT, "--db", db, "--experiments", definitions, "--format", "json"]))
        assert report["units"]["enrolled"] == {v: len(users) for v, users in truth.items()}
        requests_by_variant = {row["variant"]: row["requests"] for row in report["cost"] if row["model"] == MODEL}
        assert requests_by_variant == {v: sum(len(r) for r in users.values()) for v, users in truth.items()}
        metrics = {m["key"]: {x["variant"]: x for x in m["variants"]} for m in report["metrics"]}
        for variant, users in truth.items():
            latencies = [r["latency_ms"] for rs in users.values() for r in rs]
            assert math.isclose(metrics["p95_latency"][variant]["value"], type1_quantile(latencies, 0.95), rel_tol=1e-9)
            tokens = sum(min(sum(r["output_tokens"] for r in rs), TOKEN_CAP) for rs in users.values()) / len(users)
            assert math.isclose(metrics["output_tokens"][variant]["value"], tokens, rel_tol=1e-9)
    finally:
        process.terminate()
        process.wait(timeout=20)


def otlp_json_span(trace_hex, span_hex, user, input_tokens=120, output_tokens=40):
    return {
        "traceId": trace_hex, "spanId": span_hex, "name": "chat gpt-4.1-mini", "kind": 3,
        "startTimeUnixNano": str(time.time_ns() - 2_000_000_000), "endTimeUnixNano": str(time.time_ns() - 1_250_000_000),
        "attributes": [
            {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4.1-mini"}},
            {"key": "gen_ai.usage.input_tokens", "value": {"intValue": str(input_tokens)}},
            {"key": "gen_ai.usage.output_tokens", "value": {"intValue": output_tokens}},
        ] + ([{"key": "user.id", "value": {"stringValue": user}}] if user else []),
        "status": {},
    }


def test_otlp_json_over_plain_http():
    process, base, db = start_serve("rampart-otlp-json-", {"RAMPART_SDK_KEY": SDK})
    try:
        assert wait_until_healthy(base, seconds=60), "rampart serve did not start"
        headers = {"Authorization": f"Bearer {SDK}", "Content-Type": "application/json"}
        trace_hex = "5b8efff798038103d269b633813fc60c"
        body = {"resourceSpans": [{
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "support-bot"}}]},
            "scopeSpans": [{"scope": {"name": "manual"}, "spans": [
                otlp_json_span(trace_hex, "eee19b7ec3c1b174", "json-user-1"),
                otlp_json_span(trace_hex, "eee19b7ec3c1b175", None),  # no unit: rejected, the others stored
            ]}],
        }]}
        r = requests.post(base + "/v1/traces", data=json.dumps(body), headers=headers, timeout=10)
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"] == "application/json"
        partial = r.json()["partialSuccess"]
        assert partial["rejectedSpans"] == "1"  # int64 is a string in OTLP/JSON
        assert "user.id, enduser.id" in partial["errorMessage"]

        # The same body gzipped, with a third span: only the new span is stored; a full success answers {}.
        body["resourceSpans"][0]["scopeSpans"][0]["spans"][1] = otlp_json_span(trace_hex, "eee19b7ec3c1b176", "json-user-2")
        r = requests.post(base + "/v1/traces", data=gzip.compress(json.dumps(body).encode()), headers=dict(headers, **{"Content-Encoding": "gzip"}), timeout=10)
        assert r.status_code == 200, r.text
        assert r.json() == {}
        rows = stored_events(db)
        assert sorted(r[1] for r in rows) == ["json-user-1", "json-user-2"]
        assert all(json.loads(r[4])["span_id"].startswith("eee19b7ec3c1b17") for r in rows)

        # Errors are google.rpc.Status messages in the request's encoding, with the HTTP status OTLP defines.
        r = requests.post(base + "/v1/traces", data="{", headers=headers, timeout=10)
        assert r.status_code == 400 and r.json()["code"] == 3
        r = requests.post(base + "/v1/traces", data="{}", headers={"Content-Type": "application/json"}, timeout=10)
        assert r.status_code == 401 and r.json()["message"].startswith("missing_api_key")
        r = requests.post(base + "/v1/traces", data="{}", headers=dict(headers, **{"Content-Type": "text/plain"}), timeout=10)
        assert r.status_code == 415
    finally:
        process.terminate()
        process.wait(timeout=20)
