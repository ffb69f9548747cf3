"""Issue 7 part 2, browser walk (headless Chromium): a Hangzhou regulator fills the inspector pool, plans a
market campaign, makes the draw with a given seed, records an on-site scale checklist and a finding with an
evidence photo, approves publication; the public sees the results page and the draw's re-run check.
Screenshots go to build/screens/campaigns/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SCREENS = Path(__file__).resolve().parents[2] / "build" / "screens" / "campaigns"


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


def test_plan_select_inspect_publish_in_the_browser(browser, live_server, template_errors) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    bad = _watch(page)
    try:
        page.goto(live_server + "/login")
        page.fill("input[name=username]", "regulator_hz")
        page.fill("input[name=password]", DEMO_PASSWORD)
        with page.expect_navigation():
            page.click("form.form button[type=submit]")
        # the inspector pool: two inspectors of Hangzhou
        for name, badge in (("浏览器检查员甲", "ZJ-HZ-9001"), ("浏览器检查员乙", "ZJ-HZ-9002")):
            page.goto(live_server + "/campaign-inspectors")
            page.fill("input[name=name]", name)
            page.fill("input[name=badge_no]", badge)
            with page.expect_navigation():
                page.click("form.form button[type=submit]")
        assert "浏览器检查员乙" in page.inner_text("table.grid")
        _clean(page, template_errors, bad, "01-pool")
        # plan
        page.goto(live_server + "/campaigns")
        with page.expect_navigation():
            page.click("a[href='/campaigns/new']")
        page.fill("input[name=title]", "浏览器集贸市场计量专项检查")
        page.select_option("select[name=campaign_type]", "market")
        page.fill("input[name=starts_on]", "2026-11-01")
        page.fill("input[name=ends_on]", "2026-12-31")
        page.fill("input[name=sample_size]", "2")
        _clean(page, template_errors, bad, "02-plan")
        with page.expect_navigation():
            page.click("form.form button[type=submit]")
        assert page.inner_text("h1") == "浏览器集贸市场计量专项检查"
        campaign_url = page.url
        # select with a recorded seed
        page.fill("#select-form input[name=seed]", "20261127")
        with page.expect_navigation():
            page.click("#select-form button[type=submit]")
        assert page.inner_text("#seed") == "20261127"
        assert page.locator("#rerun .badge.pass").count() == 1
        assert page.locator("#tasks tbody tr").count() == 2
        _clean(page, template_errors, bad, "03-draw")
        # record both inspections: the first with a scale out of tolerance and a finding
        links = [page.locator("#tasks tbody tr a").nth(i).get_attribute("href") for i in range(2)]
        for n, href in enumerate(links):
            page.goto(live_server + href)
            page.fill("input[name=inspected_on]", "2026-11-20")
            page.fill("input[name=row0_subject]", f"秤-{n + 1}")
            page.fill("input[name=row0_test_load]", "10")
            page.fill("input[name=row0_indication]", "10.02" if n == 0 else "10.005")
            page.fill("input[name=row0_mpe]", "0.01")
            page.fill("input[name=row0_mpe_source]", "检定证书")
            if n == 0:
                page.check("input[name=row0_cheating_device]")
                _clean(page, template_errors, bad, "04-checklist")
            with page.expect_navigation():
                page.click("#inspection-form button[type=submit]")
            rows = page.locator("#check-items tbody tr")
            assert rows.count() == 1
            assert page.locator(f"#task-result .badge.{'fail' if n == 0 else 'pass'}").count() == 1
            if n == 0:
                page.select_option("select[name=severity]", "serious")
                page.select_option("select[name=category]", "cheating_device")
                page.fill("textarea[name=description]", "电子秤加装遥控作弊装置")
                page.set_input_files(
                    "input[name=evidence]",
                    files=[{"name": "cheat.jpg", "mimeType": "image/jpeg", "buffer": b"jpeg"}],
                )
                page.fill("input[name=penalty_legal_basis]", "《计量法实施细则》第五十一条")
                page.fill("input[name=penalty_amount]", "5000")
                page.fill("input[name=rectification_deadline]", "2026-12-10")
                with page.expect_navigation():
                    page.click("#finding-form button[type=submit]")
                assert "电子秤加装遥控作弊装置" in page.inner_text("#findings")
                assert page.locator("#findings code").count() == 1
                _clean(page, template_errors, bad, "05-finding")
        # approve publication
        page.goto(campaign_url)
        with page.expect_navigation():
            page.click("#publish-form button[type=submit]")
        assert page.locator("#published-state .badge.pass").count() == 1
        _clean(page, template_errors, bad, "06-published")
        public_href = page.locator("a[href^='/public/campaigns/']").first.get_attribute("href")
    finally:
        page.context.clear_cookies()
        page.close()
    # the public: results and the draw's re-run, without a login and without personal data
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    pub = ctx.new_page()
    bad = _watch(pub)
    try:
        pub.goto(live_server + "/public/campaigns")
        with pub.expect_navigation():
            pub.click(f"a[href='{public_href}']")
        assert pub.locator("#results tbody tr").count() == 2
        summary = pub.inner_text("#summary")
        assert "2 / 2" in summary
        text = pub.inner_text("body")
        for secret in ("浏览器检查员", "ZJ-HZ-", "5000", "遥控作弊装置", "第五十一条"):
            assert secret not in text, secret
        _clean(pub, template_errors, bad, "07-public-results")
        with pub.expect_navigation():
            pub.click(f"a[href='{public_href}/draw']")
        assert pub.inner_text("#seed") == "20261127" and pub.locator("#rerun .badge.pass").count() == 1
        _clean(pub, template_errors, bad, "08-public-draw")
    finally:
        ctx.close()
