"""Monte Carlo method for the propagation of distributions (JCGM 101:2008 = JJF 1059.2-2012).

* Vectorised sampling with :class:`numpy.random.Generator` (PCG64); the seed is always recorded in
  the result so a run can be repeated exactly.  Inputs are sampled in the order of their *names*,
  so the result for a given seed does not depend on the order in which inputs were listed.
* Correlated inputs (JCGM 101 §6.4.8): normal inputs jointly normal through a factor of the
  correlation matrix (Cholesky-type, eigen-decomposition so that singular PSD matrices work);
  Student-t inputs of one ensemble jointly multivariate t; other distributions through a Gaussian
  copula (the rank correlation is then approximately r).  The model constructor has already
  rejected matrices that are not positive semi-definite.
* Probabilistically symmetric (§7.7.1) and shortest (§7.7.2) coverage intervals.
* The adaptive procedure of §7.9 with the numerical tolerance of §7.9.2
  (:func:`numerical_tolerance`).
* :func:`validate_gum` is the §8 comparison of the GUF interval with the MCM interval.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import special, stats

from jiliang.core.uncertainty.errors import EvaluationError, ModelError
from jiliang.core.uncertainty.gum import OutputResult
from jiliang.core.uncertainty.model import Model

IntervalType = Literal["symmetric", "shortest"]

DEFAULT_TRIALS = 1_000_000
DEFAULT_MAX_TRIALS = 20_000_000


def numerical_tolerance(z: float, significant_digits: int = 2) -> float:
    """δ of JCGM 101 §7.9.2: write z = c × 10^l with c an n_dig-digit integer; δ = ½ × 10^l."""
    if not isinstance(significant_digits, int) or significant_digits < 1:
        raise ModelError("significant_digits must be an integer ≥ 1", field="significant_digits")
    if not math.isfinite(z) or z == 0:
        raise ModelError(f"numerical tolerance needs a finite non-zero value, got {z!r}", field="significant_digits")
    z = abs(z)
    ell = math.floor(math.log10(z)) - significant_digits + 1
    c = round(z / 10.0**ell)
    if c >= 10**significant_digits:
        ell += 1
    return 0.5 * 10.0**ell


# ------------------------------------------------------------------------------------------------
# sampling
# ------------------------------------------------------------------------------------------------
class Sampler:
    """Draws joint samples of the input quantities of a model."""

    def __init__(self, model: Model) -> None:
        self.model = model
        names = model.input_names
        R = model.correlation
        n = len(names)
        # connected components of the correlation graph, visited in name order
        order = sorted(range(n), key=lambda i: names[i])
        seen: set[int] = set()
        self.groups: list[list[int]] = []
        for i in order:
            if i in seen:
                continue
            comp, stack = [], [i]
            seen.add(i)
            while stack:
                a = stack.pop()
                comp.append(a)
                for b in range(n):
                    if b not in seen and R[a, b] != 0.0:
                        seen.add(b)
                        stack.append(b)
            self.groups.append(sorted(comp, key=lambda j: names[j]))
        self.factors: dict[int, np.ndarray] = {}
        for gi, g in enumerate(self.groups):
            if len(g) > 1:
                w, v = np.linalg.eigh(R[np.ix_(g, g)])
                self.factors[gi] = v * np.sqrt(np.clip(w, 0.0, None))

    def draw(self, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
        """``size`` joint draws; returns input name → array."""
        model = self.model
        names = model.input_names
        out: dict[str, np.ndarray] = {}
        for gi, g in enumerate(self.groups):
            if len(g) == 1:
                inp = model.inputs[names[g[0]]]
                out[inp.name] = inp.sample(rng, size)
                continue
            z = self.factors[gi] @ rng.standard_normal((len(g), size))
            members = [model.inputs[names[i]] for i in g]
            dists = {m.distribution for m in members}
            if dists == {"normal"}:
                for row, m in zip(z, members, strict=True):
                    out[m.name] = m.value + m.standard_uncertainty * row
            elif dists == {"student_t"} and len({m.dof for m in members}) == 1:
                nu = members[0].dof
                w = np.sqrt(rng.chisquare(nu, size) / nu)
                for row, m in zip(z, members, strict=True):
                    out[m.name] = m.value + m.standard_uncertainty * row / w
            else:
                for row, m in zip(z, members, strict=True):
                    out[m.name] = m.ppf(special.ndtr(row))
        return out


# ------------------------------------------------------------------------------------------------
# results
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Histogram:
    """Histogram of the Monte Carlo output values (density, normalised by all trials)."""

    edges: np.ndarray
    density: np.ndarray
    outside: int


@dataclass(frozen=True)
class McmOutput:
    """MCM result for one output quantity (JCGM 101 §7.5–7.7)."""

    name: str
    value: float
    standard_uncertainty: float
    interval: tuple[float, float]
    interval_type: IntervalType
    coverage_probability: float
    trials: int
    histogram: Histogram | None = field(default=None, repr=False)
    samples: np.ndarray | None = field(default=None, repr=False)
    unit: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict."""
        return {
            "name": self.name,
            "unit": self.unit,
            "value": self.value,
            "standard_uncertainty": self.standard_uncertainty,
            "interval": list(self.interval),
            "interval_type": self.interval_type,
            "coverage_probability": self.coverage_probability,
            "trials": self.trials,
        }


@dataclass(frozen=True)
class AdaptiveInfo:
    """Record of the adaptive procedure (JCGM 101 §7.9.4)."""

    block_size: int
    blocks: int
    significant_digits: int
    tolerance: dict[str, float]
    twice_std: dict[str, dict[str, float]]
    converged: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict."""
        return {
            "block_size": self.block_size,
            "blocks": self.blocks,
            "significant_digits": self.significant_digits,
            "tolerance": self.tolerance,
            "twice_std": self.twice_std,
            "converged": self.converged,
        }


@dataclass(frozen=True)
class McmResult:
    """Result of :func:`monte_carlo` for all outputs of a model."""

    outputs: Mapping[str, McmOutput]
    output_names: tuple[str, ...]
    trials: int
    seed: int
    coverage_probability: float
    interval_type: IntervalType
    adaptive: AdaptiveInfo | None = None
    covariance: np.ndarray | None = field(default=None, repr=False)
    correlation: np.ndarray | None = field(default=None, repr=False)

    def __getitem__(self, name: str) -> McmOutput:
        return self.outputs[name]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict."""
        d: dict[str, Any] = {
            "method": "Monte Carlo (JCGM 101)" + (", adaptive §7.9" if self.adaptive else ""),
            "trials": self.trials,
            "seed": self.seed,
            "coverage_probability": self.coverage_probability,
            "interval_type": self.interval_type,
            "outputs": {n: o.to_dict() for n, o in self.outputs.items()},
            "adaptive": self.adaptive.to_dict() if self.adaptive else None,
        }
        if self.covariance is not None and self.correlation is not None:
            d["covariance"] = self.covariance.tolist()
            d["correlation"] = self.correlation.tolist()
        return d


def _select(y: np.ndarray, ranks: list[int]) -> np.ndarray:
    """Order statistics y_(r) for a few neighbouring ranks, exactly, without partitioning all of y.

    The values are i.i.d. draws, so a strided subsample locates a narrow bracket [a, b] around the
    ranks; only the values inside it are partitioned.  Falls back to a full partition if the
    bracket misses (never wrong, only slower).
    """
    M = y.shape[0]
    if M < 100_000:
        return np.asarray(np.partition(y, ranks)[ranks])
    sub = np.sort(y[:: M // 20_000])
    n = sub.shape[0]
    lo_r, hi_r = ranks[0], ranks[-1]
    q_lo, q_hi = lo_r / M, hi_r / M
    margin = int(6.0 * math.sqrt(n * max(q_lo * (1 - q_lo), 1.0 / n))) + 8
    ia, ib = int(q_lo * n) - margin, int(q_hi * n) + margin
    a = sub[ia] if ia > 0 else -np.inf
    b = sub[ib] if ib < n - 1 else np.inf
    below = int(np.count_nonzero(y < a))
    cand = y[(y >= a) & (y <= b)]
    if below <= lo_r and hi_r < below + cand.shape[0]:
        rel = [r - below for r in ranks]
        return np.asarray(np.partition(cand, rel)[rel])
    return np.asarray(np.partition(y, ranks)[ranks])  # pragma: no cover - bracket missed


def _quantile(y: np.ndarray, q: float) -> float:
    """Same as ``np.quantile(y, q)`` (linear interpolation between order statistics)."""
    M = y.shape[0]
    h = (M - 1) * q
    k = int(math.floor(h))
    frac = h - k
    if frac == 0.0 or k + 1 >= M:
        return float(_select(y, [k])[0])
    lo, hi = _select(y, [k, k + 1])
    return float(lo + (hi - lo) * frac)


def symmetric_interval(y: np.ndarray, p: float) -> tuple[float, float]:
    """Probabilistically symmetric 100p % coverage interval (JCGM 101 §7.7.1): the (1−p)/2 and
    (1+p)/2 quantiles of the Monte Carlo values (``np.quantile`` convention)."""
    return _quantile(y, (1.0 - p) / 2.0), _quantile(y, (1.0 + p) / 2.0)


def shortest_interval(y: np.ndarray, p: float, *, presorted: bool = False) -> tuple[float, float]:
    """Shortest 100p % coverage interval (JCGM 101 §7.7.2)."""
    ys = y if presorted else np.sort(y)
    M = ys.shape[0]
    pm = p * M
    q = int(pm) if float(pm).is_integer() else int(pm + 0.5)
    q = min(max(q, 1), M - 1)
    widths = ys[q:] - ys[: M - q]
    r = int(np.argmin(widths))
    return float(ys[r]), float(ys[r + q])


def _interval(y: np.ndarray, p: float, kind: IntervalType) -> tuple[float, float]:
    return symmetric_interval(y, p) if kind == "symmetric" else shortest_interval(y, p)


def _histogram(y: np.ndarray, bins: int) -> Histogram:
    lo, hi = np.quantile(y, [0.0005, 0.9995])
    pad = 0.05 * (hi - lo) if hi > lo else max(abs(lo) * 1e-6, 1e-12)
    counts, edges = np.histogram(y, bins=bins, range=(lo - pad, hi + pad))
    width = edges[1] - edges[0]
    density = counts / (y.shape[0] * width)
    return Histogram(edges=edges, density=density, outside=int(y.shape[0] - counts.sum()))


# ------------------------------------------------------------------------------------------------
# running the model
# ------------------------------------------------------------------------------------------------
def _check_options(trials: int, p: float, kind: str) -> None:
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)) or trials < 2:
        raise ModelError(f"number of Monte Carlo trials must be an integer ≥ 2, got {trials!r}", field="trials")
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 < p < 1.0:
        raise ModelError(f"coverage probability must be strictly between 0 and 1, got {p!r}",
                         field="coverage_probability")
    if kind not in ("symmetric", "shortest"):
        raise ModelError(f"interval must be 'symmetric' or 'shortest', got {kind!r}", field="interval")


def _seed(seed: int | None) -> int:
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ModelError(f"seed must be a non-negative integer, got {seed!r}", field="seed")
    return int(seed)


def _run_block(model: Model, sampler: Sampler, rng: np.random.Generator, size: int) -> dict[str, np.ndarray]:
    draws = sampler.draw(rng, size)
    with np.errstate(all="ignore"):
        res = model._run(draws)
    out: dict[str, np.ndarray] = {}
    for o in model.output_names:
        y = np.asarray(res[o], dtype=float)
        if y.shape != (size,):
            y = np.broadcast_to(y, (size,)).copy()
        if not np.isfinite(y).all():
            bad = np.flatnonzero(~np.isfinite(y))
            j = int(bad[0])
            point = ", ".join(f"{n} = {draws[n][j]:.6g}" for n in model.input_names)
            raise EvaluationError(
                f"{bad.size} of {size} Monte Carlo trials give a non-finite value for output {o!r} "
                f"(e.g. at {point}); the model is undefined on part of the input distributions",
                quantity=o,
                field="value",
            )
        out[o] = y
    return out


#: trials per chunk of the fixed-M procedure; each chunk has its own child seed, so results depend on
#: the seed only (not on the number of worker threads)
CHUNK = 1 << 17


def _default_workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def _run_fixed(model: Model, sampler: Sampler, seed: int, trials: int, workers: int) -> dict[str, np.ndarray]:
    """Fixed-M run in chunks of :data:`CHUNK` trials, in parallel threads (numpy releases the GIL)."""
    n_chunks = -(-trials // CHUNK)
    seqs = np.random.SeedSequence(seed).spawn(n_chunks)
    outs = {o: np.empty(trials) for o in model.output_names}

    def work(c: int) -> None:
        lo = c * CHUNK
        size = min(CHUNK, trials - lo)
        rng = np.random.Generator(np.random.PCG64(seqs[c]))
        for o, y in _run_block(model, sampler, rng, size).items():
            outs[o][lo:lo + size] = y

    if workers > 1 and n_chunks > 1:
        with ThreadPoolExecutor(max_workers=min(workers, n_chunks)) as ex:
            list(ex.map(work, range(n_chunks)))
    else:
        for c in range(n_chunks):
            work(c)
    return outs


def monte_carlo(
    model: Model,
    *,
    trials: int = DEFAULT_TRIALS,
    seed: int | None = None,
    coverage_probability: float = 0.95,
    interval: IntervalType = "symmetric",
    adaptive: bool = False,
    significant_digits: int = 2,
    max_trials: int = DEFAULT_MAX_TRIALS,
    block_size: int | None = None,
    histogram_bins: int | None = None,
    keep_samples: bool = False,
    workers: int | None = None,
) -> McmResult:
    """Propagate the input distributions through the model (JCGM 101 clause 7).

    With ``adaptive=False`` exactly ``trials`` trials are made.  With ``adaptive=True`` the
    procedure of §7.9.4 runs blocks of ``block_size`` trials (default max(100/(1−p), 10⁴)) until
    twice the standard deviation of the block estimates of y, u(y), y_low and y_high is within
    the numerical tolerance δ of u(y) for ``significant_digits`` (§7.9.2), or until
    ``max_trials`` (then ``adaptive.converged`` is False).  ``seed=None`` draws a fresh seed, which
    is recorded in the result.  A fixed-M run is split into chunks with their own child seeds
    (``SeedSequence(seed).spawn``) and evaluated on ``workers`` threads (default: the number of
    CPUs, at most 8); the result depends on the seed only.  A model callable must then be
    thread-safe (pass ``workers=1`` otherwise).
    """
    p = coverage_probability
    _check_options(trials, p, interval)
    s = _seed(seed)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
        raise ModelError(f"workers must be an integer ≥ 1, got {workers!r}", field="workers")
    sampler = Sampler(model)
    info: AdaptiveInfo | None = None
    if not adaptive:
        M = int(trials)
        ys = _run_fixed(model, sampler, s, M, workers or _default_workers())
    else:
        rng = np.random.default_rng(s)
        ys, M, info = _adaptive(model, sampler, rng, p, interval, significant_digits, max_trials, block_size)
    outputs: dict[str, McmOutput] = {}
    for o in model.output_names:
        y = ys[o]
        mean = float(np.mean(y))
        sd = float(np.std(y, ddof=1))
        outputs[o] = McmOutput(
            name=o,
            value=mean,
            standard_uncertainty=sd,
            interval=_interval(y, p, interval),
            interval_type=interval,
            coverage_probability=p,
            trials=M,
            histogram=_histogram(y, histogram_bins) if histogram_bins else None,
            samples=y if keep_samples else None,
            unit=model.units.get(o),
        )
    cov: np.ndarray | None = None
    corr: np.ndarray | None = None
    if len(model.output_names) > 1:
        stacked = np.vstack([ys[o] for o in model.output_names])
        cov = np.atleast_2d(np.cov(stacked))
        sdv = np.sqrt(np.diag(cov))
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = np.where(np.outer(sdv, sdv) > 0, cov / np.outer(sdv, sdv), 0.0)
        np.fill_diagonal(corr, 1.0)
    return McmResult(
        outputs=outputs,
        output_names=model.output_names,
        trials=M,
        seed=s,
        coverage_probability=p,
        interval_type=interval,
        adaptive=info,
        covariance=cov,
        correlation=corr,
    )


def _adaptive(
    model: Model,
    sampler: Sampler,
    rng: np.random.Generator,
    p: float,
    kind: IntervalType,
    ndig: int,
    max_trials: int,
    block_size: int | None,
) -> tuple[dict[str, np.ndarray], int, AdaptiveInfo]:
    if not isinstance(ndig, int) or isinstance(ndig, bool) or ndig < 1:
        raise ModelError(f"significant_digits must be an integer ≥ 1, got {ndig!r}", field="significant_digits")
    J = math.ceil(100.0 / (1.0 - p))
    Mb = int(block_size) if block_size else max(J, 10_000)
    if Mb < J:
        raise ModelError(f"block_size must be at least 100/(1 − p) = {J}", field="block_size")
    if max_trials < 2 * Mb:
        raise ModelError(f"max_trials must be at least two blocks ({2 * Mb})", field="max_trials")
    outs = model.output_names
    blocks: dict[str, list[np.ndarray]] = {o: [] for o in outs}
    stats_: dict[str, dict[str, list[float]]] = {o: {"y": [], "u": [], "low": [], "high": []} for o in outs}
    # running pooled mean / sum of squares of all values, for u(y) of all h·M values
    pooled_n = 0
    pooled_mean = {o: 0.0 for o in outs}
    pooled_m2 = {o: 0.0 for o in outs}
    h = 0
    converged = False
    tol: dict[str, float] = {}
    twice: dict[str, dict[str, float]] = {}
    while True:
        res = _run_block(model, sampler, rng, Mb)
        h += 1
        for o in outs:
            y = res[o]
            blocks[o].append(y)
            bm = float(y.mean())
            bm2 = float(((y - bm) ** 2).sum())
            st = stats_[o]
            st["y"].append(bm)
            st["u"].append(math.sqrt(bm2 / (Mb - 1)))
            lo, hi = _interval(y, p, kind)
            st["low"].append(lo)
            st["high"].append(hi)
            # Chan et al. parallel update
            delta = bm - pooled_mean[o]
            tot = pooled_n + Mb
            pooled_mean[o] += delta * Mb / tot
            pooled_m2[o] += bm2 + delta * delta * pooled_n * Mb / tot
        pooled_n += Mb
        if h == 1:
            continue
        all_ok = True
        for o in outs:
            u_all = math.sqrt(pooled_m2[o] / (pooled_n - 1))
            if u_all == 0.0:
                d = 0.0
            else:
                d = numerical_tolerance(u_all, ndig)
            tol[o] = d
            twice[o] = {}
            for key, vals in stats_[o].items():
                arr = np.asarray(vals)
                s_ = float(np.std(arr, ddof=1) / math.sqrt(h))
                twice[o][key] = 2.0 * s_
                if 2.0 * s_ > d:
                    all_ok = False
        if all_ok:
            converged = True
            break
        if pooled_n + Mb > max_trials:
            break
    ys = {o: np.concatenate(blocks[o]) for o in outs}
    info = AdaptiveInfo(block_size=Mb, blocks=h, significant_digits=ndig, tolerance=tol, twice_std=twice,
                        converged=converged)
    return ys, pooled_n, info


# ------------------------------------------------------------------------------------------------
# §8 validation
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Validation:
    """JCGM 101 §8: is the GUF interval y ± U_p confirmed by the MCM interval [y_low, y_high]?"""

    output: str
    gum_interval: tuple[float, float]
    mcm_interval: tuple[float, float]
    d_low: float
    d_high: float
    tolerance: float
    significant_digits: int
    validated: bool

    @property
    def verdict(self) -> str:
        """Short verdict text."""
        if self.validated:
            return "GUF validated: d_low and d_high do not exceed δ (JCGM 101 §8)"
        return "GUF not validated: d_low or d_high exceeds δ; use the Monte Carlo result (JCGM 101 §8)"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dict."""
        return {
            "output": self.output,
            "gum_interval": list(self.gum_interval),
            "mcm_interval": list(self.mcm_interval),
            "d_low": self.d_low,
            "d_high": self.d_high,
            "tolerance": self.tolerance,
            "significant_digits": self.significant_digits,
            "validated": self.validated,
            "verdict": self.verdict,
        }


def validate_gum(gum: OutputResult, mcm: McmOutput, significant_digits: int = 2) -> Validation:
    """Compare the GUF coverage interval with the MCM interval (JCGM 101 §8.2).

    d_low = |y − U_p − y_low|, d_high = |y + U_p − y_high|; the GUF is validated when both are at
    most δ, the numerical tolerance of u(y) for ``significant_digits`` (§7.9.2).  The GUF interval
    is taken for the coverage probability of the MCM run (recomputing k_p from the effective dof if
    the GUM result used a stated k).  If u(y) of the GUF is zero, δ comes from the MCM u(y).
    """
    p = mcm.coverage_probability
    if gum.coverage_probability is not None and abs(gum.coverage_probability - p) < 1e-12:
        U = gum.expanded_uncertainty
    else:
        nu = gum.dof_for_coverage
        q = 0.5 * (1.0 + p)
        k = float(stats.norm.ppf(q)) if not math.isfinite(nu) else float(stats.t.ppf(q, nu))
        U = k * gum.standard_uncertainty
    base = gum.standard_uncertainty if gum.standard_uncertainty > 0 else mcm.standard_uncertainty
    if base == 0:
        delta = 0.0
    else:
        delta = numerical_tolerance(base, significant_digits)
    low, high = gum.value - U, gum.value + U
    d_low = abs(gum.value - U - mcm.interval[0])
    d_high = abs(gum.value + U - mcm.interval[1])
    return Validation(
        output=gum.name,
        gum_interval=(low, high),
        mcm_interval=mcm.interval,
        d_low=d_low,
        d_high=d_high,
        tolerance=delta,
        significant_digits=significant_digits,
        validated=bool(d_low <= delta and d_high <= delta),
    )
