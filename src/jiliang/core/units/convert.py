"""Unit conversion (单位换算) through pint, behind a narrow adapter.

The registry decides *whether* two units may be converted (quantity kinds are checked first); pint
computes *how* (scale and offset) once per pair of units, and the values are then converted with one
multiply (and one add for offset temperatures), so numpy arrays convert at numpy speed.

Kind rules:

* dimensions must agree, counting plane angle (rad) and revolution (r) as their own dimensions, so
  ``r/min → Hz`` and ``rad → 1`` are refused unless asked for explicitly:
  ``equivalences={"revolution"}`` applies GB 3100-1993 table 4 (1 r/min = (1/60) s⁻¹, r counted as 1),
  ``{"revolution_angle"}`` uses 1 r = 2π rad, ``{"angle"}`` counts rad as 1;
* units of kinds that share a dimension but must not be mixed (Hz / Bq, Gy / Sv) are refused unless
  ``{"kind"}`` is given;
* ℃ and °F convert with their offsets when they stand alone; inside a compound unit (℃/s, W/(m²·℃))
  they are temperature intervals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, Literal, TypeVar, overload

import numpy as np
import numpy.typing as npt

from jiliang.core.units.errors import IncompatibleUnitsError, InexactFactorError, InvalidInputError
from jiliang.core.units.expression import UnitExpr, format_unit, parse_unit
from jiliang.core.units.registry import BASE_DIMENSIONS, get_registry

if TYPE_CHECKING:
    import pint

__all__ = [
    "Converter",
    "Equivalence",
    "ExactConversion",
    "check_convertible",
    "conversion_factor",
    "convert",
    "converter",
    "exact_conversion",
]

Equivalence = Literal["angle", "revolution", "revolution_angle", "kind"]
_EQUIVALENCES = frozenset({"angle", "revolution", "revolution_angle", "kind"})
UnitLike = str | UnitExpr
T = TypeVar("T")

_PINT_BASE = {
    "L": "meter",
    "M": "kilogram",
    "T": "second",
    "I": "ampere",
    "Th": "kelvin",
    "N": "mole",
    "J": "candela",
    "angle": "radian",
    "turn": "revolution",
}


def _as_expr(unit: UnitLike) -> UnitExpr:
    if isinstance(unit, UnitExpr):
        return unit
    return parse_unit(unit)


def _eqs(equivalences: Iterable[str]) -> frozenset[str]:
    eqs = frozenset(equivalences)
    bad = eqs - _EQUIVALENCES
    if bad:
        raise ValueError(f"unknown equivalence(s) {sorted(bad)}; choose from {sorted(_EQUIVALENCES)}")
    return eqs


def _effective_dimension(expr: UnitExpr, eqs: frozenset[str]) -> dict[str, int]:
    dim = dict(expr.dimension)
    if "revolution_angle" in eqs and "turn" in dim:
        dim["angle"] = dim.get("angle", 0) + dim.pop("turn")
    if "revolution" in eqs:
        dim.pop("turn", None)
    if "angle" in eqs:
        dim.pop("angle", None)
    return {k: v for k, v in dim.items() if v}


def _fmt_dim(dim: dict[str, int]) -> str:
    if not dim:
        return "1"
    return "·".join(k if dim[k] == 1 else f"{k}^{dim[k]}" for k in BASE_DIMENSIONS if dim.get(k))


def _offset_single(expr: UnitExpr) -> bool:
    return expr.is_single and get_registry().units[expr.factors[0].unit].is_offset


def check_convertible(source: UnitLike, target: UnitLike, *, equivalences: Iterable[str] = ()) -> None:
    """Raise :class:`IncompatibleUnitsError` unless ``source`` converts to ``target`` under the kind rules.

    >>> check_convertible("r/min", "Hz")
    Traceback (most recent call last):
    ...
    jiliang.core.units.errors.IncompatibleUnitsError: cannot convert r/min (转/分) to Hz (赫): dimensions T^-1·turn and T^-1 differ; GB 3100-1993 defines 1 r/min = (1/60) s⁻¹: pass equivalences={'revolution'} to use it
    """
    src, dst = _as_expr(source), _as_expr(target)
    eqs = _eqs(equivalences)
    reg = get_registry()
    names = f"{format_unit(src, 'en')} ({format_unit(src, 'zh')}) to {format_unit(dst, 'en')} ({format_unit(dst, 'zh')})"
    for e in (src, dst):
        if any(u.quantity_kind == "level" for u in e.units) and src != dst:
            raise IncompatibleUnitsError(
                f"cannot convert {names}: the decibel is a logarithmic level, not a factor"
            )
    ds, dt = _effective_dimension(src, eqs), _effective_dimension(dst, eqs)
    if ds != dt:
        hint = ""
        for extra, text in (
            (
                "revolution",
                "GB 3100-1993 defines 1 r/min = (1/60) s⁻¹: pass equivalences={'revolution'} to use it",
            ),
            ("revolution_angle", "1 r = 2π rad: pass equivalences={'revolution_angle'}"),
            ("angle", "the radian is the number 1: pass equivalences={'angle'} to treat it so"),
        ):
            e2 = eqs | {extra}
            if _effective_dimension(src, e2) == _effective_dimension(dst, e2):
                hint = "; " + text
                break
        raise IncompatibleUnitsError(
            f"cannot convert {names}: dimensions {_fmt_dim(ds)} and {_fmt_dim(dt)} differ{hint}"
        )
    if "kind" not in eqs:
        for group in reg.exclusive_kinds:
            ks = {u.quantity_kind for u in src.units} & group
            kt = {u.quantity_kind for u in dst.units} & group
            if ks and kt and ks != kt:
                raise IncompatibleUnitsError(
                    f"cannot convert {names}: {'/'.join(sorted(ks))} and {'/'.join(sorted(kt))} are different "
                    "quantity kinds; pass equivalences={'kind'} to convert anyway"
                )


# ---------------------------------------------------------------------------------------------------
# pint adapter
# ---------------------------------------------------------------------------------------------------


@cache
def _ureg() -> pint.UnitRegistry[Any]:
    """The one pint registry, built on first use and extended with the units pint lacks (jl_<code>)."""
    import pint

    ureg: pint.UnitRegistry[Any] = pint.UnitRegistry()
    for u in get_registry().units.values():
        if u.pint is not None or u.quantity_kind == "level":
            continue
        base = (
            " * ".join(f"{_PINT_BASE[k]} ** {e}" if e != 1 else _PINT_BASE[k] for k, e in u.dimension)
            or "dimensionless"
        )
        pi = f" * pi ** {u.pi_power}" if u.pi_power else ""
        ureg.define(f"jl_{u.code} = {u.factor.numerator} / {u.factor.denominator}{pi} * {base}")
    return ureg


def pint_name(unit_code: str, prefix: str | None = None, *, interval: bool = False) -> str:
    """The pint unit name for a registry unit (and prefix)."""
    reg = get_registry()
    u = reg.units[unit_code]
    name = u.pint or f"jl_{u.code}"
    if interval and u.is_offset:
        name = "delta_" + {"degree_Celsius": "degC", "degree_Fahrenheit": "degF"}[name]
    if prefix:
        name = reg.prefixes[prefix].pint + name
    return name


def _pint_unit(expr: UnitExpr, *, interval: bool, eqs: frozenset[str]) -> Any:
    ureg = _ureg()
    unit: Any = ureg.dimensionless
    for f in expr.factors:
        if f.unit == "revolution" and "revolution" in eqs:
            continue  # GB 3100: r counted as 1
        unit = unit * ureg.Unit(pint_name(f.unit, f.prefix, interval=interval)) ** f.exponent
    return unit


@dataclass(frozen=True, slots=True)
class Converter:
    """A prepared conversion ``y = scale·x + offset`` between two units (build once, call many times)."""

    source: UnitExpr
    target: UnitExpr
    scale: float
    offset: float

    @overload
    def __call__(self, value: float) -> float: ...
    @overload
    def __call__(self, value: npt.NDArray[Any]) -> npt.NDArray[np.float64]: ...
    def __call__(self, value: Any) -> Any:
        if isinstance(value, bool) or value is None or isinstance(value, (str, bytes)):
            raise InvalidInputError(f"cannot convert {value!r}: a number or numeric array is required")
        if isinstance(value, (list, tuple)):
            value = np.asarray(value, dtype=float)
        if self.offset == 0.0:
            return value * self.scale
        return value * self.scale + self.offset


@lru_cache(maxsize=4096)
def _converter(src: UnitExpr, dst: UnitExpr, eqs: frozenset[str]) -> Converter:
    check_convertible(src, dst, equivalences=eqs)
    absolute = (_offset_single(src) or _offset_single(dst)) and dict(src.dimension) == {"Th": 1}
    ureg = _ureg()
    ps = _pint_unit(src, interval=True, eqs=eqs)
    pd = _pint_unit(dst, interval=True, eqs=eqs)
    scale = float(ureg.Quantity(1.0, ps).to(pd).magnitude)
    offset = 0.0
    if absolute:
        pa = _pint_unit(src, interval=False, eqs=eqs)
        pb = _pint_unit(dst, interval=False, eqs=eqs)
        offset = float(ureg.Quantity(0.0, pa).to(pb).magnitude)
    # pint computed the conversion; where the registry knows it exactly, use the correctly rounded float
    # of the exact value (pint's chained floats give e.g. 0.30479999999999996 m for 1 ft).
    ex = exact_conversion(src, dst, equivalences=eqs)
    if ex.exact and ex.pi_power == 0:
        exact_scale, exact_offset = float(ex.scale), float(ex.offset)
        if not math.isclose(scale, exact_scale, rel_tol=1e-9) or not math.isclose(
            offset, exact_offset, rel_tol=1e-9, abs_tol=1e-9
        ):
            raise AssertionError(f"registry and pint disagree for {src} → {dst}: {exact_scale} vs {scale}")
        scale, offset = exact_scale, exact_offset
    return Converter(src, dst, scale, offset)


def converter(source: UnitLike, target: UnitLike, *, equivalences: Iterable[str] = ()) -> Converter:
    """Prepare (and cache) a conversion; kinds are checked here, once.

    >>> c = converter("km/h", "m/s")
    >>> round(c(90.0), 12)
    25.0
    """
    return _converter(_as_expr(source), _as_expr(target), _eqs(equivalences))


def convert(value: Any, source: UnitLike, target: UnitLike, *, equivalences: Iterable[str] = ()) -> Any:
    """Convert a number or numpy array from ``source`` to ``target`` units.

    >>> convert(5, "斤", "kg")
    2.5
    >>> convert(100.0, "℃", "°F")
    212.0
    >>> convert(60, "r/min", "Hz", equivalences={"revolution"})
    1.0
    """
    return converter(source, target, equivalences=equivalences)(value)


@dataclass(frozen=True, slots=True)
class ExactConversion:
    """Exact conversion ``y = scale·π^pi_power·x + offset`` from the registry's rational factors."""

    scale: Fraction
    pi_power: int
    offset: Fraction
    exact: bool

    @property
    def fraction(self) -> Fraction:
        """The scale as a :class:`~fractions.Fraction`; raises if π or a measured constant is involved."""
        if self.pi_power:
            raise InexactFactorError(f"the factor involves π^{self.pi_power}; it is not rational")
        if not self.exact:
            raise InexactFactorError("the factor involves a measured constant (e.g. the atomic mass unit)")
        return self.scale

    def __float__(self) -> float:
        return float(self.scale) * math.pi**self.pi_power


def exact_conversion(
    source: UnitLike, target: UnitLike, *, equivalences: Iterable[str] = ()
) -> ExactConversion:
    """Exact rational conversion from the registry data (no floating point).

    >>> exact_conversion("in", "mm").fraction
    Fraction(127, 5)
    >>> exact_conversion("℃", "K").offset
    Fraction(5463, 20)
    """
    src, dst = _as_expr(source), _as_expr(target)
    eqs = _eqs(equivalences)
    check_convertible(src, dst, equivalences=eqs)
    (rs, ps), (rd, pd) = src.scale, dst.scale
    pi = ps - pd
    # revolution as an angle: 1 r = 2π rad
    if "revolution_angle" in eqs:
        ts = dict(src.dimension).get("turn", 0)
        td = dict(dst.dimension).get("turn", 0)
        rs *= Fraction(2) ** ts
        rd *= Fraction(2) ** td
        pi += ts - td
    scale = rs / rd
    offset = Fraction(0)
    if (_offset_single(src) or _offset_single(dst)) and dict(src.dimension) == {"Th": 1}:
        reg = get_registry()
        os_ = reg.units[src.factors[0].unit].offset if _offset_single(src) else Fraction(0)
        od = reg.units[dst.factors[0].unit].offset if _offset_single(dst) else Fraction(0)
        offset = (os_ - od) / rd
    return ExactConversion(scale, pi, offset, src.exact and dst.exact)


def conversion_factor(
    source: UnitLike, target: UnitLike, *, exact: bool = False, equivalences: Iterable[str] = ()
) -> float | Fraction:
    """The factor from ``source`` to ``target`` (a float from pint, or an exact Fraction from the registry).

    >>> conversion_factor("mile", "km", exact=True)
    Fraction(25146, 15625)
    """
    if exact:
        return exact_conversion(source, target, equivalences=equivalences).fraction
    return converter(source, target, equivalences=equivalences).scale
