"""JJF 1094-2002 conformity decision (U95 ≤ MPEV/3 criterion; pass / fail / undetermined zones)."""

from __future__ import annotations

import dataclasses
import doctest
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jiliang.core.conformity as conformity
from jiliang.core.conformity import ConformityDecision, Verdict, decide_jjf1094, overall_verdict


def test_simple_acceptance_when_u_within_one_third() -> None:
    d = decide_jjf1094(0.9, 1.0, 0.3)
    assert d.verdict is Verdict.PASS and d.rule == "jjf1094_simple_acceptance" and d.reason == "within_mpe"
    assert d.ratio_limit == "1/3" and d.uncertainty_ratio == pytest.approx(0.3)
    assert dict(d.limits) == {"mpev": 1.0}
    assert d.binary and "JJF 1094-2002" in d.clause and "[U]" in d.source_status
    fail = decide_jjf1094(-1.05, 1.0, 0.3)
    assert fail.verdict is Verdict.FAIL and fail.reason == "exceeds_mpe"
    # on the MPE itself: pass
    assert decide_jjf1094(-1.0, 1.0, 0.1).verdict is Verdict.PASS


def test_zones_when_u_exceeds_one_third() -> None:
    assert decide_jjf1094(0.5, 1.0, 0.4).verdict is Verdict.PASS
    und = decide_jjf1094(0.8, 1.0, 0.4)
    assert und.verdict is Verdict.UNDETERMINED and und.reason == "in_undetermined_zone"
    assert und.rule == "jjf1094_uncertainty_zones" and not und.binary
    assert und.limits["pass_limit"] == pytest.approx(0.6) and und.limits["fail_limit"] == pytest.approx(1.4)
    assert decide_jjf1094(-1.2, 1.0, 0.4).verdict is Verdict.UNDETERMINED
    assert decide_jjf1094(1.5, 1.0, 0.4).verdict is Verdict.FAIL


def test_boundaries_are_exact_for_decimal_input() -> None:
    # U95 = MPEV/3 exactly (0.1 vs 0.3): simple acceptance, although 0.3/3 != 0.1 in binary floats
    assert decide_jjf1094(0.25, 0.3, 0.1).rule == "jjf1094_simple_acceptance"
    # |Δ| = MPEV − U95 exactly (0.7 = 1.0 − 0.3 in decimals): pass
    assert decide_jjf1094(0.6, 0.9, 0.3).verdict is Verdict.PASS
    assert decide_jjf1094(0.6, 0.9, 0.31).verdict is Verdict.UNDETERMINED
    # |Δ| = MPEV + U95 exactly: fail (research notes: |Δ| ≥ MPEV + U95 → 不合格)
    assert decide_jjf1094(1.2, 0.9, 0.3).verdict is Verdict.FAIL
    assert decide_jjf1094(1.19, 0.9, 0.31).verdict is Verdict.UNDETERMINED


def test_configurable_ratio_is_recorded() -> None:
    d = decide_jjf1094(0.9, 1.0, 0.4, ratio_limit=Fraction(1, 2))
    assert d.rule == "jjf1094_simple_acceptance" and d.ratio_limit == "1/2"
    assert decide_jjf1094(0.9, 1.0, 0.4, ratio_limit=0.25).ratio_limit == "1/4"


def test_decision_is_frozen() -> None:
    d = decide_jjf1094(0.5, 1.0, 0.1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.verdict = Verdict.FAIL  # type: ignore[misc]
    with pytest.raises(TypeError):
        d.limits["mpev"] = 2.0  # type: ignore[index]


def test_overall_verdict_of_several_points() -> None:
    assert overall_verdict([Verdict.PASS, Verdict.PASS]) is Verdict.PASS
    assert overall_verdict([Verdict.PASS, Verdict.UNDETERMINED]) is Verdict.UNDETERMINED
    assert overall_verdict([Verdict.UNDETERMINED, Verdict.FAIL, Verdict.PASS]) is Verdict.FAIL
    with pytest.raises(ValueError, match="verdicts"):
        overall_verdict([])


def test_package_docstring_example() -> None:
    failures, tried = doctest.testmod(conformity, verbose=False)
    assert tried >= 2 and failures == 0


errors = st.floats(min_value=-10, max_value=10, allow_nan=False).map(lambda v: round(v, 4))
mpevs = st.floats(min_value=0.01, max_value=5).map(lambda v: round(v, 4)).filter(lambda v: v > 0)
us = st.floats(min_value=0, max_value=5).map(lambda v: round(v, 4))


@settings(max_examples=300, deadline=None)
@given(e=errors, m=mpevs, u=us)
def test_zones_consistent_with_simple_acceptance(e: float, m: float, u: float) -> None:
    d = decide_jjf1094(e, m, u)
    simple = Verdict.PASS if abs(e) <= m else Verdict.FAIL
    if d.rule == "jjf1094_simple_acceptance":
        assert 3 * u <= m * (1 + 1e-12)
        assert d.verdict is simple
    else:
        assert 3 * u >= m * (1 - 1e-12)
        # a pass in the zones is a pass without uncertainty; a fail likewise
        if d.verdict is Verdict.PASS:
            assert simple is Verdict.PASS
        if d.verdict is Verdict.FAIL:
            assert simple is Verdict.FAIL
    # the verdict does not depend on the sign of the error
    assert decide_jjf1094(-e, m, u).verdict is d.verdict


@settings(max_examples=200, deadline=None)
@given(e=errors, m=mpevs, u1=us, u2=us)
def test_larger_uncertainty_never_turns_undetermined_into_pass(
    e: float, m: float, u1: float, u2: float
) -> None:
    lo, hi = sorted((u1, u2))
    a, b = decide_jjf1094(e, m, lo), decide_jjf1094(e, m, hi)
    if a.rule == b.rule == "jjf1094_uncertainty_zones" and a.verdict is not Verdict.PASS:
        assert b.verdict is not Verdict.PASS


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"error": 0.1, "mpev": 0.0, "expanded_uncertainty": 0.1}, "mpev"),
        ({"error": 0.1, "mpev": -1.0, "expanded_uncertainty": 0.1}, "mpev"),
        ({"error": 0.1, "mpev": 1.0, "expanded_uncertainty": -0.1}, "expanded_uncertainty"),
        ({"error": float("nan"), "mpev": 1.0, "expanded_uncertainty": 0.1}, "error"),
        ({"error": 0.1, "mpev": float("inf"), "expanded_uncertainty": 0.1}, "mpev"),
        ({"error": 0.1, "mpev": 1.0, "expanded_uncertainty": 0.1, "ratio_limit": 0}, "ratio_limit"),
        ({"error": "x", "mpev": 1.0, "expanded_uncertainty": 0.1}, "error"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        decide_jjf1094(**kwargs)


def test_result_type() -> None:
    assert isinstance(decide_jjf1094(0.0, 1.0, 0.0), ConformityDecision)
