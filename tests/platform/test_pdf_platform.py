"""platform.pdf: Chinese text laid out with an embedded CJK font, and a QR code that decodes to its URL."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from jiliang.platform.pdf import qr_svg, render_pdf


def test_pdf_embeds_a_cjk_font(tmp_path: Path) -> None:
    pdf = render_pdf(
        "<html><body><h1>检定证书</h1><p>计量器具名称：电子计价秤</p></body></html>",
        metadata={"title": "检定证书"},
    )
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "t.pdf"
    path.write_bytes(pdf)
    assert shutil.which("pdffonts"), "poppler-utils is installed by scripts/install-system-deps.sh"
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in listing.splitlines() if "CJK" in line]
    assert cjk, listing
    # columns: name type encoding emb sub uni ...: every CJK font is embedded
    assert all(line.split()[-5] == "yes" for line in cjk), listing


def test_qr_svg_is_an_svg_of_the_url() -> None:
    svg = qr_svg("https://example.org/public/certificates/X-2026-000001")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg != qr_svg("https://example.org/public/certificates/X-2026-000002")
