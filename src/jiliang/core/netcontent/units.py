"""Small local unit table for net-content quantities (exact decimal factors).

Each quantity kind has one base unit, the unit the legal T table is written in
(2005 Measures 附表3): g for mass, mL for volume, m for length, m² for area and
"items" for count. Factors are exact powers of ten held as :class:`~decimal.Decimal`,
so conversions never introduce binary rounding and the boundary cases of the
acceptance rules (a deficiency of exactly T or 2T) stay exact.

This table is deliberately small and local to ``jiliang.core.netcontent``; the
general units module of the platform lives elsewhere.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final, Literal, get_args

QuantityKind = Literal["mass", "volume", "length", "area", "count"]
QUANTITY_KINDS: Final[tuple[QuantityKind, ...]] = get_args(QuantityKind)

BASE_UNITS: Final[dict[QuantityKind, str]] = {
    "mass": "g",
    "volume": "mL",
    "length": "m",
    "area": "m2",
    "count": "items",
}

_MASS: Final[dict[str, Decimal]] = {
    "mg": Decimal("0.001"),
    "g": Decimal(1),
    "kg": Decimal(1000),
    "毫克": Decimal("0.001"),
    "克": Decimal(1),
    "千克": Decimal(1000),
    "公斤": Decimal(1000),
}

_VOLUME: Final[dict[str, Decimal]] = {
    "uL": Decimal("0.001"),
    "µL": Decimal("0.001"),
    "μL": Decimal("0.001"),
    "mL": Decimal(1),
    "ml": Decimal(1),
    "cL": Decimal(10),
    "cl": Decimal(10),
    "dL": Decimal(100),
    "dl": Decimal(100),
    "L": Decimal(1000),
    "l": Decimal(1000),
    "cm3": Decimal(1),
    "cm³": Decimal(1),
    "dm3": Decimal(1000),
    "dm³": Decimal(1000),
    "m3": Decimal(1000000),
    "m³": Decimal(1000000),
    "毫升": Decimal(1),
    "升": Decimal(1000),
}

_LENGTH: Final[dict[str, Decimal]] = {
    "mm": Decimal("0.001"),
    "cm": Decimal("0.01"),
    "dm": Decimal("0.1"),
    "m": Decimal(1),
    "km": Decimal(1000),
    "毫米": Decimal("0.001"),
    "厘米": Decimal("0.01"),
    "分米": Decimal("0.1"),
    "米": Decimal(1),
}

_AREA: Final[dict[str, Decimal]] = {}
for _prefix, _factor in (("mm", "0.000001"), ("cm", "0.0001"), ("dm", "0.01"), ("m", "1")):
    for _spelling in (f"{_prefix}2", f"{_prefix}²", f"{_prefix}^2"):
        _AREA[_spelling] = Decimal(_factor)
_AREA.update(
    {
        "平方毫米": Decimal("0.000001"),
        "平方厘米": Decimal("0.0001"),
        "平方分米": Decimal("0.01"),
        "平方米": Decimal(1),
    }
)

#: Counting units. The Measures require a counting unit written in Chinese on the label;
#: the English spellings are accepted for data entry.
_COUNT: Final[dict[str, Decimal]] = {
    name: Decimal(1)
    for name in (
        "items",
        "item",
        "pcs",
        "pc",
        "piece",
        "pieces",
        "count",
        "个",
        "片",
        "张",
        "只",
        "支",
        "粒",
        "袋",
        "包",
        "块",
        "条",
        "根",
        "卷",
        "盒",
        "枚",
        "颗",
        "双",
        "套",
        "瓶",
        "罐",
        "件",
        "贴",
        "抽",
    )
}

UNIT_FACTORS: Final[dict[QuantityKind, dict[str, Decimal]]] = {
    "mass": _MASS,
    "volume": _VOLUME,
    "length": _LENGTH,
    "area": _AREA,
    "count": _COUNT,
}

#: Density units, factor to g/mL.
DENSITY_FACTORS: Final[dict[str, Decimal]] = {
    "g/mL": Decimal(1),
    "g/ml": Decimal(1),
    "g/cm3": Decimal(1),
    "g/cm³": Decimal(1),
    "kg/L": Decimal(1),
    "kg/l": Decimal(1),
    "kg/dm3": Decimal(1),
    "kg/dm³": Decimal(1),
    "g/L": Decimal("0.001"),
    "g/l": Decimal("0.001"),
    "kg/m3": Decimal("0.001"),
    "kg/m³": Decimal("0.001"),
}


def kind_of_unit(unit: str) -> QuantityKind | None:
    """Return the quantity kind a unit symbol belongs to, or ``None`` if it is unknown."""
    for kind in QUANTITY_KINDS:
        if unit in UNIT_FACTORS[kind]:
            return kind
    return None


def is_unit_of(unit: str, kind: QuantityKind) -> bool:
    """True if ``unit`` is a known unit of quantity kind ``kind``."""
    return unit in UNIT_FACTORS[kind]


def factor_to_base(unit: str, kind: QuantityKind) -> Decimal:
    """Exact factor converting a value in ``unit`` to the base unit of ``kind``.

    Raises :class:`KeyError` if the unit is not a unit of that kind.
    """
    return UNIT_FACTORS[kind][unit]


def units_of(kind: QuantityKind) -> tuple[str, ...]:
    """All accepted unit spellings of a quantity kind."""
    return tuple(UNIT_FACTORS[kind])
