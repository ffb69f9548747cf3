"""Probability of conformity and conformity risks: JCGM 106:2012.

* :func:`probability_of_conformity` — the conformance probability p_c of a measured value whose
  state of knowledge is a normal PDF (JCGM 106:2012 §7, p_c = Φ((T_U − y)/u) − Φ((T_L − y)/u)) or a
  scaled and shifted t-distribution ((Y − y)/u ~ t_ν, the GUM convention behind U = t_p(ν)·u), for
  one- and two-sided tolerance intervals. Its complement is the specific risk.
* :func:`global_risks` — global consumer's risk (probability of false accept, PFA) and producer's
  risk (probability of false reject, PFR) for a normal process (prior) distribution of the true value
  and a normal measurement with standard uncertainty u_m, with any acceptance interval
  (JCGM 106:2012 §9.5: R_C = ∫_{η∉C} ∫_{A} g0(η) h(η_m|η) dη_m dη, R_P likewise with η ∈ C, η_m ∉ A).
  The inner integral is the normal CDF; the outer one is done by adaptive quadrature split at every
  point where the integrand changes quickly, so the results are good to about 1e−12 absolute.
* :func:`test_uncertainty_ratio` (ANSI/NCSL Z540.3: tolerance span over the span of the 95 %
  expanded uncertainty), :func:`measurement_capability_index` (JCGM 106: C_m = (T_U − T_L)/(4u)),
  :func:`process_standard_deviation_from_itp` (process σ from an in-tolerance probability),
  :func:`guard_band_factor` (named guard-band rules) and :func:`guard_band_for_target_pfa`.

Clause numbers are from domain knowledge ([U]); check them against the free JCGM 106 PDF.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from scipy import integrate, optimize, special, stats

from ._common import Number, check_finite, check_limits, check_non_negative, check_positive

__all__ = [
    "ConformityProbability",
    "GlobalRisks",
    "GuardBandMethod",
    "global_risks",
    "guard_band_factor",
    "guard_band_for_target_pfa",
    "measurement_capability_index",
    "probability_of_conformity",
    "process_standard_deviation_from_itp",
    "test_uncertainty_ratio",
]

# beyond 38 standard deviations every normal tail is below the smallest normal double
_Z_CUT = 38.0


def _norm_cdf(z: float) -> float:
    return float(special.ndtr(z))


@dataclass(frozen=True)
class ConformityProbability:
    """Conformance probability of a measured value (JCGM 106:2012 §7) and its complement."""

    probability: float
    #: probability that the true value lies below the lower limit (0 without a lower limit)
    probability_below_lower: float
    #: probability that the true value lies above the upper limit (0 without an upper limit)
    probability_above_upper: float
    #: "normal" or "t"
    distribution: str
    dof: float

    @property
    def specific_risk(self) -> float:
        """1 − p_c: the probability that the item does not conform (JCGM 106 §9.3)."""
        return self.probability_below_lower + self.probability_above_upper


def probability_of_conformity(
    measured_value: Number,
    standard_uncertainty: Number,
    *,
    lower_limit: Number | None = None,
    upper_limit: Number | None = None,
    dof: Number | None = None,
) -> ConformityProbability:
    """Probability p_c that the measurand lies in the tolerance interval (JCGM 106:2012 §7).

    Args:
        measured_value: best estimate y.
        standard_uncertainty: u(y) ≥ 0 (u = 0 gives 0 or 1).
        lower_limit, upper_limit: T_L < T_U; one may be None (one-sided tolerance interval).
        dof: degrees of freedom ν > 0 for a t-distribution with (Y − y)/u ~ t_ν; None or inf for normal.
    """
    check_finite("measured_value", measured_value)
    check_non_negative("standard_uncertainty", standard_uncertainty)
    check_limits(lower_limit, upper_limit, lower_name="lower_limit", upper_name="upper_limit")
    nu = math.inf
    if dof is not None:
        try:
            nu = float(dof)
        except (TypeError, ValueError):
            raise ValueError(f"dof must be a number > 0, got {dof!r}") from None
        if isinstance(dof, bool) or math.isnan(nu) or nu <= 0:
            raise ValueError(f"dof must be > 0, got {dof!r}")
    distribution = "normal" if math.isinf(nu) else "t"
    y = float(measured_value)
    u = float(standard_uncertainty)
    lo = -math.inf if lower_limit is None else float(lower_limit)
    hi = math.inf if upper_limit is None else float(upper_limit)

    if u == 0.0:
        below = 1.0 if y < lo else 0.0
        above = 1.0 if y > hi else 0.0
        return ConformityProbability(1.0 - below - above, below, above, distribution, nu)

    z_lo = (lo - y) / u
    z_hi = (hi - y) / u
    if math.isinf(nu):
        cdf: Callable[[float], float] = _norm_cdf

        def sf(z: float) -> float:
            return _norm_cdf(-z)
    else:

        def cdf(z: float) -> float:
            return float(stats.t.cdf(z, nu))

        def sf(z: float) -> float:
            return float(stats.t.sf(z, nu))

    below = cdf(z_lo)
    above = sf(z_hi)
    if z_lo >= 0.0:
        p = sf(z_lo) - sf(z_hi)
    elif z_hi <= 0.0:
        p = cdf(z_hi) - cdf(z_lo)
    else:
        p = 1.0 - below - above
    return ConformityProbability(min(max(p, 0.0), 1.0), below, above, distribution, nu)


@dataclass(frozen=True)
class GlobalRisks:
    """Global (unconditional) conformity risks of a decision rule (JCGM 106:2012 §9.5)."""

    #: consumer's risk R_C: P(item does not conform and is accepted)
    probability_false_accept: float
    #: producer's risk R_P: P(item conforms and is rejected)
    probability_false_reject: float
    #: P(item does not conform | accepted) = PFA / P(accept)
    conditional_probability_false_accept: float
    #: P(accept)
    probability_accept: float
    #: a-priori probability that an item conforms (in-tolerance probability of the process)
    probability_conforming: float
    tolerance_lower: float
    tolerance_upper: float
    acceptance_lower: float
    acceptance_upper: float

    @property
    def probability_correct_accept(self) -> float:
        return self.probability_accept - self.probability_false_accept

    @property
    def probability_correct_reject(self) -> float:
        return 1.0 - self.probability_accept - self.probability_false_reject


def _quad(func: Callable[[float], float], a: float, b: float, points: list[float]) -> float:
    """∫_a^b func, split at the given points (only those strictly inside (a, b) are kept)."""
    if not b > a:
        return 0.0
    # break points closer than `tiny` to another edge would make slivers of rounding-error width,
    # on which QUADPACK reports "extremely bad integrand behaviour"; merge them
    tiny = 1e-9 * max(1.0, abs(a), abs(b))
    edges = [a]
    for p in sorted(p for p in points if a < p < b):
        if p - edges[-1] > tiny and b - p > tiny:
            edges.append(p)
    edges.append(b)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        if hi - lo <= tiny:
            total += func(0.5 * (lo + hi)) * (hi - lo)
            continue
        value, _ = integrate.quad(func, lo, hi, epsabs=1e-15, epsrel=1e-12, limit=400)
        total += value
    return total


def global_risks(
    *,
    process_mean: Number,
    process_standard_deviation: Number,
    measurement_standard_uncertainty: Number,
    lower_limit: Number | None = None,
    upper_limit: Number | None = None,
    guard_band: Number = 0.0,
    lower_acceptance_limit: Number | None = None,
    upper_acceptance_limit: Number | None = None,
    measurement_bias: Number = 0.0,
) -> GlobalRisks:
    """Global probabilities of false accept and false reject (JCGM 106:2012 §9.5).

    The true value of an item is X ~ N(process_mean, process_standard_deviation²); it is measured
    as Y = X + bias + E with E ~ N(0, u_m²); the item is accepted when A_L ≤ Y ≤ A_U and conforms
    when T_L ≤ X ≤ T_U.

    Args:
        process_mean, process_standard_deviation: the prior (process) distribution, σ > 0.
        measurement_standard_uncertainty: u_m > 0.
        lower_limit, upper_limit: tolerance limits; one may be None (one-sided).
        guard_band: w; the acceptance limits are A_L = T_L + w and A_U = T_U − w (w > 0: guarded
            acceptance, w < 0: guarded rejection). Not together with explicit acceptance limits.
        lower_acceptance_limit, upper_acceptance_limit: explicit acceptance limits instead of a
            guard band (each defaults to the tolerance limit on its side).
        measurement_bias: a known offset of the measured value (default 0).
    """
    check_finite("process_mean", process_mean)
    check_positive("process_standard_deviation", process_standard_deviation)
    check_positive("measurement_standard_uncertainty", measurement_standard_uncertainty)
    check_limits(lower_limit, upper_limit, lower_name="lower_limit", upper_name="upper_limit")
    check_finite("guard_band", guard_band)
    check_finite("measurement_bias", measurement_bias)
    explicit = lower_acceptance_limit is not None or upper_acceptance_limit is not None
    if explicit and guard_band != 0:
        raise ValueError("guard_band cannot be combined with explicit acceptance limits")
    if lower_acceptance_limit is not None:
        check_finite("lower_acceptance_limit", lower_acceptance_limit)
        if lower_limit is None:
            raise ValueError("lower_acceptance_limit needs a lower_limit (one-sided upper tolerance)")
    if upper_acceptance_limit is not None:
        check_finite("upper_acceptance_limit", upper_acceptance_limit)
        if upper_limit is None:
            raise ValueError("upper_acceptance_limit needs an upper_limit (one-sided lower tolerance)")

    mu = float(process_mean)
    sigma = float(process_standard_deviation)
    um = float(measurement_standard_uncertainty)
    bias = float(measurement_bias)
    w = float(guard_band)
    t_lo = -math.inf if lower_limit is None else float(lower_limit)
    t_hi = math.inf if upper_limit is None else float(upper_limit)
    if lower_acceptance_limit is not None:
        a_lo = float(lower_acceptance_limit)
    else:
        a_lo = t_lo + w
    if upper_acceptance_limit is not None:
        a_hi = float(upper_acceptance_limit)
    else:
        a_hi = t_hi - w
    empty = not a_lo < a_hi

    # work in the standardised process variable z = (x - mu) / sigma
    def z_of(x: float) -> float:
        return (x - mu) / sigma

    s = um / sigma  # measurement u in units of sigma
    # measured value is accepted when a_lo <= x + bias + e <= a_hi
    c_lo = z_of(a_lo - bias)
    c_hi = z_of(a_hi - bias)

    def p_accept_given(z: float) -> float:
        if empty:
            return 0.0
        # P(c_lo <= z + e' <= c_hi), e' ~ N(0, s^2), with the differences taken on the small side
        lo = (c_lo - z) / s
        hi = (c_hi - z) / s
        if lo >= 0.0:
            return _norm_cdf(-lo) - _norm_cdf(-hi)
        if hi <= 0.0:
            return _norm_cdf(hi) - _norm_cdf(lo)
        return 1.0 - _norm_cdf(lo) - _norm_cdf(-hi)

    def p_reject_given(z: float) -> float:
        if empty:
            return 1.0
        return _norm_cdf((c_lo - z) / s) + _norm_cdf((z - c_hi) / s)

    def pdf(z: float) -> float:
        return math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)

    z_t_lo = z_of(t_lo)
    z_t_hi = z_of(t_hi)
    points = [0.0]
    for c in (c_lo, c_hi):
        if math.isfinite(c):
            points.extend(c + k * s for k in (-8.0, -4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0, 8.0))

    def bounded(a: float, b: float) -> tuple[float, float]:
        return max(a, -_Z_CUT), min(b, _Z_CUT)

    def accept_integrand(z: float) -> float:
        return pdf(z) * p_accept_given(z)

    def reject_integrand(z: float) -> float:
        return pdf(z) * p_reject_given(z)

    pfa = 0.0
    if math.isfinite(z_t_hi):
        # accepted items lie within c_hi + _Z_CUT * s of the upper acceptance limit
        pfa += _quad(accept_integrand, *bounded(z_t_hi, c_hi + _Z_CUT * s), points)
    if math.isfinite(z_t_lo):
        pfa += _quad(accept_integrand, *bounded(c_lo - _Z_CUT * s, z_t_lo), points)
    pfr = _quad(reject_integrand, *bounded(z_t_lo, z_t_hi), points)

    conforming = _interval_probability(z_t_lo, z_t_hi)
    sy = math.hypot(1.0, s)
    p_acc = 0.0 if empty else _interval_probability(c_lo / sy, c_hi / sy)
    cpfa = pfa / p_acc if p_acc > 0.0 else 0.0
    return GlobalRisks(
        probability_false_accept=min(max(pfa, 0.0), 1.0),
        probability_false_reject=min(max(pfr, 0.0), 1.0),
        conditional_probability_false_accept=min(max(cpfa, 0.0), 1.0),
        probability_accept=p_acc,
        probability_conforming=conforming,
        tolerance_lower=t_lo,
        tolerance_upper=t_hi,
        acceptance_lower=a_lo,
        acceptance_upper=a_hi,
    )


def _interval_probability(z_lo: float, z_hi: float) -> float:
    """P(z_lo ≤ Z ≤ z_hi) for a standard normal Z, without cancellation in the tails."""
    if z_lo >= 0.0:
        return _norm_cdf(-z_lo) - _norm_cdf(-z_hi)
    if z_hi <= 0.0:
        return _norm_cdf(z_hi) - _norm_cdf(z_lo)
    return 1.0 - _norm_cdf(z_lo) - _norm_cdf(-z_hi)


def process_standard_deviation_from_itp(
    in_tolerance_probability: Number,
    *,
    lower_limit: Number | None = None,
    upper_limit: Number | None = None,
    process_mean: Number | None = None,
) -> float:
    """σ of a normal process with P(T_L ≤ X ≤ T_U) equal to the in-tolerance probability (ITP).

    ``process_mean`` defaults to the middle of a two-sided tolerance interval; it is required for a
    one-sided interval and must then lie on the conforming side.
    """
    check_finite("in_tolerance_probability", in_tolerance_probability)
    p = float(in_tolerance_probability)
    if not 0.0 < p < 1.0:
        raise ValueError(f"in_tolerance_probability must be strictly between 0 and 1, got {p!r}")
    check_limits(lower_limit, upper_limit, lower_name="lower_limit", upper_name="upper_limit")
    if process_mean is None:
        if lower_limit is None or upper_limit is None:
            raise ValueError("process_mean is required for a one-sided tolerance interval")
        mu = 0.5 * (float(lower_limit) + float(upper_limit))
    else:
        check_finite("process_mean", process_mean)
        mu = float(process_mean)
    lo = -math.inf if lower_limit is None else float(lower_limit)
    hi = math.inf if upper_limit is None else float(upper_limit)
    if not lo < mu < hi:
        raise ValueError(f"process_mean ({mu!r}) must lie strictly inside the tolerance interval")
    if lower_limit is None or upper_limit is None:
        if p <= 0.5:
            raise ValueError(
                "in_tolerance_probability must exceed 0.5 for a one-sided interval with the mean inside"
            )
        distance = (hi - mu) if lower_limit is None else (mu - lo)
        return distance / float(special.ndtri(p))
    if math.isclose(mu, 0.5 * (lo + hi), rel_tol=0.0, abs_tol=1e-15 * (hi - lo)):
        return 0.5 * (hi - lo) / float(special.ndtri(0.5 * (1.0 + p)))

    def excess(log_sigma: float) -> float:
        sg = math.exp(log_sigma)
        return _interval_probability((lo - mu) / sg, (hi - mu) / sg) - p

    span = hi - lo
    root = optimize.brentq(excess, math.log(span * 1e-6), math.log(span * 1e6), xtol=1e-15, rtol=1e-14)
    return math.exp(float(root))


def test_uncertainty_ratio(lower_limit: Number, upper_limit: Number, expanded_uncertainty: Number) -> float:
    """Test uncertainty ratio TUR = (T_U − T_L) / (2 U95) (ANSI/NCSL Z540.3 definition).

    Deaver (2002) and the NCSLI RP-19 tables use another ratio, σ_process/σ_test; see
    :func:`global_risks` for how to set up those cases.
    """
    check_limits(lower_limit, upper_limit, lower_name="lower_limit", upper_name="upper_limit")
    check_positive("expanded_uncertainty", expanded_uncertainty)
    return (float(upper_limit) - float(lower_limit)) / (2.0 * float(expanded_uncertainty))


# pytest must not collect the function above as a test
test_uncertainty_ratio.__test__ = False  # type: ignore[attr-defined]


def measurement_capability_index(
    lower_limit: Number, upper_limit: Number, standard_uncertainty: Number
) -> float:
    """Measurement capability index C_m = (T_U − T_L) / (4u) (JCGM 106:2012)."""
    check_limits(lower_limit, upper_limit, lower_name="lower_limit", upper_name="upper_limit")
    check_positive("standard_uncertainty", standard_uncertainty)
    return (float(upper_limit) - float(lower_limit)) / (4.0 * float(standard_uncertainty))


class GuardBandMethod(StrEnum):
    """Named guard-band rules giving the acceptance limit as A = factor × T (T: tolerance half-width)."""

    #: ILAC G8 w = U, i.e. factor 1 − 1/TUR ("test95")
    U95 = "u95"
    #: root-sum-square: sqrt(1 − 1/TUR²)
    RSS = "rss"
    #: NCSLI RP-10: 1.25 − 1/TUR
    RP10 = "rp10"
    #: Dobbert's managed 2 % PFA: 1 − M/TUR, M = 1.04 − exp(0.38 ln TUR − 0.54)
    DOBBERT = "dobbert"


def guard_band_factor(method: GuardBandMethod | str, tur: Number) -> float:
    """Guard-band factor A/T for a named rule and a Z540.3 TUR (research uncertainty.md §3.8,
    formulas [V] via suncal test_risk.py; Dobbert, "Guardbanding strategy", 2008)."""
    try:
        method = GuardBandMethod(method)
    except ValueError:
        raise ValueError(
            f"method must be one of {', '.join(m.value for m in GuardBandMethod)}, got {method!r}"
        ) from None
    check_positive("tur", tur)
    t = float(tur)
    if method is GuardBandMethod.U95:
        return 1.0 - 1.0 / t
    if method is GuardBandMethod.RSS:
        if t < 1.0:
            raise ValueError(f"tur must be ≥ 1 for the RSS guard band, got {t!r}")
        return math.sqrt(1.0 - 1.0 / (t * t))
    if method is GuardBandMethod.RP10:
        return 1.25 - 1.0 / t
    m = 1.04 - math.exp(0.38 * math.log(t) - 0.54)
    return 1.0 - m / t


def guard_band_for_target_pfa(
    target_pfa: Number,
    *,
    process_mean: Number,
    process_standard_deviation: Number,
    measurement_standard_uncertainty: Number,
    lower_limit: Number | None = None,
    upper_limit: Number | None = None,
    measurement_bias: Number = 0.0,
) -> float:
    """The smallest guard band w ≥ 0 whose global PFA does not exceed ``target_pfa``.

    Returns 0 when the PFA without a guard band already meets the target. PFA decreases
    monotonically as w grows, so the root is found by bracketing and Brent's method.
    """
    check_finite("target_pfa", target_pfa)
    target = float(target_pfa)
    if not 0.0 < target < 1.0:
        raise ValueError(f"target_pfa must be strictly between 0 and 1, got {target!r}")

    def pfa(w: float) -> float:
        return global_risks(
            process_mean=process_mean,
            process_standard_deviation=process_standard_deviation,
            measurement_standard_uncertainty=measurement_standard_uncertainty,
            lower_limit=lower_limit,
            upper_limit=upper_limit,
            guard_band=w,
            measurement_bias=measurement_bias,
        ).probability_false_accept

    if pfa(0.0) <= target:
        return 0.0
    um = float(measurement_standard_uncertainty)
    if lower_limit is not None and upper_limit is not None:
        w_hi = 0.5 * (float(upper_limit) - float(lower_limit))
    else:
        w_hi = um
        while pfa(w_hi) > target:
            w_hi *= 2.0
            if w_hi > 1e6 * (um + float(process_standard_deviation)):
                raise ValueError("no guard band reaches target_pfa")
    root = optimize.brentq(lambda w: pfa(w) - target, 0.0, w_hi, xtol=1e-12 * w_hi, rtol=1e-12)
    return float(root)
