"""Least-squares calibration curves (issue 3 item 4): GUM H.3 reference case, properties, bad input."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from jiliang.core.regression import fit_polynomial, fit_straight_line


def _shared() -> Path:
    env = os.environ.get("JILIANG_SHARED")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / ".." / "shared"


def _load(name: str) -> dict[str, Any]:
    with open(_shared() / "reference" / name, encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


H3 = _load("gum-h3-thermometer-calibration.json")
T = H3["inputs"]["data"]["t_k"]["values"]
B = H3["inputs"]["data"]["b_k"]["values"]
T0 = H3["inputs"]["model"]["constants"]["t0"]
T_PRED = H3["inputs"]["prediction_at"]["t"]


def _h3_computed() -> dict[tuple[str | None, str], float]:
    """Every quantity named in the reference file, computed through the public API."""
    curve = fit_straight_line(T, B, x0=T0)
    pred = curve.predict(T_PRED)
    # the t of minimum prediction uncertainty, found numerically (not from the t̄ formula)
    res = optimize.minimize_scalar(
        lambda t: curve.predict(t).standard_uncertainty,
        bounds=(min(T), max(T)),
        method="bounded",
        options={"xatol": 1e-9},
    )
    offset = fit_straight_line(T, B, x0=T0, u_offset=0.005)
    y1, y2 = curve.coefficients
    u1, u2 = curve.standard_uncertainties
    base = {
        "y1": float(y1),
        "s(y1)": float(u1),
        "u(y1)": float(u1),
        "y2": float(y2),
        "s(y2)": float(u2),
        "u(y2)": float(u2),
        "r(y1,y2)": float(curve.correlation[0, 1]),
        "s (residual standard deviation)": curve.residual_standard_deviation,
        "nu": curve.dof,
        "b(30 °C)": pred.value,
        "u_c(b(30 °C))": pred.standard_uncertainty,
        "t at minimum u(b)": float(res.x),
        "minimum u(b)": curve.predict(float(res.x)).standard_uncertainty,
    }
    out: dict[tuple[str | None, str], float] = {(None, k): v for k, v in base.items()}
    out[("H.3.6_systematic_offset", "u(y1)")] = float(offset.standard_uncertainties[0])
    return out


H3_ASSERTED = [e for e in H3["expected"] if e["assert"]]


@pytest.mark.parametrize(
    "entry", H3_ASSERTED, ids=[f"{e.get('case', 'H.3')}:{e['name']}:{e['printed']}" for e in H3_ASSERTED]
)
def test_gum_h3_reference(entry: dict[str, Any]) -> None:
    computed = _h3_computed()
    key = (entry.get("case"), entry["name"])
    assert key in computed, f"reference entry {key} has no computed counterpart"
    assert computed[key] == pytest.approx(entry["value"], abs=entry["tolerance"]), key


def test_gum_h3_every_asserted_entry_is_covered() -> None:
    computed = _h3_computed()
    missing = [(e.get("case"), e["name"]) for e in H3_ASSERTED if (e.get("case"), e["name"]) not in computed]
    assert not missing


def test_gum_h3_structure() -> None:
    curve = fit_straight_line(T, B, x0=T0)
    assert curve.n == 11 and curve.degree == 1 and not curve.weighted
    assert curve.dof == 9
    # the residuals sum to zero for a fit with a constant term
    assert abs(float(np.sum(curve.residuals))) < 1e-14
    # the systematic offset of GUM H.3.6 leaves u(y2) unchanged
    offset = fit_straight_line(T, B, x0=T0, u_offset=0.005)
    assert offset.standard_uncertainties[1] == pytest.approx(curve.standard_uncertainties[1], rel=1e-12)
    assert offset.standard_uncertainties[0] ** 2 == pytest.approx(
        curve.standard_uncertainties[0] ** 2 + 0.005**2, rel=1e-12
    )
    # results are read-only
    with pytest.raises(ValueError):
        curve.coefficients[0] = 1.0


def test_gum_h3_inverse_prediction() -> None:
    """x from a measured y: round trip, and u(x) = sqrt(u_fit² + u_y²)/|slope|."""
    curve = fit_straight_line(T, B, x0=T0)
    y = curve.evaluate(25.0)
    inv = curve.inverse(y, u_y=0.002, dof_y=20)
    assert inv.value == pytest.approx(25.0, abs=1e-9)
    u_fit = curve.predict(25.0).standard_uncertainty
    expected = math.hypot(u_fit, 0.002) / abs(curve.coefficients[1])
    assert inv.standard_uncertainty == pytest.approx(expected, rel=1e-12)
    # Welch–Satterthwaite from dof 9 (fit) and 20 (measured y)
    a, b = u_fit**2, 0.002**2
    assert inv.effective_dof == pytest.approx((a + b) ** 2 / (a * a / 9 + b * b / 20), rel=1e-12)


def test_prediction_with_u_x() -> None:
    curve = fit_straight_line(T, B, x0=T0)
    p0 = curve.predict(30.0)
    p1 = curve.predict(30.0, u_x=0.1)
    assert p1.standard_uncertainty == pytest.approx(
        math.hypot(p0.standard_uncertainty, curve.slope(30.0) * 0.1)
    )
    assert p1.fit_standard_uncertainty == p0.standard_uncertainty
    assert p1.effective_dof > p0.effective_dof


# ---------------------------------------------------------------------------------------------------- properties
finite = st.floats(min_value=-100, max_value=100, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(a0=finite, a1=st.floats(min_value=0.1, max_value=10), n=st.integers(min_value=3, max_value=20))
def test_exact_line_is_recovered(a0: float, a1: float, n: int) -> None:
    x = np.linspace(-5.0, 7.0, n)
    curve = fit_straight_line(x, a0 + a1 * x)
    assert curve.coefficients[0] == pytest.approx(a0, abs=1e-9 * (1 + abs(a0)))
    assert curve.coefficients[1] == pytest.approx(a1, rel=1e-9)
    assert curve.residual_standard_deviation < 1e-9 * (1 + abs(a0) + abs(a1))


@settings(max_examples=40, deadline=None)
@given(perm_seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_order_of_points_does_not_matter(perm_seed: int) -> None:
    perm = np.random.default_rng(perm_seed).permutation(len(T))
    a = fit_straight_line(T, B, x0=T0)
    b = fit_straight_line(np.asarray(T)[perm], np.asarray(B)[perm], x0=T0)
    np.testing.assert_allclose(a.coefficients, b.coefficients, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a.covariance, b.covariance, rtol=1e-10, atol=1e-20)


@settings(max_examples=40, deadline=None)
@given(x0=st.floats(min_value=-50, max_value=50), t=st.floats(min_value=15, max_value=35))
def test_centring_value_does_not_change_predictions(x0: float, t: float) -> None:
    ref = fit_straight_line(T, B, x0=T0).predict(t)
    other = fit_straight_line(T, B, x0=x0).predict(t)
    assert other.value == pytest.approx(ref.value, abs=1e-12)
    assert other.standard_uncertainty == pytest.approx(ref.standard_uncertainty, rel=1e-8)


@settings(max_examples=40, deadline=None)
@given(u=st.floats(min_value=1e-4, max_value=10))
def test_equal_relative_weights_equal_ordinary_least_squares(u: float) -> None:
    ols = fit_straight_line(T, B, x0=T0)
    wls = fit_straight_line(T, B, x0=T0, u_y=[u] * len(T), u_y_is_relative=True)
    np.testing.assert_allclose(wls.coefficients, ols.coefficients, rtol=1e-10)
    np.testing.assert_allclose(wls.covariance, ols.covariance, rtol=1e-8)
    assert wls.dof == ols.dof


def test_known_uncertainties_give_unscaled_covariance() -> None:
    rng = np.random.default_rng(1)
    x = np.linspace(0, 10, 12)
    u = 0.01 + 0.002 * x
    y = 1.0 + 0.5 * x + rng.normal(0.0, u)
    curve = fit_straight_line(x, y, u_y=u)
    design = np.vander(x, 2, increasing=True)
    expected = np.linalg.inv(design.T @ np.diag(1 / u**2) @ design)
    np.testing.assert_allclose(curve.covariance, expected, rtol=1e-10)
    assert math.isinf(curve.dof)
    assert curve.birge_ratio is not None and 0.3 < curve.birge_ratio < 2.0
    # a prediction has infinite degrees of freedom too
    assert math.isinf(curve.predict(5.0).effective_dof)


@settings(max_examples=30, deadline=None)
@given(
    coeffs=st.lists(st.floats(min_value=-3, max_value=3), min_size=3, max_size=4),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_polynomial_matches_independent_lstsq(coeffs: list[float], seed: int) -> None:
    degree = len(coeffs) - 1
    rng = np.random.default_rng(seed)
    x = np.linspace(-2, 3, 15)
    y = np.polynomial.polynomial.polyval(x, coeffs) + rng.normal(0, 0.05, x.size)
    curve = fit_polynomial(x, y, degree)
    design = np.vander(x, degree + 1, increasing=True)
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ beta
    s2 = float(resid @ resid) / (x.size - degree - 1)
    np.testing.assert_allclose(curve.coefficients, beta, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(curve.covariance, s2 * np.linalg.inv(design.T @ design), rtol=1e-7, atol=1e-14)
    assert curve.dof == x.size - degree - 1


@settings(max_examples=40, deadline=None)
@given(x=st.floats(min_value=0.5, max_value=4.5))
def test_quadratic_inverse_round_trip(x: float) -> None:
    xs = np.linspace(0, 5, 11)
    ys = 2.0 + 1.5 * xs + 0.2 * xs**2 + 0.01 * np.sin(7 * xs)
    curve = fit_polynomial(xs, ys, 2)
    inv = curve.inverse(curve.evaluate(x), u_y=0.01)
    assert inv.value == pytest.approx(x, abs=1e-9)
    g = np.array([1.0, x, x * x])
    var_fit = float(g @ curve.covariance @ g)
    assert inv.standard_uncertainty == pytest.approx(
        math.sqrt(var_fit + 0.01**2) / abs(curve.slope(x)), rel=1e-6
    )


def test_straight_line_prediction_minimum_is_at_mean() -> None:
    curve = fit_straight_line(T, B, x0=T0)
    tbar = float(np.mean(T))
    assert curve.predict(tbar).standard_uncertainty == pytest.approx(
        curve.residual_standard_deviation / math.sqrt(len(T)), rel=1e-10
    )


# ---------------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"x": [1, 2, 3], "y": [1, 2]}, "same length"),
        ({"x": [1, 2], "y": [1, 2]}, "degrees of freedom"),
        ({"x": [1, 1, 1], "y": [1, 2, 3]}, "distinct"),
        ({"x": [1, 2, float("nan")], "y": [1, 2, 3]}, r"x\[2\]"),
        ({"x": [1, 2, 3], "y": [1, float("inf"), 3]}, r"y\[1\]"),
        ({"x": [1, 2, 3], "y": [1, 2, 3], "u_y": [0.1, -0.1, 0.1]}, r"u_y\[1\]"),
        ({"x": [1, 2, 3], "y": [1, 2, 3], "u_y": [0.1, 0.1]}, "u_y"),
        ({"x": [1, 2, 3], "y": [1, 2, 3], "u_offset": -1.0}, "u_offset"),
        ({"x": [1, 2, 3], "y": [1, 2, 3], "u_y_is_relative": True}, "u_y_is_relative"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        fit_straight_line(**kwargs)


def test_bad_degree_and_prediction_input() -> None:
    with pytest.raises(ValueError, match="degree"):
        fit_polynomial([1, 2, 3, 4], [1, 2, 3, 4], 0)
    curve = fit_straight_line(T, B, x0=T0)
    with pytest.raises(ValueError, match="u_x"):
        curve.predict(30.0, u_x=-0.1)
    with pytest.raises(ValueError, match="u_y"):
        curve.inverse(-0.15, u_y=-0.1)
    with pytest.raises(ValueError, match="dof_y"):
        curve.inverse(-0.15, dof_y=0)
    flat = fit_polynomial([0, 1, 2, 3, 4], [0, 1, 4, 9, 16], 2)
    with pytest.raises(ValueError, match="no real solution"):
        flat.inverse(-5.0)
