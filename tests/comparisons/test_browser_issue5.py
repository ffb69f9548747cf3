"""Issue 5: browser walk (headless Chromium): a regulator creates a comparison, three institutions submit
sealed results (each sees only its own), the last submission unseals it, the pilot analyses (Draft B),
the regulator approves and publishes, and the public sees the results page with the DoE plot.
Screenshots go to build/screens/comparisons/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCREENS = Path(__file__).resolve().parents[2] / "build" / "screens" / "comparisons"


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


def _login(page: Any, base: str, user: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form.form button[type=submit]")


def test_comparison_walk_in_the_browser(browser, live_server, template_errors, lab_users) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    SCREENS.mkdir(parents=True, exist_ok=True)
    users = [
        u
        for u in sorted(lab_users.values(), key=lambda u: u["org"]["id"])
        if u["org"]["region_code"].startswith("33")
    ]
    pilot, labs = users[4], users[5:8]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    bad = _watch(page)
    try:
        _login(page, live_server, "regulator", DEMO_PASSWORD)
        page.goto(live_server + "/comparisons")
        _clean(page, template_errors, bad)
        with page.expect_navigation():
            page.click("a[href='/comparisons/new']")
        page.select_option("select[name=kind]", "national")
        page.fill("input[name=title]", "浏览器比对：1 kg 质量标准")
        page.fill("input[name=quantity]", "质量")
        page.fill("input[name=unit]", "g")
        page.fill("textarea[name=artefact]", "1 kg 不锈钢砝码 E1")
        page.select_option("select[name=pilot_id]", str(pilot["org"]["id"]))
        page.fill("input[name=region_code]", "330000")
        page.fill("input[name=deadline]", (dt.date.today() + dt.timedelta(days=30)).isoformat())
        page.fill(
            "textarea[name=participants]",
            "\n".join(f"{u['org']['id']}, M{i + 1}" for i, u in enumerate(labs)),
        )
        page.screenshot(path=str(SCREENS / "01-new.png"), full_page=True)
        with page.expect_navigation():
            page.click("form.form button[type=submit]")
        assert page.inner_text("h1") == "浏览器比对：1 kg 质量标准"
        url = page.url
        _clean(page, template_errors, bad)
        values = ["1000.000213", "1000.000188", "1.000000251"]
        units = ["g", "g", "kg"]
        for i, u in enumerate(labs):
            _login(page, live_server, u["username"], "cmp-pass-2026")
            page.goto(url)
            page.fill("#submit-form input[name=value]", values[i])
            page.fill(
                "#submit-form input[name=standard_uncertainty]",
                "0.000031" if units[i] == "g" else "0.000000031",
            )
            page.fill("#submit-form input[name=unit]", units[i])
            with page.expect_navigation():
                page.click("#submit-form button[type=submit]")
            body = page.inner_text("main")
            assert values[i] in body
            for j, other in enumerate(values):
                if j != i:
                    assert other not in body, (i, other)
            if i == 0:
                assert page.get_attribute("#seal-status", "data-state") == "sealed"
                page.screenshot(path=str(SCREENS / "02-sealed-participant.png"), full_page=True)
            _clean(page, template_errors, bad)
        assert page.get_attribute("#seal-status", "data-state") == "unsealed"
        assert page.get_attribute("#seal-status", "data-reason") == "all_submitted"
        _login(page, live_server, pilot["username"], "cmp-pass-2026")
        page.goto(url)
        assert all(
            v in page.inner_text("#submissions") for v in ("1000.000213", "1000.000188", "1.000000251")
        )
        page.select_option("#analyse-form select[name=kind]", "draft_b")
        page.select_option("#analyse-form select[name=method]", "weighted-mean")
        page.screenshot(path=str(SCREENS / "03-pilot-unsealed.png"), full_page=True)
        with page.expect_navigation():
            page.click("#analyse-form button[type=submit]")
        assert page.locator("figure.chart svg").count() == 2
        analysis_url = page.url
        _clean(page, template_errors, bad)
        _login(page, live_server, "regulator", DEMO_PASSWORD)
        page.goto(analysis_url)
        page.screenshot(path=str(SCREENS / "04-draft-b.png"), full_page=True)
        with page.expect_navigation():
            page.click("form[action$='/publish'] button")
        page.context.clear_cookies()
        page.goto(page.url)
        assert page.inner_text("h1") == "浏览器比对：1 kg 质量标准"
        assert page.locator("figure.chart svg").count() == 2
        assert "1000.000" in page.inner_text(".kcrv")
        page.screenshot(path=str(SCREENS / "05-public.png"), full_page=True)
        _clean(page, template_errors, bad)
        page.goto(live_server + "/lang/en")
        page.goto(page.url if "/public/" in page.url else live_server + "/public/comparisons")
        _clean(page, template_errors, bad)
    finally:
        page.close()
