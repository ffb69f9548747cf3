"""Label checks of the net-content statement (2005 Measures 附表1 and 附表2; GB 7718).

* :func:`label_units` — the legal unit(s) to state Qn in (附表1): mass g below 1000 g, kg
  from 1000 g; volume mL (ml) below 1000 mL, L (l) from 1000 mL; length mm or cm below 100 cm,
  m from 100 cm; area mm² or cm² below 100 cm², dm² from "1 cm²" (as printed, see below) to
  below 100 dm², m² from 1 m². Count: a counting unit (written in Chinese on the label).
* :func:`min_character_height` — the minimum height of the net-content characters (附表2):
  2 mm up to 50 g (mL), 3 mm above 50 up to 200, 4 mm above 200 up to 1000, 6 mm above 1 kg (L);
  2 mm for length, area and count.

The second area row is printed "1 cm² ≤ Qn < 100 dm²" in the stored sources; it overlaps the
row above and is probably a slip for 1 dm² (the reference marks it unverified). It is encoded as
printed, so between 1 cm² and 100 cm² both rows apply and either unit is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jiliang.core.netcontent._numbers import Number, as_decimal, normalise
from jiliang.core.netcontent._tables import labelling_table, to_decimal
from jiliang.core.netcontent.errors import NetContentInputError
from jiliang.core.netcontent.tolerable_deficiency import nominal_in_base_unit
from jiliang.core.netcontent.units import BASE_UNITS, QuantityKind, factor_to_base, units_of


@dataclass(frozen=True)
class LabelUnitRule:
    """A row of 附表1 that applies to a nominal quantity."""

    kind: QuantityKind
    printed_range: str
    printed_unit: str
    units: tuple[str, ...]
    source: str
    source_status: str
    note: str | None


@dataclass(frozen=True)
class LabelUnits:
    """Units allowed for stating a nominal quantity, with the rows they come from."""

    kind: QuantityKind
    nominal: Decimal
    unit: str
    units: tuple[str, ...]
    rules: tuple[LabelUnitRule, ...]


@dataclass(frozen=True)
class CharacterHeight:
    """Minimum character height (mm) of the net-content statement and its table row."""

    kind: QuantityKind
    nominal: Decimal
    unit: str
    height_mm: Decimal
    printed_range: str
    source: str
    source_status: str


@dataclass(frozen=True)
class LabelCheck:
    """Result of checking a label: ``passed`` and the findings (code, passed, English text)."""

    passed: bool
    findings: tuple[tuple[str, bool, str], ...]
    units: LabelUnits
    character_height: CharacterHeight


def _in_range(value: Decimal, row: dict[str, Any]) -> bool:
    lower = to_decimal(row["lower"])
    upper = to_decimal(row["upper"])
    if lower is not None and (value < lower or (value == lower and not row["lower_inclusive"])):
        return False
    if upper is not None and (value > upper or (value == upper and not row["upper_inclusive"])):
        return False
    return True


# Unit spellings that are the same unit as a table symbol (the table writes mm², the unit table mm2).
_AREA_ALIASES = {"mm2": ("mm2", "mm²", "mm^2"), "cm2": ("cm2", "cm²", "cm^2"), "dm2": ("dm2", "dm²", "dm^2")}
_AREA_ALIASES["m2"] = ("m2", "m²", "m^2")


def label_units(nominal: Number, kind: QuantityKind, unit: str | None = None) -> LabelUnits:
    """Legal unit(s) for stating nominal quantity ``nominal`` (in ``unit``, base unit if ``None``), 附表1."""
    qn = nominal_in_base_unit(nominal, kind, unit)
    if kind == "count":
        return LabelUnits(kind=kind, nominal=qn, unit=BASE_UNITS[kind], units=units_of("count"), rules=())
    rules = []
    allowed: list[str] = []
    for row in labelling_table()["unit_selection"]:
        if row["kind"] != kind or not _in_range(qn, row):
            continue
        symbols = tuple(str(u) for u in row["units"])
        rules.append(
            LabelUnitRule(
                kind=kind,
                printed_range=str(row["printed_range"]),
                printed_unit=str(row["printed_unit"]),
                units=symbols,
                source=str(row["source"]),
                source_status=str(row["source_status"]),
                note=row.get("note"),
            )
        )
        for symbol in symbols:
            for spelling in _AREA_ALIASES.get(symbol, (symbol,)):
                if spelling not in allowed:
                    allowed.append(spelling)
    return LabelUnits(kind=kind, nominal=qn, unit=BASE_UNITS[kind], units=tuple(allowed), rules=tuple(rules))


def min_character_height(nominal: Number, kind: QuantityKind, unit: str | None = None) -> CharacterHeight:
    """Minimum height (mm) of the characters of the net-content statement, 附表2 (GB 7718 repeats it)."""
    qn = nominal_in_base_unit(nominal, kind, unit)
    for row in labelling_table()["min_character_height"]:
        if kind in row["kinds"] and _in_range(qn, row):
            height = to_decimal(row["height_mm"])
            assert height is not None
            return CharacterHeight(
                kind=kind,
                nominal=qn,
                unit=BASE_UNITS[kind],
                height_mm=height,
                printed_range=str(row["printed_range"]),
                source=str(row["source"]),
                source_status=str(row["source_status"]),
            )
    raise NetContentInputError("nominal", f"no character-height row for {normalise(qn)} {BASE_UNITS[kind]}")


def check_label(
    nominal: Number,
    kind: QuantityKind,
    unit: str,
    *,
    character_height_mm: Number | None = None,
) -> LabelCheck:
    """Check the unit (附表1) and, if given, the character height (附表2) of a net-content statement.

    Findings codes: ``LABEL_UNIT_OK`` / ``LABEL_UNIT_NOT_PRESCRIBED``, ``CHARACTER_HEIGHT_OK`` /
    ``CHARACTER_HEIGHT_TOO_SMALL``. The GB 7718 exemption for packages under 35 cm² is not applied.
    """
    units = label_units(nominal, kind, unit)
    height = min_character_height(nominal, kind, unit)
    findings: list[tuple[str, bool, str]] = []
    qn_text = f"{normalise(units.nominal)} {units.unit}"
    if unit in units.units:
        findings.append(("LABEL_UNIT_OK", True, f"{unit} is the prescribed unit for Qn = {qn_text}"))
    else:
        findings.append(
            (
                "LABEL_UNIT_NOT_PRESCRIBED",
                False,
                f"Qn = {qn_text} should be stated in {' or '.join(units.units)}, not {unit}",
            )
        )
    if character_height_mm is not None:
        h = as_decimal(character_height_mm, "character_height_mm")
        if h < 0:
            raise NetContentInputError("character_height_mm", f"cannot be negative, got {h}")
        ok = h >= height.height_mm
        findings.append(
            (
                "CHARACTER_HEIGHT_OK" if ok else "CHARACTER_HEIGHT_TOO_SMALL",
                ok,
                f"characters {normalise(h)} mm high; at least {normalise(height.height_mm)} mm required",
            )
        )
    return LabelCheck(
        passed=all(f[1] for f in findings), findings=tuple(findings), units=units, character_height=height
    )


def nominal_in_unit(nominal_base: Decimal, kind: QuantityKind, unit: str) -> Decimal:
    """Convert a base-unit quantity to ``unit`` (exact)."""
    return nominal_base / factor_to_base(unit, kind)
