"""Histogram of Monte Carlo output values with the GUF normal (or scaled t) density overlaid, as SVG.

Pure string generation: no I/O, no plotting library.  The same SVG is used by pages, PDF reports
and the CLI (``--svg``).
"""

from __future__ import annotations

import math
from html import escape

import numpy as np
from scipy import stats

from jiliang.core.uncertainty.errors import ModelError
from jiliang.core.uncertainty.gum import OutputResult
from jiliang.core.uncertainty.montecarlo import McmOutput


def _nice_ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    span = hi - lo
    if span <= 0 or not math.isfinite(span):
        return [lo]
    raw = span / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.ceil(lo / step) * step
    ticks = []
    t = start
    while t <= hi + 1e-12 * span:
        ticks.append(0.0 if abs(t) < 1e-12 * span else t)
        t += step
    return ticks


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def histogram_svg(
    mcm: McmOutput,
    gum: OutputResult | None = None,
    *,
    width: int = 640,
    height: int = 360,
    title: str | None = None,
    unit: str | None = None,
) -> str:
    """SVG document: histogram of the MCM values, the GUF density and both coverage intervals.

    ``mcm`` must come from :func:`~jiliang.core.uncertainty.montecarlo.monte_carlo` with
    ``histogram_bins`` set.
    """
    h = mcm.histogram
    if h is None:
        raise ModelError("the Monte Carlo result has no histogram; run monte_carlo(..., histogram_bins=100)",
                         field="histogram_bins")
    edges, dens = h.edges, h.density
    x0, x1 = float(edges[0]), float(edges[-1])
    glo = ghi = None
    if gum is not None:
        q = 0.5 * (1 + mcm.coverage_probability)
        if gum.coverage_probability is not None and abs(gum.coverage_probability - mcm.coverage_probability) < 1e-12:
            k = gum.coverage_factor
        else:
            nu = gum.dof_for_coverage
            k = float(stats.norm.ppf(q) if not math.isfinite(nu) else stats.t.ppf(q, nu))
        glo, ghi = gum.value - k * gum.standard_uncertainty, gum.value + k * gum.standard_uncertainty
        pad = 0.03 * (max(x1, ghi) - min(x0, glo))
        x0, x1 = min(x0, glo - pad), max(x1, ghi + pad)
    ml, mr, mt, mb = 64, 16, 36, 48
    pw, ph = width - ml - mr, height - mt - mb
    gx = gy = None
    if gum is not None and gum.standard_uncertainty > 0:
        gx = np.linspace(x0, x1, 241)
        z = (gx - gum.value) / gum.standard_uncertainty
        if math.isfinite(gum.effective_dof):
            gy = stats.t.pdf(z, gum.effective_dof) / gum.standard_uncertainty
        else:
            gy = stats.norm.pdf(z) / gum.standard_uncertainty
    ymax = float(dens.max()) if dens.size else 1.0
    if gy is not None:
        ymax = max(ymax, float(gy.max()))
    ymax = ymax * 1.08 if ymax > 0 else 1.0

    def sx(x: float) -> float:
        return ml + (x - x0) / (x1 - x0) * pw if x1 > x0 else ml + pw / 2

    def sy(y: float) -> float:
        return mt + ph - y / ymax * ph

    u = f" / {escape(unit)}" if unit else (f" / {escape(mcm.unit)}" if mcm.unit else "")
    ttl = escape(title or f"Monte Carlo: {mcm.name} ({mcm.trials:,} trials)")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11" role="img">',
        f"<title>{ttl}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2:.1f}" y="20" text-anchor="middle" font-size="13">{ttl}</text>',
    ]
    # bars as one path
    d = []
    base = sy(0.0)
    for i, v in enumerate(dens):
        if v <= 0:
            continue
        xa, xb = sx(float(edges[i])), sx(float(edges[i + 1]))
        d.append(f"M{xa:.2f},{base:.2f}V{sy(float(v)):.2f}H{xb:.2f}V{base:.2f}Z")
    parts.append(f'<path d="{"".join(d)}" fill="#9ecae1" stroke="#6baed6" stroke-width="0.5"/>')
    if gx is not None and gy is not None:
        pts = " ".join(f"{sx(float(a)):.2f},{sy(float(b)):.2f}" for a, b in zip(gx, gy, strict=True))
        parts.append(f'<polyline points="{pts}" fill="none" stroke="#d62728" stroke-width="1.6"/>')
    # intervals
    def vline(x: float, color: str, dash: str) -> None:
        if x0 <= x <= x1:
            parts.append(f'<line x1="{sx(x):.2f}" y1="{mt}" x2="{sx(x):.2f}" y2="{base:.2f}" stroke="{color}" '
                         f'stroke-width="1.2" stroke-dasharray="{dash}"/>')

    for x in mcm.interval:
        vline(x, "#08519c", "5,3")
    if glo is not None and ghi is not None:
        vline(glo, "#d62728", "2,2")
        vline(ghi, "#d62728", "2,2")
    # axes
    parts.append(f'<line x1="{ml}" y1="{base:.2f}" x2="{ml + pw}" y2="{base:.2f}" stroke="black"/>')
    parts.append(f'<line x1="{ml}" y1="{mt}" x2="{ml}" y2="{base:.2f}" stroke="black"/>')
    for t in _nice_ticks(x0, x1):
        X = sx(t)
        parts.append(f'<line x1="{X:.2f}" y1="{base:.2f}" x2="{X:.2f}" y2="{base + 4:.2f}" stroke="black"/>')
        parts.append(f'<text x="{X:.2f}" y="{base + 16:.2f}" text-anchor="middle">{_fmt(t)}</text>')
    for t in _nice_ticks(0.0, ymax, 4):
        Y = sy(t)
        parts.append(f'<line x1="{ml - 4}" y1="{Y:.2f}" x2="{ml}" y2="{Y:.2f}" stroke="black"/>')
        parts.append(f'<text x="{ml - 6}" y="{Y + 4:.2f}" text-anchor="end">{_fmt(t)}</text>')
    parts.append(f'<text x="{ml + pw / 2:.1f}" y="{height - 10}" text-anchor="middle">'
                 f"{escape(mcm.name)}{u}</text>")
    parts.append(f'<text x="14" y="{mt + ph / 2:.1f}" text-anchor="middle" '
                 f'transform="rotate(-90 14 {mt + ph / 2:.1f})">probability density</text>')
    # legend
    lx, ly = ml + pw - 190, mt + 8
    p_pct = f"{mcm.coverage_probability * 100:g} %"
    legend = [("#9ecae1", "rect", "Monte Carlo histogram"),
              ("#08519c", "5,3", f"MCM {p_pct} interval ({mcm.interval_type})")]
    if gum is not None:
        legend += [("#d62728", "line", "GUF density"), ("#d62728", "2,2", f"GUF {p_pct} interval")]
    for i, (color, kind, text) in enumerate(legend):
        y = ly + 14 * i
        if kind == "rect":
            parts.append(f'<rect x="{lx}" y="{y - 7}" width="14" height="8" fill="{color}"/>')
        elif kind == "line":
            parts.append(f'<line x1="{lx}" y1="{y - 3}" x2="{lx + 14}" y2="{y - 3}" stroke="{color}" '
                         'stroke-width="1.6"/>')
        else:
            parts.append(f'<line x1="{lx}" y1="{y - 3}" x2="{lx + 14}" y2="{y - 3}" stroke="{color}" '
                         f'stroke-dasharray="{kind}"/>')
        parts.append(f'<text x="{lx + 20}" y="{y + 1}">{escape(text)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
