"""Shared types and input checks of :mod:`jiliang.core.conformity`."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType

Number = float | int | Fraction


class Verdict(StrEnum):
    """Outcome of a conformity decision.

    ``PASS`` / ``FAIL`` are the binary statements; ``CONDITIONAL_PASS`` / ``CONDITIONAL_FAIL`` are the
    extra outcomes of an ILAC G8 non-binary statement; ``UNDETERMINED`` is the JJF 1094 待定区.
    """

    PASS = "pass"
    CONDITIONAL_PASS = "conditional_pass"
    UNDETERMINED = "undetermined"
    CONDITIONAL_FAIL = "conditional_fail"
    FAIL = "fail"


_SEVERITY = {
    Verdict.PASS: 0,
    Verdict.CONDITIONAL_PASS: 1,
    Verdict.UNDETERMINED: 2,
    Verdict.CONDITIONAL_FAIL: 3,
    Verdict.FAIL: 4,
}


def overall_verdict(verdicts: Iterable[Verdict]) -> Verdict:
    """The verdict of an instrument judged at several points: the worst of the point verdicts.

    All points must pass for the instrument to pass (JJF 1094 practice for multi-point instruments;
    source status [U] in the research notes); one failing point fails it; otherwise an undetermined
    or conditional point makes the whole undetermined or conditional.
    """
    items = list(verdicts)
    if not items:
        raise ValueError("verdicts must not be empty")
    return max(items, key=lambda v: _SEVERITY[Verdict(v)])


@dataclass(frozen=True)
class ConformityDecision:
    """A conformity decision with everything needed to explain and audit it.

    ``reason`` is a stable English reason code (for example ``"within_mpe"``); user interfaces
    translate it. ``limits`` holds the limits that were actually used (for example ``mpev``,
    ``pass_limit``, ``fail_limit``, ``acceptance_upper``), in the unit of the measured quantity.
    """

    verdict: Verdict
    rule: str
    clause: str
    reason: str
    measured: float
    expanded_uncertainty: float
    limits: Mapping[str, float]
    binary: bool
    #: U/MPEV (JJF 1094) or None when the rule has no such ratio
    uncertainty_ratio: float | None = None
    #: the configured ratio criterion as text, for example "1/3" (JJF 1094) or None
    ratio_limit: str | None = None
    #: guard band factor r in w = r·U (ILAC G8), or None
    guard_band_factor: float | None = None
    #: provenance of the rule and clause numbers ([S#] sourced, [U] unverified)
    source_status: str = ""

    @property
    def passed(self) -> bool:
        """True for ``PASS`` (not for ``CONDITIONAL_PASS``)."""
        return self.verdict is Verdict.PASS


def frozen_mapping(values: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(values))


def check_finite(name: str, value: Number) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(float(value)):
        raise ValueError(f"{name} must be a finite number, got {value!r}")


def check_non_negative(name: str, value: Number) -> None:
    check_finite(name, value)
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value!r}")


def check_positive(name: str, value: Number) -> None:
    check_finite(name, value)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")


def exact(value: Number) -> Fraction:
    """The decimal value as written (shortest repr of a float), as an exact fraction.

    Decisions compare limits exactly so that inputs such as ``0.1`` and ``0.3`` behave as the
    decimal numbers a user typed (``0.3 - 0.1 == 0.2``), never as their binary approximations.
    """
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    return Fraction(Decimal(repr(float(value))))


def ratio_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}" if value.denominator != 1 else str(value.numerator)


def check_limits(lower: Number | None, upper: Number | None, *, lower_name: str, upper_name: str) -> None:
    if lower is None and upper is None:
        raise ValueError(f"at least one of {lower_name} and {upper_name} must be given")
    if lower is not None:
        check_finite(lower_name, lower)
    if upper is not None:
        check_finite(upper_name, upper)
    if lower is not None and upper is not None and not exact(lower) < exact(upper):
        raise ValueError(f"{lower_name} ({lower!r}) must be less than {upper_name} ({upper!r})")
