"""Due dates of mandatory verification (强制检定) from a catalogue rule and an instrument's dates.

Rules (SAMR announcement 2020 No. 42, item 四, as summarised in
``shared/research/mandatory-verification-catalogue.md`` §1.2): mandatory verification takes one of
two forms, chosen by the instrument's construction and conditions of use:

* **first verification only** (只做首次强制检定), either

  - *scrapped when inaccurate* (失准报废) -> ``first_only_scrap``: after the first verification no
    further verification falls due;
  - *fixed service life, then replacement* (限期使用，到期轮换) -> ``first_only_fixed_life``: the
    instrument must be replaced when its service life, counted from the passed first verification
    (JJG 162-2019 for water meters, as reported in the research file), ends;

* **periodic verification** (周期检定) -> ``periodic``: the next verification falls due one period
  after the last one. The period itself comes from the JJG regulation (item 五); this module takes it
  as data.

``none`` marks catalogue rows without verification in use (for example type approval only).

Date conventions (ours; the regulations do not fix the calendar arithmetic):

* Adding months keeps the day of the month and clamps it to the last day of the target month
  (2024-01-31 + 1 month = 2024-02-29; 2023-02-28 + 12 months = 2024-02-28). This is the
  ``dateutil.relativedelta`` convention.
* The due date is the last day on which the instrument is still within its period: verified on
  2024-03-15 with a 12-month period, it is due on 2025-03-15 and **overdue from 2025-03-16**
  (:func:`is_overdue` is ``today > due``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "VERIFICATION_FORMS",
    "CatalogueRule",
    "DueEvent",
    "DueKind",
    "VerificationForm",
    "add_months",
    "add_months_array",
    "due_event",
    "is_overdue",
    "next_due_date",
    "next_due_dates_array",
    "recall_date",
    "replacement_due_date",
]

VerificationForm = Literal["periodic", "first_only_scrap", "first_only_fixed_life", "none"]
VERIFICATION_FORMS: Final[tuple[str, ...]] = ("periodic", "first_only_scrap", "first_only_fixed_life", "none")

DueKind = Literal["verification", "replacement", "first_verification", "none", "unknown_period"]


@dataclass(frozen=True, slots=True)
class CatalogueRule:
    """The due-date part of a catalogue row.

    ``period_months`` is required in practice for ``periodic`` and ``service_life_months`` for
    ``first_only_fixed_life``; a catalogue row whose period is not established carries ``None`` and
    :func:`due_event` reports ``unknown_period`` instead of inventing one.
    """

    verification_form: VerificationForm
    period_months: int | None = None
    service_life_months: int | None = None

    def __post_init__(self) -> None:
        if self.verification_form not in VERIFICATION_FORMS:
            raise ValueError(
                f"verification_form must be one of {', '.join(VERIFICATION_FORMS)}, got {self.verification_form!r}"
            )
        for name in ("period_months", "service_life_months"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
                raise ValueError(f"{name} must be a positive whole number of months, got {value!r}")


@dataclass(frozen=True, slots=True)
class DueEvent:
    """What falls due next, and when.

    ``kind``: ``verification`` (periodic verification due on ``due``), ``replacement`` (end of the
    service life on ``due``), ``first_verification`` (never verified: must be verified before use;
    ``due`` is None), ``none`` (nothing falls due), ``unknown_period`` (periodic or fixed-life rule
    whose period/life is not established; ``due`` is None).
    """

    kind: DueKind
    due: dt.date | None


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus a whole number of months, clamping the day to the end of the target month."""
    if isinstance(day, dt.datetime):
        day = day.date()
    total = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(total, 12)
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise OverflowError(f"{day} + {months} months is outside the supported date range")
    month = month0 + 1
    if month == 12:
        last = 31
    else:
        last = (dt.date(year, month + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def due_event(
    rule: CatalogueRule,
    *,
    last_verification: dt.date | None,
    first_verification: dt.date | None = None,
) -> DueEvent:
    """The next due event of an instrument under ``rule``.

    ``first_verification`` is the date of the passed first verification (or commissioning, if that
    is what the register holds); ``last_verification`` the date of the latest passed verification.
    For ``periodic`` the base is ``last_verification`` (falling back to ``first_verification``); for
    ``first_only_fixed_life`` the service life counts from ``first_verification`` (falling back to
    ``last_verification``, which for a first-only instrument is the same verification).
    """
    if (
        last_verification is not None
        and first_verification is not None
        and last_verification < first_verification
    ):
        raise ValueError(
            f"last verification {last_verification} is earlier than first verification {first_verification}"
        )
    form = rule.verification_form
    if form == "none":
        return DueEvent("none", None)
    if last_verification is None and first_verification is None:
        return DueEvent("first_verification", None)
    if form == "first_only_scrap":
        return DueEvent("none", None)
    if form == "periodic":
        if rule.period_months is None:
            return DueEvent("unknown_period", None)
        base = last_verification if last_verification is not None else first_verification
        assert base is not None
        return DueEvent("verification", add_months(base, rule.period_months))
    # first_only_fixed_life
    if rule.service_life_months is None:
        return DueEvent("unknown_period", None)
    start = first_verification if first_verification is not None else last_verification
    assert start is not None
    return DueEvent("replacement", add_months(start, rule.service_life_months))


def next_due_date(
    rule: CatalogueRule,
    *,
    last_verification: dt.date | None,
    first_verification: dt.date | None = None,
) -> dt.date | None:
    """Next periodic-verification due date, or None when no verification falls due on a known date.

    None for ``first_only_scrap`` after the first verification, for ``none``, for a never-verified
    instrument (see :func:`due_event`, kind ``first_verification``), for an unknown period, and for
    ``first_only_fixed_life`` (use :func:`replacement_due_date`).
    """
    event = due_event(rule, last_verification=last_verification, first_verification=first_verification)
    return event.due if event.kind == "verification" else None


def replacement_due_date(rule: CatalogueRule, *, first_verification: dt.date | None) -> dt.date | None:
    """End of the service life of a ``first_only_fixed_life`` instrument (None for other forms)."""
    if rule.verification_form != "first_only_fixed_life" or first_verification is None:
        return None
    if rule.service_life_months is None:
        return None
    return add_months(first_verification, rule.service_life_months)


def is_overdue(due: dt.date | None, today: dt.date) -> bool:
    """True when ``today`` is after the due date (the due date itself is still in time)."""
    return due is not None and today > due


def recall_date(due: dt.date, days_before: int) -> dt.date:
    """The day on which a recall notice is issued: ``days_before`` days before ``due``."""
    if isinstance(days_before, bool) or not isinstance(days_before, int) or days_before < 0:
        raise ValueError(f"days_before must be a non-negative whole number, got {days_before!r}")
    return due - dt.timedelta(days=days_before)


# ---------------------------------------------------------------------------------------------------
# vectorised variants (numpy datetime64[D])
# ---------------------------------------------------------------------------------------------------


def add_months_array(
    days: npt.NDArray[np.datetime64], months: int | npt.NDArray[np.integer]
) -> npt.NDArray[np.datetime64]:
    """Vectorised :func:`add_months` over ``datetime64[D]`` values; NaT stays NaT."""
    d = np.asarray(days).astype("datetime64[D]")
    month_start = d.astype("datetime64[M]")
    day_index = (d - month_start.astype("datetime64[D]")).astype(np.int64)  # 0-based day of month
    target = month_start + np.asarray(months).astype("timedelta64[M]")
    target_start = target.astype("datetime64[D]")
    month_length = ((target + np.timedelta64(1, "M")).astype("datetime64[D]") - target_start).astype(np.int64)
    result = target_start + np.minimum(day_index, month_length - 1).astype("timedelta64[D]")
    result = np.where(np.isnat(d), np.datetime64("NaT", "D"), result)
    return result.astype("datetime64[D]")


def next_due_dates_array(
    last_verification: npt.NDArray[np.datetime64],
    period_months: int | npt.NDArray[np.integer],
) -> npt.NDArray[np.datetime64]:
    """Vectorised periodic due dates: ``last_verification + period_months`` with end-of-month clamping."""
    periods = np.asarray(period_months)
    if np.any(periods <= 0):
        raise ValueError("period_months must be positive")
    return add_months_array(last_verification, periods)
