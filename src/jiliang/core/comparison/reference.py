"""Reference values (KCRV / consensus values) of an interlaboratory comparison.

Methods and their sources:

* :func:`weighted_mean` — Cox 2002 Procedure A (*Metrologia* 39, 589–595): weighted mean, χ²
  consistency test, Birge ratio.
* :func:`procedure_b` — Cox 2002 Procedure B: median, Monte Carlo uncertainty.
* :func:`largest_consistent_subset` — Cox 2007 (*Metrologia* 44, 187–200).
* :func:`arithmetic_mean` — u = √(Σu_i²)/n (propagated) or s/√n (Type A), both used in published
  key comparisons (CCEM.RF-K25.W; CCT-K7, CCQM-K30).
* :func:`median_reference` — median, u = 1.25·MADe/√n or 1.25·nIQR/√n (ISO 13528:2022 7.7.7 with
  C.2.2/C.2.3 scale estimates).
* :func:`dersimonian_laird` — DerSimonian & Laird 1986, τ² truncated at 0; Knapp–Hartung 2003;
  parametric bootstrap of the NIST Consensus Builder (Koepke et al., *Metrologia* 54 (2017) S34).
* :func:`paule_mandel` — Paule & Mandel, *J. Res. NBS* 87 (1982) 377.
* :func:`linear_pool` — NIST Consensus Builder linear opinion pool (Monte Carlo).
* :func:`hierarchical_bayes` — NIST Consensus Builder Gaussian hierarchical model (see
  :mod:`jiliang.core.comparison.bayes`).

Every function returns a frozen :class:`ReferenceValue` that records the options it was run with,
so a report can state the convention used.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
from scipy import optimize, stats

from jiliang.core.comparison._inputs import (
    ComparisonInputError,
    FloatArray,
    LabResult,
    arrays,
    validate_results,
)
from jiliang.core.comparison._mc import (
    MonteCarloInfo,
    check_trials,
    draw_errors,
    make_rng,
    symmetric_half_width,
    t_scale,
)

__all__ = [
    "ConsistencyCheck",
    "ReferenceValue",
    "METHODS",
    "arithmetic_mean",
    "birge_ratio",
    "cochran_q",
    "consistency_check",
    "dersimonian_laird",
    "largest_consistent_subset",
    "linear_pool",
    "median_reference",
    "paule_mandel",
    "procedure_b",
    "reference_value",
    "weighted_mean",
]

MADE_FACTOR = 1.483  # ISO 13528:2022 C.2.2
NIQR_FACTOR = 0.7413  # ISO 13528:2022 C.2.3


def _frozen(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True, slots=True)
class ConsistencyCheck:
    """χ² (= Cochran's Q) consistency test of the weighted mean (Cox 2002, Procedure A step 2).

    ``passed`` is ``p_value >= alpha``. ``birge_ratio`` R_B = √(χ²/ν); ``birge_limit`` = 1 + √(8/ν)
    is the common flag (R_B has standard deviation ≈ 1/√(2ν)).
    """

    chi2: float
    dof: int
    p_value: float
    critical_value: float
    alpha: float
    passed: bool
    birge_ratio: float
    birge_limit: float
    weighted_mean: float
    weighted_mean_uncertainty: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "chi2": self.chi2,
            "cochran_q": self.chi2,
            "dof": self.dof,
            "p_value": self.p_value,
            "critical_value": self.critical_value,
            "alpha": self.alpha,
            "passed": self.passed,
            "birge_ratio": self.birge_ratio,
            "birge_limit": self.birge_limit,
        }


@dataclass(frozen=True, slots=True)
class ReferenceValue:
    """A reference value and how it was obtained.

    ``labs`` are the participants that contributed; ``sensitivity`` holds ∂y/∂x_i for each of them
    (used for the covariance term of the degrees of equivalence; NaN where not defined, e.g. for
    a median). ``options`` records every convention used; ``monte_carlo`` the seed and trials.
    """

    method: str
    value: float
    standard_uncertainty: float
    expanded_uncertainty: float
    coverage_factor: float
    coverage_interval: tuple[float, float]
    coverage_probability: float
    labs: tuple[str, ...]
    sensitivity: tuple[float, ...]
    consistency: ConsistencyCheck
    options: Mapping[str, Any] = field(hash=False)
    tau: float | None = None
    effective_dof: float | None = None
    monte_carlo: MonteCarloInfo | None = None
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    notes: tuple[str, ...] = ()
    draws: FloatArray | None = field(default=None, repr=False, compare=False, hash=False)
    lab_draws: FloatArray | None = field(default=None, repr=False, compare=False, hash=False)
    tau_draws: FloatArray | None = field(default=None, repr=False, compare=False, hash=False)
    sigma_draws: FloatArray | None = field(default=None, repr=False, compare=False, hash=False)

    @property
    def random_effects(self) -> bool:
        return self.tau is not None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "method": self.method,
            "value": self.value,
            "standard_uncertainty": self.standard_uncertainty,
            "expanded_uncertainty": self.expanded_uncertainty,
            "coverage_factor": self.coverage_factor,
            "coverage_interval": list(self.coverage_interval),
            "coverage_probability": self.coverage_probability,
            "labs": list(self.labs),
            "sensitivity": jsonable(dict(zip(self.labs, self.sensitivity, strict=True))),
            "tau": self.tau,
            "effective_dof": self.effective_dof,
            "consistency": jsonable(self.consistency.to_dict()),
            "options": jsonable(dict(self.options)),
            "monte_carlo": None
            if self.monte_carlo is None
            else {"seed": self.monte_carlo.seed, "trials": self.monte_carlo.trials,
                  "method": self.monte_carlo.method},
            "details": jsonable(dict(self.details)),
            "notes": list(self.notes),
        }


def jsonable(v: Any) -> Any:
    """Plain JSON types; NaN and infinities become ``None``."""
    if isinstance(v, Mapping):
        return {str(k): jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, (np.floating, np.integer, np.bool_)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


# --------------------------------------------------------------------------------------------
# consistency


def cochran_q(x: Sequence[float] | FloatArray, u: Sequence[float] | FloatArray) -> tuple[float, float]:
    """Cochran's Q = Σ w_i (x_i − ȳ_w)² with w_i = 1/u_i², and its p-value Pr{χ²(n−1) > Q}."""
    xa = np.asarray(x, dtype=np.float64)
    ua = np.asarray(u, dtype=np.float64)
    w = 1.0 / ua**2
    y = float(np.sum(w * xa) / np.sum(w))
    q = float(np.sum(w * (xa - y) ** 2))
    return q, float(stats.chi2.sf(q, xa.size - 1))


def birge_ratio(x: Sequence[float] | FloatArray, u: Sequence[float] | FloatArray) -> float:
    """Birge ratio R_B = √(χ²_obs/(n−1))."""
    q, _ = cochran_q(x, u)
    return math.sqrt(q / (len(x) - 1))


def _consistency(x: FloatArray, u: FloatArray, alpha: float) -> ConsistencyCheck:
    w = 1.0 / u**2
    y = float(np.sum(w * x) / np.sum(w))
    chi2 = float(np.sum(w * (x - y) ** 2))
    nu = x.size - 1
    p = float(stats.chi2.sf(chi2, nu))
    return ConsistencyCheck(
        chi2=chi2,
        dof=nu,
        p_value=p,
        critical_value=float(stats.chi2.ppf(1.0 - alpha, nu)),
        alpha=alpha,
        passed=bool(p >= alpha),
        birge_ratio=math.sqrt(chi2 / nu),
        birge_limit=1.0 + math.sqrt(8.0 / nu),
        weighted_mean=y,
        weighted_mean_uncertainty=float(np.sum(w) ** -0.5),
    )


def consistency_check(results: Sequence[LabResult], *, alpha: float = 0.05) -> ConsistencyCheck:
    """χ² consistency test over the contributing results (Cox 2002 Procedure A)."""
    used = _used(results)
    x, u, _ = arrays(used)
    return _consistency(x, u, _check_alpha(alpha))


# --------------------------------------------------------------------------------------------
# helpers


def _check_alpha(alpha: float) -> float:
    if not 0.0 < float(alpha) < 1.0:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha!r}")
    return float(alpha)


def _check_prob(p: float, name: str = "coverage_probability") -> float:
    if not 0.0 < float(p) < 1.0:
        raise ValueError(f"{name} must lie in (0, 1), got {p!r}")
    return float(p)


def _check_k(k: float) -> float:
    if isinstance(k, bool) or not isinstance(k, (int, float)) or not math.isfinite(k) or k <= 0:
        raise ValueError(f"coverage_factor must be a positive number, got {k!r}")
    return float(k)


def _used(results: Sequence[LabResult], min_included: int = 2) -> tuple[LabResult, ...]:
    res = validate_results(results, min_included=min_included)
    return tuple(r for r in res if r.included)


def _welch_satterthwaite(c: FloatArray, u: FloatArray, nu: FloatArray, uy: float) -> float | None:
    if not np.any(np.isfinite(nu)):
        return None
    fin = np.isfinite(nu)
    denom = float(np.sum((c[fin] * u[fin]) ** 4 / nu[fin]))
    if denom == 0.0:
        return None
    return uy**4 / denom


def _mc_summary(
    draws: FloatArray, centre: float, coverage_probability: float
) -> tuple[float, float, tuple[float, float]]:
    u = float(np.std(draws, ddof=1))
    big_u = float(symmetric_half_width(draws, centre, coverage_probability))
    lo, hi = np.quantile(draws, [(1 - coverage_probability) / 2, (1 + coverage_probability) / 2])
    return u, big_u, (float(lo), float(hi))


# --------------------------------------------------------------------------------------------
# Cox 2002 Procedure A / B, largest consistent subset


def weighted_mean(
    results: Sequence[LabResult],
    *,
    alpha: float = 0.05,
    birge_adjustment: bool = False,
    coverage_factor: float = 2.0,
) -> ReferenceValue:
    """Cox 2002 Procedure A: y = Σw_i x_i/Σw_i, u(y) = (Σw_i)^−½, w_i = 1/u_i².

    The χ² test (ν = n − 1) is recorded in ``consistency``; if it fails the result carries a note,
    and Procedure B, the largest consistent subset or a random-effects model should be used.
    ``birge_adjustment=True`` multiplies u(y) by R_B when R_B > 1 (off by default; not part of
    Procedure A). ``effective_dof`` is the Welch–Satterthwaite ν_eff when participants gave ν_i.
    """
    alpha = _check_alpha(alpha)
    k = _check_k(coverage_factor)
    used = _used(results)
    x, u, nu = arrays(used)
    w = 1.0 / u**2
    y = float(np.sum(w * x) / np.sum(w))
    uy = float(np.sum(w) ** -0.5)
    cons = _consistency(x, u, alpha)
    c = w / np.sum(w)
    nu_eff = _welch_satterthwaite(c, u, nu, uy)
    notes: list[str] = []
    details: dict[str, Any] = {"u_unadjusted": uy}
    if birge_adjustment and cons.birge_ratio > 1.0:
        uy *= cons.birge_ratio
        details["birge_factor"] = cons.birge_ratio
    if not cons.passed:
        notes.append(
            f"χ² consistency check failed: χ²_obs = {cons.chi2:.4g} > χ²_0.95({cons.dof}) = "
            f"{cons.critical_value:.4g} (p = {cons.p_value:.3g}); Procedure A is not applicable — use "
            "Procedure B, the largest consistent subset or a random-effects model (Cox 2002)"
        )
    return ReferenceValue(
        method="weighted-mean",
        value=y,
        standard_uncertainty=uy,
        expanded_uncertainty=k * uy,
        coverage_factor=k,
        coverage_interval=(y - k * uy, y + k * uy),
        coverage_probability=0.95,
        labs=tuple(r.lab for r in used),
        sensitivity=tuple(float(v) for v in c),
        consistency=cons,
        options=_frozen({"alpha": alpha, "birge_adjustment": birge_adjustment, "coverage_factor": k}),
        effective_dof=nu_eff,
        details=_frozen(details),
        notes=tuple(notes),
    )


def procedure_b(
    results: Sequence[LabResult],
    *,
    trials: int = 200_000,
    seed: int | None = 1,
    coverage_probability: float = 0.95,
    alpha: float = 0.05,
) -> ReferenceValue:
    """Cox 2002 Procedure B: y = median(x_i); u(y) and the 95 % interval by Monte Carlo.

    Each trial draws X_i from N(x_i, u_i²) — or, where ν_i is given, from x_i + u_i·t_ν/φ(ν) with
    the NICOB scaling φ so that the standard deviation stays u_i — and takes the median. The draws
    are kept so that U(d_i) can be taken from the distribution of X_i − Y (Cox 2002 §5).
    """
    trials = check_trials(trials)
    p = _check_prob(coverage_probability)
    alpha = _check_alpha(alpha)
    used = _used(results)
    x, u, nu = arrays(used)
    rng, used_seed = make_rng(seed)
    lab_draws = x + draw_errors(rng, u, nu, trials)
    draws = np.median(lab_draws, axis=1)
    y = float(np.median(x))
    uy, big_u, ci = _mc_summary(draws, y, p)
    return ReferenceValue(
        method="procedure-b",
        value=y,
        standard_uncertainty=uy,
        expanded_uncertainty=big_u,
        coverage_factor=big_u / uy if uy > 0 else float("nan"),
        coverage_interval=ci,
        coverage_probability=p,
        labs=tuple(r.lab for r in used),
        sensitivity=tuple(float("nan") for _ in used),
        consistency=_consistency(x, u, alpha),
        options=_frozen({"trials": trials, "seed": used_seed, "coverage_probability": p, "alpha": alpha}),
        monte_carlo=MonteCarloInfo(seed=used_seed, trials=trials, method="Cox 2002 Procedure B"),
        details=_frozen({"mc_mean": float(np.mean(draws)), "mc_median": float(np.median(draws))}),
        draws=draws,
        lab_draws=lab_draws,
    )


_LCS_MAX_SUBSETS = 5_000_000


def largest_consistent_subset(
    results: Sequence[LabResult],
    *,
    alpha: float = 0.05,
    coverage_factor: float = 2.0,
) -> ReferenceValue:
    """Cox 2007: the largest subset of the contributing results that passes the χ² test.

    All subsets are searched from the largest size down; the first size with a consistent subset
    wins. Where several subsets of that size pass, the one with the smallest χ²_obs is used and
    the others are listed in ``notes`` and ``details['tied_subsets']``. The reference value is the
    Procedure A weighted mean over the subset; labs outside it are treated as not contributing.
    """
    alpha = _check_alpha(alpha)
    k = _check_k(coverage_factor)
    used = _used(results)
    n = len(used)
    x, u, _ = arrays(used)
    w = 1.0 / u**2
    chosen: tuple[int, ...] | None = None
    ties: list[tuple[tuple[int, ...], float]] = []
    searched = 0
    for size in range(n, 1, -1):
        passing: list[tuple[tuple[int, ...], float]] = []
        n_comb = math.comb(n, size)
        searched += n_comb
        if searched > _LCS_MAX_SUBSETS:
            raise ValueError(
                f"largest consistent subset search would exceed {_LCS_MAX_SUBSETS} subsets for "
                f"{n} participants; reduce the set first"
            )
        combos = np.array(list(itertools.combinations(range(n), size)), dtype=np.intp)
        xs, ws = x[combos], w[combos]
        ys = np.sum(ws * xs, axis=1) / np.sum(ws, axis=1)
        chi2 = np.sum(ws * (xs - ys[:, None]) ** 2, axis=1)
        pvals = stats.chi2.sf(chi2, size - 1)
        ok = np.flatnonzero(pvals >= alpha)
        for i in ok:
            passing.append((tuple(int(j) for j in combos[i]), float(chi2[i])))
        if passing:
            passing.sort(key=lambda t: t[1])
            chosen = passing[0][0]
            ties = passing[1:]
            break
    if chosen is None:  # pragma: no cover - any pair with equal values passes; kept for safety
        raise ValueError("no consistent subset of two or more results exists")
    subset = [used[i] for i in chosen]
    sub_results = [
        LabResult(r.lab, r.value, r.standard_uncertainty, r.dof, included=r.lab in {s.lab for s in subset},
                  coverage_factor=r.coverage_factor)
        for r in used
    ]
    base = weighted_mean(sub_results, alpha=alpha, coverage_factor=k)
    excluded = tuple(r.lab for r in used if r.lab not in {s.lab for s in subset})
    notes = list(base.notes)
    if excluded:
        notes.append("excluded from the reference value as inconsistent: " + ", ".join(excluded))
    tied = [tuple(used[i].lab for i in t[0]) for t in ties]
    if tied:
        notes.append(
            f"{len(tied)} other consistent subset(s) of the same size exist; the one with the smallest "
            "χ²_obs was chosen"
        )
    details = dict(base.details)
    details.update({
        "excluded": excluded,
        "tied_subsets": tied,
        "tie_break": "smallest chi2",
        "all_consistency": _consistency(x, u, alpha).to_dict(),
    })
    return ReferenceValue(
        method="largest-consistent-subset",
        value=base.value,
        standard_uncertainty=base.standard_uncertainty,
        expanded_uncertainty=base.expanded_uncertainty,
        coverage_factor=k,
        coverage_interval=base.coverage_interval,
        coverage_probability=0.95,
        labs=base.labs,
        sensitivity=base.sensitivity,
        consistency=base.consistency,
        options=_frozen({"alpha": alpha, "coverage_factor": k}),
        effective_dof=base.effective_dof,
        details=_frozen(details),
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------------------------
# arithmetic mean, median


def arithmetic_mean(
    results: Sequence[LabResult],
    *,
    uncertainty: str = "propagated",
    coverage_factor: float = 2.0,
    alpha: float = 0.05,
) -> ReferenceValue:
    """Arithmetic-mean reference value x̄.

    ``uncertainty="propagated"`` (default): u = √(Σu_i²)/n, the law of propagation for independent
    results (CCEM.RF-K25.W); ``"type_a"``: u = s/√n with s the standard deviation of the x_i
    (CCT-K7, CCQM-K30). ∂y/∂x_i = 1/n in both cases.
    """
    if uncertainty not in ("propagated", "type_a"):
        raise ValueError(f"uncertainty must be 'propagated' or 'type_a', got {uncertainty!r}")
    k = _check_k(coverage_factor)
    alpha = _check_alpha(alpha)
    used = _used(results)
    x, u, nu = arrays(used)
    n = x.size
    y = float(np.mean(x))
    c = np.full(n, 1.0 / n)
    if uncertainty == "propagated":
        uy = float(np.sqrt(np.sum(u**2)) / n)
        nu_eff = _welch_satterthwaite(c, u, nu, uy)
    else:
        uy = float(np.std(x, ddof=1) / math.sqrt(n))
        nu_eff = float(n - 1)
    return ReferenceValue(
        method="arithmetic-mean",
        value=y,
        standard_uncertainty=uy,
        expanded_uncertainty=k * uy,
        coverage_factor=k,
        coverage_interval=(y - k * uy, y + k * uy),
        coverage_probability=0.95,
        labs=tuple(r.lab for r in used),
        sensitivity=tuple(float(v) for v in c),
        consistency=_consistency(x, u, alpha),
        options=_frozen({"uncertainty": uncertainty, "coverage_factor": k, "alpha": alpha}),
        effective_dof=nu_eff,
        details=_frozen({
            "u_propagated": float(np.sqrt(np.sum(u**2)) / n),
            "u_type_a": float(np.std(x, ddof=1) / math.sqrt(n)),
            "standard_deviation": float(np.std(x, ddof=1)),
        }),
    )


def median_reference(
    results: Sequence[LabResult],
    *,
    scale: str = "made",
    factor: float = 1.25,
    coverage_factor: float = 2.0,
    alpha: float = 0.05,
) -> ReferenceValue:
    """Median reference value, u = factor·s/√n with s = MADe (default) or nIQR.

    MADe = 1.483·med|x_i − med x| (ISO 13528:2022 C.2.2); nIQR = 0.7413·(Q3 − Q1) with quartiles
    by linear interpolation (C.2.3). The factor 1.25 ≈ √(π/2) follows ISO 13528:2022 7.7.7. The
    sensitivity of a median to each x_i is not defined (NaN), so degrees of equivalence ignore the
    covariance term for this method unless computed by Monte Carlo (see :func:`procedure_b`).
    """
    if scale not in ("made", "niqr"):
        raise ValueError(f"scale must be 'made' or 'niqr', got {scale!r}")
    k = _check_k(coverage_factor)
    alpha = _check_alpha(alpha)
    if not (math.isfinite(factor) and factor > 0):
        raise ValueError(f"factor must be positive, got {factor!r}")
    used = _used(results)
    x, u, _ = arrays(used)
    n = x.size
    med = float(np.median(x))
    made = MADE_FACTOR * float(np.median(np.abs(x - med)))
    q1, q3 = np.quantile(x, [0.25, 0.75], method="linear")
    niqr = NIQR_FACTOR * float(q3 - q1)
    s = made if scale == "made" else niqr
    uy = factor * s / math.sqrt(n)
    notes = []
    if s == 0.0:
        notes.append(f"robust scale {scale} is zero; u(median) = 0 is not a usable uncertainty")
    return ReferenceValue(
        method="median",
        value=med,
        standard_uncertainty=uy,
        expanded_uncertainty=k * uy,
        coverage_factor=k,
        coverage_interval=(med - k * uy, med + k * uy),
        coverage_probability=0.95,
        labs=tuple(r.lab for r in used),
        sensitivity=tuple(float("nan") for _ in used),
        consistency=_consistency(x, u, alpha),
        options=_frozen({"scale": scale, "factor": factor, "coverage_factor": k, "alpha": alpha}),
        details=_frozen({"MADe": made, "nIQR": niqr}),
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------------------------
# random-effects models


def _dl_core(x: FloatArray, u: FloatArray) -> tuple[float, float, float, float]:
    """(μ_DL, τ², Q, c) for one data set."""
    w = 1.0 / u**2
    s1 = float(np.sum(w))
    s2 = float(np.sum(w**2))
    yw = float(np.sum(w * x) / s1)
    q = float(np.sum(w * (x - yw) ** 2))
    c = s1 - s2 / s1
    tau2 = max(0.0, (q - (x.size - 1)) / c) if c > 0 else 0.0
    ws = 1.0 / (u**2 + tau2)
    mu = float(np.sum(ws * x) / np.sum(ws))
    return mu, tau2, q, c


def _dl_rows(xb: FloatArray, ub: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Row-wise DerSimonian–Laird (μ, τ²) for trials × n arrays."""
    n = xb.shape[1]
    w = 1.0 / ub**2
    s1 = np.sum(w, axis=1)
    s2 = np.sum(w**2, axis=1)
    yw = np.sum(w * xb, axis=1) / s1
    q = np.sum(w * (xb - yw[:, None]) ** 2, axis=1)
    c = s1 - s2 / s1
    with np.errstate(divide="ignore", invalid="ignore"):
        tau2 = np.where(c > 0, np.maximum(0.0, (q - (n - 1)) / c), 0.0)
    ws = 1.0 / (ub**2 + tau2[:, None])
    mu = np.sum(ws * xb, axis=1) / np.sum(ws, axis=1)
    return mu, tau2


def _tau2_bootstrap(x: FloatArray, u: FloatArray, rng: np.random.Generator, trials: int) -> FloatArray:
    """Draws of τ² from the Biggerstaff–Tweedie (1997) gamma approximation to Cochran's Q.

    As NICOB ``sampleFromTau2Dist``: E[Q] and Var[Q] at the untruncated τ²_M, Q* ~ Gamma with
    those moments, τ²* = max(0, (Q* − (n−1))/c).
    """
    n = x.size
    w = 1.0 / u**2
    s1, s2, s3 = float(np.sum(w)), float(np.sum(w**2)), float(np.sum(w**3))
    c = s1 - s2 / s1
    yw = float(np.sum(w * x) / s1)
    q = float(np.sum(w * (x - yw) ** 2))
    if c <= 0:
        return np.zeros(trials)
    tau2_m = (q - (n - 1)) / c
    e_q = (n - 1) + c * tau2_m
    v_q = 2 * (n - 1) + 4 * c * tau2_m + 2 * (s2 - 2 * s3 / s1 + s2**2 / s1**2) * tau2_m**2
    if e_q <= 0:
        return np.zeros(trials)
    if v_q <= 0:
        qs = np.full(trials, e_q)
    else:
        qs = rng.gamma(shape=e_q**2 / v_q, scale=v_q / e_q, size=trials)
    return np.asarray(np.maximum(0.0, (qs - (n - 1)) / c), dtype=np.float64)


def _dl_bootstrap(
    x: FloatArray, u: FloatArray, nu: FloatArray, mu: float, rng: np.random.Generator, trials: int,
    chunk: int = 50_000,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """NICOB parametric bootstrap of the DL estimate: returns (μ*, x*, τ²*)."""
    n = x.size
    tau2 = _tau2_bootstrap(x, u, rng, trials)
    xb = mu + np.sqrt(tau2[:, None] + u**2) * rng.standard_normal((trials, n))
    ub = np.broadcast_to(u, (trials, n)).copy()
    fin = np.isfinite(nu)
    for j in np.flatnonzero(fin):
        ub[:, j] = u[j] * np.sqrt(nu[j] / rng.chisquare(nu[j], size=trials))
    mub = np.empty(trials)
    for s in range(0, trials, chunk):
        mub[s:s + chunk], _ = _dl_rows(xb[s:s + chunk], ub[s:s + chunk])
    return mub, xb, tau2


def dersimonian_laird(
    results: Sequence[LabResult],
    *,
    uncertainty: str = "naive",
    trials: int = 100_000,
    seed: int | None = 1,
    coverage_probability: float = 0.95,
    alpha: float = 0.05,
) -> ReferenceValue:
    """DerSimonian–Laird random-effects consensus value.

    τ²_DL = max{0, (Q − (n−1))/(S₁ − S₂/S₁)} (always truncated at 0), w_i* = 1/(u_i² + τ²),
    μ = Σw_i* x_i/Σw_i*. ``uncertainty``:

    * ``"naive"`` (default): u = (Σw*)^−½, interval μ ± z_{(1+p)/2}·u;
    * ``"knapp_hartung"``: u² = Σw*(x−μ)²/((n−1)Σw*), interval with t_{n−1};
    * ``"knapp_hartung_modified"``: the same with the factor max(1, q*) (Röver, Knapp & Friede 2015,
      as in NICOB);
    * ``"bootstrap"``: NICOB parametric bootstrap (τ² from the Biggerstaff–Tweedie gamma
      approximation; x* ~ N(μ, τ²* + u_i²); u* = u_i√(ν_i/χ²_ν) where ν_i is given); u = sd of the
      bootstrap μ*, interval from its quantiles. The draws are kept for degrees of equivalence.
    """
    allowed = ("naive", "knapp_hartung", "knapp_hartung_modified", "bootstrap")
    if uncertainty not in allowed:
        raise ValueError(f"uncertainty must be one of {allowed}, got {uncertainty!r}")
    p = _check_prob(coverage_probability)
    alpha = _check_alpha(alpha)
    used = _used(results)
    x, u, nu = arrays(used)
    n = x.size
    mu, tau2, q, c_s = _dl_core(x, u)
    ws = 1.0 / (u**2 + tau2)
    u_naive = float(np.sum(ws) ** -0.5)
    q_kh = float(np.sum(ws * (x - mu) ** 2) / (n - 1))
    i2 = max(0.0, (q - (n - 1)) / q) if q > 0 else 0.0
    details: dict[str, Any] = {
        "tau2": tau2,
        "tau2_truncated_at_zero": True,
        "cochran_q": q,
        "I2": i2,
        "H2": q / (n - 1),
        "u_naive": u_naive,
        "knapp_hartung_q": q_kh,
        "u_knapp_hartung": math.sqrt(q_kh) * u_naive,
        "u_knapp_hartung_modified": math.sqrt(max(1.0, q_kh)) * u_naive,
    }
    options: dict[str, Any] = {"uncertainty": uncertainty, "coverage_probability": p, "alpha": alpha}
    mc = None
    draws = lab_draws = tau_draws = None
    if uncertainty == "naive":
        k = float(stats.norm.ppf((1 + p) / 2))
        uy = u_naive
        big_u = k * uy
        ci = (mu - big_u, mu + big_u)
    elif uncertainty.startswith("knapp_hartung"):
        k = float(stats.t.ppf((1 + p) / 2, n - 1))
        uy = details["u_knapp_hartung" if uncertainty == "knapp_hartung" else "u_knapp_hartung_modified"]
        big_u = k * uy
        ci = (mu - big_u, mu + big_u)
    else:
        trials = check_trials(trials)
        rng, used_seed = make_rng(seed)
        draws, lab_draws, t2 = _dl_bootstrap(x, u, nu, mu, rng, trials)
        tau_draws = np.sqrt(t2)
        uy, big_u, ci = _mc_summary(draws, mu, p)
        k = big_u / uy if uy > 0 else float("nan")
        mc = MonteCarloInfo(seed=used_seed, trials=trials, method="NICOB DL parametric bootstrap")
        options.update({"trials": trials, "seed": used_seed})
    return ReferenceValue(
        method="dersimonian-laird",
        value=mu,
        standard_uncertainty=uy,
        expanded_uncertainty=big_u,
        coverage_factor=k,
        coverage_interval=ci,
        coverage_probability=p,
        labs=tuple(r.lab for r in used),
        sensitivity=tuple(float(v) for v in ws / np.sum(ws)),
        consistency=_consistency(x, u, alpha),
        options=_frozen(options),
        tau=math.sqrt(tau2),
        monte_carlo=mc,
        details=_frozen(details),
        draws=draws,
        lab_draws=lab_draws,
        tau_draws=tau_draws,
    )


def _pm_tau2(x: FloatArray, u: FloatArray, tol: float = 1e-15) -> float:
    n = x.size

    def f(t2: float) -> float:
        ws = 1.0 / (u**2 + t2)
        mu = np.sum(ws * x) / np.sum(ws)
        return float(np.sum(ws * (x - mu) ** 2) - (n - 1))

    if f(0.0) <= 0.0:
        return 0.0
    hi = max(float(np.var(x)), float(np.max(u**2)), 1e-300)
    while f(hi) > 0.0:
        hi *= 4.0
    return float(optimize.brentq(f, 0.0, hi, xtol=tol * hi, rtol=4 * np.finfo(float).eps, maxiter=500))


def paule_mandel(
    results: Sequence[LabResult],
    *,
    coverage_probability: float = 0.95,
    alpha: float = 0.05,
) -> ReferenceValue:
    """Paule–Mandel: τ² ≥ 0 solving Σ(x_i − μ(τ²))²/(u_i² + τ²) = n − 1; u = (Σw*)^−½.

    τ² = 0 when the left-hand side at 0 is already ≤ n − 1. Solved by bracketing (Brent) to full
    double precision, not the loose default tolerance some packages use.
    """
    p = _check_prob(coverage_probability)
    alpha = _check_alpha(alpha)
    used = _used(results)
    x, u, _ = arrays(used)
    tau2 = _pm_tau2(x, u)
    ws = 1.0 / (u**2 + tau2)
    mu = float(np.sum(ws * x) / np.sum(ws))
    uy = float(np.sum(ws) ** -0.5)
    k = float(stats.norm.ppf((1 + p) / 2))
    return ReferenceValue(
        method="paule-mandel",
        value=mu,
        standard_uncertainty=uy,
        expanded_uncertainty=k * uy,
        coverage_factor=k,
        coverage_interval=(mu - k * uy, mu + k * uy),
        coverage_probability=p,
        labs=tuple(r.lab for r in used),
        sensitivity=tuple(float(v) for v in ws / np.sum(ws)),
        consistency=_consistency(x, u, alpha),
        options=_frozen({"coverage_probability": p, "alpha": alpha}),
        tau=math.sqrt(tau2),
        details=_frozen({"tau2": tau2}),
    )


def linear_pool(
    results: Sequence[LabResult],
    *,
    weights: Mapping[str, float] | None = None,
    trials: int = 1_000_000,
    seed: int | None = 1,
    coverage_probability: float = 0.95,
    alpha: float = 0.05,
) -> ReferenceValue:
    """Linear opinion pool (NICOB): a mixture of the participants' distributions, by Monte Carlo.

    Each trial picks lab j with probability ∝ weight (equal by default) and draws x_j + u_j·ε with
    ε ~ N(0, 1), or t_ν/φ(ν) where ν_j is given (φ = √(ν/(ν−2)) for ν > 2, NICOB's substitute for
    ν ≤ 2). Value = mean of the mixture, u = its standard deviation, interval from quantiles.
    """
    trials = check_trials(trials)
    p = _check_prob(coverage_probability)
    alpha = _check_alpha(alpha)
    used = _used(results)
    x, u, nu = arrays(used)
    n = x.size
    if weights is None:
        wv = np.full(n, 1.0 / n)
        wmap = None
    else:
        missing = [r.lab for r in used if r.lab not in weights]
        if missing:
            raise ComparisonInputError("no pool weight given", lab=missing[0], field="weight")
        wv = np.array([float(weights[r.lab]) for r in used])
        for r, wj in zip(used, wv, strict=True):
            if not math.isfinite(wj) or wj < 0:
                raise ComparisonInputError(f"pool weight must be >= 0, got {wj!r}", lab=r.lab, field="weight")
        if wv.sum() <= 0:
            raise ComparisonInputError("pool weights sum to zero", field="weight")
        wv = wv / wv.sum()
        wmap = {r.lab: float(weights[r.lab]) for r in used}
    rng, used_seed = make_rng(seed)
    idx = rng.choice(n, size=trials, p=wv)
    draws = np.empty(trials)
    phi = t_scale(nu)
    for j in range(n):
        m = idx == j
        cnt = int(np.count_nonzero(m))
        if cnt == 0:
            continue
        if np.isfinite(nu[j]):
            eps = rng.standard_t(nu[j], size=cnt) / phi[j]
        else:
            eps = rng.standard_normal(cnt)
        draws[m] = x[j] + u[j] * eps
    value = float(np.mean(draws))
    uy, big_u, ci = _mc_summary(draws, value, p)
    return ReferenceValue(
        method="linear-pool",
        value=value,
        standard_uncertainty=uy,
        expanded_uncertainty=big_u,
        coverage_factor=big_u / uy if uy > 0 else float("nan"),
        coverage_interval=ci,
        coverage_probability=p,
        labs=tuple(r.lab for r in used),
        sensitivity=tuple(float(v) for v in wv),
        consistency=_consistency(x, u, alpha),
        options=_frozen({"weights": wmap, "trials": trials, "seed": used_seed, "coverage_probability": p,
                         "alpha": alpha}),
        monte_carlo=MonteCarloInfo(seed=used_seed, trials=trials, method="NICOB linear pool"),
        details=_frozen({"mixture_weights": {r.lab: float(v) for r, v in zip(used, wv, strict=True)}}),
        draws=draws,
    )


# --------------------------------------------------------------------------------------------
# dispatcher


def _hb(results: Sequence[LabResult], **kw: Any) -> ReferenceValue:
    from jiliang.core.comparison.bayes import hierarchical_bayes

    return hierarchical_bayes(results, **kw)


METHODS: Mapping[str, Callable[..., ReferenceValue]] = MappingProxyType({
    "weighted-mean": weighted_mean,
    "procedure-b": procedure_b,
    "largest-consistent-subset": largest_consistent_subset,
    "arithmetic-mean": arithmetic_mean,
    "median": median_reference,
    "dersimonian-laird": dersimonian_laird,
    "paule-mandel": paule_mandel,
    "linear-pool": linear_pool,
    "hierarchical-bayes": _hb,
})

ALIASES: Mapping[str, str] = MappingProxyType({
    "wm": "weighted-mean",
    "procedure-a": "weighted-mean",
    "cox-a": "weighted-mean",
    "cox-b": "procedure-b",
    "lcs": "largest-consistent-subset",
    "mean": "arithmetic-mean",
    "dl": "dersimonian-laird",
    "pm": "paule-mandel",
    "lp": "linear-pool",
    "hb": "hierarchical-bayes",
    "bayes": "hierarchical-bayes",
})


def canonical_method(method: str) -> str:
    m = method.strip().lower().replace("_", "-")
    m = ALIASES.get(m, m)
    if m not in METHODS:
        raise ValueError(f"unknown reference-value method {method!r}; choose one of "
                         f"{', '.join(sorted(set(METHODS) | set(ALIASES)))}")
    return m


def reference_value(results: Sequence[LabResult], method: str = "weighted-mean", **options: Any) -> ReferenceValue:
    """Compute a reference value by method name (aliases: wm, lcs, mean, dl, pm, lp, hb, …)."""
    return METHODS[canonical_method(method)](results, **options)
