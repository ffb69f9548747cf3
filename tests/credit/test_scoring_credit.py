"""Issue 7 part 3: the credit score, grade and risk weight by hand-computed examples (pure functions)."""

from __future__ import annotations

import datetime as dt

import pytest

from jiliang.credit.scoring import RecordIn, compute_score, grade_of, risk_weight_of, ruleset

AS_OF = dt.date(2026, 11, 27)


def rec(rule_id: str, days_ago: int, points: float) -> RecordIn:
    return RecordIn(rule_id, AS_OF - dt.timedelta(days=days_ago), points)


def test_no_records_is_the_base_score() -> None:
    r = compute_score([], AS_OF)
    assert (r.score, r.grade, r.risk_weight) == (90.0, "A", 2.0)
    assert r.totals == ()


def test_deductions_add_up() -> None:
    # 90 - 5 - 5 - 2 = 78 -> B; w = 1 + 22/10 = 3.2
    r = compute_score([rec("CR-VF", 1, -5), rec("CR-VF", 300, -5), rec("CR-OD", 20, -2)], AS_OF)
    assert r.score == 78.0 and r.grade == "B"
    assert r.risk_weight == pytest.approx(3.2)
    assert {t.rule_id: (t.counted, t.points) for t in r.totals} == {"CR-VF": (2, -10.0), "CR-OD": (1, -2.0)}


def test_caps() -> None:
    # 12 overdue: -24 capped at -20; 7 failed: -35 capped at -30 -> 40, D, w = 7
    records = [rec("CR-OD", 5, -2)] * 12 + [rec("CR-VF", 5, -5)] * 7
    r = compute_score(records, AS_OF)
    assert r.score == 40.0 and r.grade == "D" and r.risk_weight == pytest.approx(7.0)
    totals = {t.rule_id: t for t in r.totals}
    assert totals["CR-OD"].raw_points == -24 and totals["CR-OD"].points == -20
    assert totals["CR-VF"].raw_points == -35 and totals["CR-VF"].points == -30


def test_window_boundary() -> None:
    # CR-VF counts for 730 days: 729 days ago counts, 730 days ago does not
    assert compute_score([rec("CR-VF", 729, -5)], AS_OF).score == 85.0
    r = compute_score([rec("CR-VF", 730, -5)], AS_OF)
    assert r.score == 90.0 and r.counted == frozenset()
    # an event after the day of the score does not count
    assert compute_score([RecordIn("CR-VF", AS_OF + dt.timedelta(days=1), -5)], AS_OF).score == 90.0
    # overdue instruments have no window: 3000 days still counts
    assert compute_score([rec("CR-OD", 3000, -2)], AS_OF).score == 88.0


def test_positive_factors_capped_and_clamped() -> None:
    # two commitments: +10 capped at +5; model unit +10 -> 105 clamped to 100 -> A, w = 1
    r = compute_score([rec("CR-CM", 3, 5), rec("CR-CM", 2, 5), rec("CR-MU", 1, 10)], AS_OF)
    assert r.score == 100.0 and r.grade == "A" and r.risk_weight == 1.0
    assert {t.rule_id: t.points for t in r.totals} == {"CR-CM": 5.0, "CR-MU": 10.0}


def test_findings_and_netcontent() -> None:
    # serious -25, major -10, minor -3, net content -10 -> 42 -> D, w = 6.8
    r = compute_score(
        [
            rec("CR-CF-SERIOUS", 10, -25),
            rec("CR-CF-MAJOR", 10, -10),
            rec("CR-CF-MINOR", 10, -3),
            rec("CR-NC", 50, -10),
        ],
        AS_OF,
    )
    assert r.score == 42.0 and r.grade == "D" and r.risk_weight == pytest.approx(6.8)


def test_score_never_below_zero() -> None:
    r = compute_score([rec("CR-CF-SERIOUS", 1, -25)] * 5, AS_OF)
    assert r.score == 0.0 and r.grade == "D" and r.risk_weight == 11.0


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100, "A"), (90, "A"), (89.5, "B"), (75, "B"), (74, "C"), (60, "C"), (59.9, "D"), (0, "D")],
)
def test_grade_boundaries(score: float, grade: str) -> None:
    assert grade_of(score) == grade


def test_risk_weight_formula() -> None:
    assert [risk_weight_of(s) for s in (100, 90, 75, 60, 0)] == [1.0, 2.0, 3.5, 5.0, 11.0]
    assert risk_weight_of(130) == 1.0 and risk_weight_of(-5) == 11.0  # clamped: always >= 1


def test_unknown_rule_is_ignored() -> None:
    assert compute_score([rec("CR-NOPE", 1, -50)], AS_OF).score == 90.0


def test_rules_are_marked_local_policy_never_regulation() -> None:
    rs = ruleset()
    assert rs.source_status == "local policy (unverified)"
    assert all(r.source_status == "local policy (unverified)" for r in rs.rules)
    assert "own" in rs.source and "No national formula" in rs.source
    ids = [r.rule_id for r in rs.rules]
    assert len(ids) == len(set(ids))
    # every source the service derives has a rule; every finding severity of the campaigns area has one
    assert {r.source for r in rs.rules} == {
        "verification_fail",
        "overdue_instrument",
        "netcontent_fail",
        "campaign_finding",
        "commitment",
        "model_unit",
    }
    assert {r.severity for r in rs.rules if r.source == "campaign_finding"} == {"minor", "major", "serious"}
