"""D-SI unit strings (PTB Digital-SI, used in digital calibration certificates) to and from the registry.

A D-SI unit string is a sequence of ``\\prefix\\unit\\tothe{n}`` groups, e.g. ``\\kilo\\metre\\hour\\tothe{-1}``
for km/h. ``\\per`` (older D-SI) makes the next unit a divisor. Only registry units with a D-SI name can be
written; the D-SI names are listed per unit in ``data/units.json`` (field ``dsi``).
"""

from __future__ import annotations

import re
from functools import cache

from jiliang.core.units.errors import UnitError, UnitSyntaxError, UnknownUnitError
from jiliang.core.units.expression import Factor, UnitExpr, _canonical, parse_unit
from jiliang.core.units.registry import get_registry

__all__ = ["from_dsi", "to_dsi"]

_TOKEN = re.compile(r"\\([A-Za-z]+)(?:\{([^}]*)\})?")


@cache
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    reg = get_registry()
    units = {u.dsi.lstrip("\\"): u.code for u in reg.units.values() if u.dsi}
    prefixes = {p.dsi.lstrip("\\"): p.code for p in reg.prefixes.values()}
    return units, prefixes


def to_dsi(unit: str | UnitExpr) -> str:
    """Write a unit expression as a D-SI string.

    >>> to_dsi("km/h")
    '\\\\kilo\\\\metre\\\\hour\\\\tothe{-1}'
    >>> to_dsi("℃")
    '\\\\degreecelsius'
    """
    expr = unit if isinstance(unit, UnitExpr) else parse_unit(unit)
    reg = get_registry()
    if not expr.factors:
        return "\\one"
    out = []
    for f in expr.factors:
        u = reg.units[f.unit]
        if not u.dsi:
            raise UnitError(f"{u.international_symbol} ({u.name_zh_full}) has no D-SI name; convert it first")
        prefix = reg.prefixes[f.prefix].dsi if f.prefix else ""
        power = "" if f.exponent == 1 else f"\\tothe{{{f.exponent}}}"
        out.append(prefix + u.dsi + power)
    return "".join(out)


def from_dsi(text: str) -> UnitExpr:
    """Read a D-SI unit string.

    >>> from_dsi(r"\\kilo\\metre\\hour\\tothe{-1}") == parse_unit("km/h")
    True
    """
    units, prefixes = _tables()
    s = text.strip()
    if not s:
        raise UnitSyntaxError(text, 0, "empty D-SI string")
    pos = 0
    factors: list[Factor] = []
    prefix: str | None = None
    per = False
    for m in _TOKEN.finditer(s):
        if m.start() != pos:
            raise UnitSyntaxError(text, pos, "D-SI strings consist of \\name tokens only")
        pos = m.end()
        name, arg = m.group(1), m.group(2)
        if name == "tothe":
            if not factors or prefix is not None or arg is None or not re.fullmatch(r"[-+]?\d+", arg.strip()):
                raise UnitSyntaxError(text, m.start(), "\\tothe{n} needs an integer and must follow a unit")
            last = factors[-1]
            factors[-1] = Factor(last.prefix, last.unit, last.exponent * int(arg))
        elif name == "per":
            per = True
        elif name == "one":
            continue
        elif name in prefixes and prefix is None and name not in units:
            prefix = prefixes[name]
        elif name in units:
            unit = units[name]
            if prefix is not None and not get_registry().units[unit].prefixable:
                raise UnitSyntaxError(text, m.start(), f"\\{name} takes no prefix")
            factors.append(Factor(prefix, unit, -1 if per else 1))
            prefix, per = None, False
        else:
            raise UnknownUnitError(text, "\\" + name, "not a D-SI unit or prefix known to the registry")
    if pos != len(s):
        raise UnitSyntaxError(text, pos, "D-SI strings consist of \\name tokens only")
    if prefix is not None:
        raise UnitSyntaxError(text, pos, "incomplete D-SI string: a prefix without its unit")
    return _canonical(factors)
