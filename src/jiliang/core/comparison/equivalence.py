"""Degrees of equivalence (CIPM MRA Technical Supplement T.3; Cox 2002; NICOB).

Unilateral: d_i = x_i − y with

    u²(d_i) = v_i + u²(y) − 2·c_i·v_i          (covariance term on: lab i contributes to y)
    u²(d_i) = v_i + u²(y)                      (lab i does not contribute, or the term is off)

where c_i = ∂y/∂x_i and v_i = u_i² (+ τ² for a random-effects reference when ``include_tau``).
For the weighted mean this is u_i² − u²(y) (Cox 2002); for the arithmetic mean with
u(y) = √Σu²/n it is u_i²(1 − 2/n) + u²(y). Where the reference carries Monte Carlo draws
(Procedure B, DerSimonian–Laird bootstrap, linear pool, hierarchical Bayes) U(d_i) is the
half-width of the shortest interval about d_i holding 95 % of the draws of X_i − Y (NICOB).

Leave-one-out (Duewer et al. 2014; NICOB ``LOO=TRUE``): d_i* = x_i − y_(−i), with y_(−i) from the
same method and options without lab i, so that u²(d_i*) = v_i + u²(y_(−i)).

Bilateral: B_ij = d_i − d_j. In the MRA form B_ij = x_i − x_j and u²(B_ij) = v_i + v_j (the
reference cancels); in the leave-one-out form the covariances are propagated through the
sensitivity coefficients; with Monte Carlo draws, B_ij is evaluated from the draws of d_i − d_j.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from jiliang.core.comparison._inputs import FloatArray, LabResult, arrays, validate_results
from jiliang.core.comparison._mc import draw_errors, make_rng, symmetric_half_width
from jiliang.core.comparison.reference import METHODS, ReferenceValue

__all__ = ["BilateralDoE", "DoEEntry", "UnilateralDoE", "bilateral_doe", "unilateral_doe"]


@dataclass(frozen=True, slots=True)
class DoEEntry:
    """Unilateral degree of equivalence of one participant.

    ``d`` = x_i − reference; ``standard_uncertainty`` u(d), ``expanded_uncertainty`` U(d);
    ``en`` = d/U(d); ``contributes`` whether the lab contributed to the reference value it is
    compared with; ``basis`` "analytic" or "monte-carlo".
    """

    lab: str
    value: float
    lab_standard_uncertainty: float
    reference: float
    d: float
    standard_uncertainty: float
    expanded_uncertainty: float
    coverage_interval: tuple[float, float]
    en: float
    contributes: bool
    basis: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "lab": self.lab,
            "x": self.value,
            "u": self.lab_standard_uncertainty,
            "reference": self.reference,
            "d": self.d,
            "u_d": self.standard_uncertainty,
            "U_d": self.expanded_uncertainty,
            "interval": list(self.coverage_interval),
            "E_n": self.en,
            "contributes": self.contributes,
            "basis": self.basis,
        }


@dataclass(frozen=True, slots=True)
class UnilateralDoE:
    """Unilateral degrees of equivalence for every participant, with the conventions used."""

    entries: tuple[DoEEntry, ...]
    reference: ReferenceValue
    form: str
    coverage_factor: float
    coverage_probability: float
    options: Mapping[str, Any] = field(hash=False)
    notes: tuple[str, ...] = ()
    draws: FloatArray | None = field(default=None, repr=False, compare=False, hash=False)
    linear: FloatArray | None = field(default=None, repr=False, compare=False, hash=False)
    variances: FloatArray | None = field(default=None, repr=False, compare=False, hash=False)
    excess: FloatArray | None = field(default=None, repr=False, compare=False, hash=False)

    @property
    def labs(self) -> tuple[str, ...]:
        return tuple(e.lab for e in self.entries)

    def entry(self, lab: str) -> DoEEntry:
        for e in self.entries:
            if e.lab == lab:
                return e
        raise KeyError(lab)

    def to_dict(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "coverage_factor": self.coverage_factor,
            "coverage_probability": self.coverage_probability,
            "options": {k: v for k, v in self.options.items()},
            "notes": list(self.notes),
            "entries": [e.to_dict() for e in self.entries],
        }


@dataclass(frozen=True, slots=True)
class BilateralDoE:
    """Pairwise degrees of equivalence B_ij = d_i − d_j (row i, column j) and U(B_ij)."""

    labs: tuple[str, ...]
    difference: tuple[tuple[float, ...], ...]
    standard_uncertainty: tuple[tuple[float, ...], ...]
    expanded_uncertainty: tuple[tuple[float, ...], ...]
    form: str
    basis: str
    options: Mapping[str, Any] = field(hash=False)

    def get(self, lab_i: str, lab_j: str) -> tuple[float, float]:
        """(B_ij, U(B_ij))."""
        i, j = self.labs.index(lab_i), self.labs.index(lab_j)
        return self.difference[i][j], self.expanded_uncertainty[i][j]

    def to_dict(self) -> dict[str, Any]:
        return {
            "labs": list(self.labs),
            "B": [list(r) for r in self.difference],
            "u_B": [list(r) for r in self.standard_uncertainty],
            "U_B": [list(r) for r in self.expanded_uncertainty],
            "form": self.form,
            "basis": self.basis,
            "options": dict(self.options),
        }


def _lab_error_draws(
    rng: np.random.Generator,
    u: float,
    nu: float,
    trials: int,
    tau: float | None,
    tau_draws: FloatArray | None,
    sigma_draws: FloatArray | None,
) -> FloatArray:
    """Draws of a participant's deviation about its value (its PDF, plus τ where requested)."""
    if sigma_draws is not None:
        scale = np.sqrt(sigma_draws**2 + (tau_draws**2 if tau_draws is not None else 0.0))
        return np.asarray(scale * rng.standard_normal(trials), dtype=np.float64)
    e = draw_errors(rng, np.array([u]), np.array([nu]), trials)[:, 0]
    if tau_draws is not None:
        e = e + tau_draws * rng.standard_normal(trials)
    elif tau is not None and tau > 0:
        e = e + tau * rng.standard_normal(trials)
    return e


def unilateral_doe(
    results: Sequence[LabResult],
    reference: ReferenceValue,
    *,
    form: str = "mra",
    covariance: bool = True,
    include_tau: bool | None = None,
    coverage_factor: float = 2.0,
    coverage_probability: float = 0.95,
    seed: int | None = 1,
) -> UnilateralDoE:
    """Unilateral DoE of every participant in ``results`` with respect to ``reference``.

    ``form``: "mra" (d_i = x_i − KCRV, default, CIPM MRA T.3) or "loo" (leave-one-out).
    ``covariance``: subtract 2·c_i·v_i for contributing labs (default on, as the MRA requires for a
    KCRV the lab contributed to). ``include_tau``: add τ² to v_i for random-effects references
    (default: on for DerSimonian–Laird, Paule–Mandel and hierarchical Bayes, as NICOB and Koepke et
    al. 2017). Analytic U(d) = ``coverage_factor``·u(d); Monte Carlo U(d) is the shortest
    ``coverage_probability`` interval about d_i (``seed`` drives the extra participant draws).
    """
    if form not in ("mra", "loo"):
        raise ValueError(f"form must be 'mra' or 'loo', got {form!r}")
    if isinstance(coverage_factor, bool) or not (math.isfinite(coverage_factor) and coverage_factor > 0):
        raise ValueError(f"coverage_factor must be positive, got {coverage_factor!r}")
    if not 0.0 < coverage_probability < 1.0:
        raise ValueError(f"coverage_probability must lie in (0, 1), got {coverage_probability!r}")
    res = validate_results(results, min_included=0)
    if len(res) < 2:
        raise ValueError("degrees of equivalence need at least two participants")
    ref_labs = set(reference.labs)
    unknown = [r.lab for r in res if r.included and r.lab not in ref_labs
                and reference.method != "largest-consistent-subset"]
    if unknown:
        raise ValueError(
            f"lab {unknown[0]!r} is marked as contributing but is not in the reference value; "
            "compute the reference value from the same results"
        )
    if include_tau is None:
        include_tau = reference.random_effects
    tau = reference.tau if (include_tau and reference.tau is not None) else None
    x, u, nu = arrays(res)
    n = len(res)
    k = float(coverage_factor)
    p = float(coverage_probability)
    c = np.array(
        [reference.sensitivity[reference.labs.index(r.lab)] if r.lab in ref_labs else 0.0 for r in res]
    )
    contributes = np.array([r.lab in ref_labs for r in res])
    birge = float(reference.details.get("birge_factor", 1.0))  # Birge-adjusted weighted mean: u_i → R_B·u_i
    v = birge**2 * u**2 + (tau**2 if tau is not None else 0.0)
    notes: list[str] = []
    if birge != 1.0:
        notes.append(f"Birge-adjusted reference value: participant uncertainties scaled by R_B = {birge:.4g}")
    use_mc = reference.draws is not None
    cov_available = bool(np.all(np.isfinite(c)))
    if covariance and not use_mc and not cov_available:
        notes.append(
            f"the sensitivity of a {reference.method} reference value to each result is not defined; "
            "the covariance term is omitted (use procedure_b for a Monte Carlo evaluation)"
        )
    options: dict[str, Any] = {
        "form": form,
        "covariance": covariance,
        "include_tau": bool(include_tau),
        "coverage_factor": k,
        "coverage_probability": p,
    }
    rng, used_seed = make_rng(seed)
    entries: list[DoEEntry] = []
    draws_cols: list[FloatArray] = []
    linear = np.zeros((n, n))
    excess = np.zeros(n)
    index = {r.lab: i for i, r in enumerate(res)}
    refs_used: list[ReferenceValue] = []

    for i, r in enumerate(res):
        ref = reference
        loo_here = form == "loo" and contributes[i]
        if loo_here:
            subset = [s for s in res if s.lab != r.lab]
            if sum(1 for s in subset if s.included) < 2:
                raise ValueError("leave-one-out degrees of equivalence need at least three contributing labs")
            ref = METHODS[reference.method](subset, **dict(reference.options))
        refs_used.append(ref)
        d = float(x[i] - ref.value)
        tau_i = ref.tau if (include_tau and ref.tau is not None) else None
        v_i = float(birge**2 * u[i] ** 2 + (tau_i**2 if tau_i is not None else 0.0))
        # linear representation d_i = a_i · x (for the analytic bilateral DoE)
        linear[i, i] = 1.0
        if loo_here:
            for lab_k, ck in zip(ref.labs, ref.sensitivity, strict=True):
                linear[i, index[lab_k]] -= ck
            ck_vec = np.array([ref.sensitivity[ref.labs.index(s.lab)] if s.lab in ref.labs else 0.0 for s in res])
            excess[i] = ref.standard_uncertainty**2 - float(np.nansum(ck_vec**2 * v))
        else:
            linear[i] -= c
        if ref.draws is not None:
            trials = ref.draws.size
            if not loo_here and ref.lab_draws is not None and contributes[i]:
                xi_draws = ref.lab_draws[:, list(ref.labs).index(r.lab)]
            else:
                sig = None
                if ref.sigma_draws is not None and r.lab in ref.labs:
                    sig = ref.sigma_draws[:, list(ref.labs).index(r.lab)]
                td = ref.tau_draws if include_tau else None
                xi_draws = x[i] + _lab_error_draws(
                    rng, float(u[i]), float(nu[i]), trials, tau_i if include_tau else None, td, sig
                )
            dd = xi_draws - ref.draws
            dd = dd + (d - float(np.mean(dd)))
            ud = float(np.std(dd, ddof=1))
            big_u = float(symmetric_half_width(dd, d, p))
            lo, hi = np.quantile(dd, [(1 - p) / 2, (1 + p) / 2])
            interval = (float(lo), float(hi))
            basis = "monte-carlo"
            draws_cols.append(dd)
        else:
            if loo_here or not contributes[i]:
                var = v_i + ref.standard_uncertainty**2
            elif covariance and cov_available:
                var = v_i + ref.standard_uncertainty**2 - 2.0 * c[i] * v_i
            else:
                var = v_i + ref.standard_uncertainty**2
            if var < 0:
                notes.append(f"u²(d) for {r.lab} was negative ({var:.3g}) and is set to 0")
                var = 0.0
            ud = math.sqrt(var)
            big_u = k * ud
            interval = (d - big_u, d + big_u)
            basis = "analytic"
        entries.append(
            DoEEntry(
                lab=r.lab,
                value=float(x[i]),
                lab_standard_uncertainty=float(u[i]),
                reference=float(ref.value),
                d=d,
                standard_uncertainty=ud,
                expanded_uncertainty=big_u,
                coverage_interval=interval,
                en=d / big_u if big_u > 0 else float("nan"),
                contributes=bool(contributes[i]),
                basis=basis,
            )
        )
    draws = None
    if draws_cols and len(draws_cols) == n and len({col.size for col in draws_cols}) == 1:
        draws = np.column_stack(draws_cols)
        options["seed"] = used_seed
    elif draws_cols:
        options["seed"] = used_seed
    return UnilateralDoE(
        entries=tuple(entries),
        reference=reference,
        form=form,
        coverage_factor=k,
        coverage_probability=p,
        options=MappingProxyType(options),
        notes=tuple(notes),
        draws=draws,
        linear=linear,
        variances=v,
        excess=excess,
    )


def _tup(m: FloatArray) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(val) for val in row) for row in m)


def bilateral_doe(doe: UnilateralDoE) -> BilateralDoE:
    """Pairwise DoE matrix from a unilateral DoE (same form and conventions)."""
    labs = doe.labs
    n = len(labs)
    dvec = np.array([e.d for e in doe.entries])
    diff = dvec[:, None] - dvec[None, :]
    if doe.draws is not None:
        p = doe.coverage_probability
        su = np.zeros((n, n))
        bu = np.zeros((n, n))
        for i in range(n):
            for j in range(i + 1, n):
                b = doe.draws[:, i] - doe.draws[:, j]
                su[i, j] = su[j, i] = float(np.std(b, ddof=1))
                bu[i, j] = bu[j, i] = float(symmetric_half_width(b, float(np.mean(b)), p))
        basis = "monte-carlo"
    else:
        assert doe.linear is not None and doe.variances is not None and doe.excess is not None
        a = doe.linear
        v = doe.variances
        su = np.zeros((n, n))
        for i in range(n):
            for j in range(i + 1, n):
                if doe.form == "mra":
                    var = float(v[i] + v[j])
                else:
                    var = float(np.sum((a[i] - a[j]) ** 2 * v) + doe.excess[i] + doe.excess[j])
                    if not math.isfinite(var):  # sensitivities undefined (median): covariance ignored
                        ei, ej = doe.entries[i], doe.entries[j]
                        var = ei.standard_uncertainty**2 + ej.standard_uncertainty**2
                su[i, j] = su[j, i] = math.sqrt(max(var, 0.0))
        bu = doe.coverage_factor * su
        basis = "analytic"
    return BilateralDoE(
        labs=labs,
        difference=_tup(diff),
        standard_uncertainty=_tup(su),
        expanded_uncertainty=_tup(bu),
        form=doe.form,
        basis=basis,
        options=MappingProxyType(dict(doe.options)),
    )
