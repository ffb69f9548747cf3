"""ILAC G8:09/2019 decision rules: simple acceptance, guarded acceptance/rejection, non-binary."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiliang.core.conformity import DecisionRule, Verdict, decide_ilac_g8, decide_ilac_g8_non_binary


def test_simple_acceptance() -> None:
    d = decide_ilac_g8(10.45, 0.1, lower_limit=9.5, upper_limit=10.5)
    assert d.verdict is Verdict.PASS and d.rule == "ilac_g8_simple_acceptance"
    assert d.limits["guard_band"] == 0.0 and d.guard_band_factor == 0.0
    assert d.limits["acceptance_upper"] == 10.5 and "ILAC G8:09/2019" in d.clause
    assert decide_ilac_g8(10.5, 0.1, lower_limit=9.5, upper_limit=10.5).verdict is Verdict.PASS
    assert decide_ilac_g8(10.51, 0.1, lower_limit=9.5, upper_limit=10.5).verdict is Verdict.FAIL


def test_guarded_acceptance_and_rejection() -> None:
    ga = decide_ilac_g8(10.45, 0.1, lower_limit=9.5, upper_limit=10.5, rule="guarded_acceptance")
    assert ga.verdict is Verdict.FAIL and ga.limits["acceptance_upper"] == pytest.approx(10.4)
    assert ga.limits["acceptance_lower"] == pytest.approx(9.6) and ga.reason == "outside_acceptance_interval"
    # exact decimal boundary: 10.4 = 10.5 − 0.1
    assert decide_ilac_g8(10.4, 0.1, lower_limit=9.5, upper_limit=10.5, rule="guarded_acceptance").passed
    gr = decide_ilac_g8(10.55, 0.1, lower_limit=9.5, upper_limit=10.5, rule=DecisionRule.GUARDED_REJECTION)
    assert gr.verdict is Verdict.PASS and gr.limits["acceptance_upper"] == pytest.approx(10.6)
    half = decide_ilac_g8(
        10.45, 0.1, lower_limit=9.5, upper_limit=10.5, rule="guarded_acceptance", guard_band_factor=0.5
    )
    assert (
        half.verdict is Verdict.PASS
        and half.guard_band_factor == 0.5
        and half.limits["guard_band"] == pytest.approx(0.05)
    )


def test_one_sided_limits() -> None:
    d = decide_ilac_g8(4.85, 0.1, upper_limit=5.0, rule="guarded_acceptance")
    assert (
        d.verdict is Verdict.PASS and "acceptance_lower" not in d.limits and "tolerance_lower" not in d.limits
    )
    assert decide_ilac_g8(4.95, 0.1, upper_limit=5.0, rule="guarded_acceptance").verdict is Verdict.FAIL
    assert decide_ilac_g8(-100.0, 0.1, lower_limit=5.0).verdict is Verdict.FAIL


def test_non_binary_zones() -> None:
    kw: dict[str, Any] = {"lower_limit": 9.5, "upper_limit": 10.5}
    assert decide_ilac_g8_non_binary(10.0, 0.1, **kw).verdict is Verdict.PASS
    cp = decide_ilac_g8_non_binary(10.45, 0.1, **kw)
    assert cp.verdict is Verdict.CONDITIONAL_PASS and not cp.binary
    assert decide_ilac_g8_non_binary(10.55, 0.1, **kw).verdict is Verdict.CONDITIONAL_FAIL
    assert decide_ilac_g8_non_binary(9.45, 0.1, **kw).verdict is Verdict.CONDITIONAL_FAIL
    f = decide_ilac_g8_non_binary(10.61, 0.1, **kw)
    assert f.verdict is Verdict.FAIL and f.reason == "outside_tolerance_beyond_guard_band"
    # boundaries (exact decimals): TU − w is pass, TU is conditional pass, TU + w is conditional fail
    assert decide_ilac_g8_non_binary(10.4, 0.1, **kw).verdict is Verdict.PASS
    assert decide_ilac_g8_non_binary(10.5, 0.1, **kw).verdict is Verdict.CONDITIONAL_PASS
    assert decide_ilac_g8_non_binary(10.6, 0.1, **kw).verdict is Verdict.CONDITIONAL_FAIL


values = st.floats(min_value=-5, max_value=5).map(lambda v: round(v, 3))
uncertainties = st.floats(min_value=0, max_value=2).map(lambda v: round(v, 3))
factors = st.sampled_from([0, 0.5, 1, 1.5, 2])


@settings(max_examples=300, deadline=None)
@given(y=values, u=uncertainties, r=factors, one_sided=st.booleans())
def test_non_binary_consistent_with_binary_rules(y: float, u: float, r: float, one_sided: bool) -> None:
    kw: dict[str, Any] = {"upper_limit": 1.0, "guard_band_factor": r}
    if not one_sided:
        kw["lower_limit"] = -1.0
    nb = decide_ilac_g8_non_binary(y, u, **kw).verdict
    ga = decide_ilac_g8(y, u, rule="guarded_acceptance", **kw).verdict
    gr = decide_ilac_g8(y, u, rule="guarded_rejection", **kw).verdict
    sa = decide_ilac_g8(y, u, rule="simple_acceptance", **kw).verdict
    assert (nb is Verdict.PASS) == (ga is Verdict.PASS)
    assert (nb is Verdict.FAIL) == (gr is Verdict.FAIL)
    assert (nb in (Verdict.PASS, Verdict.CONDITIONAL_PASS)) == (sa is Verdict.PASS)
    # guarded acceptance is never more lenient than simple acceptance, guarded rejection never stricter
    if ga is Verdict.PASS:
        assert sa is Verdict.PASS
    if sa is Verdict.PASS:
        assert gr is Verdict.PASS


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"measured_value": 1.0, "expanded_uncertainty": -0.1, "upper_limit": 2.0}, "expanded_uncertainty"),
        (
            {"measured_value": 1.0, "expanded_uncertainty": 0.1, "lower_limit": 2.0, "upper_limit": 2.0},
            "lower_limit",
        ),
        (
            {"measured_value": 1.0, "expanded_uncertainty": 0.1, "lower_limit": 3.0, "upper_limit": 2.0},
            "lower_limit",
        ),
        ({"measured_value": 1.0, "expanded_uncertainty": 0.1}, "at least one"),
        ({"measured_value": 1.0, "expanded_uncertainty": 0.1, "upper_limit": 2.0, "rule": "lenient"}, "rule"),
        (
            {"measured_value": 1.0, "expanded_uncertainty": 0.1, "upper_limit": 2.0, "guard_band_factor": -1},
            "guard_band_factor",
        ),
        ({"measured_value": float("inf"), "expanded_uncertainty": 0.1, "upper_limit": 2.0}, "measured_value"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        decide_ilac_g8(**kwargs)


def test_bad_input_non_binary() -> None:
    with pytest.raises(ValueError, match="expanded_uncertainty"):
        decide_ilac_g8_non_binary(1.0, -1.0, upper_limit=2.0)
    with pytest.raises(ValueError, match="lower_limit"):
        decide_ilac_g8_non_binary(1.0, 1.0, lower_limit=2.0, upper_limit=1.0)
