"""Browser tests (issue 2 acceptance): headless Chromium logs in as each role and walks the main pages.

For every role (admin, regulator, institution, enterprise) the walk covers home, dashboard
(regulator/admin; the others must be refused with 403), the instrument list and its filters,
an instrument's detail page, recall notices, organisations and one organisation, the catalogue, the
import page and the account page: first in the default language (html lang zh-CN), then again after
clicking the language switch (html lang en). Every page must answer 200 with no template error
(no error text, no raw template syntax, and no undefined value printed by a template: see
``template_errors`` in conftest), no JavaScript error and no HTTP response >= 500 (all responses the
page loads are watched). The main pages are saved as full-page screenshots that must be non-empty PNGs.

The public (no login) opens /public/instruments/{code} (no owner data shown), the lookup form and the
printable label, whose QR code <svg> must encode the public URL.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # about 40-90 s: four roles x two languages

ROLES = ("admin", "regulator", "institution", "enterprise")
VIEWPORT = {"width": 1360, "height": 900}
# What a broken template or an unhandled error leaves in the HTML.
ERROR_MARKERS = (
    "Traceback",
    "UndefinedError",
    "TemplateSyntaxError",
    "TemplateNotFound",
    "TemplateError",
    "jinja2.",
    "Internal Server Error",
    "internal error",
)
# Unrendered template syntax in the visible text.
RAW_SYNTAX = ("{{", "}}", "{%", "%}", "{#")
NAV_TEXT = {"zh_CN": ("计量器具", "强检目录"), "en": ("Instruments", "Catalogue")}
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass
class Watch:
    """Everything a page did wrong while it was open."""

    server_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on(
            "response",
            lambda r: (
                self.server_errors.append(f"{r.status} {r.request.method} {r.url}")
                if r.status >= 500
                else None
            ),
        )
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))

    def assert_clean(self) -> None:
        assert self.server_errors == [], f"HTTP >= 500 responses: {self.server_errors}"
        assert self.page_errors == [], f"JavaScript errors: {self.page_errors}"


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert len(data) > 1000, f"{path.name}: screenshot is empty ({len(data)} bytes)"
    assert data[:8] == PNG_SIGNATURE, f"{path.name}: not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 100 and height > 100, f"{path.name}: {width}x{height}"


class Walker:
    """Drives one browser page through the site, checking and photographing every page it lands on."""

    def __init__(self, page: Any, base: str, shots: Path, prefix: str, template_errors: list[str]) -> None:
        self.page = page
        self.base = base
        self.shots = shots
        self.prefix = prefix
        self.lang = "zh_CN"
        self.taken: list[Path] = []
        self.template_errors = template_errors

    def check(self, name: str, shot: bool = True) -> None:
        page = self.page
        assert page.get_attribute("html", "lang") == HTML_LANG[self.lang], (name, page.url)
        html = page.content()
        for marker in ERROR_MARKERS:
            assert marker not in html, f"{name} ({page.url}) shows {marker!r}"
        text = page.inner_text("body")
        for marker in RAW_SYNTAX:
            assert marker not in text, f"{name} ({page.url}) shows raw template syntax {marker!r}"
        printed = list(self.template_errors)
        self.template_errors.clear()
        assert not printed, f"{name} ({page.url}) printed undefined template values: {printed}"
        if shot:
            path = self.shots / f"{self.prefix}-{name}-{self.lang}.png"
            page.screenshot(path=str(path), full_page=True)
            assert_png(path)
            self.taken.append(path)

    def visit(self, path: str, name: str, status: int = 200, shot: bool = True) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None
        assert response.status == status, f"{path}: HTTP {response.status}"
        self.check(name, shot)

    def click_to(self, selector: str, name: str, url_pattern: str, shot: bool = True) -> None:
        """Click a link or button, expect a 200 page at a URL matching ``url_pattern``, check it."""
        with self.page.expect_navigation() as nav:
            self.page.locator(selector).first.click()
        response = nav.value
        assert response is not None and response.status == 200, f"{name}: HTTP {response and response.status}"
        assert re.fullmatch(re.escape(self.base) + url_pattern, self.page.url), (name, self.page.url)
        self.check(name, shot)


def login(page: Any, base: str, username: str) -> None:
    page.goto(base + "/login")
    assert page.get_attribute("html", "lang") == "zh-CN"
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("form.form button[type=submit]")
    assert page.url == base + "/", f"login as {username} did not land on the home page: {page.url}"
    assert page.locator("header .user a[href='/account']").count() == 1


def grid_rows(page: Any) -> Any:
    """Data rows of the first grid (an empty result is one row with a single cell)."""
    return page.locator("table.grid").first.locator("tbody tr:has(td:nth-child(2))")


def column(page: Any, n: int, prop: str = "innerText") -> list[str]:
    """The ``n``-th (1-based) cell of every data row of the first grid, read in one round trip."""
    return grid_rows(page).evaluate_all(f"rows => rows.map(r => r.children[{n - 1}].{prop}.trim())")  # type: ignore[no-any-return]


def assert_all_overdue(page: Any, where: str) -> None:
    due = column(page, 8, "innerHTML")
    assert due, f"{where}: the overdue list is empty"
    bad = [cell for cell in due if "badge overdue" not in cell]
    assert not bad, f"{where}: rows that are not overdue: {bad[:3]}"


def walk_pages(w: Walker, role: str) -> None:
    page = w.page
    w.visit("/", "home")
    nav = page.inner_text("header nav")
    for word in NAV_TEXT[w.lang]:
        assert word in nav, (w.lang, nav)

    # dashboard: regulators and administrators only
    if role in ("regulator", "admin"):
        w.visit("/dashboard", "dashboard")
        assert page.locator(".panel svg").count() >= 4, "dashboard charts (server-rendered SVG) missing"
        assert page.locator(".cards .card").count() >= 4
        # drill down: the overdue card opens the overdue list of the dashboard's region
        w.click_to(
            ".cards a.card[href*='overdue=true']",
            "dashboard-drilldown",
            r"/instruments\?.*overdue=true.*",
            shot=False,
        )
        assert_all_overdue(page, "dashboard drill-down")
        # and a region row of the table opens that region's dashboard
        w.visit("/dashboard", "dashboard-again", shot=False)
        w.click_to(
            "table.grid tbody tr td a[href^='/dashboard?region=']",
            "dashboard-subregion",
            r"/dashboard\?region=\d{6}",
            shot=False,
        )
    else:
        assert page.locator("header nav a[href='/dashboard']").count() == 0
        w.visit("/dashboard", "dashboard-refused", status=403)

    # instrument list and its filters
    w.visit("/instruments", "instruments")
    assert grid_rows(page).count() > 0, f"{role} sees no instruments"
    page.check("input[name=overdue]")
    w.click_to("form.filters button[type=submit]", "instruments-overdue", r"/instruments\?.*overdue=true.*")
    assert_all_overdue(page, "overdue filter")
    page.uncheck("input[name=overdue]")
    page.select_option("select[name=status]", "in_use")
    page.select_option("select[name=use]", index=1)
    use_label = page.locator("select[name=use] option:checked").inner_text().strip()
    use_value = page.input_value("select[name=use]")
    w.click_to("form.filters button[type=submit]", "instruments-filtered", r"/instruments\?.*", shot=False)
    assert "status=in_use" in page.url and f"use={use_value}" in page.url and "overdue" not in page.url
    assert page.input_value("select[name=use]") == use_value, "the use filter was not kept"
    assert all("badge in_use" in cell for cell in column(page, 6, "innerHTML")), (
        "status filter let others through"
    )
    assert set(column(page, 5)) <= {use_label}, "use filter let others through"

    # one instrument's detail page, reached by clicking its code
    w.visit("/instruments", "instruments-again", shot=False)
    code = page.locator("table.grid tbody tr td a code").first.inner_text().strip()
    w.click_to("table.grid tbody tr td a:has(code)", "instrument-detail", r"/instruments/\d+")
    assert code in page.inner_text("h1")

    w.visit("/recalls", "recalls")

    # organisations: the list, its filter form (empty kind = any kind), one organisation
    w.visit("/organisations", "organisations")
    assert grid_rows(page).count() > 0, f"{role} sees no organisation"
    w.click_to(
        "form.filters button[type=submit]", "organisations-any-kind", r"/organisations\?.*", shot=False
    )
    assert grid_rows(page).count() > 0
    page.select_option("select[name=kind]", "institution")
    w.click_to(
        "form.filters button[type=submit]",
        "organisations-institutions",
        r"/organisations\?.*kind=institution.*",
        shot=False,
    )
    assert len(set(column(page, 3))) <= 1, "the kind filter let other kinds through"
    w.visit("/organisations", "organisations-again", shot=False)
    org_name = page.locator("table.grid tbody tr td a").first.inner_text().strip()
    w.click_to("table.grid tbody tr td a", "organisation-detail", r"/organisations/\d+")
    assert org_name in page.inner_text("main")

    w.visit("/catalogue", "catalogue")
    assert page.locator("table tbody tr").count() > 10, "catalogue is nearly empty"

    w.visit("/instruments/import", "import")
    assert page.locator("input[type=file][name=file]").count() == 1
    assert page.locator("a[href='/instruments/template.xlsx']").count() == 1

    w.visit("/account", "account")
    assert role in page.inner_text("main")


@pytest.mark.parametrize("role", ROLES)
def test_role_walks_main_pages_in_both_languages(browser, live_server, screenshot_dir, template_errors, role):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport=VIEWPORT)
    try:
        page = ctx.new_page()
        watch = Watch()
        watch.attach(page)
        login(page, live_server, role)
        w = Walker(page, live_server, screenshot_dir, role, template_errors)
        walk_pages(w, role)  # default language: Chinese

        # the language switch (on the account page, where the walk ended) goes to English, same page
        switch = page.locator("header a.lang")
        assert switch.count() == 1
        assert switch.inner_text().strip() == "English"
        with page.expect_navigation():
            switch.click()
        assert page.url == live_server + "/account", page.url
        assert page.get_attribute("html", "lang") == "en"
        w.lang = "en"
        walk_pages(w, role)

        # and back to Chinese
        with page.expect_navigation():
            page.click("header a.lang")
        assert page.get_attribute("html", "lang") == "zh-CN"

        watch.assert_clean()
        assert len(w.taken) >= 2 * 10
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def public_instrument(demo_db) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """An in-use instrument with a verification, and its owner's identifying data."""
    from sqlalchemy import select

    from jiliang.instruments.models import Instrument
    from jiliang.organisations.models import Organisation
    from jiliang.platform.db import read_session

    with read_session() as s:
        inst = s.scalars(
            select(Instrument)
            .where(Instrument.status == "in_use", Instrument.last_verified_on.is_not(None))
            .order_by(Instrument.id)
            .limit(1)
        ).one()
        owner = s.get(Organisation, inst.owner_id)
        assert owner is not None
        return {
            "code": inst.code,
            "owner_name": owner.name,
            "owner_credit_code": owner.credit_code,
            "serial_number": inst.serial_number or "",
        }


def test_public_instrument_page_and_label(
    browser, live_server, screenshot_dir, template_errors, public_instrument
):  # type: ignore[no-untyped-def]
    import segno

    code = public_instrument["code"]
    ctx = browser.new_context(viewport={"width": 1000, "height": 700})
    try:
        page = ctx.new_page()
        watch = Watch()
        watch.attach(page)
        w = Walker(page, live_server, screenshot_dir, "public", template_errors)

        # the lookup form leads to the instrument's public page
        w.visit("/public/lookup", "lookup")
        page.fill("input[name=code]", code)
        with page.expect_navigation():
            page.click("form.form button[type=submit]")
        assert page.url == f"{live_server}/public/instruments/{code}"
        w.check("instrument")
        body = page.inner_text("body")
        assert code in body
        for private in (public_instrument["owner_name"], public_instrument["owner_credit_code"]):
            assert private not in page.content(), "the public page shows owner data"
        assert page.locator("header a[href='/login']").count() == 1  # nobody is logged in

        # the printable label: a QR <svg> that encodes this page's URL
        with page.expect_navigation():
            page.click(f"a[href='/public/instruments/{code}/label']")
        assert page.url == f"{live_server}/public/instruments/{code}/label"
        w.check("label")
        assert code in page.inner_text("body")
        svg = page.locator(".label svg")
        assert svg.count() == 1, "the label has no QR code <svg>"
        drawn = svg.locator("path").first.get_attribute("d")
        expected = segno.make(f"{live_server}/public/instruments/{code}", error="m")
        import io

        buf = io.BytesIO()
        expected.save(buf, kind="svg", scale=4, xmldecl=False, svgns=True, nl=False)
        expected_d = re.search(r' d="([^"]+)"', buf.getvalue().decode())
        assert expected_d is not None and drawn == expected_d.group(1), (
            "the QR code does not encode the public URL"
        )
        box = svg.bounding_box()
        assert box is not None and box["width"] > 50 and box["height"] > 50

        # an unknown code is a clean 404 page, and the register itself needs a login
        w.visit("/public/instruments/ZZ-NO-SUCH-CODE", "unknown-code", status=404)
        page.goto(live_server + "/instruments")
        assert page.url.startswith(live_server + "/login"), page.url
        w.check("login-redirect")

        # the public pages follow the language switch too, the label included
        w.visit(f"/public/instruments/{code}", "instrument-before-switch")
        with page.expect_navigation():
            page.click("header a.lang")
        w.lang = "en"
        w.check("instrument")
        w.visit(f"/public/instruments/{code}/label", "label")

        watch.assert_clean()
    finally:
        ctx.close()
