"""JCGM 106:2012 probability of conformity and global risks: cross-checks, properties, bad input."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from jiliang.core.conformity import (
    GuardBandMethod,
    global_risks,
    guard_band_factor,
    guard_band_for_target_pfa,
    measurement_capability_index,
    probability_of_conformity,
    process_standard_deviation_from_itp,
    test_uncertainty_ratio,
)

# QUADPACK warnings mean an inaccurate integral: treat them as failures
pytestmark = pytest.mark.filterwarnings("error::scipy.integrate.IntegrationWarning")


# ---------------------------------------------------------------------------------------- probability of conformity
def test_pc_normal_two_sided_matches_formula() -> None:
    # JCGM 106 §7: p_c = Φ((T_U − y)/u) − Φ((T_L − y)/u)
    pc = probability_of_conformity(10.3, 0.2, lower_limit=9.5, upper_limit=10.5)
    expected = stats.norm.cdf((10.5 - 10.3) / 0.2) - stats.norm.cdf((9.5 - 10.3) / 0.2)
    assert pc.probability == pytest.approx(expected, rel=1e-14)
    assert pc.specific_risk == pytest.approx(1 - expected, rel=1e-12)
    assert pc.distribution == "normal"


def test_pc_one_sided() -> None:
    upper = probability_of_conformity(4.0, 1.0, upper_limit=5.0)
    assert upper.probability == pytest.approx(stats.norm.cdf(1.0), rel=1e-14)
    assert upper.probability_below_lower == 0.0
    lower = probability_of_conformity(4.0, 1.0, lower_limit=5.0)
    assert lower.probability == pytest.approx(stats.norm.sf(1.0), rel=1e-14)


def test_pc_t_distribution() -> None:
    pc = probability_of_conformity(0.0, 1.0, lower_limit=-2.0, upper_limit=2.0, dof=4)
    assert pc.probability == pytest.approx(stats.t.cdf(2.0, 4) - stats.t.cdf(-2.0, 4), rel=1e-13)
    assert pc.distribution == "t"
    # the t-distribution is wider than the normal: lower p_c when the value is central
    assert pc.probability < probability_of_conformity(0.0, 1.0, lower_limit=-2.0, upper_limit=2.0).probability
    # large dof tends to the normal
    big = probability_of_conformity(0.3, 1.0, lower_limit=-2.0, upper_limit=2.0, dof=1e9)
    assert big.probability == pytest.approx(
        probability_of_conformity(0.3, 1.0, lower_limit=-2.0, upper_limit=2.0).probability, abs=1e-8
    )


def test_pc_far_tail_has_no_cancellation() -> None:
    # y deep outside: p_c ~ 1e-30 must come out with full relative precision
    pc = probability_of_conformity(0.0, 1.0, lower_limit=12.0, upper_limit=13.0)
    expected = stats.norm.sf(12.0) - stats.norm.sf(13.0)
    assert pc.probability == pytest.approx(expected, rel=1e-10)


def test_pc_zero_uncertainty() -> None:
    assert probability_of_conformity(1.0, 0.0, lower_limit=0.0, upper_limit=1.0).probability == 1.0
    assert probability_of_conformity(1.1, 0.0, lower_limit=0.0, upper_limit=1.0).probability == 0.0


limits = st.tuples(st.floats(min_value=-100, max_value=100), st.floats(min_value=1e-3, max_value=100)).map(
    lambda t: (t[0], t[0] + t[1])
)


@settings(max_examples=200, deadline=None)
@given(
    y=st.floats(min_value=-300, max_value=300),
    u=st.floats(min_value=1e-3, max_value=50),
    lim=limits,
    dof=st.one_of(st.none(), st.floats(min_value=1.0, max_value=200)),
)
def test_pc_in_unit_interval_and_complements(
    y: float, u: float, lim: tuple[float, float], dof: float | None
) -> None:
    pc = probability_of_conformity(y, u, lower_limit=lim[0], upper_limit=lim[1], dof=dof)
    assert 0.0 <= pc.probability <= 1.0
    assert pc.probability + pc.probability_below_lower + pc.probability_above_upper == pytest.approx(
        1.0, abs=1e-12
    )


@settings(max_examples=200, deadline=None)
@given(
    y=st.floats(min_value=-30, max_value=30),
    u=st.floats(min_value=1e-2, max_value=10),
    t=st.floats(min_value=1e-2, max_value=20),
    dof=st.one_of(st.none(), st.floats(min_value=1.0, max_value=100)),
)
def test_pc_symmetric(y: float, u: float, t: float, dof: float | None) -> None:
    a = probability_of_conformity(y, u, lower_limit=-t, upper_limit=t, dof=dof)
    b = probability_of_conformity(-y, u, lower_limit=-t, upper_limit=t, dof=dof)
    assert a.probability == pytest.approx(b.probability, abs=1e-14)
    assert a.probability_below_lower == pytest.approx(b.probability_above_upper, abs=1e-14)


@settings(max_examples=100, deadline=None)
@given(u1=st.floats(min_value=1e-3, max_value=10), u2=st.floats(min_value=1e-3, max_value=10))
def test_pc_at_centre_decreases_with_uncertainty(u1: float, u2: float) -> None:
    lo, hi = sorted((u1, u2))
    assert probability_of_conformity(0.0, lo, lower_limit=-1, upper_limit=1).probability >= (
        probability_of_conformity(0.0, hi, lower_limit=-1, upper_limit=1).probability
    )


# ---------------------------------------------------------------------------------------------------- global risks
def _bivariate_risks(
    mu: float, sp: float, um: float, tl: float, tu: float, al: float, au: float
) -> tuple[float, float]:
    """Independent computation from the bivariate normal CDF of (X, Y = X + E)."""
    cov = [[sp * sp, sp * sp], [sp * sp, sp * sp + um * um]]
    mvn = stats.multivariate_normal(mean=[mu, mu], cov=cov)

    def box(x0: float, x1: float, y0: float, y1: float) -> float:
        return float(mvn.cdf([x1, y1], lower_limit=[x0, y0]))

    inf = math.inf
    pfa = box(-inf, tl, al, au) + box(tu, inf, al, au)
    pfr = box(tl, tu, -inf, al) + box(tl, tu, au, inf)
    return pfa, pfr


@pytest.mark.parametrize(
    ("mu", "sp", "um", "tl", "tu", "w"),
    [
        (0.0, 1.0, 0.25, -2.0, 2.0, 0.0),
        (0.3, 1.0, 0.5, -2.0, 2.0, 0.2),
        (10.0, 0.4, 0.1, 9.0, 11.0, -0.05),
        (-1.0, 2.0, 1.5, -3.0, 2.5, 0.5),
    ],
)
def test_global_risks_match_bivariate_normal(
    mu: float, sp: float, um: float, tl: float, tu: float, w: float
) -> None:
    r = global_risks(
        process_mean=mu,
        process_standard_deviation=sp,
        measurement_standard_uncertainty=um,
        lower_limit=tl,
        upper_limit=tu,
        guard_band=w,
    )
    pfa, pfr = _bivariate_risks(mu, sp, um, tl, tu, tl + w, tu - w)
    assert r.probability_false_accept == pytest.approx(pfa, abs=2e-7)
    assert r.probability_false_reject == pytest.approx(pfr, abs=2e-7)


def test_global_risks_one_sided_upper_limit() -> None:
    r = global_risks(
        process_mean=0.0,
        process_standard_deviation=1.0,
        measurement_standard_uncertainty=0.3,
        upper_limit=1.5,
        guard_band=0.1,
    )
    inf = math.inf
    pfa, pfr = _bivariate_risks(0.0, 1.0, 0.3, -inf, 1.5, -inf, 1.4)
    assert r.probability_false_accept == pytest.approx(pfa, abs=2e-7)
    assert r.probability_false_reject == pytest.approx(pfr, abs=2e-7)
    assert r.acceptance_upper == pytest.approx(1.4) and r.acceptance_lower == -inf
    assert r.probability_conforming == pytest.approx(stats.norm.cdf(1.5), rel=1e-13)


def test_global_risks_measurement_bias_and_explicit_limits() -> None:
    # a bias b is the same as moving the acceptance limits by −b
    with_bias = global_risks(
        process_mean=0.0,
        process_standard_deviation=1.0,
        measurement_standard_uncertainty=0.4,
        lower_limit=-2.0,
        upper_limit=2.0,
        measurement_bias=0.3,
    )
    moved = global_risks(
        process_mean=0.0,
        process_standard_deviation=1.0,
        measurement_standard_uncertainty=0.4,
        lower_limit=-2.0,
        upper_limit=2.0,
        lower_acceptance_limit=-2.3,
        upper_acceptance_limit=1.7,
    )
    assert with_bias.probability_false_accept == pytest.approx(moved.probability_false_accept, rel=1e-9)
    assert with_bias.probability_false_reject == pytest.approx(moved.probability_false_reject, rel=1e-9)


def test_empty_acceptance_interval_accepts_nothing() -> None:
    r = global_risks(
        process_mean=0.0,
        process_standard_deviation=1.0,
        measurement_standard_uncertainty=0.4,
        lower_limit=-1.0,
        upper_limit=1.0,
        guard_band=1.5,
    )
    assert r.probability_accept == 0.0 and r.probability_false_accept == 0.0
    assert r.probability_false_reject == pytest.approx(r.probability_conforming, rel=1e-12)


process = st.fixed_dictionaries(
    {
        "mu": st.floats(min_value=-1.0, max_value=1.0),
        "sp": st.floats(min_value=0.05, max_value=3.0),
        "um": st.floats(min_value=0.01, max_value=2.0),
        "half": st.floats(min_value=0.2, max_value=5.0),
    }
)


def _risks(p: dict[str, Any], w: float) -> Any:
    return global_risks(
        process_mean=p["mu"],
        process_standard_deviation=p["sp"],
        measurement_standard_uncertainty=p["um"],
        lower_limit=-p["half"],
        upper_limit=p["half"],
        guard_band=w,
    )


@settings(max_examples=60, deadline=None)
@given(p=process, w1=st.floats(min_value=-1.0, max_value=1.0), w2=st.floats(min_value=-1.0, max_value=1.0))
def test_pfa_decreases_and_pfr_increases_with_guard_band(p: dict[str, Any], w1: float, w2: float) -> None:
    lo, hi = sorted((w1 * p["half"], w2 * p["half"]))
    assume(hi - lo > 1e-6)
    a, b = _risks(p, lo), _risks(p, hi)
    assert b.probability_false_accept <= a.probability_false_accept + 1e-12
    assert b.probability_false_reject >= a.probability_false_reject - 1e-12


@settings(max_examples=60, deadline=None)
@given(p=process, w=st.floats(min_value=-0.9, max_value=0.9))
def test_risk_identities(p: dict[str, Any], w: float) -> None:
    """P(conforming) − PFR = P(accept) − PFA (= P(correct accept)); the sides are computed independently."""
    r = _risks(p, w * p["half"])
    assert r.probability_conforming - r.probability_false_reject == pytest.approx(
        r.probability_accept - r.probability_false_accept, abs=1e-10
    )
    for v in (r.probability_false_accept, r.probability_false_reject, r.conditional_probability_false_accept):
        assert 0.0 <= v <= 1.0


@settings(max_examples=40, deadline=None)
@given(p=process)
def test_risks_vanish_with_a_perfect_measurement(p: dict[str, Any]) -> None:
    """u_m → 0: no false decisions (the risks scale like u_m near the limits)."""
    r = _risks({**p, "um": 1e-7 * p["sp"]}, 0.0)
    assert r.probability_false_accept < 1e-6
    assert r.probability_false_reject < 1e-6


# ---------------------------------------------------------------------------------------------------- helpers
def test_tur_and_capability_index() -> None:
    assert test_uncertainty_ratio(-1.0, 1.0, 0.25) == pytest.approx(4.0)
    assert measurement_capability_index(9.0, 11.0, 0.125) == pytest.approx(4.0)


def test_process_sigma_from_itp() -> None:
    s = process_standard_deviation_from_itp(0.95, lower_limit=-1.0, upper_limit=1.0)
    assert s == pytest.approx(1 / stats.norm.ppf(0.975), rel=1e-14)
    off = process_standard_deviation_from_itp(0.8, lower_limit=-1.0, upper_limit=1.0, process_mean=0.3)
    assert stats.norm.cdf(1.0, 0.3, off) - stats.norm.cdf(-1.0, 0.3, off) == pytest.approx(0.8, abs=1e-12)
    one = process_standard_deviation_from_itp(0.9, upper_limit=2.0, process_mean=0.0)
    assert stats.norm.cdf(2.0, 0.0, one) == pytest.approx(0.9, abs=1e-14)


def test_guard_band_factor_rules() -> None:
    tur = 2.5
    assert guard_band_factor("u95", tur) == pytest.approx(1 - 1 / tur)
    assert guard_band_factor(GuardBandMethod.RSS, tur) == pytest.approx(np.sqrt(1 - 1 / tur**2))
    assert guard_band_factor("rp10", tur) == pytest.approx(1.25 - 1 / tur)
    m = 1.04 - np.exp(0.38 * np.log(tur) - 0.54)
    assert guard_band_factor("dobbert", tur) == pytest.approx(1 - m / tur)


def test_dobbert_guard_band_keeps_pfa_near_two_percent() -> None:
    """Dobbert's rule is designed to hold the worst-case PFA near 2 % for any ITP (Z540.3 TUR)."""
    tur = 2.0
    factor = guard_band_factor("dobbert", tur)
    worst = 0.0
    for itp in np.linspace(0.3, 0.99, 70):
        sp = process_standard_deviation_from_itp(float(itp), lower_limit=-1.0, upper_limit=1.0)
        r = global_risks(
            process_mean=0.0,
            process_standard_deviation=sp,
            measurement_standard_uncertainty=1 / (2 * tur),
            lower_limit=-1.0,
            upper_limit=1.0,
            guard_band=1 - factor,
        )
        worst = max(worst, r.probability_false_accept)
    assert 0.015 < worst <= 0.0205


def test_guard_band_for_target_pfa() -> None:
    kw: dict[str, Any] = dict(
        process_mean=0.0,
        process_standard_deviation=4.0,
        measurement_standard_uncertainty=2.0,
        lower_limit=-8.0,
        upper_limit=8.0,
    )
    w = guard_band_for_target_pfa(0.01, **kw)
    assert w > 0
    assert global_risks(**kw, guard_band=w).probability_false_accept == pytest.approx(0.01, abs=1e-9)
    # already below the target: no guard band
    assert guard_band_for_target_pfa(0.5, **kw) == 0.0
    one_sided = dict(kw, lower_limit=None)
    w1 = guard_band_for_target_pfa(0.005, **one_sided)
    assert global_risks(**one_sided, guard_band=w1).probability_false_accept == pytest.approx(0.005, abs=1e-9)


# ---------------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("func", "kwargs", "match"),
    [
        (
            probability_of_conformity,
            {"measured_value": 0, "standard_uncertainty": -1, "upper_limit": 1},
            "standard_uncertainty",
        ),
        (
            probability_of_conformity,
            {"measured_value": 0, "standard_uncertainty": 1, "lower_limit": 2, "upper_limit": 1},
            "lower_limit",
        ),
        (
            probability_of_conformity,
            {"measured_value": 0, "standard_uncertainty": 1, "lower_limit": 1, "upper_limit": 1},
            "lower_limit",
        ),
        (probability_of_conformity, {"measured_value": 0, "standard_uncertainty": 1}, "at least one"),
        (
            probability_of_conformity,
            {"measured_value": 0, "standard_uncertainty": 1, "upper_limit": 1, "dof": 0},
            "dof",
        ),
        (
            probability_of_conformity,
            {"measured_value": math.nan, "standard_uncertainty": 1, "upper_limit": 1},
            "measured_value",
        ),
        (
            global_risks,
            {
                "process_mean": 0,
                "process_standard_deviation": 0,
                "measurement_standard_uncertainty": 1,
                "upper_limit": 1,
            },
            "process_standard_deviation",
        ),
        (
            global_risks,
            {
                "process_mean": 0,
                "process_standard_deviation": 1,
                "measurement_standard_uncertainty": -0.1,
                "upper_limit": 1,
            },
            "measurement_standard_uncertainty",
        ),
        (
            global_risks,
            {
                "process_mean": 0,
                "process_standard_deviation": 1,
                "measurement_standard_uncertainty": 1,
                "lower_limit": 1,
                "upper_limit": -1,
            },
            "lower_limit",
        ),
        (
            global_risks,
            {
                "process_mean": 0,
                "process_standard_deviation": 1,
                "measurement_standard_uncertainty": 1,
                "lower_limit": -1,
                "upper_limit": 1,
                "guard_band": 0.1,
                "upper_acceptance_limit": 0.5,
            },
            "guard_band",
        ),
        (
            process_standard_deviation_from_itp,
            {"in_tolerance_probability": 1.2, "lower_limit": -1, "upper_limit": 1},
            "in_tolerance_probability",
        ),
        (
            process_standard_deviation_from_itp,
            {"in_tolerance_probability": 0.9, "upper_limit": 1},
            "process_mean",
        ),
        (
            test_uncertainty_ratio,
            {"lower_limit": -1, "upper_limit": 1, "expanded_uncertainty": 0},
            "expanded_uncertainty",
        ),
        (guard_band_factor, {"method": "magic", "tur": 4}, "method"),
        (guard_band_factor, {"method": "rss", "tur": -4}, "tur"),
    ],
)
def test_bad_input_names_the_field(func: Any, kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        func(**kwargs)
