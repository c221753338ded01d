"""Writes the FuzzOTLP seeds (Fuzz/corpus/FuzzOTLP) with the opentelemetry-proto package of tests/python:
    .venv/bin/python Fuzz/otlp_seeds.py
"""
import os
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import KeyValue, AnyValue, ArrayValue, KeyValueList
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "FuzzOTLP")
def kv(k, v):
    a = AnyValue()
    if isinstance(v, bool): a.bool_value = v
    elif isinstance(v, int): a.int_value = v
    elif isinstance(v, float): a.double_value = v
    elif isinstance(v, list): a.array_value.CopyFrom(ArrayValue(values=[AnyValue(string_value=x) for x in v]))
    elif isinstance(v, dict): a.kvlist_value.CopyFrom(KeyValueList(values=[kv(x, y) for x, y in v.items()]))
    else: a.string_value = v
    return KeyValue(key=k, value=a)
def span(s, i, attrs, error=False, flags=()):
    s.trace_id = bytes(range(1, 17)); s.span_id = bytes([0]*7 + [i]); s.name = "chat m"
    s.start_time_unix_nano = 1_780_000_000_000_000_000 + i; s.end_time_unix_nano = s.start_time_unix_nano + 850_000_000
    s.attributes.extend(kv(k, v) for k, v in attrs.items())
    if error: s.status.code = 2; s.status.message = "Timeout"
    for key, variant, ctx in flags:
        e = s.events.add(); e.name = "feature_flag.evaluation"; e.time_unix_nano = s.start_time_unix_nano
        e.attributes.extend([kv("feature_flag.key", key), kv("feature_flag.result.variant", variant)] + ([kv("feature_flag.context.id", ctx)] if ctx else []))
genai = {"gen_ai.request.model": "gpt-x", "gen_ai.response.model": "gpt-x-1", "gen_ai.provider.name": "openai",
         "gen_ai.usage.input_tokens": 950, "gen_ai.usage.output_tokens": 120, "gen_ai.response.id": "r-1",
         "gen_ai.conversation.id": "c-1", "user.id": "user-1", "rampart.prompt_name": "support", "rampart.prompt_version_id": "pv_2"}
def write(name, build):
    r = ExportTraceServiceRequest(); build(r)
    open(os.path.join(out, name), "wb").write(r.SerializeToString())
def one(r):
    rs = r.resource_spans.add(); rs.resource.attributes.extend([kv("service.name", "bot"), kv("deployment.environment.name", "prod")])
    ss = rs.scope_spans.add(); ss.scope.name = "openai"; span(ss.spans.add(), 1, genai)
def mixed(r):
    rs = r.resource_spans.add(); rs.resource.attributes.extend([kv("enduser.id", "user-9")])
    ss = rs.scope_spans.add()
    span(ss.spans.add(), 1, {"gen_ai.system": "anthropic", "gen_ai.usage.prompt_tokens": 3, "gen_ai.usage.completion_tokens": 4, "error.type": "rate_limit"}, error=True)
    span(ss.spans.add(), 2, {"http.method": "GET"}, flags=[("support-answer-prompt", "treatment", "user-9"), ("phased", "b", None), ("other", "x", None)])
    span(ss.spans.add(), 3, {"gen_ai.request.model": ["a", "b"], "session.id": "s-1", "extra": {"k": 1.5, "b": True}})
    rs2 = r.resource_spans.add(); ss2 = rs2.scope_spans.add(); span(ss2.spans.add(), 4, dict(genai, **{"user.id": "u\"\\\n\u00e9\u2028"}))
def rejected(r):
    rs = r.resource_spans.add(); ss = rs.scope_spans.add()
    s = ss.spans.add(); span(s, 1, {"gen_ai.request.model": "m"})  # no unit
    s = ss.spans.add(); span(s, 2, genai); s.trace_id = b"\x00" * 16
    s = ss.spans.add(); span(s, 3, genai); s.span_id = b"\x01\x02"
write("genai.bin", one); write("mixed.bin", mixed); write("rejected.bin", rejected)

# Bodies an encoder never writes but a decoder must read as protobuf merges them: messages and values in pieces,
# scalars twice, the resource after its spans.
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status, ResourceSpans, ScopeSpans
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
def varint(n):
    b = bytearray()
    while n >= 0x80: b.append(n & 0x7F | 0x80); n >>= 7
    b.append(n); return bytes(b)
def field(n, payload): return varint(n << 3 | 2) + varint(len(payload)) + payload
def pieces(name, build):
    open(os.path.join(out, name), "wb").write(build())
def status_pieces():
    s = Span(); span(s, 1, {k: v for k, v in genai.items()}, error=False)
    extra = field(15, Status(code=2).SerializeToString()) + field(15, Status(message="Timeout").SerializeToString())
    extra += Span(start_time_unix_nano=1_780_000_000_000_000_000 - 5).SerializeToString()
    value = field(9, field(1, b"gen_ai.usage.input_tokens") + field(2, AnyValue(string_value="x").SerializeToString()) + field(2, AnyValue(int_value=7).SerializeToString()))
    array = field(9, field(1, b"gen_ai.request.model") + field(2, AnyValue(array_value=ArrayValue(values=[AnyValue(string_value="a")])).SerializeToString())
                  + field(2, AnyValue(array_value=ArrayValue(values=[AnyValue(int_value=2)])).SerializeToString()))
    body = s.SerializeToString() + extra + value + array
    scope = field(2, body)
    resource = field(1, Resource(attributes=[kv("service.name", "bot")]).SerializeToString())
    return field(1, field(2, scope) + resource) + field(1, field(2, field(2, Span(trace_id=bytes(range(1, 17)), span_id=bytes(8)).SerializeToString())))
pieces("pieces.bin", status_pieces)
def status_twice():
    """A failed span with two status pieces that both carry a message: the last message wins."""
    s = Span(); span(s, 4, {k: v for k, v in genai.items()}, error=True)
    body = s.SerializeToString() + field(15, Status(code=2, message="Overloaded").SerializeToString())
    return field(1, field(2, field(2, body)))
pieces("status-twice.bin", status_twice)
