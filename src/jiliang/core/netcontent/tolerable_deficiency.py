"""Tolerable deficiency T (允许短缺量) of a prepackage.

Implements 《定量包装商品计量监督管理办法》 2005 附表3 (carried into the 2023 Measures as 附件3),
the same mass/volume rows as OIML R 87 up to 15 kg, China extending the last band to 50 kg:

* mass or volume, by band of Qn (g or mL), a percentage of Qn or a fixed amount, then rounded:
  Qn ≤ 1 kg (L) to 0.1 g (mL), Qn > 1 kg (L) to 1 g (mL) (附表3 note *);
* length: Qn ≤ 5 m no deficiency allowed, Qn > 5 m T = 2 % of Qn;
* area: T = 3 % of Qn;
* count: Qn ≤ 50 no deficiency allowed, Qn > 50 T = 1 % of Qn rounded up to the next integer
  (附表3 note **).

Band boundaries: lower bound exclusive, upper bound inclusive ([U] convention; the table is
continuous at every boundary so the assignment does not change T). The rounding *mode* of the
Chinese "修约" is [U]; ``half_up`` (ordinary rounding) is the default, ``half_even``
(GB/T 8170 style) and ``up`` (the UK guidance) are selectable. Every result carries the
``source`` and ``source_status`` of the table row it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any, Final, Literal, get_args

from jiliang.core.netcontent._numbers import Number, as_decimal, normalise
from jiliang.core.netcontent._tables import to_decimal, tolerable_deficiency_table
from jiliang.core.netcontent.errors import NetContentInputError
from jiliang.core.netcontent.units import BASE_UNITS, QUANTITY_KINDS, QuantityKind, factor_to_base, is_unit_of

RoundingMode = Literal["half_up", "half_even", "up"]
ROUNDING_MODES: Final[tuple[RoundingMode, ...]] = get_args(RoundingMode)
_DECIMAL_ROUNDING: Final[dict[RoundingMode, str]] = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "up": ROUND_CEILING,
}


@dataclass(frozen=True)
class DeficiencyRow:
    """One row of the T table as stored (values in the base unit of its kind)."""

    kind: QuantityKind
    printed_range: str
    lower: Decimal
    upper: Decimal | None
    percent_of_nominal: Decimal | None
    absolute: Decimal | None
    deficiency_allowed: bool
    source: str
    source_status: str


@dataclass(frozen=True)
class TolerableDeficiency:
    """T for one nominal quantity, with the rule and provenance used.

    ``value`` and ``nominal`` are in ``unit``, the base unit of the kind (g, mL, m, m2, items).
    """

    kind: QuantityKind
    nominal: Decimal
    unit: str
    value: Decimal
    unrounded: Decimal
    rule: str
    deficiency_allowed: bool
    row: DeficiencyRow
    rounding_step: Decimal | None
    rounding_mode: str | None
    rounding_source_status: str | None
    rounding_mode_source_status: str | None
    boundary_convention_source_status: str

    @property
    def source(self) -> str:
        return self.row.source

    @property
    def source_status(self) -> str:
        return self.row.source_status


def _row(kind: QuantityKind, raw: dict[str, Any]) -> DeficiencyRow:
    lower = to_decimal(raw["lower"])
    assert lower is not None
    return DeficiencyRow(
        kind=kind,
        printed_range=str(raw["printed_range"]),
        lower=lower,
        upper=to_decimal(raw["upper"]),
        percent_of_nominal=to_decimal(raw.get("percent_of_nominal")),
        absolute=to_decimal(raw.get("absolute")),
        deficiency_allowed=bool(raw.get("deficiency_allowed", True)),
        source=str(raw["source"]),
        source_status=str(raw["source_status"]),
    )


def deficiency_rows(kind: QuantityKind) -> tuple[DeficiencyRow, ...]:
    """The stored T-table rows of one quantity kind, in table order."""
    table = tolerable_deficiency_table()
    key = "mass_volume" if kind in ("mass", "volume") else kind
    return tuple(_row(kind, raw) for raw in table[key])


def _find_row(rows: tuple[DeficiencyRow, ...], nominal: Decimal) -> DeficiencyRow | None:
    # lower bound exclusive, upper bound inclusive ([U] convention, see module docstring)
    for row in rows:
        if nominal > row.lower and (row.upper is None or nominal <= row.upper):
            return row
    return None


def _check_kind(kind: object) -> QuantityKind:
    if kind not in QUANTITY_KINDS:
        raise NetContentInputError("kind", f"must be one of {', '.join(QUANTITY_KINDS)}, got {kind!r}")
    return kind


def nominal_in_base_unit(nominal: Number, kind: QuantityKind, unit: str | None) -> Decimal:
    """Validate a labelled nominal quantity and convert it to the base unit of its kind."""
    kind = _check_kind(kind)
    value = as_decimal(nominal, "nominal")
    if value <= 0:
        raise NetContentInputError("nominal", f"must be greater than zero, got {value}")
    if unit is None:
        return value
    if not is_unit_of(unit, kind):
        raise NetContentInputError("unit", f"{unit!r} is not a unit of {kind}")
    return value * factor_to_base(unit, kind)


def tolerable_deficiency(
    nominal: Number,
    kind: QuantityKind,
    unit: str | None = None,
    *,
    rounding: RoundingMode = "half_up",
) -> TolerableDeficiency:
    """Tolerable deficiency T for nominal quantity ``nominal`` (in ``unit``; base unit if ``None``).

    2005 Measures 附表3 / 2023 Measures 附件3 (see the module docstring). Raises
    :class:`NetContentInputError` for a non-positive nominal quantity, a unit of the wrong kind,
    a non-integer count, or a mass/volume above the 50 kg (L) end of the table.
    """
    kind = _check_kind(kind)
    if rounding not in ROUNDING_MODES:
        raise NetContentInputError(
            "rounding", f"must be one of {', '.join(ROUNDING_MODES)}, got {rounding!r}"
        )
    qn = nominal_in_base_unit(nominal, kind, unit)
    base = BASE_UNITS[kind]
    table = tolerable_deficiency_table()
    boundary_status = str(table["boundary_convention"]["source_status"])
    rows = deficiency_rows(kind)

    if kind == "count" and qn != qn.to_integral_value():
        raise NetContentInputError("nominal", f"a count must be a whole number, got {normalise(qn)}")

    row = _find_row(rows, qn)
    if row is None:
        last = rows[-1].upper
        raise NetContentInputError(
            "nominal",
            f"{normalise(qn)} {base} is outside the tolerable-deficiency table (upper end {last} {base})",
        )

    step: Decimal | None = None
    mode: str | None = None
    rounding_status: str | None = None
    mode_status: str | None = None

    if not row.deficiency_allowed:
        unrounded = Decimal(0)
        value = Decimal(0)
        rule = "no deficiency allowed"
    elif row.absolute is not None:
        unrounded = row.absolute
        rule = f"{normalise(row.absolute)} {base}"
        value = unrounded
    else:
        assert row.percent_of_nominal is not None
        unrounded = row.percent_of_nominal * qn / 100
        rule = f"{normalise(row.percent_of_nominal)} % of Qn"
        value = unrounded

    if kind in ("mass", "volume") and row.deficiency_allowed:
        rounding_rule = table["rounding"]
        threshold = to_decimal(rounding_rule["threshold"])
        assert threshold is not None
        key = "step_at_or_below_threshold" if qn <= threshold else "step_above_threshold"
        step = to_decimal(rounding_rule[key])
        assert step is not None
        mode = rounding
        value = unrounded.quantize(step, rounding=_DECIMAL_ROUNDING[rounding])
        rounding_status = str(rounding_rule["source_status"])
        mode_status = str(rounding_rule["mode"]["source_status"])
        if row.percent_of_nominal is not None:
            rule += f", rounded to {normalise(step)} {base} ({rounding})"
    elif kind == "count" and row.deficiency_allowed:
        step = Decimal(1)
        mode = "up"
        value = unrounded.to_integral_value(rounding=ROUND_CEILING)
        rounding_status = row.source_status
        rule += ", fraction rounded up to the next integer"

    return TolerableDeficiency(
        kind=kind,
        nominal=qn,
        unit=base,
        value=normalise(value),
        unrounded=normalise(unrounded),
        rule=rule,
        deficiency_allowed=row.deficiency_allowed,
        row=row,
        rounding_step=step,
        rounding_mode=mode,
        rounding_source_status=rounding_status,
        rounding_mode_source_status=mode_status,
        boundary_convention_source_status=boundary_status,
    )
