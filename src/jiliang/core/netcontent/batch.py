"""Vectorised lot verdicts for many lots of the same product (numpy, float64).

Same rule as :func:`jiliang.core.netcontent.evaluate_lot` (2005 Measures 第九条, JJF 1070-2005
附表4), for an array of shape (lots, n) of actual contents sharing kind, nominal quantity, lot size
and plan. Use it for statistics, simulation and benchmarks; the exact decimal evaluator remains
the reference for an individual inspection record.

Exactness: the limits Qn − T and Qn − 2T are computed exactly in decimal, converted to the unit of
the readings and only then to float64, and the readings are compared with them directly, so a
package short by exactly T or exactly 2T is classified as by the exact evaluator (distinct decimal
values with fewer than 15 significant digits never collapse onto the same double). The mean
criterion works on the differences q − Qn (exact in floating point by Sterbenz's lemma for
q within [Qn/2, 2·Qn]), so a sample with every package exactly at Qn passes; elsewhere it can
differ from the exact evaluator only when q̄ lies within about 1e-12 (relative) of Qn − λ·s.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from jiliang.core.netcontent._numbers import Number
from jiliang.core.netcontent.errors import NetContentInputError
from jiliang.core.netcontent.sampling import DEFAULT_PLAN_VERSION, SamplingPlan, sampling_plan
from jiliang.core.netcontent.tolerable_deficiency import (
    RoundingMode,
    TolerableDeficiency,
    tolerable_deficiency,
)
from jiliang.core.netcontent.units import QuantityKind, factor_to_base, is_unit_of


@dataclass(frozen=True)
class BatchEvaluation:
    """Per-lot results (arrays of length ``lots``); ``mean`` and ``standard_deviation`` in the reading unit."""

    plan: SamplingPlan
    tolerable_deficiency: TolerableDeficiency
    reading_unit: str
    passed: npt.NDArray[np.bool_]
    individual_passed: npt.NDArray[np.bool_]
    mean_passed: npt.NDArray[np.bool_] | None
    count_t1: npt.NDArray[np.int64]
    count_t2: npt.NDArray[np.int64]
    mean: npt.NDArray[np.float64]
    standard_deviation: npt.NDArray[np.float64]

    @property
    def count_short_beyond_t(self) -> npt.NDArray[np.int64]:
        return self.count_t1 + self.count_t2


def evaluate_batch(
    *,
    kind: QuantityKind,
    nominal: Number,
    unit: str,
    lot_size: int,
    net: npt.ArrayLike,
    net_unit: str | None = None,
    plan_version: str = DEFAULT_PLAN_VERSION,
    rounding: RoundingMode = "half_up",
) -> BatchEvaluation:
    """Evaluate many lots at once: ``net`` has shape (lots, n) with n the plan's sample size.

    Raises :class:`NetContentInputError` for the same bad inputs as the exact evaluator (field
    ``net`` for a wrong shape, negative or non-finite readings).
    """
    t = tolerable_deficiency(nominal, kind, unit, rounding=rounding)
    plan = sampling_plan(lot_size, plan_version=plan_version)
    reading_unit = unit if net_unit is None else net_unit
    if not is_unit_of(reading_unit, kind):
        raise NetContentInputError("net_unit", f"{reading_unit!r} is not a unit of {kind}")
    try:
        q = np.asarray(net, dtype=np.float64)
    except (TypeError, ValueError):
        raise NetContentInputError("net", "expected a 2-D array of numbers (lots × sample size)") from None
    if q.ndim != 2 or q.shape[1] != plan.sample_size:
        raise NetContentInputError(
            "net",
            f"expected shape (lots, {plan.sample_size}) for a lot of {plan.lot_size} "
            f"(plan {plan.plan_version}), got {q.shape}",
        )
    if not np.all(np.isfinite(q)):
        raise NetContentInputError("net", "readings must be finite numbers")
    if np.any(q < 0):
        raise NetContentInputError("net", "a reading cannot be negative")
    if kind == "count" and np.any(q != np.round(q)):
        raise NetContentInputError("net", "a count must be a whole number")

    factor = factor_to_base(reading_unit, kind)
    qn_r: Decimal = t.nominal / factor
    limit_t1 = float((t.nominal - t.value) / factor)
    limit_t2 = float((t.nominal - 2 * t.value) / factor)

    t2 = q < limit_t2
    t1 = (q < limit_t1) & ~t2
    count_t1 = t1.sum(axis=1, dtype=np.int64)
    count_t2 = t2.sum(axis=1, dtype=np.int64)
    individual = (count_t1 <= plan.acceptance_number_t1) & (count_t2 <= plan.acceptance_number_t2)

    e = q - float(qn_r)
    mean_e = e.mean(axis=1)
    n = plan.sample_size
    sd = e.std(axis=1, ddof=1) if n > 1 else np.zeros(q.shape[0])
    mean_passed: npt.NDArray[np.bool_] | None
    if plan.correction_factor is None:
        mean_passed = None
        passed = individual
    else:
        mean_passed = mean_e >= -float(plan.correction_factor) * sd
        passed = individual & mean_passed
    return BatchEvaluation(
        plan=plan,
        tolerable_deficiency=t,
        reading_unit=reading_unit,
        passed=passed,
        individual_passed=individual,
        mean_passed=mean_passed,
        count_t1=count_t1,
        count_t2=count_t2,
        mean=mean_e + float(qn_r),
        standard_deviation=sd,
    )
