"""Benchmarks for jiliang.core.units (issue 4). Ratios are against baselines measured in the same run.

Run:  .venv/bin/python bench/bench_units.py [--mb 100] [--repeat 3]

1. Non-legal-unit checker over a generated corpus (default 100 MB of UTF-8 text) against one compiled
   regular expression of all the checker's unit words scanning the same text (target: checker throughput
   ≥ 0.3 × the regex). The corpus mixes neutral filler sentences with the labelled test corpus (sentences
   with non-legal units, look-alikes and legal uses); a second, dense run uses only the labelled corpus
   (every sentence has a unit or a look-alike: the worst case for the checker).
2. Converting a 10⁶-element float64 array km/h → m/s against a bare numpy multiply (target ≤ 2×).
3. Parsing 10,000 distinct unit strings against pint's own parser (fresh strings per repeat, caches
   cleared).
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from jiliang.core.units import check_text, convert, converter, get_checker, parse_unit  # noqa: E402
from jiliang.core.units.convert import _ureg, pint_name  # noqa: E402

CORPUS = ROOT / "tests" / "core" / "units" / "corpus.jsonl"

FILLER_ZH = [
    "本公司坚持质量第一、顾客至上的经营理念", "欢迎广大消费者前来选购", "详情请咨询门店工作人员",
    "活动时间为本月一日至十五日", "产品已通过国家强制性认证", "请在阴凉干燥处保存", "开封后请尽快食用",
    "市场监督管理局开展专项检查", "执法人员对辖区内的商户进行了走访", "相关负责人表示将认真整改",
    "会议强调要进一步提高服务水平", "各单位要高度重视安全生产工作", "孩子们在操场上快乐地奔跑",
    "这家餐厅的服务态度非常好", "我们明天上午在会议室讨论方案", "他认真地完成了老师布置的作业",
    "城市的夜景非常美丽", "请保持手机畅通以便联系", "本店支持微信和支付宝付款", "售后服务热线全天开通",
    "为了保护环境请减少使用塑料袋", "图书馆周末正常开放", "新的学期开始了同学们精神饱满",
    "天气预报说明天有小雨", "这部纪录片讲述了古镇的历史", "检验报告显示各项指标均符合标准要求",
]  # fmt: skip
FILLER_EN = [
    "Thank you for shopping with us", "All items are subject to availability", "Contact customer service",
    "The meeting was postponed until next week", "Please keep your receipt", "Free delivery on weekdays",
    "The inspection found no irregularities", "Our team will reply within two working days",
]  # fmt: skip


def timeit(fn: Callable[[], object], repeat: int) -> float:
    gc.collect()
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def make_corpus(target_bytes: int, labelled: list[str], share: float, seed: int = 7) -> str:
    """Random lines: with probability `share` a labelled sentence, else 1-3 filler sentences."""
    rng = random.Random(seed)
    parts: list[str] = []
    size = 0
    while size < target_bytes:
        if rng.random() < share:
            line = rng.choice(labelled)
        else:
            pool = FILLER_EN if rng.random() < 0.1 else FILLER_ZH
            sep = ". " if pool is FILLER_EN else "，"
            line = sep.join(rng.choice(pool) for _ in range(rng.randint(1, 3))) + (
                "." if pool is FILLER_EN else "。"
            )
        parts.append(line)
        size += len(line.encode("utf-8")) + 1
    return "\n".join(parts)


def bench_checker(mb: float, repeat: int) -> None:
    labelled = [json.loads(line)["text"] for line in CORPUS.read_text("utf-8").splitlines() if line.strip()]
    checker = get_checker()
    words = checker.trigger_words
    baseline = re.compile("|".join(re.escape(w) for w in words))
    for name, size, share in (
        ("mixed", int(mb * 1e6), 0.15),
        ("dense (labelled corpus only)", int(10e6), 1.0),
    ):
        t0 = time.perf_counter()
        text = make_corpus(size, labelled, share)
        gen = time.perf_counter() - t0
        nbytes = len(text.encode("utf-8"))
        hits = sum(1 for _ in baseline.finditer(text))
        counts: list[int] = []
        t = interleaved(
            {
                "regex": lambda text=text: sum(1 for _ in baseline.finditer(text)),
                "checker": lambda text=text, counts=counts: counts.append(len(check_text(text))),
            },
            rounds=repeat,
        )
        t_re, t_chk = t["regex"], t["checker"]
        print(
            f"checker [{name}]: {nbytes / 1e6:.1f} MB ({len(text) / 1e6:.1f} M chars, generated in {gen:.1f} s), "
            f"{hits / len(text) * 1000:.1f} unit-word hits per 1000 chars, {counts[-1]} findings"
        )
        print(f"  regex of all {len(words)} unit words: {t_re:.2f} s = {nbytes / 1e6 / t_re:.1f} MB/s")
        print(f"  checker:                       {t_chk:.2f} s = {nbytes / 1e6 / t_chk:.1f} MB/s")
        print(f"  RATIO checker/regex throughput = {t_re / t_chk:.2f}   (target >= 0.3)")
        del text


def interleaved(fns: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Median time of each function, measured in alternation so that machine load hits all alike."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    gc.collect()
    for _ in range(rounds):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in times.items()}


def bench_convert(repeat: int) -> None:
    arr = np.random.default_rng(0).uniform(0, 200, 1_000_000)
    factor = 1000 / 3600
    conv = converter("km/h", "m/s")
    assert np.allclose(convert(arr, "km/h", "m/s"), arr * factor)
    ureg = _ureg()
    q = ureg.Quantity(arr, ureg.Unit(pint_name("metre", "kilo")) / ureg.Unit("hour"))
    tgt = ureg.Unit("meter") / ureg.Unit("second")
    t = interleaved(
        {
            "numpy": lambda: arr * factor,
            "convert": lambda: convert(arr, "km/h", "m/s"),
            "converter": lambda: conv(arr),
            "numpy_off": lambda: arr * 1.0 + 273.15,
            "offset": lambda: convert(arr, "℃", "K"),
            "pint": lambda: q.to(tgt),
        },
        rounds=max(31, repeat * 15),
    )
    n = t["numpy"]
    print("convert 10^6 float64 km/h → m/s (median of interleaved rounds):")
    print(f"  numpy arr*(1000/3600)            {n * 1e3:7.2f} ms")
    print(f"  convert(arr, 'km/h', 'm/s')      {t['convert'] * 1e3:7.2f} ms   RATIO {t['convert'] / n:.2f}x numpy "
          "(target <= 2)")  # fmt: skip
    print(
        f"  converter('km/h','m/s')(arr)     {t['converter'] * 1e3:7.2f} ms   RATIO {t['converter'] / n:.2f}x numpy"
    )
    print(f"  convert(arr, '℃', 'K')           {t['offset'] * 1e3:7.2f} ms   RATIO {t['offset'] / t['numpy_off']:.2f}x "
          "numpy arr*1+273.15")  # fmt: skip
    print(f"  (pint q.to(unit), pre-built)     {t['pint'] * 1e3:7.2f} ms   RATIO {t['pint'] / n:.2f}x numpy")


PREFIXES = ["", "k", "M", "G", "m", "μ", "n", "c"]
ATOMS = ["m", "g", "s", "A", "K", "mol", "N", "J", "W", "Pa", "Hz", "V", "C", "L"]
EXPS = [1, 1, 1, 2, 3, -1, -2]


def _atom(rng: random.Random) -> str:
    while True:
        a = rng.choice(PREFIXES) + rng.choice(ATOMS)
        if a not in ("Gs", "cC", "cN"):  # Gs is the gauss symbol in the registry; cC/cN unusual
            return a


def make_unit_strings(seed: int, n: int = 10_000) -> list[str]:
    """Distinct strings both parsers accept (one solidus, parenthesised compound denominators)."""
    rng = random.Random(seed)
    out: set[str] = set()
    while len(out) < n:
        num = []
        for _ in range(rng.randint(1, 2)):
            e = rng.choice(EXPS)
            num.append(_atom(rng) + ("" if e == 1 else f"**{e}"))
        s = "*".join(num)
        r = rng.random()
        if r < 0.4:
            s += "/" + _atom(rng) + rng.choice(["", "", "**2"])
        elif r < 0.55:
            s += f"/({_atom(rng)}*{_atom(rng)})"
        out.add(s)
    return sorted(out)


def bench_parse(repeat: int) -> None:
    import pint

    sets = [make_unit_strings(100 + i) for i in range(repeat)]
    # sanity: same SI factor in both parsers
    ureg = pint.UnitRegistry()
    bad = 0
    for s in sets[0][:300]:
        ours = parse_unit(s)
        r, pi = ours.scale
        theirs = ureg.Quantity(1, s).to_base_units().magnitude
        if not np.isclose(float(r), theirs, rtol=1e-9) or pi:
            bad += 1
    assert bad == 0, f"{bad} strings disagree between the parsers"
    t_ours = []
    t_pint = []
    for strings in sets:
        parse_unit.cache_clear()
        gc.collect()
        t0 = time.perf_counter()
        for s in strings:
            parse_unit(s)
        t_ours.append(time.perf_counter() - t0)
        ureg2 = pint.UnitRegistry()
        ureg2.parse_units("m")
        gc.collect()
        t0 = time.perf_counter()
        for s in strings:
            ureg2.parse_units(s)
        t_pint.append(time.perf_counter() - t0)
    a, b = statistics.median(t_ours), statistics.median(t_pint)
    print("parse 10,000 distinct unit strings (fresh strings per repeat, caches cleared):")
    print(f"  jiliang parse_unit   {a * 1e3:8.1f} ms")
    print(f"  pint parse_units     {b * 1e3:8.1f} ms")
    print(f"  RATIO jiliang/pint time = {a / b:.3f}  (pint is {b / a:.1f}x slower)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=100.0, help="size of the mixed checker corpus in MB")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}  numpy {np.__version__}")
    bench_convert(args.repeat)
    bench_parse(args.repeat)
    bench_checker(args.mb, args.repeat)


if __name__ == "__main__":
    main()
