"""Reporting of measurement results (JJF 1059.1-2012 §5.3, GUM 7.2).

* The uncertainty is given to at most two significant digits (JJF 1059.1 §5.3.7; GUM 7.2.6).
* The result is rounded to the same decimal place as the uncertainty.
* Rounding follows GB/T 8170 (round half to even, “四舍六入五凑偶”) by default; ``rule="up"`` rounds
  the uncertainty up instead (JJF 1059.1 allows rounding up so the uncertainty is not understated).
* :func:`format_result` writes “y = …, U = …, k = …” in English or Chinese.

Rounding works on the shortest decimal representation of the float (``repr``), so
``round_result(0.125, ...)`` sees 0.125, not the binary approximation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_UP, Decimal
from typing import Any, Literal

from jiliang.core.uncertainty.errors import ModelError

RoundingRule = Literal["half_even", "up"]


@dataclass(frozen=True)
class RoundedResult:
    """A result and its uncertainty rounded for the certificate."""

    value: str
    uncertainty: str
    exponent: int

    @property
    def value_float(self) -> float:
        """The rounded value as a float."""
        return float(self.value)

    @property
    def uncertainty_float(self) -> float:
        """The rounded uncertainty as a float."""
        return float(self.uncertainty)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (strings keep trailing zeros)."""
        return {"value": self.value, "uncertainty": self.uncertainty, "decimal_exponent": self.exponent}


def _dec(x: float) -> Decimal:
    return Decimal(repr(float(x)))


def _rounding(rule: RoundingRule) -> str:
    if rule == "half_even":
        return ROUND_HALF_EVEN
    if rule == "up":
        return ROUND_UP
    raise ModelError(f"rounding rule must be 'half_even' or 'up', got {rule!r}", field="rounding")


def round_uncertainty(u: float, significant_digits: int = 2, rule: RoundingRule = "half_even") -> tuple[str, int]:
    """Round an uncertainty to ``significant_digits`` significant digits.

    Returns the digits as a string and the decimal exponent of the last kept digit
    (e.g. ``(“0.0093”, -4)``).
    """
    if not isinstance(significant_digits, int) or significant_digits < 1:
        raise ModelError("significant_digits must be an integer ≥ 1", field="significant_digits")
    if not math.isfinite(u) or u < 0:
        raise ModelError(f"uncertainty must be finite and ≥ 0, got {u!r}", field="u")
    mode = _rounding(rule)
    if u == 0:
        return "0", 0
    d = _dec(u)
    exp = d.adjusted() - significant_digits + 1
    r = d.quantize(Decimal(1).scaleb(exp), rounding=mode)
    if r.adjusted() - exp + 1 > significant_digits:  # 0.0996 → 0.100: keep two digits
        exp += 1
        r = r.quantize(Decimal(1).scaleb(exp), rounding=mode)
    return _fmt(r, exp), exp


def _fmt(d: Decimal, exp: int) -> str:
    if exp >= 0:
        return format(d.quantize(Decimal(1)), "f")
    return format(d, "f")


def round_result(
    value: float,
    uncertainty: float,
    significant_digits: int = 2,
    rule: RoundingRule = "half_even",
) -> RoundedResult:
    """Round ``uncertainty`` to at most ``significant_digits`` digits and ``value`` to the same place."""
    if not math.isfinite(value):
        raise ModelError(f"value must be finite, got {value!r}", field="value")
    u_str, exp = round_uncertainty(uncertainty, significant_digits, rule)
    if uncertainty == 0:
        return RoundedResult(value=repr(float(value)), uncertainty="0", exponent=0)
    v = _dec(value).quantize(Decimal(1).scaleb(exp), rounding=ROUND_HALF_EVEN)
    return RoundedResult(value=_fmt(v, exp), uncertainty=u_str, exponent=exp)


def format_result(
    name: str,
    value: float,
    expanded_uncertainty: float,
    coverage_factor: float,
    *,
    unit: str | None = None,
    coverage_probability: float | None = None,
    effective_dof: float | None = None,
    language: Literal["en", "zh"] = "en",
    significant_digits: int = 2,
    rule: RoundingRule = "half_even",
) -> str:
    """Result statement in the JJF 1059.1 §5.3 form.

    ``"l = 50.000838 mm, U = 0.000093 mm, k = 2.92"``; with ``coverage_probability`` and a finite
    ``effective_dof``: ``"…, U99 = 0.000093 mm, k = 2.92, ν_eff = 16"``.  ``language="zh"`` uses
    Chinese punctuation (“，”).
    """
    if language not in ("en", "zh"):
        raise ModelError("language must be 'en' or 'zh'", field="language")
    r = round_result(value, expanded_uncertainty, significant_digits, rule)
    sep = ", " if language == "en" else "，"
    unit_s = f" {unit}" if unit else ""
    u_name = "U"
    if coverage_probability is not None and effective_dof is not None and math.isfinite(effective_dof):
        u_name = f"U{round(coverage_probability * 100):d}"
    parts = [f"{name} = {r.value}{unit_s}", f"{u_name} = {r.uncertainty}{unit_s}", f"k = {coverage_factor:.3g}"]
    if u_name != "U" and effective_dof is not None:
        parts.append(f"ν_eff = {math.floor(effective_dof + 1e-9):d}")
    text = sep.join(parts)
    return text if language == "en" else text + "。"
