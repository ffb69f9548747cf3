"""Registry data: completeness, sources, round trips and agreement with pint (issue 4, acceptance 1)."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from importlib import resources

import pytest

from jiliang.core.units import (
    Factor,
    UnitExpr,
    format_unit,
    get_registry,
    parse_unit,
)
from jiliang.core.units.convert import _ureg, pint_name

REG = get_registry()
UNITS = list(REG.units.values())

#: short Chinese names that GB allows only "where no confusion arises": here they name another unit
AMBIGUOUS_SHORT = {"arcsecond": "second", "arcminute": "minute", "tex": "tesla"}


def _single(code: str) -> UnitExpr:
    return UnitExpr((Factor(None, code, 1),))


def test_registry_is_versioned_data_with_sources() -> None:
    raw = json.loads(
        resources.files("jiliang.core.units").joinpath("data").joinpath("units.json").read_text("utf-8")
    )
    assert raw["schema"] == "jiliang.units.registry/1"
    assert REG.version == raw["version"]
    for u in UNITS:
        assert u.source and u.source_status, u.code
        assert u.quantity_kind and u.name_en and u.name_zh and u.symbol_zh, u.code
        assert u.status in {
            "si_base",
            "si_prefix_carrier",
            "si_derived",
            "cn_non_si",
            "cn_general_time",
            "non_legal",
        }
        assert u.legal == (u.status != "non_legal"), u.code
        if not u.legal:
            assert u.replacement, u.code
            parse_unit(u.replacement)  # the replacement is itself a parseable (legal) unit
            assert parse_unit(u.replacement).legal, u.code


def test_gb_3100_tables_are_complete() -> None:
    base = {u.symbol for u in UNITS if u.status == "si_base"}
    assert base == {"m", "kg", "s", "A", "K", "mol", "cd"}
    derived = {u.symbol for u in UNITS if u.status == "si_derived"}
    # 21 units with special names in the Chinese list (rad and sr included) + katal (SI, not in GB 3100)
    assert derived == {"rad", "sr", "Hz", "N", "Pa", "J", "W", "C", "V", "F", "Ω", "S", "Wb", "T", "H", "℃", "lm",
                       "lx", "Bq", "Gy", "Sv", "kat"}  # fmt: skip
    assert "not in the GB 3100-1993 table" in (REG.unit("katal").note or "")
    non_si = {u.symbol for u in UNITS if u.status == "cn_non_si"}
    assert non_si == {
        "min",
        "h",
        "d",
        "″",
        "′",
        "°",
        "r",
        "n mile",
        "kn",
        "t",
        "u",
        "L",
        "eV",
        "dB",
        "tex",
        "hm²",
    }


def test_prefixes_include_2022_with_chinese_names() -> None:
    assert len(REG.prefixes) == 24
    new = {p.code: (p.exponent, p.symbol, p.name_zh) for p in REG.prefixes.values() if abs(p.exponent) >= 27}
    assert new == {
        "quetta": (30, "Q", "昆[它]"),
        "ronna": (27, "R", "容[那]"),
        "ronto": (-27, "r", "柔[托]"),
        "quecto": (-30, "q", "亏[科托]"),
    }
    assert REG.prefix("mega").name_zh == "兆"  # mainland usage: 兆 = 10^6
    assert REG.prefix("micro").symbol == "μ"  # Greek mu, U+03BC
    assert parse_unit("Qm") == UnitExpr((Factor("quetta", "metre", 1),))
    assert parse_unit("昆米") == parse_unit("Qm")
    assert parse_unit("qg").scale == (Fraction(1, 10**33), 0)


def test_bracket_convention() -> None:
    a = REG.unit("ampere")
    assert (a.name_zh, a.name_zh_full, a.name_zh_short) == ("安[培]", "安培", "安")
    h = REG.unit("hour")
    assert (h.name_zh_full, h.name_zh_short) == ("小时", "时")
    assert REG.prefix("nano").name_zh_full == "纳诺"


def test_usage_restrictions() -> None:
    assert "航程" in (REG.unit("nautical_mile").restriction or "")
    assert "航行" in (REG.unit("knot").restriction or "")
    assert REG.unit("metre").restriction is None


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.code)
def test_every_entry_round_trips(unit) -> None:  # type: ignore[no-untyped-def]
    """name → unit → symbol → unit, in zh and en."""
    expr = _single(unit.code)
    names = [unit.name_zh_full, unit.name_zh, unit.name_en, unit.symbol_zh, *unit.name_zh_synonyms]
    if unit.code not in AMBIGUOUS_SHORT:
        names.append(unit.name_zh_short)
    else:
        assert parse_unit(unit.name_zh_short) == _single(AMBIGUOUS_SHORT[unit.code])
    if unit.symbol:
        names.append(unit.symbol)
    for name in names:
        assert parse_unit(name) == expr, name
    for lang in ("zh", "en"):
        for style in ("symbol", "name"):
            text = format_unit(expr, lang, style)  # type: ignore[arg-type]
            assert parse_unit(text) == expr, (lang, style, text)


@pytest.mark.parametrize("unit", [u for u in UNITS if u.quantity_kind != "level"], ids=lambda u: u.code)
def test_pint_float_factor_agrees_with_exact_factor(unit) -> None:  # type: ignore[no-untyped-def]
    ureg = _ureg()
    mag = ureg.Quantity(1.0, pint_name(unit.code, interval=True)).to_base_units().magnitude
    # pint counts the revolution as 2π rad; the registry keeps the turn as its own dimension
    turns = dict(unit.dimension).get("turn", 0)
    expected = float(unit.factor) * math.pi**unit.pi_power * (2 * math.pi) ** turns
    assert math.isclose(mag, expected, rel_tol=1e-12), (unit.code, mag, expected)
    if unit.is_offset:
        zero = ureg.Quantity(0.0, pint_name(unit.code)).to("kelvin").magnitude
        assert math.isclose(zero, float(unit.offset), rel_tol=1e-12)


def test_exact_factors_are_exact() -> None:
    assert REG.unit("pound").factor == Fraction(45359237, 10**8)
    assert REG.unit("inch").factor == Fraction(127, 5000)
    assert REG.unit("jin").factor == Fraction(1, 2)
    assert REG.unit("mu").factor == Fraction(2000, 3)
    assert REG.unit("knot").factor == Fraction(1852, 3600)
    assert REG.unit("degree_fahrenheit").offset == Fraction(45967, 180)
    assert REG.unit("psi").factor == Fraction(45359237 * 980665, 10**13) / Fraction(64516, 10**8)
    assert not REG.unit("atomic_mass_unit").exact
    assert REG.unit("degree").pi_power == 1


def test_cross_codes() -> None:
    assert "[U]" in REG.cross_code_status  # unverified codes stay marked
    assert REG.unit("degree_celsius").ucum == "Cel"
    assert REG.unit("degree_celsius").dsi == "\\degreecelsius"
    assert REG.unit("ampere").qudt == "unit:A"
    assert all(p.dsi == "\\" + p.code for p in REG.prefixes.values())
