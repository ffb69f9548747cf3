"""Law of propagation of uncertainty (GUM clause 5, JJF 1059.1 §4.4–4.5).

* Sensitivity coefficients cᵢ = ∂f/∂xᵢ by forward-mode automatic differentiation (exact).
* u_c²(y) = Σᵢ Σⱼ cᵢ cⱼ u(xᵢ) r(xᵢ, xⱼ) u(xⱼ)  (GUM eq. (13)).
* Optional higher-order terms of the GUM 5.1.2 note (uncorrelated inputs):
  Σᵢ Σⱼ [½(∂²f/∂xᵢ∂xⱼ)² + ∂f/∂xᵢ · ∂³f/∂xᵢ∂xⱼ²] u²(xᵢ) u²(xⱼ).
* Effective degrees of freedom by Welch–Satterthwaite (GUM G.4.1, eq. (G.2b)); inputs of an
  *ensemble* (simultaneous Type A observations) are grouped as in Willink (2007).
* Coverage factor k = t_{(1+p)/2}(ν) with ν truncated to an integer (GUM G.6.4, JJF 1059.1
  §4.5.3), or a stated k; expanded uncertainty U = k·u_c.
* Several outputs: covariance matrix U_y = J U_x Jᵀ and correlation matrix (GUM H.2, JCGM 102).
* :func:`propagate_many` evaluates one model over many records at once (arrays in, arrays out).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import stats

from jiliang.core.uncertainty.autodiff import Dual, Jet
from jiliang.core.uncertainty.errors import EvaluationError, ModelError
from jiliang.core.uncertainty.model import Model

DofRounding = Literal["truncate", "none"]


# ------------------------------------------------------------------------------------------------
# coverage factor
# ------------------------------------------------------------------------------------------------
def _check_p(p: float) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 < float(p) < 1.0:
        raise ModelError(f"coverage probability must be strictly between 0 and 1, got {p!r}",
                         field="coverage_probability")
    return float(p)


def dof_for_coverage(effective_dof: float, rounding: DofRounding = "truncate") -> float:
    """ν used for the t-quantile: truncated to an integer ≥ 1 (GUM G.6.4) unless ``rounding='none'``."""
    if not math.isfinite(effective_dof):
        return math.inf
    if rounding == "truncate":
        return float(max(1, math.floor(effective_dof + 1e-9)))
    return float(effective_dof)


def coverage_factor(coverage_probability: float, dof: float = math.inf) -> float:
    """k_p = t_{(1+p)/2}(ν); the normal quantile for ν = ∞ (GUM G.3, Table G.2)."""
    p = _check_p(coverage_probability)
    q = 0.5 * (1.0 + p)
    if not math.isfinite(dof):
        return float(stats.norm.ppf(q))
    if dof <= 0:
        raise ModelError(f"degrees of freedom must be > 0, got {dof!r}", field="dof")
    return float(stats.t.ppf(q, dof))


def _coverage_factors(p: float, nu: np.ndarray, rounding: DofRounding) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised k for an array of effective dof (evaluates each distinct ν once)."""
    nu_c = np.where(np.isfinite(nu), nu, np.inf)
    if rounding == "truncate":
        nu_c = np.where(np.isfinite(nu_c), np.maximum(1.0, np.floor(nu_c + 1e-9)), np.inf)
    uniq, inv = np.unique(nu_c, return_inverse=True)
    q = 0.5 * (1.0 + p)
    ks = np.where(np.isfinite(uniq), stats.t.ppf(q, np.where(np.isfinite(uniq), uniq, 1.0)), stats.norm.ppf(q))
    return ks[inv].reshape(nu.shape), nu_c


# ------------------------------------------------------------------------------------------------
# result types
# ------------------------------------------------------------------------------------------------
def _jnum(x: float | None) -> float | None:
    """JSON-safe number: infinite and NaN become ``None``."""
    if x is None or not math.isfinite(x):
        return None
    return float(x)


@dataclass(frozen=True)
class BudgetRow:
    """One line of the uncertainty budget (JJF 1059.1 §4.4, 不确定度概算表)."""

    quantity: str
    estimate: float
    standard_uncertainty: float
    distribution: str
    evaluation: str
    sensitivity: float
    contribution: float
    share_percent: float
    dof: float
    unit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able row; ``dof`` is ``None`` for infinite degrees of freedom."""
        return {
            "quantity": self.quantity,
            "estimate": self.estimate,
            "standard_uncertainty": self.standard_uncertainty,
            "distribution": self.distribution,
            "evaluation": self.evaluation,
            "sensitivity": self.sensitivity,
            "contribution": self.contribution,
            "share_percent": self.share_percent,
            "dof": _jnum(self.dof),
            "unit": self.unit,
        }


@dataclass(frozen=True)
class OutputResult:
    """GUM result for one output quantity."""

    name: str
    value: float
    standard_uncertainty: float
    effective_dof: float
    dof_for_coverage: float
    coverage_probability: float | None
    coverage_factor: float
    expanded_uncertainty: float
    budget: tuple[BudgetRow, ...]
    first_order_uncertainty: float
    second_order_variance: float = 0.0
    correlation_variance: float = 0.0
    unit: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def interval(self) -> tuple[float, float]:
        """Coverage interval y ± U."""
        return (self.value - self.expanded_uncertainty, self.value + self.expanded_uncertainty)

    @property
    def relative_standard_uncertainty(self) -> float:
        """u_c(y)/|y| (``inf`` for y = 0)."""
        return self.standard_uncertainty / abs(self.value) if self.value != 0 else math.inf

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict (``effective_dof`` ``None`` means infinite)."""
        from jiliang.core.uncertainty.reporting import round_result

        rounded = round_result(self.value, self.expanded_uncertainty)
        return {
            "name": self.name,
            "unit": self.unit,
            "value": self.value,
            "standard_uncertainty": self.standard_uncertainty,
            "first_order_standard_uncertainty": self.first_order_uncertainty,
            "effective_dof": _jnum(self.effective_dof),
            "dof_for_coverage": _jnum(self.dof_for_coverage),
            "coverage_probability": self.coverage_probability,
            "coverage_factor": self.coverage_factor,
            "expanded_uncertainty": self.expanded_uncertainty,
            "interval": list(self.interval),
            "second_order_variance": self.second_order_variance,
            "correlation_variance": self.correlation_variance,
            "budget": [r.to_dict() for r in self.budget],
            "rounded": rounded.to_dict(),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class GumResult:
    """Result of the law of propagation for all outputs of a model."""

    outputs: Mapping[str, OutputResult]
    input_names: tuple[str, ...]
    output_names: tuple[str, ...]
    sensitivities: np.ndarray = field(repr=False)
    covariance: np.ndarray = field(repr=False)
    correlation: np.ndarray = field(repr=False)
    second_order: bool = False

    def __getitem__(self, name: str) -> OutputResult:
        return self.outputs[name]

    def __iter__(self) -> Any:
        return iter(self.outputs.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict: per output results plus the output covariance and correlation matrices."""
        return {
            "method": "GUM law of propagation of uncertainty" + (" with second-order terms" if self.second_order
                                                                 else ""),
            "outputs": {n: r.to_dict() for n, r in self.outputs.items()},
            "output_names": list(self.output_names),
            "covariance": self.covariance.tolist(),
            "correlation": self.correlation.tolist(),
        }


# ------------------------------------------------------------------------------------------------
# core computation (vectorised over records)
# ------------------------------------------------------------------------------------------------
def _groups(model: Model) -> list[list[int]]:
    idx = {n: i for i, n in enumerate(model.input_names)}
    ens: dict[str, list[int]] = {}
    groups: list[list[int]] = []
    for n, inp in model.inputs.items():
        if inp.ensemble is None:
            groups.append([idx[n]])
        else:
            ens.setdefault(inp.ensemble, []).append(idx[n])
    groups.extend(ens.values())
    return groups


def _ws_defined(model: Model, dof: np.ndarray) -> bool:
    """False when inputs with finite ν are correlated without being in one ensemble (GTC rule)."""
    R = model.correlation
    n = len(model.input_names)
    group_of: dict[int, int] = {}
    for g, members in enumerate(_groups(model)):
        for i in members:
            group_of[i] = g
    for i in range(n):
        for j in range(i + 1, n):
            if R[i, j] != 0.0 and group_of[i] != group_of[j]:
                if np.any(np.isfinite(dof[i])) or np.any(np.isfinite(dof[j])):
                    return False
    return True


def _welch_satterthwaite(
    model: Model, s: np.ndarray, dof: np.ndarray, var: np.ndarray, identity: bool
) -> tuple[np.ndarray, bool]:
    """ν_eff for contributions s = c·u (n, N) with total (first-order) variance var (N,)."""
    R = model.correlation
    den = np.zeros_like(var)
    finite = np.isfinite(dof)
    for members in _groups(model):
        lead = members[0]
        if not finite[lead].any():
            continue  # infinite dof contributes nothing
        if len(members) == 1:
            vg = s[lead] * s[lead]
        else:
            sub = s[members]
            if identity:
                vg = (sub * sub).sum(axis=0)
            else:
                vg = np.einsum("in,ij,jn->n", sub, R[np.ix_(members, members)], sub)
        nu = dof[lead]
        if finite[lead].all():
            den = den + vg * vg / nu
        else:
            den = den + np.where(finite[lead], vg * vg / np.where(finite[lead], nu, 1.0), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        nu_eff = np.where((den > 0) & (var > 0), var * var / np.where(den > 0, den, 1.0), np.inf)
    return nu_eff, _ws_defined(model, dof)


def _as_record_arrays(model: Model, values: Mapping[str, Any] | None, what: str,
                      default: np.ndarray) -> tuple[list[np.ndarray], int | None]:
    """Per-input arrays (missing inputs take the model default) and the common record count."""
    values = values or {}
    unknown = [k for k in values if k not in model.inputs]
    if unknown:
        raise ModelError(f"{what}: unknown input {unknown[0]!r}", quantity=unknown[0], field=what)
    cols: list[np.ndarray] = []
    size: int | None = None
    for i, n in enumerate(model.input_names):
        if n in values:
            a = np.asarray(values[n], dtype=float)
            if a.ndim > 1:
                raise ModelError(f"{what} of input {n!r} must be one-dimensional", quantity=n, field=what)
            if a.ndim == 1:
                if size is not None and a.shape[0] != size:
                    raise ModelError(f"{what} of input {n!r} has {a.shape[0]} records, expected {size}",
                                     quantity=n, field=what)
                size = a.shape[0]
            cols.append(a)
        else:
            cols.append(np.asarray(default[i], dtype=float))
    return cols, size


def _stack(cols: list[np.ndarray], N: int) -> np.ndarray:
    out = np.empty((len(cols), N))
    for i, c in enumerate(cols):
        out[i] = c
    return out


@dataclass
class _Core:
    value: np.ndarray  # (m, N)
    grad: np.ndarray  # (m, n, N)
    contributions: np.ndarray  # (m, n, N) = c·u
    cov: np.ndarray  # (m, m, N) first order
    second: np.ndarray  # (m, N)
    nu: np.ndarray  # (m, N)
    ws_defined: bool


def _core(
    model: Model,
    X: np.ndarray,
    U: np.ndarray,
    dof: np.ndarray,
    *,
    second_order: bool,
    check: bool,
) -> _Core:
    n = len(model.input_names)
    N = X.shape[1]
    outs = model._run_jets(list(X), second_order=second_order)
    m = len(model.output_names)
    value = np.empty((m, N))
    grad = np.zeros((m, n, N))
    hess = np.zeros((m, n, n, N)) if second_order else None
    for a, o in enumerate(model.output_names):
        r = outs[o]
        if isinstance(r, Jet):
            value[a] = r.val
            grad[a] = r.grad
            if hess is not None and r.hess is not None:
                hess[a] = r.hess
        else:
            value[a] = np.broadcast_to(np.asarray(r, dtype=float), (N,))
    if check:
        _check_finite(model, X, value, grad, hess)
    s = grad * U[None, :, :]
    identity = bool(np.all(model.correlation == np.eye(n)))
    if identity:
        cov = np.einsum("ain,bin->abn", s, s)
    else:
        cov = np.einsum("ain,ij,bjn->abn", s, model.correlation, s)
    second = np.zeros((m, N))
    if hess is not None:
        u2 = U * U
        third = np.zeros((m, n, n, N))
        for i in range(n):
            if not np.any((grad[:, i, :] != 0.0) & (U[i] > 0)):
                continue
            duals = model._run_duals(list(X), seed=i)
            for a, o in enumerate(model.output_names):
                d = duals[o]
                if isinstance(d, Dual) and isinstance(d.eps, Jet) and d.eps.hess is not None:
                    third[a, i] = np.einsum("jjn->jn", d.eps.hess)
        for a in range(m):
            term = 0.5 * hess[a] ** 2 + grad[a][:, None, :] * third[a]
            second[a] = np.einsum("ijn,in,jn->n", term, u2, u2)
        if check and not np.all(np.isfinite(second)):
            raise EvaluationError("second-order terms are not finite at the estimates", field="second_order")
    nu = np.empty((m, N))
    ws_ok = True
    for a in range(m):
        nu[a], ok = _welch_satterthwaite(model, s[a], dof, cov[a, a], identity)
        ws_ok = ws_ok and ok
    if not ws_ok:
        # Welch–Satterthwaite undefined: conservative choice, the smallest dof among contributing inputs
        for a in range(m):
            contributing = (grad[a] != 0.0) & (U > 0) & np.isfinite(dof)
            nu[a] = np.where(contributing, dof, np.inf).min(axis=0)
    return _Core(value, grad, s, cov, second, nu, ws_ok)


def _check_finite(model: Model, X: np.ndarray, value: np.ndarray, grad: np.ndarray,
                  hess: np.ndarray | None) -> None:
    if not np.isfinite(value).all():
        a, rec = np.argwhere(~np.isfinite(value))[0]
        env = {n: np.float64(X[i, rec]) for i, n in enumerate(model.input_names)}
        where = f" in record {rec}" if X.shape[1] > 1 else ""
        if model.callable is None:
            try:
                local = dict(env)
                for o, e in model.expressions.items():
                    e.check_finite_at(local)
                    local[o] = np.float64(e(local))
            except EvaluationError as exc:
                raise EvaluationError(str(exc) + where, quantity=exc.quantity, field=exc.field) from None
        raise EvaluationError(f"output {model.output_names[a]!r} is not finite{where}",
                              quantity=model.output_names[a], field="value")
    if not np.isfinite(grad).all():
        a, i, rec = np.argwhere(~np.isfinite(grad))[0]
        where = f" in record {rec}" if X.shape[1] > 1 else ""
        name = model.input_names[i]
        raise EvaluationError(
            f"sensitivity coefficient ∂{model.output_names[a]}/∂{name} is not finite at the estimate "
            f"{name} = {X[i, rec]:.10g}{where} (the model is not differentiable there)",
            quantity=name,
            field="sensitivity",
        )
    if hess is not None and not np.all(np.isfinite(hess)):
        a, i, j, rec = np.argwhere(~np.isfinite(hess))[0]
        raise EvaluationError(
            f"second derivative ∂²{model.output_names[a]}/∂{model.input_names[i]}∂{model.input_names[j]} "
            "is not finite at the estimates",
            quantity=model.input_names[i],
            field="second_order",
        )


def _coverage_args(coverage_probability: float | None, k: float | None) -> tuple[float | None, float | None]:
    if k is not None:
        if isinstance(k, bool) or not isinstance(k, (int, float)) or not math.isfinite(k) or k <= 0:
            raise ModelError(f"coverage factor k must be a number > 0, got {k!r}", field="k")
        return None, float(k)
    return _check_p(0.95 if coverage_probability is None else coverage_probability), None


def propagate(
    model: Model,
    *,
    coverage_probability: float | None = 0.95,
    k: float | None = None,
    second_order: bool = False,
    dof_rounding: DofRounding = "truncate",
) -> GumResult:
    """Evaluate the model by the law of propagation of uncertainty (GUM clause 5).

    Give either ``coverage_probability`` (k from the t-distribution with the effective dof) or a
    stated coverage factor ``k``.  ``second_order=True`` adds the GUM 5.1.2 note terms.
    """
    p, k_stated = _coverage_args(coverage_probability, k)
    if dof_rounding not in ("truncate", "none"):
        raise ModelError("dof_rounding must be 'truncate' or 'none'", field="dof_rounding")
    n = len(model.input_names)
    X = model.estimates.reshape(n, 1)
    U = model.standard_uncertainties.reshape(n, 1)
    dof = np.array([model.inputs[nm].dof for nm in model.input_names]).reshape(n, 1)
    core = _core(model, X, U, dof, second_order=second_order, check=True)
    m = len(model.output_names)
    cov = core.cov[:, :, 0].copy()
    total_var = np.diag(cov) + core.second[:, 0]
    results: dict[str, OutputResult] = {}
    for a, o in enumerate(model.output_names):
        var1 = float(cov[a, a])
        var = float(total_var[a])
        uc = math.sqrt(max(var, 0.0))
        notes: list[str] = []
        nu = float(core.nu[a, 0])
        if not core.ws_defined:
            notes.append(
                "Welch–Satterthwaite is not defined for correlated inputs with finite dof outside one "
                "ensemble; the smallest input dof is used (conservative)."
            )
        if second_order and model.correlations:
            notes.append("second-order terms use the GUM 5.1.2 note formula for uncorrelated inputs")
        if k_stated is not None:
            kk, nu_c = k_stated, dof_for_coverage(nu, dof_rounding)
        else:
            assert p is not None
            nu_c = dof_for_coverage(nu, dof_rounding)
            kk = coverage_factor(p, nu_c)
        s = core.contributions[a, :, 0]
        shares = (s * s / var * 100.0) if var > 0 else np.zeros(n)
        rows = tuple(
            BudgetRow(
                quantity=nm,
                estimate=model.inputs[nm].value,
                standard_uncertainty=model.inputs[nm].standard_uncertainty,
                distribution=model.inputs[nm].distribution,
                evaluation=model.inputs[nm].evaluation,
                sensitivity=float(core.grad[a, i, 0]),
                contribution=float(abs(s[i])),
                share_percent=float(shares[i]),
                dof=model.inputs[nm].dof,
                unit=model.inputs[nm].unit,
            )
            for i, nm in enumerate(model.input_names)
        )
        results[o] = OutputResult(
            name=o,
            value=float(core.value[a, 0]),
            standard_uncertainty=uc,
            effective_dof=nu,
            dof_for_coverage=nu_c,
            coverage_probability=p,
            coverage_factor=float(kk),
            expanded_uncertainty=float(kk) * uc,
            budget=rows,
            first_order_uncertainty=math.sqrt(max(var1, 0.0)),
            second_order_variance=float(core.second[a, 0]),
            correlation_variance=float(var1 - np.sum(s * s)) if model.correlations else 0.0,
            unit=model.units.get(o),
            notes=tuple(notes),
        )
    cov_total = cov.copy()
    cov_total[np.diag_indices(m)] = total_var
    sd = np.sqrt(np.maximum(np.diag(cov_total), 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = np.where(np.outer(sd, sd) > 0, cov_total / np.outer(sd, sd), 0.0)
    np.fill_diagonal(corr, 1.0)
    return GumResult(
        outputs=results,
        input_names=model.input_names,
        output_names=model.output_names,
        sensitivities=core.grad[:, :, 0].copy(),
        covariance=cov_total,
        correlation=corr,
        second_order=second_order,
    )


# ------------------------------------------------------------------------------------------------
# many records
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BatchResult:
    """Results of :func:`propagate_many`: arrays over records, one entry per output."""

    output_names: tuple[str, ...]
    input_names: tuple[str, ...]
    value: dict[str, np.ndarray]
    standard_uncertainty: dict[str, np.ndarray]
    effective_dof: dict[str, np.ndarray]
    coverage_factor: dict[str, np.ndarray]
    expanded_uncertainty: dict[str, np.ndarray]
    sensitivities: dict[str, np.ndarray] = field(repr=False)
    covariance: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return int(next(iter(self.value.values())).shape[0])

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict of lists (infinite dof → ``None``)."""
        def clean(a: np.ndarray) -> list[float | None]:
            return [None if not math.isfinite(x) else float(x) for x in a.tolist()]

        return {
            o: {
                "value": self.value[o].tolist(),
                "standard_uncertainty": self.standard_uncertainty[o].tolist(),
                "effective_dof": clean(self.effective_dof[o]),
                "coverage_factor": self.coverage_factor[o].tolist(),
                "expanded_uncertainty": self.expanded_uncertainty[o].tolist(),
            }
            for o in self.output_names
        }


def propagate_many(
    model: Model,
    values: Mapping[str, Any] | None = None,
    uncertainties: Mapping[str, Any] | None = None,
    dof: Mapping[str, Any] | None = None,
    *,
    coverage_probability: float | None = 0.95,
    k: float | None = None,
    dof_rounding: DofRounding = "truncate",
    check: bool = True,
) -> BatchResult:
    """Law of propagation for many records of one model in one vectorised pass.

    ``values``, ``uncertainties`` and ``dof`` map input names to arrays of length N (or scalars);
    inputs not given keep the model's estimate, standard uncertainty or dof.  The input correlation
    matrix of the model applies to every record.  Returns arrays of length N per output.  With
    ``check=True`` (default) a non-finite value or sensitivity raises an error naming the record.
    """
    p, k_stated = _coverage_args(coverage_probability, k)
    Xo, n1 = _as_record_arrays(model, values, "values", model.estimates)
    Uo, n2 = _as_record_arrays(model, uncertainties, "uncertainties", model.standard_uncertainties)
    Do, n3 = _as_record_arrays(model, dof, "dof",
                               np.array([model.inputs[nm].dof for nm in model.input_names]))
    sizes = {s for s in (n1, n2, n3) if s is not None}
    if len(sizes) > 1:
        raise ModelError(f"records have different lengths: {sorted(sizes)}", field="values")
    N = sizes.pop() if sizes else 1
    X, U, D = _stack(Xo, N), _stack(Uo, N), _stack(Do, N)
    if np.any(U < 0) or not np.all(np.isfinite(U)):
        i, rec = np.argwhere((U < 0) | ~np.isfinite(U))[0]
        raise ModelError(f"input {model.input_names[i]!r}: standard uncertainty must be finite and ≥ 0 "
                         f"(record {rec}: {U[i, rec]!r})", quantity=model.input_names[i], field="u")
    if np.any(~(D > 0)):
        i, rec = np.argwhere(~(D > 0))[0]
        raise ModelError(f"input {model.input_names[i]!r}: degrees of freedom must be > 0 "
                         f"(record {rec}: {D[i, rec]!r})", quantity=model.input_names[i], field="dof")
    if not np.all(np.isfinite(X)):
        i, rec = np.argwhere(~np.isfinite(X))[0]
        raise ModelError(f"input {model.input_names[i]!r}: value must be finite (record {rec})",
                         quantity=model.input_names[i], field="value")
    core = _core(model, X, U, D, second_order=False, check=check)
    out_v, out_u, out_nu, out_k, out_U, sens = {}, {}, {}, {}, {}, {}
    for a, o in enumerate(model.output_names):
        var = core.cov[a, a]
        uc = np.sqrt(np.maximum(var, 0.0))
        nu = core.nu[a]
        if k_stated is not None:
            kk = np.full(N, k_stated)
        else:
            assert p is not None
            kk, _ = _coverage_factors(p, nu, dof_rounding)
        out_v[o] = core.value[a]
        out_u[o] = uc
        out_nu[o] = nu
        out_k[o] = kk
        out_U[o] = kk * uc
        sens[o] = core.grad[a]
    return BatchResult(
        output_names=model.output_names,
        input_names=model.input_names,
        value=out_v,
        standard_uncertainty=out_u,
        effective_dof=out_nu,
        coverage_factor=out_k,
        expanded_uncertainty=out_U,
        sensitivities=sens,
        covariance=core.cov if len(model.output_names) > 1 else None,
    )
