"""Tests of jiliang.core.duedates (2020 No. 42 item 四 forms; calendar conventions of the module)."""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jiliang.core.duedates import (
    CatalogueRule,
    DueEvent,
    add_months,
    add_months_array,
    due_event,
    is_overdue,
    next_due_date,
    next_due_dates_array,
    recall_date,
    replacement_due_date,
)

D = dt.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # leap February
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),
        (D(2023, 2, 28), 12, D(2024, 2, 28)),  # the day is kept, not moved to the new month end
        (D(2024, 3, 15), 12, D(2025, 3, 15)),
        (D(2024, 8, 31), 6, D(2025, 2, 28)),
        (D(2024, 12, 31), 1, D(2025, 1, 31)),
        (D(2024, 3, 31), -1, D(2024, 2, 29)),
        (D(2019, 7, 1), 72, D(2025, 7, 1)),
    ],
)
def test_add_months_end_of_month_clamping(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected


_dates = st.dates(min_value=D(1950, 1, 1), max_value=D(2200, 12, 31))


@settings(max_examples=500, deadline=None)
@given(day=_dates, months=st.integers(-240, 240))
def test_add_months_properties(day: dt.date, months: int) -> None:
    out = add_months(day, months)
    assert (out.year * 12 + out.month) - (day.year * 12 + day.month) == months
    last = calendar.monthrange(out.year, out.month)[1]
    assert out.day == min(day.day, last)


@settings(max_examples=300, deadline=None)
@given(a=_dates, b=_dates, months=st.integers(1, 240))
def test_add_months_is_monotonic(a: dt.date, b: dt.date, months: int) -> None:
    lo, hi = sorted((a, b))
    assert add_months(lo, months) <= add_months(hi, months)


def test_periodic_rule() -> None:
    rule = CatalogueRule("periodic", period_months=12)
    assert next_due_date(rule, last_verification=D(2024, 3, 15)) == D(2025, 3, 15)
    # the base is the last verification, not the first
    assert next_due_date(rule, last_verification=D(2025, 3, 10), first_verification=D(2020, 1, 1)) == D(
        2026, 3, 10
    )
    # only a first verification known: it is the last one too
    assert next_due_date(rule, last_verification=None, first_verification=D(2024, 1, 31)) == D(2025, 1, 31)
    fuel = CatalogueRule("periodic", period_months=6)
    assert next_due_date(fuel, last_verification=D(2024, 8, 31)) == D(2025, 2, 28)


def test_fixed_life_rule() -> None:
    water = CatalogueRule("first_only_fixed_life", service_life_months=72)
    event = due_event(water, last_verification=D(2019, 7, 1), first_verification=D(2019, 7, 1))
    assert event == DueEvent("replacement", D(2025, 7, 1))
    assert replacement_due_date(water, first_verification=D(2019, 7, 1)) == D(2025, 7, 1)
    # no further verification falls due for a first-only instrument
    assert next_due_date(water, last_verification=D(2019, 7, 1), first_verification=D(2019, 7, 1)) is None
    # the life counts from the first verification
    assert due_event(water, last_verification=D(2021, 1, 1), first_verification=D(2019, 7, 1)).due == D(
        2025, 7, 1
    )
    assert (
        replacement_due_date(CatalogueRule("periodic", period_months=12), first_verification=D(2020, 1, 1))
        is None
    )


def test_first_only_scrap_and_none() -> None:
    scrap = CatalogueRule("first_only_scrap")
    assert due_event(scrap, last_verification=D(2024, 1, 1)) == DueEvent("none", None)
    assert next_due_date(scrap, last_verification=D(2024, 1, 1)) is None
    assert due_event(scrap, last_verification=None) == DueEvent("first_verification", None)
    assert due_event(CatalogueRule("none"), last_verification=None) == DueEvent("none", None)


def test_never_verified_and_unknown_period() -> None:
    periodic = CatalogueRule("periodic", period_months=12)
    assert due_event(periodic, last_verification=None) == DueEvent("first_verification", None)
    unknown = CatalogueRule("periodic")
    assert due_event(unknown, last_verification=D(2024, 1, 1)) == DueEvent("unknown_period", None)
    assert next_due_date(unknown, last_verification=D(2024, 1, 1)) is None
    unknown_life = CatalogueRule("first_only_fixed_life")
    assert due_event(unknown_life, last_verification=D(2024, 1, 1)).kind == "unknown_period"


def test_inconsistent_dates_rejected() -> None:
    with pytest.raises(ValueError, match="earlier than first verification"):
        due_event(
            CatalogueRule("periodic", period_months=12),
            last_verification=D(2020, 1, 1),
            first_verification=D(2021, 1, 1),
        )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"verification_form": "yearly"},
        {"verification_form": "periodic", "period_months": 0},
        {"verification_form": "periodic", "period_months": -6},
        {"verification_form": "periodic", "period_months": 1.5},
        {"verification_form": "periodic", "period_months": True},
        {"verification_form": "first_only_fixed_life", "service_life_months": 0},
    ],
)
def test_rule_validation(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        CatalogueRule(**kwargs)  # type: ignore[arg-type]


def test_overdue_and_recall() -> None:
    due = D(2025, 3, 15)
    assert not is_overdue(due, D(2025, 3, 15))  # the due date itself is in time
    assert is_overdue(due, D(2025, 3, 16))
    assert not is_overdue(None, D(2030, 1, 1))
    assert recall_date(due, 30) == D(2025, 2, 13)
    assert recall_date(due, 0) == due
    with pytest.raises(ValueError):
        recall_date(due, -1)


@settings(max_examples=300, deadline=None)
@given(last=_dates, period=st.integers(1, 120), today=_dates, days=st.integers(0, 365))
def test_periodic_properties(last: dt.date, period: int, today: dt.date, days: int) -> None:
    rule = CatalogueRule("periodic", period_months=period)
    due = next_due_date(rule, last_verification=last)
    assert due is not None
    assert due > last
    # a verification on the due date keeps the next one at least one period later
    assert next_due_date(rule, last_verification=due) == add_months(due, period)
    assert is_overdue(due, today) == (today > due)
    notice = recall_date(due, days)
    assert (due - notice).days == days
    assert not is_overdue(due, notice)


@settings(max_examples=200, deadline=None)
@given(
    days=st.lists(st.one_of(_dates, st.none()), min_size=0, max_size=40),
    months=st.integers(-60, 240),
)
def test_vectorised_matches_scalar(days: list[dt.date | None], months: int) -> None:
    arr = np.array(
        [np.datetime64(d, "D") if d is not None else np.datetime64("NaT", "D") for d in days], "datetime64[D]"
    )
    out = add_months_array(arr, months)
    assert out.dtype == np.dtype("datetime64[D]")
    for d, o in zip(days, out.tolist(), strict=True):
        assert o == (add_months(d, months) if d is not None else None)


def test_vectorised_per_row_periods() -> None:
    last = np.array(["2024-01-31", "2024-08-31", "NaT", "2023-02-28"], dtype="datetime64[D]")
    periods = np.array([1, 6, 12, 12])
    out = next_due_dates_array(last, periods)
    assert out.astype(str).tolist() == ["2024-02-29", "2025-02-28", "NaT", "2024-02-28"]
    with pytest.raises(ValueError):
        next_due_dates_array(last, np.array([1, 0, 1, 1]))
