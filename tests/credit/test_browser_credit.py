"""Issue 7 part 3: browser walk (headless Chromium) of honest metrology, with screenshots.

An enterprise opens its credit page, makes a self-declaration from the template and publishes it; the public
sees the commitment; a Hangzhou regulator filters the region's enterprises by grade, opens one with its
factors, refreshes it, and designates a grade-A enterprise as model unit through the form; the public list
of model units shows it with its date and region. No page prints an undefined template value, raw template
syntax, or loads a response >= 500. Screenshots go to build/screens/credit/ (looked at by hand).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEMO_PASSWORD
from tests.credit.helpers_credit import CREDIT_COUNTY, TODAY, credit_world, new_enterprise

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCREENS = Path(__file__).resolve().parents[2] / "build" / "screens" / "credit"


def _watch(page: Any) -> list[str]:
    bad: list[str] = []
    page.on("response", lambda r: bad.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    page.on("pageerror", lambda e: bad.append(str(e)))
    return bad


def _clean(page: Any, errors: list[str], bad: list[str], shot: str | None = None) -> None:
    text = page.inner_text("body")
    for marker in ("{{", "}}", "{%", "Traceback", "internal error"):
        assert marker not in text, (page.url, marker)
    printed = list(errors)
    errors.clear()
    assert not printed, (page.url, printed)
    assert not bad, bad
    if shot:
        SCREENS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENS / f"{shot}.png"), full_page=True)


def _login(chromium: Any, base: str, username: str) -> Any:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    return page


def test_honest_metrology_walk(browser, live_server, template_errors) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    world = credit_world()
    candidate = new_enterprise("示范候选店", CREDIT_COUNTY)
    # --- the enterprise declares
    page = _login(browser, live_server, "enterprise")
    bad = _watch(page)
    try:
        page.goto(live_server + "/credit")
        assert "/credit/enterprises/" in page.url
        assert page.inner_text("#credit-policy")
        _clean(page, template_errors, bad, "enterprise-own-credit")
        page.goto(live_server + "/credit/declarations/new")
        boxes = page.locator("input[name=items]")
        assert boxes.count() == 6
        boxes.nth(2).uncheck()
        page.fill("input[name=valid_until]", TODAY.isoformat())  # bad: not after the declaration date
        with page.expect_navigation():
            page.click("#declaration-form button[type=submit]")
        assert page.locator("#form-error").is_visible()
        _clean(page, template_errors, bad, "declaration-error")
        page.fill(
            "input[name=valid_until]",
            TODAY.replace(year=TODAY.year + 1).isoformat()
            if not (TODAY.month == 2 and TODAY.day == 29)
            else "2029-02-28",
        )
        with page.expect_navigation():
            page.click("#declaration-form button[type=submit]")
        assert "/credit/declarations/" in page.url
        text = page.inner_text(".declaration-text")
        assert "1. " in text and "5. " in text and "6. " not in text  # one item unticked
        declaration_url = page.url
        _clean(page, template_errors, bad, "declaration")
    finally:
        page.context.close()
    # --- the public sees the commitment
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    bad = _watch(page)
    try:
        page.goto(live_server + "/public/credit/commitments")
        hrefs = page.locator("#commitments a").evaluate_all("els => els.map(e => e.href)")
        assert declaration_url in hrefs
        _clean(page, template_errors, bad, "public-commitments")
    finally:
        context.close()
    # --- the regulator: list by grade, factors, refresh, designation
    page = _login(browser, live_server, "regulator_hz")
    bad = _watch(page)
    try:
        page.goto(live_server + "/credit")
        with page.expect_navigation():
            page.click("#refresh-region")
        assert "region=330100" in page.url
        _clean(page, template_errors, bad, "regulator-list")
        page.select_option("select[name=grade]", "D")
        with page.expect_navigation():
            page.click("form.filters.panel button[type=submit]")
        grades = page.locator("#credit-list td span.badge").all_inner_texts()
        assert grades and set(grades) == {"D"}
        with page.expect_navigation():
            page.click(f"a[href='/credit/enterprises/{world['d']}']")
        assert page.inner_text("#credit-score") == "40" and page.inner_text("#credit-grade") == "D"
        assert page.locator("#factors tr[data-rule='CR-OD']").count() == 12
        assert "已封顶" in page.inner_text("#totals") or "capped" in page.inner_text("#totals")
        with page.expect_navigation():
            page.click("#refresh")
        _clean(page, template_errors, bad, "regulator-enterprise-factors")
        page.goto(live_server + f"/credit/model-units/new?enterprise_id={world['b']}")
        with page.expect_navigation():
            page.click("form.form button[type=submit]")
        assert page.locator("#form-error").is_visible()  # grade B: refused
        _clean(page, template_errors, bad, "designation-refused")
        page.goto(live_server + f"/credit/model-units/new?enterprise_id={candidate}")
        with page.expect_navigation():
            page.click("form.form button[type=submit]")
        assert page.url.endswith(f"/credit/enterprises/{candidate}")
        assert page.inner_text("#credit-score") == "100"
        _clean(page, template_errors, bad, "designated")
    finally:
        page.context.close()
    # --- the public list of model units
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    bad = _watch(page)
    try:
        page.goto(live_server + f"/public/credit/model-units?region={CREDIT_COUNTY}")
        rows = page.locator("#model-units tbody tr").all_inner_texts()
        assert any("诚信测试示范候选店" in r and TODAY.isoformat() in r and CREDIT_COUNTY in r for r in rows), rows
        _clean(page, template_errors, bad, "public-model-units")
        page.goto(live_server + "/credit/rules")
        _clean(page, template_errors, bad, "rules")
    finally:
        context.close()
