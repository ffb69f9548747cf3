"""Issue 4 faces: the public page /tools/units (converter, unit display, checker with findings in place)."""

from __future__ import annotations

import html
import io
import re

from openpyxl import Workbook

MARK_RE = re.compile(r'<mark class="(\w+)" title="([^"]*)">([^<]*)</mark>')


def _checked_div(page: str) -> str:
    return page.split('<div class="checked">', 1)[1].split("</div>", 1)[0]


def test_page_renders_in_chinese_by_default_and_in_english(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/tools/units")
    assert r.status_code == 200
    assert 'lang="zh-CN"' in r.text and "<h1>法定计量单位</h1>" in r.text
    assert "非法定计量单位检查" in r.text and "单位换算" in r.text
    assert '<a href="/tools/units">法定计量单位</a>' in r.text  # the navigation link
    client.get("/lang/en")
    r = client.get("/tools/units")
    assert 'lang="en"' in r.text and "<h1>Legal units of measurement</h1>" in r.text
    assert '<a href="/tools/units">Units</a>' in r.text
    client.get("/lang/zh_CN")


def test_converter_on_the_page(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/tools/units", params={"value": "5", "from": "斤", "to": "kg"})
    assert r.status_code == 200
    assert '<p class="result" id="conversion">5 斤 = 2.5 千克</p>' in r.text
    assert "<code>y = 1/2 · x</code>" in r.text
    r = client.get("/tools/units", params={"value": "60", "from": "r/min", "to": "Hz"})
    assert r.status_code == 422 and 'id="conversion-error"' in r.text and "<code>to</code>" in r.text
    r = client.get("/tools/units", params={"value": "60", "from": "r/min", "to": "Hz", "equivalence": "revolution"})
    assert r.status_code == 200 and "60 转/分 = 1 赫" in r.text
    r = client.get("/tools/units", params={"value": "five", "from": "斤", "to": "kg"})
    assert r.status_code == 422 and "<code>value</code>" in r.text


def test_show_unit_on_the_page(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/tools/units", params={"unit": "千米每小时"})
    assert r.status_code == 200 and "千米/时 (千米每小时)" in r.text and "km/h (kilometre per hour)" in r.text
    assert html.escape("\\kilo\\metre\\hour\\tothe{-1}") in r.text or "\\kilo\\metre\\hour\\tothe{-1}" in r.text
    r = client.get("/tools/units", params={"unit": "kwh"})
    assert r.status_code == 422 and "<code>expression</code>" in r.text


def test_checker_highlights_findings_in_place(client) -> None:  # type: ignore[no-untyped-def]
    text = "猪肉5斤，屏幕6.1英寸，一两个人\n苹果3-5斤 <b>特价</b>"
    r = client.post("/tools/units", data={"text": text})
    assert r.status_code == 200, r.text[:300]
    div = _checked_div(r.text)
    marks = MARK_RE.findall(div)
    assert [(m[2], m[1]) for m in marks] == [("5斤", "5斤 → 2.5 kg · 规则 MKT-JIN"),
                                             ("3-5斤", "3-5斤 → 1.5–2.5 kg · 规则 MKT-JIN")]
    # the rest of the text is there unchanged (escaped), the marks in their places
    assert html.unescape(MARK_RE.sub(lambda m: m.group(3), div)) == text
    assert "&lt;b&gt;特价&lt;/b&gt;" in div  # user text is escaped, never rendered as HTML
    assert "发现 2 处非法定计量单位" in r.text
    # the findings table gives line and column
    assert '<td class="num">2</td><td class="num">3</td>' in r.text


def test_checker_in_english_and_exempt_uses(client) -> None:  # type: ignore[no-untyped-def]
    client.get("/lang/en")
    try:
        r = client.post("/tools/units", data={"text": "血压120毫米汞柱，5斤", "include_exempt": "1"})
    finally:
        client.get("/lang/zh_CN")
    marks = MARK_RE.findall(_checked_div(r.text))
    assert [(m[0], m[2]) for m in marks] == [("info", "120毫米汞柱"), ("error", "5斤")]
    assert "exempt: EX-BLOOD-PRESSURE" in marks[0][1] and marks[1][1] == "5斤 → 2.5 kg · rule MKT-JIN"


def test_checker_upload_csv_and_xlsx_shows_a_cell_table(client) -> None:  # type: ignore[no-untyped-def]
    data = "品名,重量\n大米,10斤\n".encode()
    r = client.post("/tools/units", data={"text": ""}, files={"file": ("list.csv", data, "text/csv")})
    assert r.status_code == 200, r.text[:300]
    assert '<div class="checked">' not in r.text
    assert "<th>单元格</th>" in r.text and "<code>B2</code>" in r.text and "10斤 → 5 kg" in r.text
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "价目"
    ws.append(["品名", "规格"])
    ws.append(["布料", "宽3英尺"])
    buf = io.BytesIO()
    wb.save(buf)
    r = client.post("/tools/units", files={"file": ("list.xlsx", buf.getvalue(), "application/octet-stream")})
    assert r.status_code == 200
    row = r.text.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert "<td>价目</td>" in row and "<code>B2</code>" in row and "3英尺 → 0.9144 m" in row


def test_checker_upload_text_file_is_highlighted(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/tools/units", files={"file": ("ad.txt", "特价鲜鱼2斤装".encode(), "text/plain")})
    assert r.status_code == 200
    assert MARK_RE.findall(_checked_div(r.text))[0][2] == "2斤"


def test_checker_bad_input_on_the_page(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/tools/units", files={"file": ("x.txt", b"\x00\x01\x02binary", "application/octet-stream")})
    assert r.status_code == 422 and 'id="check-error"' in r.text and "binary" in r.text
    r = client.post("/tools/units", data={"text": ""})
    assert r.status_code == 422 and "<code>text</code>" in r.text
