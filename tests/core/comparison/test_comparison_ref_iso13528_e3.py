"""Issue 5: ISO 13528:2022 Annex E.3 (atrazine, p = 34) reproduces through the API and the CLI.

Every ``assert: true`` entry of shared/reference/iso13528-e3-atrazine.json is checked within its
stated tolerance.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from jiliang.core.comparison import (
    algorithm_a,
    classical_estimate,
    made,
    median,
    niqr,
    pt_scores,
    q_hampel,
    uncertainty_of_assigned_value,
)
from tests.core.comparison.comparison_helpers import (
    asserted,
    check,
    cli_json,
    entry_id,
    load_reference,
    reference_dir,
)

REF = load_reference("iso13528-e3-atrazine.json")
X = REF["inputs"]["results"]
FULL = algorithm_a(X, stopping="convergence")
ISO = algorithm_a(X, stopping="iso13528")
QH = q_hampel(X)
MEAN = classical_estimate(X)
ROUND = pt_scores(X, FULL.location, sigma_pt=FULL.scale, u_x_pt=FULL.standard_uncertainty)


def _lab_x(e: dict[str, Any]) -> float:
    return float(e["lab"].split("x = ")[1].rstrip(")"))


def computed(e: dict[str, Any]) -> float:
    name, cond = e["name"], e.get("condition")
    if name == "median":
        return median(X)
    if name == "nIQR":
        return niqr(X)
    if name == "MADe":
        return made(X)
    if name == "u(median)":
        assert e["method"] == "1.25·nIQR/√34"
        return uncertainty_of_assigned_value(niqr(X), len(X))
    if name.startswith("x* (Algorithm A)"):
        return (FULL if cond == "full convergence" else ISO).location
    if name.startswith("s* (Algorithm A)"):
        return (FULL if cond == "full convergence" else ISO).scale
    if name == "u(x*) (Algorithm A)":
        return ISO.standard_uncertainty
    if name == "iterations (Algorithm A)":
        return ISO.iterations
    if name == "x_pt (Q/Hampel)":
        return QH.location
    if name == "s* (Q method)":
        return QH.scale
    if name == "u(x_pt) (Q/Hampel)":
        return QH.standard_uncertainty
    if name == "mean":
        return MEAN.location
    if name == "standard deviation":
        return MEAN.scale
    if name == "u(mean)":
        return MEAN.standard_uncertainty
    if name == "u(x_pt)":
        return ROUND.u_x_pt  # type: ignore[return-value]
    if name == "0.3·σ_pt":
        return 0.3 * ROUND.sigma_pt  # type: ignore[operator]
    if name == "z":
        i = X.index(_lab_x(e))
        return float(ROUND.z[i])  # type: ignore[index]
    if name.startswith("count acceptable"):
        return ROUND.counts["satisfactory"]
    if name.startswith("count warning"):
        return ROUND.counts["questionable"]
    if name.startswith("count action"):
        return ROUND.counts["unsatisfactory"]
    raise AssertionError(f"no computation mapped for {entry_id(e)}")


@pytest.mark.parametrize("e", asserted(REF), ids=entry_id)
def test_issue5_e3_api(e: dict[str, Any]) -> None:
    check(computed(e), e)


def test_issue5_e3_stopping_rules_recorded() -> None:
    assert ISO.options["stopping"] == "iso13528" and FULL.options["stopping"] == "convergence"
    assert ISO.iterations == 6 and FULL.iterations > ISO.iterations
    assert ROUND.statistic == "z" and ROUND.u_x_pt_negligible


def test_issue5_e3_qn_is_informational_only() -> None:
    # The Qn entry is assert: false (pt13528 output only; the constant changed in Amd 1:2026).
    assert any(e["name"] == "Qn scale" and not e["assert"] for e in REF["expected"])


def test_issue5_e3_cli_robust() -> None:
    path = str(reference_dir() / "iso13528-e3-atrazine.json")
    iso = cli_json("pt", "robust", path, "--method", "algorithm-a")
    full = cli_json("pt", "robust", path, "--method", "algorithm-a", "--stopping", "convergence")
    qh = cli_json("pt", "robust", path, "--method", "q-hampel")
    by = {(e["name"], e.get("condition")): e for e in asserted(REF)}
    check(iso["x_star"], by[("x* (Algorithm A)", "ISO 13528:2022 third-significant-figure stop")])
    check(iso["s_star"], by[("s* (Algorithm A)", "ISO 13528:2022 third-significant-figure stop")])
    check(iso["iterations"], by[("iterations (Algorithm A)", "ISO 13528:2022 third-significant-figure stop; starting values not counted")])
    check(iso["u_x_pt"], by[("u(x*) (Algorithm A)", None)])
    check(full["x_star"], by[("x* (Algorithm A)", "full convergence")])
    check(full["s_star"], by[("s* (Algorithm A)", "full convergence")])
    check(qh["x_star"], by[("x_pt (Q/Hampel)", None)])
    check(qh["s_star"], by[("s* (Q method)", None)])
    check(qh["u_x_pt"], by[("u(x_pt) (Q/Hampel)", None)])


def test_issue5_e3_cli_scores() -> None:
    path = str(reference_dir() / "iso13528-e3-atrazine.json")
    out = cli_json("pt", "scores", path)  # consensus: Algorithm A, full convergence; σ_pt = s*
    assert out["statistic"] == "z"
    by = {(e["name"], e.get("lab")): e for e in asserted(REF)}
    check(out["u_x_pt"], by[("u(x_pt)", None)])
    check(out["counts"]["satisfactory"], by[("count acceptable (|z| ≤ 2)", None)])
    check(out["counts"]["questionable"], by[("count warning (2 < |z| < 3)", None)])
    check(out["counts"]["unsatisfactory"], by[("count action (|z| ≥ 3)", None)])
    zs = {p["x"]: p["z"] for p in out["participants"]}
    for e in asserted(REF):
        if e["name"] == "z":
            check(zs[_lab_x(e)], e)
    assert not any(math.isnan(p["z"]) for p in out["participants"])
