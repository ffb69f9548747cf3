"""The inspection report (PDF): the record and the core's evaluation laid out by jiliang.platform.pdf."""

from __future__ import annotations

from typing import Any

from jiliang.netcontent_inspections import display
from jiliang.netcontent_inspections.service import InspectionView
from jiliang.platform import i18n
from jiliang.platform.pdf import render_pdf
from jiliang.platform.web import add_template_dir, environment

REPORT_CSS = """
@page { @top-right { content: string(recordno); font-size: 8pt; color: #555; } }
.recordno { string-set: recordno content(); }
.verdict { font-size: 16pt; font-weight: bold; text-align: center; padding: 2mm; border: 1pt solid #333; }
.verdict.pass { color: #1e7b34; } .verdict.fail { color: #b3261e; }
table.kv th { width: 17%; text-align: left; }
td.T1 { background: #fff4d6; } td.T2 { background: #fde2e0; }
.packages td, .packages th { padding: 0.6mm 1.4mm; font-size: 9pt; }
.draft { color: #b3261e; font-weight: bold; text-align: center; }
"""


def report_number(view: InspectionView) -> str:
    obj = view.inspection
    return f"NC-{obj.inspected_on:%Y%m%d}-{obj.record_key[:8].upper()}-R{obj.revision}"


def report_html(view: InspectionView, *, category_label: str) -> str:
    obj = view.inspection
    res: dict[str, Any] = obj.result
    add_template_dir("jiliang.netcontent_inspections")  # also outside the web app (CLI, scripts)
    return (
        environment()
        .get_template("netcontent_inspections/report.html")
        .render(
            {
                "insp": obj,
                "view": view,
                "res": res,
                "number": report_number(view),
                "category_label": category_label,
                "lang": i18n.get_language(),
                **display.context(res, obj, region_codes=[obj.region_code]),
            }
        )
    )


def report_pdf(view: InspectionView, *, category_label: str) -> bytes:
    html = report_html(view, category_label=category_label)
    return render_pdf(
        html,
        extra_css=REPORT_CSS,
        metadata={"title": f"{report_number(view)} {view.inspection.product_name}", "authors": ["Jiliang"]},
    )
