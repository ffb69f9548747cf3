"""Issue 6: browser walk (headless Chromium) of the verification work, up to the approved record.

The provincial institute's verifier receives a scale from the register, assigns it to himself, gives the
instrument parameters, enters readings and the temperature, picks a measurement standard and signs; the checker
and the approver sign in their own sessions. No page prints an undefined template value or raw template syntax,
or answers >= 500. Screenshots go to build/screens/verification/.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEMO_PASSWORD
from tests.platform.scope_issue2 import scalar

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCREENS = Path(__file__).resolve().parents[2] / "build" / "screens" / "verification"


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


def _login(page: Any, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("form[action='/login'] button[type=submit]")


def _shot(page: Any, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)


def test_verification_walk_in_the_browser(browser, live_server, template_errors, vworld) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from jiliang.organisations import service as org_service
    from jiliang.organisations.schemas import AuthorisationCreate
    from jiliang.platform.access import SYSTEM

    today = dt.date.today()
    org_service.add_authorisation(
        principal=SYSTEM,
        institution_id=vworld["institution_id"],
        data=AuthorisationCreate(
            catalogue_code="0201",
            region_code="330000",
            valid_until=today + dt.timedelta(days=200),
            annual_capacity=1,
        ),
    )
    scale = scalar(
        "SELECT code FROM instruments WHERE catalogue_code = '0201' AND status = 'in_use' AND region_code LIKE '3303%' "
        "AND id NOT IN (SELECT instrument_id FROM work_orders WHERE instrument_id IS NOT NULL) ORDER BY id"
    )
    standard = scalar("SELECT id FROM measurement_standards WHERE identifier = 'ZJ-M-F1-2019-01'")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    bad = _watch(page)
    try:
        _login(page, live_server, "institution")
        page.goto(live_server + "/verification/standards")
        assert page.locator("table.grid tbody tr").count() >= 7
        _shot(page, "standards")
        _clean(page, template_errors, bad)
        page.goto(live_server + f"/verification/standards/{standard}")
        _shot(page, "standard")
        _clean(page, template_errors, bad)
        page.goto(live_server + "/verification/work-orders/new")
        page.fill("input[name=instrument_code]", scale)
        with page.expect_navigation():
            page.click("form.panel button[type=submit]")
        assert "/verification/work-orders/" in page.url, page.inner_text("body")[:500]
        page.select_option("select[name=assignee]", "institution")
        with page.expect_navigation():
            page.click("form[action$='/assign'] button[type=submit]")
        _shot(page, "work_order")
        with page.expect_navigation():
            page.click("#enter-readings")
        page.select_option("select[name='instrument.accuracy_class']", "III")
        page.fill("input[name='instrument.max_capacity']", "15")
        page.fill("input[name='instrument.e']", "5")
        with page.expect_navigation():
            page.click("button[value=parameters]")
        _clean(page, template_errors, bad)
        page.fill("input[name='environment.temperature']", "21.3")
        rows = page.locator("#points tbody tr")
        for i in range(rows.count()):
            nominal = rows.nth(i).locator("td").nth(2).inner_text().split()[0]
            inputs = rows.nth(i).locator("input[name^='point.'][inputmode=decimal]")
            for j in range(inputs.count()):
                inputs.nth(j).fill(nominal)
        page.check(f"input[name='standard.{standard}']")
        page.fill(f"input[name='standard.{standard}.u']", "0.0002")
        page.fill(f"input[name='standard.{standard}.unit']", "kg")
        _shot(page, "record_form")
        with page.expect_navigation():
            page.click("#save-record")
        assert "/verification/records/" in page.url, page.inner_text("#form-error")
        assert page.locator("#evaluation tbody tr[data-point]").count() >= 7
        assert page.locator("#source-status").is_visible()
        page.fill("#sign-form input[name=password]", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("#sign-form button[type=submit]")
        record_url = page.url
        _clean(page, template_errors, bad)
        for user in ("verif_checker", "verif_approver"):
            page.context.clear_cookies()
            _login(page, live_server, user)
            page.goto(record_url)
            page.fill("#sign-form input[name=password]", DEMO_PASSWORD)
            with page.expect_navigation():
                page.click("#sign-form button[type=submit]")
            _clean(page, template_errors, bad)
        assert page.locator("#signatures tbody tr").count() == 3
        assert page.locator("#hash-status.pass").count() == 1
        _shot(page, "record_approved")
        page.goto(live_server + "/lang/en")
        page.goto(record_url)
        _clean(page, template_errors, bad)
        _shot(page, "record_approved_en")
    finally:
        page.close()
