"""certificate_pdf: Chinese layout, embedded CJK font, QR code, page numbers, revision/superseded notes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from jiliang.dcc.pdf import certificate_html, certificate_pdf, cn_date
from jiliang.dcc.samples import sample_content

SCREENS = Path(__file__).resolve().parents[2] / "build" / "screens" / "dcc"


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("pdf")
    cases = {
        "verification_certificate": certificate_pdf(sample_content(revision=1)),
        "verification_result_notice": certificate_pdf(sample_content(kind="verification_result_notice")),
        "calibration_certificate": certificate_pdf(
            sample_content(kind="calibration_certificate"), superseded_by="ZJJL2026-J0001/R1"
        ),
    }
    paths = {}
    for name, data in cases.items():
        assert data.startswith(b"%PDF-")
        paths[name] = out / f"{name}.pdf"
        paths[name].write_bytes(data)
    return paths


def test_cjk_font_is_embedded(pdfs: dict[str, Path]) -> None:
    for path in pdfs.values():
        lines = _run("pdffonts", str(path)).splitlines()[2:]
        cjk = [ln for ln in lines if "CJK" in ln]
        assert cjk, lines
        assert all(ln.split()[-5] == "yes" for ln in cjk)  # emb column


def test_text_of_each_kind(pdfs: dict[str, Path]) -> None:
    text = {k: _run("pdftotext", "-layout", str(p), "-") for k, p in pdfs.items()}
    v = text["verification_certificate"]
    for needle in (
        "检 定 证 书",
        "ZJJL2026-J0001/R1",
        "本证书替代证书 ZJJL2026-J0001",
        "电子计价秤",
        "S2025-11-0042",
        "JJG 539-2016",
        "合格",
        "批准人",
        "核验员",
        "检定员",
        "王强",
        "李娜",
        "张伟",
        "检定专用章",
        "有效期至",
        "2027年11月19日",
        "F1 级砝码组",
        "ZL2026-0456",
        "±0.015",
        "U = 0.0012, k = 2",
        "第1页/共2页",
        "第2页/共2页",
        "证书编号 ZJJL2026-J0001/R1",
        "https://jiliang.example.cn/public/certificates/ZJJL2026-J0001",
    ):
        assert needle in v, needle
    n = text["verification_result_notice"]
    assert "检 定 结 果 通 知 书" in n and "不合格" in n and "30 kg 称量点示值误差超出最大允许误差" in n
    assert "有效期至：" not in n and "有效期至：" in v  # a failed instrument has no validity date
    c = text["calibration_certificate"]
    assert "校 准 证 书" in c and "已作废" in c and "ZJJL2026-J0001/R1" in c and "校准专用章" in c
    assert "0.0016" in c and "建议复校日期" in c


def test_render_to_png(pdfs: dict[str, Path]) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    for name, path in pdfs.items():
        _run("pdftoppm", "-r", "70", "-png", str(path), str(SCREENS / name))
        pages = sorted(SCREENS.glob(f"{name}-*.png"))
        assert len(pages) == 2 and all(p.stat().st_size > 10_000 for p in pages)


def test_html_has_qr_and_escapes_text() -> None:
    import dataclasses

    c = sample_content()
    evil = dataclasses.replace(c, customer=dataclasses.replace(c.customer, name="<script>x</script>"))
    html = certificate_html(evil)
    assert "<script>x" not in html and "&lt;script&gt;" in html
    assert "<svg" in html  # QR code of public_url
    assert "<svg" not in certificate_html(dataclasses.replace(c, public_url=""))
    assert cn_date(c.issued_on) == "2026年11月20日"
