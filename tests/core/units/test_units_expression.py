"""Parser and formatter (issue 4, item 2): notations, strictness, caching, golden Chinese formatting."""

from __future__ import annotations

import locale

import pytest

from jiliang.core.units import (
    AmbiguousUnitError,
    Factor,
    UnitExpr,
    UnitSyntaxError,
    UnknownUnitError,
    format_unit,
    parse_unit,
)


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("km/h", "千米/时"),
        ("千米每小时", "km/h"),
        ("公里/小时", "km/h"),
        ("kilometre per hour", "km/h"),
        ("m·s⁻¹", "m/s"),
        ("m s-1", "m/s"),
        ("m*s^-1", "m/s"),
        ("m/s²", "m·s⁻²"),
        ("m/s^2", "m/s²"),
        ("m/s**2", "m/s²"),
        ("米每二次方秒", "m/s²"),
        ("metre per second squared", "m/s²"),
        ("℃", "°C"),
        ("摄氏度", "℃"),
        ("r/min", "转/分"),
        ("转每分", "r/min"),
        ("kW·h", "千瓦时"),
        ("kW⋅h", "kW·h"),
        ("kilowatt hour", "kW·h"),
        ("µm", "μm"),  # micro sign U+00B5 and Greek mu U+03BC
        ("微米", "μm"),
        ("J/(kg·K)", "焦耳每千克开尔文"),
        ("J/(kg·K)", "J·kg⁻¹·K⁻¹"),
        ("W/(m²·K)", "瓦每平方米开"),
        ("N·m", "牛米"),
        ("N m", "N·m"),
        ("平方米", "m²"),
        ("square metre", "m²"),
        ("立方米", "m³"),
        ("公斤", "kg"),
        ("千克", "kg"),
        ("毫升", "mL"),
        ("ml", "mL"),
        ("Ω", "欧姆"),
        ("kΩ", "千欧"),
        ("hm²", "公顷"),
        ("ha", "hm²"),
        ("n mile", "海里"),
        ("1/min", "min⁻¹"),
        ("（千克·米）／秒²", "kg·m/s²"),
    ],
)
def test_notations_parse_to_the_same_unit(text: str, same_as: str) -> None:
    assert parse_unit(text) == parse_unit(same_as)


def test_parsed_structure() -> None:
    assert parse_unit("km/h").factors == (Factor("kilo", "metre", 1), Factor(None, "hour", -1))
    assert parse_unit("kg").factors == (Factor(None, "kilogram", 1),)
    assert parse_unit("mg").factors == (Factor("milli", "gram", 1),)
    assert parse_unit("m·m") == parse_unit("m²")
    assert parse_unit("m/m") == UnitExpr(())


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("m/s/s", "more than one solidus"),
        ("J/kg/K", "more than one solidus"),
        ("W/m²·K", "needs parentheses"),
        ("千米/时/秒", "more than one solidus"),
        ("米每秒每秒", "only once"),
        ("km/h每秒", "do not mix"),
    ],
)
def test_ambiguous_solidi_are_rejected(text: str, fragment: str) -> None:
    with pytest.raises(AmbiguousUnitError, match=fragment):
        parse_unit(text)


@pytest.mark.parametrize(
    ("text", "error", "fragment"),
    [
        ("", UnitSyntaxError, "empty"),
        ("   ", UnitSyntaxError, "empty"),
        ("kWh", UnitSyntaxError, "kW·h"),
        ("Nm", UnitSyntaxError, "N·m"),
        ("rpm", UnknownUnitError, "r/min"),
        ("Kg", UnknownUnitError, "lower-case k"),
        ("foo", UnknownUnitError, "unknown unit 'foo'"),
        ("m/", UnitSyntaxError, "ends where a unit is expected"),
        ("(m/s", UnitSyntaxError, "missing"),
        ("m)", UnitSyntaxError, "unexpected"),
        ("m^0", UnitSyntaxError, "exponent 0"),
        ("平方", UnitSyntaxError, "must be followed by a unit"),
        ("x" * 300, UnitSyntaxError, "longer than"),
    ],
)
def test_bad_unit_strings_give_clear_errors(text: str, error: type[Exception], fragment: str) -> None:
    with pytest.raises(error, match=fragment):
        parse_unit(text)


def test_parse_rejects_non_strings() -> None:
    with pytest.raises(TypeError):
        parse_unit(b"km")  # type: ignore[arg-type]


def test_parse_is_cached() -> None:
    parse_unit.cache_clear()
    parse_unit("kJ/(kg·K)")
    parse_unit("kJ/(kg·K)")
    info = parse_unit.cache_info()
    assert info.hits == 1 and info.misses == 1


# Golden Chinese (and English) formatting: (input, zh symbol, zh name, en symbol, en name)
GOLDEN = [
    ("km/h", "千米/时", "千米每小时", "km/h", "kilometre per hour"),
    ("kW·h", "千瓦·时", "千瓦时", "kW·h", "kilowatt hour"),
    ("m/s²", "米/秒²", "米每二次方秒", "m/s²", "metre per second squared"),
    ("J/(kg·K)", "焦/(千克·开)", "焦每千克开", "J/(kg·K)", "joule per kilogram kelvin"),
    ("N·m", "牛·米", "牛米", "N·m", "newton metre"),
    ("A", "安", "安培", "A", "ampere"),
    ("kg", "千克", "千克", "kg", "kilogram"),
    ("mg", "毫克", "毫克", "mg", "milligram"),
    ("℃", "℃", "摄氏度", "°C", "degree Celsius"),
    ("r/min", "转/分", "转每分", "r/min", "revolution per minute"),
    ("m³/h", "米³/时", "立方米每小时", "m³/h", "cubic metre per hour"),
    ("kg/m³", "千克/米³", "千克每立方米", "kg/m³", "kilogram per cubic metre"),
    ("1/min", "分⁻¹", "每分", "min⁻¹", "per minute"),
    ("W/(m²·K)", "瓦/(米²·开)", "瓦每平方米开", "W/(m²·K)", "watt per square metre kelvin"),
    ("MPa", "兆帕", "兆帕斯卡", "MPa", "megapascal"),
    ("nm", "纳米", "纳诺米", "nm", "nanometre"),
    ("μmol/mol", "微摩/摩", "微摩每摩", "μmol/mol", "micromole per mole"),
    ("hm²", "公顷", "公顷", "hm²", "hectare"),
    ("n mile", "海里", "海里", "n mile", "nautical mile"),
    ("°", "度", "度", "°", "degree"),
    ("Ω·m", "欧·米", "欧米", "Ω·m", "ohm metre"),
    ("qm", "亏米", "亏科托米", "qm", "quectometre"),
    ("Rg", "容克", "容那克", "Rg", "ronnagram"),
    ("斤", "斤", "斤", "jin (market catty)", "jin (market catty)"),
]


@pytest.mark.parametrize(("text", "zh_sym", "zh_name", "en_sym", "en_name"), GOLDEN)
def test_golden_formatting(text: str, zh_sym: str, zh_name: str, en_sym: str, en_name: str) -> None:
    u = parse_unit(text)
    assert format_unit(u, "zh") == zh_sym
    assert format_unit(u, "zh", "name") == zh_name
    assert format_unit(u, "en") == en_sym
    assert format_unit(u, "en", "name") == en_name
    for s in (zh_sym, zh_name, en_sym, en_name):
        assert parse_unit(s) == u


def test_formatting_does_not_touch_the_process_locale() -> None:
    before = locale.setlocale(locale.LC_ALL)
    for row in GOLDEN:
        format_unit(parse_unit(row[0]), "zh", "name")
    assert locale.setlocale(locale.LC_ALL) == before


def test_expression_arithmetic_and_properties() -> None:
    km, h = parse_unit("km"), parse_unit("h")
    assert km / h == parse_unit("km/h")
    assert km * km == km**2
    assert parse_unit("km/h").dimension == (("L", 1), ("T", -1))
    assert parse_unit("r/min").dimension == (("T", -1), ("turn", 1))
    assert parse_unit("km/h").legal and not parse_unit("斤").legal
    assert repr(parse_unit("km/h")) == "UnitExpr('km/h')"
    assert str(parse_unit("°C")) == "°C"
    assert format_unit(UnitExpr(()), "zh") == "1"
