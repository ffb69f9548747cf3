"""Issue 3: the calculator page (public, zh by default, en on request), upload, errors, save from the
calculator, and the budget pages."""

from __future__ import annotations

import json
import re

from tests.conftest import csrf_of, login
from tests.uncertainty_budgets.budgets_helpers import SMALL_MODEL

PAGE = "/tools/uncertainty"


def _model(**mcm: int) -> str:
    doc = dict(SMALL_MODEL)
    if mcm:
        doc["mcm"] = {"trials": 20000, "seed": 5, **mcm}
    return json.dumps(doc, ensure_ascii=False)


def test_calculator_renders_in_chinese_by_default_with_the_h1_example(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get(PAGE)
    assert r.status_code == 200
    assert 'lang="zh-CN"' in r.text and "不确定度计算器" in r.text
    assert "l_S + d_bar + d_1 + d_2" in r.text and "JCGM 100:2008 Annex H.1" in r.text
    assert 'href="/tools/uncertainty"' in r.text  # the navigation link


def test_calculator_renders_in_english(client) -> None:  # type: ignore[no-untyped-def]
    client.get("/lang/en")
    r = client.get(PAGE)
    assert 'lang="en"' in r.text and "Uncertainty calculator" in r.text and "不确定度计算器" not in r.text
    r = client.post(PAGE, data={"model_json": _model(), "mcm": "1"})
    assert r.status_code == 200
    for text in ("Uncertainty budget", "Sensitivity coefficient", "Share", "rectangular", "Validation of the GUM"):
        assert text in r.text, text
    client.get("/lang/zh_CN")


def test_calculator_evaluates_with_budget_histogram_and_verdict(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post(PAGE, data={"model_json": _model(), "mcm": "1"})
    assert r.status_code == 200, r.text[:500]
    html = r.text
    for text in ("不确定度分量一览表", "灵敏系数", "均匀分布", "蒙特卡洛法", "<svg", "<td><code>V</code></td>"):
        assert text in html, text
    assert re.search(r"P = 1\.000\d* W，U95? = [0-9.]+ W，k = ", html), "the Chinese result line"
    assert re.search(r"P = 1\.000\d* W, U95? = [0-9.]+ W, k = ", html), "the English result line"
    assert "GUM 结果通过验证" in html or "GUM 结果未通过验证" in html
    assert "Save as a budget" not in html and "保存为本机构的不确定度评定" not in html  # the public cannot save


def test_calculator_accepts_an_uploaded_model(client) -> None:  # type: ignore[no-untyped-def]
    files = {"file": ("model.json", _model().encode(), "application/json")}
    r = client.post(PAGE, data={"model_json": "ignored when a file is chosen"}, files=files)
    assert r.status_code == 200, r.text[:500]
    assert "<td><code>R</code></td>" in r.text


def test_calculator_shows_the_field_of_a_bad_model(client) -> None:  # type: ignore[no-untyped-def]
    bad = json.loads(_model())
    bad["inputs"]["V"]["u"] = -1
    r = client.post(PAGE, data={"model_json": json.dumps(bad)})
    assert r.status_code == 422
    assert "inputs.V.u" in r.text and "无法评定该模型" in r.text
    r = client.post(PAGE, data={"model_json": '{"model": '})
    assert r.status_code == 422 and "not valid JSON" in r.text
    files = {"file": ("m.json", b"\xff\xfe\x00", "application/json")}
    r = client.post(PAGE, data={}, files=files)
    assert r.status_code == 422 and "<code>file</code>" in r.text


def test_institution_saves_from_the_calculator_and_revises(client) -> None:  # type: ignore[no-untyped-def]
    login(client, "institution")
    page = client.get(PAGE)
    token = csrf_of(page.text)
    r = client.post(PAGE, data={"model_json": _model(), "mcm": "1", "csrf_token": token})
    assert r.status_code == 200 and "保存为本机构的不确定度评定" in r.text
    r = client.post("/uncertainty-budgets", data={"model_json": _model(), "name": "页面保存的评定",
                                                  "attached_kind": "procedure", "attached_ref": "JJG 1234-2026",
                                                  "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    url = r.headers["location"]
    detail = client.get(url)
    assert detail.status_code == 200 and "页面保存的评定" in detail.text and "JJG 1234-2026" in detail.text
    assert "检定/校准规程" in detail.text and "不确定度分量一览表" in detail.text
    listing = client.get("/uncertainty-budgets")
    assert url in listing.text
    r = client.post(f"{url}/revise", data={"model_json": _model(), "name": "页面保存的评定 第二版",
                                           "attached_kind": "procedure", "attached_ref": "JJG 1234-2026",
                                           "change_note": "名称", "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    second = client.get(r.headers["location"])
    assert "第二版" in second.text and f'href="{url}"' in second.text  # the history links to revision 1
    # a bad form is refused with the field named
    r = client.post("/uncertainty-budgets", data={"model_json": _model(), "name": "x", "attached_kind": "car",
                                                  "attached_ref": "x", "csrf_token": token})
    assert r.status_code == 422 and "attached_kind" in r.text
    # without the CSRF token a logged-in browser cannot save
    r = client.post("/uncertainty-budgets", data={"model_json": _model(), "name": "x", "attached_kind": "procedure",
                                                  "attached_ref": "x"})
    assert r.status_code == 403


def test_enterprise_cannot_save_from_the_calculator(client) -> None:  # type: ignore[no-untyped-def]
    login(client, "enterprise")
    token = csrf_of(client.get(PAGE).text)
    r = client.post(PAGE, data={"model_json": _model(), "csrf_token": token})
    assert r.status_code == 200 and "保存为本机构的不确定度评定" not in r.text
    r = client.post("/uncertainty-budgets", data={"model_json": _model(), "name": "x", "attached_kind": "procedure",
                                                  "attached_ref": "x", "csrf_token": token})
    assert r.status_code == 403
