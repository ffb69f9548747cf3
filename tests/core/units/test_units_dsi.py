"""D-SI unit strings to and from the registry (issue 4, item 5)."""

from __future__ import annotations

import pytest

from jiliang.core.units import (
    UnitError,
    UnitSyntaxError,
    UnknownUnitError,
    from_dsi,
    get_registry,
    parse_unit,
    to_dsi,
)


@pytest.mark.parametrize(
    ("unit", "dsi"),
    [
        ("km/h", r"\kilo\metre\hour\tothe{-1}"),
        ("kg", r"\kilogram"),
        ("mg", r"\milli\gram"),
        ("℃", r"\degreecelsius"),
        ("m/s²", r"\metre\second\tothe{-2}"),
        ("J/(kg·K)", r"\joule\kilogram\tothe{-1}\kelvin\tothe{-1}"),
        ("μmol/mol", r"\micro\mole\mole\tothe{-1}"),
        ("hm²", r"\hectare"),
        ("Rg", r"\ronna\gram"),
        ("m/m", r"\one"),
    ],
)
def test_round_trip(unit: str, dsi: str) -> None:
    assert to_dsi(unit) == dsi
    assert from_dsi(dsi) == parse_unit(unit)


def test_every_registry_dsi_name_round_trips() -> None:
    for u in get_registry().units.values():
        if u.dsi:
            assert to_dsi(from_dsi(u.dsi)) == u.dsi


def test_older_per_form() -> None:
    assert from_dsi(r"\metre\per\second") == parse_unit("m/s")


def test_errors() -> None:
    with pytest.raises(UnitError, match="no D-SI name"):
        to_dsi("斤")
    with pytest.raises(UnknownUnitError, match=r"\\furlong"):
        from_dsi(r"\furlong")
    with pytest.raises(UnitSyntaxError, match="empty"):
        from_dsi(" ")
    with pytest.raises(UnitSyntaxError, match="only"):
        from_dsi(r"\metre m")
    with pytest.raises(UnitSyntaxError, match="incomplete"):
        from_dsi(r"\metre\kilo")
    with pytest.raises(UnitSyntaxError, match="tothe"):
        from_dsi(r"\tothe{2}")
    with pytest.raises(UnitSyntaxError, match="takes no prefix"):
        from_dsi(r"\kilo\kilogram")
