"""Drives `rampart serve` with the real OpenFeature Python SDK and its OFREP provider.

Run from the repository root after building:  RAMPART_BIN=.build/debug/rampart pytest tests/python
"""
import pytest
from openfeature import api
from openfeature.contrib.provider.ofrep import OFREPProvider
from openfeature.evaluation_context import EvaluationContext
from openfeature.flag_evaluation import ErrorCode, Reason

from conftest import SDK_KEY

@pytest.fixture(scope="module")
def client(server):
    api.set_provider(OFREPProvider(base_url=server, headers_factory=lambda: {"Authorization": f"Bearer {SDK_KEY}"}))
    return api.get_client()


def test_object_flag_returns_the_variant_payload(client):
    context = EvaluationContext(targeting_key="user-58", attributes={"environment": "production", "plan": "free"})
    details = client.get_object_details("support-answer-prompt", {"prompt_version_id": "fallback"}, context)
    assert details.error_code is None, details.error_message
    assert details.variant == "treatment"
    assert details.reason == Reason.TARGETING_MATCH
    assert details.value["prompt_version_id"] == "pv_2026_06_04_003"
    assert details.value["model"] == "gpt-4.1-mini"
    assert details.flag_metadata["experiment"] == "support-answer-prompt"
    assert details.flag_metadata["prompt_version_id"] == "pv_2026_06_04_003"


def test_untargeted_unit_gets_control_with_default_reason(client):
    context = EvaluationContext(targeting_key="user-58", attributes={"environment": "staging"})
    details = client.get_object_details("support-answer-prompt", {}, context)
    assert details.error_code is None
    assert details.variant == "control"
    assert details.reason == Reason.DEFAULT
    assert details.value["prompt_version_id"] == "pv_2026_05_21_001"


def test_session_unit_experiment(client):
    context = EvaluationContext(targeting_key="session-123", attributes={"environment": "production"})
    details = client.get_object_details("triage-model-swap", {}, context)
    assert details.error_code is None
    assert details.variant in ("small-default", "frontier")
    assert details.value["prompt_name"] == "ticket_triage"


def test_missing_targeting_key_is_reported(client):
    details = client.get_object_details("support-answer-prompt", {"fallback": True}, EvaluationContext(attributes={"plan": "pro"}))
    assert details.error_code == ErrorCode.TARGETING_KEY_MISSING
    assert details.value == {"fallback": True}


def test_unknown_flag_is_reported(client):
    details = client.get_object_details("no-such-experiment", {"fallback": True}, EvaluationContext(targeting_key="u1"))
    assert details.error_code == ErrorCode.FLAG_NOT_FOUND
    assert details.value == {"fallback": True}


def test_wrong_key_is_an_error_not_a_crash(server):
    provider = OFREPProvider(base_url=server, headers_factory=lambda: {"Authorization": "Bearer rk_sdk_wrong"})
    api.set_provider(provider, domain="wrong-key")
    details = api.get_client("wrong-key").get_object_details("support-answer-prompt", {"fallback": True}, EvaluationContext(targeting_key="u1"))
    assert details.error_code is not None
    assert details.value == {"fallback": True}
