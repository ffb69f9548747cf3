"""Performance scores for proficiency testing (ISO 13528:2022 clause 9; ISO/IEC 17043:2023).

All functions are vectorised: scalars or arrays in, the same shape out.

* D = x − x_pt, D% = 100·D/x_pt (9.3), z = D/σ_pt (9.4), z′ = D/√(σ_pt² + u²(x_pt)) (9.5),
  ζ = D/√(u²(x) + u²(x_pt)) (9.6), E_n = D/√(U²(x) + U²(x_pt)) (9.7).
* Classification of z, z′ and ζ (9.4.3): |score| ≤ 2 satisfactory (no signal); 2 < |score| < 3
  questionable (warning signal); |score| ≥ 3 unsatisfactory (action signal).
  E_n: |E_n| ≤ 1 satisfactory, > 1 unsatisfactory.
* u(x_pt) is negligible when u(x_pt) < 0.3·σ_pt (9.2.1); otherwise z′ is the score to use.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from jiliang.core.comparison._inputs import ComparisonInputError, FloatArray

__all__ = [
    "PTScores",
    "SATISFACTORY",
    "QUESTIONABLE",
    "UNSATISFACTORY",
    "classify_en",
    "classify_z",
    "difference",
    "en_number",
    "percent_difference",
    "pt_scores",
    "signal",
    "z_prime_score",
    "z_score",
    "zeta_score",
]

SATISFACTORY = "satisfactory"
QUESTIONABLE = "questionable"
UNSATISFACTORY = "unsatisfactory"
_SIGNAL = {SATISFACTORY: "none", QUESTIONABLE: "warning", UNSATISFACTORY: "action"}

ArrayLike = float | Sequence[float] | FloatArray


def _a(v: ArrayLike) -> FloatArray:
    return np.asarray(v, dtype=np.float64)


def _out(v: FloatArray) -> Any:
    return float(v) if v.ndim == 0 else v


def difference(x: ArrayLike, x_pt: ArrayLike) -> Any:
    """D = x − x_pt (ISO 13528:2022 9.3.1)."""
    return _out(_a(x) - _a(x_pt))


def percent_difference(x: ArrayLike, x_pt: ArrayLike) -> Any:
    """D% = 100·(x − x_pt)/x_pt (9.3.2)."""
    return _out(100.0 * (_a(x) - _a(x_pt)) / _a(x_pt))


def z_score(x: ArrayLike, x_pt: ArrayLike, sigma_pt: ArrayLike) -> Any:
    """z = (x − x_pt)/σ_pt (9.4.1)."""
    return _out((_a(x) - _a(x_pt)) / _a(sigma_pt))


def z_prime_score(x: ArrayLike, x_pt: ArrayLike, sigma_pt: ArrayLike, u_x_pt: ArrayLike) -> Any:
    """z′ = (x − x_pt)/√(σ_pt² + u²(x_pt)) (9.5.1)."""
    return _out((_a(x) - _a(x_pt)) / np.sqrt(_a(sigma_pt) ** 2 + _a(u_x_pt) ** 2))


def zeta_score(x: ArrayLike, u_x: ArrayLike, x_pt: ArrayLike, u_x_pt: ArrayLike) -> Any:
    """ζ = (x − x_pt)/√(u²(x) + u²(x_pt)) (9.6.1)."""
    return _out((_a(x) - _a(x_pt)) / np.sqrt(_a(u_x) ** 2 + _a(u_x_pt) ** 2))


def en_number(x: ArrayLike, big_u_x: ArrayLike, x_pt: ArrayLike, big_u_x_pt: ArrayLike) -> Any:
    """E_n = (x − x_pt)/√(U²(x) + U²(x_pt)) with expanded uncertainties (9.7.1). Symmetric in the two
    results up to sign."""
    return _out((_a(x) - _a(x_pt)) / np.sqrt(_a(big_u_x) ** 2 + _a(big_u_x_pt) ** 2))


def classify_z(score: ArrayLike, *, warning: float = 2.0, action: float = 3.0) -> Any:
    """Classify z, z′ or ζ: ≤ warning satisfactory, between questionable, ≥ action unsatisfactory."""
    s = np.abs(_a(score))
    out = np.where(s >= action, UNSATISFACTORY, np.where(s > warning, QUESTIONABLE, SATISFACTORY))
    out = np.where(np.isnan(s), "", out)
    return str(out) if out.ndim == 0 else out


def classify_en(score: ArrayLike, *, limit: float = 1.0) -> Any:
    """Classify E_n: |E_n| ≤ 1 satisfactory, otherwise unsatisfactory."""
    s = np.abs(_a(score))
    out = np.where(s > limit, UNSATISFACTORY, SATISFACTORY)
    out = np.where(np.isnan(s), "", out)
    return str(out) if out.ndim == 0 else out


def signal(classification: str) -> str:
    """"none", "warning" or "action" for a classification."""
    return _SIGNAL.get(classification, "")


@dataclass(frozen=True, slots=True)
class PTScores:
    """Scores of every participant of a proficiency-testing round (arrays, one element per result).

    ``statistic`` is the score recommended by 9.2.1 for the round: "z" when u(x_pt) < 0.3·σ_pt,
    otherwise "z'". Counts refer to that statistic.
    """

    labs: tuple[str, ...]
    x: FloatArray = field(repr=False, compare=False, hash=False)
    x_pt: float
    sigma_pt: float | None
    u_x_pt: float | None
    d: FloatArray = field(repr=False, compare=False, hash=False)
    d_percent: FloatArray = field(repr=False, compare=False, hash=False)
    z: FloatArray | None = field(repr=False, compare=False, hash=False)
    z_prime: FloatArray | None = field(repr=False, compare=False, hash=False)
    zeta: FloatArray | None = field(repr=False, compare=False, hash=False)
    en: FloatArray | None = field(repr=False, compare=False, hash=False)
    statistic: str | None
    counts: Mapping[str, int] = field(hash=False)
    options: Mapping[str, Any] = field(hash=False)

    @property
    def u_x_pt_negligible(self) -> bool | None:
        if self.sigma_pt is None or self.u_x_pt is None:
            return None
        return self.u_x_pt < 0.3 * self.sigma_pt

    def classification(self, statistic: str | None = None) -> npt.NDArray[np.str_]:
        stat = statistic or self.statistic
        if stat is None:
            raise ValueError("no z-type statistic available (σ_pt not given)")
        arr = {"z": self.z, "z'": self.z_prime, "zeta": self.zeta, "E_n": self.en}[stat]
        if arr is None:
            raise ValueError(f"{stat} was not computed (missing inputs)")
        return np.asarray(classify_en(arr) if stat == "E_n" else classify_z(arr,
                          warning=self.options["warning"], action=self.options["action"]))

    def rows(self) -> list[dict[str, Any]]:
        """One dict per participant (for tables, CSV and JSON)."""
        cls = {s: self.classification(s) for s, a in (("z", self.z), ("z'", self.z_prime),
                                                       ("zeta", self.zeta), ("E_n", self.en)) if a is not None}
        out = []
        for i, lab in enumerate(self.labs):
            row: dict[str, Any] = {"lab": lab, "x": float(self.x[i]), "D": float(self.d[i]),
                                   "D%": float(self.d_percent[i])}
            for s, arr in (("z", self.z), ("z'", self.z_prime), ("zeta", self.zeta), ("E_n", self.en)):
                if arr is not None:
                    row[s] = float(arr[i])
                    row[f"{s} class"] = str(cls[s][i])
                    row[f"{s} signal"] = signal(str(cls[s][i]))
            out.append(row)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "x_pt": self.x_pt,
            "sigma_pt": self.sigma_pt,
            "u_x_pt": self.u_x_pt,
            "u_x_pt_negligible": self.u_x_pt_negligible,
            "statistic": self.statistic,
            "counts": dict(self.counts),
            "options": dict(self.options),
            "participants": self.rows(),
        }


def _check_array(name: str, v: ArrayLike | None, n: int, labs: Sequence[str], positive: bool) -> FloatArray | None:
    if v is None:
        return None
    a = np.asarray(v, dtype=np.float64)
    if a.shape != (n,):
        raise ComparisonInputError(f"{a.size} entries given for {n} results", field=name)
    bad = np.flatnonzero(~np.isfinite(a) | ((a <= 0) if positive else False))
    if bad.size:
        i = int(bad[0])
        why = "is not a finite number" if not np.isfinite(a[i]) else f"must be positive, got {a[i]!r}"
        raise ComparisonInputError(why, lab=labs[i], field=name, row=i + 1)
    return a


def _check_scalar(name: str, v: float | None, positive: bool) -> float | None:
    if v is None:
        return None
    f = float(v)
    if not math.isfinite(f) or (positive and f <= 0):
        raise ComparisonInputError(f"must be a {'positive ' if positive else ''}finite number, got {v!r}",
                                   field=name)
    return f


def pt_scores(
    x: ArrayLike,
    x_pt: float,
    *,
    sigma_pt: float | None = None,
    u_x_pt: float | None = None,
    standard_uncertainties: ArrayLike | None = None,
    expanded_uncertainties: ArrayLike | None = None,
    expanded_uncertainty_x_pt: float | None = None,
    coverage_factor_x_pt: float = 2.0,
    labs: Sequence[str] | None = None,
    warning: float = 2.0,
    action: float = 3.0,
) -> PTScores:
    """Score a whole round. Computes every score its inputs allow.

    z needs σ_pt; z′ needs σ_pt and u(x_pt); ζ needs u(x) and u(x_pt); E_n needs U(x) and U(x_pt).
    u(x_pt) and U(x_pt) are derived from each other with ``coverage_factor_x_pt`` (2) when only one
    is given. u(x) and U(x) likewise are derived with k = 2 when only one is given per result.
    """
    xa = np.asarray(x, dtype=np.float64)
    if xa.ndim != 1:
        raise ComparisonInputError("results must be one-dimensional", field="x")
    n = xa.size
    if n < 1:
        raise ComparisonInputError("no results", field="x")
    lab_t = tuple(labs) if labs is not None else tuple(f"L{i + 1}" for i in range(n))
    if len(lab_t) != n:
        raise ComparisonInputError(f"{len(lab_t)} labels for {n} results", field="lab")
    if len(set(lab_t)) != n:
        seen: set[str] = set()
        for i, lab in enumerate(lab_t):
            if lab in seen:
                raise ComparisonInputError("duplicate laboratory label", lab=lab, field="lab", row=i + 1)
            seen.add(lab)
    _check_array("x", xa, n, lab_t, positive=False)
    xpt = _check_scalar("x_pt", x_pt, positive=False)
    assert xpt is not None
    spt = _check_scalar("sigma_pt", sigma_pt, positive=True)
    k_pt = _check_scalar("coverage_factor_x_pt", coverage_factor_x_pt, positive=True)
    assert k_pt is not None
    upt = _check_scalar("u_x_pt", u_x_pt, positive=False)
    big_upt = _check_scalar("expanded_uncertainty_x_pt", expanded_uncertainty_x_pt, positive=False)
    if upt is None and big_upt is not None:
        upt = big_upt / k_pt
    if big_upt is None and upt is not None:
        big_upt = k_pt * upt
    ux = _check_array("standard_uncertainty", standard_uncertainties, n, lab_t, positive=True)
    big_ux = _check_array("expanded_uncertainty", expanded_uncertainties, n, lab_t, positive=True)
    if ux is None and big_ux is not None:
        ux = big_ux / 2.0
    if big_ux is None and ux is not None:
        big_ux = 2.0 * ux
    d = xa - xpt
    with np.errstate(divide="ignore", invalid="ignore"):
        dpc = 100.0 * d / xpt
    z = d / spt if spt is not None else None
    zp = d / math.sqrt(spt**2 + upt**2) if (spt is not None and upt is not None) else None
    zeta = d / np.sqrt(ux**2 + upt**2) if (ux is not None and upt is not None) else None
    en = d / np.sqrt(big_ux**2 + big_upt**2) if (big_ux is not None and big_upt is not None) else None
    statistic = None
    if spt is not None:
        statistic = "z" if (upt is None or upt < 0.3 * spt) else "z'"
    counts: dict[str, int] = {}
    if statistic is not None:
        arr = z if statistic == "z" else zp
        assert arr is not None
        s = np.abs(arr)
        counts = {
            SATISFACTORY: int(np.count_nonzero(s <= warning)),
            QUESTIONABLE: int(np.count_nonzero((s > warning) & (s < action))),
            UNSATISFACTORY: int(np.count_nonzero(s >= action)),
        }
    return PTScores(
        labs=lab_t,
        x=xa,
        x_pt=xpt,
        sigma_pt=spt,
        u_x_pt=upt,
        d=d,
        d_percent=dpc,
        z=z,
        z_prime=zp,
        zeta=zeta,
        en=en,
        statistic=statistic,
        counts=MappingProxyType(counts),
        options=MappingProxyType({"warning": warning, "action": action, "coverage_factor_x_pt": k_pt,
                                  "negligible_u_x_pt_limit": "0.3·σ_pt (9.2.1)"}),
    )
