"""On-site checklists of inspection campaigns: the templates (data) and the evaluation of recorded rows.

The templates are ``data/checklists.json`` (loaded through importlib.resources). Every MPE carries its source
and ``source_status`` from the project's research notes; where the notes give no MPE (market scales) the
template says so and the inspector enters the MPE with its source for every scale.

The conformity of an indication error with the MPE is :func:`jiliang.core.conformity.decide_jjf1094`
(JJF 1094-2002), the worst-of rule over a row is :func:`jiliang.core.conformity.overall_verdict`. The
indication errors are the definitions of the test methods: relative error of a fuel dispenser against a
standard metal can, E = (V_dispenser − V_standard)/V_standard × 100 % (JJG 443); error of a scale against
test weights, E = indication − test load (JJG 539).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from jiliang.core.conformity import Verdict, decide_jjf1094, overall_verdict

#: which template an entity of a campaign type is inspected with (instrument rows), plus generic items
TYPE_TEMPLATE = {
    "fuel_station": "fuel_dispenser",
    "market": "market_scale",
    "prepackaged_goods": "prepackaged_goods",
    "unit_usage": "unit_usage",
    "verification_institution": "verification_institution",
}


@cache
def catalogue() -> dict[str, Any]:
    """The checklist templates document (version, note, templates)."""
    text = resources.files("jiliang.campaigns").joinpath("data/checklists.json").read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


def template(code: str) -> dict[str, Any]:
    for t in catalogue()["templates"]:
        if t["code"] == code:
            return dict(t)
    raise KeyError(code)


def generic_items_for(campaign_type: str) -> list[dict[str, Any]]:
    """The generic items asked in a campaign of this type (its own template's, and the shared ones)."""
    out: list[dict[str, Any]] = []
    for t in catalogue()["templates"]:
        if t["kind"] == "generic" and campaign_type in t["campaign_types"]:
            out += [
                {**item, "template": t["code"], "source_status": t.get("source_status", "")}
                for item in t["items"]
            ]
    return out


@dataclass
class EvaluatedRow:
    """One checklist row with its error, MPE and verdict (what is stored as a ``CampaignCheckItem``)."""

    template_code: str
    subject: str
    data: dict[str, Any]
    verdict: str
    reasons: list[str] = field(default_factory=list)
    error: float | None = None
    error_unit: str = ""
    mpe: float | None = None
    mpe_source: str = ""
    mpe_source_status: str = ""
    rule: str = ""
    categories: list[str] = field(default_factory=list)


def _flags(tpl: dict[str, Any], row: dict[str, Any]) -> tuple[list[Verdict], list[str], list[str]]:
    verdicts: list[Verdict] = []
    reasons: list[str] = []
    categories: list[str] = []
    for check in tpl["checks"]:
        value = bool(row[check["code"]])
        if value == check["fail_when"]:
            verdicts.append(Verdict.FAIL)
            reasons.append(check["code"] + ("" if check["fail_when"] else "_failed"))
            categories.append(check["category"])
        else:
            verdicts.append(Verdict.PASS)
    return verdicts, reasons, categories


def evaluate_nozzle(row: dict[str, Any]) -> EvaluatedRow:
    """A fuel dispenser nozzle: relative error vs the MPE of JJG 443 (JJF 1094 decision), seals, tampering."""
    tpl = template("fuel_dispenser")
    mpe = tpl["mpe"]
    v_std = float(row["standard_volume"])
    v_disp = float(row["dispenser_volume"])
    error = (v_disp - v_std) / v_std * 100.0
    decision = decide_jjf1094(round(error, 6), mpe["value"], float(row.get("expanded_uncertainty") or 0.0))
    verdicts, reasons, categories = _flags(tpl, row)
    if decision.verdict is not Verdict.PASS:
        reasons.insert(0, decision.reason)
        if decision.verdict is Verdict.FAIL:
            categories.insert(0, "error_exceeds_mpe")
    return EvaluatedRow(
        template_code=tpl["code"],
        subject=str(row["subject"]),
        data=dict(row),
        verdict=str(overall_verdict([decision.verdict, *verdicts])),
        reasons=reasons,
        error=round(error, 6),
        error_unit="%",
        mpe=float(mpe["value"]),
        mpe_source=mpe["source"],
        mpe_source_status=f"{mpe['source_status']}; decision: {decision.clause} ({decision.source_status})",
        rule=decision.rule,
        categories=categories,
    )


def evaluate_scale(row: dict[str, Any]) -> EvaluatedRow:
    """A market scale: indication error at a test load vs the MPE the inspector entered (JJF 1094 decision)."""
    tpl = template("market_scale")
    error = float(row["indication"]) - float(row["test_load"])
    decision = decide_jjf1094(
        round(error, 9), float(row["mpe"]), float(row.get("expanded_uncertainty") or 0.0)
    )
    verdicts, reasons, categories = _flags(tpl, row)
    if decision.verdict is not Verdict.PASS:
        reasons.insert(0, decision.reason)
        if decision.verdict is Verdict.FAIL:
            categories.insert(0, "error_exceeds_mpe")
    return EvaluatedRow(
        template_code=tpl["code"],
        subject=str(row["subject"]),
        data=dict(row),
        verdict=str(overall_verdict([decision.verdict, *verdicts])),
        reasons=reasons,
        error=round(error, 9),
        error_unit="kg",
        mpe=float(row["mpe"]),
        mpe_source=f"entered by the inspector: {row['mpe_source']}",
        mpe_source_status=f"{tpl['mpe']['source_status']}; decision: {decision.clause} ({decision.source_status})",
        rule=decision.rule,
        categories=categories,
    )


def evaluate_item(row: dict[str, Any], known: dict[str, dict[str, Any]]) -> EvaluatedRow:
    item = known[row["code"]]
    result = row["result"]
    return EvaluatedRow(
        template_code=item["template"],
        subject=row["code"],
        data=dict(row),
        verdict=result,
        reasons=[row["code"] + "_failed"] if result == "fail" else [],
        mpe_source_status=item.get("source_status", ""),
        rule="checklist_item",
    )


def overall(rows: list[EvaluatedRow], finding_severities: list[str]) -> str:
    """The task's result: fail if a row fails or a major/serious finding stands; undetermined if a row is;
    else pass (minor findings alone do not fail an inspection)."""
    verdicts = [Verdict(r.verdict) for r in rows if r.verdict != "not_applicable"]
    if any(s in ("major", "serious") for s in finding_severities):
        verdicts.append(Verdict.FAIL)
    if not verdicts:
        return "pass"
    v = overall_verdict(verdicts)
    return "fail" if v is Verdict.FAIL else ("undetermined" if v is not Verdict.PASS else "pass")
