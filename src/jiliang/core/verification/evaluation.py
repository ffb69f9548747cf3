"""Data-entry forms and the evaluation of a verification record against a procedure.

* :func:`form_document` — what a verifier has to enter for one instrument and stage: the instrument
  parameters, environmental conditions with their allowed ranges, the test points (derived from the
  parameters as the procedure prescribes), the number of readings and the measurement standards.
* :func:`evaluate_document` — errors of indication, their expanded uncertainty (GUM law of propagation,
  :mod:`jiliang.core.uncertainty`, k = 2), the maximum permissible error of the stage (first /
  subsequent verification, in-service inspection) and the conformity decision
  (:mod:`jiliang.core.conformity`: JJF 1094-2002 by default, ILAC G8 simple or guarded acceptance on
  request), point by point and for the instrument.

Numbers are compared exactly on the decimal values as written (fractions), so an error exactly at the MPE
is judged "within" (≤). A rule whose table is not available yields the decision ``"undecided"`` with the
reason ``"mpe_unavailable"`` — never a made-up verdict. Bad input raises
:class:`~jiliang.core.verification.errors.VerificationInputError` listing every problem.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from jiliang.core import units as _units
from jiliang.core.conformity import ConformityDecision, Verdict, decide_ilac_g8, decide_jjf1094
from jiliang.core.uncertainty import Input, Model, ModelError, propagate

from .errors import InputErrorRow, VerificationInputError
from .procedures import STAGES, Procedure, get_procedure, thaw

__all__ = ["DECISION_RULES", "evaluate_document", "form_document"]

#: decision rules accepted in ``doc["decision_rule"]``
DECISION_RULES = ("jjf1094", "simple_acceptance", "guarded_acceptance")
_PERCENT_UNITS = ("%", "%RH")
_TOP_FIELDS = ("procedure", "stage", "instrument", "environment", "points", "standards")
_POINT_FIELDS = (
    "point",
    "readings",
    "unit",
    "reference",
    "reference_unit",
    "changeover",
    "fuel_temperature",
    "measure_temperature",
    "note",
)
_K = 2.0
#: readings beyond this magnitude are rejected (they cannot come from a measurement and overflow the budget)
_MAX_MAGNITUDE = Fraction(10) ** 100


# --------------------------------------------------------------------------------------------- numbers, units


def _num(value: object) -> Fraction | None:
    """The decimal value as written, exactly; None for non-numbers, booleans, NaN and infinities."""
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Fraction):
        return value
    return Fraction(Decimal(repr(value)))


def _fmt(x: Fraction) -> str:
    """Short decimal text of an exact value (for point ids)."""
    d = Decimal(x.numerator) / Decimal(x.denominator)
    text = format(d.normalize(), "f")
    return text


def _f(x: Fraction | None) -> float | None:
    return None if x is None else float(x)


class _UnitProblem(Exception):
    pass


def _convert(value: Fraction, source: str, target: str) -> Fraction:
    """Exact conversion ``source`` → ``target`` (``%`` and ``%RH`` only convert to themselves)."""
    if source == target or (source in _PERCENT_UNITS and target in _PERCENT_UNITS):
        return value
    if source in _PERCENT_UNITS or target in _PERCENT_UNITS:
        raise _UnitProblem(f"unit {source!r} cannot be used where {target!r} is expected")
    try:
        conv = _units.exact_conversion(source, target)
        scale = conv.fraction
    except _units.IncompatibleUnitsError:
        raise _UnitProblem(f"unit {source!r} is not convertible to {target!r} (wrong quantity)") from None
    except _units.InexactFactorError:
        factor = _units.conversion_factor(source, target)
        return value * Fraction(Decimal(repr(float(factor))))
    except _units.UnitError as exc:
        raise _UnitProblem(f"invalid unit {source!r}: {exc}") from None
    return value * scale + conv.offset


def _check_unit(unit: object) -> str | None:
    return unit if isinstance(unit, str) and unit.strip() else None


# --------------------------------------------------------------------------------------------- context


@dataclass
class _Ctx:
    proc: Procedure
    stage: str
    errors: list[InputErrorRow] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    env: dict[str, Fraction] = field(default_factory=dict)

    def err(self, row: int | None, field_: str, reason: str) -> None:
        self.errors.append({"row": row, "field": field_, "reason": reason})

    def raise_if_errors(self) -> None:
        if self.errors:
            raise VerificationInputError(self.errors)


@dataclass(frozen=True)
class _PointSpec:
    id: str
    nominal: Fraction
    nominal_unit: str
    unit: str
    quantity: str
    repeats: int | None
    repeats_min: int
    reading_labels: tuple[str, ...]
    reference_required: bool
    attrs: Mapping[str, Any]
    alternative_units: tuple[str, ...] = ()
    label_en: str = ""
    label_zh: str = ""


@dataclass(frozen=True)
class _Limits:
    lower: Fraction
    upper: Fraction
    clause: str
    source_status: str
    research_status: str
    description: str

    @property
    def half_width(self) -> Fraction:
        return (self.upper - self.lower) / 2

    @property
    def centre(self) -> Fraction:
        return (self.upper + self.lower) / 2


@dataclass(frozen=True)
class _Unavailable:
    clause: str
    note: str
    source_status: str = "unavailable"
    research_status: str = ""


# --------------------------------------------------------------------------------------------- parameters


def _param_unit(ctx: _Ctx, spec: Mapping[str, Any]) -> str | None:
    if "unit_from_parameter" in spec:
        other = ctx.params.get(spec["unit_from_parameter"])
        return other if isinstance(other, str) else None
    unit = spec.get("unit")
    return unit if isinstance(unit, str) else None


def _param_number(ctx: _Ctx, value: object, spec: Mapping[str, Any], path: str) -> Fraction | None:
    unit = _param_unit(ctx, spec)
    given_unit = unit
    if isinstance(value, Mapping):
        given_unit = _check_unit(value.get("unit"))
        if given_unit is None:
            ctx.err(None, path + ".unit", "a unit is required with {'value', 'unit'}")
            return None
        value = value.get("value")
    x = _num(value)
    if x is None:
        ctx.err(None, path, f"must be a finite number, got {value!r}")
        return None
    if unit is None and given_unit not in (None, "1"):
        ctx.err(None, path + ".unit", f"this parameter has no unit, got {given_unit!r}")
        return None
    if unit is not None and given_unit is not None and given_unit != unit:
        try:
            x = _convert(x, given_unit, unit)
        except _UnitProblem as exc:
            ctx.err(None, path, str(exc))
            return None
    if "min_exclusive" in spec and not x > _num(spec["min_exclusive"]):  # type: ignore[operator]
        ctx.err(None, path, f"must be greater than {spec['min_exclusive']} {unit or ''}".rstrip())
        return None
    if spec.get("min") is not None and x < _num(spec["min"]):  # type: ignore[operator]
        ctx.err(None, path, f"must be at least {spec['min']} {unit or ''}".rstrip())
        return None
    if spec.get("max") is not None and x > _num(spec["max"]):  # type: ignore[operator]
        reason = spec.get("max_reason", f"must be at most {spec['max']} {unit or ''}".rstrip())
        ctx.err(None, path, reason)
        return None
    return x


def _parse_instrument(ctx: _Ctx, instrument: object) -> None:
    if not isinstance(instrument, Mapping):
        ctx.err(None, "instrument", "must be an object of instrument parameters")
        return
    names = {p.name for p in ctx.proc.parameters}
    for key in instrument:
        if key not in names:
            ctx.err(None, f"instrument.{key}", f"unknown parameter; expected some of {sorted(names)}")
    # choices first (other parameters may take their unit from a choice)
    ordered = sorted(ctx.proc.parameters, key=lambda p: 0 if p.type == "choice" else 1)
    for p in ordered:
        path = f"instrument.{p.name}"
        value = instrument.get(p.name, p.spec.get("default"))
        if value is None:
            if p.required:
                ctx.err(None, path, "required parameter is missing")
            continue
        if p.type == "choice":
            text = (
                str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) else None
            )
            if text not in p.choices:
                ctx.err(None, path, f"must be one of {list(p.choices)}, got {value!r}")
                continue
            ctx.params[p.name] = text
        elif p.type == "number":
            x = _param_number(ctx, value, p.spec, path)
            if x is not None:
                ctx.params[p.name] = x
        elif p.type == "number_list":
            if not isinstance(value, list | tuple) or not value:
                ctx.err(None, path, "must be a non-empty list of numbers")
                continue
            xs = [_param_number(ctx, v, p.spec, f"{path}[{i}]") for i, v in enumerate(value)]
            if all(x is not None for x in xs):
                vals = [x for x in xs if x is not None]
                if len(set(vals)) != len(vals):
                    ctx.err(None, path, "values must be distinct")
                    continue
                ctx.params[p.name] = tuple(sorted(vals))
        elif p.type == "object_list":
            _parse_object_list(ctx, p.spec, value, path)
        else:  # pragma: no cover - data error
            raise RuntimeError(f"unknown parameter type {p.type!r}")
    if not ctx.errors:
        _parameter_rules(ctx)


def _parse_object_list(ctx: _Ctx, spec: Mapping[str, Any], value: object, path: str) -> None:
    if not isinstance(value, list | tuple) or not value:
        ctx.err(None, path, "must be a non-empty list of objects")
        return
    fields = {f["name"]: f for f in spec["fields"]}
    items: list[dict[str, Any]] = []
    ids: set[str] = set()
    for i, item in enumerate(value):
        ipath = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            ctx.err(None, ipath, "must be an object")
            continue
        parsed: dict[str, Any] = {}
        for key in item:
            if key not in fields:
                ctx.err(None, f"{ipath}.{key}", f"unknown field; expected some of {sorted(fields)}")
        for name, f in fields.items():
            v = item.get(name, f.get("default"))
            if v is None:
                if f.get("required", False):
                    ctx.err(None, f"{ipath}.{name}", "required field is missing")
                continue
            if f["type"] == "number":
                x = _param_number(ctx, v, f, f"{ipath}.{name}")
                if x is not None:
                    parsed[name] = x
            elif f["type"] == "choice":
                if not isinstance(v, str) or v not in f["choices"]:
                    ctx.err(None, f"{ipath}.{name}", f"must be one of {list(f['choices'])}, got {v!r}")
                else:
                    parsed[name] = v
            else:
                if not isinstance(v, str) or not v.strip():
                    ctx.err(None, f"{ipath}.{name}", "must be a non-empty string")
                else:
                    parsed[name] = v.strip()
        if "id" in parsed:
            if parsed["id"] in ids:
                ctx.err(None, f"{ipath}.id", f"duplicate id {parsed['id']!r}")
            ids.add(parsed["id"])
        items.append(parsed)
    ctx.params[spec["name"]] = tuple(items)


def _parameter_rules(ctx: _Ctx) -> None:
    for rule in ctx.proc.data.get("parameter_rules", ()):
        kind = rule["type"]
        if kind == "scale_class_limits":
            _scale_class_limits(ctx, rule)
        elif kind == "less_than":
            a, b = ctx.params.get(rule["a"]), ctx.params.get(rule["b"])
            if a is not None and b is not None and not a < b:
                ctx.err(None, f"instrument.{rule['a']}", f"must be less than {rule['b']}")
        elif kind == "max_current":
            for i, lp in enumerate(ctx.params.get(rule["list"], ())):
                imax = ctx.params.get(rule["max_parameter"])
                if "current" in lp and imax is not None and lp["current"] > imax:
                    ctx.err(
                        None,
                        f"instrument.{rule['list']}[{i}].current",
                        f"{_fmt(lp['current'])} A is above the maximum current Imax = {_fmt(imax)} A",
                    )
        elif kind == "required_if":
            if ctx.params.get(rule["if_parameter"]) == rule["equals"] and rule["parameter"] not in ctx.params:
                ctx.err(
                    None,
                    f"instrument.{rule['parameter']}",
                    f"required when {rule['if_parameter']} is {rule['equals']!r}",
                )
        else:  # pragma: no cover - data error
            raise RuntimeError(f"unknown parameter rule {kind!r}")


def _scale_class_limits(ctx: _Ctx, rule: Mapping[str, Any]) -> None:
    cls, mx, e_kg = ctx.params["accuracy_class"], ctx.params["max_capacity"], ctx.params["e"] / 1000
    e_g = ctx.params["e"]
    rows = rule["classes"][cls]
    n = mx / e_kg
    for row in rows:
        lo, hi = _num(row["e_min_g"]), _num(row["e_max_g"]) if row["e_max_g"] is not None else None
        if lo is not None and e_g >= lo and (hi is None or e_g <= hi):
            if n.denominator != 1:
                ctx.err(None, "instrument.max_capacity", "Max must be a whole multiple of e")
            elif not row["n_min"] <= n <= row["n_max"]:
                ctx.err(
                    None,
                    "instrument.max_capacity",
                    f"n = Max/e = {_fmt(n)} is outside {row['n_min']}…{row['n_max']} for class {cls} "
                    f"with e = {_fmt(e_g)} g ({rule['clause']})",
                )
            ctx.params["_min_load_e"] = int(row["min_load_e"])
            return
    ctx.err(None, "instrument.e", f"e = {_fmt(e_g)} g is not allowed for class {cls} ({rule['clause']})")


# --------------------------------------------------------------------------------------------- test points


def _points(ctx: _Ctx) -> list[_PointSpec]:
    spec = ctx.proc.data["points"]
    gen = spec["generator"]
    if gen == "scale_weighing":
        return _points_scale(ctx, spec)
    if gen == "parameter_flows":
        return _points_flows(ctx, spec)
    if gen == "water_meter_q":
        return _points_water(ctx, spec)
    if gen == "value_list":
        return _points_values(ctx, spec)
    if gen == "load_points":
        return _points_loads(ctx, spec)
    raise RuntimeError(f"unknown point generator {gen!r}")  # pragma: no cover - data error


def _repeats(spec: Mapping[str, Any]) -> tuple[int | None, int]:
    count = spec.get("repeats")
    if count is not None:
        return int(count), int(count)
    return None, int(spec.get("repeats_min", 1))


def _points_scale(ctx: _Ctx, spec: Mapping[str, Any]) -> list[_PointSpec]:
    cls, mx, e = ctx.params["accuracy_class"], ctx.params["max_capacity"], ctx.params["e"] / 1000
    bands = ctx.proc.data["mpe"]["first"]["bands"][cls]
    loads: dict[Fraction, tuple[str, str, str]] = {}
    loads[ctx.params["_min_load_e"] * e] = ("min", "Min", "最小秤量 Min")
    for b, _ in bands[:-1]:
        if b * e < mx:
            loads.setdefault(b * e, (f"changeover_{b}e", f"MPE changeover {b}e", f"误差转换点 {b}e"))
    loads.setdefault(mx / 2, ("half_max", "50 % Max", "50% Max"))
    loads[mx] = ("max", "Max", "最大秤量 Max")
    if len(loads) < 5:
        loads.setdefault(mx / 4, ("quarter_max", "25 % Max", "25% Max"))
        loads.setdefault(mx * 3 / 4, ("three_quarter_max", "75 % Max", "75% Max"))
    labels = tuple(spec["reading_labels"])
    out = []
    for load in sorted(loads):
        pid, en, zh = loads[load]
        is_max = load == mx
        out.append(
            _PointSpec(
                id=pid,
                nominal=load,
                nominal_unit="kg",
                unit="kg",
                quantity="mass",
                repeats=1 if is_max else len(labels),
                repeats_min=1 if is_max else len(labels),
                reading_labels=labels[:1] if is_max else labels,
                reference_required=False,
                attrs={"test": "weighing"},
                label_en=en,
                label_zh=zh,
            )
        )
    ecc = spec.get("eccentricity")
    if ecc is not None:
        # R 76-1 3.6.2: (Max + T+)/3 on each of 4 segments (≤ 4 supports); (Max + T+)/(n − 1) per support (n > 4)
        supports = ctx.params.get("support_points", Fraction(4))
        if supports.denominator != 1:
            ctx.err(None, "instrument.support_points", "must be a whole number")
            supports = Fraction(4)
        total = mx + ctx.params.get("max_additive_tare", Fraction(0))
        if supports <= 4:
            load = total * Fraction(ecc["load_fraction_up_to_4_supports"])
            positions = int(ecc["positions_up_to_4_supports"])
        else:
            load = total / (supports - 1)
            positions = int(supports)
        out.append(
            _PointSpec(
                id="eccentricity",
                nominal=load,
                nominal_unit="kg",
                unit="kg",
                quantity="mass",
                repeats=positions,
                repeats_min=positions,
                reading_labels=tuple(f"position_{i + 1}" for i in range(positions)),
                reference_required=False,
                attrs={"test": "eccentricity"},
                label_en="Eccentricity",
                label_zh="偏载",
            )
        )
    nrep = int(spec["repetition_count_min"])
    for frac in spec["repetition_loads_fraction"]:
        f = _num(frac)
        assert f is not None
        pid = "rep_max" if f == 1 else f"rep_{_fmt(f * 100)}"
        out.append(
            _PointSpec(
                id=pid,
                nominal=mx * f,
                nominal_unit="kg",
                unit="kg",
                quantity="mass",
                repeats=None,
                repeats_min=nrep,
                reading_labels=(),
                reference_required=False,
                attrs={"test": "repeatability"},
                label_en=f"Repeatability at {_fmt(f * 100)} % Max",
                label_zh=f"重复性 {_fmt(f * 100)}% Max",
            )
        )
    return out


def _points_flows(ctx: _Ctx, spec: Mapping[str, Any]) -> list[_PointSpec]:
    count, rmin = _repeats(spec)
    out = []
    for p in spec["flows"]:
        q = ctx.params.get(p["parameter"])
        if q is None:
            continue
        out.append(
            _PointSpec(
                id=p["id"],
                nominal=q,
                nominal_unit=spec["nominal_unit"],
                unit=spec["reading_unit"],
                quantity=spec["reading_quantity"],
                repeats=count,
                repeats_min=rmin,
                reading_labels=(),
                reference_required=True,
                attrs={},
                label_en=p["label_en"],
                label_zh=p["label_zh"],
            )
        )
    return out


def _points_water(ctx: _Ctx, spec: Mapping[str, Any]) -> list[_PointSpec]:
    count, rmin = _repeats(spec)
    q3, r = ctx.params["q3"], ctx.params["ratio_r"]
    q1 = q3 / r
    q2 = q1 * _num(spec["q2_over_q1"])
    out = []
    for pid, q, zone in (("Q1", q1, "lower"), ("Q2", q2, "upper"), ("Q3", q3, "upper")):
        out.append(
            _PointSpec(
                id=pid,
                nominal=q,
                nominal_unit="m³/h",
                unit=spec["reading_unit"],
                quantity="volume",
                repeats=count,
                repeats_min=rmin,
                reading_labels=(),
                reference_required=True,
                attrs={"zone": zone},
                label_en=f"{pid} ({zone} zone)",
                label_zh=f"{pid}（{'低区' if zone == 'lower' else '高区'}）",
            )
        )
    return out


def _points_values(ctx: _Ctx, spec: Mapping[str, Any]) -> list[_PointSpec]:
    """Points from a parameter list or from fixed values (per unit), limited to the measuring range."""
    count, rmin = _repeats(spec)
    unit = ctx.params.get(spec["unit_parameter"]) if "unit_parameter" in spec else spec["unit"]
    assert isinstance(unit, str)
    values: list[Fraction] = []
    if "values_parameter" in spec and spec["values_parameter"] in ctx.params:
        values = list(ctx.params[spec["values_parameter"]])
    elif "fixed_values" in spec:
        fixed = spec["fixed_values"]
        raw = fixed[unit] if isinstance(fixed, Mapping) else fixed
        values = [v for v in (_num(x) for x in raw) if v is not None]
    lo = ctx.params.get(spec["range_lower_parameter"]) if "range_lower_parameter" in spec else None
    hi = ctx.params.get(spec["range_upper_parameter"]) if "range_upper_parameter" in spec else None
    if "range_lower" in spec:
        lo = _num(spec["range_lower"])
    kept = []
    for v in values:
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            if spec.get("outside_range") == "error":
                ctx.err(
                    None,
                    f"instrument.{spec.get('values_parameter', 'points')}",
                    f"{_fmt(v)} {unit} is outside the measuring range",
                )
            continue
        kept.append(v)
    labels = tuple(spec.get("reading_labels", ()))
    prefix = spec.get("id_prefix", "p")
    return [
        _PointSpec(
            id=f"{prefix}{_fmt(v)}",
            nominal=v,
            nominal_unit=unit,
            unit=unit if spec.get("reading_unit") is None else spec["reading_unit"],
            quantity=spec["reading_quantity"],
            repeats=count,
            repeats_min=rmin,
            reading_labels=labels,
            reference_required=bool(spec.get("reference_required", False)),
            attrs={},
            label_en=f"{_fmt(v)} {unit}",
            label_zh=f"{_fmt(v)} {unit}",
        )
        for v in kept
    ]


def _points_loads(ctx: _Ctx, spec: Mapping[str, Any]) -> list[_PointSpec]:
    count, rmin = _repeats(spec)
    out = []
    for lp in ctx.params.get(spec["parameter"], ()):
        if "id" not in lp or "current" not in lp:
            continue
        out.append(
            _PointSpec(
                id=lp["id"],
                nominal=lp["current"],
                nominal_unit="A",
                unit="%",
                quantity="relative_error",
                repeats=count,
                repeats_min=rmin,
                reading_labels=(),
                reference_required=False,
                attrs={"power_factor": lp.get("power_factor", "1"), "load": lp.get("load", "balanced")},
                alternative_units=(spec["energy_unit"],),
                label_en=f"{_fmt(lp['current'])} A, cos φ = {lp.get('power_factor', '1')}",
                label_zh=f"{_fmt(lp['current'])} A，cos φ = {lp.get('power_factor', '1')}",
            )
        )
    return out


# --------------------------------------------------------------------------------------------- MPE rules


def _limits(ctx: _Ctx, point: _PointSpec, load: Fraction) -> _Limits | _Unavailable:
    rule = ctx.proc.mpe[ctx.stage]
    spec = rule.spec
    kind = rule.type

    def sym(
        value: Fraction,
        desc: str,
        *,
        clause: str = rule.clause,
        status: str = rule.source_status,
        research: str = rule.research_status,
    ) -> _Limits:
        return _Limits(-value, value, clause, status, research, desc)

    if kind == "unavailable":
        return _Unavailable(rule.clause, rule.note)
    if kind == "e_bands":
        e = ctx.params["e"] / 1000
        m = load / e
        factor = _num(spec["factor"])
        assert factor is not None
        for bound, mpe_e in spec["bands"][ctx.params["accuracy_class"]]:
            if m <= bound:
                v = _num(mpe_e) * factor  # type: ignore[operator]
                return sym(v * e, f"±{_fmt(v)}e (load {_fmt(m)}e ≤ {bound}e)")
        return _Unavailable(rule.clause, f"load {_fmt(m)}e is beyond the encoded bands")
    if kind == "percent":
        v = _num(spec["value"])
        assert v is not None
        return sym(v, f"±{_fmt(v)} %")
    if kind == "limits":
        lo, hi = _num(spec["lower"]), _num(spec["upper"])
        assert lo is not None and hi is not None
        return _Limits(
            lo, hi, rule.clause, rule.source_status, rule.research_status, f"{_fmt(lo)} % … +{_fmt(hi)} %"
        )
    if kind == "percent_of_span":
        cls = spec.get("aliases", {}).get(ctx.params["accuracy_class"], ctx.params["accuracy_class"])
        row = spec["classes"][cls]
        lo, hi = ctx.params["range_lower"], ctx.params["range_upper"]
        span = hi - lo
        upper_zone = hi > 0 and load >= _num(spec["upper_zone_from"]) * hi
        pct = _num(row["upper_zone"] if upper_zone else row["rest"])
        assert pct is not None
        zone = "90 %…100 % of the upper limit" if upper_zone else "rest of the range"
        return sym(pct * span / 100, f"±{_fmt(pct)} % of span {_fmt(span)} ({zone}, class {cls})")
    if kind == "water_zones":
        row = spec["classes"][ctx.params["accuracy_class"]]
        zone = point.attrs["zone"]
        if zone == "lower":
            key = "lower"
        else:
            t = ctx.env.get(spec["temperature_field"])
            if t is None:
                return _Unavailable(
                    rule.clause, "water temperature not given: the upper-zone MPE depends on it"
                )
            key = "upper_warm" if t > _num(spec["warm_above"]) else "upper_cold"  # type: ignore[operator]
        v = row.get(key)
        if v is None:
            note = spec.get("missing_note", "no limit is encoded for this zone")
            return _Unavailable(rule.clause, f"{key} zone, class {ctx.params['accuracy_class']}: {note}")
        x = _num(v)
        assert x is not None
        return sym(x, f"±{_fmt(x)} % ({key.replace('_', ' ')} zone, class {ctx.params['accuracy_class']})")
    if kind == "by_unit":
        unit = point.unit
        zero = spec.get("zero_rule")
        if zero is not None and load == 0:
            sel = zero["values"].get(ctx.params.get(zero["parameter"], ""))
            if sel is None:
                return _Unavailable(zero["clause"], zero.get("note", "no numeric zero limit"))
            lo, hi = _num(sel[unit][0]), _num(sel[unit][1])
            assert lo is not None and hi is not None
            return _Limits(
                lo,
                hi,
                zero["clause"],
                zero["source_status"],
                zero.get("research_status", ""),
                f"zero: {_fmt(lo)} … +{_fmt(hi)} {unit}",
            )
        v = _num(spec["values"][unit])
        assert v is not None
        return sym(v, f"±{_fmt(v)} {unit} (value as printed for {unit})")
    if kind == "current_table":
        return _limits_current(ctx, point, spec, rule.clause)
    raise RuntimeError(f"unknown MPE rule type {kind!r}")  # pragma: no cover - data error


def _limits_current(
    ctx: _Ctx, point: _PointSpec, spec: Mapping[str, Any], clause: str
) -> _Limits | _Unavailable:
    conn = ctx.params["connection"]
    basis = ctx.params["basic_current"]
    x = point.nominal / basis
    cls = ctx.params["accuracy_class"]
    pf, load = point.attrs["power_factor"], point.attrs["load"]
    for row in spec["rows"]:
        if row["connection"] != conn or row["load"] != load or pf not in row["pf"]:
            continue
        lo = _num(row["from"])
        assert lo is not None
        if x < lo or (x == lo and not row["from_closed"]):
            continue
        if row["to"] is not None:
            hi = _num(row["to"])
            assert hi is not None
            if x > hi or (x == hi and not row["to_closed"]):
                continue
        v = row["classes"].get(cls)
        if v is None:
            continue
        val = _num(v)
        assert val is not None
        rng = f"{row['from']}…{row['to'] if row['to'] is not None else 'Imax'} {row['basis']}"
        return _Limits(
            -val,
            val,
            row["clause"],
            row["source_status"],
            row.get("research_status", ""),
            f"±{_fmt(val)} % (class {cls}, {rng}, cos φ = {pf}, {load} load)",
        )
    return _Unavailable(
        clause,
        f"no encoded limit for class {cls}, I = {_fmt(x)} × {'Ib' if conn == 'direct' else 'In'}, cos φ = {pf}, "
        f"{load} load (the table is not available for this combination)",
    )


# --------------------------------------------------------------------------------------------- environment


def _check_environment(ctx: _Ctx, env: object) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if env is None:
        env = {}
    if not isinstance(env, Mapping):
        ctx.err(None, "environment", "must be an object {name: {'value': x, 'unit': u}}")
        return out
    names = {c.name for c in ctx.proc.environment}
    for key in env:
        if key not in names:
            ctx.err(
                None,
                f"environment.{key}",
                f"unknown environmental quantity; expected some of {sorted(names)}",
            )
    for cond in ctx.proc.environment:
        path = f"environment.{cond.name}"
        lo, hi = _env_range(ctx, cond.spec)
        item = env.get(cond.name)
        if isinstance(item, Mapping) and item.get("value") in (None, ""):
            item = None  # an empty form field is a missing value
        if item is None or item == "":
            if cond.required:
                ctx.err(None, path, "required environmental value is missing")
            continue
        unit = cond.unit
        value: object = item
        if isinstance(item, Mapping):
            value = item.get("value")
            unit_given = _check_unit(item.get("unit"))
            if unit_given is None:
                ctx.err(None, path + ".unit", "a unit is required")
                continue
            unit = unit_given
        x = _num(value)
        if x is None:
            ctx.err(None, path + ".value", f"must be a finite number, got {value!r}")
            continue
        try:
            x = _convert(x, unit, cond.unit)
        except _UnitProblem as exc:
            ctx.err(None, path + ".unit", str(exc))
            continue
        if (lo is not None and x < lo) or (hi is not None and x > hi):
            rng = f"[{_fmt(lo) if lo is not None else '−∞'}, {_fmt(hi) if hi is not None else '+∞'}] {cond.unit}"
            ctx.err(
                None,
                path,
                f"{_fmt(x)} {cond.unit} is outside the allowed range {rng} ({cond.clause}); "
                "the verification cannot be valid under these conditions",
            )
            continue
        ctx.env[cond.name] = x
        out.append(
            {
                "name": cond.name,
                "value": float(x),
                "unit": cond.unit,
                "min": _f(lo),
                "max": _f(hi),
                "ok": True,
                "clause": cond.clause,
                "source_status": cond.source_status,
            }
        )
    return out


def _env_range(ctx: _Ctx, spec: Mapping[str, Any]) -> tuple[Fraction | None, Fraction | None]:
    lo = _num(spec["min"]) if spec.get("min") is not None else None
    hi = _num(spec["max"]) if spec.get("max") is not None else None
    dyn = spec.get("max_from_parameter")
    if dyn is not None:
        sel = ctx.params.get(dyn["parameter"])
        if sel is not None and sel in dyn["values"]:
            hi = _num(dyn["values"][sel])
    return lo, hi


# --------------------------------------------------------------------------------------------- form


def _stage(ctx_errors: list[InputErrorRow], stage: object) -> str:
    if stage not in STAGES:
        ctx_errors.append(
            {"row": None, "field": "stage", "reason": f"must be one of {list(STAGES)}, got {stage!r}"}
        )
        return "first"
    assert isinstance(stage, str)
    return stage


def _standards_needed(proc: Procedure) -> list[dict[str, Any]]:
    return [thaw(s) for s in proc.data.get("standards", ())]


def form_document(code: str, *, stage: str, instrument: Mapping[str, Any]) -> dict[str, Any]:
    """The data-entry form of a verification: what must be entered for this instrument and stage.

    Returns a JSON-able dict with ``procedure``, ``regulation``, ``stage``, ``parameters`` (all instrument
    parameters with labels, units and whether required), ``environment`` (name, label_zh, label_en, unit,
    min, max, required, clause, source_status), ``points`` (id, label, nominal, nominal_unit, unit of the
    readings, repeats / repeats_min, reading_labels, whether a reference value is required), ``mpe`` (the
    stage's rule with clause and source_status), ``group_checks`` and ``standards`` (kind, quantity,
    requirement).

    Raises:
        VerificationInputError: unknown procedure, bad stage or invalid instrument parameters.
    """
    proc = get_procedure(code)
    errors: list[InputErrorRow] = []
    st = _stage(errors, stage)
    ctx = _Ctx(proc, st, errors)
    _parse_instrument(ctx, instrument)
    ctx.raise_if_errors()
    points = _points(ctx)
    ctx.raise_if_errors()
    if not points:
        ctx.err(None, "instrument", "no test point results from these parameters")
        ctx.raise_if_errors()
    env = []
    for cond in proc.environment:
        lo, hi = _env_range(ctx, cond.spec)
        env.append(
            {
                "name": cond.name,
                "label_zh": cond.label_zh,
                "label_en": cond.label_en,
                "unit": cond.unit,
                "min": _f(lo),
                "max": _f(hi),
                "required": cond.required,
                "clause": cond.clause,
                "source_status": cond.source_status,
                "note": cond.spec.get("note", ""),
            }
        )
    out_points = []
    for p in points:
        lim = _limits(ctx, p, p.nominal)
        out_points.append(
            {
                "id": p.id,
                "label_en": p.label_en,
                "label_zh": p.label_zh,
                "nominal": float(p.nominal),
                "nominal_unit": p.nominal_unit,
                "unit": p.unit,
                "alternative_units": list(p.alternative_units),
                "quantity": p.quantity,
                "repeats": p.repeats if p.repeats is not None else p.repeats_min,
                "repeats_exact": p.repeats is not None,
                "repeats_min": p.repeats_min,
                "reading_labels": list(p.reading_labels),
                "reference_required": p.reference_required,
                "mpe": _limits_dict(lim),
            }
        )
    rule = proc.mpe[st]
    return {
        "procedure": proc.code,
        "regulation": _regulation_dict(proc),
        "stage": st,
        "quantity": proc.quantity,
        "error_model": proc.error_model,
        "parameters": [
            {
                "name": p.name,
                "label_zh": p.label_zh,
                "label_en": p.label_en,
                "type": p.type,
                "unit": _param_unit(ctx, p.spec),
                "required": p.required,
                "choices": list(p.choices),
                "value": _param_value_json(ctx.params.get(p.name)),
            }
            for p in proc.parameters
        ],
        "environment": env,
        "points": out_points,
        "mpe": {
            "type": rule.type,
            "clause": rule.clause,
            "source_status": rule.source_status,
            "research_status": rule.research_status,
            "note": rule.note,
        },
        "group_checks": [thaw(g) for g in proc.data.get("group_checks", ())],
        "standards": _standards_needed(proc),
        "temperature_correction": thaw(proc.data["temperature_correction"])
        if "temperature_correction" in proc.data
        else None,
        "source_status": proc.source_status,
    }


def _param_value_json(value: Any) -> Any:
    if isinstance(value, Fraction):
        return float(value)
    if isinstance(value, tuple):
        return [_param_value_json(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _param_value_json(v) for k, v in value.items()}
    return value


def _regulation_dict(proc: Procedure) -> dict[str, Any]:
    r = proc.regulation
    return {
        "number": r.number,
        "year": r.year,
        "designation": r.designation,
        "title_zh": r.title_zh,
        "title_en": r.title_en,
        "source_status": r.source_status,
    }


def _limits_dict(lim: _Limits | _Unavailable) -> dict[str, Any]:
    if isinstance(lim, _Unavailable):
        return {"available": False, "clause": lim.clause, "source_status": "unavailable", "note": lim.note}
    return {
        "available": True,
        "lower": float(lim.lower),
        "upper": float(lim.upper),
        "description": lim.description,
        "clause": lim.clause,
        "source_status": lim.source_status,
        "research_status": lim.research_status,
    }


# --------------------------------------------------------------------------------------------- evaluation


@dataclass
class _Std:
    index: int
    u: Fraction
    unit: str
    points: frozenset[str] | None
    mpe: Fraction | None = None


def _parse_standards(ctx: _Ctx, standards: object) -> list[_Std]:
    if standards is None:
        return []
    if not isinstance(standards, list | tuple):
        ctx.err(None, "standards", "must be a list")
        return []
    out = []
    for i, s in enumerate(standards):
        path = f"standards[{i}]"
        if not isinstance(s, Mapping):
            ctx.err(None, path, "must be an object")
            continue
        u = _num(s.get("standard_uncertainty"))
        if u is None or u < 0:
            ctx.err(None, path + ".standard_uncertainty", "must be a finite number ≥ 0")
            continue
        unit = _check_unit(s.get("unit"))
        if unit is None:
            ctx.err(
                None, path + ".unit", "a unit is required (the unit of the readings, or '%' for relative)"
            )
            continue
        pts = s.get("points")
        if pts is not None and (not isinstance(pts, list) or not all(isinstance(p, str) for p in pts)):
            ctx.err(None, path + ".points", "must be a list of point ids")
            continue
        mpe = None
        if s.get("mpe") is not None:
            mpe = _num(s.get("mpe"))
            if mpe is None or mpe < 0:
                ctx.err(None, path + ".mpe", "must be a finite number ≥ 0 (the standard's MPE, in its unit)")
                continue
        out.append(_Std(i, u, unit, frozenset(pts) if pts is not None else None, mpe))
    return out


@dataclass
class _PointData:
    spec: _PointSpec
    row: int
    readings: list[Fraction]
    reference: list[Fraction] | None
    changeover: list[Fraction] | None
    direct_percent: bool
    given_unit: str
    #: the unit the readings were converted to (the point's unit, or the energy unit for energy readings)
    unit: str
    #: (t_J, t_B) per reading in °C for the temperature correction of the standard volume, or None
    temperatures: tuple[list[Fraction], list[Fraction]] | None = None


def _parse_points(ctx: _Ctx, specs: list[_PointSpec], points: object) -> list[_PointData]:
    if not isinstance(points, list | tuple):
        ctx.err(None, "points", "must be a list of point rows")
        return []
    by_id = {p.id: p for p in specs}
    seen: dict[str, int] = {}
    out = []
    for i, row in enumerate(points):
        rno, path = i + 1, f"points[{i}]"
        if not isinstance(row, Mapping):
            ctx.err(rno, path, "must be an object")
            continue
        for key in row:
            if key not in _POINT_FIELDS:
                ctx.err(rno, f"{path}.{key}", f"unknown field; expected some of {list(_POINT_FIELDS)}")
        pid = row.get("point")
        if not isinstance(pid, str) or pid not in by_id:
            ctx.err(rno, path + ".point", f"unknown test point {pid!r}; expected one of {list(by_id)}")
            continue
        if pid in seen:
            ctx.err(rno, path + ".point", f"point {pid!r} given twice (rows {seen[pid]} and {rno})")
            continue
        seen[pid] = rno
        pd = _parse_point(ctx, by_id[pid], rno, path, row)
        if pd is not None:
            out.append(pd)
    for p in specs:
        if p.id not in seen:
            ctx.err(None, "points", f"test point {p.id!r} ({p.label_en}) is missing")
    return out


def _numbers(ctx: _Ctx, rno: int, path: str, values: object, what: str) -> list[Fraction] | None:
    if not isinstance(values, list | tuple) or not values:
        ctx.err(rno, path, f"{what} must be a non-empty list of numbers")
        return None
    out, ok = [], True
    for j, v in enumerate(values):
        x = _num(v)
        if x is None:
            ctx.err(rno, f"{path}[{j}]", f"must be a finite number, got {v!r}")
            ok = False
        elif abs(x) > _MAX_MAGNITUDE:
            ctx.err(rno, f"{path}[{j}]", f"implausibly large value {v!r}")
            ok = False
        else:
            out.append(x)
    return out if ok else None


def _parse_point(
    ctx: _Ctx, spec: _PointSpec, rno: int, path: str, row: Mapping[str, Any]
) -> _PointData | None:
    readings = _numbers(ctx, rno, path + ".readings", row.get("readings"), "readings")
    if readings is None:
        return None
    n = len(readings)
    if spec.repeats is not None and n != spec.repeats:
        labels = f" ({', '.join(spec.reading_labels)})" if spec.reading_labels else ""
        ctx.err(rno, path + ".readings", f"{spec.repeats} readings required{labels}, got {n}")
        return None
    if spec.repeats is None and n < spec.repeats_min:
        ctx.err(rno, path + ".readings", f"at least {spec.repeats_min} readings required, got {n}")
        return None
    unit = _check_unit(row.get("unit"))
    if unit is None:
        ctx.err(rno, path + ".unit", "the unit of the readings is required")
        return None
    direct = False
    target = spec.unit
    if spec.unit == "%" and unit != "%":
        target = spec.alternative_units[0] if spec.alternative_units else "%"
    elif unit == "%" and spec.unit != "%":
        ctx.err(
            rno, path + ".unit", f"readings in % are not accepted here; expected a unit of {spec.quantity}"
        )
        return None
    if unit == "%" and spec.unit == "%":
        direct = True
    try:
        conv = [_convert(x, unit, target) for x in readings]
    except _UnitProblem as exc:
        ctx.err(rno, path + ".unit", f"{exc}; readings of {spec.quantity} are expected in {target}")
        return None
    reference: list[Fraction] | None = None
    if row.get("reference") is not None:
        if direct:
            ctx.err(
                rno, path + ".reference", "no reference values with readings given as relative errors (%)"
            )
            return None
        ref = _numbers(ctx, rno, path + ".reference", row.get("reference"), "reference")
        if ref is None:
            return None
        if len(ref) not in (1, n):
            ctx.err(
                rno, path + ".reference", f"give 1 reference value or one per reading ({n}), got {len(ref)}"
            )
            return None
        runit = _check_unit(row.get("reference_unit")) or unit
        try:
            reference = [_convert(x, runit, target) for x in ref]
        except _UnitProblem as exc:
            ctx.err(rno, path + ".reference_unit", str(exc))
            return None
        if len(reference) == 1:
            reference = reference * n
        if ctx.proc.error_model == "relative" and any(r <= 0 for r in reference):
            ctx.err(rno, path + ".reference", "reference values must be positive for a relative error")
            return None
    elif (spec.reference_required or target != spec.unit) and not direct:
        ctx.err(rno, path + ".reference", "reference (standard) values are required at this point")
        return None
    changeover: list[Fraction] | None = None
    if row.get("changeover") is not None:
        if ctx.proc.data["points"]["generator"] != "scale_weighing":
            ctx.err(rno, path + ".changeover", "changeover weights apply to scales only")
            return None
        co = _numbers(ctx, rno, path + ".changeover", row.get("changeover"), "changeover")
        if co is None:
            return None
        if len(co) != n:
            ctx.err(rno, path + ".changeover", f"one changeover load ΔL per reading ({n}) is required")
            return None
        try:
            changeover = [_convert(x, unit, target) for x in co]
        except _UnitProblem as exc:  # pragma: no cover - same unit as the readings
            ctx.err(rno, path + ".changeover", str(exc))
            return None
        if any(x < 0 for x in changeover):
            ctx.err(rno, path + ".changeover", "changeover loads ΔL must be ≥ 0")
            return None
    if ctx.proc.error_model == "relative" and not direct and any(x < 0 for x in conv):
        ctx.err(rno, path + ".readings", "indicated quantities must not be negative")
        return None
    n_errors = len(ctx.errors)
    temps = _parse_temperatures(ctx, rno, path, row, n, reference is not None)
    if len(ctx.errors) > n_errors:
        return None
    return _PointData(spec, rno, conv, reference, changeover, direct, unit, target, temps)


def _parse_temperatures(
    ctx: _Ctx, rno: int, path: str, row: Mapping[str, Any], n: int, has_reference: bool
) -> tuple[list[Fraction], list[Fraction]] | None:
    """Fuel and measure temperatures (°C) for the JJG 443 temperature correction (errors go to ``ctx``)."""
    given = [k for k in ("fuel_temperature", "measure_temperature") if row.get(k) is not None]
    if not given:
        return None
    tc = ctx.proc.data.get("temperature_correction")
    if tc is None:
        ctx.err(rno, f"{path}.{given[0]}", "this procedure has no temperature correction")
        return None
    if len(given) != 2:
        ctx.err(rno, path, "give both fuel_temperature and measure_temperature (°C)")
        return None
    if ctx.params.get(tc["material_parameter"]) is None or ctx.params.get(tc["fuel_beta_parameter"]) is None:
        ctx.err(
            rno,
            path,
            f"the temperature correction needs instrument.{tc['material_parameter']} and "
            f"instrument.{tc['fuel_beta_parameter']}",
        )
        return None
    if not has_reference:
        ctx.err(rno, f"{path}.reference", "the standard volume V_B is required with a temperature correction")
        return None
    out: list[list[Fraction]] = []
    for key in ("fuel_temperature", "measure_temperature"):
        values = _numbers(ctx, rno, f"{path}.{key}", row.get(key), key)
        if values is None:
            return None
        if len(values) not in (1, n):
            ctx.err(rno, f"{path}.{key}", f"give 1 temperature or one per reading ({n}), got {len(values)}")
            return None
        if any(not Fraction(-50) <= t <= Fraction(100) for t in values):
            ctx.err(rno, f"{path}.{key}", "temperatures in °C must lie within −50 … 100 °C")
            return None
        out.append(values * n if len(values) == 1 else values)
    return out[0], out[1]


def _range_check(ctx: _Ctx, pd: _PointData, max_mpe: Fraction | None) -> None:
    rr = ctx.proc.data.get("reading_range")
    if rr is None or pd.direct_percent:
        return
    lo = _num(rr["lower"]) if rr.get("lower") is not None else ctx.params.get(rr.get("lower_parameter", ""))
    hi = ctx.params.get(rr["upper_parameter"])
    tol = max_mpe if (rr.get("tolerance") == "largest_mpe" and max_mpe is not None) else Fraction(0)
    for j, x in enumerate(pd.readings):
        if (lo is not None and x < lo - tol) or (hi is not None and x > hi + tol):
            ctx.err(
                pd.row,
                f"points[{pd.row - 1}].readings[{j}]",
                f"{_fmt(x)} {pd.spec.unit} is outside the measuring range "
                f"[{_fmt(lo) if lo is not None else '−∞'}, {_fmt(hi) if hi is not None else '+∞'}] {pd.spec.unit}"
                + (f" by more than the largest MPE ({_fmt(tol)} {pd.spec.unit})" if tol else ""),
            )


def _reading_errors(ctx: _Ctx, pd: _PointData) -> tuple[list[Fraction], list[Fraction], list[Fraction]]:
    """(indications corrected, references, errors) per reading."""
    if pd.direct_percent:
        return list(pd.readings), [Fraction(0)] * len(pd.readings), list(pd.readings)
    refs = pd.reference if pd.reference is not None else [pd.spec.nominal] * len(pd.readings)
    if pd.temperatures is not None:
        refs = _temperature_corrected(ctx, refs, *pd.temperatures)
    ind = list(pd.readings)
    if pd.changeover is not None:
        half_e = ctx.params["e"] / 2000
        ind = [i + half_e - d for i, d in zip(ind, pd.changeover, strict=True)]
    if ctx.proc.error_model == "relative":
        errs = [(i - r) / r * 100 for i, r in zip(ind, refs, strict=True)]
    else:
        errs = [i - r for i, r in zip(ind, refs, strict=True)]
    return ind, refs, errs


def _temperature_corrected(
    ctx: _Ctx, volumes: list[Fraction], t_fuel: list[Fraction], t_measure: list[Fraction]
) -> list[Fraction]:
    """JJG 443-2006 7.6.1: V_Bt = V_B·[1 + β_y·(t_J − t_B) + β_B·(t_B − 20 °C)] (exact arithmetic)."""
    tc = ctx.proc.data["temperature_correction"]
    beta_b = _num(tc["beta_measure"][ctx.params[tc["material_parameter"]]])
    beta_y = ctx.params[tc["fuel_beta_parameter"]]
    t0 = _num(tc["reference_temperature"])
    assert beta_b is not None and t0 is not None
    return [
        v * (1 + beta_y * (tj - tb) + beta_b * (tb - t0))
        for v, tj, tb in zip(volumes, t_fuel, t_measure, strict=True)
    ]


def _mean(xs: Sequence[Fraction]) -> Fraction:
    return sum(xs, Fraction(0)) / len(xs)


def _stdev(xs: Sequence[Fraction]) -> float:
    n = len(xs)
    m = _mean(xs)
    return math.sqrt(float(sum(((x - m) ** 2 for x in xs), Fraction(0)) / (n - 1)))


def _uncertainty(
    ctx: _Ctx, pd: _PointData, ind: list[Fraction], refs: list[Fraction], stds: list[_Std]
) -> tuple[float, float, list[dict[str, Any]]]:
    """(standard uncertainty, expanded uncertainty, budget) of the error, GUM law of propagation, k = 2."""
    model_spec = ctx.proc.data["uncertainty"]
    each = ctx.proc.data["judge"] == "each_reading"
    n = len(ind)
    i_val = float(_mean(ind))
    r_val = float(_mean(refs))
    u_i, dof_i = 0.0, math.inf
    u_res = 0.0
    u_std_abs2 = 0.0
    u_std_rel2 = 0.0
    for c in model_spec["contributions"]:
        if c["kind"] == "repeatability" and n >= int(c.get("min_readings", 2)):
            s = _stdev(ind)
            u_i, dof_i = (s if each else s / math.sqrt(n)), float(n - 1)
        elif c["kind"] == "resolution":
            res = ctx.params.get(c["parameter"])
            only_changeover = c.get("applies") == "changeover_only"
            if (
                res is not None
                and not pd.direct_percent
                and (pd.changeover is not None or not only_changeover)
            ):
                punit = next(p.unit for p in ctx.proc.parameters if p.name == c["parameter"])
                r = _convert(res, punit, pd.unit) if punit else res
                if pd.changeover is not None:
                    r = r / 10  # changeover weights of 0.1e: the changeover point is found to ±0.05e
                u_res = float(r) / 2 / math.sqrt(3)
        elif c["kind"] == "standard":
            for s_ in stds:
                if s_.points is not None and pd.spec.id not in s_.points:
                    continue
                if s_.unit == "%":
                    u_std_rel2 += float(s_.u) ** 2
                else:
                    try:
                        u_abs = _convert(s_.u, s_.unit, pd.unit)
                    except _UnitProblem as exc:
                        ctx.err(pd.row, "standards", f"standard uncertainty: {exc}")
                        continue
                    u_std_abs2 += float(u_abs) ** 2
    if pd.direct_percent:
        if u_std_abs2:
            ctx.err(
                pd.row, "standards", "give the standard uncertainty in % when readings are relative errors"
            )
        expr = "E = I + d_std"
        inputs = [
            Input.normal("I", i_val, u_i, dof=dof_i if math.isfinite(dof_i) else None),
            Input.normal("d_std", 0.0, math.sqrt(u_std_rel2)),
        ]
    else:
        u_r = math.sqrt(u_std_abs2 + u_std_rel2 * (r_val / 100) ** 2)
        if ctx.proc.error_model == "relative":
            expr = "E = (I + d_res - R) / R * 100"
        else:
            expr = "E = I + d_res - R"
        inputs = [
            Input.normal("I", i_val, u_i, dof=dof_i if math.isfinite(dof_i) else None),
            Input.normal("R", r_val, u_r),
            Input.normal("d_res", 0.0, u_res),
        ]
    result = propagate(Model(expr, inputs), k=_K)["E"]
    budget = [
        {
            "quantity": b.quantity,
            "standard_uncertainty": b.standard_uncertainty,
            "sensitivity": b.sensitivity,
            "contribution": b.contribution,
        }
        for b in result.budget
    ]
    return result.standard_uncertainty, result.expanded_uncertainty, budget


def _standard_checks(
    ctx: _Ctx, pd: _PointData, refs: list[Fraction], lim: _Limits | _Unavailable, stds: list[_Std]
) -> list[dict[str, Any]]:
    """Requirement on the standards (e.g. MPE of the weights ≤ 1/3 of the scale's MPE): informative."""
    out: list[dict[str, Any]] = []
    if isinstance(lim, _Unavailable):
        return out
    mpev = min(abs(lim.lower), abs(lim.upper))
    ref = _mean(refs) if not pd.direct_percent else None
    for req in ctx.proc.data.get("standards", ()):
        check = req.get("check")
        if check is None or ctx.stage not in check["ratios"]:
            continue
        ratio = Fraction(check["ratios"][ctx.stage])
        for s_ in stds:
            if s_.points is not None and pd.spec.id not in s_.points:
                continue
            raw = s_.mpe if check["on"] == "mpe" else 2 * s_.u
            if raw is None:
                continue
            try:
                if ctx.proc.error_model == "relative":
                    value = (
                        raw
                        if s_.unit == "%"
                        else (_convert(raw, s_.unit, pd.unit) / ref * 100 if ref else None)
                    )
                else:
                    value = None if s_.unit == "%" else _convert(raw, s_.unit, pd.unit)
            except _UnitProblem:
                continue  # reported by the uncertainty evaluation
            if value is None:
                continue
            limit = ratio * mpev
            out.append(
                {
                    "standard": s_.index,
                    "on": check["on"],
                    "value": float(value),
                    "limit": float(limit),
                    "ratio": check["ratios"][ctx.stage],
                    "ok": value <= limit,
                    "requirement": req["requirement"],
                    "clause": req["clause"],
                    "source_status": req["source_status"],
                }
            )
    return out


def _decide(error: Fraction, lim: _Limits, u: float, rule: str, r: Fraction) -> ConformityDecision:
    if rule == "jjf1094":
        # JJF 1094 is written for symmetric ±MPEV; asymmetric limits are judged about their centre
        return decide_jjf1094(error - lim.centre, lim.half_width, Fraction(Decimal(repr(u))))
    return decide_ilac_g8(
        error,
        Fraction(Decimal(repr(u))),
        lower_limit=lim.lower,
        upper_limit=lim.upper,
        rule=rule,
        guard_band_factor=r,
    )


_VERDICT = {
    Verdict.PASS: "pass",
    Verdict.CONDITIONAL_PASS: "undecided",
    Verdict.UNDETERMINED: "undecided",
    Verdict.CONDITIONAL_FAIL: "undecided",
    Verdict.FAIL: "fail",
}
_RANK = {"pass": 0, "undecided": 1, "fail": 2}


def _worst(decisions: Sequence[str]) -> str:
    return max(decisions, key=lambda d: _RANK[d]) if decisions else "pass"


def _group_checks(
    ctx: _Ctx, pd: _PointData, ind: list[Fraction], errs: list[Fraction], lim: _Limits | _Unavailable
) -> list[dict[str, Any]]:
    out = []
    for g in ctx.proc.data.get("group_checks", ()):
        if "points" in g and pd.spec.id not in g["points"]:
            continue
        if g.get("min_readings") and len(ind) < int(g["min_readings"]):
            continue
        kind = g["type"]
        labels = pd.spec.reading_labels
        if kind in ("range_le_mpe", "range_le_value"):
            values = errs if kind == "range_le_value" else ind
            value = max(values) - min(values)
            pairs = [("range", value)]
        elif kind == "hysteresis":
            a, b = labels.index(g["rising"]), labels.index(g["falling"])
            pairs = [("hysteresis", abs(pd.readings[a] - pd.readings[b]))]
        elif kind == "tap_shift":
            pairs = [
                (
                    f"tap_shift_{before.split('_')[0]}",
                    abs(pd.readings[labels.index(after)] - pd.readings[labels.index(before)]),
                )
                for before, after in g["pairs"]
            ]
        else:  # pragma: no cover - data error
            raise RuntimeError(f"unknown group check {kind!r}")
        if kind == "range_le_value":
            limit: Fraction | None = _num(g["limit"])
        elif isinstance(lim, _Unavailable):
            limit = None
        else:
            limit = lim.half_width * _num(g["factor"])  # type: ignore[operator]
        for name, value in pairs:
            if limit is None:
                decision, reason = "undecided", "limit_unavailable"
            else:
                ok = value <= limit
                decision, reason = ("pass", "within_limit") if ok else ("fail", f"{g['name']}_exceeds_limit")
            out.append(
                {
                    "check": g["name"],
                    "quantity": name,
                    "value": float(value),
                    "limit": _f(limit),
                    "unit": ctx.proc.data.get("error_unit", pd.spec.unit)
                    if kind == "range_le_value"
                    else pd.spec.unit,
                    "decision": decision,
                    "reason": reason,
                    "clause": g["clause"],
                    "source_status": g["source_status"] if limit is not None else "unavailable",
                }
            )
    return out


def evaluate_document(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Evaluate a verification record against its procedure.

    ``doc`` = ``{"procedure": code, "stage": "first" | "subsequent" | "in_service", "instrument": {…},
    "environment": {name: {"value": x, "unit": u}}, "points": [{"point": id, "readings": […], "unit": u,
    "reference": […] (optional), "reference_unit": u (optional), "changeover": […] (scales, optional)}],
    "standards": [{"standard_uncertainty": u, "unit": unit or "%", "points": [ids] (optional)}],
    "decision_rule": "jjf1094" (default) | "simple_acceptance" | "guarded_acceptance",
    "guard_band_factor": r (guarded acceptance, default 1)}``.

    Returns ``{"procedure", "regulation", "stage", "points": [{"point", "nominal", "unit", "mean",
    "error", "errors", "mpe", "mpe_lower", "mpe_upper", "expanded_uncertainty", "coverage_factor",
    "decision", "reason", "clause", "source_status", "checks", …}], "verdict": "pass" | "fail" |
    "undecided", "reasons", "environment_ok", "environment", "decision_rule", "source_status"}``.

    Raises:
        VerificationInputError: every problem of the document (row, field, reason); nothing is evaluated.
    """
    if not isinstance(doc, Mapping):
        raise VerificationInputError([{"row": None, "field": "document", "reason": "must be an object"}])
    proc = get_procedure(doc.get("procedure"))  # type: ignore[arg-type]
    errors: list[InputErrorRow] = []
    stage = _stage(errors, doc.get("stage"))
    ctx = _Ctx(proc, stage, errors)
    rule = doc.get("decision_rule", "jjf1094")
    if rule not in DECISION_RULES:
        ctx.err(None, "decision_rule", f"must be one of {list(DECISION_RULES)}, got {rule!r}")
    gbf = _num(doc.get("guard_band_factor", 1))
    if gbf is None or gbf < 0:
        ctx.err(None, "guard_band_factor", "must be a finite number ≥ 0")
        gbf = Fraction(1)
    _parse_instrument(ctx, doc.get("instrument"))
    ctx.raise_if_errors()
    specs = _points(ctx)
    env_out = _check_environment(ctx, doc.get("environment"))
    stds = _parse_standards(ctx, doc.get("standards"))
    data = _parse_points(ctx, specs, doc.get("points"))
    # the largest MPE of the range (for the measuring-range plausibility check)
    max_mpe: Fraction | None = None
    for st in STAGES:
        sctx = _Ctx(proc, st, [], ctx.params, ctx.env)
        for p in specs:
            lim0 = _limits(sctx, p, p.nominal)
            if isinstance(lim0, _Limits):
                m = max(abs(lim0.lower), abs(lim0.upper))
                max_mpe = m if max_mpe is None else max(max_mpe, m)
    for pd in data:
        _range_check(ctx, pd, max_mpe)
    ctx.raise_if_errors()

    assert isinstance(rule, str)
    order = {p.id: i for i, p in enumerate(specs)}
    data.sort(key=lambda d: order[d.spec.id])
    each = proc.data["judge"] == "each_reading"
    error_unit = "%" if proc.error_model == "relative" else None
    out_points: list[dict[str, Any]] = []
    reasons: list[str] = []
    statuses: set[str] = set()
    standards_ok = True
    for pd in data:
        ind, refs, errs = _reading_errors(ctx, pd)
        load = (
            _mean(refs) if (pd.reference is not None and proc.error_model == "absolute") else pd.spec.nominal
        )
        lim = _limits(ctx, pd.spec, load)
        try:
            u_c, u_exp, budget = _uncertainty(ctx, pd, ind, refs, stds)
        except (ModelError, OverflowError, ValueError) as exc:
            ctx.err(pd.row, f"points[{pd.row - 1}].readings", f"the readings cannot be evaluated: {exc}")
            continue
        if not (math.isfinite(u_exp) and math.isfinite(u_c)):
            ctx.err(pd.row, f"points[{pd.row - 1}].readings", "the readings cannot be evaluated (overflow)")
            continue
        mean_err = _mean(errs)
        statuses.add(lim.source_status)
        if isinstance(lim, _Unavailable):
            decision, reason = "undecided", "mpe_unavailable"
            reported = mean_err
            reasons.append(f"{pd.spec.id}: MPE not available — decision cannot be made ({lim.note})")
        else:
            judged = errs if each else [mean_err]
            decisions = [_decide(e, lim, u_exp, rule, gbf) for e in judged]
            verdicts = [_VERDICT[d.verdict] for d in decisions]
            decision = _worst(verdicts)
            worst_i = max(range(len(judged)), key=lambda i: (_RANK[verdicts[i]], abs(judged[i] - lim.centre)))
            reported = judged[worst_i]
            reason = decisions[worst_i].reason
        checks = _group_checks(ctx, pd, ind, errs, lim)
        std_checks = _standard_checks(ctx, pd, refs, lim, stds)
        for sc in std_checks:
            if not sc["ok"]:
                standards_ok = False
                reasons.append(
                    f"{pd.spec.id}: standards[{sc['standard']}] {sc['on']} {sc['value']:g} exceeds "
                    f"{sc['ratio']} of the MPE ({sc['limit']:g}) — {sc['requirement']}"
                )
        for c in checks:
            statuses.add(c["source_status"])
            if c["decision"] != "pass":
                reasons.append(f"{pd.spec.id}: {c['check']} {c['quantity']} = {c['value']:g} ({c['reason']})")
        point_decision = _worst([decision] + [c["decision"] for c in checks])
        if decision == "fail" or decision == "undecided" and reason != "mpe_unavailable":
            reasons.append(f"{pd.spec.id}: error {float(reported):g} {error_unit or pd.spec.unit} — {reason}")
        if point_decision != decision:
            reason = next(c["reason"] for c in checks if c["decision"] == point_decision)
        out_points.append(
            {
                "point": pd.spec.id,
                "label_en": pd.spec.label_en,
                "label_zh": pd.spec.label_zh,
                "nominal": float(pd.spec.nominal),
                "nominal_unit": pd.spec.nominal_unit,
                "unit": pd.unit,
                "error_unit": error_unit or pd.spec.unit,
                "readings": [float(x) for x in pd.readings],
                "reference": float(_mean(refs)) if not pd.direct_percent else None,
                "mean": float(_mean(pd.readings)),
                "error": float(reported),
                "mean_error": float(mean_err),
                "errors": [float(e) for e in errs],
                "mpe": None if isinstance(lim, _Unavailable) or lim.centre != 0 else float(lim.upper),
                "mpe_lower": None if isinstance(lim, _Unavailable) else float(lim.lower),
                "mpe_upper": None if isinstance(lim, _Unavailable) else float(lim.upper),
                "mpe_description": lim.note if isinstance(lim, _Unavailable) else lim.description,
                "standard_uncertainty": u_c,
                "expanded_uncertainty": u_exp,
                "coverage_factor": _K,
                "budget": budget,
                "decision": point_decision,
                "reason": reason,
                "clause": lim.clause,
                "source_status": lim.source_status,
                "research_status": lim.research_status,
                "checks": checks,
                "standard_checks": std_checks,
            }
        )
    ctx.raise_if_errors()
    verdict = _worst([p["decision"] for p in out_points])
    if "unavailable" in statuses:
        status = "unavailable"
    elif "unverified" in statuses:
        status = "unverified"
    else:
        status = "verified"
    return {
        "procedure": proc.code,
        "regulation": _regulation_dict(proc),
        "stage": stage,
        "points": out_points,
        "verdict": verdict,
        "reasons": reasons,
        "environment_ok": True,
        "standards_ok": standards_ok,
        "environment": env_out,
        "decision_rule": rule,
        "guard_band_factor": float(gbf) if rule == "guarded_acceptance" else None,
        "source_status": status,
    }
