"""Benchmarks for issue 5 (comparisons and proficiency testing). Ratios against baselines run here.

1. A national proficiency test of 100,000 results: Algorithm A (ISO 13528 stopping rule) plus z and ζ
   scores with classification — jiliang (vectorised) vs pt13528 0.1.8 (target: ≥ 5× faster). pt13528
   is not a project dependency; install it separately (``pip install --target DIR pt13528`` and set
   ``PYTHONPATH=DIR``) to get this ratio, otherwise it is skipped.
2. DerSimonian–Laird parametric bootstrap with 10⁵ draws — jiliang (vectorised) vs a straightforward
   numpy loop (one DL fit per draw, the NICOB algorithm written out).

Run: ``python bench/bench_comparison.py``. Not part of the test suite.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from jiliang.core.comparison import LabResult, algorithm_a, dersimonian_laird, pt_scores


def _best(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def bench_pt(n: int = 100_000) -> None:
    rng = np.random.default_rng(2026)
    x = np.concatenate([rng.normal(10.0, 0.5, n - n // 50), rng.normal(14.0, 2.0, n // 50)])
    u = rng.uniform(0.1, 0.6, n)

    def ours() -> object:
        est = algorithm_a(x, stopping="iso13528")
        return pt_scores(x, est.location, sigma_pt=est.scale, u_x_pt=est.standard_uncertainty,
                         standard_uncertainties=u).counts

    t_ours = _best(ours)
    print(f"PT round, {n} results: jiliang {t_ours * 1e3:.1f} ms")
    try:
        from pt13528 import robust as pt_robust  # type: ignore[import-not-found]
        from pt13528 import scores as pt_sc
    except ImportError:
        print("  pt13528 not importable: baseline skipped (pip install --target DIR pt13528; PYTHONPATH=DIR)")
        return
    xl, ul = x.tolist(), u.tolist()

    def theirs() -> object:
        est = pt_robust.algorithm_a(xl, tol="sig3")
        x_pt, s = est["location"], est["scale"]
        u_pt = 1.25 * s / np.sqrt(len(xl))
        z = [pt_sc.z_score(v, x_pt, s) for v in xl]
        zeta = [pt_sc.zeta_score(v, x_pt, uu, u_pt) for v, uu in zip(xl, ul, strict=True)]
        return [pt_sc.classify_z(v) for v in z], [pt_sc.classify_z(v) for v in zeta]

    t_theirs = _best(theirs, repeat=1)
    ours_est = algorithm_a(x, stopping="iso13528")
    their_est = pt_robust.algorithm_a(xl, tol="sig3")
    assert abs(ours_est.location - their_est["location"]) < 1e-9 * abs(ours_est.location)
    print(f"  pt13528 0.1.8 {t_theirs * 1e3:.1f} ms  ->  ratio {t_theirs / t_ours:.1f}x (target >= 5x)")


def _dl(x: np.ndarray, u: np.ndarray) -> float:
    w = 1 / u**2
    yw = np.sum(w * x) / np.sum(w)
    q = np.sum(w * (x - yw) ** 2)
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    tau2 = max(0.0, (q - (len(x) - 1)) / c)
    ws = 1 / (u**2 + tau2)
    return float(np.sum(ws * x) / np.sum(ws))


def bench_dl(trials: int = 100_000) -> None:
    res = [LabResult("IRMM", 34.3, 1.03, 60), LabResult("KRISS", 32.9, 0.69, 4), LabResult("NARL", 34.53, 0.83, 18),
           LabResult("NIST", 32.42, 0.29, 2), LabResult("NMIJ", 31.9, 0.4, 13), LabResult("NRC", 35.8, 0.38, 60)]
    x = np.array([r.value for r in res])
    u = np.array([r.standard_uncertainty for r in res])
    nu = np.array([r.dof for r in res], dtype=float)
    mu = _dl(x, u)

    def ours() -> object:
        return dersimonian_laird(res, uncertainty="bootstrap", trials=trials, seed=1).standard_uncertainty

    def loop() -> object:
        rng = np.random.default_rng(1)
        n = len(x)
        w = 1 / u**2
        s1, s2, s3 = w.sum(), (w**2).sum(), (w**3).sum()
        c = s1 - s2 / s1
        q = np.sum(w * (x - np.sum(w * x) / s1) ** 2)
        t2m = (q - (n - 1)) / c
        eq = (n - 1) + c * t2m
        vq = 2 * (n - 1) + 4 * c * t2m + 2 * (s2 - 2 * s3 / s1 + s2**2 / s1**2) * t2m**2
        out = np.empty(trials)
        for k in range(trials):
            tau2 = max(0.0, (rng.gamma(eq**2 / vq, vq / eq) - (n - 1)) / c)
            xb = rng.normal(mu, np.sqrt(tau2 + u**2))
            ub = u * np.sqrt(nu / rng.chisquare(nu))
            out[k] = _dl(xb, ub)
        return float(np.std(out, ddof=1))

    t_ours = _best(ours)
    t_loop = _best(loop, repeat=1)
    print(f"DL bootstrap, {trials} draws: jiliang {t_ours * 1e3:.1f} ms, numpy loop {t_loop * 1e3:.0f} ms "
          f"->  ratio {t_loop / t_ours:.1f}x   (u: {ours():.4f} vs {loop():.4f})")


if __name__ == "__main__":
    bench_pt()
    bench_dl()
