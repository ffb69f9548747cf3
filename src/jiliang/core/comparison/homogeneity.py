"""Homogeneity and stability of proficiency-test items (ISO 13528:2022 Annex B).

Homogeneity (B.3, g items × m replicates): item means x̄_t, s_x = sd of the item means,
s_w² = pooled within-item variance (for m = 2, Σw_t²/(2g) with w_t the range), and the
between-items standard deviation s_s = √max(0, s_x² − s_w²/m).

* Criterion B.2.2: s_s ≤ 0.3·σ_pt.
* Expanded criterion B.2.3: s_s² ≤ F₁·(0.3·σ_pt)² + F₂·s_w², with F₁ = χ²_{0.95, g−1}/(g−1) and
  F₂ = (F_{0.95, g−1, g(m−1)} − 1)/m (Table B.1 for m = 2).
* When the criterion fails: σ′_pt = √(σ_pt² + s_s²) (B.2.5 a), Formula (B.3)) or include
  u_hom = s_s in u(x_pt) (7.2.2, Formula (3)).

Stability (B.5): |ȳ₁ − ȳ₂| ≤ 0.3·σ_pt (Formula (B.17)); expanded: ≤ 0.3·σ_pt + 2√(u²(ȳ₁) + u²(ȳ₂))
(Formula (B.18)). The same criteria apply to transport stability (B.6).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from jiliang.core.comparison._inputs import ComparisonInputError, FloatArray

__all__ = ["HomogeneityCheck", "StabilityCheck", "homogeneity_check", "stability_check"]


@dataclass(frozen=True, slots=True)
class HomogeneityCheck:
    g: int
    m: int
    general_mean: float
    s_x: float
    s_w: float
    s_s: float
    sigma_pt: float
    criterion: float  # 0.3·σ_pt
    passed: bool  # s_s <= 0.3 σ_pt (B.2.2)
    f1: float
    f2: float
    expanded_criterion: float  # √(F1 (0.3 σ_pt)² + F2 s_w²)
    passed_expanded: bool  # B.2.3
    sigma_pt_adjusted: float  # √(σ_pt² + s_s²) (B.3)
    u_hom: float  # s_s

    def to_dict(self) -> dict[str, float | int | bool]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class StabilityCheck:
    mean_1: float
    mean_2: float
    difference: float
    u_mean_1: float
    u_mean_2: float
    sigma_pt: float
    criterion: float  # 0.3·σ_pt
    passed: bool  # (B.17)
    expanded_criterion: float  # 0.3 σ_pt + 2√(u1² + u2²)
    passed_expanded: bool  # (B.18)

    def to_dict(self) -> dict[str, float | bool]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _matrix(data: Sequence[Sequence[float]] | Sequence[float] | FloatArray, name: str) -> FloatArray:
    try:
        a = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        raise ComparisonInputError("every item must have the same number of numeric replicates",
                                   field=name) from None
    if a.ndim == 1:
        a = a[:, None]
    if a.ndim != 2:
        raise ComparisonInputError("expected items × replicates", field=name)
    bad = np.argwhere(~np.isfinite(a))
    if bad.size:
        raise ComparisonInputError(f"replicate {int(bad[0][1]) + 1} is not a finite number", field=name,
                                   row=int(bad[0][0]) + 1)
    return a


def homogeneity_check(
    items: Sequence[Sequence[float]] | FloatArray,
    sigma_pt: float,
    *,
    confidence: float = 0.95,
) -> HomogeneityCheck:
    """ISO 13528:2022 B.3 homogeneity check of g ≥ 2 items each measured m ≥ 2 times."""
    a = _matrix(items, "items")
    g, m = a.shape
    if g < 2 or m < 2:
        raise ComparisonInputError(f"need at least 2 items × 2 replicates, got {g} × {m}", field="items")
    if not (math.isfinite(sigma_pt) and sigma_pt > 0):
        raise ComparisonInputError(f"must be positive, got {sigma_pt!r}", field="sigma_pt")
    means = a.mean(axis=1)
    s_x = float(np.std(means, ddof=1))
    s_w = float(np.sqrt(np.mean(np.var(a, axis=1, ddof=1))))
    s_s = math.sqrt(max(0.0, s_x**2 - s_w**2 / m))
    crit = 0.3 * sigma_pt
    f1 = float(stats.chi2.ppf(confidence, g - 1) / (g - 1))
    f2 = float((stats.f.ppf(confidence, g - 1, g * (m - 1)) - 1.0) / m)
    c_exp = math.sqrt(f1 * crit**2 + f2 * s_w**2)
    return HomogeneityCheck(
        g=g,
        m=m,
        general_mean=float(a.mean()),
        s_x=s_x,
        s_w=s_w,
        s_s=s_s,
        sigma_pt=float(sigma_pt),
        criterion=crit,
        passed=s_s <= crit,
        f1=f1,
        f2=f2,
        expanded_criterion=c_exp,
        passed_expanded=s_s <= c_exp,
        sigma_pt_adjusted=math.sqrt(sigma_pt**2 + s_s**2),
        u_hom=s_s,
    )


def _mean_and_u(a: FloatArray) -> tuple[float, float]:
    item_means = a.mean(axis=1)
    if item_means.size < 2:
        raise ComparisonInputError("need results on at least two items to estimate u(ȳ)", field="items")
    return float(a.mean()), float(np.std(item_means, ddof=1) / math.sqrt(item_means.size))


def stability_check(
    before: Sequence[Sequence[float]] | Sequence[float] | FloatArray,
    after: Sequence[Sequence[float]] | Sequence[float] | FloatArray,
    sigma_pt: float,
) -> StabilityCheck:
    """ISO 13528:2022 B.5 stability check: general mean before (e.g. the homogeneity study) vs after.

    Inputs are items × replicates (or one result per item). u(ȳ) is the standard deviation of the
    item means divided by √(number of items).
    """
    a1 = _matrix(before, "before")
    a2 = _matrix(after, "after")
    if not (math.isfinite(sigma_pt) and sigma_pt > 0):
        raise ComparisonInputError(f"must be positive, got {sigma_pt!r}", field="sigma_pt")
    y1, u1 = _mean_and_u(a1)
    y2, u2 = _mean_and_u(a2)
    diff = abs(y1 - y2)
    crit = 0.3 * sigma_pt
    c_exp = crit + 2.0 * math.sqrt(u1**2 + u2**2)
    return StabilityCheck(
        mean_1=y1,
        mean_2=y2,
        difference=diff,
        u_mean_1=u1,
        u_mean_2=u2,
        sigma_pt=float(sigma_pt),
        criterion=crit,
        passed=diff <= crit,
        expanded_criterion=c_exp,
        passed_expanded=diff <= c_exp,
    )
