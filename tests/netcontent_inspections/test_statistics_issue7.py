"""Issue 7 part 4: pass rates by product category, region (drill-down) and period equal a direct count of
the table; regulators see only their region; CSV and XLSX exports carry the same numbers."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from jiliang.platform.db import get_engine
from tests.conftest import auth

URL = "/api/v1/netcontent-statistics"


def _rows(prefix: str) -> list[tuple[str, str, str, str]]:
    """Signed-off, current records whose region code starts with ``prefix``, read straight from the table."""
    with get_engine().connect() as conn:
        return [
            (r[0], r[1], str(r[2])[:10], r[3])
            for r in conn.execute(
                text(
                    "SELECT region_code, product_category, inspected_on, verdict FROM netcontent_inspections "
                    "WHERE superseded_by_id IS NULL AND status IN ('finalised', 'published')"
                )
            )
            if r[0].startswith(prefix)
        ]


def _expected(prefix: str, key: Any) -> dict[str, tuple[int, int]]:
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in _rows(prefix):
        k = key(row)
        out[k][0] += 1
        out[k][1] += row[3] == "pass"
    return {k: (v[0], v[1]) for k, v in out.items()}


def _got(body: dict[str, Any]) -> dict[str, tuple[int, int]]:
    rows = {r["key"]: (r["inspections"], r["passed"]) for r in body["rows"]}
    for r in body["rows"]:
        assert r["failed"] == r["inspections"] - r["passed"]
        assert r["pass_rate"] == round(100 * r["passed"] / r["inspections"], 1)
    assert body["total"]["inspections"] == sum(v[0] for v in rows.values())
    return rows


def _quarter(day: str) -> str:
    return f"{day[:4]}-Q{(int(day[5:7]) - 1) // 3 + 1}"


CASES = [
    ("regulator", "33", {"by": "category"}, lambda r: r[1]),
    ("regulator", "33", {"by": "region"}, lambda r: r[0][:4] + "00"),
    ("regulator", "33", {"by": "period", "period": "month"}, lambda r: r[2][:7]),
    ("regulator", "33", {"by": "period", "period": "quarter"}, lambda r: _quarter(r[2])),
    ("regulator", "33", {"by": "period", "period": "year"}, lambda r: r[2][:4]),
    ("regulator", "3301", {"by": "region", "region": "330100"}, lambda r: r[0]),
    ("regulator_hz", "3301", {"by": "region"}, lambda r: r[0]),
    ("regulator_hz", "3301", {"by": "category"}, lambda r: r[1]),
    ("regulator_js", "32", {"by": "category"}, lambda r: r[1]),
    ("admin", "", {"by": "region"}, lambda r: r[0][:2] + "0000"),
    ("admin", "", {"by": "period", "period": "quarter"}, lambda r: _quarter(r[2])),
]


@pytest.mark.parametrize("user,prefix,params,key", CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_statistics_equal_a_direct_count(client, tokens, nc_demo, user, prefix, params, key) -> None:  # type: ignore[no-untyped-def]
    r = client.get(URL, headers=auth(tokens[user]), params=params)
    assert r.status_code == 200, r.text
    expected = _expected(prefix, key)
    assert _got(r.json()) == expected
    if user != "regulator_js":
        assert sum(v[0] for v in expected.values()) >= 10  # the demo seed gives the figures some substance


def test_filters_and_drill_down(client, tokens, nc_demo) -> None:  # type: ignore[no-untyped-def]
    h = auth(tokens["regulator"])
    rows = _rows("33")
    days = sorted(r[2] for r in rows)
    mid = days[len(days) // 2]
    r = client.get(URL, headers=h, params={"by": "category", "from": mid, "category": "food"})
    expected = sum(1 for x in rows if x[2] >= mid and x[1] == "food")
    assert r.json()["total"]["inspections"] == expected
    top = client.get(URL, headers=h, params={"by": "region"}).json()
    for row in top["rows"]:
        assert row["drill_down"] == row["key"] and row["label"].endswith("市")
        down = client.get(URL, headers=h, params={"by": "region", "region": row["drill_down"]}).json()
        assert down["total"]["inspections"] == row["inspections"]
        assert all(k["key"].startswith(row["key"][:4]) and k["drill_down"] is None for k in down["rows"])


def test_regulators_see_only_their_region(client, tokens, nc_demo) -> None:  # type: ignore[no-untyped-def]
    assert (
        client.get(URL, headers=auth(tokens["regulator_js"]), params={"region": "330000"}).status_code == 403
    )
    assert (
        client.get(URL, headers=auth(tokens["regulator_hz"]), params={"region": "330000"}).status_code == 403
    )
    assert (
        client.get(URL, headers=auth(tokens["regulator_hz"]), params={"region": "330200"}).status_code == 403
    )
    for user in ("enterprise", "institution"):
        assert client.get(URL, headers=auth(tokens[user])).status_code == 403
        assert client.get(URL + "/export", headers=auth(tokens[user])).status_code == 403
    assert client.get(URL).status_code == 401
    assert client.get(URL, headers=auth(tokens["regulator"]), params={"by": "colour"}).status_code == 422
    assert client.get(URL, headers=auth(tokens["regulator"]), params={"region": "33"}).status_code == 422


def test_exports_carry_the_same_numbers(client, tokens, nc_demo) -> None:  # type: ignore[no-untyped-def]
    h = auth(tokens["regulator"])
    params = {"by": "region"}
    body = client.get(URL, headers=h, params=params).json()
    expected = [
        [r["key"], r["inspections"], r["passed"], r["failed"]] for r in [*body["rows"], body["total"]]
    ]
    r = client.get(URL + "/export", headers=h, params={**params, "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert table[0] == ["key", "label", "inspections", "passed", "failed", "pass_rate_percent"]
    assert [[row[0], int(row[2]), int(row[3]), int(row[4])] for row in table[1:]] == expected
    r = client.get(URL + "/export", headers=h, params={**params, "format": "xlsx"})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    values = [list(row) for row in ws.iter_rows(values_only=True)]
    assert [[row[0], row[2], row[3], row[4]] for row in values[1:]] == expected


def test_statistics_page_draws_charts(app, nc_demo) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from tests.conftest import login

    with TestClient(app) as c:
        login(c, "regulator")
        for params in ("by=category", "by=region", "by=region&region=330100", "by=period&period=month"):
            r = c.get("/netcontent-statistics?" + params)
            assert r.status_code == 200, (params, r.text[:300])
            assert r.text.count("<svg") >= 2 and 'id="stats"' in r.text
        assert 'href="?by=region&amp;region=330100"' in c.get("/netcontent-statistics?by=region").text
        assert c.get("/netcontent-statistics?region=320000").status_code == 403
