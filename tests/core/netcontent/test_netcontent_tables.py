"""Issue 7: boundary cases of the T table, rounding, sampling-plan bands, label checks, bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jiliang.core import netcontent as nc
from jiliang.core.netcontent import NetContentInputError


@pytest.mark.parametrize(
    "qn,expected,band",
    [
        ("50", "4.5", "0 – 50"),  # 9 % of 50, lower-exclusive/upper-inclusive: 50 is in the first band
        ("50.001", "4.5", "50 – 100"),
        ("100", "4.5", "50 – 100"),
        ("100.001", "4.5", "100 – 200"),  # 4.50004500 -> 4.5
        ("200", "9", "100 – 200"),
        ("200.001", "9", "200 – 300"),
        ("300", "9", "200 – 300"),
        ("300.001", "9", "300 – 500"),
        ("500", "15", "300 – 500"),
        ("500.001", "15", "500 – 1 000"),
        ("1000", "15", "500 – 1 000"),
        ("1000.001", "15", "1 000 – 10 000"),
        ("10000", "150", "1 000 – 10 000"),
        ("10000.001", "150", "10 000 – 15 000"),
        ("15000", "150", "10 000 – 15 000"),
        ("15000.001", "150", "15 000 – 50 000"),
        ("50000", "500", "15 000 – 50 000"),
    ],
)
def test_band_boundaries(qn: str, expected: str, band: str) -> None:
    t = nc.tolerable_deficiency(qn, "mass", "g")
    assert t.value == Decimal(expected)
    assert t.row.printed_range == band


@pytest.mark.parametrize(
    "qn,half_up,half_even,up",
    [
        ("130", "5.9", "5.8", "5.9"),  # 4.5 % -> 5.85: the three modes differ
        ("110", "5", "5", "5"),  # 4.95
        ("101", "4.5", "4.5", "4.6"),  # 4.545
        ("333", "10", "10", "10"),  # 9.99
        ("1500", "23", "22", "23"),  # 1.5 % -> 22.5 g, rounded to 1 g above 1 kg
        ("1001", "15", "15", "16"),  # 15.015
        ("2500", "38", "38", "38"),  # 37.5 (half-even goes up: 37 is odd)
        ("33333", "333", "333", "334"),  # 333.33
        ("0.5", "0", "0", "0.1"),  # 0.045 -> 0.0: no deficiency left for tiny packages
    ],
)
def test_rounding_modes(qn: str, half_up: str, half_even: str, up: str) -> None:
    assert nc.tolerable_deficiency(qn, "mass", "g").value == Decimal(half_up)  # default
    assert nc.tolerable_deficiency(qn, "mass", "g", rounding="half_up").value == Decimal(half_up)
    assert nc.tolerable_deficiency(qn, "mass", "g", rounding="half_even").value == Decimal(half_even)
    assert nc.tolerable_deficiency(qn, "mass", "g", rounding="up").value == Decimal(up)


def test_rounding_step_follows_qn_not_t() -> None:
    assert nc.tolerable_deficiency("1000", "volume", "mL").rounding_step == Decimal("0.1")
    assert nc.tolerable_deficiency("1000.5", "volume", "mL").rounding_step == Decimal(1)
    assert nc.tolerable_deficiency("1", "volume", "L").rounding_step == Decimal("0.1")


@pytest.mark.parametrize(
    "args",
    [
        (500, "mass", "g"),
        (0.5, "mass", "kg"),
        (500000, "mass", "mg"),
        (500, "mass", "克"),
    ],
)
def test_unit_conversion_is_exact(args: tuple[float, nc.QuantityKind, str]) -> None:
    t = nc.tolerable_deficiency(*args)
    assert t.nominal == 500
    assert t.value == 15
    assert t.unit == "g"


def test_units_of_each_kind() -> None:
    assert nc.tolerable_deficiency(1.8, "volume", "L").nominal == 1800
    assert nc.tolerable_deficiency(180, "volume", "cL").nominal == 1800
    assert nc.tolerable_deficiency(600, "length", "cm").value == Decimal("0.12")
    assert nc.tolerable_deficiency(200, "area", "dm²").value == Decimal("0.06")
    assert nc.tolerable_deficiency(60, "count", "片").value == 1


@pytest.mark.parametrize(
    "args,field",
    [
        ((0, "mass", "g"), "nominal"),
        ((-5, "mass", "g"), "nominal"),
        ((500, "mass", "mL"), "unit"),
        ((500, "volume", "kg"), "unit"),
        ((500, "length", "m2"), "unit"),
        ((500, "mass", "G"), "unit"),
        ((50.5, "count", "个"), "nominal"),
        ((50001, "mass", "g"), "nominal"),
        ((51, "volume", "L"), "nominal"),
        ((500, "weight", "g"), "kind"),
        (("abc", "mass", "g"), "nominal"),
        ((float("nan"), "mass", "g"), "nominal"),
        ((True, "mass", "g"), "nominal"),
    ],
)
def test_bad_input_names_the_field(args: tuple[object, str, str], field: str) -> None:
    with pytest.raises(NetContentInputError) as info:
        nc.tolerable_deficiency(*args)
    assert info.value.field == field


def test_bad_rounding_mode() -> None:
    with pytest.raises(NetContentInputError) as info:
        nc.tolerable_deficiency(500, "mass", "g", rounding="down")
    assert info.value.field == "rounding"


@pytest.mark.parametrize(
    "lot_size,n,lam,c1",
    [
        (1, 1, None, 0),
        (10, 10, None, 0),
        (11, 10, "1.028", 0),
        (50, 10, "1.028", 0),
        (51, 13, "0.848", 1),
        (99, 13, "0.848", 1),
        (100, 50, "0.379", 3),
        (500, 50, "0.379", 3),
        (501, 80, "0.295", 5),
        (3200, 80, "0.295", 5),
        (3201, 125, "0.234", 7),
        (10**7, 125, "0.234", 7),
    ],
)
def test_sampling_plan_band_edges(lot_size: int, n: int, lam: str | None, c1: int) -> None:
    plan = nc.sampling_plan(lot_size)
    assert plan.sample_size == n
    assert plan.correction_factor == (None if lam is None else Decimal(lam))
    assert plan.acceptance_number_t1 == c1
    assert plan.acceptance_number_t2 == 0
    assert plan.mean_criterion_applies is (lam is not None)


@pytest.mark.parametrize("lot_size", [0, -1, 2.5, True, "10"])
def test_sampling_plan_bad_lot_size(lot_size: object) -> None:
    with pytest.raises(NetContentInputError) as info:
        nc.sampling_plan(lot_size)
    assert info.value.field == "lot_size"


def test_sampling_plan_versions() -> None:
    assert nc.plan_versions() == ("JJF1070-2005", "OIML-R87")
    with pytest.raises(NetContentInputError) as info:
        nc.sampling_plan(80, plan_version="OIML-R87")  # R 87 rows start at 100
    assert info.value.field == "lot_size"
    with pytest.raises(NetContentInputError) as info:
        nc.sampling_plan(80, plan_version="JJF1070-2023")  # not found, not encoded
    assert info.value.field == "plan_version"


def test_label_check() -> None:
    ok = nc.check_label(500, "mass", "g", character_height_mm=4)
    assert ok.passed
    assert [f[0] for f in ok.findings] == ["LABEL_UNIT_OK", "CHARACTER_HEIGHT_OK"]
    bad_unit = nc.check_label(1500, "mass", "g", character_height_mm=6)
    assert not bad_unit.passed
    assert bad_unit.findings[0][0] == "LABEL_UNIT_NOT_PRESCRIBED"
    assert "kg" in bad_unit.findings[0][2]
    too_small = nc.check_label(1.5, "mass", "kg", character_height_mm="5.9")
    assert not too_small.passed
    assert too_small.findings[1][0] == "CHARACTER_HEIGHT_TOO_SMALL"
    assert too_small.character_height.height_mm == 6
    assert nc.check_label(0.25, "volume", "L").findings[0][0] == "LABEL_UNIT_NOT_PRESCRIBED"
    assert nc.check_label(250, "volume", "ml").passed
    assert nc.check_label(2, "length", "m").passed
    assert not nc.check_label(200, "length", "cm").passed
    assert nc.check_label(100, "count", "片").passed
    with pytest.raises(NetContentInputError):
        nc.check_label(100, "count", "片", character_height_mm=-1)
