"""Benchmark: issuing certificates (PDF + signed DCC) against generating the same unsigned XML only.

For ``--n`` certificates (default 1,000; numbers and readings vary, content as in
``jiliang.dcc.samples``), in the same run and sequentially on one core:

* baseline — ``build_dcc(content)``: the unsigned DCC v3.3.0 XML only;
* issue    — ``certificate_pdf(content)`` (WeasyPrint, CJK font subset embedded), then
             ``build_dcc(content, pdf=pdf)`` (the PDF embedded in ``dcc:document``) and
             ``sign(xml, signer)`` (enveloped XML-DSig, ECDSA P-256, certificate chain in KeyInfo).

Also timed on the side: the signature step alone (build + sign without PDF) and ``check_dcc``
(XSD validation + signature + chain) on a sample of the issued certificates. Keys come from
``ephemeral_signer`` (in memory, no database), so only the certificate work is measured.

Printed: certificates per second for each (wall clock and process CPU time; the latter is robust when
other work shares the machine), the ratio issue/baseline, the breakdown; progress every 100 issued.

Run:  .venv/bin/python bench/bench_certificates.py [--n 1000] [--verify-sample 50]
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import time
from collections.abc import Callable

from jiliang.dcc.build import build_dcc
from jiliang.dcc.content import CertificateContent
from jiliang.dcc.pdf import certificate_pdf
from jiliang.dcc.samples import sample_content
from jiliang.dcc.schema import get_schema
from jiliang.dcc.signing import ephemeral_signer, sign
from jiliang.dcc.verify import check_dcc


def contents(n: int, seed: int = 6) -> list[CertificateContent]:
    rng = random.Random(seed)
    kinds = (
        "verification_certificate",
        "verification_certificate",
        "verification_result_notice",
        "calibration_certificate",
    )
    out = []
    for i in range(n):
        base = sample_content(number=f"ZJJL2026-J{i + 1:05d}", kind=kinds[i % len(kinds)])
        rows = tuple(
            dataclasses.replace(r, measured=f"{float(r.measured) + rng.randint(-3, 3) * 0.001:.3f}")
            if r.measured is not None
            else r
            for r in base.results
        )
        out.append(dataclasses.replace(base, results=rows))
    return out


def timed(
    label: str, items: list[CertificateContent], fn: Callable[[CertificateContent], object], progress: int = 0
) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for ``fn`` over ``items``."""
    w0, c0 = time.perf_counter(), time.process_time()
    for i, c in enumerate(items, start=1):
        fn(c)
        if progress and i % progress == 0 and i < len(items):
            w, cpu = time.perf_counter() - w0, time.process_time() - c0
            print(f"    ... {i:>6} done: {i / w:7.2f}/s wall, {i / cpu:7.2f}/s CPU", flush=True)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    print(
        f"  {label:<44} {len(items):>6} in {wall:8.2f} s wall ({cpu:8.2f} s CPU) = "
        f"{len(items) / wall:8.2f}/s wall, {len(items) / cpu:8.2f}/s CPU",
        flush=True,
    )
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--verify-sample", type=int, default=50)
    args = ap.parse_args()
    items = contents(args.n)
    signer, root = ephemeral_signer("浙江省计量科学研究院（基准测试）")
    get_schema()  # compile the XSD once, outside the timings
    certificate_pdf(items[0])  # warm WeasyPrint / fontconfig
    sign(build_dcc(items[0]), signer)

    print(f"bench_certificates: {args.n} certificates (sequential, one process)", flush=True)
    base, base_cpu = timed("baseline: unsigned DCC XML only", items, build_dcc)
    sign_only, sign_cpu = timed(
        "signed DCC without PDF (build + sign)", items, lambda c: sign(build_dcc(c), signer)
    )
    sample: list[bytes] = []
    sizes: list[int] = []
    pdf_time = 0.0

    def issue(c: CertificateContent) -> None:
        nonlocal pdf_time
        t = time.perf_counter()
        pdf = certificate_pdf(c)
        pdf_time += time.perf_counter() - t
        signed = sign(build_dcc(c, pdf=pdf), signer)
        sizes.append(len(signed))
        if len(sample) < args.verify_sample:
            sample.append(signed)

    full, full_cpu = timed("issue: PDF + DCC (PDF embedded) + signature", items, issue, progress=100)
    t0 = time.perf_counter()
    results = [check_dcc(x, trusted_roots=[root]) for x in sample]
    verify = time.perf_counter() - t0
    assert all(r.ok for r in results), [r.signature_detail for r in results if not r.ok][:3]
    sizes.sort()
    print(
        f"  {'check_dcc (XSD + signature + chain)':<44} {len(sample):>6} in {verify:8.2f} s wall = "
        f"{len(sample) / verify:8.2f}/s wall"
    )
    print()
    print(
        f"issue / baseline time ratio: {full / base:8.1f}x wall, {full_cpu / base_cpu:8.1f}x CPU  "
        f"(certificates/s: baseline {args.n / base:.1f} wall, {args.n / base_cpu:.1f} CPU; "
        f"issue {args.n / full:.2f} wall, {args.n / full_cpu:.2f} CPU)"
    )
    print(
        f"signature overhead (build+sign / build): {sign_only / base:.2f}x wall, {sign_cpu / base_cpu:.2f}x CPU"
    )
    print(
        f"share of issue wall time in the PDF: {pdf_time / full:.0%}; signed DCC size median "
        f"{sizes[len(sizes) // 2] / 1024:.0f} KiB (PDF embedded)"
    )
    print("(CPU = time.process_time() of this process)")


if __name__ == "__main__":
    main()
