"""Issue 7: worked lots (pass and fail for each reason, per sampling-plan row), boundary cases,
tare, density, count packages and bad input.

The expected verdicts come from an independent plain-float implementation of the published rule
written here (``_oracle``), fed with the plan constants read from the shared reference file, and
from hand-checked numbers.
"""

from __future__ import annotations

import statistics
from decimal import Decimal
from typing import Any

import pytest

from jiliang.core import netcontent as nc
from jiliang.core.netcontent import NetContentInputError

from ._reference import load_reference

PLAN_REF = load_reference("cn-prepack-sampling-plan.json")


def _plan_from_reference(lot_size: int) -> dict[str, Any]:
    plan: dict[str, Any] = {}
    for e in PLAN_REF["expected"]:
        if e["table"] != "sampling_plan_JJF1070-2005":
            continue
        if e["lot_min"] <= lot_size and (e["lot_max"] is None or lot_size <= e["lot_max"]):
            plan[e["quantity"]] = e["value"]
    return plan


def _oracle(qn: float, t: float, lot_size: int, q: list[float]) -> tuple[str, set[str]]:
    """Plain-float rule (2005 Measures 第九条), constants from the reference file."""
    plan = _plan_from_reference(lot_size)
    n = lot_size if plan["sample size n"] == "all" else plan["sample size n"]
    assert len(q) == n
    d = [qn - x for x in q]
    n_t1 = sum(1 for di in d if t < di <= 2 * t)
    n_t2 = sum(1 for di in d if di > 2 * t)
    failed = set()
    if n_t1 > plan["allowed count with T < d ≤ 2T"]:
        failed.add(nc.T1_COUNT_EXCEEDED)
    if n_t2 > plan["allowed count with d > 2T"]:
        failed.add(nc.T2_COUNT_EXCEEDED)
    lam = plan["lambda (correction factor)"]
    if lam != "not computed" and statistics.fmean(q) < qn - lam * statistics.stdev(q):
        failed.add(nc.MEAN_BELOW_LIMIT)
    return ("fail" if failed else "pass"), failed


# one lot size inside every row of the JJF 1070-2005 plan
ROW_LOTS = [(5, 5, 0), (30, 10, 0), (75, 13, 1), (300, 50, 3), (1000, 80, 5), (5000, 125, 7)]
QN, T = 500.0, 15.0


def _lot(n: int, short: list[float], rest: float) -> list[float]:
    return short + [rest] * (n - len(short))


CASES: list[tuple[str, Any]] = []
for _lot_size, _n, _c in ROW_LOTS:
    CASES += [
        (f"N={_lot_size}:pass with c T1 packages", (_lot_size, _lot(_n, [477.5] * _c, 503.0), set())),
        (
            f"N={_lot_size}:fail, c+1 T1 packages",
            (_lot_size, _lot(_n, [477.5] * (_c + 1), 503.0), {nc.T1_COUNT_EXCEEDED}),
        ),
        (
            f"N={_lot_size}:fail, one T2 package",
            (_lot_size, _lot(_n, [462.5], 503.0), {nc.T2_COUNT_EXCEEDED}),
        ),
        (
            f"N={_lot_size}:all 1 g short",
            (_lot_size, _lot(_n, [], 499.0), set() if _lot_size <= 10 else {nc.MEAN_BELOW_LIMIT}),
        ),
    ]


@pytest.mark.parametrize("lot_size,q,failed", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_worked_lot_per_plan_row(lot_size: int, q: list[float], failed: set[str]) -> None:
    ev = nc.evaluate_lot(kind="mass", nominal=QN, unit="g", lot_size=lot_size, net=q)
    verdict, oracle_failed = _oracle(QN, T, lot_size, q)
    assert oracle_failed == failed  # the case is what its name says
    assert ev.verdict == verdict
    assert {r.code for r in ev.checks if not r.passed} == failed
    if failed:
        assert {r.code for r in ev.reasons} == failed
    assert ev.sample_size == len(q)
    assert ev.tolerable_deficiency.value == 15
    assert float(ev.mean_criterion.mean) == pytest.approx(statistics.fmean(q), rel=1e-15)
    assert float(ev.mean_criterion.standard_deviation) == pytest.approx(
        statistics.stdev(q), rel=1e-12, abs=1e-12
    )


def test_worked_lot_by_hand_n13() -> None:
    # N = 80 -> n = 13, λ = 0.848, c = 1; Qn = 500 g, T = 15 g
    q = [502.0] * 11 + [484.0] * 2  # two packages short by 16 g (T1)
    ev = nc.evaluate_lot(kind="mass", nominal=500, unit="g", lot_size=80, net=q)
    assert ev.count_t1 == 2 and ev.count_t2 == 0 and ev.count_short_beyond_t == 2
    mc = ev.mean_criterion
    assert abs(mc.mean - Decimal(6490) / 13) < Decimal("1e-25")
    # s² = Σ(x − x̄)² / 12 with x̄ = 6490/13: 11·(36/13)² + 2·(198/13)² = 92664/169; / 12 = 7722/169
    assert abs(mc.standard_deviation - (Decimal(7722) / 169).sqrt()) < Decimal("1e-25")
    assert mc.correction_factor == Decimal("0.848")
    assert mc.correction is not None and abs(
        mc.correction - Decimal("0.848") * mc.standard_deviation
    ) < Decimal("1e-25")
    assert mc.limit is not None and round(float(mc.limit), 4) == 494.2679
    assert mc.passed is True
    assert ev.verdict == "fail"
    assert [r.code for r in ev.reasons] == [nc.T1_COUNT_EXCEEDED]
    assert "2 package(s)" in ev.reasons[0].message and "1 allowed" in ev.reasons[0].message


def test_boundary_exactly_t_and_exactly_2t() -> None:
    # N = 30 -> n = 10, c = 0: a single T1 package fails the lot
    base = [505.0] * 9
    exactly_t = nc.evaluate_lot(kind="mass", nominal=500, unit="g", lot_size=30, net=[*base, 485.0])
    assert exactly_t.packages[-1].deficiency == 15
    assert exactly_t.packages[-1].classification == "within_T"
    assert exactly_t.count_short_beyond_t == 0
    assert exactly_t.verdict == "pass"

    just_over_t = nc.evaluate_lot(kind="mass", nominal=500, unit="g", lot_size=30, net=[*base, 484.999])
    assert just_over_t.packages[-1].classification == "T1"
    assert just_over_t.verdict == "fail"

    exactly_2t = nc.evaluate_lot(kind="mass", nominal=500, unit="g", lot_size=30, net=[*base, 470.0])
    assert exactly_2t.packages[-1].classification == "T1"
    assert exactly_2t.count_t1 == 1 and exactly_2t.count_t2 == 0
    assert [r.code for r in exactly_2t.reasons] == [nc.T1_COUNT_EXCEEDED]

    just_over_2t = nc.evaluate_lot(kind="mass", nominal=500, unit="g", lot_size=30, net=[*base, 469.999])
    assert just_over_2t.count_t1 == 0 and just_over_2t.count_t2 == 1
    assert [r.code for r in just_over_2t.reasons] == [nc.T2_COUNT_EXCEEDED]

    # with c = 1 (N = 75) a package short by exactly 2T is allowed, one beyond 2T never is
    base13 = [505.0] * 12
    assert (
        nc.evaluate_lot(kind="mass", nominal=500, unit="g", lot_size=75, net=[*base13, 470]).verdict == "pass"
    )
    assert (
        nc.evaluate_lot(kind="mass", nominal=500, unit="g", lot_size=75, net=[*base13, 469.9]).verdict
        == "fail"
    )


def test_boundaries_are_exact_in_other_units() -> None:
    # 1.5 kg: T = 22.5 g -> 23 g. In binary floating point 1.5 - 1.477 = 0.02300000000000013 kg.
    base = [1.51] * 9
    ev = nc.evaluate_lot(kind="mass", nominal=1.5, unit="kg", lot_size=20, net=[*base, 1.477])
    assert ev.tolerable_deficiency.value == 23
    assert ev.packages[-1].deficiency == 23
    assert ev.packages[-1].classification == "within_T"
    assert ev.verdict == "pass"
    ev2 = nc.evaluate_lot(kind="mass", nominal=1.5, unit="kg", lot_size=20, net=[*base, 1.454])
    assert ev2.packages[-1].classification == "T1"  # exactly 2T = 46 g
    # readings in another unit than the label
    ev3 = nc.evaluate_lot(
        kind="mass", nominal=1.5, unit="kg", lot_size=20, net=[1510] * 9 + [1477], net_unit="g"
    )
    assert ev3.packages == ev.packages


def test_lot_of_ten_has_no_mean_criterion() -> None:
    q = [499.0] * 10  # every package 1 g short, all within T
    ten = nc.evaluate_lot(kind="mass", nominal=500, unit="g", lot_size=10, net=q)
    assert ten.verdict == "pass"
    assert not ten.mean_criterion.applicable
    assert ten.mean_criterion.passed is None and ten.mean_criterion.limit is None
    assert [r.code for r in ten.checks][-1] == nc.MEAN_NOT_APPLICABLE
    eleven = nc.evaluate_lot(kind="mass", nominal=500, unit="g", lot_size=11, net=q)
    assert eleven.verdict == "fail"
    assert [r.code for r in eleven.reasons] == [nc.MEAN_BELOW_LIMIT]
    assert eleven.mean_criterion.limit == 500  # s = 0


def test_single_package_lot() -> None:
    assert nc.evaluate_lot(kind="mass", nominal=500, unit="g", lot_size=1, net=[490]).verdict == "pass"
    assert nc.evaluate_lot(kind="mass", nominal=500, unit="g", lot_size=1, net=[484]).verdict == "fail"


def test_count_packages() -> None:
    # Qn = 100 items: T = 1; N = 200 -> n = 50, c = 3
    ok = [101] * 46 + [99] + [98] * 3  # 99: short by exactly T; 98: exactly 2T (T1)
    ev = nc.evaluate_lot(kind="count", nominal=100, unit="片", lot_size=200, net=ok)
    assert ev.tolerable_deficiency.value == 1
    assert (ev.count_t1, ev.count_t2) == (3, 0)
    assert ev.verdict == "pass"
    worse = [101] * 45 + [99] + [98] * 3 + [97]
    ev = nc.evaluate_lot(kind="count", nominal=100, unit="片", lot_size=200, net=worse)
    assert ev.verdict == "fail" and [r.code for r in ev.reasons] == [nc.T2_COUNT_EXCEEDED]
    # Qn ≤ 50: no deficiency allowed at all
    ev = nc.evaluate_lot(kind="count", nominal=50, unit="粒", lot_size=30, net=[50] * 9 + [49])
    assert ev.tolerable_deficiency.value == 0
    assert ev.packages[-1].classification == "T2"
    assert ev.verdict == "fail"
    ev = nc.evaluate_lot(kind="count", nominal=50, unit="粒", lot_size=30, net=[50] * 9 + [51])
    assert ev.verdict == "pass"
    with pytest.raises(NetContentInputError) as info:
        nc.evaluate_lot(kind="count", nominal=50, unit="粒", lot_size=5, net=[50, 50, 49.5, 50, 50])
    assert info.value.field == "net[2]"


def test_length_no_deficiency_up_to_5_m() -> None:
    ev = nc.evaluate_lot(kind="length", nominal=5, unit="m", lot_size=5, net=[5.01, 5.0, 5.02, 4.999, 5.0])
    assert ev.packages[3].classification == "T2" and ev.verdict == "fail"
    ev = nc.evaluate_lot(kind="length", nominal=10, unit="m", lot_size=5, net=[10, 9.9, 9.8, 9.75, 10.1])
    assert ev.tolerable_deficiency.value == Decimal("0.2")
    assert [p.classification for p in ev.packages] == ["not_short", "within_T", "within_T", "T1", "not_short"]
    assert ev.verdict == "fail"


def test_area_lot() -> None:
    ev = nc.evaluate_lot(
        kind="area", nominal=2, unit="m2", lot_size=5, net=[19900, 20000, 19500, 20100, 19400], net_unit="cm2"
    )
    assert ev.tolerable_deficiency.value == Decimal("0.06")
    assert [p.classification for p in ev.packages] == [
        "within_T",
        "not_short",
        "within_T",
        "not_short",
        "within_T",
    ]
    assert ev.verdict == "pass"


def test_non_monotone_mean_criterion_is_the_published_rule() -> None:
    """The mean rule q̄ ≥ Qn − λ·s is not monotone in one package (see evaluation module docstring).

    Thirteen packages each 0.5 g short fail (s = 0, mean < Qn). Making one of them 4 g short
    (still within T = 4.5 g) raises s so much that the lot passes. Pinned so that a change of the
    rule is a visible, deliberate decision.
    """
    all_short = [99.5] * 13
    ev = nc.evaluate_lot(kind="mass", nominal=100, unit="g", lot_size=60, net=all_short)
    assert ev.verdict == "fail"
    one_shorter = [99.5] * 12 + [96.0]
    ev2 = nc.evaluate_lot(kind="mass", nominal=100, unit="g", lot_size=60, net=one_shorter)
    assert ev2.count_short_beyond_t == 0
    assert ev2.mean_criterion.mean < ev.mean_criterion.mean
    assert ev2.verdict == "pass"


# --- tare and density ---------------------------------------------------------------------------


def test_individual_tare() -> None:
    r = nc.net_from_gross([520.5, 519.0, 523.25], [20.5, 19.5, 21.0])
    assert r.net == (Decimal("500.0"), Decimal("499.5"), Decimal("502.25"))
    assert r.tare.method == "individual"
    assert r.tare.average == Decimal("20.33333333333333333333333333333333")


def test_average_tare_from_a_tare_sample() -> None:
    r = nc.net_from_gross([520.5, 519.0, 523.25], [20.0, 21.0, 20.5, 20.5])  # 4 tare weighings for 3 packages
    assert r.tare.method == "average" and r.tare.sample_size == 4
    assert r.tare.average == Decimal("20.5")
    assert r.tare.standard_deviation == pytest.approx(Decimal(statistics.stdev([20.0, 21.0, 20.5, 20.5])))
    assert r.net == (Decimal("500.0"), Decimal("498.5"), Decimal("502.75"))
    forced = nc.net_from_gross([520.5, 519.0, 523.25], [20.0, 21.0, 20.5], method="average")
    assert forced.tare.method == "average" and forced.tare.average == Decimal("20.5")


def test_given_average_tare() -> None:
    r = nc.net_from_gross([520.5, 519.0], 20.5)
    assert r.net == (Decimal("500.0"), Decimal("498.5"))
    assert r.tare.sample_size == 0


@pytest.mark.parametrize(
    "gross,tare,method,field",
    [
        ([520, 10], [20, 20], None, "tare[1]"),  # tare heavier than the gross
        ([520, 10], 20, None, "gross[1]"),  # lighter than the average tare
        ([520, -1], 20, None, "gross[1]"),
        ([520, 510], [20, -2], None, "tare[1]"),
        ([520, 510], [20, 20, 20], "individual", "tare"),
        ([520, 510], 20, "individual", "tare"),
        ([520, 510], -3, None, "tare"),
        ([], 20, None, "gross"),
        ([520, 510], [20, 20], "guess", "tare_method"),
    ],
)
def test_tare_errors(gross: list[float], tare: Any, method: Any, field: str) -> None:
    with pytest.raises(NetContentInputError) as info:
        nc.net_from_gross(gross, tare, method=method)
    assert info.value.field == field


def test_volume_from_mass() -> None:
    assert nc.volume_from_mass([918, 459], "0.918") == (Decimal(1000), Decimal(500))
    with pytest.raises(NetContentInputError) as info:
        nc.volume_from_mass([918], 0)
    assert info.value.field == "density"


def test_lot_record_with_density_and_tare() -> None:
    record = nc.evaluate_lot_record(
        {
            "kind": "volume",
            "nominal": 1,
            "unit": "L",
            "lot_size": 8,
            "reading_unit": "kg",
            "density": 1.03,
            "density_unit": "kg/L",
            "gross": [1.09, 1.0918, 1.0815, 1.0712, 1.0815, 1.0918, 1.0, 1.1021],
            "tare": [0.06, 0.06, 0.05, 0.05, 0.05, 0.06, 0.06, 0.06],
        }
    )
    ev = record.evaluation
    assert record.density is not None and record.density.density_g_per_ml == Decimal("1.03")
    assert ev.packages[0].net == Decimal(1000)  # (1.09 − 0.06) kg / 1.03 kg/L
    assert abs(ev.packages[1].net - Decimal("1031.8") / Decimal("1.03")) < Decimal("1e-20")
    assert abs(ev.packages[6].net - Decimal(940) / Decimal("1.03")) < Decimal("1e-20")
    assert ev.packages[6].classification == "T2"  # 87.4 mL short; T = 15 mL
    assert ev.verdict == "fail"
    out = nc.evaluation_to_dict(record)
    assert out["density"]["g_per_mL"] == 1.03
    assert out["tare"]["method"] == "individual"


def test_evaluate_lot_errors() -> None:
    with pytest.raises(NetContentInputError) as info:
        nc.evaluate_lot(kind="mass", nominal=500, unit="g", lot_size=80, net=[500] * 12)
    assert info.value.field == "net" and "requires exactly 13" in info.value.reason
    with pytest.raises(NetContentInputError) as info:
        nc.evaluate_lot(kind="mass", nominal=500, unit="g", lot_size=80, net=[500] * 14)
    assert info.value.field == "net"
    with pytest.raises(NetContentInputError) as info:
        nc.evaluate_lot(kind="mass", nominal=500, unit="g", lot_size=3, net=[500, -1, 500])
    assert info.value.field == "net[1]"
    with pytest.raises(NetContentInputError) as info:
        nc.evaluate_lot(kind="mass", nominal=500, unit="g", lot_size=0, net=[])
    assert info.value.field == "lot_size"
    with pytest.raises(NetContentInputError) as info:
        nc.evaluate_lot(kind="mass", nominal=500, unit="g", lot_size=2, net=[500, 500], net_unit="mL")
    assert info.value.field == "net_unit"
    with pytest.raises(NetContentInputError) as info:
        nc.evaluate_lot(kind="mass", nominal=500, unit="g", lot_size=2, net=[500, "x"])
    assert info.value.field == "net[1]"
