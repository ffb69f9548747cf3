"""Sampling plan by lot size (2005 Measures 附表4 = JJF 1070-2005; OIML R 87 rows for comparison).

The plan gives the sample size n, the correction factor λ of the mean criterion
(q̄ ≥ Qn − λ·s, λ = t₀.₉₉₅(n−1)/√n *as published*: 0.848 is pinned for n = 13 although the
formula gives 0.8472), and the acceptance numbers: the number of packages with T < d ≤ 2T
allowed in the sample, and the number with d > 2T allowed (always 0). Lots of 1–10 packages are
inspected entirely and the mean criterion is not applied.

Plans are versioned data (``plan_version``): ``"JJF1070-2005"`` (sourced [S10]) is the default;
``"OIML-R87"`` holds the R 87 rows for lots of 100 or more, which are unverified ([U]) and carry
that status in every result. The JJF 1070-2023 table was not found and is not encoded.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jiliang.core.netcontent._tables import sampling_plan_table, to_decimal
from jiliang.core.netcontent.errors import NetContentInputError

DEFAULT_PLAN_VERSION = "JJF1070-2005"


@dataclass(frozen=True)
class PlanRow:
    """One stored row of a sampling plan."""

    plan_version: str
    lot_size_printed: str
    lot_min: int
    lot_max: int | None
    sample_size: int | None  # None: the whole lot ("all")
    correction_factor: Decimal | None  # None: no mean criterion
    acceptance_number_t1: int
    acceptance_number_t2: int
    source: str
    source_status: str


@dataclass(frozen=True)
class SamplingPlan:
    """The plan that applies to one lot."""

    plan_version: str
    lot_size: int
    sample_size: int
    correction_factor: Decimal | None
    acceptance_number_t1: int
    acceptance_number_t2: int
    row: PlanRow
    acceptance_rules_source_status: str

    @property
    def mean_criterion_applies(self) -> bool:
        return self.correction_factor is not None

    @property
    def source(self) -> str:
        return self.row.source

    @property
    def source_status(self) -> str:
        return self.row.source_status


def plan_versions() -> tuple[str, ...]:
    """Stored plan versions."""
    return tuple(sampling_plan_table()["plans"])


def _row(version: str, raw: dict[str, Any]) -> PlanRow:
    size = raw["sample_size"]
    lam = to_decimal(raw["correction_factor"])
    return PlanRow(
        plan_version=version,
        lot_size_printed=str(raw["lot_size_printed"]),
        lot_min=int(raw["lot_min"]),
        lot_max=None if raw["lot_max"] is None else int(raw["lot_max"]),
        sample_size=None if size == "all" else int(size),
        correction_factor=lam,
        acceptance_number_t1=int(raw["acceptance_number_t1"]),
        acceptance_number_t2=int(raw["acceptance_number_t2"]),
        source=str(raw["source"]),
        source_status=str(raw["source_status"]),
    )


def plan_rows(plan_version: str = DEFAULT_PLAN_VERSION) -> tuple[PlanRow, ...]:
    """The stored rows of one plan version, in table order."""
    plans = sampling_plan_table()["plans"]
    if plan_version not in plans:
        raise NetContentInputError("plan_version", f"must be one of {', '.join(plans)}, got {plan_version!r}")
    return tuple(_row(plan_version, raw) for raw in plans[plan_version]["rows"])


def sampling_plan(lot_size: int, *, plan_version: str = DEFAULT_PLAN_VERSION) -> SamplingPlan:
    """Sampling plan for a lot of ``lot_size`` packages (2005 Measures 附表4 / JJF 1070-2005).

    Raises :class:`NetContentInputError` (field ``lot_size``) for a lot size that is not a
    positive integer or that the chosen plan does not cover.
    """
    if isinstance(lot_size, bool) or not isinstance(lot_size, int):
        raise NetContentInputError("lot_size", f"must be a whole number, got {lot_size!r}")
    if lot_size < 1:
        raise NetContentInputError("lot_size", f"must be at least 1, got {lot_size}")
    rows = plan_rows(plan_version)
    for row in rows:
        if lot_size >= row.lot_min and (row.lot_max is None or lot_size <= row.lot_max):
            plans = sampling_plan_table()["plans"]
            return SamplingPlan(
                plan_version=plan_version,
                lot_size=lot_size,
                sample_size=lot_size if row.sample_size is None else row.sample_size,
                correction_factor=row.correction_factor,
                acceptance_number_t1=row.acceptance_number_t1,
                acceptance_number_t2=row.acceptance_number_t2,
                row=row,
                acceptance_rules_source_status=str(plans[plan_version]["acceptance_rules_source_status"]),
            )
    raise NetContentInputError(
        "lot_size", f"{lot_size} is not covered by plan {plan_version} (smallest lot {rows[0].lot_min})"
    )
