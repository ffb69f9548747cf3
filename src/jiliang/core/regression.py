"""Least-squares calibration curves with uncertainty (JCGM 100:2008, GUM Annex H.3).

A calibration curve is a polynomial in the centred variable ``x - x0``::

    f(x) = a_0 + a_1 (x - x0) + a_2 (x - x0)**2 + ... + a_d (x - x0)**d

fitted to points ``(x_i, y_i)`` by ordinary or weighted least squares. GUM H.3 (thermometer
calibration) is the straight-line case ``b(t) = y1 + y2 (t - t0)`` with ``t0 = 20 °C``.

Two ways of treating the uncertainties ``u(y_i)``:

* ``u_y`` not given: ordinary least squares (as in GUM H.3). The coefficient covariance is
  ``s**2 (X^T X)^-1`` with the residual standard deviation ``s`` and
  ``n - (d + 1)`` degrees of freedom (Type A evaluation).
* ``u_y`` given: weighted least squares with weights ``1/u(y_i)**2``.

  - ``u_y_is_relative=False`` (default): the ``u(y_i)`` are known standard uncertainties (GUM H.3.6,
    "known variance" variant); the covariance is ``(X^T W X)^-1`` and the degrees of freedom are
    infinite. The residual standard deviation and the Birge ratio are still reported so that the
    consistency of the data with the stated uncertainties can be checked.
  - ``u_y_is_relative=True``: only the ratios of the ``u(y_i)`` are known; the covariance is scaled by
    the weighted residual variance and has ``n - (d + 1)`` degrees of freedom.

A common systematic effect with standard uncertainty ``u_offset`` that shifts every ``y_i`` by the same
amount (GUM H.3.6 variant: a common systematic offset) is absorbed entirely by the constant
term ``a_0``: it adds ``u_offset**2`` to the variance of ``a_0`` and to nothing else.

Predictions (:meth:`CalibrationCurve.predict`) give ``f(x)`` with the uncertainty from the coefficient
covariance (as for ``b(30 °C)`` in GUM H.3), optionally adding an uncertainty of ``x``. The inverse problem
(:meth:`CalibrationCurve.inverse`) gives ``x`` from a measured ``y`` with its uncertainty, by the law of
propagation applied to the implicit equation ``f(x; a) = y``::

    u(x)**2 = (u(y)**2 + g^T V g) / f'(x)**2,   g_j = (x - x0)**j

Pure computation: numbers and numpy arrays in, frozen dataclasses out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import optimize, stats

__all__ = [
    "CURVE_DOCUMENT_KEYS",
    "CalibrationCurve",
    "CurveDocumentError",
    "InversePrediction",
    "Prediction",
    "fit_document",
    "fit_polynomial",
    "fit_straight_line",
]

FloatArray = npt.NDArray[np.float64]
ArrayLike = Sequence[float] | FloatArray


def _frozen(a: FloatArray) -> FloatArray:
    out = np.array(a, dtype=np.float64, copy=True)
    out.setflags(write=False)
    return out


def _welch_satterthwaite(components: Sequence[tuple[float, float]]) -> float:
    """Effective degrees of freedom (GUM G.4.1, eq. G.2b) of a sum of variances ``(u_i**2, nu_i)``."""
    total = sum(var for var, _ in components)
    if total == 0.0:
        return math.inf
    denominator = sum(var * var / nu for var, nu in components if math.isfinite(nu) and var > 0.0)
    if denominator == 0.0:
        return math.inf
    return total * total / denominator


@dataclass(frozen=True)
class Prediction:
    """A value of the calibration curve at ``x`` with its standard uncertainty (GUM H.3)."""

    x: float
    value: float
    standard_uncertainty: float
    effective_dof: float
    #: standard uncertainty from the coefficient covariance alone (no contribution of u(x))
    fit_standard_uncertainty: float


@dataclass(frozen=True)
class InversePrediction:
    """``x`` found from a measured ``y`` on the calibration curve, with its standard uncertainty."""

    y: float
    value: float
    standard_uncertainty: float
    effective_dof: float
    #: slope ``f'(x)`` at the solution: the sensitivity of ``y`` to ``x``
    slope: float


@dataclass(frozen=True, eq=False)
class CalibrationCurve:
    """Result of a least-squares fit of a calibration curve (GUM Annex H.3).

    ``coefficients[j]`` multiplies ``(x - x0)**j``. ``covariance`` is the coefficient covariance
    matrix (including ``u_offset``), ``correlation`` the matching correlation matrix.
    """

    degree: int
    x0: float
    coefficients: FloatArray
    covariance: FloatArray
    standard_uncertainties: FloatArray
    correlation: FloatArray
    #: residual standard deviation (weighted residuals when weights are used), s in GUM H.3;
    #: nan when there are no residual degrees of freedom (n = degree + 1, known u(y_i) only)
    residual_standard_deviation: float
    #: degrees of freedom of the coefficient covariance: n - (degree + 1), or inf for known u(y_i)
    dof: float
    n: int
    weighted: bool
    u_y_is_relative: bool
    u_offset: float
    x: FloatArray
    y: FloatArray
    u_y: FloatArray | None
    residuals: FloatArray
    #: sqrt(chi^2 / (n - p)) for weighted fits with known u(y_i); None otherwise
    birge_ratio: float | None

    # ------------------------------------------------------------------ evaluation
    def _basis(self, x: float) -> FloatArray:
        d = x - self.x0
        return np.array([d**j for j in range(self.degree + 1)], dtype=np.float64)

    def _basis_derivative(self, x: float) -> FloatArray:
        d = x - self.x0
        return np.array(
            [j * d ** (j - 1) if j > 0 else 0.0 for j in range(self.degree + 1)], dtype=np.float64
        )

    def evaluate(self, x: float) -> float:
        """The curve value ``f(x)``."""
        return float(self._basis(float(x)) @ self.coefficients)

    def slope(self, x: float) -> float:
        """The derivative ``f'(x)``."""
        return float(self._basis_derivative(float(x)) @ self.coefficients)

    def predict(self, x: float, *, u_x: float = 0.0, dof_x: float = math.inf) -> Prediction:
        """``f(x)`` with its standard uncertainty (GUM H.3, generalised to polynomials and weights).

        ``u_x`` is the standard uncertainty of ``x`` itself (sensitivity ``f'(x)``), with ``dof_x``
        degrees of freedom; the effective degrees of freedom follow from Welch–Satterthwaite.
        """
        x = float(x)
        _check_uncertainty("u_x", u_x)
        if dof_x <= 0:
            raise ValueError(f"dof_x must be > 0, got {dof_x!r}")
        g = self._basis(x)
        var_fit = max(float(g @ self.covariance @ g), 0.0)
        var_x = (self.slope(x) * u_x) ** 2
        dof = _welch_satterthwaite([(var_fit, self.dof), (var_x, dof_x)])
        return Prediction(
            x=x,
            value=self.evaluate(x),
            standard_uncertainty=math.sqrt(var_fit + var_x),
            effective_dof=dof,
            fit_standard_uncertainty=math.sqrt(var_fit),
        )

    def inverse(
        self,
        y: float,
        *,
        u_y: float = 0.0,
        dof_y: float = math.inf,
        x_guess: float | None = None,
    ) -> InversePrediction:
        """``x`` such that ``f(x) = y``, with its standard uncertainty (inverse prediction).

        For a polynomial of degree ≥ 2 the real root nearest ``x_guess`` is taken (default: the
        middle of the calibration range); a root outside the calibration range is still returned,
        but then it is an extrapolation. ``u_y`` is the standard uncertainty of the measured ``y``
        with ``dof_y`` degrees of freedom.
        """
        y = float(y)
        _check_uncertainty("u_y", u_y)
        if dof_y <= 0:
            raise ValueError(f"dof_y must be > 0, got {dof_y!r}")
        x_solution = self._solve(y, x_guess)
        slope = self.slope(x_solution)
        if slope == 0.0:
            raise ValueError(
                f"the calibration curve has zero slope at x = {x_solution!r}: y = {y!r} cannot be inverted"
            )
        g = self._basis(x_solution)
        var_fit = max(float(g @ self.covariance @ g), 0.0) / slope**2
        var_y = (u_y / slope) ** 2
        dof = _welch_satterthwaite([(var_fit, self.dof), (var_y, dof_y)])
        return InversePrediction(
            y=y,
            value=x_solution,
            standard_uncertainty=math.sqrt(var_fit + var_y),
            effective_dof=dof,
            slope=slope,
        )

    def _solve(self, y: float, x_guess: float | None) -> float:
        a = self.coefficients
        if self.degree == 1:
            if a[1] == 0.0:
                raise ValueError("the fitted slope is zero: the calibration line cannot be inverted")
            return self.x0 + (y - float(a[0])) / float(a[1])
        centre = 0.5 * (float(self.x.min()) + float(self.x.max())) if x_guess is None else float(x_guess)
        shifted = a.copy()
        shifted[0] -= y
        roots = np.roots(shifted[::-1])
        scale = max(float(np.ptp(self.x)), abs(self.x0), 1.0)
        real = [float(r.real) + self.x0 for r in roots if abs(r.imag) <= 1e-9 * scale]
        if not real:
            raise ValueError(f"y = {y!r} is not reached by the calibration curve (no real solution)")
        best = min(real, key=lambda r: abs(r - centre))
        # one Newton step polishes the root found from the companion matrix
        s = self.slope(best)
        if s != 0.0:
            best -= (self.evaluate(best) - y) / s
        return best


def _check_uncertainty(name: str, value: float) -> None:
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite, non-negative standard uncertainty, got {value!r}")


def _as_vector(name: str, values: ArrayLike) -> FloatArray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a one-dimensional sequence of numbers")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise ValueError(f"{name}[{int(bad[0])}] is not a finite number")
    return arr


def fit_polynomial(
    x: ArrayLike,
    y: ArrayLike,
    degree: int,
    *,
    x0: float = 0.0,
    u_y: ArrayLike | float | None = None,
    u_y_is_relative: bool = False,
    u_offset: float = 0.0,
) -> CalibrationCurve:
    """Fit ``y = sum_j a_j (x - x0)**j`` (``j = 0..degree``) by least squares (GUM H.3).

    Args:
        x, y: calibration points (``x`` is taken as exact, as in GUM H.3).
        degree: polynomial degree (1 for a straight line).
        x0: centring value (``t0`` in GUM H.3); it changes the meaning of the coefficients, not the curve.
        u_y: standard uncertainties of the ``y_i`` (one number for all, or one per point);
            ``None`` for ordinary least squares.
        u_y_is_relative: the ``u_y`` only give relative weights (covariance scaled by the residuals).
        u_offset: standard uncertainty of an effect common to all ``y_i`` (GUM H.3.6).

    Raises:
        ValueError: naming the offending argument (too few points, non-finite data, negative or zero
            uncertainty, degree < 1, all ``x`` equal, ...).
    """
    if isinstance(degree, bool) or not isinstance(degree, int | np.integer) or degree < 1:
        raise ValueError(f"degree must be an integer ≥ 1, got {degree!r}")
    degree = int(degree)
    xs = _as_vector("x", x)
    ys = _as_vector("y", y)
    if xs.shape != ys.shape:
        raise ValueError(f"x and y must have the same length, got {xs.size} and {ys.size}")
    n = xs.size
    p = degree + 1
    x0 = float(x0)
    if not math.isfinite(x0):
        raise ValueError(f"x0 must be a finite number, got {x0!r}")
    _check_uncertainty("u_offset", u_offset)

    uys: FloatArray | None = None
    if u_y is not None:
        if isinstance(u_y, int | float | np.floating):
            uys = np.full(n, float(u_y), dtype=np.float64)
        else:
            uys = _as_vector("u_y", u_y)
            if uys.shape != xs.shape:
                raise ValueError(f"u_y must have one value per point ({n}), got {uys.size}")
        bad = np.flatnonzero(~(uys > 0))
        if bad.size:
            raise ValueError(
                f"u_y[{int(bad[0])}] must be a positive standard uncertainty, got {uys[int(bad[0])]!r}"
            )
    known_variance = uys is not None and not u_y_is_relative
    if u_y_is_relative and uys is None:
        raise ValueError("u_y_is_relative=True needs u_y (the relative uncertainties)")

    if known_variance:
        if n < p:
            raise ValueError(f"x: {n} points cannot determine {p} coefficients")
    elif n <= p:
        raise ValueError(
            f"x: {n} points leave no degrees of freedom for {p} coefficients (need at least {p + 1} points)"
        )
    if np.unique(xs).size < p:
        raise ValueError(f"x: at least {p} distinct values are needed for a polynomial of degree {degree}")

    design = np.vander(xs - x0, p, increasing=True)
    sqrt_w = np.ones(n) if uys is None else 1.0 / uys
    a_w = design * sqrt_w[:, None]
    b_w = ys * sqrt_w
    q, r = np.linalg.qr(a_w)
    if np.min(np.abs(np.diag(r))) <= 1e-13 * np.max(np.abs(np.diag(r))):
        raise ValueError("x: the design matrix is singular (points too few or too close together)")
    coefficients = np.linalg.solve(r, q.T @ b_w)
    r_inv = np.linalg.solve(r, np.eye(p))
    unscaled = r_inv @ r_inv.T

    residuals = ys - design @ coefficients
    weighted_residuals = residuals * sqrt_w
    chi2 = float(weighted_residuals @ weighted_residuals)
    dof_resid = n - p
    s = math.sqrt(chi2 / dof_resid) if dof_resid > 0 else math.nan

    if known_variance:
        covariance = unscaled.copy()
        dof = math.inf
        birge: float | None = s if dof_resid > 0 else None
    else:
        covariance = unscaled * (s * s)
        dof = float(dof_resid)
        birge = None
    covariance[0, 0] += u_offset * u_offset
    covariance = 0.5 * (covariance + covariance.T)
    std = np.sqrt(np.diag(covariance))
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = covariance / np.outer(std, std)
    correlation[~np.isfinite(correlation)] = 0.0
    np.fill_diagonal(correlation, 1.0)

    return CalibrationCurve(
        degree=degree,
        x0=x0,
        coefficients=_frozen(coefficients),
        covariance=_frozen(covariance),
        standard_uncertainties=_frozen(std),
        correlation=_frozen(correlation),
        residual_standard_deviation=s,
        dof=dof,
        n=n,
        weighted=uys is not None,
        u_y_is_relative=bool(u_y_is_relative),
        u_offset=float(u_offset),
        x=_frozen(xs),
        y=_frozen(ys),
        u_y=None if uys is None else _frozen(uys),
        residuals=_frozen(residuals),
        birge_ratio=birge,
    )


def fit_straight_line(
    x: ArrayLike,
    y: ArrayLike,
    *,
    x0: float = 0.0,
    u_y: ArrayLike | float | None = None,
    u_y_is_relative: bool = False,
    u_offset: float = 0.0,
) -> CalibrationCurve:
    """Fit ``y = a_0 + a_1 (x - x0)`` by least squares (GUM H.3: ``b(t) = y1 + y2 (t - t0)``).

    See :func:`fit_polynomial` for the arguments.
    """
    return fit_polynomial(x, y, 1, x0=x0, u_y=u_y, u_y_is_relative=u_y_is_relative, u_offset=u_offset)


# ---------------------------------------------------------------------------------------------------- documents
#: the fields of a calibration-curve document (``jiliang uncertainty curve``, POST /api/v1/uncertainty/curve)
CURVE_DOCUMENT_KEYS = frozenset(
    {
        "title",
        "description",
        "reference",
        "x",
        "y",
        "u_y",
        "weighting",
        "u_offset",
        "degree",
        "x0",
        "predict",
        "inverse",
        "coverage_probability",
        "x_unit",
        "y_unit",
    }
)
_WEIGHTINGS = ("none", "absolute", "relative")


class CurveDocumentError(ValueError):
    """A calibration-curve document that cannot be fitted; ``field`` is the path of the offending field
    (``"x"``, ``"u_y[3]"``, ``"predict[0].u_x"``, …)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


def _number(value: object, field: str, *, minimum: float | None = None, strict: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CurveDocumentError(f"must be a number, got {value!r}", field=field)
    v = float(value)
    if not math.isfinite(v):
        raise CurveDocumentError(f"must be a finite number, got {value!r}", field=field)
    if minimum is not None and (v < minimum or (strict and v == minimum)):
        raise CurveDocumentError(f"must be {'>' if strict else '≥'} {minimum:g}, got {value!r}", field=field)
    return v


def _numbers(value: object, field: str, *, max_len: int) -> list[float]:
    if not isinstance(value, list) or not value:
        raise CurveDocumentError("must be a non-empty list of numbers", field=field)
    if len(value) > max_len:
        raise CurveDocumentError(f"at most {max_len} values, got {len(value)}", field=field)
    return [_number(v, f"{field}[{i}]") for i, v in enumerate(value)]


def _dof(value: object, field: str) -> float:
    if value is None:
        return math.inf
    return _number(value, field, minimum=0.0, strict=True)


def _coverage_factor(p: float, dof: float) -> float:
    q = 0.5 * (1.0 + p)
    if not math.isfinite(dof):
        return float(stats.norm.ppf(q))
    # ν truncated to an integer ≥ 1 for the t-quantile (GUM G.6.4), as in jiliang.core.uncertainty
    return float(stats.t.ppf(q, max(1.0, math.floor(dof + 1e-9))))


def _finite_or_none(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def _field_of(exc: ValueError, default: str, mapping: dict[str, str]) -> str:
    """The document field named at the start of a core error message (``"u_y[3] must …"`` → ``u_y[3]``)."""
    m = re.match(r"([a-z_][a-z0-9_]*)(\[\d+\])?", str(exc))
    if m is None or m.group(1) not in mapping:
        return default
    return mapping[m.group(1)] + (m.group(2) or "")


def _minimum_prediction_uncertainty(curve: CalibrationCurve) -> tuple[float, float]:
    """x in the calibration range where u(f(x)) from the fit is smallest, and that u (GUM H.3: at t̄)."""
    lo, hi = float(curve.x.min()), float(curve.x.max())
    if curve.degree == 1:
        cov = curve.covariance
        x_min = curve.x0 - float(cov[0, 1]) / float(cov[1, 1]) if cov[1, 1] > 0 else 0.5 * (lo + hi)
        x_min = min(max(x_min, lo), hi)
    else:
        res = optimize.minimize_scalar(
            lambda t: curve.predict(float(t)).fit_standard_uncertainty,
            bounds=(lo, hi),
            method="bounded",
            options={"xatol": 1e-10 * max(1.0, hi - lo)},
        )
        x_min = float(res.x)
    return x_min, curve.predict(x_min).fit_standard_uncertainty


def fit_document(document: object, *, max_points: int = 100_000, max_queries: int = 1_000) -> dict[str, Any]:
    """Fit the calibration curve described by a JSON document and return the result document.

    The document (``docs/uncertainty-model-format.md``, "Calibration curves") holds ``x``, ``y``,
    optional ``u_y`` (one number or one per point) with ``weighting`` (``"absolute"``: known standard
    uncertainties, the default when ``u_y`` is given; ``"relative"``: relative weights only;
    ``"none"``: ordinary least squares, the default without ``u_y``, as in GUM H.3), ``degree``
    (default 1), ``x0`` (centring value, default 0), ``u_offset`` (GUM H.3.6 common offset),
    ``coverage_probability`` (default 0.95), ``predict`` (x values, or objects ``{"x", "u_x", "dof_x"}``)
    and ``inverse`` (y values, or objects ``{"y", "u_y", "dof_y", "x_guess"}``).

    The result holds the coefficients ``a_j`` of ``(x − x0)**j`` with their standard uncertainties,
    covariance and correlation matrices, the residual standard deviation ``s`` and degrees of freedom,
    the point of minimum prediction uncertainty, and every prediction and inverse prediction with its
    standard uncertainty, effective degrees of freedom, coverage factor and expanded uncertainty.
    Non-finite numbers (ν = ∞) are ``None``: the result is strict JSON.

    Raises:
        CurveDocumentError: naming the offending field; nothing is fitted.
    """
    if not isinstance(document, Mapping):
        raise CurveDocumentError("the curve document must be a JSON object", field="document")
    unknown = sorted(str(k) for k in document if k not in CURVE_DOCUMENT_KEYS)
    if unknown:
        raise CurveDocumentError(
            f"unknown field; allowed: {', '.join(sorted(CURVE_DOCUMENT_KEYS))}", field=unknown[0]
        )
    for key in ("x", "y"):
        if key not in document:
            raise CurveDocumentError("is required (a list of numbers)", field=key)
    xs = _numbers(document["x"], "x", max_len=max_points)
    ys = _numbers(document["y"], "y", max_len=max_points)
    if len(xs) != len(ys):
        raise CurveDocumentError(f"has {len(ys)} values but x has {len(xs)}", field="y")
    raw_degree = document.get("degree", 1)
    if isinstance(raw_degree, bool) or not isinstance(raw_degree, int) or not 1 <= raw_degree <= 10:
        raise CurveDocumentError(f"must be an integer from 1 to 10, got {raw_degree!r}", field="degree")
    x0 = _number(document.get("x0", 0.0), "x0")
    u_offset = _number(document.get("u_offset", 0.0), "u_offset", minimum=0.0)
    p = _number(document.get("coverage_probability", 0.95), "coverage_probability", minimum=0.0, strict=True)
    if p >= 1.0:
        raise CurveDocumentError(f"must be between 0 and 1, got {p!r}", field="coverage_probability")
    raw_uy = document.get("u_y")
    u_y: float | list[float] | None
    if raw_uy is None:
        u_y = None
    elif isinstance(raw_uy, list):
        u_y = _numbers(raw_uy, "u_y", max_len=max_points)
        if len(u_y) != len(xs):
            raise CurveDocumentError(
                f"must have one value per point ({len(xs)}), got {len(u_y)}", field="u_y"
            )
    else:
        u_y = _number(raw_uy, "u_y", minimum=0.0, strict=True)
    weighting = document.get("weighting", "none" if u_y is None else "absolute")
    if weighting not in _WEIGHTINGS:
        raise CurveDocumentError(
            f"must be one of {', '.join(_WEIGHTINGS)}, got {weighting!r}", field="weighting"
        )
    if weighting == "none" and u_y is not None:
        raise CurveDocumentError("u_y is given: use weighting 'absolute' or 'relative'", field="weighting")
    if weighting != "none" and u_y is None:
        raise CurveDocumentError(f"weighting {weighting!r} needs u_y", field="u_y")
    for key in ("title", "x_unit", "y_unit"):
        if document.get(key) is not None and not isinstance(document[key], str):
            raise CurveDocumentError("must be a string", field=key)

    predict = _queries(document.get("predict", []), "predict", "x", ("u_x", "dof_x"), max_queries)
    inverse = _queries(document.get("inverse", []), "inverse", "y", ("u_y", "dof_y", "x_guess"), max_queries)

    try:
        curve = fit_polynomial(
            xs, ys, raw_degree, x0=x0, u_y=u_y, u_y_is_relative=weighting == "relative", u_offset=u_offset
        )
    except ValueError as exc:
        field = _field_of(
            exc,
            "x",
            {"x": "x", "y": "y", "u_y": "u_y", "degree": "degree", "x0": "x0", "u_offset": "u_offset"},
        )
        raise CurveDocumentError(str(exc), field=field) from exc

    predictions: list[dict[str, Any]] = []
    for q in predict:
        pr = curve.predict(q["x"], u_x=q.get("u_x", 0.0), dof_x=q.get("dof_x", math.inf))
        k = _coverage_factor(p, pr.effective_dof)
        predictions.append(
            {
                "x": pr.x,
                "u_x": q.get("u_x", 0.0),
                "value": pr.value,
                "standard_uncertainty": pr.standard_uncertainty,
                "fit_standard_uncertainty": pr.fit_standard_uncertainty,
                "effective_dof": _finite_or_none(pr.effective_dof),
                "coverage_factor": k,
                "expanded_uncertainty": k * pr.standard_uncertainty,
                "extrapolation": not float(curve.x.min()) <= pr.x <= float(curve.x.max()),
            }
        )
    inverses: list[dict[str, Any]] = []
    for i, q in enumerate(inverse):
        try:
            inv = curve.inverse(
                q["y"], u_y=q.get("u_y", 0.0), dof_y=q.get("dof_y", math.inf), x_guess=q.get("x_guess")
            )
        except ValueError as exc:
            raise CurveDocumentError(str(exc), field=f"inverse[{i}].y") from exc
        k = _coverage_factor(p, inv.effective_dof)
        inverses.append(
            {
                "y": inv.y,
                "u_y": q.get("u_y", 0.0),
                "value": inv.value,
                "standard_uncertainty": inv.standard_uncertainty,
                "effective_dof": _finite_or_none(inv.effective_dof),
                "coverage_factor": k,
                "expanded_uncertainty": k * inv.standard_uncertainty,
                "slope": inv.slope,
                "extrapolation": not float(curve.x.min()) <= inv.value <= float(curve.x.max()),
            }
        )
    x_min, u_min = _minimum_prediction_uncertainty(curve)
    coefficients = [
        {
            "name": f"a{j}",
            "power": j,
            "value": float(curve.coefficients[j]),
            "standard_uncertainty": float(curve.standard_uncertainties[j]),
        }
        for j in range(curve.degree + 1)
    ]
    title = document.get("title")
    return {
        "title": title if isinstance(title, str) else None,
        "model": "y = "
        + " + ".join(
            ["a0"] + [f"a{j}·(x − x0)" + (f"^{j}" if j > 1 else "") for j in range(1, curve.degree + 1)]
        ),
        "degree": curve.degree,
        "x0": curve.x0,
        "n": curve.n,
        "weighting": weighting,
        "units": {"x": document.get("x_unit"), "y": document.get("y_unit")},
        "coefficients": coefficients,
        "covariance": curve.covariance.tolist(),
        "correlation": curve.correlation.tolist(),
        "residual_standard_deviation": _finite_or_none(curve.residual_standard_deviation),
        "dof": _finite_or_none(curve.dof),
        "birge_ratio": curve.birge_ratio,
        "u_offset": curve.u_offset,
        "residuals": curve.residuals.tolist(),
        "minimum_prediction_uncertainty": {"x": x_min, "standard_uncertainty": u_min},
        "coverage_probability": p,
        "predictions": predictions,
        "inverse": inverses,
    }


def _queries(
    raw: object, field: str, key: str, extras: tuple[str, ...], max_queries: int
) -> list[dict[str, float]]:
    """``predict`` / ``inverse``: a list of numbers or of objects ``{key, extras…}``."""
    if not isinstance(raw, list):
        raise CurveDocumentError(f"must be a list of numbers or objects with {key!r}", field=field)
    if len(raw) > max_queries:
        raise CurveDocumentError(f"at most {max_queries} entries, got {len(raw)}", field=field)
    out: list[dict[str, float]] = []
    for i, item in enumerate(raw):
        where = f"{field}[{i}]"
        if not isinstance(item, Mapping):
            out.append({key: _number(item, where)})
            continue
        bad = [k for k in item if k not in (key, *extras)]
        if bad:
            raise CurveDocumentError(
                f"unknown field; allowed: {', '.join((key, *extras))}", field=f"{where}.{bad[0]}"
            )
        if key not in item:
            raise CurveDocumentError("is required", field=f"{where}.{key}")
        q: dict[str, float] = {key: _number(item[key], f"{where}.{key}")}
        for extra in extras:
            if item.get(extra) is None:
                continue
            if extra.startswith("dof"):
                q[extra] = _dof(item[extra], f"{where}.{extra}")
            elif extra.startswith("u_"):
                q[extra] = _number(item[extra], f"{where}.{extra}", minimum=0.0)
            else:
                q[extra] = _number(item[extra], f"{where}.{extra}")
        out.append(q)
    return out
