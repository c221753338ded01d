"""GrowthBook's SDK payload, read by the real, unmodified `growthbook` Python SDK from `rampart serve`.

For 2,000 random units with random attributes, at two coverage stages of each bundled experiment, the SDK's
`run(experiment)` (and `eval_feature`) gives exactly what `POST /ofrep/v1/evaluate/flags/{key}` gives; the SDK's
tracking callback posts exposures to `/v1/events` and the report attributes them.
"""
import inspect
import random
import time
import uuid as uuidlib

import pytest
import requests
from growthbook import Experiment, GrowthBook

from conftest import start_serve, wait_until_healthy

SDK_KEY = "rk_sdk_growthbookpayloadtest01"
ADMIN_KEY = "rk_admin_growthbookpayloadtest01"
EXPERIMENTS = ["support-answer-prompt", "triage-model-swap"]
EXPERIMENT_ARGS = set(inspect.signature(Experiment.__init__).parameters) - {"self"}


@pytest.fixture(scope="module")
def rampart():
    process, base, _ = start_serve("rampart-growthbook-", {"RAMPART_SDK_KEY": SDK_KEY, "RAMPART_ADMIN_KEY": ADMIN_KEY})
    if not wait_until_healthy(base, seconds=30):
        process.kill()
        raise RuntimeError("rampart serve did not start: " + process.stdout.read().decode())
    yield base
    process.terminate()
    process.wait(timeout=10)


def random_attributes(rng):
    attrs = {}
    for name, values in (("environment", ["production", "production", "staging", None]),
                         ("plan", ["free", "pro", "enterprise", "trial", None]),
                         ("country", ["US", "DE", "FR"])):
        value = rng.choice(values)
        if value is not None:
            attrs[name] = value
    return attrs


def experiment_from(features, key):
    rule = features[key]["rules"][0]
    return Experiment(**{k: v for k, v in rule.items() if k in EXPERIMENT_ARGS}), rule, features[key]["defaultValue"]


def ramp(base, key):
    r = requests.post(f"{base}/v1/experiments/{key}/ramp", headers={"Authorization": f"Bearer {ADMIN_KEY}"},
                      json={"action": "advance", "force": True, "reason": "GrowthBook parity test at a wider stage", "actor": "pytest"}, timeout=10)
    assert r.status_code == 200, r.text


def test_sdk_assigns_exactly_as_ofrep(rampart):
    base = rampart
    rng = random.Random(14)
    units = [f"unit-{rng.getrandbits(64):016x}" for _ in range(2000)]
    attributes = [random_attributes(rng) for _ in units]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {SDK_KEY}"
    gb = GrowthBook(api_host=base, client_key=SDK_KEY)

    # The payload has an ETag; the same request with it gets 304.
    first = requests.get(f"{base}/api/features/{SDK_KEY}", timeout=10)
    assert first.status_code == 200 and first.headers["ETag"]
    assert requests.get(f"{base}/api/features/{SDK_KEY}", headers={"If-None-Match": first.headers["ETag"]}, timeout=10).status_code == 304
    assert first.json()["rampart"]["omitted"] == []

    enrolled_seen = 0
    for stage in range(2):
        if stage == 1:
            for key in EXPERIMENTS:
                ramp(base, key)
                ramp(base, key)
        gb.load_features(force_refresh=True)
        features = requests.get(f"{base}/api/features/{SDK_KEY}", timeout=10).json()["features"]
        for key in EXPERIMENTS:
            experiment, rule, default = experiment_from(features, key)
            # The first stage (1 % and 5 %) on a tenth of the units, the wider stage on all of them.
            for unit, attrs in list(zip(units, attributes))[: 200 if stage == 0 else None]:
                gb.set_attributes({rule["hashAttribute"]: unit, **attrs})
                result = gb.run(experiment)
                ofrep = session.post(f"{base}/ofrep/v1/evaluate/flags/{key}", json={"context": {"targetingKey": unit, **attrs}}, timeout=10).json()
                if result.inExperiment:
                    enrolled_seen += 1
                    assert ofrep["variant"] == rule["meta"][result.variationId]["key"], (key, unit, attrs)
                    assert ofrep["reason"] in ("SPLIT", "TARGETING_MATCH")
                    assert result.value == ofrep["value"]
                else:
                    assert ofrep["reason"] == "DEFAULT", (key, unit, attrs, ofrep)
                    assert ofrep["value"] == default
                # The feature evaluation (the SDK's usual call) gives the payload Rampart serves.
                assert gb.eval_feature(key).value == ofrep["value"], (key, unit, attrs)
    assert enrolled_seen > 200  # the comparison covered many enrolled units, not only the default


def settled_results(base, key, seconds=60):
    """The experiment's results once the exposures the other test's OFREP calls logged are all written.

    The server's exposure logger writes them in the background (every 200 ms when idle, later when the machine is
    loaded), so a fixed wait is not enough: read until three reads half a second apart agree.
    """
    deadline = time.monotonic() + seconds
    reads = []
    while True:
        results = requests.get(f"{base}/v1/experiments/{key}/results", headers={"Authorization": f"Bearer {SDK_KEY}"}, timeout=30).json()
        reads = (reads + [results["units"]["enrolled"]])[-3:]
        if len(reads) == 3 and reads[0] == reads[1] == reads[2]:
            return results
        assert time.monotonic() < deadline, f"enrolled units still changing after {seconds} s: {reads}"
        time.sleep(0.5)


def test_tracking_callback_exposures_are_attributed(rampart):
    base = rampart
    key = "triage-model-swap"
    exposures = []

    def track(experiment, result, **_):
        exposures.append({
            "uuid": str(uuidlib.uuid4()), "event": "exposure", "unit": result.hashValue,
            "timestamp": int(time.time() * 1000),
            "properties": {"experiment": experiment.key, "variant": experiment.meta[result.variationId]["key"], "phase": int(experiment.phase or 0)},
        })

    gb = GrowthBook(api_host=base, client_key=SDK_KEY, on_experiment_viewed=track)
    gb.load_features(force_refresh=True)
    expected = {}
    for i in range(1000):
        unit = f"tracked-session-{i}"
        gb.set_attributes({"session_id": unit, "environment": "production"})
        value = gb.get_feature_value(key, None)
        assert value is not None
    for e in exposures:
        expected[e["properties"]["variant"]] = expected.get(e["properties"]["variant"], 0) + 1
    assert sum(expected.values()) > 20  # 5 % coverage alone, 50 % after the other test ramped it

    before = settled_results(base, key)
    r = requests.post(f"{base}/v1/events", json=exposures, headers={"Authorization": f"Bearer {SDK_KEY}"}, timeout=30)
    assert r.status_code == 200 and r.json()["stored"] == len(exposures), r.text
    after = requests.get(f"{base}/v1/experiments/{key}/results", headers={"Authorization": f"Bearer {SDK_KEY}"}, timeout=30).json()
    for variant, count in expected.items():
        assert after["units"]["enrolled"][variant] - before["units"]["enrolled"].get(variant, 0) == count
