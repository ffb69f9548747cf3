"""Issue 4 faces: the public unit API (convert, show, check) and its answers to bad input (422, never 500).

Expected values come from the definitions, not from the code: 1 斤 = 1/2 kg (国务院 1959 市制; the registry's
exact factor), 1 in = 25.4 mm exactly (international yard and pound, 1959), t/℃ = T/K − 273.15 (GB 3102.4),
1 r/min = 1/60 s⁻¹ (GB 3100-1993 table 4, only when asked).
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import Workbook

from tests.conftest import auth


def _convert(client: Any, value: Any, src: str, dst: str, *eqs: str) -> Any:
    params: list[tuple[str, Any]] = [("value", value), ("from", src), ("to", dst)] + [("equivalence", e) for e in eqs]
    return client.get("/api/v1/units/convert", params=params)


def test_convert_jin_to_kg(client) -> None:  # type: ignore[no-untyped-def]
    r = _convert(client, 5, "斤", "kg")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["result"] == 2.5
    assert body["exact_scale"] == "1/2" and body["exact_offset"] == "0"
    assert body["from_unit"]["zh"] == "斤" and body["to_unit"] == {"zh": "千克", "en": "kg"}
    assert body["formatted"]["zh"] == "5 斤 = 2.5 千克"
    assert body["formatted"]["en"].endswith("= 2.5 kg")


def test_convert_exact_factors_and_offsets(client) -> None:  # type: ignore[no-untyped-def]
    body = _convert(client, 1, "in", "mm").json()
    assert body["result"] == 25.4 and body["exact_scale"] == "127/5"
    body = _convert(client, 25, "℃", "K").json()
    assert body["result"] == pytest.approx(298.15, abs=1e-12)
    assert body["exact_offset"] == "5463/20"  # 273.15 exactly
    body = _convert(client, 36, "千米每小时", "m/s").json()
    assert body["result"] == pytest.approx(10.0, rel=1e-15) and body["exact_scale"] == "5/18"
    assert body["formatted"]["zh"] == "36 千米/时 = 10 米/秒"


def test_convert_revolutions_need_an_explicit_equivalence(client) -> None:  # type: ignore[no-untyped-def]
    r = _convert(client, 60, "r/min", "Hz")
    assert r.status_code == 422
    assert r.json()["field"] == "to" and "revolution" in r.json()["message"]
    r = _convert(client, 60, "r/min", "Hz", "revolution")
    assert r.status_code == 200 and r.json()["result"] == pytest.approx(1.0, rel=1e-15)
    assert r.json()["equivalences"] == ["revolution"]


def test_convert_factor_with_pi_has_no_fraction(client) -> None:  # type: ignore[no-untyped-def]
    body = _convert(client, 180, "°", "rad").json()
    assert body["result"] == pytest.approx(3.141592653589793, rel=1e-15)
    assert body["exact_scale"] is None


@pytest.mark.parametrize(
    ("params", "field", "fragment"),
    [
        ([("value", 1), ("from", "furlongx"), ("to", "m")], "from", "unknown unit"),
        ([("value", 1), ("from", "kg"), ("to", "m")], "to", "cannot convert"),
        ([("value", 1), ("from", "Gy"), ("to", "Sv")], "to", "kind"),
        ([("value", 1), ("from", "m/s/s"), ("to", "m/s²")], "from", "solid"),
        ([("value", 1), ("from", "kg"), ("to", "g"), ("equivalence", "magic")], "equivalence", "unknown equivalence"),
        ([("value", "1e308"), ("from", "km"), ("to", "nm")], "value", "out of range"),
    ],
)
def test_convert_bad_input_is_422_naming_the_field(client, params, field, fragment) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/units/convert", params=params)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field, r.json()
    assert fragment in r.json()["message"].lower()


@pytest.mark.parametrize("value", ["abc", "nan", "inf", ""])
def test_convert_non_numbers_are_422(client, value: str) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/units/convert", params={"value": value, "from": "kg", "to": "g"})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["value"]


def test_show_unit(client) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/api/v1/units/km/h").json()
    assert body["symbol"] == {"zh": "千米/时", "en": "km/h"}
    assert body["name"]["zh"] == "千米每小时" and body["legal"] is True
    assert body["dsi"] == "\\kilo\\metre\\hour\\tothe{-1}" and body["dimension"] == {"L": 1, "T": -1}
    assert body["quantity_kind"] is None  # a compound expression has no single kind
    body = client.get("/api/v1/units/千瓦时").json()
    assert body["symbol"] == {"zh": "千瓦·时", "en": "kW·h"} and body["dsi"] == "\\kilo\\watt\\hour"
    body = client.get("/api/v1/units/斤").json()
    assert body["legal"] is False and body["quantity_kind"] == "mass"
    assert body["units"][0]["replacement"] and body["dsi"] is None and body["dsi_error"]
    r = client.get("/api/v1/units/rpm")
    assert r.status_code == 422 and r.json()["field"] == "expression"


def test_check_text_json(client) -> None:  # type: ignore[no-untyped-def]
    text = "猪肉5斤，屏幕6.1英寸\n苹果3-5斤，一两个人"
    r = client.post("/api/v1/units/check", json={"text": text})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kind"] == "text" and body["count"] == 2
    first, second = body["findings"]
    assert (first["text"], first["unit"], first["replacement"], first["rule_id"]) == ("5斤", "斤", "kg", "MKT-JIN")
    assert first["message"] == "5斤 → 2.5 kg" and first["converted"] == "2.5 kg" and first["source"]
    assert (first["line"], first["column"], first["start"], first["end"]) == (1, 3, 2, 4)
    assert text[first["start"] : first["end"]] == "5斤"
    assert second["message"] == "3-5斤 → 1.5–2.5 kg" and second["line"] == 2
    assert text[second["start"] : second["end"]] == "3-5斤"


def test_check_exemptions(client) -> None:  # type: ignore[no-untyped-def]
    text = "血压120毫米汞柱"
    assert client.post("/api/v1/units/check", json={"text": text}).json()["count"] == 0
    body = client.post("/api/v1/units/check", json={"text": text, "include_exempt": True}).json()
    assert [f["exempted_by"] for f in body["findings"]] == ["EX-BLOOD-PRESSURE"]
    body = client.post("/api/v1/units/check", json={"text": text, "exemptions": []}).json()
    assert body["count"] == 1 and body["findings"][0]["rule_id"] == "OBS-MMHG"
    r = client.post("/api/v1/units/check", json={"text": text, "exemptions": ["EX-NOPE"]})
    assert r.status_code == 422 and r.json()["field"] == "exemptions"


def test_check_csv_upload(client) -> None:  # type: ignore[no-untyped-def]
    data = "品名,重量,收缩压(mmHg)\n大米,10斤,120\n面条,二两,\n".encode()
    r = client.post("/api/v1/units/check", files={"file": ("prices.csv", data, "text/csv")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kind"] == "table" and body["name"] == "prices.csv"
    assert [(f["row"], f["column"], f["cell"], f["message"]) for f in body["findings"]] == [
        (2, 2, "B2", "10斤 → 5 kg"), (3, 2, "B3", "二两 → 100 g")]


def test_check_gbk_csv_with_encoding(client) -> None:  # type: ignore[no-untyped-def]
    data = "品名,重量\n大米,10斤\n".encode("gbk")
    r = client.post("/api/v1/units/check", files={"file": ("gbk.csv", data, "text/csv")})
    assert r.status_code == 422 and r.json()["field"] == "file" and "not valid utf-8" in r.json()["message"]
    r = client.post("/api/v1/units/check", files={"file": ("gbk.csv", data, "text/csv")}, data={"encoding": "gb18030"})
    assert r.status_code == 200 and r.json()["findings"][0]["message"] == "10斤 → 5 kg"


def _xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "价目"
    ws.append(["品名", "规格"])
    ws.append(["牛排", "8盎司"])
    ws.append(["显示器", "屏幕27英寸"])
    ws.append(["花生油", "5升"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_check_xlsx_upload(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/units/check", files={"file": ("list.xlsx", _xlsx(), "application/octet-stream")})
    assert r.status_code == 200, r.text
    found = r.json()["findings"]
    assert [(f["sheet"], f["cell"], f["message"]) for f in found] == [("价目", "B2", "8盎司 → 226.796185 g")]


@pytest.mark.parametrize(
    ("name", "content", "field", "fragment"),
    [
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "file", "binary"),
        ("scan.pdf", b"%PDF-1.7 ...", "file", "unsupported file type"),
        ("gbk.txt", "猪肉5斤".encode("gbk"), "file", "not valid utf-8"),
        ("empty.txt", b"", "file", "empty"),
        ("blank.csv", b"  \n\n", "file", "empty"),
        ("fake.xlsx", b"this is not a workbook", "file", "not a readable .xlsx"),
        ("zeros.xlsx", b"PK\x03\x04" + b"\x00" * 100, "file", "not a readable .xlsx"),
        ("long.txt", b"A" * 1_500_000, "file", "line 1 has 1500000 characters"),
        ("huge.txt", b"A" * (10 * 1024 * 1024 + 1), "file", "larger than 10 mb"),
    ],
)
def test_check_bad_uploads_are_422(client, name: str, content: bytes, field: str, fragment: str) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/units/check", files={"file": (name, content, "application/octet-stream")})
    assert r.status_code == 422, (r.status_code, r.text[:300])
    assert r.json()["field"] == field
    assert fragment in r.json()["message"].lower()


@pytest.mark.parametrize(
    ("kwargs", "field", "fragment"),
    [
        ({"json": {"text": ""}}, "text", "empty"),
        ({"json": {"text": "   \n"}}, "text", "empty"),
        ({"json": {"text": 5}}, "text", "string"),
        ({"json": {}}, "text", "required"),
        ({"json": ["猪肉5斤"]}, "body", "object"),
        ({"json": {"text": "a\x00b"}}, "text", "binary"),
        ({"content": b"\xff\xfe not json", "headers": {"content-type": "application/json"}}, "body", "json"),
        ({"data": {"encoding": "utf-8"}, "files": {"other": ("a.txt", b"x")}}, "file", "give a file"),
        ({"data": {"encoding": "klingon"}, "files": {"file": ("a.txt", "5斤".encode())}}, "encoding", "unknown encoding"),
    ],
)
def test_check_bad_bodies_are_422(client, kwargs: dict[str, Any], field: str, fragment: str) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/units/check", **kwargs)
    assert r.status_code == 422, (r.status_code, r.text[:300])
    assert r.json()["field"] == field, r.json()
    assert fragment in r.json()["message"].lower()


def test_check_is_public_and_stores_nothing(client, tokens) -> None:  # type: ignore[no-untyped-def]
    from tests.platform.scope_issue2 import scalar

    before = scalar("SELECT count(*) FROM audit_log")
    for headers in ({}, auth(tokens["enterprise"])):
        r = client.post("/api/v1/units/check", json={"text": "二两面条"}, headers=headers)
        assert r.status_code == 200 and r.json()["findings"][0]["message"] == "二两 → 100 g"
    assert scalar("SELECT count(*) FROM audit_log") == before
