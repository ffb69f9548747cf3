"""Decision rules of ILAC G8:09/2019 (Guidelines on Decision Rules and Statements of Conformity).

A measured value ``y`` with expanded uncertainty ``U`` (normally k = 2, about 95 %) is judged against a
tolerance interval [TL, TU] (either limit may be absent: one-sided tolerance). The guard band is
``w = r·U`` with a configurable factor ``r`` (ILAC G8 uses r = 1, that is w = U):

* simple acceptance (w = 0): accept when TL ≤ y ≤ TU ("shared risk");
* guarded acceptance (binary statement with guard band): accept when TL + w ≤ y ≤ TU − w;
  lowers the consumer's risk (probability of false accept);
* guarded rejection: accept when TL − w ≤ y ≤ TU + w; lowers the producer's risk;
* non-binary statement with guard band: pass (TL + w ≤ y ≤ TU − w), conditional pass (inside the
  tolerance but within w of a limit), conditional fail (outside the tolerance by at most w), fail.

ILAC G8:09/2019 §4.2.1 (binary, simple acceptance, w = 0), §4.2.2 (binary with guard band,
A_L = T_L − w in its upper-limit wording) and §4.2.3 (non-binary with guard band) were checked against a
public reproduction of the guideline's pages 9–10. ILAC G8 §4.2.2 describes only the guard band that
narrows the acceptance interval; "guarded rejection" (a widened acceptance interval) is the JCGM 106:2012
term, offered here for symmetry. Where the guideline's intervals share an end point (T_U belongs to both
[T_U − w, T_U] and [T_U, T_U + w]) a value on a tolerance limit is taken as inside the tolerance, and a
value on an acceptance limit as accepted. Comparisons are exact on the decimal values as written.
"""

from __future__ import annotations

from enum import StrEnum
from fractions import Fraction

from ._common import (
    ConformityDecision,
    Number,
    Verdict,
    check_finite,
    check_limits,
    check_non_negative,
    exact,
    frozen_mapping,
)

__all__ = ["DecisionRule", "decide_ilac_g8", "decide_ilac_g8_non_binary"]

_SOURCE_STATUS = (
    "ILAC G8:09/2019 §4.2.1–4.2.3 checked against a public reproduction of the guideline; "
    "guarded rejection after JCGM 106:2012 (clause number [U])"
)


class DecisionRule(StrEnum):
    """Binary decision rules of ILAC G8:09/2019."""

    SIMPLE_ACCEPTANCE = "simple_acceptance"
    GUARDED_ACCEPTANCE = "guarded_acceptance"
    GUARDED_REJECTION = "guarded_rejection"


_CLAUSES = {
    DecisionRule.SIMPLE_ACCEPTANCE: "ILAC G8:09/2019 §4.2.1 (binary statement, simple acceptance, w = 0)",
    DecisionRule.GUARDED_ACCEPTANCE: "ILAC G8:09/2019 §4.2.2 (binary statement with guard band: guarded acceptance)",
    DecisionRule.GUARDED_REJECTION: "JCGM 106:2012 guarded rejection (binary statement, acceptance limit T + w)",
}
_CLAUSE_NON_BINARY = "ILAC G8:09/2019 §4.2.3 (non-binary statement with guard band)"


def _inside(y: Fraction, lower: Fraction | None, upper: Fraction | None) -> bool:
    return (lower is None or y >= lower) and (upper is None or y <= upper)


def _common_checks(
    measured_value: Number,
    expanded_uncertainty: Number,
    lower_limit: Number | None,
    upper_limit: Number | None,
    guard_band_factor: Number,
) -> None:
    check_finite("measured_value", measured_value)
    check_non_negative("expanded_uncertainty", expanded_uncertainty)
    check_limits(lower_limit, upper_limit, lower_name="lower_limit", upper_name="upper_limit")
    check_non_negative("guard_band_factor", guard_band_factor)


def _tolerance_limits(lower: Fraction | None, upper: Fraction | None) -> dict[str, float]:
    out: dict[str, float] = {}
    if lower is not None:
        out["tolerance_lower"] = float(lower)
    if upper is not None:
        out["tolerance_upper"] = float(upper)
    return out


def decide_ilac_g8(
    measured_value: Number,
    expanded_uncertainty: Number,
    *,
    lower_limit: Number | None = None,
    upper_limit: Number | None = None,
    rule: DecisionRule | str = DecisionRule.SIMPLE_ACCEPTANCE,
    guard_band_factor: Number = 1,
) -> ConformityDecision:
    """Binary statement of conformity under an ILAC G8 decision rule.

    Args:
        measured_value: the measured value y (or error), in the unit of the limits.
        expanded_uncertainty: U of y, ≥ 0.
        lower_limit, upper_limit: tolerance limits TL < TU; one may be None (one-sided tolerance).
        rule: simple acceptance, guarded acceptance or guarded rejection.
        guard_band_factor: r in w = r·U for the guarded rules (ignored, and recorded as 0, for simple
            acceptance).

    Returns:
        A :class:`ConformityDecision` with verdict PASS or FAIL; ``limits`` holds the tolerance limits,
        ``guard_band`` (w) and the acceptance limits ``acceptance_lower`` / ``acceptance_upper``.
    """
    _common_checks(measured_value, expanded_uncertainty, lower_limit, upper_limit, guard_band_factor)
    try:
        rule = DecisionRule(rule)
    except ValueError:
        raise ValueError(
            f"rule must be one of {', '.join(r.value for r in DecisionRule)}, got {rule!r}"
        ) from None
    y = exact(measured_value)
    u = exact(expanded_uncertainty)
    r = Fraction(0) if rule is DecisionRule.SIMPLE_ACCEPTANCE else exact(guard_band_factor)
    w = r * u
    lower = None if lower_limit is None else exact(lower_limit)
    upper = None if upper_limit is None else exact(upper_limit)
    sign = -1 if rule is DecisionRule.GUARDED_REJECTION else 1
    acc_lower = None if lower is None else lower + sign * w
    acc_upper = None if upper is None else upper - sign * w

    accepted = _inside(y, acc_lower, acc_upper)
    limits = _tolerance_limits(lower, upper)
    limits["guard_band"] = float(w)
    if acc_lower is not None:
        limits["acceptance_lower"] = float(acc_lower)
    if acc_upper is not None:
        limits["acceptance_upper"] = float(acc_upper)
    return ConformityDecision(
        verdict=Verdict.PASS if accepted else Verdict.FAIL,
        rule=f"ilac_g8_{rule.value}",
        clause=_CLAUSES[rule],
        reason="inside_acceptance_interval" if accepted else "outside_acceptance_interval",
        measured=float(measured_value),
        expanded_uncertainty=float(expanded_uncertainty),
        limits=frozen_mapping(limits),
        binary=True,
        guard_band_factor=float(r),
        source_status=_SOURCE_STATUS,
    )


def decide_ilac_g8_non_binary(
    measured_value: Number,
    expanded_uncertainty: Number,
    *,
    lower_limit: Number | None = None,
    upper_limit: Number | None = None,
    guard_band_factor: Number = 1,
) -> ConformityDecision:
    """Non-binary statement with guard band w = r·U (ILAC G8:09/2019): pass, conditional pass,
    conditional fail or fail.

    * pass: TL + w ≤ y ≤ TU − w;
    * conditional pass: TL ≤ y ≤ TU but not pass;
    * conditional fail: TL − w ≤ y ≤ TU + w but outside the tolerance;
    * fail: otherwise.
    """
    _common_checks(measured_value, expanded_uncertainty, lower_limit, upper_limit, guard_band_factor)
    y = exact(measured_value)
    u = exact(expanded_uncertainty)
    r = exact(guard_band_factor)
    w = r * u
    lower = None if lower_limit is None else exact(lower_limit)
    upper = None if upper_limit is None else exact(upper_limit)

    def shifted(delta: Fraction) -> tuple[Fraction | None, Fraction | None]:
        return (None if lower is None else lower + delta, None if upper is None else upper - delta)

    if _inside(y, *shifted(w)):
        verdict, reason = Verdict.PASS, "inside_acceptance_interval"
    elif _inside(y, lower, upper):
        verdict, reason = Verdict.CONDITIONAL_PASS, "inside_tolerance_within_guard_band"
    elif _inside(y, *shifted(-w)):
        verdict, reason = Verdict.CONDITIONAL_FAIL, "outside_tolerance_within_guard_band"
    else:
        verdict, reason = Verdict.FAIL, "outside_tolerance_beyond_guard_band"

    limits = _tolerance_limits(lower, upper)
    limits["guard_band"] = float(w)
    return ConformityDecision(
        verdict=verdict,
        rule="ilac_g8_non_binary_guard_band",
        clause=_CLAUSE_NON_BINARY,
        reason=reason,
        measured=float(measured_value),
        expanded_uncertainty=float(expanded_uncertainty),
        limits=frozen_mapping(limits),
        binary=False,
        guard_band_factor=float(r),
        source_status=_SOURCE_STATUS,
    )
