"""Robust statistics for proficiency testing (ISO 13528:2022, Annex C; clause 7.7).

* :func:`median`, :func:`made` (C.2.2, MADe = 1.483·med|x_i − med x|), :func:`niqr` (C.2.3,
  nIQR = 0.7413·(Q3 − Q1), quartiles by linear interpolation, R type 7);
* :func:`algorithm_a` (C.3.1) with either the standard's stopping rule (no change in the third
  significant figure of x* and s*; the starting values do not count as an iteration) or full
  convergence;
* :func:`q_method` (C.5.2.2), :func:`hampel` (C.5.3, finite-step algorithm), :func:`q_hampel` (C.5.4);
* :func:`uncertainty_of_assigned_value` — u(x_pt) = 1.25·s*/√p (7.7.7, Formula (6));
* :func:`censored_values` — the three treatments of "less than" results illustrated in E.1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from scipy import stats

from jiliang.core.comparison._inputs import ComparisonInputError, FloatArray

__all__ = [
    "ALGORITHM_A_FACTOR",
    "CensoredValues",
    "MADE_FACTOR",
    "NIQR_FACTOR",
    "RobustEstimate",
    "algorithm_a",
    "censored_values",
    "classical_estimate",
    "hampel",
    "made",
    "median",
    "niqr",
    "q_hampel",
    "q_method",
    "robust_estimate",
    "uncertainty_of_assigned_value",
]

MADE_FACTOR = 1.483  # C.2.2
NIQR_FACTOR = 0.7413  # C.2.3
ALGORITHM_A_FACTOR = 1.134  # C.3.1, Formula (C.10); exact value 1.13339 for k = 1.5
ALGORITHM_A_WINSOR = 1.5  # C.3.1, δ = 1.5·s*


@dataclass(frozen=True, slots=True)
class RobustEstimate:
    """Robust location x* and scale s* of p results, with u(x_pt) = 1.25·s*/√p."""

    method: str
    location: float
    scale: float
    standard_uncertainty: float
    p: int
    iterations: int = 0
    converged: bool = True
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), hash=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "x_star": self.location,
            "s_star": self.scale,
            "u_x_pt": self.standard_uncertainty,
            "p": self.p,
            "iterations": self.iterations,
            "converged": self.converged,
            "options": dict(self.options),
        }


def _arr(x: Iterable[float] | FloatArray, name: str = "results", min_size: int = 1) -> FloatArray:
    a = np.asarray(x if isinstance(x, np.ndarray) else list(x), dtype=np.float64)
    if a.ndim != 1:
        raise ComparisonInputError(f"{name} must be one-dimensional", field=name)
    if a.size < min_size:
        raise ComparisonInputError(f"at least {min_size} results are needed, got {a.size}", field=name)
    bad = np.flatnonzero(~np.isfinite(a))
    if bad.size:
        raise ComparisonInputError(f"result is {a[bad[0]]!r} (not a finite number)", field=name,
                                   row=int(bad[0]) + 1)
    return a


def median(x: Iterable[float] | FloatArray) -> float:
    """C.2.1 median."""
    return float(np.median(_arr(x)))


def made(x: Iterable[float] | FloatArray) -> float:
    """C.2.2 scaled median absolute deviation MADe = 1.483·med|x_i − med(x)|."""
    a = _arr(x)
    return MADE_FACTOR * float(np.median(np.abs(a - np.median(a))))


def niqr(x: Iterable[float] | FloatArray, *, quantile_method: str = "linear") -> float:
    """C.2.3 normalised interquartile range nIQR = 0.7413·(Q3 − Q1).

    Quartiles by linear interpolation (R type 7, numpy "linear") by default; this reproduces the
    nIQR printed in ISO 13528:2022 E.3. Other numpy quantile methods can be chosen.
    """
    a = _arr(x)
    q1, q3 = np.quantile(a, [0.25, 0.75], method=quantile_method)  # type: ignore[call-overload]
    return NIQR_FACTOR * float(q3 - q1)


def uncertainty_of_assigned_value(scale: float, p: int, *, factor: float = 1.25) -> float:
    """u(x_pt) = 1.25·s*/√p (ISO 13528:2022 7.7.7, Formula (6))."""
    if p < 1:
        raise ValueError(f"p must be >= 1, got {p!r}")
    return factor * float(scale) / math.sqrt(p)


def _sig3(v: float) -> float:
    """v rounded to three significant figures."""
    if v == 0.0 or not math.isfinite(v):
        return v
    return round(v, 2 - int(math.floor(math.log10(abs(v)))))


def classical_estimate(x: Iterable[float] | FloatArray) -> RobustEstimate:
    """Arithmetic mean and standard deviation, u = s/√p (for comparison with the robust ones)."""
    a = _arr(x, min_size=2)
    s = float(np.std(a, ddof=1))
    return RobustEstimate("mean", float(np.mean(a)), s, s / math.sqrt(a.size), a.size)


def algorithm_a(
    x: Iterable[float] | FloatArray,
    *,
    stopping: str = "iso13528",
    tol: float = 1e-13,
    max_iter: int = 1000,
    winsorising_factor: float = ALGORITHM_A_WINSOR,
    scale_factor: float = ALGORITHM_A_FACTOR,
) -> RobustEstimate:
    """ISO 13528:2022 C.3.1 Algorithm A.

    Start: x* = med(x), s* = 1.483·med|x_i − x*| (the ordinary standard deviation if that is 0,
    NOTE 2). Iterate: δ = 1.5·s*, winsorise x_i to [x* − δ, x* + δ], x* = mean, s* = 1.134·sd.

    ``stopping``:

    * ``"iso13528"`` (default): stop when the third significant figures of x* and s* are unchanged
      from the previous iteration; the starting values do not count as an iteration. The result
      depends on the units and origin of the data.
    * ``"convergence"``: iterate to full convergence (|Δx*| and |Δs*| ≤ ``tol``·s*); unit-free.
    """
    if stopping not in ("iso13528", "convergence"):
        raise ValueError(f"stopping must be 'iso13528' or 'convergence', got {stopping!r}")
    a = _arr(x, min_size=2)
    p = a.size
    x_star = float(np.median(a))
    s_star = MADE_FACTOR * float(np.median(np.abs(a - x_star)))
    start = "MADe"
    if s_star == 0.0:
        s_star = float(np.std(a, ddof=1))
        start = "standard deviation (MADe = 0)"
    opts = MappingProxyType({
        "stopping": stopping,
        "tol": tol,
        "winsorising_factor": winsorising_factor,
        "scale_factor": scale_factor,
        "start_scale": start,
    })
    if s_star == 0.0:
        return RobustEstimate("algorithm-a", x_star, 0.0, 0.0, p, 0, True, opts)
    for it in range(1, max_iter + 1):
        delta = winsorising_factor * s_star
        w = np.clip(a, x_star - delta, x_star + delta)
        new_x = float(np.mean(w))
        new_s = scale_factor * float(np.sqrt(np.sum((w - new_x) ** 2) / (p - 1)))
        if stopping == "iso13528":
            done = _sig3(new_x) == _sig3(x_star) and _sig3(new_s) == _sig3(s_star)
        else:
            done = abs(new_x - x_star) <= tol * max(new_s, 1e-300) and abs(new_s - s_star) <= tol * max(new_s, 1e-300)
        x_star, s_star = new_x, new_s
        if done:
            return RobustEstimate("algorithm-a", x_star, s_star, uncertainty_of_assigned_value(s_star, p), p,
                                  it, True, opts)
    return RobustEstimate("algorithm-a", x_star, s_star, uncertainty_of_assigned_value(s_star, p), p,
                          max_iter, False, opts)


def q_method(results: Sequence[float] | Sequence[Sequence[float]] | Sequence[FloatArray] | FloatArray) -> float:
    """ISO 13528:2022 C.5.2.2 Q method: robust (reproducibility) standard deviation s*.

    ``results``: one value per laboratory, or a sequence of replicates per laboratory. H₁ is the
    empirical distribution function of the between-laboratory absolute differences |y_ik − y_jl|,
    each pair of laboratories weighted 2/(p(p−1)) and each difference within a pair 1/(n_i n_j).
    G₁ interpolates linearly between (0, 0) and the mid-points of the jumps of H₁. Then
    s* = G₁⁻¹(0.25 + 0.75·H₁(0)) / (√2·Φ⁻¹(0.625 + 0.375·H₁(0))).
    """
    groups = [np.atleast_1d(np.asarray(g, dtype=np.float64)) for g in results]
    p = len(groups)
    if p < 2:
        raise ComparisonInputError("the Q method needs at least two laboratories", field="results")
    for i, g in enumerate(groups):
        if g.size == 0 or not np.all(np.isfinite(g)):
            raise ComparisonInputError("results must be finite numbers", field="results", row=i + 1)
    if all(g.size == 1 for g in groups):
        v = np.array([g[0] for g in groups])
        iu, ju = np.triu_indices(p, k=1)
        d = np.abs(v[iu] - v[ju])
        wts = np.full(d.size, 2.0 / (p * (p - 1)))
    else:
        ds, ws = [], []
        for i in range(p - 1):
            for j in range(i + 1, p):
                dd = np.abs(groups[i][:, None] - groups[j][None, :]).ravel()
                ds.append(dd)
                ws.append(np.full(dd.size, 2.0 / (p * (p - 1)) / (groups[i].size * groups[j].size)))
        d = np.concatenate(ds)
        wts = np.concatenate(ws)
    order = np.argsort(d, kind="stable")
    d, wts = d[order], wts[order]
    # Differences equal up to floating-point noise are ties (one jump of H1): decimal data such as
    # 0.289 − 0.288 and 0.288 − 0.287 must not split into two jumps, which would move G1.
    tol = 1e-9 * float(d[-1]) if d[-1] > 0 else 0.0
    new_group = np.concatenate(([True], np.diff(d) > tol))
    d = np.where(d <= tol, 0.0, d)
    first = np.flatnonzero(new_group)
    jumps = d[first]
    h = np.cumsum(np.add.reduceat(wts, first))  # H1 just after each jump point
    h_before = np.concatenate(([0.0], h[:-1]))
    mid = 0.5 * (h + h_before)  # G1 at each jump point
    h0 = float(h[0]) if jumps[0] == 0.0 else 0.0
    if jumps[0] == 0.0:  # ties: G1 runs from (0, 0) through the mid-points of the positive jumps
        gx = np.concatenate(([0.0], jumps[1:]))
        gy = np.concatenate(([0.0], mid[1:]))
    else:
        gx = np.concatenate(([0.0], jumps))
        gy = np.concatenate(([0.0], mid))
    target = 0.25 + 0.75 * h0
    num = float(np.interp(target, gy, gx))
    den = math.sqrt(2.0) * float(stats.norm.ppf(0.625 + 0.375 * h0))
    return num / den


def _psi_sum(y: FloatArray, loc: FloatArray, scale: float) -> FloatArray:
    """Σ_i ψ((y_i − loc)/s*) for an array of candidate locations (Formula (C.30), 1.5/3/4.5)."""
    q = (y[None, :] - loc[:, None]) / scale
    aq = np.abs(q)
    psi = np.where(
        aq <= 1.5, q, np.where(aq <= 3.0, 1.5 * np.sign(q), np.where(aq <= 4.5, (4.5 - aq) * np.sign(q), 0.0))
    )
    return np.asarray(np.sum(psi, axis=1), dtype=np.float64)


def hampel(x: Iterable[float] | FloatArray, scale: float) -> float:
    """ISO 13528:2022 C.5.3 Hampel location, finite-step algorithm (C.5.3.3).

    Σψ((x_i − x*)/s*) is piecewise linear in x* with knots at x_i ± {1.5, 3, 4.5}·s*; all its zeros
    are found exactly between knots, and the one nearest the median is returned (the median itself
    if there is no zero or two are equally near).
    """
    y = _arr(x)
    med = float(np.median(y))
    if not scale > 0:
        return med
    knots = np.unique(np.concatenate([y + c * scale for c in (-4.5, -3.0, -1.5, 1.5, 3.0, 4.5)]))
    f = _psi_sum(y, knots, scale)
    roots: list[float] = []
    eps = 1e-12 * y.size
    for m in range(knots.size - 1):
        a, b = f[m], f[m + 1]
        if abs(a) <= eps:
            roots.append(float(knots[m]))
        if a * b < 0:
            roots.append(float(knots[m] - a * (knots[m + 1] - knots[m]) / (b - a)))
    if abs(f[-1]) <= eps:
        roots.append(float(knots[-1]))
    # ψ vanishes identically far from the data; such "roots" are not solutions of interest
    roots = [r for r in roots if np.any(np.abs(y - r) < 4.5 * scale)]
    if not roots:
        return med
    r_arr = np.unique(np.array(roots))
    dist = np.abs(r_arr - med)
    best = np.flatnonzero(dist <= dist.min() + 1e-12 * max(1.0, abs(med)))
    return float(r_arr[best[0]]) if best.size == 1 else med


def q_hampel(results: Sequence[float] | Sequence[Sequence[float]] | FloatArray) -> RobustEstimate:
    """ISO 13528:2022 C.5.4 Q/Hampel: Hampel location with the Q-method scale; u = 1.25·s*/√p."""
    groups = [np.atleast_1d(np.asarray(g, dtype=np.float64)) for g in results]
    s = q_method(groups)
    means = np.array([float(np.mean(g)) for g in groups])
    loc = hampel(means, s)
    p = len(groups)
    return RobustEstimate("q-hampel", loc, s, uncertainty_of_assigned_value(s, p), p,
                          options=MappingProxyType({"hampel_algorithm": "finite-step (C.5.3.3)"}))


def robust_estimate(x: Iterable[float] | FloatArray, method: str = "algorithm-a", **options: Any) -> RobustEstimate:
    """Assigned value and robust standard deviation by name: ``algorithm-a``, ``q-hampel``,
    ``median-made``, ``median-niqr`` or ``mean``."""
    m = method.strip().lower().replace("_", "-")
    a = _arr(x, min_size=2)
    if m in ("algorithm-a", "a", "alg-a"):
        return algorithm_a(a, **options)
    if m in ("q-hampel", "qhampel"):
        return q_hampel(a)
    if m in ("median-made", "median", "made"):
        s = made(a)
        return RobustEstimate("median-made", float(np.median(a)), s, uncertainty_of_assigned_value(s, a.size),
                              a.size)
    if m in ("median-niqr", "niqr"):
        s = niqr(a, **options)
        return RobustEstimate("median-niqr", float(np.median(a)), s, uncertainty_of_assigned_value(s, a.size),
                              a.size, options=MappingProxyType(dict(options)))
    if m in ("mean", "classical"):
        return classical_estimate(a)
    raise ValueError(f"unknown robust method {method!r}; choose algorithm-a, q-hampel, median-made, "
                     "median-niqr or mean")


# --------------------------------------------------------------------------------------------
# censored results (ISO 13528:2022 E.1)


@dataclass(frozen=True, slots=True)
class CensoredValues:
    """Numbers ready for the robust estimators after a censoring treatment."""

    values: FloatArray = field(compare=False, hash=False)
    treatment: str
    kept_rows: tuple[int, ...]
    censored_rows: tuple[int, ...]


def _parse_censored(v: object, row: int) -> tuple[float, str | None]:
    if isinstance(v, str):
        t = v.strip().replace(" ", "")
        sign = None
        if t[:1] in ("<", ">"):
            sign, t = t[0], t[1:]
        elif t[:1] in ("＜", "＞"):
            sign, t = ("<" if t[0] == "＜" else ">"), t[1:]
        try:
            num = float(t)
        except ValueError:
            raise ComparisonInputError(f"not a number or censored value: {v!r}", field="result", row=row) from None
    elif isinstance(v, tuple) and len(v) == 2 and v[0] in ("<", ">"):
        sign, num = v[0], float(v[1])
    elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        sign, num = None, float(v)
    else:
        raise ComparisonInputError(f"not a number or censored value: {v!r}", field="result", row=row)
    if not math.isfinite(num):
        raise ComparisonInputError(f"result is {num!r} (not a finite number)", field="result", row=row)
    return num, sign


def censored_values(values: Sequence[object], treatment: str = "limit") -> CensoredValues:
    """Apply a treatment to results reported as "<L" or ">L" (strings, or ("<", L) tuples).

    ``treatment`` (the three cases of ISO 13528:2022 E.1):

    * ``"limit"`` — use the limit L itself (E.1 "ignored": the "<" sign is disregarded);
    * ``"delete"`` — drop censored results;
    * ``"half"`` — use L/2 for "<L" results (not defined for ">L").

    Rows are numbered from 1.
    """
    if treatment not in ("limit", "delete", "half"):
        raise ValueError(f"treatment must be 'limit', 'delete' or 'half', got {treatment!r}")
    out: list[float] = []
    kept: list[int] = []
    cens: list[int] = []
    for i, v in enumerate(values, start=1):
        num, sign = _parse_censored(v, i)
        if sign is None:
            out.append(num)
            kept.append(i)
            continue
        cens.append(i)
        if treatment == "delete":
            continue
        if treatment == "half":
            if sign == ">":
                raise ComparisonInputError("'half' treatment is not defined for '>' results", field="result",
                                           row=i)
            out.append(num / 2.0)
        else:
            out.append(num)
        kept.append(i)
    return CensoredValues(np.array(out, dtype=np.float64), treatment, tuple(kept), tuple(cens))
