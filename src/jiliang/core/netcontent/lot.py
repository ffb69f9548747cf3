"""Lot records as plain mappings (the ``LOT.json`` format) -> validated input -> evaluation -> JSON-able dict.

Pure functions (no file I/O): the CLI and the API decode JSON and hand the mapping here.

LOT mapping fields:

``kind`` (mass | volume | length | area | count), ``nominal`` (> 0), ``unit`` (a unit of the kind),
``lot_size`` (whole number ≥ 1), and either ``net`` (list of the sample's actual contents) or
``gross`` (list) with ``tare`` (a list, or one number: an average tare). Optional:
``tare_method`` (individual | average), ``reading_unit`` (unit of net/gross/tare; default ``unit``;
a mass unit for a volume lot needs ``density``), ``density`` and ``density_unit`` (default g/mL),
``plan_version`` (default JJF1070-2005), ``rounding`` (half_up | half_even | up; default half_up),
and free descriptive fields (``product``, ``producer``, ``batch``, ``temperature`` …) which are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jiliang.core.netcontent._numbers import as_decimal
from jiliang.core.netcontent.errors import NetContentInputError
from jiliang.core.netcontent.evaluation import LotEvaluation, evaluate_lot
from jiliang.core.netcontent.sampling import DEFAULT_PLAN_VERSION
from jiliang.core.netcontent.tare import (
    NetFromGross,
    TareMethod,
    TareSummary,
    net_from_gross,
    volume_from_mass,
)
from jiliang.core.netcontent.tolerable_deficiency import ROUNDING_MODES, RoundingMode
from jiliang.core.netcontent.units import (
    BASE_UNITS,
    DENSITY_FACTORS,
    QUANTITY_KINDS,
    QuantityKind,
    factor_to_base,
    is_unit_of,
    kind_of_unit,
)

REQUIRED_FIELDS = ("kind", "nominal", "unit", "lot_size")


@dataclass(frozen=True)
class DensityConversion:
    """Volume from mass: V = m / ρ with ρ in g/mL (research report §1.7, [U])."""

    density: Decimal
    density_unit: str
    density_g_per_ml: Decimal
    masses_g: tuple[Decimal, ...]


@dataclass(frozen=True)
class LotRecordEvaluation:
    """Evaluation of a lot record, with the tare and density steps that produced the net contents."""

    evaluation: LotEvaluation
    reading_unit: str
    tare: TareSummary | None
    gross: tuple[Decimal, ...] | None
    density: DensityConversion | None


def _list(data: Mapping[str, Any], field: str) -> Sequence[Any]:
    value = data[field]
    if not isinstance(value, list):
        raise NetContentInputError(field, f"expected a list of numbers, got {type(value).__name__}")
    if not value:
        raise NetContentInputError(field, "must not be empty")
    return value


def evaluate_lot_record(data: Mapping[str, Any]) -> LotRecordEvaluation:
    """Validate a LOT mapping and evaluate it. Raises :class:`NetContentInputError` naming the field."""
    if not isinstance(data, Mapping):
        raise NetContentInputError("LOT", "expected a JSON object")
    for field in REQUIRED_FIELDS:
        if field not in data or data[field] is None:
            raise NetContentInputError(field, "missing (required)")

    kind = data["kind"]
    if kind not in QUANTITY_KINDS:
        raise NetContentInputError("kind", f"must be one of {', '.join(QUANTITY_KINDS)}, got {kind!r}")
    kind_: QuantityKind = kind
    unit = data["unit"]
    if not isinstance(unit, str) or not unit.strip():
        raise NetContentInputError("unit", "must be a unit symbol such as g, kg, mL, L, m, m2")
    if not is_unit_of(unit, kind_):
        other = kind_of_unit(unit)
        hint = f" (it is a unit of {other})" if other else " (unknown unit)"
        raise NetContentInputError("unit", f"{unit!r} is not a unit of {kind_}{hint}")
    nominal = as_decimal(data["nominal"], "nominal")
    if nominal <= 0:
        raise NetContentInputError("nominal", f"must be greater than zero, got {nominal}")

    lot_size_raw = data["lot_size"]
    if isinstance(lot_size_raw, Decimal) and lot_size_raw == lot_size_raw.to_integral_value():
        lot_size_raw = int(lot_size_raw)
    if isinstance(lot_size_raw, bool) or not isinstance(lot_size_raw, int):
        raise NetContentInputError("lot_size", f"must be a whole number, got {lot_size_raw!r}")

    plan_version = data.get("plan_version", DEFAULT_PLAN_VERSION)
    if not isinstance(plan_version, str):
        raise NetContentInputError("plan_version", "must be a string")
    rounding = data.get("rounding", "half_up")
    if rounding not in ROUNDING_MODES:
        raise NetContentInputError(
            "rounding", f"must be one of {', '.join(ROUNDING_MODES)}, got {rounding!r}"
        )
    rounding_: RoundingMode = rounding

    has_net = data.get("net") is not None
    has_gross = data.get("gross") is not None
    if has_net and has_gross:
        raise NetContentInputError("net", "give either 'net' or 'gross' with 'tare', not both")
    if not has_net and not has_gross:
        raise NetContentInputError("net", "missing: give 'net' (actual contents) or 'gross' with 'tare'")

    reading_unit = data.get("reading_unit", unit)
    if not isinstance(reading_unit, str):
        raise NetContentInputError("reading_unit", "must be a unit symbol")
    reading_kind = kind_of_unit(reading_unit)
    via_density = kind_ == "volume" and reading_kind == "mass"
    if reading_kind != kind_ and not via_density:
        raise NetContentInputError(
            "reading_unit",
            f"{reading_unit!r} is not a unit of {kind_}" + (" or mass" if kind_ == "volume" else ""),
        )
    if data.get("density") is not None and not via_density:
        raise NetContentInputError(
            "density", "only used for a volume lot whose readings are masses (reading_unit)"
        )

    tare_summary: TareSummary | None = None
    gross: tuple[Decimal, ...] | None = None
    if has_net:
        readings: Sequence[Any] = _list(data, "net")
    else:
        if data.get("tare") is None:
            raise NetContentInputError("tare", "missing: 'gross' needs 'tare' (a list, or an average tare)")
        gross_list = _list(data, "gross")
        tare = data["tare"]
        if isinstance(tare, list) and not tare:
            raise NetContentInputError("tare", "must not be empty")
        method = data.get("tare_method")
        if method not in (None, "individual", "average"):
            raise NetContentInputError("tare_method", f"must be 'individual' or 'average', got {method!r}")
        method_: TareMethod | None = method
        result: NetFromGross = net_from_gross(gross_list, tare, method=method_)
        readings = result.net
        tare_summary = result.tare
        gross = result.gross

    density: DensityConversion | None = None
    if via_density:
        if data.get("density") is None:
            raise NetContentInputError(
                "density", f"required: the readings are masses ({reading_unit}) for a volume lot"
            )
        density_unit = data.get("density_unit", "g/mL")
        if density_unit not in DENSITY_FACTORS:
            raise NetContentInputError(
                "density_unit", f"must be one of {', '.join(DENSITY_FACTORS)}, got {density_unit!r}"
            )
        rho = as_decimal(data["density"], "density")
        if rho <= 0:
            raise NetContentInputError("density", f"must be greater than zero, got {rho}")
        rho_g_ml = rho * DENSITY_FACTORS[density_unit]
        field = "net" if has_net else "gross"
        masses = []
        for i, r in enumerate(readings):
            m = as_decimal(r, f"{field}[{i}]")
            if m < 0:
                raise NetContentInputError(f"{field}[{i}]", f"a reading cannot be negative, got {m}")
            masses.append(m * factor_to_base(reading_unit, "mass"))
        masses_g = tuple(masses)
        readings = volume_from_mass(masses_g, rho_g_ml)
        density = DensityConversion(
            density=rho, density_unit=density_unit, density_g_per_ml=rho_g_ml, masses_g=masses_g
        )
        net_unit = BASE_UNITS["volume"]
    else:
        net_unit = reading_unit

    try:
        evaluation = evaluate_lot(
            kind=kind_,
            nominal=nominal,
            unit=unit,
            lot_size=lot_size_raw,
            net=readings,
            net_unit=net_unit,
            plan_version=plan_version,
            rounding=rounding_,
        )
    except NetContentInputError as exc:
        if not has_net and exc.field.startswith("net"):
            # the net values were derived from the gross readings: point at those
            raise replace_field(exc, "gross" + exc.field[3:]) from None
        raise
    return LotRecordEvaluation(
        evaluation=evaluation, reading_unit=reading_unit, tare=tare_summary, gross=gross, density=density
    )


def replace_field(exc: NetContentInputError, field: str) -> NetContentInputError:
    """The same error pointing at another field."""
    return NetContentInputError(field, exc.reason)


def _num(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    if value == value.to_integral_value() and abs(value) < 10**15:
        return int(value)
    return float(value)


def evaluation_to_dict(record: LotRecordEvaluation) -> dict[str, Any]:
    """JSON-able summary of a lot evaluation (the ``jiliang netcontent evaluate --json`` format)."""
    ev = record.evaluation
    t = ev.tolerable_deficiency
    plan = ev.plan
    mc = ev.mean_criterion
    base = ev.unit
    out: dict[str, Any] = {
        "verdict": ev.verdict,
        "reasons": [{"code": r.code, "passed": r.passed, "message": r.message} for r in ev.reasons],
        "checks": [{"code": r.code, "passed": r.passed, "message": r.message} for r in ev.checks],
        "kind": ev.kind,
        "unit": base,
        "nominal": _num(ev.nominal),
        "labelled_nominal": {"value": _num(ev.labelled_nominal), "unit": ev.labelled_unit},
        "lot_size": plan.lot_size,
        "sample_size_required": plan.sample_size,
        "sample_size": ev.sample_size,
        "plan": {
            "plan_version": plan.plan_version,
            "lot_size_range": plan.row.lot_size_printed,
            "sample_size": plan.sample_size,
            "correction_factor": _num(plan.correction_factor),
            "acceptance_number_T1": plan.acceptance_number_t1,
            "acceptance_number_T2": plan.acceptance_number_t2,
            "source": plan.source,
            "source_status": plan.source_status,
            "acceptance_rules_source_status": plan.acceptance_rules_source_status,
        },
        "tolerable_deficiency": {
            "value": _num(t.value),
            "unit": base,
            "unrounded": _num(t.unrounded),
            "rule": t.rule,
            "table_range": t.row.printed_range,
            "rounding_step": _num(t.rounding_step),
            "rounding_mode": t.rounding_mode,
            "source": t.source,
            "source_status": t.source_status,
            "rounding_source_status": t.rounding_source_status,
            "rounding_mode_source_status": t.rounding_mode_source_status,
            "boundary_convention_source_status": t.boundary_convention_source_status,
        },
        "limits": {"Qn_minus_T": _num(ev.t1_limit), "Qn_minus_2T": _num(ev.t2_limit), "unit": base},
        "mean_criterion": {
            "applicable": mc.applicable,
            "mean": _num(mc.mean),
            "standard_deviation": _num(mc.standard_deviation),
            "correction_factor": _num(mc.correction_factor),
            "correction": _num(mc.correction),
            "limit": _num(mc.limit),
            "passed": mc.passed,
            "unit": base,
        },
        "counts": {
            "short_beyond_T": ev.count_short_beyond_t,
            "short_beyond_T_not_beyond_2T": ev.count_t1,
            "short_beyond_2T": ev.count_t2,
            "allowed_T_to_2T": plan.acceptance_number_t1,
            "allowed_beyond_2T": plan.acceptance_number_t2,
        },
        "individual_passed": ev.individual_passed,
        "packages": [
            {
                "index": p.index,
                "net": _num(p.net),
                "deficiency": _num(p.deficiency),
                "class": p.classification,
            }
            for p in ev.packages
        ],
        "reading_unit": record.reading_unit,
        "tare": None,
        "density": None,
    }
    if record.tare is not None:
        out["tare"] = {
            "method": record.tare.method,
            "sample_size": record.tare.sample_size,
            "average": _num(record.tare.average),
            "standard_deviation": _num(record.tare.standard_deviation),
            "unit": record.reading_unit,
        }
    if record.density is not None:
        out["density"] = {
            "value": _num(record.density.density),
            "unit": record.density.density_unit,
            "g_per_mL": _num(record.density.density_g_per_ml),
            "method": "V = m / rho (gravimetric; research report §1.7, [U])",
        }
    return out
