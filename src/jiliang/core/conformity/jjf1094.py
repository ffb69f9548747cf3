"""Conformity of an indication error with the maximum permissible error: JJF 1094-2002.

JJF 1094-2002 《测量仪器特性评定》 (in force 2003-02-04), evaluation of conformity of the indication
error Δ of a measuring instrument with its maximum permissible error, MPEV = |MPE|:

* U95 ≤ MPEV/3 (the one-third criterion): the uncertainty is not taken into account
  (simple acceptance): |Δ| ≤ MPEV → pass (合格), |Δ| > MPEV → fail (不合格).
* U95 > MPEV/3: |Δ| ≤ MPEV − U95 → pass; |Δ| ≥ MPEV + U95 → fail;
  MPEV − U95 < |Δ| < MPEV + U95 → undetermined (待定区: re-measure with a better method or agree
  with the parties).

The rule is transcribed in the project's research notes (legal-metrology-cn.md §4.1, source [S32],
third-party reproduction of the standard). That the expanded uncertainty U with k = 2 may be used in
place of U95 is marked [U] there. The rule sits in §5.1 (示值误差, indication error) of the standard
according to its public table of contents; the sub-clause number is not verified.
All comparisons are exact on the decimal values as written (see :func:`exact`).
"""

from __future__ import annotations

from fractions import Fraction

from ._common import (
    ConformityDecision,
    Number,
    Verdict,
    check_finite,
    check_non_negative,
    check_positive,
    exact,
    frozen_mapping,
    ratio_text,
)

__all__ = ["JJF1094_DEFAULT_RATIO", "decide_jjf1094"]

#: the one-third criterion of JJF 1094-2002
JJF1094_DEFAULT_RATIO = Fraction(1, 3)

_CLAUSE_SIMPLE = "JJF 1094-2002 §5.1 indication error, conformity (U95 ≤ MPEV/3: uncertainty not considered)"
_CLAUSE_ZONES = (
    "JJF 1094-2002 §5.1 indication error, conformity (U95 > MPEV/3: pass, fail and undetermined zones)"
)
_SOURCE_STATUS = (
    "rule [S32] via research legal-metrology-cn.md §4.1 (third-party reproduction), fail at |Δ| ≥ MPEV + U95 "
    "confirmed by a second public reproduction; §5.1 (indication error) from the standard's public table of "
    "contents, sub-clause not verified; U(k=2) in place of U95 [U]"
)


def decide_jjf1094(
    error: Number,
    mpev: Number,
    expanded_uncertainty: Number,
    *,
    ratio_limit: Number = JJF1094_DEFAULT_RATIO,
) -> ConformityDecision:
    """Decide whether an indication error conforms to the MPE (JJF 1094-2002).

    Args:
        error: indication error Δ (measured minus reference), in the unit of the MPE.
        mpev: absolute value of the maximum permissible error, MPEV > 0.
        expanded_uncertainty: U95 of the error (or U with k = 2, [U]), ≥ 0.
        ratio_limit: the criterion U95/MPEV ≤ ratio_limit below which the uncertainty is not
            considered; 1/3 in JJF 1094. Give a :class:`fractions.Fraction` for exact thirds.

    Returns:
        A :class:`ConformityDecision` whose ``rule`` is ``"jjf1094_simple_acceptance"`` or
        ``"jjf1094_uncertainty_zones"``, with ``limits`` ``mpev`` and, for the zones,
        ``pass_limit`` (MPEV − U95) and ``fail_limit`` (MPEV + U95).

    Raises:
        ValueError: naming ``error``, ``mpev``, ``expanded_uncertainty`` or ``ratio_limit``.
    """
    check_finite("error", error)
    check_positive("mpev", mpev)
    check_non_negative("expanded_uncertainty", expanded_uncertainty)
    check_positive("ratio_limit", ratio_limit)

    e = abs(exact(error))
    m = exact(mpev)
    u = exact(expanded_uncertainty)
    r = exact(ratio_limit)
    ratio = u / m

    if ratio <= r:
        verdict = Verdict.PASS if e <= m else Verdict.FAIL
        return ConformityDecision(
            verdict=verdict,
            rule="jjf1094_simple_acceptance",
            clause=_CLAUSE_SIMPLE,
            reason="within_mpe" if verdict is Verdict.PASS else "exceeds_mpe",
            measured=float(error),
            expanded_uncertainty=float(expanded_uncertainty),
            limits=frozen_mapping({"mpev": float(m)}),
            binary=True,
            uncertainty_ratio=float(ratio),
            ratio_limit=ratio_text(r),
            source_status=_SOURCE_STATUS,
        )

    pass_limit = m - u
    fail_limit = m + u
    if e <= pass_limit:
        verdict, reason = Verdict.PASS, "within_mpe_minus_u"
    elif e >= fail_limit:
        verdict, reason = Verdict.FAIL, "beyond_mpe_plus_u"
    else:
        verdict, reason = Verdict.UNDETERMINED, "in_undetermined_zone"
    return ConformityDecision(
        verdict=verdict,
        rule="jjf1094_uncertainty_zones",
        clause=_CLAUSE_ZONES,
        reason=reason,
        measured=float(error),
        expanded_uncertainty=float(expanded_uncertainty),
        limits=frozen_mapping(
            {"mpev": float(m), "pass_limit": float(pass_limit), "fail_limit": float(fail_limit)}
        ),
        binary=False,
        uncertainty_ratio=float(ratio),
        ratio_limit=ratio_text(r),
        source_status=_SOURCE_STATUS,
    )
