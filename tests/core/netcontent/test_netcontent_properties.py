"""Issue 7: property tests (hypothesis).

* the T table is non-decreasing in Qn, continuous up to its rounding step at every band boundary,
  and within half a step (a full step for round-up) of the unrounded value;
* adding shortfall never turns a failed lot into a passed one wherever the published rule is
  monotone: for the individual-package checks (any package), for a uniform shortfall of the whole
  sample, and for the full verdict when the package made shorter stays at or above the mean of the
  others. (Below that the mean criterion q̄ ≥ Qn − λ·s is not monotone: see
  ``test_non_monotone_mean_criterion_is_the_published_rule``.)
* the verdict does not depend on package order or on the unit the readings are given in.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from jiliang.core import netcontent as nc
from jiliang.core.netcontent.tolerable_deficiency import deficiency_rows

# Qn in g with up to three decimals, over the whole mass/volume table (0, 50 000]
nominal_g = st.integers(min_value=1, max_value=50_000_000).map(lambda i: Decimal(i) / 1000)
modes = st.sampled_from(nc.ROUNDING_MODES)


@settings(max_examples=300, deadline=None)
@given(a=nominal_g, b=nominal_g, mode=modes)
def test_t_non_decreasing_in_qn(a: Decimal, b: Decimal, mode: nc.RoundingMode) -> None:
    lo, hi = min(a, b), max(a, b)
    assert (
        nc.tolerable_deficiency(lo, "mass", rounding=mode).value
        <= nc.tolerable_deficiency(hi, "mass", rounding=mode).value
    )


@settings(max_examples=300, deadline=None)
@given(qn=nominal_g, mode=modes)
def test_t_within_rounding_step_of_the_table(qn: Decimal, mode: nc.RoundingMode) -> None:
    t = nc.tolerable_deficiency(qn, "volume", rounding=mode)
    assert t.rounding_step == (Decimal("0.1") if qn <= 1000 else Decimal(1))
    deviation = abs(t.value - t.unrounded)
    if mode == "up":
        assert Decimal(0) <= t.value - t.unrounded < t.rounding_step
    else:
        assert deviation <= t.rounding_step / 2
    assert t.value == t.value.quantize(t.rounding_step)
    assert Decimal(0) <= t.unrounded <= qn * Decimal("0.09")


BOUNDARIES = [r.upper for r in deficiency_rows("mass") if r.upper is not None][:-1]


@settings(max_examples=200, deadline=None)
@given(boundary=st.sampled_from(BOUNDARIES), eps=st.integers(min_value=1, max_value=10_000), mode=modes)
def test_t_continuous_at_band_boundaries(boundary: Decimal, eps: int, mode: nc.RoundingMode) -> None:
    e = Decimal(eps) / 1_000_000  # up to 0.01 g
    left = nc.tolerable_deficiency(boundary - e, "mass", rounding=mode)
    at = nc.tolerable_deficiency(boundary, "mass", rounding=mode)
    right = nc.tolerable_deficiency(boundary + e, "mass", rounding=mode)
    assert left.row != right.row
    # unrounded table values are continuous (slope ≤ 9 %)...
    assert abs(right.unrounded - left.unrounded) <= Decimal("0.09") * 2 * e
    # ...and the rounded ones jump by at most one rounding step
    assert left.value <= at.value <= right.value
    assert right.value - left.value <= max(left.rounding_step or 0, right.rounding_step or 0)


@settings(max_examples=200, deadline=None)
@given(qn=st.integers(min_value=1, max_value=100_000))
def test_count_t_rounds_up(qn: int) -> None:
    t = nc.tolerable_deficiency(qn, "count").value
    if qn <= 50:
        assert t == 0
    else:
        assert t == t.to_integral_value()
        assert Decimal(qn) / 100 <= t < Decimal(qn) / 100 + 1


# --- lots ---------------------------------------------------------------------------------------

LOT_SIZES = [4, 10, 30, 75, 300]
SAMPLE = {4: 4, 10: 10, 30: 10, 75: 13, 300: 50}


@st.composite
def lots(draw: st.DrawFn) -> tuple[Decimal, int, list[Decimal]]:
    qn = draw(st.sampled_from([Decimal(100), Decimal(250), Decimal(500), Decimal(1500)]))
    lot_size = draw(st.sampled_from(LOT_SIZES))
    n = SAMPLE[lot_size]
    # offsets from Qn in 0.1 g steps, from 50 g short to 10 g over
    # (mostly near Qn so that both verdicts occur, sometimes far off)
    offset = st.one_of(st.integers(min_value=-60, max_value=60), st.integers(min_value=-500, max_value=100))
    offsets = draw(st.lists(offset, min_size=n, max_size=n))
    return qn, lot_size, [qn + Decimal(o) / 10 for o in offsets]


def _eval(qn: Decimal, lot_size: int, q: list[Decimal]) -> nc.LotEvaluation:
    return nc.evaluate_lot(kind="mass", nominal=qn, unit="g", lot_size=lot_size, net=q)


@settings(max_examples=300, deadline=None)
@given(lot=lots(), data=st.data())
def test_individual_checks_monotone_in_any_package(
    lot: tuple[Decimal, int, list[Decimal]], data: st.DataObject
) -> None:
    qn, lot_size, q = lot
    j = data.draw(st.integers(min_value=0, max_value=len(q) - 1))
    extra = Decimal(data.draw(st.integers(min_value=1, max_value=500))) / 10
    assume(q[j] - extra >= 0)
    before = _eval(qn, lot_size, q)
    after = _eval(qn, lot_size, [*q[:j], q[j] - extra, *q[j + 1 :]])
    assert after.count_short_beyond_t >= before.count_short_beyond_t
    assert after.count_t2 >= before.count_t2
    if not before.individual_passed:
        assert not after.individual_passed


@settings(max_examples=300, deadline=None)
@given(lot=lots(), shift=st.integers(min_value=1, max_value=300))
def test_uniform_shortfall_never_turns_fail_into_pass(
    lot: tuple[Decimal, int, list[Decimal]], shift: int
) -> None:
    qn, lot_size, q = lot
    delta = Decimal(shift) / 10
    before = _eval(qn, lot_size, q)
    after = _eval(qn, lot_size, [x - delta for x in q])
    if before.verdict == "fail":
        assert after.verdict == "fail"
    assert after.mean_criterion.standard_deviation == before.mean_criterion.standard_deviation


@settings(max_examples=300, deadline=None)
@given(lot=lots(), data=st.data())
def test_shortfall_above_the_mean_never_turns_fail_into_pass(
    lot: tuple[Decimal, int, list[Decimal]], data: st.DataObject
) -> None:
    qn, lot_size, q = lot
    j = data.draw(st.integers(min_value=0, max_value=len(q) - 1))
    others = [x for i, x in enumerate(q) if i != j]
    floor = sum(others, Decimal(0)) / len(others) if others else Decimal(0)
    assume(q[j] > floor)
    fraction = data.draw(st.integers(min_value=1, max_value=100))
    lowered = q[j] - (q[j] - floor) * fraction / 100  # somewhere in [mean of the others, q_j)
    before = _eval(qn, lot_size, q)
    after = _eval(qn, lot_size, [*q[:j], lowered, *q[j + 1 :]])
    if before.verdict == "fail":
        assert after.verdict == "fail"


@settings(max_examples=150, deadline=None)
@given(lot=lots(), perm=st.randoms(use_true_random=False))
def test_verdict_independent_of_order_and_unit(lot: tuple[Decimal, int, list[Decimal]], perm: object) -> None:
    qn, lot_size, q = lot
    shuffled = list(q)
    perm.shuffle(shuffled)  # type: ignore[attr-defined]
    a = _eval(qn, lot_size, q)
    b = _eval(qn, lot_size, shuffled)
    c = nc.evaluate_lot(
        kind="mass", nominal=qn / 1000, unit="kg", lot_size=lot_size, net=[x / 1000 for x in q]
    )
    d = nc.evaluate_lot(
        kind="mass", nominal=qn, unit="g", lot_size=lot_size, net=[x / 1000 for x in q], net_unit="kg"
    )
    for other in (b, c, d):
        assert other.verdict == a.verdict
        assert (other.count_t1, other.count_t2) == (a.count_t1, a.count_t2)
        assert [r.code for r in other.checks] == [r.code for r in a.checks]
