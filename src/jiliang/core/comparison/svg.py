"""SVG charts for comparisons and proficiency tests, generated as plain strings (no plotting library).

* :func:`comparison_plot_svg` — participants' values with expanded-uncertainty bars and the
  reference value with its expanded-uncertainty band;
* :func:`doe_plot_svg` — unilateral degrees of equivalence d_i ± U(d_i) about zero;
* :func:`score_chart_svg` — z / z′ / ζ / E_n bar chart with the warning and action limits;
* :func:`bilateral_matrix_svg` — pairwise DoE matrix, cells marked where |B_ij| > U(B_ij).

The same string renders in a page, a PDF report or a file; text is XML-escaped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from jiliang.core.comparison._inputs import LabResult
from jiliang.core.comparison.equivalence import BilateralDoE, UnilateralDoE
from jiliang.core.comparison.reference import ReferenceValue

__all__ = ["bilateral_matrix_svg", "comparison_plot_svg", "doe_plot_svg", "score_chart_svg"]

_FONT = "font-family=\"sans-serif\""
_BLUE = "#1f4e9c"
_GREY = "#6b7280"
_BAND = "#f6d365"
_RED = "#c62828"
_AMBER = "#e69500"
_GREEN = "#2e7d32"


def _nice_ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return [0.0]
    if hi <= lo:
        hi = lo + (abs(lo) * 0.1 or 1.0)
    raw = (hi - lo) / max(target - 1, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.ceil(lo / step) * step
    ticks = []
    t = start
    while t <= hi + step * 1e-9:
        ticks.append(0.0 if abs(t) < step * 1e-9 else t)
        t += step
    return ticks


def _tick_label(t: float, ticks: Sequence[float]) -> str:
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else abs(t) or 1.0
    decimals = max(0, -int(math.floor(math.log10(step))) + (1 if step / 10 ** math.floor(math.log10(step)) == 2.5 else 0))
    return f"{t:.{decimals}f}"


class _Frame:
    """Plot area with a linear y axis and n category slots along x."""

    def __init__(self, width: int, height: int, ylo: float, yhi: float, n: int, title: str, ylabel: str) -> None:
        self.w, self.h = width, height
        self.left, self.right, self.top, self.bottom = 78, 16, 40 if title else 16, 70
        pad = (yhi - ylo) * 0.06 or abs(yhi) * 0.05 or 1.0
        self.ticks = _nice_ticks(ylo - pad, yhi + pad)
        self.ylo = min(ylo - pad, self.ticks[0])
        self.yhi = max(yhi + pad, self.ticks[-1])
        self.n = n
        self.title, self.ylabel = title, ylabel
        self.parts: list[str] = []

    def y(self, v: float) -> float:
        span = self.yhi - self.ylo
        return self.top + (self.yhi - v) / span * (self.h - self.top - self.bottom)

    def x(self, i: int) -> float:
        slot = (self.w - self.left - self.right) / max(self.n, 1)
        return self.left + slot * (i + 0.5)

    @property
    def slot(self) -> float:
        return (self.w - self.left - self.right) / max(self.n, 1)

    def axes(self, labels: Sequence[str]) -> None:
        x0, x1 = self.left, self.w - self.right
        for t in self.ticks:
            yy = self.y(t)
            self.parts.append(f'<line x1="{x0}" y1="{yy:.2f}" x2="{x1}" y2="{yy:.2f}" stroke="#e5e7eb"/>')
            self.parts.append(
                f'<text x="{x0 - 6}" y="{yy + 4:.2f}" text-anchor="end" font-size="11" {_FONT}>'
                f"{escape(_tick_label(t, self.ticks))}</text>"
            )
        self.parts.append(
            f'<line x1="{x0}" y1="{self.top}" x2="{x0}" y2="{self.h - self.bottom}" stroke="#374151"/>'
        )
        rotate = self.slot < 60
        for i, lab in enumerate(labels):
            xx = self.x(i)
            yy = self.h - self.bottom + 16
            if rotate:
                self.parts.append(
                    f'<text x="{xx:.2f}" y="{yy:.2f}" text-anchor="end" font-size="11" {_FONT} '
                    f'transform="rotate(-45 {xx:.2f} {yy:.2f})">{escape(lab)}</text>'
                )
            else:
                self.parts.append(
                    f'<text x="{xx:.2f}" y="{yy:.2f}" text-anchor="middle" font-size="11" {_FONT}>{escape(lab)}</text>'
                )
        if self.ylabel:
            cy = (self.top + self.h - self.bottom) / 2
            self.parts.append(
                f'<text x="16" y="{cy:.2f}" text-anchor="middle" font-size="12" {_FONT} '
                f'transform="rotate(-90 16 {cy:.2f})">{escape(self.ylabel)}</text>'
            )

    def svg(self, desc: str) -> str:
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.w}" height="{self.h}" '
            f'viewBox="0 0 {self.w} {self.h}" role="img">'
            f"<title>{escape(self.title or desc)}</title><desc>{escape(desc)}</desc>"
            f'<rect x="0" y="0" width="{self.w}" height="{self.h}" fill="white"/>'
        )
        title = (
            f'<text x="{self.w / 2:.1f}" y="22" text-anchor="middle" font-size="14" font-weight="bold" '
            f"{_FONT}>{escape(self.title)}</text>"
            if self.title
            else ""
        )
        return head + title + "".join(self.parts) + "</svg>"


def _hline(f: _Frame, v: float, colour: str, dash: str = "", width: float = 1.5) -> None:
    yy = f.y(v)
    d = f' stroke-dasharray="{dash}"' if dash else ""
    f.parts.append(
        f'<line x1="{f.left}" y1="{yy:.2f}" x2="{f.w - f.right}" y2="{yy:.2f}" stroke="{colour}" '
        f'stroke-width="{width}"{d}/>'
    )


def _errorbar(f: _Frame, i: int, v: float, half: float, filled: bool, colour: str = _BLUE) -> None:
    xx = f.x(i)
    y0, y1, yv = f.y(v - half), f.y(v + half), f.y(v)
    cap = min(8.0, f.slot * 0.2)
    f.parts.append(f'<line x1="{xx:.2f}" y1="{y0:.2f}" x2="{xx:.2f}" y2="{y1:.2f}" stroke="{colour}" stroke-width="1.8"/>')
    for yy in (y0, y1):
        f.parts.append(
            f'<line x1="{xx - cap:.2f}" y1="{yy:.2f}" x2="{xx + cap:.2f}" y2="{yy:.2f}" stroke="{colour}" stroke-width="1.8"/>'
        )
    fill = colour if filled else "white"
    f.parts.append(f'<circle cx="{xx:.2f}" cy="{yv:.2f}" r="4.5" fill="{fill}" stroke="{colour}" stroke-width="1.8"/>')


def comparison_plot_svg(
    results: Sequence[LabResult],
    reference: ReferenceValue,
    *,
    title: str = "",
    unit: str = "",
    width: int = 720,
    height: int = 420,
) -> str:
    """Participants' values x_i ± U_i (U_i = k_i·u_i, k_i as reported or 2) and the reference value
    with its band y ± U(y). Results not contributing to the reference value are drawn hollow."""
    if not results:
        raise ValueError("no results to plot")
    contrib = set(reference.labs)
    lows = [r.value - r.expanded_uncertainty for r in results]
    highs = [r.value + r.expanded_uncertainty for r in results]
    lo = min(lows + [reference.value - reference.expanded_uncertainty])
    hi = max(highs + [reference.value + reference.expanded_uncertainty])
    ylabel = f"value ({unit})" if unit else "value"
    f = _Frame(width, height, lo, hi, len(results), title, ylabel)
    band_lo, band_hi = f.y(reference.value + reference.expanded_uncertainty), f.y(reference.value - reference.expanded_uncertainty)
    f.parts.append(
        f'<rect x="{f.left}" y="{band_lo:.2f}" width="{f.w - f.left - f.right}" '
        f'height="{max(band_hi - band_lo, 0.5):.2f}" fill="{_BAND}" fill-opacity="0.45"/>'
    )
    f.axes([r.lab for r in results])
    _hline(f, reference.value, _AMBER, width=2)
    for i, r in enumerate(results):
        _errorbar(f, i, r.value, r.expanded_uncertainty, r.lab in contrib)
    f.parts.append(
        f'<text x="{f.w - f.right - 4}" y="{f.y(reference.value) - 6:.2f}" text-anchor="end" font-size="11" '
        f'{_FONT} fill="#7a5200">{escape(reference.method)}: {escape(f"{reference.value:.6g}")} ± '
        f'{escape(f"{reference.expanded_uncertainty:.2g}")}</text>'
    )
    return f.svg(f"Results with expanded uncertainties and the {reference.method} reference value")


def doe_plot_svg(doe: UnilateralDoE, *, title: str = "", unit: str = "", width: int = 720, height: int = 420) -> str:
    """Unilateral degrees of equivalence d_i with bars ± U(d_i) (Monte Carlo intervals where
    available) about the zero line."""
    es = doe.entries
    lo = min(min(e.coverage_interval[0] for e in es), 0.0)
    hi = max(max(e.coverage_interval[1] for e in es), 0.0)
    ylabel = f"d ({unit})" if unit else "degree of equivalence d"
    f = _Frame(width, height, lo, hi, len(es), title, ylabel)
    f.axes([e.lab for e in es])
    _hline(f, 0.0, _GREY, width=1.5)
    for i, e in enumerate(es):
        xx = f.x(i)
        y0, y1, yd = f.y(e.coverage_interval[0]), f.y(e.coverage_interval[1]), f.y(e.d)
        colour = _RED if abs(e.en) > 1 else _BLUE
        cap = min(8.0, f.slot * 0.2)
        f.parts.append(f'<line x1="{xx:.2f}" y1="{y0:.2f}" x2="{xx:.2f}" y2="{y1:.2f}" stroke="{colour}" stroke-width="1.8"/>')
        for yy in (y0, y1):
            f.parts.append(
                f'<line x1="{xx - cap:.2f}" y1="{yy:.2f}" x2="{xx + cap:.2f}" y2="{yy:.2f}" stroke="{colour}" stroke-width="1.8"/>'
            )
        fill = colour if e.contributes else "white"
        f.parts.append(f'<circle cx="{xx:.2f}" cy="{yd:.2f}" r="4.5" fill="{fill}" stroke="{colour}" stroke-width="1.8"/>')
    return f.svg(f"Unilateral degrees of equivalence ({doe.form}) relative to the {doe.reference.method} reference value")


def score_chart_svg(
    labs: Sequence[str],
    scores: Sequence[float],
    *,
    kind: str = "z",
    warning: float = 2.0,
    action: float = 3.0,
    title: str = "",
    width: int = 720,
    height: int = 400,
) -> str:
    """Bar chart of PT scores with limit lines: ±warning (amber, dashed) and ±action (red) for z, z′
    and ζ; ±1 (red) for E_n. Bars are coloured by classification."""
    if len(labs) != len(scores):
        raise ValueError(f"{len(labs)} labels for {len(scores)} scores")
    if not labs:
        raise ValueError("no scores to plot")
    finite = [s for s in scores if math.isfinite(s)]
    is_en = kind.lower() in ("en", "e_n")
    limit = 1.0 if is_en else action
    lo = min(finite + [-limit * 1.1])
    hi = max(finite + [limit * 1.1])
    f = _Frame(width, height, lo, hi, len(labs), title, {"z'": "z′", "zeta": "ζ", "e_n": "E_n", "en": "E_n"}.get(kind.lower(), kind))
    f.axes(list(labs))
    _hline(f, 0.0, _GREY, width=1)
    if is_en:
        for v in (1.0, -1.0):
            _hline(f, v, _RED, width=1.5)
    else:
        for v in (warning, -warning):
            _hline(f, v, _AMBER, dash="6 4")
        for v in (action, -action):
            _hline(f, v, _RED)
    bw = max(2.0, f.slot * 0.6)
    y0 = f.y(0.0)
    for i, s in enumerate(scores):
        if not math.isfinite(s):
            continue
        a = abs(s)
        if is_en:
            colour = _RED if a > 1 else _GREEN
        else:
            colour = _RED if a >= action else _AMBER if a > warning else _GREEN
        ys = f.y(s)
        top, h = min(ys, y0), abs(ys - y0)
        f.parts.append(
            f'<rect x="{f.x(i) - bw / 2:.2f}" y="{top:.2f}" width="{bw:.2f}" height="{max(h, 0.5):.2f}" fill="{colour}">'
            f"<title>{escape(labs[i])}: {escape(f'{s:.2f}')}</title></rect>"
        )
    return f.svg(f"{kind} scores with warning and action limits")


def bilateral_matrix_svg(bilateral: BilateralDoE, *, title: str = "", cell: int = 44) -> str:
    """Pairwise DoE matrix: each cell shows B_ij; shaded where |B_ij| > U(B_ij) (NICOB-style)."""
    labs = bilateral.labs
    n = len(labs)
    left, top = 90, 40 if title else 16
    w = left + n * cell + 16
    h = top + n * cell + 80
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img">',
        f"<title>{escape(title or 'Bilateral degrees of equivalence')}</title>",
        f'<rect x="0" y="0" width="{w}" height="{h}" fill="white"/>',
    ]
    if title:
        parts.append(f'<text x="{w / 2:.1f}" y="22" text-anchor="middle" font-size="14" font-weight="bold" {_FONT}>{escape(title)}</text>')
    for i in range(n):
        for j in range(n):
            b, big_u = bilateral.difference[i][j], bilateral.expanded_uncertainty[i][j]
            sig = i != j and abs(b) > big_u
            fill = "#9ca3af" if i == j else ("#f4a6a6" if sig else "#d9f2d9")
            x, y = left + j * cell, top + i * cell
            parts.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fill}" stroke="white">'
                         f"<title>{escape(labs[i])} − {escape(labs[j])}: {b:.3g} ± {big_u:.3g}</title></rect>")
            if i != j:
                parts.append(f'<text x="{x + cell / 2}" y="{y + cell / 2 + 4}" text-anchor="middle" font-size="10" {_FONT}>{escape(f"{b:.2g}")}</text>')
        parts.append(f'<text x="{left - 6}" y="{top + i * cell + cell / 2 + 4}" text-anchor="end" font-size="11" {_FONT}>{escape(labs[i])}</text>')
        xx, yy = left + i * cell + cell / 2, top + n * cell + 14
        parts.append(f'<text x="{xx}" y="{yy}" text-anchor="end" font-size="11" {_FONT} transform="rotate(-45 {xx} {yy})">{escape(labs[i])}</text>')
    parts.append("</svg>")
    return "".join(parts)
