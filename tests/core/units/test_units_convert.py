"""Conversion through the pint adapter (issue 4, item 3): kinds first, offsets, exact fractions, arrays."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from jiliang.core.units import (
    IncompatibleUnitsError,
    InexactFactorError,
    InvalidInputError,
    UnitSyntaxError,
    UnknownUnitError,
    check_convertible,
    conversion_factor,
    convert,
    converter,
    exact_conversion,
    get_registry,
    parse_unit,
)


@pytest.mark.parametrize(
    ("value", "src", "dst", "expected"),
    [
        (5, "斤", "kg", 2.5),
        (2, "两", "g", 100.0),
        (1, "亩", "m²", 2000 / 3),
        (1, "尺", "m", 1 / 3),
        (90, "km/h", "m/s", 25.0),
        (90, "千米每小时", "m/s", 25.0),
        (1, "in", "mm", 25.4),
        (1, "ft", "m", 0.3048),
        (1, "lb", "kg", 0.45359237),
        (1, "mmHg", "Pa", 133.322387415),
        (760, "Torr", "kPa", 101.325),
        (1, "kgf", "N", 9.80665),
        (1, "kcal", "kJ", 4.1868),
        (1, "n mile", "m", 1852.0),
        (1, "kn", "km/h", 1.852),
        (1, "kW·h", "MJ", 3.6),
        (1, "L", "m³", 0.001),
        (1, "Gs", "mT", 0.1),
        (1, "mCi", "MBq", 37.0),
        (1, "cP", "mPa·s", 1.0),
        (1, "hm²", "m²", 10000.0),
        (1, "t", "kg", 1000.0),
        (180, "°", "rad", math.pi),
        (1, "Oe", "A/m", 1000 / (4 * math.pi)),
    ],
)
def test_conversions(value: float, src: str, dst: str, expected: float) -> None:
    assert convert(value, src, dst) == pytest.approx(expected, rel=1e-12)


def test_exact_registry_values_are_correctly_rounded() -> None:
    # pint alone gives 0.30479999999999996 for the foot; the adapter returns the rounded exact value
    assert convert(1.0, "ft", "m") == 0.3048
    assert convert(1.0, "L", "m³") == 0.001


@pytest.mark.parametrize(
    ("value", "src", "dst", "expected"),
    [
        (20, "℃", "K", 293.15),
        (0, "K", "℃", -273.15),
        (100, "℃", "°F", 212.0),
        (98.6, "°F", "℃", 37.0),
        (32, "°F", "K", 273.15),
        (-40, "°F", "℃", -40.0),
        (1, "℃/s", "K/min", 60.0),  # inside a compound ℃ is an interval
        (1, "W/(m²·℃)", "W/(m²·K)", 1.0),
        (1, "°F/h", "K/h", 5 / 9),
    ],
)
def test_offset_units(value: float, src: str, dst: str, expected: float) -> None:
    assert convert(value, src, dst) == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_exact_fractions() -> None:
    assert conversion_factor("in", "mm", exact=True) == Fraction(127, 5)
    assert conversion_factor("斤", "g", exact=True) == 500
    assert conversion_factor("mile", "km", exact=True) == Fraction(1609344, 10**6)
    assert conversion_factor("kn", "m/s", exact=True) == Fraction(463, 900)
    assert conversion_factor("r/min", "Hz", exact=True, equivalences={"revolution"}) == Fraction(1, 60)
    ex = exact_conversion("°F", "℃")
    assert (ex.scale, ex.offset) == (Fraction(5, 9), Fraction(-160, 9))
    assert exact_conversion("℃", "K").offset == Fraction(27315, 100)
    deg = exact_conversion("°", "rad")
    assert (deg.scale, deg.pi_power) == (Fraction(1, 180), 1)
    assert float(deg) == pytest.approx(math.pi / 180)
    with pytest.raises(InexactFactorError, match="π"):
        _ = deg.fraction
    with pytest.raises(InexactFactorError, match="measured constant"):
        conversion_factor("u", "kg", exact=True)


def test_float_factor_from_pint_agrees_with_exact_for_many_pairs() -> None:
    reg = get_registry()
    by_dim: dict[tuple[tuple[str, int], ...], list[str]] = {}
    for u in reg.units.values():
        if u.quantity_kind not in ("level",) and not u.is_offset:
            by_dim.setdefault(u.dimension, []).append(u.code)
    checked = 0
    for codes in by_dim.values():
        for a in codes:
            for b in codes[:6]:
                ea = parse_unit(reg.unit(a).name_en)
                eb = parse_unit(reg.unit(b).name_en)
                try:
                    f = conversion_factor(ea, eb, equivalences={"kind"})
                except IncompatibleUnitsError:
                    continue
                ex = exact_conversion(ea, eb, equivalences={"kind"})
                assert f == pytest.approx(float(ex), rel=1e-12), (a, b)
                checked += 1
    assert checked > 300


def test_kinds_are_checked_first() -> None:
    with pytest.raises(IncompatibleUnitsError, match="revolution"):
        convert(60, "r/min", "Hz")
    assert convert(60, "r/min", "Hz", equivalences={"revolution"}) == pytest.approx(1.0)
    assert convert(60, "r/min", "rad/s", equivalences={"revolution_angle"}) == pytest.approx(2 * math.pi)
    with pytest.raises(IncompatibleUnitsError, match="angle"):
        convert(1, "rad", "1")
    assert convert(1, "rad", "1", equivalences={"angle"}) == 1.0
    with pytest.raises(IncompatibleUnitsError, match="quantity kinds"):
        convert(1, "Hz", "Bq")
    assert convert(1, "Hz", "Bq", equivalences={"kind"}) == 1.0
    assert convert(1, "s⁻¹", "Bq") == 1.0  # a plain s⁻¹ is not a kind of its own
    with pytest.raises(IncompatibleUnitsError, match="quantity kinds"):
        convert(1, "Gy", "Sv")
    assert convert(1, "J/kg", "Gy") == 1.0
    with pytest.raises(IncompatibleUnitsError, match="dimensions M and L differ"):
        convert(1, "kg", "m")
    with pytest.raises(IncompatibleUnitsError, match="logarithmic"):
        convert(1, "dB", "1")
    with pytest.raises(ValueError, match="unknown equivalence"):
        convert(1, "m", "m", equivalences={"magic"})
    check_convertible("km/h", "m/s")


def test_unknown_and_bad_units() -> None:
    with pytest.raises(UnknownUnitError, match="unknown unit 'furlong'"):
        convert(1, "furlong", "m")
    with pytest.raises(UnitSyntaxError, match="empty"):
        convert(1, "", "m")


def test_arrays_and_bad_values() -> None:
    arr = np.linspace(0.0, 200.0, 1001)
    out = convert(arr, "km/h", "m/s")
    assert isinstance(out, np.ndarray) and out.shape == arr.shape
    np.testing.assert_allclose(out, arr / 3.6, rtol=1e-15)
    np.testing.assert_allclose(convert(arr, "℃", "K"), arr + 273.15, rtol=1e-15)
    assert convert([1, 2], "斤", "kg").tolist() == [0.5, 1.0]
    for bad in ("5", None, True, b"5"):
        with pytest.raises(InvalidInputError):
            convert(bad, "m", "km")


def test_converter_is_prepared_once() -> None:
    c = converter("km/h", "m/s")
    assert c is converter("km/h", "m/s")
    assert c.scale == pytest.approx(1 / 3.6) and c.offset == 0.0
    assert c(36.0) == pytest.approx(10.0)
