"""Issue 5: degrees of equivalence — covariance term, leave-one-out, bilateral, options recorded."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jiliang.core.comparison import (
    LabResult,
    arithmetic_mean,
    bilateral_doe,
    dersimonian_laird,
    largest_consistent_subset,
    median_reference,
    paule_mandel,
    procedure_b,
    reference_value,
    unilateral_doe,
    weighted_mean,
)

RES = [
    LabResult("A", 10.03, 0.02),
    LabResult("B", 10.00, 0.03),
    LabResult("C", 9.98, 0.025),
    LabResult("D", 10.06, 0.04),
    LabResult("E", 10.01, 0.015, included=False),
]


def test_issue5_wm_covariance_term() -> None:
    ref = weighted_mean(RES)
    doe = unilateral_doe(RES, ref)
    for e in doe.entries:
        if e.contributes:
            assert e.standard_uncertainty**2 == pytest.approx(e.lab_standard_uncertainty**2 - ref.standard_uncertainty**2)
        else:
            assert e.standard_uncertainty**2 == pytest.approx(e.lab_standard_uncertainty**2 + ref.standard_uncertainty**2)
        assert e.expanded_uncertainty == pytest.approx(2 * e.standard_uncertainty)
        assert e.en == pytest.approx(e.d / e.expanded_uncertainty)
    assert not doe.entry("E").contributes and "E" not in ref.labs
    # Σ w_i d_i = 0 over the contributing labs (the weighted mean is their centre)
    w = np.array([1 / r.standard_uncertainty**2 for r in RES if r.included])
    d = np.array([doe.entry(r.lab).d for r in RES if r.included])
    assert float(np.sum(w * d)) == pytest.approx(0.0, abs=1e-9)


def test_issue5_covariance_off_recorded() -> None:
    ref = weighted_mean(RES)
    doe = unilateral_doe(RES, ref, covariance=False)
    assert doe.options["covariance"] is False
    for e in doe.entries:
        assert e.standard_uncertainty**2 == pytest.approx(e.lab_standard_uncertainty**2 + ref.standard_uncertainty**2)


def test_issue5_leave_one_out_wm() -> None:
    ref = weighted_mean(RES)
    doe = unilateral_doe(RES, ref, form="loo")
    for r in RES:
        e = doe.entry(r.lab)
        if r.included:
            others = [s for s in RES if s.lab != r.lab]
            sub = weighted_mean(others)
            assert e.reference == pytest.approx(sub.value)
            assert e.d == pytest.approx(r.value - sub.value)
            assert e.standard_uncertainty**2 == pytest.approx(r.standard_uncertainty**2 + sub.standard_uncertainty**2)
        else:
            assert e.reference == pytest.approx(ref.value)


def test_issue5_bilateral_mra_is_pairwise_difference() -> None:
    ref = weighted_mean(RES)
    bi = bilateral_doe(unilateral_doe(RES, ref))
    for i, a in enumerate(RES):
        for j, b in enumerate(RES):
            bij, big_u = bi.get(a.lab, b.lab)
            assert bij == pytest.approx(a.value - b.value)
            if i != j:
                assert big_u == pytest.approx(2 * math.hypot(a.standard_uncertainty, b.standard_uncertainty))
            assert bi.difference[i][j] == pytest.approx(-bi.difference[j][i])


def test_issue5_bilateral_loo_covariance_matches_simulation() -> None:
    """The analytic LOO bilateral uncertainty equals the spread of B_ij under simulated data."""
    ref = weighted_mean(RES)
    bi = bilateral_doe(unilateral_doe(RES, ref, form="loo"))
    rng = np.random.default_rng(7)
    x0 = np.array([r.value for r in RES])
    u = np.array([r.standard_uncertainty for r in RES])
    inc = np.array([r.included for r in RES])
    sims = x0 + u * rng.standard_normal((40_000, len(RES)))

    def loo(xs: np.ndarray, i: int) -> np.ndarray:
        mask = inc.copy()
        mask[i] = False
        w = 1 / u[mask] ** 2
        return xs[:, i] - (xs[:, mask] @ w) / w.sum()

    b = loo(sims, 0) - loo(sims, 1)  # A − B (both contributing)
    assert bi.standard_uncertainty[0][1] == pytest.approx(float(np.std(b)), rel=0.02)


def test_issue5_median_covariance_not_available_note() -> None:
    ref = median_reference(RES)
    doe = unilateral_doe(RES, ref)
    assert any("covariance term is omitted" in n for n in doe.notes)
    for e in doe.entries:
        assert e.standard_uncertainty**2 == pytest.approx(e.lab_standard_uncertainty**2 + ref.standard_uncertainty**2)


def test_issue5_procedure_b_doe_by_monte_carlo() -> None:
    ref = procedure_b(RES, trials=50_000, seed=3)
    doe = unilateral_doe(RES, ref)
    assert all(e.basis == "monte-carlo" for e in doe.entries)
    assert ref.value == pytest.approx(float(np.median([r.value for r in RES if r.included])))
    # contributing labs are correlated with the median, so U(d) < 2√(u² + u_ref²)
    e = doe.entry("B")
    assert e.expanded_uncertainty < 2 * math.hypot(e.lab_standard_uncertainty, ref.standard_uncertainty)
    bi = bilateral_doe(doe)
    assert bi.basis == "monte-carlo"
    assert bi.get("A", "C")[0] == pytest.approx(10.03 - 9.98)


def test_issue5_random_effects_include_tau_default() -> None:
    res = [LabResult("a", 1.0, 0.01), LabResult("b", 1.1, 0.01), LabResult("c", 0.95, 0.02), LabResult("d", 1.03, 0.01)]
    for ref in (dersimonian_laird(res), paule_mandel(res)):
        assert ref.tau is not None and ref.tau > 0
        doe = unilateral_doe(res, ref)
        assert doe.options["include_tau"] is True
        sw = sum(1 / (r.standard_uncertainty**2 + ref.tau**2) for r in res)
        for e in doe.entries:
            expect = e.lab_standard_uncertainty**2 + ref.tau**2 - 1 / sw
            assert e.standard_uncertainty**2 == pytest.approx(expect, rel=1e-9)
        off = unilateral_doe(res, ref, include_tau=False)
        assert off.options["include_tau"] is False
        assert all(a.standard_uncertainty < b.standard_uncertainty for a, b in zip(off.entries, doe.entries, strict=True))


def test_issue5_lcs_excludes_outlier() -> None:
    res = [*RES[:4], LabResult("X", 10.5, 0.02)]
    lcs = largest_consistent_subset(res)
    assert "X" not in lcs.labs and lcs.consistency.passed
    assert lcs.details["excluded"] == ("X",)
    doe = unilateral_doe(res, lcs)
    assert not doe.entry("X").contributes
    assert doe.entry("X").standard_uncertainty**2 == pytest.approx(0.02**2 + lcs.standard_uncertainty**2)
    assert unilateral_doe(res, lcs, form="loo").entry("A").basis == "analytic"


def test_issue5_dispatcher_and_aliases() -> None:
    assert reference_value(RES, "wm").method == "weighted-mean"
    assert reference_value(RES, "mean", uncertainty="type_a").options["uncertainty"] == "type_a"
    assert reference_value(RES, "DL").method == "dersimonian-laird"
    with pytest.raises(ValueError, match="unknown reference-value method"):
        reference_value(RES, "mode")


def test_issue5_arithmetic_mean_conventions() -> None:
    inc = [r for r in RES if r.included]
    prop = arithmetic_mean(RES)
    ta = arithmetic_mean(RES, uncertainty="type_a")
    n = len(inc)
    assert prop.standard_uncertainty == pytest.approx(math.sqrt(sum(r.standard_uncertainty**2 for r in inc)) / n)
    assert ta.standard_uncertainty == pytest.approx(float(np.std([r.value for r in inc], ddof=1)) / math.sqrt(n))
    assert ta.effective_dof == n - 1
    with pytest.raises(ValueError, match="propagated"):
        arithmetic_mean(RES, uncertainty="s/sqrt(n)")


def test_issue5_knapp_hartung_options() -> None:
    res = [LabResult("a", 1.0, 0.01), LabResult("b", 1.1, 0.01), LabResult("c", 0.95, 0.02), LabResult("d", 1.03, 0.01)]
    naive = dersimonian_laird(res)
    kh = dersimonian_laird(res, uncertainty="knapp_hartung")
    khm = dersimonian_laird(res, uncertainty="knapp_hartung_modified")
    assert kh.value == naive.value
    q = kh.details["knapp_hartung_q"]
    assert kh.standard_uncertainty == pytest.approx(math.sqrt(q) * naive.standard_uncertainty)
    assert khm.standard_uncertainty == pytest.approx(math.sqrt(max(1.0, q)) * naive.standard_uncertainty)
    assert kh.coverage_factor > naive.coverage_factor  # t_{n−1} instead of z


def test_issue5_weighted_mean_effective_dof() -> None:
    res = [LabResult("a", 1.0, 0.01, dof=4), LabResult("b", 1.01, 0.01, dof=9)]
    ref = weighted_mean(res)
    c = 0.5
    expect = ref.standard_uncertainty**4 / ((c * 0.01) ** 4 / 4 + (c * 0.01) ** 4 / 9)
    assert ref.effective_dof == pytest.approx(expect)
    assert weighted_mean([LabResult("a", 1, 0.1), LabResult("b", 1, 0.1)]).effective_dof is None


def test_issue5_loo_needs_three() -> None:
    res = [LabResult("a", 1.0, 0.01), LabResult("b", 1.01, 0.01)]
    with pytest.raises(ValueError, match="three contributing"):
        unilateral_doe(res, weighted_mean(res), form="loo")


def test_issue5_birge_adjusted_doe_consistent() -> None:
    res = [LabResult("a", 1.0, 0.01), LabResult("b", 1.05, 0.01), LabResult("c", 0.97, 0.02)]
    ref = weighted_mean(res, birge_adjustment=True)
    rb = ref.consistency.birge_ratio
    assert rb > 1 and ref.standard_uncertainty == pytest.approx(rb * ref.details["u_unadjusted"])
    doe = unilateral_doe(res, ref)
    for e in doe.entries:  # u²(d) = R_B²(u_i² − u²(y)) with the unadjusted u(y)
        assert e.standard_uncertainty**2 == pytest.approx(rb**2 * (e.lab_standard_uncertainty**2 - ref.details["u_unadjusted"] ** 2))
    assert any("Birge" in n for n in doe.notes)
