"""Benchmark of jiliang.core.uncertainty (issue 3).  Not part of the test suite.

Run:  python bench/bench_uncertainty.py [--quick] [mc] [lpu] [adaptive]   (default: all sections)

Sections (each prints ratios against baselines measured in the same run):

1. Monte Carlo, M = 10⁶, for GUM H.1 and y = x₁x₂/x₃:
   jiliang ``monte_carlo`` vs a hand-written numpy evaluation of the same draws (target ≤ 1.5× its
   time) and vs suncal ``Model.monte_carlo`` + ``expand`` if installed (target ≥ 2× faster).
2. Law of propagation vectorised over 100 000 records of a 10-input model: ``propagate_many`` vs
   the ``uncertainties`` package evaluating the records one by one (target ≥ 100× faster) and vs
   GTC (``ureal``) one by one, if installed.
3. Adaptive Monte Carlo (JCGM 101 §7.9): trials used and time against a fixed 10⁶, and whether the
   numerical tolerance was met.

Optional baselines: ``pip install uncertainties GTC suncal`` (the ``bench`` extra).  Timings are the
median of REPS runs after a warm-up; on a shared 2-core machine expect ±25 % noise — the ratios are
the robust quantity.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from jiliang.core.uncertainty import Input, Model, monte_carlo, numerical_tolerance, propagate, propagate_many

warnings.filterwarnings("ignore")
QUICK = "--quick" in sys.argv
REPS = 3 if QUICK else 5
M = 1_000_000
N_REC = 20_000 if QUICK else 100_000


def timeit(fn: Callable[[], Any], reps: int = REPS) -> tuple[float, Any]:
    fn()
    ts = []
    out = None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), out


def line(name: str, t: float, extra: str = "") -> None:
    print(f"  {name:46s} {t * 1e3:10.1f} ms  {extra}")
    sys.stdout.flush()


# ------------------------------------------------------------------------------------------------
# models
# ------------------------------------------------------------------------------------------------
H1_EXPR = "l = l_S + d_bar + d_1 + d_2 - l_S*(delta_alpha*(theta_bar + Delta) + alpha_S*delta_theta)"
H1_INPUTS = [
    Input.normal("l_S", 50000623, 25, dof=18),
    Input.normal("d_bar", 215, 5.8, dof=24),
    Input.normal("d_1", 0, 3.9, dof=5),
    Input.normal("d_2", 0, 6.7, dof=8),
    Input.rectangular("alpha_S", 11.5e-6, 2e-6),
    Input.normal("theta_bar", -0.1, 0.2),
    Input.arcsine("Delta", 0, 0.5),
    Input.rectangular("delta_alpha", 0, 1e-6, dof=50),
    Input.rectangular("delta_theta", 0, 0.05, dof=2),
]
H1 = Model(H1_EXPR, H1_INPUTS)
RATIO = Model("y = x1*x2/x3", [Input.normal("x1", 10.0, 0.1), Input.normal("x2", 5.0, 0.05),
                               Input.normal("x3", 2.0, 0.02)])


def numpy_h1(p: float) -> Callable[[], tuple[float, float, float, float]]:
    def run() -> tuple[float, float, float, float]:
        rng = np.random.default_rng(1)
        lS = 50000623 + 25 * rng.standard_normal(M)
        d0 = 215 + 5.8 * rng.standard_normal(M)
        d1 = 3.9 * rng.standard_normal(M)
        d2 = 6.7 * rng.standard_normal(M)
        aS = rng.uniform(11.5e-6 - 2e-6, 11.5e-6 + 2e-6, M)
        th = -0.1 + 0.2 * rng.standard_normal(M)
        De = -0.5 * np.cos(np.pi * rng.random(M))
        da = rng.uniform(-1e-6, 1e-6, M)
        dt = rng.uniform(-0.05, 0.05, M)
        y = lS + d0 + d1 + d2 - lS * (da * (th + De) + aS * dt)
        lo, hi = np.quantile(y, [(1 - p) / 2, (1 + p) / 2])
        return float(y.mean()), float(y.std(ddof=1)), float(lo), float(hi)
    return run


def numpy_ratio() -> tuple[float, float, float, float]:
    rng = np.random.default_rng(1)
    x1 = 10.0 + 0.1 * rng.standard_normal(M)
    x2 = 5.0 + 0.05 * rng.standard_normal(M)
    x3 = 2.0 + 0.02 * rng.standard_normal(M)
    y = x1 * x2 / x3
    lo, hi = np.quantile(y, [0.025, 0.975])
    return float(y.mean()), float(y.std(ddof=1)), float(lo), float(hi)


def suncal_h1(p: float) -> Callable[[], Any] | None:
    try:
        from suncal import Model as SModel
    except Exception:
        return None
    m = SModel(H1_EXPR)
    for inp in H1_INPUTS:
        v = m.var(inp.name).measure(inp.value)
        df = inp.dof if math.isfinite(inp.dof) else float("inf")
        if inp.distribution == "rectangular":
            v.typeb(dist="uniform", a=inp.half_width, df=df)
        elif inp.distribution == "arcsine":
            v.typeb(dist="arcsine", a=inp.half_width, df=df)
        else:
            v.typeb(dist="normal", unc=inp.standard_uncertainty, k=1, df=df)

    def run() -> Any:
        mc = m.monte_carlo(samples=M)
        e = mc.expand("l", conf=p)
        return float(mc.expected["l"]), float(mc.uncertainty["l"]), float(e.low), float(e.high)
    return run


def suncal_ratio() -> Callable[[], Any] | None:
    try:
        from suncal import Model as SModel
    except Exception:
        return None
    m = SModel("y = x1*x2/x3")
    for n, mu, sd in (("x1", 10.0, 0.1), ("x2", 5.0, 0.05), ("x3", 2.0, 0.02)):
        m.var(n).measure(mu).typeb(std=sd)

    def run() -> Any:
        mc = m.monte_carlo(samples=M)
        e = mc.expand("y", conf=0.95)
        return float(mc.expected["y"]), float(mc.uncertainty["y"]), float(e.low), float(e.high)
    return run


def section_mc() -> None:
    print(f"--- 1. Monte Carlo, M = {M:,} trials (median of {REPS})")
    for label, model, p, np_fn, sc_fn in (
        ("GUM H.1", H1, 0.99, numpy_h1(0.99), suncal_h1(0.99)),
        ("y = x1*x2/x3", RATIO, 0.95, numpy_ratio, suncal_ratio()),
    ):
        out = model.output_names[0]
        print(f" {label}")
        t_np, r_np = timeit(np_fn)
        line("hand-written numpy (same draws, np.quantile)", t_np,
             f"y={r_np[0]:.8g} u={r_np[1]:.5g} [{r_np[2]:.8g}, {r_np[3]:.8g}]")
        t_j, r_j = timeit(lambda m=model, p=p: monte_carlo(m, trials=M, seed=1, coverage_probability=p))
        o = r_j[out]
        line("jiliang monte_carlo (symmetric interval)", t_j,
             f"y={o.value:.8g} u={o.standard_uncertainty:.5g} [{o.interval[0]:.8g}, {o.interval[1]:.8g}]")
        print(f"    ratio jiliang / numpy           = {t_j / t_np:6.2f}x   (target <= 1.5x)")
        if sc_fn is not None:
            t_s, r_s = timeit(sc_fn, reps=max(1, REPS - 2))
            line("suncal Model.monte_carlo + expand", t_s,
                 f"y={r_s[0]:.8g} u={r_s[1]:.5g} [{r_s[2]:.8g}, {r_s[3]:.8g}]")
            print(f"    ratio suncal / jiliang          = {t_s / t_j:6.2f}x   (target >= 2x faster)")
        else:
            print("    suncal not installed: skipped (pip install suncal)")


# ------------------------------------------------------------------------------------------------
# 2. vectorised propagation
# ------------------------------------------------------------------------------------------------
X0 = [10.0, 5.0, 2.0, 3.0, 4.0, 6.0, 3.0, 0.5, 2.0, 1.0]
EXPR10 = "y = x1*x2/x3 + x4*x5 - x6/x7 + sin(x8)*x9 + exp(x10/10)"


def f_generic(x: Any, sin: Any, exp: Any) -> Any:
    return x[0] * x[1] / x[2] + x[3] * x[4] - x[5] / x[6] + sin(x[7]) * x[8] + exp(x[9] / 10)


def section_lpu() -> None:
    print(f"--- 2. Law of propagation, 10-input model, {N_REC:,} records")
    rng = np.random.default_rng(0)
    values = np.array([v * (1 + 0.05 * rng.standard_normal(N_REC)) for v in X0])
    uncs = 0.01 * np.abs(values)
    model = Model(EXPR10, [Input.normal(f"x{i + 1}", v, 0.01 * abs(v)) for i, v in enumerate(X0)])
    vdict = {f"x{i + 1}": values[i] for i in range(10)}
    udict = {f"x{i + 1}": uncs[i] for i in range(10)}
    t_j, res = timeit(lambda: propagate_many(model, vdict, udict))
    u_j = res.standard_uncertainty["y"]
    line("jiliang propagate_many (exact AD, WS, k)", t_j, f"{t_j / N_REC * 1e6:.2f} µs/record")

    def one_by_one_single() -> float:
        out = 0.0
        for k in range(200):
            m = model.with_inputs(**{f"x{i + 1}": Input.normal(f"x{i + 1}", values[i, k], uncs[i, k])
                                     for i in range(10)})
            out = propagate(m)["y"].standard_uncertainty
        return out
    t_single, _ = timeit(one_by_one_single, reps=1)
    line("jiliang propagate, one record at a time", t_single / 200 * N_REC,
         f"(extrapolated from 200; {t_single / 200 * 1e6:.0f} µs/record)")

    try:
        from uncertainties import ufloat, umath

        def run_unc() -> np.ndarray:
            out = np.empty(N_REC)
            for k in range(N_REC):
                x = [ufloat(values[i, k], uncs[i, k]) for i in range(10)]
                out[k] = f_generic(x, umath.sin, umath.exp).std_dev
            return out
        t_u, u_u = timeit(run_unc, reps=1)
        line("uncertainties (ufloat/umath) one by one", t_u,
             f"max rel diff {np.max(np.abs(u_u - u_j) / u_j):.1e}")
        print(f"    ratio uncertainties / jiliang   = {t_u / t_j:8.1f}x   (target >= 100x)")
    except ImportError:
        print("    uncertainties not installed: skipped (pip install uncertainties)")
    try:
        from GTC import exp as gexp
        from GTC import sin as gsin
        from GTC import uncertainty, ureal

        def run_gtc() -> np.ndarray:
            out = np.empty(N_REC)
            for k in range(N_REC):
                x = [ureal(values[i, k], uncs[i, k]) for i in range(10)]
                out[k] = uncertainty(f_generic(x, gsin, gexp))
            return out
        t_g, u_g = timeit(run_gtc, reps=1)
        line("GTC (ureal) one by one", t_g, f"max rel diff {np.max(np.abs(u_g - u_j) / u_j):.1e}")
        print(f"    ratio GTC / jiliang             = {t_g / t_j:8.1f}x")
    except ImportError:
        print("    GTC not installed: skipped (pip install GTC)")


# ------------------------------------------------------------------------------------------------
# 3. adaptive
# ------------------------------------------------------------------------------------------------
def section_adaptive() -> None:
    print("--- 3. Adaptive Monte Carlo (JCGM 101 §7.9) vs fixed 10^6 trials")
    for label, model, p in (("GUM H.1", H1, 0.99), ("y = x1*x2/x3", RATIO, 0.95)):
        out = model.output_names[0]
        for ndig in (1, 2):
            t_a, ra = timeit(lambda m=model, p=p, nd=ndig: monte_carlo(
                m, adaptive=True, significant_digits=nd, seed=3, coverage_probability=p), reps=3)
            t_f, rf = timeit(lambda m=model, p=p: monte_carlo(m, trials=M, seed=4, coverage_probability=p), reps=3)
            info = ra.adaptive
            assert info is not None
            d = info.tolerance[out]
            met = all(v <= d for v in info.twice_std[out].values())
            du = abs(ra[out].standard_uncertainty - rf[out].standard_uncertainty)
            print(f"  {label:14s} n_dig={ndig}: adaptive {ra.trials:>9,} trials ({info.blocks} blocks) "
                  f"{t_a * 1e3:7.1f} ms vs fixed {M:,} {t_f * 1e3:7.1f} ms -> "
                  f"{ra.trials / M:5.1%} of the trials, {t_a / t_f:5.2f}x the time; "
                  f"δ = {d:.2g}, tolerance met: {met and info.converged}; "
                  f"|u_adaptive − u_fixed| = {du:.2g} ({'≤' if du <= d else '>'} δ; "
                  f"δ for u = {numerical_tolerance(rf[out].standard_uncertainty, ndig):.2g})")


if __name__ == "__main__":
    import scipy

    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, scipy {scipy.__version__}"
          + (" (quick)" if QUICK else ""))
    chosen = [a for a in sys.argv[1:] if not a.startswith("-")] or ["mc", "lpu", "adaptive"]
    if "mc" in chosen:
        section_mc()
    if "lpu" in chosen:
        section_lpu()
    if "adaptive" in chosen:
        section_adaptive()
