"""Issue 3: GUM H.2 (correlated inputs, several outputs) reproduces through the API and the CLI."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from jiliang.core.uncertainty import Input, Model, propagate, type_a_simultaneous
from tests.core.uncertainty.uncertainty_helpers import asserted, cli_json, entry_id, load_reference

REF = load_reference("gum-h2-resistance-reactance.json")
EXPR = REF["inputs"]["model"]["expressions"]
RAW = REF["inputs"]["raw_data"]
SCALE = {"V": 1.0, "I": 1e-3, "phi": 1.0}  # I in A so that R, X, Z are in Ω


def _observations() -> dict[str, list[float]]:
    return {n: [v * SCALE[n] for v in RAW[n]["values"]] for n in ("V", "I", "phi")}


def _rounded_inputs() -> tuple[list[Input], list[list[Any]]]:
    inputs = [
        Input.normal(q["name"], q["estimate"] * SCALE[q["name"]], q["standard_uncertainty"] * SCALE[q["name"]])
        for q in REF["inputs"]["quantities"]
    ]
    corr = [[*c["between"], c["r"]] for c in REF["inputs"]["correlations"]]
    return inputs, corr


def _collect(outs: dict[str, dict[str, Any]], corr: np.ndarray, names: list[str],
             outs_rounded: dict[str, dict[str, Any]], corr_rounded: np.ndarray,
             approach2: dict[str, tuple[float, float]]) -> dict[str, float]:
    i = {n: k for k, n in enumerate(names)}
    v: dict[str, float] = {}
    for o in ("R", "X", "Z"):
        v[f"approach_1|{o}"] = outs[o]["value"]
        v[f"approach_1|u_c({o})"] = outs[o]["standard_uncertainty"]
        v[f"approach_1_rounded_correlations|u_c({o})"] = outs_rounded[o]["standard_uncertainty"]
        v[f"approach_2|{o}"] = approach2[o][0]
        v[f"approach_2|u_c({o})"] = approach2[o][1]
    for a, b in (("R", "X"), ("R", "Z"), ("X", "Z")):
        v[f"approach_1|r({a},{b})"] = float(corr[i[a], i[b]])
        v[f"approach_1_rounded_correlations|r({a},{b})"] = float(corr_rounded[i[a], i[b]])
    v["approach_1|nu (Willink 2007)"] = outs["R"]["effective_dof"]
    return v


def _approach2() -> dict[str, tuple[float, float]]:
    """GUM Table H.4: evaluate the model for each set, then mean and s/√n."""
    obs = {n: np.array(x) for n, x in _observations().items()}
    inputs = [Input.normal(n, float(obs[n].mean()), 0.0) for n in obs]
    model = Model(dict(EXPR), inputs)
    per_set = model.evaluate(obs)
    n = len(obs["V"])
    return {o: (float(np.mean(y)), float(np.std(y, ddof=1) / math.sqrt(n))) for o, y in per_set.items()}


@pytest.fixture(scope="module")
def api_values() -> dict[str, float]:
    inputs, corr = type_a_simultaneous(_observations())
    res = propagate(Model(dict(EXPR), inputs, corr))
    outs = {o: res[o].to_dict() for o in res.output_names}
    r_in, r_corr = _rounded_inputs()
    res_r = propagate(Model(dict(EXPR), r_in, r_corr))
    outs_r = {o: res_r[o].to_dict() for o in res_r.output_names}
    return _collect(outs, res.correlation, list(res.output_names), outs_r, res_r.correlation, _approach2())


@pytest.fixture(scope="module")
def cli_values(tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    tmp = tmp_path_factory.mktemp("h2")
    spec = {
        "outputs": dict(EXPR),
        "inputs": {n: {"observations": x} for n, x in _observations().items()},
        "simultaneous": [["V", "I", "phi"]],
    }
    doc = cli_json(tmp, spec)
    r_in, r_corr = _rounded_inputs()
    spec_r = {
        "outputs": dict(EXPR),
        "inputs": {i.name: {"value": i.value, "u": i.standard_uncertainty} for i in r_in},
        "correlations": r_corr,
    }
    doc_r = cli_json(tmp, spec_r)
    names = list(doc["outputs"])
    return _collect(doc["outputs"], np.array(doc["correlation"]), names, doc_r["outputs"],
                    np.array(doc_r["correlation"]), _approach2())


def _key(e: dict[str, Any]) -> str:
    return f"{e['case']}|{e['name']}"


@pytest.mark.parametrize("entry", asserted(REF), ids=entry_id)
@pytest.mark.parametrize("face", ["api", "cli"])
def test_gum_h2_reference(entry: dict[str, Any], face: str, api_values: dict[str, float],
                          cli_values: dict[str, float]) -> None:
    values = api_values if face == "api" else cli_values
    key = _key(entry)
    assert key in values, f"no computation for reference entry {key!r}"
    assert values[key] == pytest.approx(entry["value"], abs=entry["tolerance"]), key


def test_gum_h2_output_covariance_matches_jacobian() -> None:
    inputs, corr = type_a_simultaneous(_observations())
    model = Model(dict(EXPR), inputs, corr)
    res = propagate(model)
    J = res.sensitivities
    Ux = model.covariance
    np.testing.assert_allclose(res.covariance, J @ Ux @ J.T, rtol=1e-12)
