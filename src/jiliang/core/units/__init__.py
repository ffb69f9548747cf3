"""Legal units of measurement (法定计量单位): registry, parser/formatter, conversion and non-legal-unit checker.

Legal basis: 国务院《关于在我国统一实行法定计量单位的命令》(1984); GB 3100-1993, GB 3101-1993.

Registry (versioned package data with sources)::

    >>> from jiliang.core import units
    >>> units.get_registry().unit("ampere").name_zh
    '安[培]'

Parsing and formatting (international and Chinese notation, cached, no locale changes)::

    >>> u = units.parse_unit("千米每小时")
    >>> units.format_unit(u, "zh"), units.format_unit(u, "en")
    ('千米/时', 'km/h')

Conversion (pint behind an adapter; kinds checked first; exact factors as fractions)::

    >>> units.convert(5, "斤", "kg")
    2.5
    >>> units.conversion_factor("in", "mm", exact=True)
    Fraction(127, 5)

Non-legal unit checking::

    >>> [f.message for f in units.check_text("苹果5斤，屏幕6.1英寸")]
    ['5斤 → 2.5 kg']

D-SI strings for digital certificates::

    >>> units.to_dsi("km/h")
    '\\\\kilo\\\\metre\\\\hour\\\\tothe{-1}'
"""

from __future__ import annotations

from jiliang.core.units.checker import (
    Checker,
    CheckRule,
    Exemption,
    Finding,
    check_cells,
    check_text,
    get_checker,
    parse_number,
)
from jiliang.core.units.convert import (
    Converter,
    Equivalence,
    ExactConversion,
    check_convertible,
    conversion_factor,
    convert,
    converter,
    exact_conversion,
)
from jiliang.core.units.dsi import from_dsi, to_dsi
from jiliang.core.units.errors import (
    AmbiguousUnitError,
    IncompatibleUnitsError,
    InexactFactorError,
    InvalidInputError,
    UnitError,
    UnitSyntaxError,
    UnknownUnitError,
)
from jiliang.core.units.expression import Factor, UnitExpr, format_unit, parse_unit
from jiliang.core.units.registry import Prefix, Registry, Unit, get_registry

__all__ = [
    "AmbiguousUnitError",
    "CheckRule",
    "Checker",
    "Converter",
    "Equivalence",
    "ExactConversion",
    "Exemption",
    "Factor",
    "Finding",
    "IncompatibleUnitsError",
    "InexactFactorError",
    "InvalidInputError",
    "Prefix",
    "Registry",
    "Unit",
    "UnitError",
    "UnitExpr",
    "UnitSyntaxError",
    "UnknownUnitError",
    "check_cells",
    "check_convertible",
    "check_text",
    "conversion_factor",
    "convert",
    "converter",
    "exact_conversion",
    "format_unit",
    "from_dsi",
    "get_checker",
    "get_registry",
    "parse_number",
    "parse_unit",
    "to_dsi",
]
