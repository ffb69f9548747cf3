"""Benchmark: global conformity risks (PFA, PFR, conditional PFA) of jiliang.core.conformity.

Cases: the 6 NCSLI RP-19 rows (TUR 4 as σ_p/σ_test, ITP 60–99 %) and the 3 Deaver (2002) cases.
Compared in the same run with
  * suncal (risk.PFA / risk.PFR / risk.PFA_conditional, Simpson integration), if installed;
  * a seeded numpy Monte Carlo simulation with 10⁶ trials per case (the brute-force baseline).
Printed: median wall time per full case set (5 repeats after a warm-up), the ratio to jiliang, and
the largest deviation from the published reference values (in probability units).

Run:  .venv/bin/python bench/conformity_risk.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np
from scipy import stats

from jiliang.core.conformity import global_risks, process_standard_deviation_from_itp

REPS = 5
MC_TRIALS = 1_000_000

# (σ_p, u_m, half-width, guard band, expected PFA, expected PFR or None, expected conditional PFA or None)
CASES: list[tuple[float, float, float, float, float, float | None, float | None]] = []
for itp, pfa, cpfa in [
    (0.60, 0.048386, 0.082601),
    (0.70, 0.039223, 0.057232),
    (0.80, 0.028558, 0.036323),
    (0.90, 0.016000, 0.017988),
    (0.95, 0.008710, 0.009239),
    (0.99, 0.001999, 0.002024),
]:
    sp = process_standard_deviation_from_itp(itp, lower_limit=-1.0, upper_limit=1.0)
    CASES.append((sp, sp / 4.0, 1.0, 0.0, pfa, None, cpfa))
CASES += [
    (1.0, 0.25, 2.0, 0.0, 0.008, 0.015, None),
    (1.0, 0.25, 2.5, 0.0, 0.0025, None, None),
    (1.0, 0.5, 2.0, 2.0 * (1 - 0.91), 0.008, 0.066, None),
]


def run_jiliang() -> list[tuple[float, float, float]]:
    out = []
    for sp, um, half, w, *_ in CASES:
        r = global_risks(
            process_mean=0.0,
            process_standard_deviation=sp,
            measurement_standard_uncertainty=um,
            lower_limit=-half,
            upper_limit=half,
            guard_band=w,
        )
        out.append(
            (r.probability_false_accept, r.probability_false_reject, r.conditional_probability_false_accept)
        )
    return out


def run_suncal() -> list[tuple[float, float, float]]:
    from suncal import risk  # type: ignore[import-not-found]

    out = []
    for sp, um, half, w, *_ in CASES:
        proc, test = stats.norm(0.0, sp), stats.norm(0.0, um)
        out.append(
            (
                float(risk.PFA(proc, test, -half, half, w, w)),
                float(risk.PFR(proc, test, -half, half, w, w)),
                float(risk.PFA_conditional(proc, test, -half, half, w, w)),
            )
        )
    return out


def run_numpy_mc() -> list[tuple[float, float, float]]:
    rng = np.random.default_rng(12345)
    out = []
    for sp, um, half, w, *_ in CASES:
        x = rng.normal(0.0, sp, MC_TRIALS)
        y = x + rng.normal(0.0, um, MC_TRIALS)
        acc = np.abs(y) <= half - w
        conf = np.abs(x) <= half
        fa = float(np.mean(acc & ~conf))
        out.append((fa, float(np.mean(~acc & conf)), fa / float(np.mean(acc))))
    return out


def max_deviation(results: list[tuple[float, float, float]], rows: slice) -> float:
    dev = 0.0
    for (pfa, pfr, cpfa), (*_, e_pfa, e_pfr, e_cpfa) in zip(results[rows], CASES[rows], strict=True):
        dev = max(dev, abs(pfa - e_pfa))
        if e_pfr is not None:
            dev = max(dev, abs(pfr - e_pfr))
        if e_cpfa is not None:
            dev = max(dev, abs(cpfa - e_cpfa))
    return dev


def timeit(fn: Callable[[], object]) -> float:
    fn()
    times = []
    for _ in range(REPS):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    impls: list[tuple[str, Callable[[], list[tuple[float, float, float]]]]] = [("jiliang", run_jiliang)]
    try:
        import suncal  # type: ignore[import-not-found]  # noqa: F401

        impls.append(("suncal", run_suncal))
    except ImportError:
        print("suncal not installed: skipped (see bench/requirements.txt)")
    impls.append((f"numpy MC {MC_TRIALS:.0e}", run_numpy_mc))
    base = timeit(run_jiliang)
    print(
        f"{'implementation':<18} {'median s':>10} {'ratio':>8} {'max |dev| RP-19':>17} {'max |dev| Deaver':>17}"
    )
    for name, fn in impls:
        t = base if name == "jiliang" else timeit(fn)
        res = fn()
        rp19, deaver = max_deviation(res, slice(0, 6)), max_deviation(res, slice(6, None))
        print(f"{name:<18} {t:>10.4f} {t / base:>7.1f}x {rp19:>17.2e} {deaver:>17.2e}")
    print(
        "(RP-19 values are printed to 5e-7, Deaver's to 5e-4 (0.0025: 5e-5): deviations below that are rounding)"
    )


if __name__ == "__main__":
    main()
