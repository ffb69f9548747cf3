"""Issue 3 faces: POST /api/v1/uncertainty/evaluate reproduces the published references and answers every bad
input with a 422 naming the field (never a 500); it is public and stores nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.core.uncertainty.test_uncertainty_ref_gum_h1 import REF, _key, _spec, _values_from
from tests.core.uncertainty.uncertainty_helpers import asserted, cli_json, entry_id

URL = "/api/v1/uncertainty/evaluate"
SMALL = {"model": "P = V**2 / R",
         "inputs": {"V": {"value": 10.0, "u": 0.01, "dof": 9},
                    "R": {"value": 100.0, "half_width": 0.05, "distribution": "rectangular"}},
         "coverage_probability": 0.95}


@pytest.fixture(scope="module")
def h1_api(app) -> dict[str, float]:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app) as c:  # no login: the calculator is public
        out = c.post(URL, json=_spec())
        out2 = c.post(URL + "?second_order=true", json=_spec())
        gtc = c.post(URL, json=_spec(5e7))
    for r in (out, out2, gtc):
        assert r.status_code == 200, r.text[:500]
    return _values_from(out.json()["outputs"]["l"], out2.json()["outputs"]["l"], gtc.json()["outputs"]["l"])


@pytest.mark.parametrize("entry", asserted(REF), ids=entry_id)
def test_gum_h1_through_the_api(entry: dict[str, Any], h1_api: dict[str, float]) -> None:
    key = _key(entry)
    assert key in h1_api, f"no computation for reference entry {key!r}"
    assert h1_api[key] == pytest.approx(entry["value"], abs=entry["tolerance"]), key


def test_api_answer_is_the_cli_json_plus_histogram(client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spec = {**SMALL, "mcm": {"trials": 20000, "seed": 11}}
    r = client.post(URL, json=spec)
    assert r.status_code == 200, r.text[:300]
    body = r.json()
    svgs = body.pop("histogram_svg")
    assert body.pop("engine_version").startswith("jiliang.core.uncertainty")
    assert body == cli_json(tmp_path, spec)
    assert set(svgs) == {"P"} and svgs["P"].lstrip().startswith("<svg")
    mcm = body["outputs"]["P"]["mcm"]
    assert mcm["trials"] == 20000 and mcm["seed"] == 11
    assert isinstance(mcm["validation"]["validated"], bool) and mcm["verdict"]


def test_options_by_query(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post(URL + "?mcm=true&histogram=false", json=SMALL)
    body = r.json()
    assert r.status_code == 200 and "mcm" in body["outputs"]["P"] and "histogram_svg" not in body
    r = client.post(URL + "?mcm=false", json={**SMALL, "mcm": {"trials": 1000}})
    assert r.status_code == 200 and "mcm" not in r.json()["outputs"]["P"]
    spec = {**SMALL, "mcm": {"seed": 3, "significant_digits": 1}}
    r = client.post(URL + "?adaptive=true", json=spec)
    assert r.status_code == 200, r.text[:300]
    adaptive = r.json()["mcm"]["adaptive"]
    assert adaptive is not None and adaptive["converged"] is True
    assert r.json()["mcm"]["trials"] <= 2_000_000


def _with(**changes: Any) -> dict[str, Any]:
    doc = json.loads(json.dumps(SMALL))
    for path, value in changes.items():
        target = doc
        keys = path.split("__")
        for k in keys[:-1]:
            target = target.setdefault(k, {})
        target[keys[-1]] = value
    return doc


BAD = {
    "import": (_with(model='P = __import__("os").system("true")'), "model"),
    "attribute": (_with(model="P = V.real / R"), "model"),
    "unknown_symbol": (_with(model="P = V**2 / Z"), "model"),
    "negative_u": (_with(inputs__V={"value": 10.0, "u": -0.01}), "inputs.V.u"),
    "dof_zero": (_with(inputs__V={"value": 10.0, "u": 0.01, "dof": 0}), "inputs.V.dof"),
    "non_psd": ({"model": "a + b + c", "inputs": {n: {"value": 1, "u": 1} for n in "abc"},
                 "correlations": [["a", "b", 0.9], ["b", "c", 0.9], ["a", "c", -0.9]]}, "correlations"),
    "trials_too_large": (_with(mcm={"trials": 50_000_000}), "mcm.trials"),
    "max_trials_too_large": (_with(mcm={"adaptive": True, "max_trials": 10**9}), "mcm.max_trials"),
    "trials_not_int": (_with(mcm={"trials": "many"}), "mcm.trials"),
    "expression_too_long": (_with(model="P = " + " + ".join(["V"] * 1500)), "model"),
    "division_by_zero": (_with(model="P = V / (R - 100)"), "inputs.R.value"),  # names the input
    "bad_output_expression": ({"outputs": {"p": "a + b", "q": "a -"},
                               "inputs": {"a": {"value": 1, "u": 1}, "b": {"value": 1, "u": 1}}}, "outputs.q"),
    "unknown_top_field": (_with(modle="x"), "modle"),
    "bad_value": (_with(inputs__R={"value": "hundred", "u": 1}), "inputs.R.value"),
    "self_reference": ({"model": "y", "inputs": {"x": {"value": 1, "u": 1}}}, "model"),
    "no_inputs": ({"model": "y = 1"}, "inputs"),
    "block_size_too_small": (_with(mcm={"adaptive": True, "block_size": 3}), "mcm.block_size"),
    "too_many_draws": ({"outputs": {f"y{i}": "x" for i in range(20)}, "inputs": {"x": {"value": 1, "u": 0.1}},
                        "mcm": {"trials": 2_000_000}}, "mcm.trials"),  # trials × (inputs + outputs) > 2·10⁷
    "not_finite": (_with(inputs__V={"value": float("nan"), "u": 0.01}), "inputs.V.value"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_model_is_422_naming_the_field(client, case: str) -> None:  # type: ignore[no-untyped-def]
    doc, field = BAD[case]
    r = client.post(URL, content=json.dumps(doc), headers={"content-type": "application/json"})  # NaN as NaN
    assert r.status_code == 422, (case, r.status_code, r.text[:300])
    body = r.json()
    assert body["field"] == field, (case, body)
    assert body["errors"][0]["field"] == field and body["errors"][0]["reason"]
    assert body["message"]


@pytest.mark.parametrize("raw", [b'{"model": "P = V", "inputs": {', b"[1, 2]", b"", b"\xff\xfe", b'"text"',
                                 b"[" * 50_000 + b"]" * 50_000])
def test_malformed_body_is_422_naming_the_body(client, raw: bytes) -> None:  # type: ignore[no-untyped-def]
    r = client.post(URL, content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text[:300]
    assert r.json()["field"] == "body"


def test_oversized_body_is_refused(client) -> None:  # type: ignore[no-untyped-def]
    doc = _with(description="x" * 300_000)
    r = client.post(URL, json=doc)
    assert r.status_code == 422 and r.json()["field"] == "body"


def test_evaluation_writes_nothing(client) -> None:  # type: ignore[no-untyped-def]
    from tests.platform.scope_issue2 import scalar

    before = (scalar("SELECT count(*) FROM audit_log"), scalar("SELECT count(*) FROM uncertainty_budgets"))
    assert client.post(URL, json=SMALL).status_code == 200
    assert client.post(URL, json=BAD["negative_u"][0]).status_code == 422
    assert (scalar("SELECT count(*) FROM audit_log"), scalar("SELECT count(*) FROM uncertainty_budgets")) == before


def test_forced_monte_carlo_is_bounded_for_a_large_model(client) -> None:  # type: ignore[no-untyped-def]
    inputs = {f"x{i}": {"value": 1.0, "u": 0.01} for i in range(29)}
    doc = {"model": "y = " + " + ".join(inputs), "inputs": inputs}
    r = client.post(URL + "?mcm=true&histogram=false", json=doc)
    assert r.status_code == 200, r.text[:300]
    assert r.json()["mcm"]["trials"] == 20_000_000 // 30  # the default 10⁶ trials clamped to the work bound
