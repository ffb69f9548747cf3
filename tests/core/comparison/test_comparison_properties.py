"""Issue 5: property tests (hypothesis) for the comparison and PT statistics."""

from __future__ import annotations

import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from jiliang.core.comparison import (
    LabResult,
    algorithm_a,
    dersimonian_laird,
    en_number,
    made,
    niqr,
    paule_mandel,
    q_hampel,
    unilateral_doe,
    weighted_mean,
    z_score,
    zeta_score,
)

values = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)
uncs = st.floats(min_value=1e-3, max_value=10.0, allow_nan=False, allow_infinity=False)
lab_lists = st.lists(st.tuples(values, uncs), min_size=2, max_size=12)


def _results(pairs: list[tuple[float, float]]) -> list[LabResult]:
    return [LabResult(f"L{i}", x, u) for i, (x, u) in enumerate(pairs)]


@settings(max_examples=60, deadline=None)
@given(lab_lists, st.randoms(use_true_random=False))
def test_issue5_weighted_mean_permutation_invariant(pairs: list[tuple[float, float]], rnd) -> None:  # type: ignore[no-untyped-def]
    res = _results(pairs)
    shuffled = list(res)
    rnd.shuffle(shuffled)
    a, b = weighted_mean(res), weighted_mean(shuffled)
    assert math.isclose(a.value, b.value, rel_tol=1e-12, abs_tol=1e-9)
    assert math.isclose(a.standard_uncertainty, b.standard_uncertainty, rel_tol=1e-12)
    assert math.isclose(a.consistency.chi2, b.consistency.chi2, rel_tol=1e-6, abs_tol=1e-6)
    da = {e.lab: e.standard_uncertainty for e in unilateral_doe(res, a).entries}
    db = {e.lab: e.standard_uncertainty for e in unilateral_doe(shuffled, b).entries}
    for lab, v in da.items():
        assert math.isclose(v, db[lab], rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=60, deadline=None)
@given(lab_lists)
def test_issue5_weighted_mean_within_range_and_doe_variance_positive(pairs: list[tuple[float, float]]) -> None:
    res = _results(pairs)
    ref = weighted_mean(res)
    xs = [r.value for r in res]
    assert min(xs) - 1e-9 <= ref.value <= max(xs) + 1e-9
    assert ref.standard_uncertainty <= min(r.standard_uncertainty for r in res) + 1e-15
    for e in unilateral_doe(res, ref).entries:
        assert e.standard_uncertainty >= 0


@settings(max_examples=60, deadline=None)
@given(lab_lists)
def test_issue5_random_effects_sane(pairs: list[tuple[float, float]]) -> None:
    res = _results(pairs)
    dl, pm = dersimonian_laird(res), paule_mandel(res)
    xs = [r.value for r in res]
    for ref in (dl, pm):
        assert ref.tau is not None and ref.tau >= 0.0
        assert min(xs) - 1e-9 <= ref.value <= max(xs) + 1e-9
    if dl.consistency.chi2 <= len(res) - 1:
        assert dl.tau == 0.0 and pm.tau == 0.0


@given(values, uncs, values, uncs)
def test_issue5_en_symmetric(x1: float, u1: float, x2: float, u2: float) -> None:
    a = en_number(x1, u1, x2, u2)
    b = en_number(x2, u2, x1, u1)
    assert math.isclose(a, -b, rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(zeta_score(x1, u1, x2, u2), -zeta_score(x2, u2, x1, u1), rel_tol=1e-12, abs_tol=1e-12)


sample = st.lists(st.floats(min_value=-100, max_value=100, allow_nan=False), min_size=5, max_size=40)


@settings(max_examples=80, deadline=None)
@given(sample, st.floats(min_value=-1e3, max_value=1e3), st.floats(min_value=0.01, max_value=100))
def test_issue5_algorithm_a_equivariant(xs: list[float], shift: float, scale: float) -> None:
    """Full convergence is shift- and scale-equivariant (the ISO stopping rule is not)."""
    assume(made(xs) > 1e-6)
    a = algorithm_a(xs, stopping="convergence")
    assume(a.converged)
    b = algorithm_a([scale * v + shift for v in xs], stopping="convergence")
    assert b.converged
    assert math.isclose(b.location, scale * a.location + shift, rel_tol=1e-9, abs_tol=1e-7 * (1 + abs(shift)))
    assert math.isclose(b.scale, scale * a.scale, rel_tol=1e-9, abs_tol=1e-9)
    c = algorithm_a([-v for v in xs], stopping="convergence")
    assert math.isclose(c.location, -a.location, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=150, deadline=None)
@given(sample, st.floats(min_value=-1e3, max_value=1e3), st.floats(min_value=0.01, max_value=100))
def test_issue5_robust_scales_equivariant(xs: list[float], shift: float, scale: float) -> None:
    # Ties among results or their differences are detected up to floating-point noise (1e-9 relative),
    # so near-ties closer than that are excluded here.
    diffs = sorted(abs(a - b) for i, a in enumerate(xs) for b in xs[i + 1:])
    assume(all(b - a == 0 or b - a > 1e-6 * diffs[-1] for a, b in zip(diffs, diffs[1:], strict=False)))
    ys = [scale * v + shift for v in xs]
    assert math.isclose(made(ys), scale * made(xs), rel_tol=1e-9, abs_tol=1e-9)
    assert math.isclose(niqr(ys), scale * niqr(xs), rel_tol=1e-9, abs_tol=1e-7)
    qa, qb = q_hampel(xs), q_hampel(ys)
    assert math.isclose(qb.scale, scale * qa.scale, rel_tol=1e-7, abs_tol=1e-7)


@given(values, values, uncs)
def test_issue5_z_sign(x: float, xpt: float, s: float) -> None:
    z = z_score(x, xpt, s)
    assert (z > 0) == (x > xpt) or x == xpt


def test_issue5_iso_stopping_rule_depends_on_origin() -> None:
    """Documented: the third-significant-figure stop is not shift-equivariant (record the rule used)."""
    xs = [0.04, 0.055, 0.178, 0.202, 0.206, 0.227, 0.228, 0.23, 0.23, 0.235, 0.236, 0.237, 0.243, 0.244,
          0.245, 0.2555, 0.26, 0.264, 0.267, 0.27, 0.273, 0.274, 0.274, 0.278, 0.2811, 0.287, 0.287, 0.288,
          0.289, 0.295, 0.296, 0.311, 0.331, 0.4246]
    a = algorithm_a(xs, stopping="iso13528")
    b = algorithm_a([v - 0.257 for v in xs], stopping="iso13528")
    assert (a.iterations, b.iterations) == (6, 11)
    assert abs((b.location + 0.257) - a.location) > 1e-6
    fa = algorithm_a(xs, stopping="convergence")
    fb = algorithm_a([v - 0.257 for v in xs], stopping="convergence")
    assert math.isclose(fb.location + 0.257, fa.location, abs_tol=1e-12)
