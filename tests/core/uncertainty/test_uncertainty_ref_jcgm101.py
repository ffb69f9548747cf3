"""Issue 3: JCGM 101 §9.2 (additive model) and §9.4 (comparison loss) through the API and the CLI."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from scipy import optimize, stats

from jiliang.core.uncertainty import (
    Input,
    Model,
    monte_carlo,
    numerical_tolerance,
    propagate,
    validate_gum,
)
from tests.core.uncertainty.uncertainty_helpers import (
    asserted,
    cli_json,
    entry_id,
    load_reference,
    quantity_spec,
)

REF92 = load_reference("jcgm101-9.2-additive-model.json")
REF94 = load_reference("jcgm101-9.4-comparison-loss.json")
TRIALS = 1_000_000
SEED = 20260101


def _irwin_hall_half_width(p: float = 0.95) -> float:
    """Exact 95 % half-width of the sum of four R(−√3, √3) variables (Irwin–Hall)."""
    a = math.sqrt(3.0)

    def cdf(s: float) -> float:
        x = (s + 4 * a) / (2 * a)  # sum of four U(0, 1)
        return sum((-1) ** k * math.comb(4, k) * (x - k) ** 4 for k in range(int(math.floor(x)) + 1)) / 24

    return float(optimize.brentq(lambda s: cdf(s) - (1 + p) / 2, 0.0, 4 * a, xtol=1e-12))


# ------------------------------------------------------------------------------------------------
# §9.2
# ------------------------------------------------------------------------------------------------
def _spec92(case: dict[str, Any]) -> dict[str, Any]:
    m = REF92["inputs"]["model"]
    return {
        "model": f"{m['output']} = {m['expression']}",
        "inputs": {q["name"]: quantity_spec(q) for q in case["quantities"]},
        "coverage_probability": REF92["inputs"]["coverage_probability"],
        "mcm": {"trials": TRIALS, "seed": SEED, "significant_digits": 3, "interval": "symmetric"},
    }


def _values92(case: str, gum: dict[str, Any], mcm: dict[str, Any]) -> dict[str, float]:
    v = mcm["validation"]
    return {
        f"{case}|y|GUF": gum["value"],
        f"{case}|u(y)|GUF": gum["standard_uncertainty"],
        f"{case}|95 % interval low|GUF": gum["interval"][0],
        f"{case}|95 % interval high|GUF": gum["interval"][1],
        f"{case}|y|MCM": mcm["value"],
        f"{case}|u(y)|MCM": mcm["standard_uncertainty"],
        f"{case}|95 % interval low|MCM": mcm["interval"][0],
        f"{case}|95 % interval high|MCM": mcm["interval"][1],
        f"{case}|d_low": v["d_low"],
        f"{case}|d_high": v["d_high"],
        f"{case}|GUF validated (d_low ≤ δ and d_high ≤ δ)": v["validated"],
        f"{case}|95 % interval half-width (analytic)": _irwin_hall_half_width(),
        f"{case}|tolerance": v["tolerance"],
    }


def _api92() -> dict[str, float]:
    out: dict[str, float] = {}
    for case in REF92["inputs"]["cases"]:
        spec = _spec92(case)
        model = Model(spec["model"], [Input.from_spec(n, d) for n, d in spec["inputs"].items()])
        g = propagate(model, coverage_probability=0.95)["Y"]
        mc = monte_carlo(model, trials=TRIALS, seed=SEED, coverage_probability=0.95)["Y"]
        val = validate_gum(g, mc, significant_digits=3)
        mcd = {**mc.to_dict(), "validation": val.to_dict()}
        out.update(_values92(case["case"], g.to_dict(), mcd))
    return out


def _cli92(tmp: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    for case in REF92["inputs"]["cases"]:
        doc = cli_json(tmp, _spec92(case))["outputs"]["Y"]
        out.update(_values92(case["case"], doc, doc["mcm"]))
    return out


# ------------------------------------------------------------------------------------------------
# §9.4
# ------------------------------------------------------------------------------------------------
def _spec94(case: dict[str, Any]) -> dict[str, Any]:
    m = REF94["inputs"]["model"]
    return {
        "model": f"{m['output']} = {m['expression']}",
        "inputs": {q["name"]: quantity_spec(q) for q in case["quantities"]},
        "correlations": [[*c["between"], c["r"]] for c in case["correlations"] if c["r"] != 0],
        "coverage_probability": REF94["inputs"]["coverage_probability"],
        "mcm": {"trials": TRIALS, "seed": SEED, "interval": "shortest"},
    }


def _values94(case: str, g1: dict[str, Any], g2: dict[str, Any], mcm: dict[str, Any]) -> dict[str, float]:
    u = 0.005
    return {
        f"{case}|delta_y|GUF first order": g1["value"],
        f"{case}|u(delta_y)|GUF first order": g1["standard_uncertainty"],
        f"{case}|95 % interval low|GUF first order": g1["interval"][0],
        f"{case}|95 % interval high|GUF first order": g1["interval"][1],
        f"{case}|u(delta_y)|GUF with second-order terms (GUM 5.1.2 note, uncorrelated form)":
            g2["standard_uncertainty"],
        f"{case}|95 % interval low|GUF with second-order terms": g2["interval"][0],
        f"{case}|95 % interval high|GUF with second-order terms": g2["interval"][1],
        f"{case}|delta_y|MCM": mcm["value"],
        f"{case}|u(delta_y)|MCM": mcm["standard_uncertainty"],
        f"{case}|shortest 95 % interval low|MCM": mcm["interval"][0],
        f"{case}|shortest 95 % interval high|MCM": mcm["interval"][1],
        f"{case}|shortest 95 % interval high (analytic)|2u²·ln 20 (δY/u² ~ χ²₂)": u * u * stats.chi2.ppf(0.95, 2),
    }


def _api94() -> dict[str, float]:
    out: dict[str, float] = {}
    for case in REF94["inputs"]["cases"]:
        spec = _spec94(case)
        model = Model(spec["model"], [Input.from_spec(n, d) for n, d in spec["inputs"].items()],
                      spec["correlations"])
        g1 = propagate(model)["delta_Y"].to_dict()
        g2 = propagate(model, second_order=True)["delta_Y"].to_dict()
        mc = monte_carlo(model, trials=TRIALS, seed=SEED, interval="shortest")["delta_Y"].to_dict()
        out.update(_values94(case["case"], g1, g2, mc))
    return out


def _cli94(tmp: Path) -> dict[str, float]:
    out: dict[str, float] = {}
    for case in REF94["inputs"]["cases"]:
        spec = _spec94(case)
        g1 = cli_json(tmp, spec)["outputs"]["delta_Y"]
        g2 = cli_json(tmp, spec, "--second-order")["outputs"]["delta_Y"]
        out.update(_values94(case["case"], g1, g2, g1["mcm"]))
    return out


@pytest.fixture(scope="module")
def values(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, float]]:
    tmp = tmp_path_factory.mktemp("jcgm101")
    return {"api": {**_api92(), **_api94()}, "cli": {**_cli92(tmp), **_cli94(tmp)}}


def _key(e: dict[str, Any]) -> str:
    parts = [e["case"], e["name"]]
    if e.get("method") and not e["method"].startswith("JCGM 101 §8") and e["name"] not in (
        "95 % interval half-width (analytic)", "GUF validated (d_low ≤ δ and d_high ≤ δ)"
    ):
        parts.append(e["method"])
    return "|".join(parts)


@pytest.mark.parametrize("entry", asserted(REF92) + asserted(REF94), ids=entry_id)
@pytest.mark.parametrize("face", ["api", "cli"])
def test_jcgm101_reference(entry: dict[str, Any], face: str, values: dict[str, dict[str, float]]) -> None:
    v = values[face]
    key = _key(entry)
    assert key in v, f"no computation for reference entry {key!r}"
    if isinstance(entry["value"], bool):
        assert v[key] is entry["value"], key
    else:
        assert v[key] == pytest.approx(entry["value"], abs=entry["tolerance"]), key


@pytest.mark.parametrize("face", ["api", "cli"])
def test_jcgm101_9_2_numerical_tolerance_is_the_published_delta(face: str,
                                                                 values: dict[str, dict[str, float]]) -> None:
    delta = REF92["inputs"]["numerical_tolerance_delta"]["value"]
    assert values[face]["9.2.3|tolerance"] == pytest.approx(delta)
    assert numerical_tolerance(2.00, 3) == pytest.approx(delta)
