"""Input quantities: Type A and Type B evaluation of standard uncertainty (GUM 4.2, 4.3; JJF 1059.1 §4.3).

An :class:`Input` holds the estimate xᵢ, its standard uncertainty u(xᵢ), the probability
distribution assigned to Xᵢ (used by the Monte Carlo method, JCGM 101 §6.4) and the degrees of
freedom νᵢ (used by Welch–Satterthwaite, GUM G.4).

Type B (GUM 4.3, JCGM 101 Table 1), for a half-width a:

=============  ====================================  ======================================
distribution   u(x)                                   sampled in the Monte Carlo method as
=============  ====================================  ======================================
normal         given, or U/k                          x + u·N(0, 1)
rectangular    a/√3                                   R(x − a, x + a)
triangular     a/√6                                   symmetric triangle on [x − a, x + a]
arcsine        a/√2  (U-shaped)                       x − a·cos(πR), R ~ R(0, 1)
trapezoidal    a·√((1 + β²)/6)  (top half-width βa)   sum of two rectangular variables
student_t      scale s (e.g. s/√n), ν required         x + s·t_ν   (JCGM 101 §6.4.9)
=============  ====================================  ======================================

Type A (GUM 4.2): from n ≥ 2 observations, x = mean, u = s/√n, ν = n − 1; in the Monte Carlo
method a scaled and shifted t-distribution with ν = n − 1 (JCGM 101 §6.4.9) unless another
distribution is stated.  Simultaneous observations of several quantities (GUM 5.2.3, H.2) give
correlated inputs that form an *ensemble* with common ν (Willink 2007), see
:func:`type_a_simultaneous`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special, stats

from jiliang.core.uncertainty.errors import ModelError
from jiliang.core.uncertainty.expression import check_quantity_name

DISTRIBUTIONS: tuple[str, ...] = ("normal", "rectangular", "triangular", "arcsine", "trapezoidal", "student_t")

_ALIASES: dict[str, str] = {
    "gaussian": "normal",
    "unspecified": "normal",
    "uniform": "rectangular",
    "u-shaped": "arcsine",
    "u_shaped": "arcsine",
    "t": "student_t",
    "student-t": "student_t",
    "student": "student_t",
}

#: u = half_width × factor
_HALF_WIDTH_FACTOR: dict[str, float] = {
    "rectangular": 1.0 / math.sqrt(3.0),
    "triangular": 1.0 / math.sqrt(6.0),
    "arcsine": 1.0 / math.sqrt(2.0),
}

SPEC_KEYS: frozenset[str] = frozenset(
    {
        "value",
        "u",
        "standard_uncertainty",
        "half_width",
        "expanded",
        "k",
        "distribution",
        "dof",
        "observations",
        "beta",
        "unit",
        "description",
    }
)


def normalise_distribution(name: object, quantity: str) -> str:
    """Canonical distribution name (accepts a few aliases such as ``uniform`` or ``U-shaped``)."""
    if not isinstance(name, str):
        raise ModelError(f"input {quantity!r}: distribution must be a string, got {name!r}",
                         quantity=quantity, field="distribution")
    key = name.strip().lower().replace(" ", "_")
    key = _ALIASES.get(key, key)
    if key not in DISTRIBUTIONS:
        raise ModelError(
            f"input {quantity!r}: unknown distribution {name!r}; use one of {', '.join(DISTRIBUTIONS)}",
            quantity=quantity,
            field="distribution",
        )
    return key


def _real(x: object, quantity: str, field: str, *, allow_none: bool = False) -> float | None:
    if x is None and allow_none:
        return None
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise ModelError(f"input {quantity!r}: {field} must be a number, got {x!r}", quantity=quantity, field=field)
    v = float(x)
    if not math.isfinite(v):
        raise ModelError(f"input {quantity!r}: {field} must be finite, got {x!r}", quantity=quantity, field=field)
    return v


def _dof(x: object, quantity: str) -> float:
    if x is None:
        return math.inf
    if isinstance(x, str) and x.strip().lower() in ("inf", "infinity", "∞"):
        return math.inf
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise ModelError(f"input {quantity!r}: dof must be a number or null, got {x!r}", quantity=quantity, field="dof")
    v = float(x)
    if math.isnan(v) or v <= 0:
        raise ModelError(f"input {quantity!r}: degrees of freedom must be > 0, got {x!r}",
                         quantity=quantity, field="dof")
    return v


@dataclass(frozen=True)
class Input:
    """An input quantity Xᵢ of a measurement model.

    Build one with the class methods (:meth:`normal`, :meth:`rectangular`, :meth:`triangular`,
    :meth:`arcsine`, :meth:`trapezoidal`, :meth:`student_t`, :meth:`from_observations`,
    :meth:`from_spec`) rather than the constructor.
    """

    name: str
    value: float
    standard_uncertainty: float
    distribution: str = "normal"
    dof: float = math.inf
    half_width: float | None = None
    beta: float | None = None
    evaluation: str = "B"
    n_observations: int | None = None
    ensemble: str | None = None
    unit: str | None = None
    description: str | None = None

    def __post_init__(self) -> None:
        check_quantity_name(self.name, "input")
        q = self.name
        _real(self.value, q, "value")
        u = _real(self.standard_uncertainty, q, "standard uncertainty")
        assert u is not None
        if u < 0:
            raise ModelError(f"input {q!r}: standard uncertainty must be ≥ 0, got {u:g}", quantity=q, field="u")
        dist = normalise_distribution(self.distribution, q)
        object.__setattr__(self, "distribution", dist)
        object.__setattr__(self, "dof", _dof(self.dof, q))
        if self.evaluation not in ("A", "B"):
            raise ModelError(f"input {q!r}: evaluation must be 'A' or 'B'", quantity=q, field="evaluation")
        if dist == "student_t" and not math.isfinite(self.dof):
            raise ModelError(f"input {q!r}: a Student-t distribution needs finite degrees of freedom (dof)",
                             quantity=q, field="dof")
        if dist == "trapezoidal":
            if self.beta is None or not 0.0 <= float(self.beta) <= 1.0:
                raise ModelError(f"input {q!r}: trapezoidal distribution needs beta in [0, 1], got {self.beta!r}",
                                 quantity=q, field="beta")
        if self.half_width is not None and self.half_width < 0:
            raise ModelError(f"input {q!r}: half-width must be ≥ 0, got {self.half_width:g}", quantity=q,
                             field="half_width")

    # -- constructors ---------------------------------------------------------------------------
    @classmethod
    def normal(
        cls,
        name: str,
        value: float,
        u: float | None = None,
        *,
        expanded: float | None = None,
        k: float | None = None,
        dof: float | None = None,
        unit: str | None = None,
        description: str | None = None,
    ) -> Input:
        """Normal distribution from a standard uncertainty or from an expanded uncertainty U and k."""
        return cls.from_spec(name, {"value": value, "u": u, "expanded": expanded, "k": k, "dof": dof,
                                    "distribution": "normal", "unit": unit, "description": description})

    @classmethod
    def rectangular(cls, name: str, value: float, half_width: float, *, dof: float | None = None,
                    unit: str | None = None, description: str | None = None) -> Input:
        """Rectangular distribution of half-width a: u = a/√3."""
        return cls.from_spec(name, {"value": value, "half_width": half_width, "distribution": "rectangular",
                                    "dof": dof, "unit": unit, "description": description})

    @classmethod
    def triangular(cls, name: str, value: float, half_width: float, *, dof: float | None = None,
                   unit: str | None = None, description: str | None = None) -> Input:
        """Symmetric triangular distribution of half-width a: u = a/√6."""
        return cls.from_spec(name, {"value": value, "half_width": half_width, "distribution": "triangular",
                                    "dof": dof, "unit": unit, "description": description})

    @classmethod
    def arcsine(cls, name: str, value: float, half_width: float, *, dof: float | None = None,
                unit: str | None = None, description: str | None = None) -> Input:
        """Arcsine (U-shaped) distribution of half-width a: u = a/√2."""
        return cls.from_spec(name, {"value": value, "half_width": half_width, "distribution": "arcsine",
                                    "dof": dof, "unit": unit, "description": description})

    @classmethod
    def trapezoidal(cls, name: str, value: float, half_width: float, beta: float, *, dof: float | None = None,
                    unit: str | None = None, description: str | None = None) -> Input:
        """Symmetric trapezoidal distribution, base half-width a, top half-width βa: u = a√((1+β²)/6)."""
        return cls.from_spec(name, {"value": value, "half_width": half_width, "beta": beta,
                                    "distribution": "trapezoidal", "dof": dof, "unit": unit,
                                    "description": description})

    @classmethod
    def student_t(cls, name: str, value: float, u: float, dof: float, *, unit: str | None = None,
                  description: str | None = None) -> Input:
        """Scaled and shifted t-distribution: scale u (the standard uncertainty of the GUF), ν = dof."""
        return cls.from_spec(name, {"value": value, "u": u, "dof": dof, "distribution": "student_t",
                                    "unit": unit, "description": description})

    @classmethod
    def from_observations(
        cls,
        name: str,
        observations: Sequence[float],
        *,
        distribution: str = "student_t",
        unit: str | None = None,
        description: str | None = None,
    ) -> Input:
        """Type A evaluation (GUM 4.2): mean, s/√n, ν = n − 1."""
        return cls.from_spec(name, {"observations": list(observations), "distribution": distribution,
                                    "unit": unit, "description": description})

    @classmethod
    def from_spec(cls, name: str, spec: Mapping[str, Any]) -> Input:
        """Build an input from the model-file mapping (see ``docs/uncertainty-model-format.md``).

        Keys: ``value``; exactly one of ``u`` | ``half_width`` | ``expanded`` (+ ``k``) |
        ``observations``; optional ``distribution``, ``dof``, ``beta``, ``unit``, ``description``.
        """
        check_quantity_name(name, "input")
        q = name
        if not isinstance(spec, Mapping):
            raise ModelError(f"input {q!r} must be an object with 'value' and 'u', 'half_width', "
                             f"'expanded' or 'observations'", quantity=q)
        unknown = [k for k in spec if k not in SPEC_KEYS]
        if unknown:
            raise ModelError(f"input {q!r}: unknown field(s) {', '.join(map(repr, unknown))}; allowed: "
                             + ", ".join(sorted(SPEC_KEYS)), quantity=q, field=str(unknown[0]))
        u_given = spec.get("u", spec.get("standard_uncertainty"))
        if spec.get("u") is not None and spec.get("standard_uncertainty") is not None:
            raise ModelError(f"input {q!r}: give 'u' or 'standard_uncertainty', not both", quantity=q, field="u")
        hw = spec.get("half_width")
        U = spec.get("expanded")
        k = spec.get("k")
        obs = spec.get("observations")
        given = [key for key, v in (("u", u_given), ("half_width", hw), ("expanded", U), ("observations", obs))
                 if v is not None]
        dist_raw = spec.get("distribution")
        unit = spec.get("unit")
        desc = spec.get("description")
        if unit is not None and not isinstance(unit, str):
            raise ModelError(f"input {q!r}: unit must be a string", quantity=q, field="unit")
        if desc is not None and not isinstance(desc, str):
            raise ModelError(f"input {q!r}: description must be a string", quantity=q, field="description")
        if len(given) != 1:
            what = "none" if not given else " and ".join(given)
            raise ModelError(
                f"input {q!r}: give exactly one of 'u', 'half_width', 'expanded' (with 'k') or 'observations' "
                f"(got {what})",
                quantity=q,
                field="u",
            )
        if k is not None and U is None:
            raise ModelError(f"input {q!r}: 'k' is only used with 'expanded'", quantity=q, field="k")
        beta = _real(spec.get("beta"), q, "beta", allow_none=True)

        if obs is not None:
            if not isinstance(obs, (list, tuple, np.ndarray)) or len(obs) < 2:
                raise ModelError(f"input {q!r}: observations must be a list of at least 2 numbers",
                                 quantity=q, field="observations")
            xs = np.array([_real(o, q, "observation") for o in obs], dtype=float)
            if spec.get("value") is not None:
                raise ModelError(f"input {q!r}: with observations the value is their mean; omit 'value'",
                                 quantity=q, field="value")
            if spec.get("dof") is not None:
                raise ModelError(f"input {q!r}: with observations the dof is n − 1; omit 'dof'",
                                 quantity=q, field="dof")
            n = len(xs)
            mean = float(np.mean(xs))
            u = float(np.std(xs, ddof=1) / math.sqrt(n))
            dist = normalise_distribution(dist_raw if dist_raw is not None else "student_t", q)
            if dist not in ("student_t", "normal"):
                raise ModelError(f"input {q!r}: observations give a Student-t (or normal) distribution, "
                                 f"not {dist!r}", quantity=q, field="distribution")
            return cls(name=q, value=mean, standard_uncertainty=u, distribution=dist, dof=n - 1,
                       evaluation="A", n_observations=n, unit=unit, description=desc)

        value = _real(spec.get("value"), q, "value")
        assert value is not None
        dist = normalise_distribution(dist_raw if dist_raw is not None else ("rectangular" if hw is not None
                                                                          else "normal"), q)
        dof = _dof(spec.get("dof"), q)
        half_width: float | None = None
        if u_given is not None:
            u_opt = _real(u_given, q, "u")
            assert u_opt is not None
            u = u_opt
            if u < 0:
                raise ModelError(f"input {q!r}: standard uncertainty must be ≥ 0, got {u:g}", quantity=q, field="u")
        elif U is not None:
            Uv = _real(U, q, "expanded")
            kv = _real(k, q, "k") if k is not None else None
            if kv is None:
                raise ModelError(f"input {q!r}: 'expanded' needs the coverage factor 'k'", quantity=q, field="k")
            assert Uv is not None
            if Uv < 0:
                raise ModelError(f"input {q!r}: expanded uncertainty must be ≥ 0, got {Uv:g}", quantity=q,
                                 field="expanded")
            if kv <= 0:
                raise ModelError(f"input {q!r}: coverage factor k must be > 0, got {kv:g}", quantity=q, field="k")
            u = Uv / kv
        else:
            a = _real(hw, q, "half_width")
            assert a is not None
            if a < 0:
                raise ModelError(f"input {q!r}: half-width must be ≥ 0, got {a:g}", quantity=q, field="half_width")
            half_width = a
            if dist in _HALF_WIDTH_FACTOR:
                u = a * _HALF_WIDTH_FACTOR[dist]
            elif dist == "trapezoidal":
                if beta is None or not 0.0 <= beta <= 1.0:
                    raise ModelError(f"input {q!r}: trapezoidal distribution needs beta in [0, 1], got {beta!r}",
                                     quantity=q, field="beta")
                u = a * math.sqrt((1.0 + beta * beta) / 6.0)
            else:
                raise ModelError(f"input {q!r}: a half-width is not meaningful for a {dist} distribution; "
                                 f"give 'u' or 'expanded' and 'k'", quantity=q, field="half_width")
        if half_width is None and u is not None:
            if dist in _HALF_WIDTH_FACTOR:
                half_width = u / _HALF_WIDTH_FACTOR[dist]
            elif dist == "trapezoidal":
                if beta is None or not 0.0 <= beta <= 1.0:
                    raise ModelError(f"input {q!r}: trapezoidal distribution needs beta in [0, 1], got {beta!r}",
                                     quantity=q, field="beta")
                half_width = u / math.sqrt((1.0 + beta * beta) / 6.0)
        return cls(name=q, value=value, standard_uncertainty=u, distribution=dist, dof=dof, half_width=half_width,
                   beta=beta, evaluation="B", unit=unit, description=desc)

    # -- Monte Carlo ----------------------------------------------------------------------------
    @property
    def mc_standard_deviation(self) -> float:
        """Standard deviation of the distribution sampled by the Monte Carlo method."""
        if self.distribution == "student_t":
            nu = self.dof
            return self.standard_uncertainty * math.sqrt(nu / (nu - 2.0)) if nu > 2 else math.inf
        return self.standard_uncertainty

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` values of Xᵢ (JCGM 101 §6.4)."""
        x, u = self.value, self.standard_uncertainty
        d = self.distribution
        if u == 0.0:
            return np.full(size, x)
        if d == "normal":
            return rng.normal(x, u, size)
        if d == "student_t":
            out = rng.standard_t(self.dof, size)
            out *= u
            out += x
            return out
        a = float(self.half_width) if self.half_width is not None else 0.0
        if d == "rectangular":
            return rng.uniform(x - a, x + a, size)
        if d == "triangular":
            return rng.triangular(x - a, x, x + a, size)
        if d == "arcsine":
            return x - a * np.cos(math.pi * rng.random(size))
        if d == "trapezoidal":
            beta = float(self.beta or 0.0)
            h1, h2 = a * (1.0 + beta) / 2.0, a * (1.0 - beta) / 2.0
            return x + rng.uniform(-h1, h1, size) + rng.uniform(-h2, h2, size)
        raise AssertionError(d)  # pragma: no cover

    def ppf(self, p: np.ndarray) -> Any:
        """Inverse distribution function (used for correlated non-normal inputs, Gaussian copula)."""
        x, u = self.value, self.standard_uncertainty
        d = self.distribution
        if d == "normal":
            return x + u * special.ndtri(p)
        if d == "student_t":
            return x + u * stats.t.ppf(p, self.dof)
        a = float(self.half_width) if self.half_width is not None else 0.0
        if d == "rectangular":
            return x + a * (2.0 * p - 1.0)
        if d == "triangular":
            return np.where(p < 0.5, x - a + a * np.sqrt(2.0 * p), x + a - a * np.sqrt(2.0 * (1.0 - p)))
        if d == "arcsine":
            return x - a * np.cos(math.pi * p)
        if d == "trapezoidal":
            b = a * float(self.beta or 0.0)
            if a == 0.0:
                return np.full_like(p, x)
            p1 = (a - b) / (2.0 * (a + b))
            q = np.minimum(p, 1.0 - p)
            t = np.where(q <= p1, -a + np.sqrt(2.0 * q * (a - b) * (a + b)), -b + (q - p1) * (a + b))
            return x + np.where(p <= 0.5, t, -t)
        raise AssertionError(d)  # pragma: no cover

    def to_dict(self) -> dict[str, Any]:
        """JSON-able description."""
        return {
            "name": self.name,
            "value": self.value,
            "standard_uncertainty": self.standard_uncertainty,
            "distribution": self.distribution,
            "dof": None if math.isinf(self.dof) else self.dof,
            "half_width": self.half_width,
            "beta": self.beta,
            "evaluation": self.evaluation,
            "n_observations": self.n_observations,
            "ensemble": self.ensemble,
            "unit": self.unit,
            "description": self.description,
        }


def type_a_simultaneous(
    observations: Mapping[str, Sequence[float]],
    *,
    distribution: str = "normal",
    ensemble: str | None = None,
    units: Mapping[str, str] | None = None,
) -> tuple[list[Input], list[tuple[str, str, float]]]:
    """Inputs and correlation coefficients from simultaneous observations (GUM 5.2.3, eq. (17); H.2).

    Each list holds the n observations of one quantity, observation k of every quantity taken in the
    same set.  Returns the Type A inputs (mean, s/√n, ν = n − 1), all members of one ensemble so that
    the effective degrees of freedom follow Willink (2007), and the correlation coefficients
    r(x̄ᵢ, x̄ⱼ) = s(x̄ᵢ, x̄ⱼ) / (s(x̄ᵢ) s(x̄ⱼ)).
    """
    names = list(observations)
    if len(names) < 2:
        raise ModelError("simultaneous observations need at least two quantities", field="simultaneous")
    arrays: dict[str, np.ndarray] = {}
    n: int | None = None
    for name in names:
        check_quantity_name(name, "input")
        obs = observations[name]
        if not isinstance(obs, (list, tuple, np.ndarray)) or len(obs) < 2:
            raise ModelError(f"input {name!r}: observations must be a list of at least 2 numbers",
                             quantity=name, field="observations")
        arr = np.array([_real(o, name, "observation") for o in obs], dtype=float)
        if n is None:
            n = len(arr)
        elif len(arr) != n:
            raise ModelError(
                f"input {name!r}: simultaneous observations must have the same number of sets "
                f"({len(arr)} here, {n} for {names[0]!r})",
                quantity=name,
                field="observations",
            )
        arrays[name] = arr
    assert n is not None
    group = ensemble or "+".join(names)
    inputs: list[Input] = []
    for name in names:
        arr = arrays[name]
        inputs.append(
            Input(
                name=name,
                value=float(arr.mean()),
                standard_uncertainty=float(arr.std(ddof=1) / math.sqrt(n)),
                distribution=normalise_distribution(distribution, name),
                dof=n - 1,
                evaluation="A",
                n_observations=n,
                ensemble=group,
                unit=(units or {}).get(name),
            )
        )
    corr: list[tuple[str, str, float]] = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            xa, xb = arrays[a], arrays[b]
            sa, sb = xa.std(ddof=1), xb.std(ddof=1)
            if sa == 0 or sb == 0:
                continue
            r = float(np.sum((xa - xa.mean()) * (xb - xb.mean())) / ((n - 1) * sa * sb))
            corr.append((a, b, max(-1.0, min(1.0, r))))
    return inputs, corr
