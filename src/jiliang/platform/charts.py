"""Server-rendered SVG charts (bar and line), so pages, PDFs and reports look the same."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#0b5cad", "#b3261e", "#1e7b34", "#9a6700", "#6f42c1", "#0a7f8f")


def _fmt(v: float) -> str:
    if v == int(v):
        return f"{v:,.0f}"
    return f"{v:,.1f}" if abs(v) >= 1 else f"{v:.2f}"


def _text_width(text: str, size: float) -> float:
    """Approximate rendered width: CJK and full-width characters are one em, others about half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.55 for ch in text)


def fit_label(text: str, max_width: float, size: float = 12) -> str:
    """Shorten a label with an ellipsis so that it fits ``max_width`` pixels."""
    if _text_width(text, size) <= max_width:
        return text
    while text and _text_width(text + "…", size) > max_width:
        text = text[:-1]
    return text + "…"


def bar_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    width: int = 620,
    height: int = 0,
    links: Sequence[str] | None = None,
    unit: str = "",
) -> str:
    """Horizontal grouped bars: one row per label, one bar per series."""
    n, k = len(labels), max(1, len(series))
    bar_h = 12
    row_h = bar_h * k + 10
    left, right, top = 170, 70, 28
    height = height or top + n * row_h + 10
    peak = max([max(vals, default=0) for _, vals in series] + [1])
    plot_w = width - left - right
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img">']
    for j, (name, _) in enumerate(series):
        x = left + j * 140
        out.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>')
        out.append(f'<text x="{x + 14}" y="15" font-size="12">{escape(name)}</text>')
    for i, label in enumerate(labels):
        y0 = top + i * row_h
        text = escape(fit_label(label, left - 10))
        if links:
            out.append(f'<a href="{escape(links[i])}">')
        out.append(f'<text x="{left - 6}" y="{y0 + row_h / 2}" font-size="12" text-anchor="end">{text}</text>')
        for j, (_, vals) in enumerate(series):
            v = float(vals[i]) if i < len(vals) else 0.0
            w = plot_w * v / peak
            y = y0 + j * bar_h
            out.append(
                f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" fill="{PALETTE[j % len(PALETTE)]}">'
                f"<title>{escape(label)}: {_fmt(v)}{escape(unit)}</title></rect>"
            )
            out.append(f'<text x="{left + w + 4:.1f}" y="{y + bar_h - 3}" font-size="11">{_fmt(v)}{escape(unit)}</text>')
        if links:
            out.append("</a>")
    out.append("</svg>")
    return "".join(out)


def line_chart(
    labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *, width: int = 620, height: int = 240
) -> str:
    """A simple line chart with one line per series over the labels (e.g. months)."""
    left, right, top, bottom = 50, 16, 28, 36
    n = max(1, len(labels))
    peak = max([max(vals, default=0) for _, vals in series] + [1])
    pw, ph = width - left - right, height - top - bottom
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img">']
    for t in range(5):
        v = peak * t / 4
        y = top + ph - ph * t / 4
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e8ec"/>')
        out.append(f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end">{_fmt(v)}</text>')
    step = pw / max(1, n - 1)
    for i, label in enumerate(labels):
        if n <= 12 or i % 2 == 0:
            out.append(
                f'<text x="{left + i * step:.1f}" y="{height - 14}" font-size="10" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    for j, (name, vals) in enumerate(series):
        colour = PALETTE[j % len(PALETTE)]
        pts = " ".join(f"{left + i * step:.1f},{top + ph - ph * float(v) / peak:.1f}" for i, v in enumerate(vals))
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{pts}"/>')
        out.append(f'<rect x="{left + j * 150}" y="6" width="10" height="10" fill="{colour}"/>')
        out.append(f'<text x="{left + j * 150 + 14}" y="15" font-size="12">{escape(name)}</text>')
    out.append("</svg>")
    return "".join(out)
