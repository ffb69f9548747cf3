"""Monte Carlo helpers shared by the comparison methods (seeded, vectorised)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

# NICOB (Koepke et al. 2017) scaling of Student's t for ν <= 2, where the variance is infinite.
_PHI_A = 0.4668994
_PHI_B = -0.3998882


@dataclass(frozen=True, slots=True)
class MonteCarloInfo:
    """How a Monte Carlo figure was obtained: the seed actually used and the number of trials."""

    seed: int
    trials: int
    method: str


def make_rng(seed: int | None) -> tuple[np.random.Generator, int]:
    """A PCG64 generator and the integer seed that reproduces it (fresh entropy when ``None``)."""
    if seed is None:
        ss = np.random.SeedSequence()
        used = int(ss.entropy)  # type: ignore[arg-type]
    else:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
        used = int(seed)
    return np.random.Generator(np.random.PCG64(used)), used


def check_trials(trials: int, *, minimum: int = 100) -> int:
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < minimum:
        raise ValueError(f"trials must be an integer >= {minimum}, got {trials!r}")
    return int(trials)


def t_scale(nu: FloatArray) -> FloatArray:
    """φ(ν) such that u·t_ν/φ has standard deviation u (ν > 2); NICOB's substitute for ν <= 2."""
    nu = np.asarray(nu, dtype=np.float64)
    out = np.ones_like(nu)
    big = np.isfinite(nu) & (nu > 2.0)
    out[big] = np.sqrt(nu[big] / (nu[big] - 2.0))
    small = np.isfinite(nu) & (nu <= 2.0)
    if np.any(small):
        v = nu[small]
        out[small] = 1.5 * (1.0 - 0.75 * (_PHI_A - 4.0 * _PHI_B * (v ** -0.75 - 1.0) / 3.0)) ** (-4.0 / 3.0)
    return out


def draw_errors(rng: np.random.Generator, u: FloatArray, nu: FloatArray, trials: int) -> FloatArray:
    """trials × n draws of the participants' errors: N(0, u²), or u·t_ν/φ(ν) where ν is finite."""
    n = u.size
    e = np.empty((trials, n), dtype=np.float64)
    finite = np.isfinite(nu)
    phi = t_scale(nu)
    for j in range(n):
        if finite[j]:
            e[:, j] = u[j] * rng.standard_t(nu[j], size=trials) / phi[j]
        else:
            e[:, j] = u[j] * rng.standard_normal(trials)
    return e


def symmetric_half_width(draws: FloatArray, centre: float | FloatArray, coverage: float) -> FloatArray:
    """Half-width U of the shortest interval centre ± U holding ``coverage`` of the draws.

    Column-wise for 2-D input. Same quantity as NICOB's ``symmetricalBootstrapCI`` (there found by
    bisection), computed directly as the ``coverage`` quantile of |draw − centre|.
    """
    dev = np.abs(np.asarray(draws) - centre)
    return np.asarray(np.quantile(dev, coverage, axis=0, method="inverted_cdf"), dtype=np.float64)
