"""The legal-unit registry (法定计量单位登记表) loaded from versioned package data.

The data files ``data/units.json`` and ``data/prefixes.json`` hold, for every unit, the quantity kind,
dimension, exact factor and offset to the coherent SI unit, symbols, Chinese names written with the
GB bracket convention (``安[培]``: characters in brackets may be omitted), legal status with its source
(国务院 1984 命令; GB 3100-1993 tables 1-5), usage restrictions and cross-codes (UCUM, D-SI, QUDT).

The registry is immutable: frozen dataclasses, built once on first use and never mutated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

__all__ = [
    "BASE_DIMENSIONS",
    "Prefix",
    "Registry",
    "Unit",
    "expand_brackets",
    "get_registry",
    "parse_exact",
]

#: Dimension symbols: the seven SI base dimensions plus the pseudo-dimensions ``angle`` (so that rad and
#: sr are not silently 1) and ``turn`` (the revolution, so that r/min and Hz are not silently mixed).
BASE_DIMENSIONS: tuple[str, ...] = ("L", "M", "T", "I", "Th", "N", "J", "angle", "turn")

_NUMBER = re.compile(r"^\s*[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?\s*$")


def parse_exact(text: str) -> Fraction:
    """Parse an exact factor written as decimals joined by ``*`` and ``/`` (e.g. ``"550*0.3048*4.44822"``).

    >>> parse_exact("1852/3600")
    Fraction(463, 900)
    >>> parse_exact("0.45359237")
    Fraction(45359237, 100000000)
    """
    result = Fraction(1)
    for op, tok in re.findall(r"(^|[*/])\s*([^*/]+)", text.strip()):
        if not _NUMBER.match(tok):
            raise ValueError(f"bad exact number {tok!r} in {text!r}")
        value = Fraction(tok.strip())
        result = result / value if op == "/" else result * value
    return result


def expand_brackets(name: str) -> tuple[str, str]:
    """Return (full name, short name) from a GB bracket name.

    >>> expand_brackets("安[培]")
    ('安培', '安')
    >>> expand_brackets("[小]时")
    ('小时', '时')
    """
    full = name.replace("[", "").replace("]", "")
    short = re.sub(r"\[[^\]]*\]", "", name)
    return full, short


@dataclass(frozen=True, slots=True)
class Prefix:
    """An SI prefix (词头), GB 3100-1993 table 5 plus the four prefixes of the 27th CGPM (2022)."""

    code: str
    exponent: int
    symbol: str
    name_zh: str
    name_en: str
    source: str
    source_status: str
    ucum: str | None
    dsi: str
    pint: str

    @property
    def factor(self) -> Fraction:
        """The exact factor 10^exponent."""
        return Fraction(10) ** self.exponent

    @property
    def name_zh_full(self) -> str:
        return expand_brackets(self.name_zh)[0]

    @property
    def name_zh_short(self) -> str:
        return expand_brackets(self.name_zh)[1]


@dataclass(frozen=True, slots=True)
class Unit:
    """One unit of the registry.

    ``factor``, ``pi_power`` and ``offset`` define the value in the coherent SI unit of the same
    dimension: ``v_SI = factor · π^pi_power · v + offset``.
    """

    code: str
    quantity_kind: str
    dimension: tuple[tuple[str, int], ...]
    factor: Fraction
    pi_power: int
    offset: Fraction
    exact: bool
    symbol: str | None
    symbol_en: str | None
    symbol_zh: str
    name_zh: str
    name_zh_synonyms: tuple[str, ...]
    name_en: str
    status: str
    legal: bool
    category: str | None
    source: str
    source_status: str
    restriction: str | None
    replacement: str | None
    prefixable: bool
    aliases: tuple[str, ...]
    aliases_en: tuple[str, ...]
    ucum: str | None
    dsi: str | None
    qudt: str | None
    pint: str | None
    note: str | None

    @property
    def name_zh_full(self) -> str:
        """Full Chinese name (brackets expanded), e.g. 安培."""
        return expand_brackets(self.name_zh)[0]

    @property
    def name_zh_short(self) -> str:
        """Short Chinese name (bracketed characters omitted), e.g. 安."""
        return expand_brackets(self.name_zh)[1]

    @property
    def international_symbol(self) -> str:
        """Symbol for English text: the symbol (or its English form, °C for ℃), else the English name."""
        return self.symbol_en or self.symbol or self.name_en

    @property
    def dimension_map(self) -> Mapping[str, int]:
        return MappingProxyType(dict(self.dimension))

    @property
    def is_offset(self) -> bool:
        return self.offset != 0


@dataclass(frozen=True)
class Registry:
    """The immutable registry: units and prefixes by code, plus metadata."""

    version: str
    units: Mapping[str, Unit]
    prefixes: Mapping[str, Prefix]
    exclusive_kinds: tuple[frozenset[str], ...]
    compound_aliases: Mapping[str, str]
    sources: Mapping[str, str]
    cross_code_status: str

    def unit(self, code: str) -> Unit:
        """Look a unit up by its code (``"metre"``, ``"jin"``)."""
        try:
            return self.units[code]
        except KeyError:
            from jiliang.core.units.errors import UnknownUnitError

            raise UnknownUnitError(code, code, "not a unit code of the registry") from None

    def prefix(self, code: str) -> Prefix:
        return self.prefixes[code]

    def legal_units(self) -> tuple[Unit, ...]:
        return tuple(u for u in self.units.values() if u.legal)

    def non_legal_units(self) -> tuple[Unit, ...]:
        return tuple(u for u in self.units.values() if not u.legal)


def _dimension(raw: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    for key in raw:
        if key not in BASE_DIMENSIONS:
            raise ValueError(f"unknown dimension symbol {key!r}")
    return tuple((k, int(raw[k])) for k in BASE_DIMENSIONS if raw.get(k))


def _load_json(name: str) -> Any:
    text = resources.files("jiliang.core.units").joinpath("data").joinpath(name).read_text(encoding="utf-8")
    return json.loads(text)


def _unit_from_json(d: Mapping[str, Any]) -> Unit:
    return Unit(
        code=d["code"],
        quantity_kind=d["quantity_kind"],
        dimension=_dimension(d["dimension"]),
        factor=parse_exact(d["factor"]),
        pi_power=int(d["pi_power"]),
        offset=parse_exact(d["offset"]),
        exact=bool(d["exact"]),
        symbol=d["symbol"],
        symbol_en=d["symbol_en"],
        symbol_zh=d["symbol_zh"],
        name_zh=d["name_zh"],
        name_zh_synonyms=tuple(d["name_zh_synonyms"]),
        name_en=d["name_en"],
        status=d["status"],
        legal=bool(d["legal"]),
        category=d["category"],
        source=d["source"],
        source_status=d["source_status"],
        restriction=d["restriction"],
        replacement=d["replacement"],
        prefixable=bool(d["prefixable"]),
        aliases=tuple(d["aliases"]),
        aliases_en=tuple(d["aliases_en"]),
        ucum=d["ucum"],
        dsi=d["dsi"],
        qudt=d["qudt"],
        pint=d["pint"],
        note=d["note"],
    )


@cache
def get_registry() -> Registry:
    """Load (once) and return the registry.

    >>> reg = get_registry()
    >>> reg.unit("ampere").name_zh_full, reg.unit("ampere").name_zh_short
    ('安培', '安')
    >>> reg.prefix("quetta").name_zh
    '昆[它]'
    """
    udoc = _load_json("units.json")
    pdoc = _load_json("prefixes.json")
    units: dict[str, Unit] = {}
    for raw in udoc["units"]:
        unit = _unit_from_json(raw)
        if unit.code in units:
            raise ValueError(f"duplicate unit code {unit.code!r}")
        units[unit.code] = unit
    prefixes = {
        p["code"]: Prefix(
            code=p["code"],
            exponent=int(p["exponent"]),
            symbol=p["symbol"],
            name_zh=p["name_zh"],
            name_en=p["name_en"],
            source=p["source"],
            source_status=p["source_status"],
            ucum=p["ucum"],
            dsi=p["dsi"],
            pint=p["pint"],
        )
        for p in pdoc["prefixes"]
    }
    return Registry(
        version=str(udoc["version"]),
        units=MappingProxyType(units),
        prefixes=MappingProxyType(prefixes),
        exclusive_kinds=tuple(frozenset(g) for g in udoc["exclusive_kinds"]),
        compound_aliases=MappingProxyType(dict(udoc["compound_aliases"])),
        sources=MappingProxyType(dict(udoc["sources"])),
        cross_code_status=str(udoc["cross_code_status"]),
    )
