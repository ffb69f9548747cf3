"""The credit-score rules (data) and the pure score/grade/risk-weight functions.

No national formula for an honest-metrology credit score is known to this project: the rules in
``data/rules.json`` are this platform's own policy and carry ``source_status = "local policy (unverified)"``.
They are not a regulation, and every page that shows a score says so.

Score (rules version ``jiliang-credit-2026.1``)::

    score = clamp(base + sum over rules r of capped(sum of points of the records of r that count today), 0, 100)

* a record counts on day ``as_of`` when ``event_on <= as_of`` and, for a rule with ``window_days``,
  ``(as_of - event_on).days < window_days``;
* ``capped`` limits a rule's sum to its ``cap`` (a deduction cap is negative, a bonus cap positive);
* grade: A when score >= 90, B >= 75, C >= 60, otherwise D;
* risk weight for random selection: ``w = 1 + (100 - score) / 10`` (1 at 100, 2 at the base 90, 11 at 0).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class CreditRule:
    rule_id: str
    source: str
    points: float
    basis: str
    basis_zh: str = ""
    window_days: int | None = None
    cap: float | None = None
    severity: str | None = None
    source_status: str = "local policy (unverified)"


@dataclass(frozen=True)
class RuleSet:
    version: str
    source: str
    source_status: str
    base_rule_id: str
    base_points: float
    base_basis: str
    base_basis_zh: str
    source_zh: str
    risk_weight_basis_zh: str
    score_min: float
    score_max: float
    grades: tuple[tuple[str, float], ...]  # (grade, min score), best first
    risk_weight_formula: str
    risk_weight_basis: str
    rules: tuple[CreditRule, ...]

    def rule(self, rule_id: str) -> CreditRule:
        for r in self.rules:
            if r.rule_id == rule_id:
                return r
        raise KeyError(rule_id)

    def rule_for(self, source: str, severity: str | None = None) -> CreditRule | None:
        for r in self.rules:
            if r.source == source and (r.severity is None or r.severity == severity):
                return r
        return None


@dataclass(frozen=True)
class RecordIn:
    """What the score needs of a credit record."""

    rule_id: str
    event_on: dt.date
    points: float


@dataclass(frozen=True)
class RuleTotal:
    rule_id: str
    counted: int
    raw_points: float
    points: float  # after the cap


@dataclass(frozen=True)
class ScoreResult:
    score: float
    grade: str
    risk_weight: float
    base: float
    totals: tuple[RuleTotal, ...]
    counted: frozenset[int]  # indexes of the records that count


@lru_cache(maxsize=1)
def ruleset() -> RuleSet:
    raw: dict[str, Any] = json.loads(
        resources.files("jiliang.credit").joinpath("data/rules.json").read_text(encoding="utf-8")
    )
    status = str(raw["source_status"])
    return RuleSet(
        version=str(raw["version"]),
        source=str(raw["source"]),
        source_status=status,
        base_rule_id=str(raw["base"]["rule_id"]),
        base_points=float(raw["base"]["points"]),
        base_basis=str(raw["base"]["basis"]),
        base_basis_zh=str(raw["base"].get("basis_zh", "")),
        source_zh=str(raw.get("source_zh", "")),
        risk_weight_basis_zh=str(raw["risk_weight"].get("basis_zh", "")),
        score_min=float(raw["score_min"]),
        score_max=float(raw["score_max"]),
        grades=tuple((str(g["grade"]), float(g["min_score"])) for g in raw["grades"]),
        risk_weight_formula=str(raw["risk_weight"]["formula"]),
        risk_weight_basis=str(raw["risk_weight"]["basis"]),
        rules=tuple(
            CreditRule(
                rule_id=str(r["rule_id"]),
                source=str(r["source"]),
                points=float(r["points"]),
                basis=str(r["basis"]),
                basis_zh=str(r.get("basis_zh", "")),
                window_days=None if r.get("window_days") is None else int(r["window_days"]),
                cap=None if r.get("cap") is None else float(r["cap"]),
                severity=r.get("severity"),
                source_status=status,
            )
            for r in raw["rules"]
        ),
    )


def grade_of(score: float, rules: RuleSet | None = None) -> str:
    rs = rules or ruleset()
    for grade, low in rs.grades:
        if score >= low:
            return grade
    return rs.grades[-1][0]


def risk_weight_of(score: float) -> float:
    """``w = 1 + (100 - score) / 10``, score clamped to [0, 100] first (so 1 <= w <= 11)."""
    s = min(100.0, max(0.0, float(score)))
    return 1.0 + (100.0 - s) / 10.0


def counts_on(rule: CreditRule, event_on: dt.date, as_of: dt.date) -> bool:
    if event_on > as_of:
        return False
    return rule.window_days is None or (as_of - event_on).days < rule.window_days


def compute_score(records: Iterable[RecordIn], as_of: dt.date, rules: RuleSet | None = None) -> ScoreResult:
    """The score of one enterprise on ``as_of`` from its credit records (see the module docstring)."""
    rs = rules or ruleset()
    sums: dict[str, float] = {}
    ns: dict[str, int] = {}
    counted: set[int] = set()
    for i, rec in enumerate(records):
        try:
            rule = rs.rule(rec.rule_id)
        except KeyError:
            continue
        if not counts_on(rule, rec.event_on, as_of):
            continue
        counted.add(i)
        sums[rule.rule_id] = sums.get(rule.rule_id, 0.0) + rec.points
        ns[rule.rule_id] = ns.get(rule.rule_id, 0) + 1
    totals: list[RuleTotal] = []
    for rule in rs.rules:
        if rule.rule_id not in sums:
            continue
        raw = sums[rule.rule_id]
        capped = raw
        if rule.cap is not None:
            capped = max(raw, rule.cap) if rule.cap < 0 else min(raw, rule.cap)
        totals.append(RuleTotal(rule.rule_id, ns[rule.rule_id], raw, capped))
    score = rs.base_points + sum(t.points for t in totals)
    score = min(rs.score_max, max(rs.score_min, score))
    return ScoreResult(
        score=score,
        grade=grade_of(score, rs),
        risk_weight=risk_weight_of(score),
        base=rs.base_points,
        totals=tuple(totals),
        counted=frozenset(counted),
    )
