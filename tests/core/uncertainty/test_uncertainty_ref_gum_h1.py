"""Issue 3: GUM H.1 end-gauge calibration reproduces through the Python API and the CLI."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from jiliang.core.uncertainty import Input, Model, coverage_factor, propagate
from tests.core.uncertainty.uncertainty_helpers import (
    asserted,
    cli_json,
    entry_id,
    load_reference,
    quantity_spec,
)

REF = load_reference("gum-h1-end-gauge.json")


def _spec(l_s: float | None = None) -> dict[str, Any]:
    inputs = {q["name"]: quantity_spec(q) for q in REF["inputs"]["quantities"]}
    if l_s is not None:
        inputs["l_S"]["value"] = l_s
    return {
        "model": f"{REF['inputs']['model']['output']} = {REF['inputs']['model']['expression']}",
        "inputs": inputs,
        "coverage_probability": REF["inputs"]["coverage_probability"],
    }


def _values_from(out: dict[str, Any], out2: dict[str, Any], out_gtc: dict[str, Any]) -> dict[str, float]:
    """Map reference entry ids to computed values, from per-output result dicts."""
    budget = {r["quantity"]: r for r in out["budget"]}
    d_contrib = math.sqrt(sum(budget[n]["contribution"] ** 2 for n in ("d_bar", "d_1", "d_2")))
    return {
        "u_c(l)|first-order LPU, unrounded inputs": out["standard_uncertainty"],
        "u_c(l)|first-order LPU": out["standard_uncertainty"],
        "nu_eff(l)|Welch–Satterthwaite, before truncation": out["effective_dof"],
        "nu_eff(l) truncated|GUM G.6.4 truncation for the t-table": out["dof_for_coverage"],
        "t_99(16)": out["coverage_factor"],
        "t_95(16)": coverage_factor(0.95, 16),
        "l|estimate l_S + d̄ (all corrections have zero estimate)": out["value"] * 1e-6,
        "c(delta_theta)|sensitivity coefficient −l_S·α_S": budget["delta_theta"]["sensitivity"],
        "contribution l_S|\u007cc\u007c·u": budget["l_S"]["contribution"],
        "contribution d|\u007cc\u007c·u": d_contrib,
        "contribution delta_alpha|\u007cc\u007c·u = \u007cl_S·θ\u007c·u(δα)": budget["delta_alpha"]["contribution"],
        "contribution delta_theta|\u007cc\u007c·u = l_S·α_S·u(δθ)": budget["delta_theta"]["contribution"],
        "u_c(l) second order|LPU including second-order (product) terms, GUM H.1.7": out2["standard_uncertainty"],
        "u_c(l)|l_S = 50 000 000 nm exactly (GTC test input)": out_gtc["standard_uncertainty"],
        "nu_eff(l)|l_S = 50 000 000 nm exactly (GTC test input)": out_gtc["effective_dof"],
    }


def _api() -> dict[str, float]:
    def model(l_s: float | None = None) -> Model:
        spec = _spec(l_s)
        inputs = [Input.from_spec(n, d) for n, d in spec["inputs"].items()]
        return Model(spec["model"], inputs)

    p = REF["inputs"]["coverage_probability"]
    out = propagate(model(), coverage_probability=p)["l"].to_dict()
    out2 = propagate(model(), coverage_probability=p, second_order=True)["l"].to_dict()
    out_gtc = propagate(model(5e7), coverage_probability=p)["l"].to_dict()
    return _values_from(out, out2, out_gtc)


def _cli(tmp_path: Path) -> dict[str, float]:
    out = cli_json(tmp_path, _spec())["outputs"]["l"]
    out2 = cli_json(tmp_path, _spec(), "--second-order")["outputs"]["l"]
    out_gtc = cli_json(tmp_path, _spec(5e7))["outputs"]["l"]
    return _values_from(out, out2, out_gtc)


@pytest.fixture(scope="module")
def api_values() -> dict[str, float]:
    return _api()


@pytest.fixture(scope="module")
def cli_values(tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    return _cli(tmp_path_factory.mktemp("h1"))


def _key(e: dict[str, Any]) -> str:
    parts = [e["name"]]
    if e.get("condition"):
        parts.append(e["condition"])
    elif e.get("method"):
        parts.append(e["method"])
    return "|".join(parts)


@pytest.mark.parametrize("entry", asserted(REF), ids=entry_id)
@pytest.mark.parametrize("face", ["api", "cli"])
def test_gum_h1_reference(entry: dict[str, Any], face: str, api_values: dict[str, float],
                          cli_values: dict[str, float]) -> None:
    values = api_values if face == "api" else cli_values
    key = _key(entry)
    assert key in values, f"no computation for reference entry {key!r}"
    assert values[key] == pytest.approx(entry["value"], abs=entry["tolerance"]), key


def test_gum_h1_every_asserted_entry_is_covered(api_values: dict[str, float]) -> None:
    missing = [_key(e) for e in asserted(REF) if _key(e) not in api_values]
    assert not missing
