"""Benchmarks for livelihood-metrology supervision (issue 7). Ratios against baselines measured in the same run.

Run:  .venv/bin/python bench/bench_supervision.py [--lots 100000] [--entities 1000000] [--k 1000] [--repeat 3]

1. Net-content verdicts for 100,000 lots with ``jiliang.core.netcontent.evaluate_batch`` against a plain
   numpy computation of the same criteria (2005 Measures 第九条 / JJF 1070-2005 附表4: counts of packages
   short by more than T and by more than 2T against the acceptance numbers, and the mean criterion
   q̄ ≥ Qn − λ·s for lots above 10). The baseline's constants (n, λ, c, T) are typed in from the published
   tables (附表3, 附表4; ../shared/reference/cn-prepack-*.json) and checked against jiliang's plan; the
   two computations must agree on every lot (verdict, both counts, mean criterion), which is asserted.
   Three products: 500 g (lot 1 000: n 80, λ 0.295, c 5, T 15 g), 1 000 mL (lot 200: n 50, λ 0.379,
   c 3, T 15 mL) and 200 g (lot 8: the whole lot, no mean criterion, c 0, T 9 g). Readings are on a
   0.1 g / 0.1 mL grid, some exactly at Qn − T and Qn − 2T (the boundary cases).
2. Risk-weighted selection of k entities out of 10⁶ with ``jiliang.core.random_selection.select_entities``
   (reproducible from a seed: SHA-256 per entity, Efraimidis–Spirakis keys) against
   ``numpy.random.Generator.choice(N, size=k, replace=False, p=w/Σw)``. Weights are the credit area's
   risk weights w = 1 + (100 − score)/10 for a synthetic score distribution. Besides the time, it prints
   the share of selected entities per weight band for both methods over several seeds (both should
   over-select the risky bands in the same proportions), and the jiliang draw is re-run to show that it
   is reproduced exactly.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from jiliang.core.netcontent import evaluate_batch, sampling_plan, tolerable_deficiency  # noqa: E402
from jiliang.core.random_selection import select_entities  # noqa: E402

# (kind, Qn, unit, lot size, share of lots, n, λ, c (T < d ≤ 2T), T) — 附表4 and 附表3 as published
PRODUCTS = [
    ("mass", 500, "g", 1000, 0.4, 80, 0.295, 5, 15.0),
    ("volume", 1000, "mL", 200, 0.4, 50, 0.379, 3, 15.0),
    ("mass", 200, "g", 8, 0.2, 8, None, 0, 9.0),
]


def timeit(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    gc.collect()
    ts, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), out


def make_lots(rng: np.random.Generator, lots: int, n: int, qn: float, t: float) -> np.ndarray:
    """Readings on a 0.1 grid: per-lot bias and spread chosen so that about half of the lots fail."""
    bias = rng.uniform(-0.6 * t, 0.4 * t, size=(lots, 1))
    spread = rng.uniform(0.05 * t, 0.6 * t, size=(lots, 1))
    q = qn + bias + spread * rng.standard_normal((lots, n))
    q = np.round(q * 10) / 10
    # boundary cases: in 5 % of the lots put one package exactly at Qn − T and one exactly at Qn − 2T
    rows = rng.random(lots) < 0.05
    q[rows, 0] = qn - t
    q[rows, 1] = qn - 2 * t
    return np.clip(q, 0, None)


def numpy_verdicts(q: np.ndarray, qn: float, t: float, lam: float | None, c1: int) -> dict[str, np.ndarray]:
    """The same criteria written directly in numpy (no validation, no decimal limits)."""
    t2 = q < qn - 2 * t
    t1 = (q < qn - t) & ~t2
    n1 = t1.sum(axis=1)
    n2 = t2.sum(axis=1)
    ok = (n1 <= c1) & (n2 == 0)
    out = {"n1": n1, "n2": n2}
    if lam is not None:
        e = q - qn
        mean_ok = e.mean(axis=1) >= -lam * e.std(axis=1, ddof=1)
        out["mean"] = mean_ok
        ok = ok & mean_ok
    out["passed"] = ok
    return out


def bench_netcontent(total_lots: int, repeat: int) -> None:
    print(f"\n1. Net-content verdicts for {total_lots:,} lots (median of {repeat})")
    rng = np.random.default_rng(20261127)
    t_j = t_np = 0.0
    lots_done = failed = 0
    print(
        f"   {'product':<22}{'lots':>9}{'n':>5}{'failed':>9}{'jiliang s':>11}{'numpy s':>10}{'ratio':>8}  agree"
    )
    for kind, qn, unit, lot_size, share, n, lam, c1, t in PRODUCTS:
        plan = sampling_plan(lot_size)
        td = tolerable_deficiency(qn, kind, unit)
        # the baseline's constants are the published ones; check jiliang uses the same
        assert plan.sample_size == n and plan.acceptance_number_t1 == c1 and plan.acceptance_number_t2 == 0
        assert (plan.correction_factor is None and lam is None) or float(plan.correction_factor or 0) == lam
        assert float(td.value) == t
        lots = int(total_lots * share)
        q = make_lots(rng, lots, n, float(qn), t)
        tj, res = timeit(
            lambda q=q, kind=kind, qn=qn, unit=unit, lot_size=lot_size: evaluate_batch(
                kind=kind, nominal=qn, unit=unit, lot_size=lot_size, net=q
            ),
            repeat,
        )
        tn, base = timeit(
            lambda q=q, qn=qn, t=t, lam=lam, c1=c1: numpy_verdicts(q, float(qn), t, lam, c1), repeat
        )
        assert isinstance(base, dict)
        agree = (
            np.array_equal(res.passed, base["passed"])  # type: ignore[union-attr]
            and np.array_equal(res.count_t1, base["n1"])  # type: ignore[union-attr]
            and np.array_equal(res.count_t2, base["n2"])  # type: ignore[union-attr]
            and (lam is None or np.array_equal(res.mean_passed, base["mean"]))  # type: ignore[union-attr]
        )
        n_fail = int((~base["passed"]).sum())
        print(
            f"   {f'{qn} {unit}, lot {lot_size}':<22}{lots:>9,}{n:>5}{n_fail:>9,}{tj:>11.4f}{tn:>10.4f}"
            f"{tj / tn:>8.2f}  {'yes' if agree else 'NO'}"
        )
        assert agree, "jiliang and the numpy baseline disagree"
        t_j += tj
        t_np += tn
        lots_done += lots
        failed += n_fail
    print(
        f"   all: {lots_done:,} lots ({failed:,} failed): jiliang {lots_done / t_j:,.0f} lots/s, "
        f"numpy {lots_done / t_np:,.0f} lots/s, time ratio jiliang/numpy = {t_j / t_np:.2f}; "
        "verdicts, counts and mean criterion agree on every lot"
    )


def bench_selection(n_entities: int, k: int, repeat: int) -> None:
    print(f"\n2. Risk-weighted selection of {k:,} of {n_entities:,} entities (median of {repeat})")
    rng = np.random.default_rng(7)
    # synthetic credit scores: most enterprises near the base 90, a tail of low scores
    scores = np.clip(
        90 + rng.normal(0, 4, n_entities) - rng.exponential(6, n_entities) * (rng.random(n_entities) < 0.3),
        0,
        100,
    ).round()
    weights = 1 + (100 - scores) / 10
    ids = [f"E{i:07d}" for i in range(n_entities)]
    wmap = dict(zip(ids, weights.tolist(), strict=True))
    p = weights / weights.sum()
    gen = np.random.default_rng(1)

    tj, sel = timeit(lambda: select_entities(ids, k, seed=123456789, weights=wmap), repeat)
    tn, _ = timeit(lambda: gen.choice(n_entities, size=k, replace=False, p=p), repeat)
    tu, _ = timeit(lambda: select_entities(ids, k, seed=123456789), 1)
    again = select_entities(list(reversed(ids)), k, seed=123456789, weights=wmap)
    assert again.entity_ids == sel.entity_ids  # type: ignore[union-attr]
    print(f"   jiliang select_entities (weighted): {tj:8.3f} s   (unweighted: {tu:.3f} s)")
    print(f"   numpy Generator.choice(p=…, replace=False): {tn:8.3f} s")
    print(
        f"   time ratio jiliang/numpy = {tj / tn:.1f}; the jiliang draw is reproduced exactly from its seed "
        f"(inputs in another order); numpy's is reproducible only with the same generator state and version"
    )
    # the same selection law: shares of selected per weight band, several seeds
    bands = [(1, 2), (2, 3), (3, 5), (5, 11.01)]
    index = {e: i for i, e in enumerate(ids)}
    seeds = range(1, 4)
    share_j = np.zeros(len(bands))
    share_n = np.zeros(len(bands))
    for s in seeds:
        chosen_j = np.array([index[e] for e in select_entities(ids, k, seed=s, weights=wmap).entity_ids])
        chosen_n = np.random.default_rng(s).choice(n_entities, size=k, replace=False, p=p)
        for b, (lo, hi) in enumerate(bands):
            share_j[b] += np.mean((weights[chosen_j] >= lo) & (weights[chosen_j] < hi)) / len(seeds)
            share_n[b] += np.mean((weights[chosen_n] >= lo) & (weights[chosen_n] < hi)) / len(seeds)
    print(
        f"   {'weight band':<14}{'population':>11}{'jiliang':>9}{'numpy':>8}   (share of selected, {len(seeds)} seeds)"
    )
    for b, (lo, hi) in enumerate(bands):
        pop = np.mean((weights >= lo) & (weights < hi))
        print(f"   [{lo:g}, {min(hi, 11):g}){'':<7}{pop:>11.3f}{share_j[b]:>9.3f}{share_n[b]:>8.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lots", type=int, default=100_000)
    ap.add_argument("--entities", type=int, default=1_000_000)
    ap.add_argument("--k", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"numpy {np.__version__}, Python {sys.version.split()[0]}")
    bench_netcontent(args.lots, args.repeat)
    bench_selection(args.entities, args.k, args.repeat)


if __name__ == "__main__":
    main()
