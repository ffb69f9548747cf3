"""Net-content pages and the PDF report for people: reason and finding codes as translated sentences (the
code kept in a title/data attribute), package classes, the tolerable-deficiency rule, the measurement
source and region names translated; the mean with one more decimal than the readings."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import login
from tests.netcontent_inspections.helpers_issue7 import count

RAW = (
    "T1_COUNT_WITHIN_LIMIT",
    "T1_COUNT_EXCEEDED",
    "T2_COUNT_WITHIN_LIMIT",
    "T2_COUNT_EXCEEDED",
    "MEAN_BELOW_LIMIT",
    "MEAN_CRITERION_MET",
    "MEAN_NOT_APPLICABLE",
    "LABEL_UNIT_OK",
    "within_T",
    "not_short",
    "half_up",
)


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'\s(title|data-[\w-]+|class)="[^"]*"', " ", html)
    return re.sub(r"<[^>]+>", " ", html)


def test_reason_sentences_use_the_evaluation_numbers() -> None:
    from jiliang.netcontent_inspections import display
    from jiliang.platform import i18n

    res: dict[str, Any] = {
        "unit": "g",
        "sample_size": 13,
        "tolerable_deficiency": {"value": 15, "unit": "g"},
        "counts": {
            "short_beyond_T_not_beyond_2T": 2,
            "allowed_T_to_2T": 1,
            "short_beyond_2T": 0,
            "allowed_beyond_2T": 0,
        },
        "mean_criterion": {"mean": 9942.53076923, "limit": 9950.1234567, "unit": "g"},
        "packages": [{"net": 9940.5}, {"net": 9950}],
    }
    i18n.set_language("en")
    try:
        places = display.reading_decimals(res["packages"]) + 1
        assert places == 2
        t1 = display.reason_text("T1_COUNT_EXCEEDED", res, mean_places=places)
        assert "2 package(s)" in t1 and "15 g" in t1 and "1 allowed" in t1 and "13" in t1
        assert "30 g" in display.reason_text("T2_COUNT_WITHIN_LIMIT", res)
        mean = display.reason_text("MEAN_BELOW_LIMIT", res, mean_places=places)
        assert "9942.53 g" in mean and "9950.12 g" in mean and "below" in mean
        assert display.reason_text("SOMETHING_NEW", res, message="core text") == "core text"
        height = display.reason_text(
            "CHARACTER_HEIGHT_TOO_SMALL", res, message="characters 2 mm high; at least 4 mm required"
        )
        assert "2 mm" in height and "4 mm" in height
        unit = display.reason_text(
            "LABEL_UNIT_NOT_PRESCRIBED", res, message="Qn = 0.5 kg should be stated in g, not kg"
        )
        assert unit.endswith("g") and "not kg" not in unit
        assert (
            display.td_rule("1.5 % of Qn, rounded to 1 g (half_up)")
            == "1.5 % of Qn, rounded to 1 g (round half up)"
        )
        assert display.td_rule("something else") == "something else"
        assert display.package_class("within_T") == "short by at most T"
        assert display.measurement_source("csv:waage.csv sha256:ab12") == "CSV file waage.csv"
        assert display.measurement_source("demo") == "demonstration data"
        assert display.fixed(9942.53076923, 2) == "9942.53" and display.fixed(None, 2) == "—"
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_detail_public_and_report_show_sentences(app, nc_demo, lang) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from jiliang.netcontent_inspections.models import NetContentInspection
    from jiliang.platform.db import read_session

    assert count("SELECT count(*) FROM netcontent_inspections WHERE published") > 0
    with read_session() as s:
        obj = s.scalars(
            select(NetContentInspection)
            .where(NetContentInspection.published, NetContentInspection.superseded_by_id.is_(None))
            .where(NetContentInspection.lot_size > 10)
            .order_by(NetContentInspection.id)
        ).first()
        assert obj is not None
        iid, region, res = obj.id, obj.region_code, obj.result
    with TestClient(app) as c:
        c.cookies.set("jiliang_lang", lang)
        login(c, "admin")
        detail = c.get(f"/netcontent-inspections/{iid}")
        public = c.get(f"/public/netcontent-inspections/{iid}")
        assert detail.status_code == 200 and public.status_code == 200
        for page in (detail, public):
            text = _visible_text(page.text)
            for raw in RAW:
                assert raw not in text, raw
            assert f"({region})" in text  # "name (code)"
            for check in res["reasons"]:
                assert f'data-code="{check["code"]}"' in page.text
            mean = re.search(r'id="mean"[^>]*>([^<]*)<', page.text)
            assert mean is not None
            places = max(
                len(str(p["net"]).split(".")[1]) if "." in str(p["net"]) else 0 for p in res["packages"]
            )
            assert len(mean.group(1).split(".")[1] if "." in mean.group(1) else "") == places + 1
        assert "demo" not in _visible_text(detail.text).split()
        for p in ("not_short", "within_T"):
            assert f">{p}<" not in detail.text
        list_page = c.get("/netcontent-inspections")
        assert re.search(r"\(\d{6}\)", list_page.text)
        assert re.search(r"\(\d{6}\)", c.get("/public/netcontent-inspections").text)


def test_report_html_is_translated() -> None:  # the PDF's HTML (the PDF itself is tested in issue 7)
    from sqlalchemy import select

    from jiliang.netcontent_inspections import report, service
    from jiliang.netcontent_inspections.api import category_label
    from jiliang.netcontent_inspections.models import NetContentInspection
    from jiliang.platform.access import SYSTEM
    from jiliang.platform.db import read_session

    with read_session() as s:
        iid = s.scalars(select(NetContentInspection.id).order_by(NetContentInspection.id)).first()
    assert iid is not None
    view = service.inspection_view(principal=SYSTEM, inspection_id=iid)
    html = report.report_html(view, category_label=category_label(view.inspection.product_category))
    text = _visible_text(html)
    for raw in ("within_T", "not_short", "(half_up)", "T1_COUNT_WITHIN_LIMIT —"):
        assert raw not in text
    assert f"({view.inspection.region_code})" in text
