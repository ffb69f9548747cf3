"""JSON documents of conformity decisions and global risks (``jiliang uncertainty conformity``,
POST /api/v1/uncertainty/conformity): validation and mapping onto :mod:`jiliang.core.conformity`.

A document holds a decision (``"rule"`` with its numbers), several decision points (``"points"``, the
top-level fields are their defaults; the overall verdict is the worst, see :func:`overall_verdict`),
global risks (``"risk"``: one case or a list of cases), or any of these together. See
``docs/uncertainty-model-format.md`` ("Conformity decisions and risks").

Decision rules: ``jjf1094`` (JJF 1094-2002), ``ilac_g8_simple`` / ``ilac_g8_guarded`` /
``ilac_g8_guarded_rejection`` / ``ilac_g8_non_binary`` (ILAC G8:09/2019, guarded rejection after
JCGM 106:2012) and ``jcgm106`` (probability of conformity only, JCGM 106:2012 §7).

Global risks (JCGM 106:2012 §9.5) take the process standard deviation (``process_sd``, or ``itp``: the
in-tolerance probability of a normal process centred in the tolerance) and the standard uncertainty of
the measurement (``test_sd``, or ``tur`` with a required ``tur_definition``: ``"z540"`` for
(T_U − T_L)/(2U) with U = 2·u, or ``"sigma_ratio"`` for σ_process/σ_test as in Deaver (2002) and the
NCSLI RP-19 tables). A guard band is given as ``guard_band`` (w), ``guard_band_factor`` (acceptance
limits at the centre ± factor × half-width, Deaver's GB), ``guard_band_method`` (rss, rp10, u95,
dobbert, from the Z540.3 TUR), ``target_pfa`` or explicit ``acceptance_limits``.

Every error is a :class:`ConformityDocumentError` whose ``field`` is the path of the offending field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from ._common import ConformityDecision, Verdict, overall_verdict
from .ilac_g8 import decide_ilac_g8, decide_ilac_g8_non_binary
from .jcgm106 import (
    global_risks,
    guard_band_factor,
    guard_band_for_target_pfa,
    probability_of_conformity,
    process_standard_deviation_from_itp,
)
from .jjf1094 import JJF1094_DEFAULT_RATIO, decide_jjf1094

__all__ = ["DECISION_RULES", "ConformityDocumentError", "evaluate_document"]

DECISION_RULES = (
    "jjf1094",
    "ilac_g8_simple",
    "ilac_g8_guarded",
    "ilac_g8_guarded_rejection",
    "ilac_g8_non_binary",
    "jcgm106",
)
_ILAC = {
    "ilac_g8_simple": "simple_acceptance",
    "ilac_g8_guarded": "guarded_acceptance",
    "ilac_g8_guarded_rejection": "guarded_rejection",
}
_DECISION_KEYS = frozenset(
    {
        "rule",
        "label",
        "error",
        "value",
        "mpev",
        "expanded_uncertainty",
        "standard_uncertainty",
        "k",
        "dof",
        "ratio_limit",
        "lower_limit",
        "upper_limit",
        "guard_band_factor",
        "unit",
    }
)
_TOP_KEYS = _DECISION_KEYS | {"title", "description", "reference", "points", "risk"}
_RISK_KEYS = frozenset(
    {
        "case",
        "process_mean",
        "process_sd",
        "itp",
        "test_sd",
        "tur",
        "tur_definition",
        "lower_limit",
        "upper_limit",
        "guard_band",
        "guard_band_factor",
        "guard_band_method",
        "target_pfa",
        "acceptance_limits",
        "measurement_bias",
    }
)
VERDICT_ZH = {
    Verdict.PASS: "合格",
    Verdict.CONDITIONAL_PASS: "有条件合格",
    Verdict.UNDETERMINED: "待定",
    Verdict.CONDITIONAL_FAIL: "有条件不合格",
    Verdict.FAIL: "不合格",
}


class ConformityDocumentError(ValueError):
    """A conformity document that cannot be evaluated; ``field`` is the path of the offending field."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


def _number(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConformityDocumentError(f"must be a number, got {value!r}", field=field)
    if not math.isfinite(float(value)):
        raise ConformityDocumentError(f"must be a finite number, got {value!r}", field=field)
    return float(value)


def _core_error(exc: ValueError, prefix: str, names: Mapping[str, str]) -> ConformityDocumentError:
    """A core ValueError ("mpev must be > 0 …") as a document error naming the document's field."""
    text = str(exc)
    field = prefix.rstrip(".") or "document"
    for m in re.finditer(r"[a-z_]+", text):
        if m.group(0) in names:
            field = prefix + names[m.group(0)]
            break
    return ConformityDocumentError(text, field=field)


def _decision_dict(d: ConformityDecision) -> dict[str, Any]:
    return {
        "verdict": d.verdict.value,
        "verdict_zh": VERDICT_ZH[d.verdict],
        "rule": d.rule,
        "clause": d.clause,
        "reason": d.reason,
        "measured": d.measured,
        "expanded_uncertainty": d.expanded_uncertainty,
        "limits": dict(d.limits),
        "binary": d.binary,
        "uncertainty_ratio": d.uncertainty_ratio,
        "ratio_limit": d.ratio_limit,
        "guard_band_factor": d.guard_band_factor,
        "source_status": d.source_status,
    }


def _ratio(value: object, field: str) -> Fraction | float:
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise ConformityDocumentError(
                f"must be a number or a fraction such as '1/3', got {value!r}", field=field
            ) from None
    return _number(value, field)


def _decide(spec: Mapping[str, Any], where: str) -> dict[str, Any]:
    """One decision point; ``where`` is the field prefix (``""`` or ``"points[2]."``)."""
    unknown = sorted(k for k in spec if k not in _DECISION_KEYS)
    if unknown:
        raise ConformityDocumentError(
            f"unknown field; allowed: {', '.join(sorted(_DECISION_KEYS))}", field=where + unknown[0]
        )
    rule = spec.get("rule")
    if rule not in DECISION_RULES:
        raise ConformityDocumentError(
            f"must be one of {', '.join(DECISION_RULES)}, got {rule!r}", field=where + "rule"
        )
    nums = {
        k: _number(spec[k], where + k)
        for k in (
            "error",
            "value",
            "mpev",
            "expanded_uncertainty",
            "standard_uncertainty",
            "k",
            "lower_limit",
            "upper_limit",
            "guard_band_factor",
        )
        if spec.get(k) is not None
    }
    dof = spec.get("dof")
    if dof is not None:
        dof = _number(dof, where + "dof")
        if dof <= 0:
            raise ConformityDocumentError(f"must be > 0, got {dof!r}", field=where + "dof")
    for key in ("expanded_uncertainty", "standard_uncertainty"):
        if key in nums and nums[key] < 0:
            raise ConformityDocumentError(f"must not be negative, got {nums[key]!r}", field=where + key)
    if "k" in nums and nums["k"] <= 0:
        raise ConformityDocumentError(f"must be > 0, got {nums['k']!r}", field=where + "k")
    out: dict[str, Any] = {"label": spec.get("label"), "unit": spec.get("unit")}
    decision: ConformityDecision | None = None
    lower: float | None
    upper: float | None
    names = {
        "error": "error",
        "mpev": "mpev",
        "expanded_uncertainty": "expanded_uncertainty",
        "ratio_limit": "ratio_limit",
        "measured_value": "value",
        "lower_limit": "lower_limit",
        "upper_limit": "upper_limit",
        "guard_band_factor": "guard_band_factor",
        "standard_uncertainty": "standard_uncertainty",
        "dof": "dof",
    }

    # the standard uncertainty: given, or U/k
    u_std = nums.get("standard_uncertainty")
    if u_std is None and "expanded_uncertainty" in nums and "k" in nums:
        u_std = nums["expanded_uncertainty"] / nums["k"]
    expanded = nums.get("expanded_uncertainty")
    if expanded is None and u_std is not None and "k" in nums:
        expanded = u_std * nums["k"]

    if rule == "jjf1094":
        measured_key = "error"
        if "error" not in nums:
            raise ConformityDocumentError(
                "is required for rule jjf1094 (indication error Δ)", field=where + "error"
            )
        for key in ("mpev", "expanded_uncertainty"):
            if key not in nums:
                raise ConformityDocumentError("is required for rule jjf1094", field=where + key)
        ratio = (
            _ratio(spec["ratio_limit"], where + "ratio_limit")
            if "ratio_limit" in spec
            else JJF1094_DEFAULT_RATIO
        )
        try:
            decision = decide_jjf1094(
                nums["error"], nums["mpev"], nums["expanded_uncertainty"], ratio_limit=ratio
            )
        except ValueError as exc:
            raise _core_error(exc, where, names) from exc
        lower, upper = -nums["mpev"], nums["mpev"]
    else:
        measured_key = "value" if "value" in nums else "error"
        if measured_key not in nums:
            raise ConformityDocumentError(f"is required for rule {rule}", field=where + "value")
        if "lower_limit" not in nums and "upper_limit" not in nums:
            if "mpev" in nums:  # an indication error against ±MPEV
                nums["lower_limit"], nums["upper_limit"] = -nums["mpev"], nums["mpev"]
            else:
                raise ConformityDocumentError(
                    "give lower_limit and/or upper_limit (or mpev)", field=where + "upper_limit"
                )
        lower, upper = nums.get("lower_limit"), nums.get("upper_limit")
        if rule != "jcgm106":
            if expanded is None:
                raise ConformityDocumentError(
                    f"is required for rule {rule}", field=where + "expanded_uncertainty"
                )
            factor = nums.get("guard_band_factor", 1)
            try:
                if rule == "ilac_g8_non_binary":
                    decision = decide_ilac_g8_non_binary(
                        nums[measured_key],
                        expanded,
                        lower_limit=lower,
                        upper_limit=upper,
                        guard_band_factor=factor,
                    )
                else:
                    decision = decide_ilac_g8(
                        nums[measured_key],
                        expanded,
                        lower_limit=lower,
                        upper_limit=upper,
                        rule=_ILAC[str(rule)],
                        guard_band_factor=factor,
                    )
            except ValueError as exc:
                names = {**names, "measured_value": measured_key}
                raise _core_error(exc, where, names) from exc
        elif u_std is None:
            raise ConformityDocumentError(
                "is required for rule jcgm106 (or expanded_uncertainty with k)",
                field=where + "standard_uncertainty",
            )
    if decision is not None:
        out.update(_decision_dict(decision))
    else:
        out.update(
            {
                "rule": "jcgm106_probability_of_conformity",
                "measured": nums[measured_key],
                "limits": {
                    k: v for k, v in (("tolerance_lower", lower), ("tolerance_upper", upper)) if v is not None
                },
            }
        )
    if u_std is not None:
        try:
            pc = probability_of_conformity(
                nums[measured_key], u_std, lower_limit=lower, upper_limit=upper, dof=dof
            )
        except ValueError as exc:
            raise _core_error(exc, where, {**names, "measured_value": measured_key}) from exc
        out["probability_of_conformity"] = {
            "probability": pc.probability,
            "specific_risk": pc.specific_risk,
            "probability_below_lower": pc.probability_below_lower,
            "probability_above_upper": pc.probability_above_upper,
            "standard_uncertainty": u_std,
            "distribution": pc.distribution,
            "dof": pc.dof if math.isfinite(pc.dof) else None,
            "clause": "JCGM 106:2012 §7 (clause number [U])",
        }
    return out


def _risk(spec: object, where: str) -> dict[str, Any]:
    if not isinstance(spec, Mapping):
        raise ConformityDocumentError("must be an object", field=where.rstrip("."))
    unknown = sorted(k for k in spec if k not in _RISK_KEYS)
    if unknown:
        raise ConformityDocumentError(
            f"unknown field; allowed: {', '.join(sorted(_RISK_KEYS))}", field=where + unknown[0]
        )
    nums = {
        k: _number(spec[k], where + k)
        for k in (
            "process_mean",
            "process_sd",
            "itp",
            "test_sd",
            "tur",
            "lower_limit",
            "upper_limit",
            "guard_band",
            "guard_band_factor",
            "target_pfa",
            "measurement_bias",
        )
        if spec.get(k) is not None
    }
    lower, upper = nums.get("lower_limit"), nums.get("upper_limit")
    if lower is None and upper is None:
        raise ConformityDocumentError("give lower_limit and/or upper_limit", field=where + "upper_limit")
    if lower is not None and upper is not None and not lower < upper:
        raise ConformityDocumentError(
            f"must be greater than lower_limit ({lower!r})", field=where + "upper_limit"
        )
    names = {
        "process_mean": "process_mean",
        "process_standard_deviation": "process_sd",
        "measurement_standard_uncertainty": "test_sd",
        "lower_limit": "lower_limit",
        "upper_limit": "upper_limit",
        "guard_band": "guard_band",
        "in_tolerance_probability": "itp",
        "target_pfa": "target_pfa",
        "measurement_bias": "measurement_bias",
        "tur": "tur",
        "lower_acceptance_limit": "acceptance_limits",
        "upper_acceptance_limit": "acceptance_limits",
    }
    # process distribution
    if ("process_sd" in nums) == ("itp" in nums):
        raise ConformityDocumentError("give exactly one of process_sd and itp", field=where + "process_sd")
    mean = nums.get("process_mean")
    try:
        if "itp" in nums:
            sigma_p = process_standard_deviation_from_itp(
                nums["itp"], lower_limit=lower, upper_limit=upper, process_mean=mean
            )
        else:
            sigma_p = nums["process_sd"]
            if sigma_p <= 0:
                raise ConformityDocumentError(f"must be > 0, got {sigma_p!r}", field=where + "process_sd")
    except ValueError as exc:
        if isinstance(exc, ConformityDocumentError):
            raise
        raise _core_error(exc, where, names) from exc
    if mean is None:
        if lower is None or upper is None:
            raise ConformityDocumentError(
                "is required for a one-sided tolerance", field=where + "process_mean"
            )
        mean = 0.5 * (lower + upper)
    # measurement
    if ("test_sd" in nums) == ("tur" in nums):
        raise ConformityDocumentError("give exactly one of test_sd and tur", field=where + "test_sd")
    if "tur" in nums:
        tur = nums["tur"]
        if tur <= 0:
            raise ConformityDocumentError(f"must be > 0, got {tur!r}", field=where + "tur")
        definition = spec.get("tur_definition")
        if definition == "sigma_ratio":
            u_m = sigma_p / tur
        elif definition == "z540":
            if lower is None or upper is None:
                raise ConformityDocumentError("the z540 TUR needs two tolerance limits", field=where + "tur")
            u_m = (upper - lower) / (4.0 * tur)
        else:
            raise ConformityDocumentError(
                "is required with tur: 'z540' ((T_U − T_L)/(2U), U = 2u) or 'sigma_ratio' (σ_process/σ_test, "
                f"Deaver and NCSLI RP-19); got {definition!r}",
                field=where + "tur_definition",
            )
    else:
        if spec.get("tur_definition") is not None:
            raise ConformityDocumentError("is only used with tur", field=where + "tur_definition")
        u_m = nums["test_sd"]
        if u_m <= 0:
            raise ConformityDocumentError(f"must be > 0, got {u_m!r}", field=where + "test_sd")
    tur_z540 = (upper - lower) / (4.0 * u_m) if lower is not None and upper is not None else None
    # acceptance limits
    given = [
        k
        for k in ("guard_band", "guard_band_factor", "guard_band_method", "target_pfa", "acceptance_limits")
        if spec.get(k) is not None
    ]
    if len(given) > 1:
        raise ConformityDocumentError(
            f"give at most one of guard_band, guard_band_factor, guard_band_method, "
            f"target_pfa, acceptance_limits (got {', '.join(given)})",
            field=where + given[1],
        )
    bias = nums.get("measurement_bias", 0.0)
    w = 0.0
    acc_lo: float | None = None
    acc_hi: float | None = None
    try:
        if "guard_band" in nums:
            w = nums["guard_band"]
        elif "guard_band_factor" in nums or spec.get("guard_band_method") is not None:
            if lower is None or upper is None:
                raise ConformityDocumentError(
                    "a guard-band factor needs two tolerance limits", field=where + given[0]
                )
            if "guard_band_factor" in nums:
                factor = nums["guard_band_factor"]
            else:
                assert tur_z540 is not None
                try:
                    factor = guard_band_factor(str(spec["guard_band_method"]), tur_z540)
                except ValueError as exc:
                    raise ConformityDocumentError(str(exc), field=where + "guard_band_method") from exc
            w = 0.5 * (upper - lower) * (1.0 - factor)
        elif "target_pfa" in nums:
            w = guard_band_for_target_pfa(
                nums["target_pfa"],
                process_mean=mean,
                process_standard_deviation=sigma_p,
                measurement_standard_uncertainty=u_m,
                lower_limit=lower,
                upper_limit=upper,
                measurement_bias=bias,
            )
        elif spec.get("acceptance_limits") is not None:
            acc = spec["acceptance_limits"]
            if not isinstance(acc, list) or len(acc) != 2:
                raise ConformityDocumentError(
                    "must be [lower, upper] (null for a missing side)", field=where + "acceptance_limits"
                )
            acc_lo = None if acc[0] is None else _number(acc[0], where + "acceptance_limits[0]")
            acc_hi = None if acc[1] is None else _number(acc[1], where + "acceptance_limits[1]")
        r = global_risks(
            process_mean=mean,
            process_standard_deviation=sigma_p,
            measurement_standard_uncertainty=u_m,
            lower_limit=lower,
            upper_limit=upper,
            guard_band=w,
            lower_acceptance_limit=acc_lo,
            upper_acceptance_limit=acc_hi,
            measurement_bias=bias,
        )
    except ConformityDocumentError:
        raise
    except ValueError as exc:
        raise _core_error(exc, where, names) from exc

    def fin(x: float) -> float | None:
        return x if math.isfinite(x) else None

    return {
        "case": spec.get("case"),
        "process_mean": mean,
        "process_standard_deviation": sigma_p,
        "measurement_standard_uncertainty": u_m,
        "tur_z540": tur_z540,
        "process_test_ratio": sigma_p / u_m,
        "tolerance_lower": fin(r.tolerance_lower),
        "tolerance_upper": fin(r.tolerance_upper),
        "guard_band": w,
        "acceptance_lower": fin(r.acceptance_lower),
        "acceptance_upper": fin(r.acceptance_upper),
        "probability_false_accept": r.probability_false_accept,
        "probability_false_reject": r.probability_false_reject,
        "conditional_probability_false_accept": r.conditional_probability_false_accept,
        "probability_accept": r.probability_accept,
        "probability_conforming": r.probability_conforming,
        "clause": "JCGM 106:2012 §9.5 global consumer's and producer's risks (clause number [U])",
    }


def evaluate_document(
    document: object, *, max_points: int = 1_000, max_risk_cases: int = 100
) -> dict[str, Any]:
    """Evaluate a conformity document: decisions (``rule`` or ``points``) and/or global risks (``risk``).

    Returns a strict-JSON mapping with ``decision`` (one decision), ``points`` and ``overall_verdict``
    (several), and ``risk`` (an object, or a list when the document gives a list of cases).

    Raises:
        ConformityDocumentError: naming the offending field; nothing is evaluated.
    """
    if not isinstance(document, Mapping):
        raise ConformityDocumentError("the conformity document must be a JSON object", field="document")
    unknown = sorted(str(k) for k in document if k not in _TOP_KEYS)
    if unknown:
        raise ConformityDocumentError(
            f"unknown field; allowed: {', '.join(sorted(_TOP_KEYS))}", field=unknown[0]
        )
    for key in ("title", "unit", "label"):
        if document.get(key) is not None and not isinstance(document[key], str):
            raise ConformityDocumentError("must be a string", field=key)
    has_points = "points" in document
    has_rule = "rule" in document
    has_risk = "risk" in document
    if not (has_points or has_rule or has_risk):
        raise ConformityDocumentError("give a decision ('rule'), decision 'points' or 'risk'", field="rule")
    out: dict[str, Any] = {"title": document.get("title")}
    defaults = {k: v for k, v in document.items() if k in _DECISION_KEYS}
    if has_points:
        pts = document["points"]
        if not isinstance(pts, list) or not pts:
            raise ConformityDocumentError("must be a non-empty list of decision points", field="points")
        if len(pts) > max_points:
            raise ConformityDocumentError(f"at most {max_points} points, got {len(pts)}", field="points")
        results = []
        for i, p in enumerate(pts):
            if not isinstance(p, Mapping):
                raise ConformityDocumentError("must be an object", field=f"points[{i}]")
            results.append(_decide({**defaults, **p}, f"points[{i}]."))
        out["points"] = results
        verdicts = [Verdict(r["verdict"]) for r in results if "verdict" in r]
        if verdicts:
            worst = overall_verdict(verdicts)
            out["overall_verdict"] = worst.value
            out["overall_verdict_zh"] = VERDICT_ZH[worst]
    elif has_rule:
        out["decision"] = _decide(defaults, "")
    elif defaults:
        raise ConformityDocumentError("decision fields need a 'rule'", field="rule")
    if has_risk:
        risk = document["risk"]
        if isinstance(risk, list):
            if not risk or len(risk) > max_risk_cases:
                raise ConformityDocumentError(f"must hold 1 to {max_risk_cases} cases", field="risk")
            out["risk"] = [_risk(c, f"risk[{i}].") for i, c in enumerate(risk)]
        else:
            out["risk"] = _risk(risk, "risk.")
    return out
