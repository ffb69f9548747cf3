"""The human-readable certificate as PDF (issue 6, part 4), laid out by WeasyPrint.

Layout follows the usual Chinese certificate form (JJF 1069 certificate contents; JJG regulations'
annex "检定证书/检定结果通知书内页格式"): cover page with the institution, the title 检定证书 /
检定结果通知书 / 校准证书, the certificate number, the instrument and customer fields, the conclusion,
the signers (批准人/核验员/检定员), the seal area and a QR code to the public verification page; then
place and environment, the standards used, the results table and the statements. Each page carries the
certificate number and "page x / y". A superseded certificate is printed with an "已作废 SUPERSEDED"
watermark and a pointer to its successor; a revision names the certificate it supersedes.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from jiliang.dcc.content import CALIBRATION_SIGNER_ZH, SIGNER_MEANINGS_ZH, CertificateContent
from jiliang.platform.pdf import qr_svg, render_pdf

CERTIFICATE_CSS = """
@page { @top-right { content: "证书编号 " string(certno); font-size: 8pt; color: #555; }
        @bottom-center { content: "第 " counter(page) " 页 / 共 " counter(pages) " 页"; font-size: 8pt; color: #555; } }
.number b { string-set: certno content(); }
th { font-family: "Noto Serif CJK SC", serif; }
.cover { page-break-after: always; }
.org { text-align: center; font-size: 15pt; font-weight: bold; margin-top: 6mm; letter-spacing: 0.1em; }
h1 { font-size: 26pt; margin-top: 6mm; margin-bottom: 1mm; letter-spacing: 0.5em; }
.title-en { text-align: center; font-size: 10pt; letter-spacing: 0.2em; color: #333; margin-bottom: 5mm; }
.number { text-align: center; margin-bottom: 4mm; }
.notice { border: 0.8pt solid #333; padding: 2mm 3mm; margin: 2mm 0 4mm 0; font-size: 9.5pt; }
.notice.bad { border-color: #b00; color: #b00; }
table.fields th { width: 17%; text-align: left; white-space: nowrap; }
table.fields td { width: 33%; }
td.verdict { font-weight: bold; font-size: 12pt; }
td.verdict.fail { color: #b00; }
.reasons { font-weight: normal; font-size: 9.5pt; }
table.sign { margin-top: 8mm; }
table.sign td { border: none; vertical-align: middle; }
td.signers { width: 48%; }
.signer { margin: 2.5mm 0; }
.signer .role { display: inline-block; width: 18mm; font-weight: bold; }
.signer .name { display: inline-block; width: 26mm; border-bottom: 0.5pt solid #333; font-size: 12pt; }
.dates { margin-top: 4mm; }
td.sealcell { width: 30%; text-align: center; }
.seal { margin: 0 auto; display: block; width: 36mm; height: 30mm; padding: 12mm 3mm 0 3mm;
        box-sizing: content-box; line-height: 1.5; font-size: 8pt; }
td.qrcell { width: 22%; text-align: center; }
.issuer { margin-top: 10mm; border-top: 0.5pt solid #999; padding-top: 2mm; }
table.results td, table.results th { font-size: 9pt; padding: 1mm 1.2mm; }
tr.failrow td { color: #b00; font-weight: bold; }
table.std td, table.std th { font-size: 9pt; }
.watermark { position: fixed; top: 95mm; left: 10mm; width: 160mm; text-align: center; font-size: 64pt;
             color: rgba(190, 0, 0, 0.16); transform: rotate(-30deg); font-weight: bold; z-index: 10; }
.watermark span { font-size: 36pt; letter-spacing: 0.3em; }
"""


@cache
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("jiliang.dcc", "templates"), autoescape=select_autoescape(["html"])
    )


def cn_date(d: dt.date) -> str:
    """A date the way Chinese certificates print it: 2026年11月20日."""
    return f"{d.year}年{d.month}月{d.day}日"


def certificate_html(content: CertificateContent, *, superseded_by: str | None = None) -> str:
    c = content
    cal = c.kind == "calibration_certificate"
    return (
        _env()
        .get_template("dcc/certificate.html")
        .render(
            c=c,
            cal=cal,
            roles=CALIBRATION_SIGNER_ZH if cal else SIGNER_MEANINGS_ZH,
            qr=qr_svg(c.public_url) if c.public_url else "",
            cn_date=cn_date,
            superseded_by=superseded_by,
            has_decision=any(r.decision for r in c.results),
        )
    )


def certificate_pdf(content: CertificateContent, *, superseded_by: str | None = None) -> bytes:
    """The certificate as PDF bytes (CJK font embedded by WeasyPrint)."""
    html = certificate_html(content, superseded_by=superseded_by)
    return render_pdf(
        html,
        extra_css=CERTIFICATE_CSS,
        metadata={
            "title": f"{content.title_zh} {content.unique_identifier}",
            "authors": [content.institution.name],
        },
    )
