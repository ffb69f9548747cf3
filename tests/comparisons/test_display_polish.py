"""Pages and the PDF show comparison results for people: translated headers and method names, numbers
rounded to the uncertainty (never e-notation), organisations instead of user names, region names; the CSV
keeps full precision."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import login


def test_value_and_uncertainty_share_the_decimal_place_of_u_at_two_digits() -> None:
    from jiliang.comparisons.views import decimals_for, fmt, plain, value_and_uncertainty

    assert value_and_uncertainty(9.99999749, 3.0e-07) == ("9.99999749", "0.00000030")
    assert value_and_uncertainty(200000.18812, 0.0401) == ("200000.188", "0.040")
    assert value_and_uncertainty(10.0, 0.25) == ("10.00", "0.25")
    assert value_and_uncertainty(1234.5, 12.0) == ("1234", "12")
    assert decimals_for(0.0) is None and decimals_for(None) is None
    assert fmt(3.01797273e-07) == "0.0000003018"
    assert fmt(None) == "—" and fmt(float("nan")) == "—" and fmt(7) == "7"
    assert "e" not in fmt(1.5e-05, None, 2)
    assert plain(5e-07) == "0.0000005" and plain(9.999997813) == "9.999997813"


def test_method_names_are_translated_and_unknown_codes_kept() -> None:
    from jiliang.comparisons.views import method_label
    from jiliang.platform import i18n

    i18n.set_language("en")
    try:
        assert method_label("weighted-mean") == "Weighted mean"
        assert method_label("pt:consensus") == "Assigned value: consensus of the participants"
        assert method_label("some-new-method") == "some-new-method"
        assert method_label("") == "—"
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)


@pytest.fixture(scope="module")
def published(app) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The demo's published key comparison and PT round (seeded here unless another test already did)."""
    with TestClient(app) as c:
        items = c.get("/api/v1/public/comparisons").json()["items"]
    kinds = {i["kind"]: i["id"] for i in items}
    if "national" not in kinds or "proficiency_test" not in kinds:
        from jiliang.demo.comparisons import seed

        kc, pt = seed(rng=random.Random(7), today=dt.date.today())["published"]
        return {"kc": kc, "pt": pt}
    return {"kc": kinds["national"], "pt": kinds["proficiency_test"]}


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'\s(title|data-\w+)="[^"]*"', " ", html)
    return re.sub(r"<[^>]+>", " ", html)


E_NOTATION = re.compile(r"\d[eE][+-]?\d")


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_public_key_comparison_page_is_for_people(app, published, lang) -> None:  # type: ignore[no-untyped-def]
    from jiliang.comparisons.views import decimals_for

    with TestClient(app) as c:
        c.cookies.set("jiliang_lang", lang)
        page = c.get(f"/public/comparisons/{published['kc']}")
        assert page.status_code == 200
        text = _visible_text(page.text)
        assert not E_NOTATION.search(text), E_NOTATION.search(text)
        for raw in (">lab<", ">contributes<", ">x<"):
            assert raw not in page.text
        assert "weighted-mean" not in text and 'title="weighted-mean"' in page.text
        if lang == "en":
            assert "Contributes to the reference value" in text
            method = c.get(f"/api/v1/public/comparisons/{published['kc']}").json()["analysis"]["method"]
            if method == "weighted-mean":
                assert "Weighted mean" in text
        # the reference value to the decimal place of its standard uncertainty at two significant digits
        ref = c.get(f"/api/v1/public/comparisons/{published['kc']}").json()["analysis"]["outputs"][
            "reference"
        ]
        places = decimals_for(ref["standard_uncertainty"])
        kcrv = re.search(r'class="kcrv"[^>]*>([^<]*)<', page.text)
        pattern = r"-?\d+" + (rf"\.\d{{{places}}}" if places else "") + r" .+"
        assert kcrv and re.fullmatch(pattern, kcrv.group(1).strip()), (kcrv, places)
        # the plot's reference label carries the same numbers, not "10 ± 6e-07"
        label = re.search(r'fill="#7a5200">([^<]*)</text>', page.text)
        assert label and "±" in label.group(1) and not E_NOTATION.search(label.group(1))
        assert kcrv.group(1).strip().split()[0] in label.group(1)


def test_public_pt_page_and_csv(app, published) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        page = c.get(f"/public/comparisons/{published['pt']}")
        assert page.status_code == 200
        text = _visible_text(page.text)
        assert not E_NOTATION.search(text)
        for raw in (">classification<", ">signal<"):
            assert raw not in page.text
        assert "pt:consensus" not in text
        assert "z′" in page.text and "ζ" in page.text
        # the CSV keeps the stored floats exactly
        api = c.get(f"/api/v1/public/comparisons/{published['pt']}").json()
        stored = {p["lab"]: p["x"] for p in api["analysis"]["outputs"]["scores"]["participants"]}
        rows = list(
            csv.DictReader(
                io.StringIO(c.get(f"/public/comparisons/{published['pt']}/results.csv").text.lstrip("\ufeff"))
            )
        )
        assert rows and all(float(r["x"]) == stored[r["lab"]] for r in rows)
        assert set(rows[0]) >= {"lab", "x", "D%", "classification", "signal", "unit"}


def test_private_pages_show_organisations_and_region_names(app, published) -> None:  # type: ignore[no-untyped-def]
    from jiliang.platform.db import read_session
    from jiliang.platform.models import Region

    with TestClient(app) as c:
        login(c, "admin")
        detail = c.get(f"/comparisons/{published['kc']}")
        assert detail.status_code == 200
        assert "demo_lab_" not in detail.text and "cmp_" not in _visible_text(detail.text)
        assert not E_NOTATION.search(_visible_text(detail.text))
        listing = c.get("/comparisons")
        with read_session() as s:
            zj = s.get(Region, "330000")
        assert zj is not None
        assert f"{zj.name_zh} (330000)" in detail.text
        assert "(330000)" in listing.text or "(330100)" in listing.text
        assert "(3" in c.get("/public/comparisons").text
