"""PDF output for every area: HTML + CSS laid out by WeasyPrint (Pango), fonts embedded as subsets.

Chinese text needs a CJK font on the machine; ``scripts/install-system-deps.sh`` installs Noto CJK
(Debian ``fonts-noto-cjk``). WeasyPrint embeds the subset of every font it uses, so the PDF reads the
same on a machine without the font. ``PDF_CSS`` is the house style: A4, Noto Serif CJK for body text,
tables with ruled cells; areas add their own CSS after it.

A QR code for a PDF is an inline SVG from :func:`qr_svg` (segno), placed in the HTML like any image.
"""

from __future__ import annotations

import io
from typing import Any

import segno

PDF_CSS = """
@page { size: A4; margin: 18mm 16mm 20mm 16mm;
        @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; color: #555; } }
html { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 10.5pt; line-height: 1.45;
       color: #111; }
h1 { font-size: 20pt; text-align: center; letter-spacing: 0.3em; margin: 0 0 4mm 0; }
h2 { font-size: 12pt; margin: 5mm 0 2mm 0; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; }
th, td { border: 0.5pt solid #333; padding: 1.2mm 1.8mm; vertical-align: top; }
th { background: #f0f0f0; font-weight: bold; font-family: "Noto Sans CJK SC", sans-serif; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.small { font-size: 8.5pt; color: #444; }
.seal { width: 42mm; height: 42mm; border: 0.8pt dashed #c00; border-radius: 50%; color: #c00;
        display: flex; align-items: center; justify-content: center; text-align: center; font-size: 9pt; }
.qr svg { width: 28mm; height: 28mm; }
"""


def qr_svg(url: str) -> str:
    """An inline SVG QR code (error correction M) for ``url``."""
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=4, xmldecl=False, svgns=True, nl=False)
    return buf.getvalue().decode("ascii")


def render_pdf(html: str, *, extra_css: str = "", metadata: dict[str, Any] | None = None) -> bytes:
    """Lay out ``html`` (a complete document) with the house style and return the PDF bytes."""
    from weasyprint import CSS, HTML  # imported lazily: WeasyPrint loads Pango at import

    stylesheets = [CSS(string=PDF_CSS)]
    if extra_css:
        stylesheets.append(CSS(string=extra_css))
    document = HTML(string=html).render(stylesheets=stylesheets)
    if metadata:
        document.metadata.title = metadata.get("title")
        document.metadata.authors = list(metadata.get("authors", []))
    return bytes(document.write_pdf())
