"""Issue 7: the published legal tables reproduce exactly (shared/reference/cn-prepack-*.json).

Every ``assert: true`` entry is checked against both the stored package data (value, printed
range and ``source_status`` exactly as in shared/) and the functions that use it. Legal constants
are exact: comparisons are Decimal equality (tolerance 0).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import pytest
from scipy import stats

from jiliang.core import netcontent as nc
from jiliang.core.netcontent.labelling import label_units, min_character_height
from jiliang.core.netcontent.sampling import plan_rows
from jiliang.core.netcontent.tolerable_deficiency import deficiency_rows

from ._reference import load_reference

T_REF = load_reference("cn-prepack-tolerable-deficiency.json")
PLAN_REF = load_reference("cn-prepack-sampling-plan.json")
LABEL_REF = load_reference("cn-prepack-labelling.json")


def _entries(ref: dict[str, Any], table: str, asserted: bool = True) -> list[dict[str, Any]]:
    return [e for e in ref["expected"] if e["table"] == table and e["assert"] is asserted]


def _d(value: Any) -> Decimal:
    return Decimal(str(value))


def test_reference_files_have_the_expected_entries() -> None:
    tables = {e["table"] for e in T_REF["expected"] if e["assert"]}
    assert tables == {"T_mass_volume", "T_lookup_check", "T_length", "T_area", "T_count"}
    assert len(_entries(PLAN_REF, "sampling_plan_JJF1070-2005")) == 24
    assert {e["table"] for e in LABEL_REF["expected"] if e["assert"]} == {
        "unit_selection",
        "min_character_height",
    }


# --- T table -----------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", _entries(T_REF, "T_mass_volume"), ids=lambda e: e["Qn_range_printed"])
def test_t_mass_volume_row_stored_exactly(entry: dict[str, Any]) -> None:
    rows = [
        r for r in deficiency_rows("mass") if r.lower == entry["Qn_lower"] and r.upper == entry["Qn_upper"]
    ]
    assert len(rows) == 1
    row = rows[0]
    assert row.printed_range == entry["Qn_range_printed"]
    assert row.source_status == entry["status"]
    if entry["quantity"] == "T as % of Qn":
        assert entry["unit"] == "%"
        assert row.percent_of_nominal == _d(entry["printed"])
        assert row.absolute is None
    else:
        assert entry["quantity"] == "T absolute"
        assert row.absolute == _d(entry["printed"])
        assert row.percent_of_nominal is None


# interior points of the percentage bands where the percentage needs no rounding
_INTERIOR = {
    "0 – 50": Decimal(20),
    "100 – 200": Decimal(120),
    "300 – 500": Decimal(400),
    "1 000 – 10 000": Decimal(2000),
    "15 000 – 50 000": Decimal(20000),
}


@pytest.mark.parametrize("kind,unit", [("mass", "g"), ("volume", "mL")])
@pytest.mark.parametrize("entry", _entries(T_REF, "T_mass_volume"), ids=lambda e: e["Qn_range_printed"])
def test_t_mass_volume_row_applied(entry: dict[str, Any], kind: nc.QuantityKind, unit: str) -> None:
    lower, upper = _d(entry["Qn_lower"]), _d(entry["Qn_upper"])
    value = _d(entry["printed"])
    interior = _INTERIOR.get(entry["Qn_range_printed"], (lower + upper) / 2)
    for qn in (upper, interior):
        t = nc.tolerable_deficiency(qn, kind, unit)
        expected = value * qn / 100 if entry["quantity"] == "T as % of Qn" else value
        # the test points are chosen so that the published value needs no rounding
        step = Decimal("0.1") if qn <= 1000 else Decimal(1)
        assert expected == expected.quantize(step)
        assert t.value == expected
        assert t.source_status == entry["status"]
        assert t.row.printed_range == entry["Qn_range_printed"]


@pytest.mark.parametrize("kind,unit", [("mass", "g"), ("volume", "mL")])
@pytest.mark.parametrize("entry", _entries(T_REF, "T_lookup_check"), ids=lambda e: f"Qn={e['Qn']}")
def test_t_lookup_checks(entry: dict[str, Any], kind: nc.QuantityKind, unit: str) -> None:
    t = nc.tolerable_deficiency(entry["Qn"], kind, unit)
    assert t.value == _d(entry["printed"])
    assert t.unit == unit
    # the boundary convention's status travels with the result
    assert t.boundary_convention_source_status.startswith("[U] convention")


def test_t_length_rules() -> None:
    entries = {e["rule"]: e for e in _entries(T_REF, "T_length")}
    assert set(entries) == {"Qn ≤ 5 m", "Qn > 5 m"}
    no_def = entries["Qn ≤ 5 m"]
    for qn, unit in ((5, "m"), (500, "cm"), (1, "m"), (0.2, "m"), (4999, "mm")):
        t = nc.tolerable_deficiency(qn, "length", unit)
        assert t.value == _d(no_def["value"]) == 0
        assert not t.deficiency_allowed
        assert t.source_status == no_def["status"]
    pct = entries["Qn > 5 m"]
    for text in ("5.001", "10", "25", "100"):
        t = nc.tolerable_deficiency(text, "length", "m")
        assert t.value == Decimal(text) * _d(pct["printed"]) / 100
        assert t.source_status == pct["status"]
    assert nc.tolerable_deficiency(1000, "length", "cm").value == Decimal("0.2")


def test_t_area_rule() -> None:
    (entry,) = _entries(T_REF, "T_area")
    for qn, unit, expected in (("2", "m2", "0.06"), ("50", "dm2", "0.015"), ("100", "cm2", "0.0003")):
        t = nc.tolerable_deficiency(qn, "area", unit)
        assert t.value == Decimal(expected)
        assert t.value == nc.tolerable_deficiency(qn, "area", unit).nominal * _d(entry["printed"]) / 100
        assert t.source_status == entry["status"]


def test_t_count_rules() -> None:
    entries = {e["rule"]: e for e in _entries(T_REF, "T_count")}
    no_def = entries["Qn ≤ 50"]
    for qn in (1, 10, 50):
        t = nc.tolerable_deficiency(qn, "count", "个")
        assert t.value == _d(no_def["value"]) == 0
        assert t.source_status == no_def["status"]
    pct = entries["Qn > 50"]
    for qn in (51, 99, 100, 101, 150, 200, 201, 1000):
        t = nc.tolerable_deficiency(qn, "count", "items")
        assert t.value == math.ceil(qn * int(pct["printed"]) / 100)
        assert t.value >= Decimal(qn) / 100  # "this value may exceed 1 %"
        assert t.source_status == pct["status"]
    assert nc.tolerable_deficiency(51, "count").value == 1
    assert nc.tolerable_deficiency(150, "count").value == 2


def test_t_table_sources_carried() -> None:
    for kind in nc.QUANTITY_KINDS:
        for row in deficiency_rows(kind):
            assert row.source.startswith("《定量包装商品计量监督管理办法》 2005")
            assert row.source_status == "sourced [S7]"
    t = nc.tolerable_deficiency(1500, "mass", "g")
    assert t.rounding_source_status == T_REF["inputs"]["rounding_rule"]["status"]
    assert t.rounding_mode_source_status == T_REF["inputs"]["rounding_rule"]["mode"]["status"] == "[U]"


# --- sampling plan ------------------------------------------------------------------------------


_PLAN_FIELD = {
    "sample size n": "sample_size",
    "lambda (correction factor)": "correction_factor",
    "allowed count with T < d ≤ 2T": "acceptance_number_t1",
    "allowed count with d > 2T": "acceptance_number_t2",
}


@pytest.mark.parametrize(
    "entry",
    _entries(PLAN_REF, "sampling_plan_JJF1070-2005"),
    ids=lambda e: f"{e['lot_size_printed']}:{e['quantity']}",
)
def test_sampling_plan_jjf1070_2005(entry: dict[str, Any]) -> None:
    lot_sizes = [entry["lot_min"], entry["lot_max"] if entry["lot_max"] is not None else 10**6]
    lot_sizes.append((lot_sizes[0] + lot_sizes[1]) // 2)
    for n_lot in lot_sizes:
        plan = nc.sampling_plan(n_lot)
        assert plan.plan_version == PLAN_REF["inputs"]["plan_version"]
        assert plan.row.lot_size_printed == entry["lot_size_printed"]
        assert plan.source_status == entry["status"]
        field = _PLAN_FIELD[entry["quantity"]]
        actual = getattr(plan, field)
        if entry["value"] == "all":
            assert actual == n_lot
        elif entry["value"] == "not computed":
            assert actual is None
            assert not plan.mean_criterion_applies
        else:
            assert actual == _d(entry["printed"])


def test_lambda_for_13_is_the_published_0_848_not_the_computed_value() -> None:
    plan = nc.sampling_plan(51)
    assert plan.sample_size == 13
    assert plan.correction_factor == Decimal("0.848")
    computed = stats.t.ppf(0.995, 12) / math.sqrt(13)
    assert round(computed, 3) == 0.847  # the published constant differs from the formula


def test_published_lambdas_agree_with_the_formula_within_a_digit() -> None:
    for row in plan_rows():
        if row.correction_factor is None:
            continue
        assert row.sample_size is not None
        computed = stats.t.ppf(0.995, row.sample_size - 1) / math.sqrt(row.sample_size)
        assert abs(computed - float(row.correction_factor)) < 0.0011


@pytest.mark.parametrize(
    "entry", _entries(PLAN_REF, "OIML_R87_sampling_plan", asserted=False), ids=lambda e: e["quantity"]
)
def test_oiml_rows_stored_as_unverified(entry: dict[str, Any]) -> None:
    # informational entries (assert: false): stored for comparison, status kept as [U]
    plan = nc.sampling_plan(entry["lot_min"], plan_version="OIML-R87")
    assert plan.source_status == entry["status"]
    assert plan.source_status.startswith("[U")
    field = {"sample size n": "sample_size", "lambda": "correction_factor"}.get(
        entry["quantity"], "acceptance_number_t1"
    )
    assert getattr(plan, field) == _d(entry["printed"])


# --- labelling ----------------------------------------------------------------------------------

# test points inside each printed range, in the base unit of the kind (g, mL, m, m2)
_UNIT_POINTS: dict[str, list[str]] = {
    "Qn < 1000 g": ["0.5", "1", "500", "999.9"],
    "Qn ≥ 1000 g": ["1000", "1000.1", "25000"],
    "Qn < 1000 mL": ["1", "999"],
    "Qn ≥ 1000 mL": ["1000", "5000"],
    "Qn < 100 cm": ["0.01", "0.5", "0.999"],
    "Qn ≥ 100 cm": ["1", "50"],
    "Qn < 100 cm²": ["0.00005", "0.00009"],
    "Qn ≥ 1 m²": ["1", "12.5"],
}
_KIND = {"Mass": "mass", "Volume": "volume", "Length": "length", "Area": "area"}


def _expected_units(printed: str) -> set[str]:
    out: set[str] = set()
    for part in printed.split(" or "):
        part = part.strip()
        if "(" in part:
            main, alt = part.split("(")
            out |= {main.strip(), alt.strip(" )")}
        else:
            out.add(part)
    return out


@pytest.mark.parametrize("entry", _entries(LABEL_REF, "unit_selection"), ids=lambda e: e["Qn_range"])
def test_unit_selection(entry: dict[str, Any]) -> None:
    kind = _KIND[entry["quantity_kind"]]
    expected = _expected_units(entry["printed"])
    for point in _UNIT_POINTS[entry["Qn_range"]]:
        result = label_units(point, kind)
        assert set(result.units) >= expected
        rules = [r for r in result.rules if r.printed_range == entry["Qn_range"]]
        assert len(rules) == 1
        assert rules[0].source_status == entry["status"]


def test_unit_selection_rows_exclude_other_units() -> None:
    assert label_units(999, "mass", "g").units == ("g",)
    assert label_units(1, "mass", "kg").units == ("kg",)
    assert label_units(1.5, "volume", "L").units == ("L", "l")
    assert set(label_units("0.5", "area", "cm2").units) == {"mm2", "mm²", "mm^2", "cm2", "cm²", "cm^2"}
    assert set(label_units("50", "area", "dm2").units) == {"dm2", "dm²", "dm^2"}


def test_area_row_with_printed_1_cm2_is_flagged() -> None:
    (entry,) = [e for e in _entries(LABEL_REF, "unit_selection", asserted=False)]
    assert entry["Qn_range"] == "1 cm² ≤ Qn < 100 dm²"
    result = label_units("50", "area", "cm2")  # in the overlap of the printed rows
    printed = {r.printed_range for r in result.rules}
    assert printed == {"Qn < 100 cm²", "1 cm² ≤ Qn < 100 dm²"}
    (overlap_rule,) = [r for r in result.rules if r.printed_range == entry["Qn_range"]]
    assert overlap_rule.source_status == entry["status"]
    assert overlap_rule.note is not None and "1 dm²" in overlap_rule.note


_HEIGHT_POINTS: dict[str, list[tuple[str, str, str]]] = {
    "Qn ≤ 50 g / 50 mL": [
        ("0.5", "mass", "g"),
        ("50", "mass", "g"),
        ("50", "volume", "mL"),
        ("0.05", "mass", "kg"),
    ],
    "50 < Qn ≤ 200 g/mL": [("50.1", "mass", "g"), ("200", "volume", "mL"), ("0.2", "volume", "L")],
    "200 < Qn ≤ 1000 g/mL": [("200.1", "mass", "g"), ("1", "mass", "kg"), ("1000", "volume", "mL")],
    "Qn > 1 kg / 1 L": [("1.001", "mass", "kg"), ("1000.1", "mass", "g"), ("5", "volume", "L")],
    "Labelled in length, area or count units": [
        ("10", "length", "m"),
        ("2", "area", "m2"),
        ("100", "count", "片"),
        ("0.5", "length", "cm"),
    ],
}


@pytest.mark.parametrize("entry", _entries(LABEL_REF, "min_character_height"), ids=lambda e: e["Qn_range"])
def test_min_character_height(entry: dict[str, Any]) -> None:
    for qn, kind, unit in _HEIGHT_POINTS[entry["Qn_range"]]:
        h = min_character_height(qn, kind, unit)
        assert h.height_mm == _d(entry["printed"])
        assert entry["unit"] == "mm"
        assert h.printed_range == entry["Qn_range"]
        assert h.source_status == entry["status"]
