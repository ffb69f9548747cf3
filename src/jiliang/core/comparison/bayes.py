"""Gaussian hierarchical (random-effects) Bayesian consensus value, as in the NIST Consensus Builder.

Model (NICOB ``bayesGelman``; Koepke, Lafarge, Possolo & Toman, *Metrologia* 54 (2017) S34):

* x_j ~ N(ξ_j, σ_j²), ξ_j ~ N(μ, τ²), μ ~ N(0, 10¹⁰);
* τ ~ half-Cauchy(0, A), A = R ``mad(x)`` (1.4826·median|x − median x|, NICOB's current default)
  unless given; ``"mad-unscaled"`` selects median|x − median x| (the earlier NICOB default, left as
  a comment in its ``server.R``);
* where ν_j is given: σ_j ~ half-Cauchy(0, B), B = median(u) unless given, and ν_j u_j²/σ_j² ~ χ²_ν;
  where it is not: σ_j = u_j.

NICOB runs JAGS. Here the posterior is sampled by a partially collapsed Gibbs sampler, vectorised
over independent chains: log τ by random-walk Metropolis on p(τ | σ, x) with μ and ξ integrated
out, then μ | τ, σ, x and ξ | μ, τ, σ, x exactly, then σ_j² by the conjugate inverse-gamma update
with the half-Cauchy written as a scale mixture (Makalic & Schmidt 2016). The Gelman–Rubin R̂ of
μ and τ is recorded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import MappingProxyType

import numpy as np

from jiliang.core.comparison._inputs import FloatArray, LabResult, arrays
from jiliang.core.comparison._mc import MonteCarloInfo, make_rng, symmetric_half_width
from jiliang.core.comparison.reference import (
    ReferenceValue,
    _check_alpha,
    _check_prob,
    _consistency,
    _used,
)

__all__ = ["hierarchical_bayes"]

_MU_PRIOR_PRECISION = 1e-10  # μ ~ N(0, 1e10) as in NICOB


def _log_tau_target(
    log_tau: FloatArray, sig2: FloatArray, x: FloatArray, a_scale: float
) -> FloatArray:
    """log p(log τ | σ, x) up to a constant, μ and ξ integrated out (flat-ish prior on μ)."""
    tau = np.exp(log_tau)
    v = tau[:, None] ** 2 + sig2
    w = 1.0 / v
    sw = np.sum(w, axis=1)
    prec = sw + _MU_PRIOR_PRECISION
    swx = np.sum(w * x, axis=1)
    # Σ w x² − (Σ w x)²/(Σw + p0): the quadratic form left after integrating μ out
    quad = np.sum(w * x**2, axis=1) - swx**2 / prec
    return np.asarray(
        -np.log1p((tau / a_scale) ** 2)
        - 0.5 * np.sum(np.log(v), axis=1)
        - 0.5 * np.log(prec)
        - 0.5 * quad
        + log_tau,
        dtype=np.float64,
    )


def _inv_gamma(rng: np.random.Generator, shape: float | FloatArray, rate: FloatArray) -> FloatArray:
    return np.asarray(rate / rng.gamma(shape, 1.0, size=np.shape(rate)), dtype=np.float64)


def _r_hat(chains: FloatArray) -> float:
    """Gelman–Rubin potential scale reduction factor; ``chains`` is (iterations, chains)."""
    n = chains.shape[0]
    means = chains.mean(axis=0)
    w = float(chains.var(axis=0, ddof=1).mean())
    b = n * float(means.var(ddof=1))
    if w == 0.0:
        return float("nan")
    var_plus = (n - 1) / n * w + b / n
    return math.sqrt(var_plus / w)


def hierarchical_bayes(
    results: Sequence[LabResult],
    *,
    tau_prior_scale: float | str = "mad",
    sigma_prior_scale: float | None = None,
    chains: int = 32,
    iterations: int = 5_000,
    burn_in: int = 1_000,
    seed: int | None = 1,
    coverage_probability: float = 0.95,
    alpha: float = 0.05,
) -> ReferenceValue:
    """Hierarchical-Bayes consensus value (posterior mean of μ), its posterior sd and interval.

    ``iterations`` are kept per chain after ``burn_in``; the total number of posterior draws is
    ``chains × iterations``. ``tau`` is the posterior mean of τ (as NICOB reports).
    """
    p = _check_prob(coverage_probability)
    alpha = _check_alpha(alpha)
    for name, v in (("chains", chains), ("iterations", iterations), ("burn_in", burn_in)):
        if isinstance(v, bool) or not isinstance(v, int) or v < (0 if name == "burn_in" else 2):
            raise ValueError(f"{name} must be a suitable integer, got {v!r}")
    used = _used(results)
    x, u, nu = arrays(used)
    n = x.size
    notes: list[str] = []
    if isinstance(tau_prior_scale, str):
        if tau_prior_scale not in ("mad", "mad-unscaled"):
            raise ValueError(f"tau_prior_scale must be 'mad', 'mad-unscaled' or a number, got {tau_prior_scale!r}")
        a_scale = (1.4826 if tau_prior_scale == "mad" else 1.0) * float(np.median(np.abs(x - np.median(x))))
        if a_scale <= 0.0:
            a_scale = float(np.median(u))
            notes.append("mad(x) = 0; median(u) used as the scale of the half-Cauchy prior on τ")
    else:
        a_scale = float(tau_prior_scale)
    if not (math.isfinite(a_scale) and a_scale > 0):
        raise ValueError(f"tau_prior_scale must be positive, got {tau_prior_scale!r}")
    b_scale = float(np.median(u)) if sigma_prior_scale is None else float(sigma_prior_scale)
    if not (math.isfinite(b_scale) and b_scale > 0):
        raise ValueError(f"sigma_prior_scale must be positive, got {sigma_prior_scale!r}")
    est = np.isfinite(nu)  # σ_j estimated where ν_j is given
    nu_e = np.where(est, nu, 0.0)

    rng, used_seed = make_rng(seed)
    c = chains
    sig2 = np.broadcast_to(u**2, (c, n)).copy()
    log_tau = np.log(a_scale) + 0.5 * rng.standard_normal(c)
    b_aux = np.ones((c, n))
    step = 1.0
    lp = _log_tau_target(log_tau, sig2, x, a_scale)
    total = burn_in + iterations
    mu_out = np.empty((iterations, c))
    tau_out = np.empty((iterations, c))
    sig_out = np.empty((iterations, c, n)) if np.any(est) else None
    accepted = 0
    proposals = 0
    for it in range(total):
        # 1. log τ | σ, x  (random-walk Metropolis, two steps)
        for _ in range(2):
            prop = log_tau + step * rng.standard_normal(c)
            lp_prop = _log_tau_target(prop, sig2, x, a_scale)
            acc = np.log(rng.random(c)) < lp_prop - lp
            log_tau = np.where(acc, prop, log_tau)
            lp = np.where(acc, lp_prop, lp)
            if it < burn_in:
                rate = float(np.mean(acc))
                step *= math.exp(0.05 * (rate - 0.44))
            else:
                accepted += int(np.count_nonzero(acc))
                proposals += c
        tau2 = np.exp(2.0 * log_tau)
        # 2. μ | τ, σ, x
        w = 1.0 / (tau2[:, None] + sig2)
        prec = np.sum(w, axis=1) + _MU_PRIOR_PRECISION
        mu = np.sum(w * x, axis=1) / prec + rng.standard_normal(c) / np.sqrt(prec)
        if np.any(est):
            # 3. ξ | μ, τ, σ, x
            pj = 1.0 / tau2[:, None] + 1.0 / sig2
            mj = (mu[:, None] / tau2[:, None] + x / sig2) / pj
            xi = mj + rng.standard_normal((c, n)) / np.sqrt(pj)
            # 4. σ_j² | ξ_j (conjugate with the half-Cauchy scale mixture), then the auxiliary b_j
            rate = 0.5 * ((x - xi) ** 2 + nu_e * u**2) + 1.0 / b_aux
            new_sig2 = _inv_gamma(rng, 1.0 + 0.5 * nu_e, rate)
            sig2 = np.where(est, new_sig2, u**2)
            b_aux = _inv_gamma(rng, 1.0, 1.0 / b_scale**2 + 1.0 / sig2)
            lp = _log_tau_target(log_tau, sig2, x, a_scale)
        if it >= burn_in:
            k = it - burn_in
            mu_out[k] = mu
            tau_out[k] = np.sqrt(tau2)
            if sig_out is not None:
                sig_out[k] = np.sqrt(sig2)
    mu_draws = mu_out.reshape(-1)
    tau_draws = tau_out.reshape(-1)
    value = float(np.mean(mu_draws))
    uy = float(np.std(mu_draws, ddof=1))
    lo, hi = np.quantile(mu_draws, [(1 - p) / 2, (1 + p) / 2])
    big_u = float(symmetric_half_width(mu_draws, value, p))
    r_hat_mu = _r_hat(mu_out)
    r_hat_tau = _r_hat(tau_out)
    if max(r_hat_mu, r_hat_tau) > 1.01:
        notes.append(
            f"MCMC may not have converged (R̂ μ = {r_hat_mu:.3f}, τ = {r_hat_tau:.3f}); increase iterations"
        )
    sigma_draws = None if sig_out is None else sig_out.reshape(-1, n)
    details = {
        "tau_prior_scale_value": a_scale,
        "tau_posterior_median": float(np.median(tau_draws)),
        "tau_interval": (float(np.quantile(tau_draws, (1 - p) / 2)), float(np.quantile(tau_draws, (1 + p) / 2))),
        "r_hat_mu": r_hat_mu,
        "r_hat_tau": r_hat_tau,
        "tau_acceptance_rate": accepted / proposals if proposals else float("nan"),
        "sigma_posterior_mean": None
        if sigma_draws is None
        else {r.lab: float(s) for r, s in zip(used, sigma_draws.mean(axis=0), strict=True)},
    }
    return ReferenceValue(
        method="hierarchical-bayes",
        value=value,
        standard_uncertainty=uy,
        expanded_uncertainty=big_u,
        coverage_factor=big_u / uy if uy > 0 else float("nan"),
        coverage_interval=(float(lo), float(hi)),
        coverage_probability=p,
        labs=tuple(r.lab for r in used),
        sensitivity=tuple(float("nan") for _ in used),
        consistency=_consistency(x, u, alpha),
        options=MappingProxyType({
            "tau_prior_scale": tau_prior_scale,
            "sigma_prior_scale": b_scale,
            "chains": chains,
            "iterations": iterations,
            "burn_in": burn_in,
            "seed": used_seed,
            "coverage_probability": p,
            "alpha": alpha,
        }),
        tau=float(np.mean(tau_draws)),
        monte_carlo=MonteCarloInfo(seed=used_seed, trials=mu_draws.size, method="MCMC (partially collapsed Gibbs)"),
        details=MappingProxyType(details),
        notes=tuple(notes),
        draws=mu_draws,
        tau_draws=tau_draws,
        sigma_draws=sigma_draws,
    )
