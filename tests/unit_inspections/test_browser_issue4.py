"""Issue 4: browser walk (headless Chromium) of the unit tools and a unit-usage inspection.

The public converts 5 斤 to kilograms and checks a pasted text: the findings are <mark>s in the text whose
tooltip (title) gives the replacement and the rule. A Hangzhou regulator then records an inspection, checks
a pasted listing of an enterprise, and sees it highlighted; in both languages no page prints an undefined
template value, shows raw template syntax or loads a response >= 500.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _watch(page: Any) -> list[str]:
    bad: list[str] = []
    page.on("response", lambda r: bad.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    page.on("pageerror", lambda e: bad.append(str(e)))
    return bad


def _clean(page: Any, errors: list[str], bad: list[str]) -> None:
    text = page.inner_text("body")
    for marker in ("{{", "}}", "{%", "Traceback", "internal error"):
        assert marker not in text, (page.url, marker)
    printed = list(errors)
    errors.clear()
    assert not printed, (page.url, printed)
    assert not bad, bad


def test_public_tools_in_the_browser(browser, live_server, template_errors) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page = browser.new_page()
    bad = _watch(page)
    try:
        page.goto(live_server + "/")
        with page.expect_navigation():
            page.click("header nav a[href='/tools/units']")
        assert page.get_attribute("html", "lang") == "zh-CN" and page.inner_text("h1") == "法定计量单位"
        page.fill("input[name=value]", "5")
        page.fill("input[name=from]", "斤")
        page.fill("input[name=to]", "kg")
        with page.expect_navigation():
            page.click("form[action='/tools/units'][method=get] >> text=换算")
        assert page.inner_text("#conversion") == "5 斤 = 2.5 千克"
        _clean(page, template_errors, bad)
        page.fill("textarea[name=text]", "猪肉5斤，屏幕6.1英寸\n苹果3-5斤")
        with page.expect_navigation():
            page.click("form[enctype='multipart/form-data'] button[type=submit]")
        marks = page.locator(".checked mark")
        assert marks.all_inner_texts() == ["5斤", "3-5斤"]
        assert marks.first.get_attribute("title") == "5斤 → 2.5 kg · 规则 MKT-JIN"
        assert "屏幕6.1英寸" in page.inner_text(".checked")
        _clean(page, template_errors, bad)
        with page.expect_navigation():
            page.click("a.lang")  # switch to English
        page.goto(live_server + "/tools/units?value=60&from=r/min&to=Hz&equivalence=revolution")
        assert page.get_attribute("html", "lang") == "en" and "60 r/min = 1 Hz" in page.inner_text("#conversion")
        _clean(page, template_errors, bad)
    finally:
        page.context.clear_cookies()
        page.close()


def test_regulator_records_an_inspection_in_the_browser(browser, live_server, template_errors) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page = browser.new_page()
    bad = _watch(page)
    try:
        page.goto(live_server + "/login")
        page.fill("input[name=username]", "regulator_hz")
        page.fill("input[name=password]", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("form.form button[type=submit]")
        page.goto(live_server + "/unit-inspections")
        _clean(page, template_errors, bad)
        with page.expect_navigation():
            page.click("a[href='/unit-inspections/new']")
        page.fill("input[name=title]", "浏览器专项检查")
        page.fill("input[name=starts_on]", "2026-11-01")
        page.fill("input[name=ends_on]", "2026-11-30")
        with page.expect_navigation():
            page.click("form.form button[type=submit]")
        assert page.inner_text("h1") == "浏览器专项检查"
        _clean(page, template_errors, bad)
        with page.expect_navigation():
            page.click("a[href$='/documents/new']")
        page.select_option("select[name=kind]", "label")
        page.fill("textarea[name=text]", "散装大米，每斤3元，10斤起卖")
        with page.expect_navigation():
            page.click("form.form button[type=submit]")
        assert page.locator(".checked mark").all_inner_texts() == ["每斤", "10斤"]
        _clean(page, template_errors, bad)
        with page.expect_navigation():
            page.click("main p a")  # back to the inspection
        assert page.locator("table.grid").first.locator("tbody tr").count() == 1
        _clean(page, template_errors, bad)
    finally:
        page.close()
