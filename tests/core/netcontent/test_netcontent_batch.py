"""Issue 7: the vectorised evaluator agrees with the exact decimal evaluator, boundaries included."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiliang.core import netcontent as nc
from jiliang.core.netcontent import NetContentInputError


def _agree(
    kind: nc.QuantityKind, nominal: object, unit: str, lot_size: int, lots: list[list[float]], **kw: str
) -> None:
    batch = nc.evaluate_batch(kind=kind, nominal=nominal, unit=unit, lot_size=lot_size, net=lots, **kw)  # type: ignore[arg-type]
    for i, q in enumerate(lots):
        ev = nc.evaluate_lot(kind=kind, nominal=nominal, unit=unit, lot_size=lot_size, net=q, **kw)  # type: ignore[arg-type]
        assert bool(batch.passed[i]) is ev.passed, (i, q)
        assert int(batch.count_t1[i]) == ev.count_t1
        assert int(batch.count_t2[i]) == ev.count_t2
        assert bool(batch.individual_passed[i]) is ev.individual_passed
        if batch.mean_passed is None:
            assert not ev.mean_criterion.applicable
        else:
            assert bool(batch.mean_passed[i]) is ev.mean_criterion.passed


def test_batch_boundaries_match_exact() -> None:
    base = [505.0] * 9
    lots = [[*base, 485.0], [*base, 484.999], [*base, 470.0], [*base, 469.999], [500.0] * 10, [499.9] * 10]
    _agree("mass", 500, "g", 30, lots)
    batch = nc.evaluate_batch(kind="mass", nominal=500, unit="g", lot_size=30, net=lots)
    assert batch.passed.tolist() == [True, False, False, False, True, False]
    assert batch.count_t1.tolist() == [0, 1, 1, 0, 0, 0]
    assert batch.count_t2.tolist() == [0, 0, 0, 1, 0, 0]


def test_batch_boundaries_in_other_units() -> None:
    # T = 23 g for 1.5 kg; 1.5 − 1.477 is not exactly 0.023 in binary floating point
    lots = [[1.51] * 9 + [1.477], [1.51] * 9 + [1.454], [1.51] * 9 + [1.4539], [1.5] * 10, [1.8] * 10]
    _agree("mass", 1.5, "kg", 20, lots)
    _agree("volume", 1.8, "L", 20, [[1.8] * 10, [1.773] * 10, [1.81] * 9 + [1.746]])
    grams = [[1510.0] * 9 + [1477.0], [1500.0] * 10]
    _agree("mass", 1.5, "kg", 20, grams, net_unit="g")


def test_batch_small_lot_and_count() -> None:
    _agree("mass", 500, "g", 10, [[499.0] * 10, [485.0] * 10, [484.9] + [500.0] * 9])
    _agree("count", 100, "个", 200, [[101] * 46 + [99] + [98] * 3, [101] * 45 + [99] + [98] * 3 + [97]])


@settings(max_examples=100, deadline=None)
@given(
    qn=st.sampled_from(["100", "250", "500", "1500"]),
    lot_size=st.sampled_from([7, 30, 75, 300, 1000]),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_batch_agrees_with_exact_on_random_lots(qn: str, lot_size: int, seed: int) -> None:
    plan = nc.sampling_plan(lot_size)
    rng = np.random.default_rng(seed)
    t = float(nc.tolerable_deficiency(qn, "mass", "g").value)
    # readings on a 0.1 g grid around Qn, spread comparable to T so both verdicts and boundary hits occur
    offsets = np.round(rng.normal(0.3 * t, 0.8 * t, size=(20, plan.sample_size)), 1)
    lots = (float(qn) + offsets).round(1).tolist()
    _agree("mass", Decimal(qn), "g", lot_size, lots)


def test_batch_bad_input() -> None:
    for net, field in (
        ([[500.0] * 9], "net"),
        ([[500.0] * 9 + [-1.0]], "net"),
        ([[500.0] * 9 + [np.nan]], "net"),
    ):
        with pytest.raises(NetContentInputError) as info:
            nc.evaluate_batch(kind="mass", nominal=500, unit="g", lot_size=30, net=net)
        assert info.value.field == field
    with pytest.raises(NetContentInputError) as info:
        nc.evaluate_batch(kind="mass", nominal=500, unit="g", lot_size=30, net=[[500.0] * 10], net_unit="L")
    assert info.value.field == "net_unit"
    with pytest.raises(NetContentInputError):
        nc.evaluate_batch(kind="count", nominal=100, unit="个", lot_size=5, net=[[100, 100, 99.5, 100, 100]])
