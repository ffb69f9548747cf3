"""Take screenshots of the main pages (headless Chromium) into docs/screenshots/.

Usage: python scripts/screenshots.py [BASE_URL [CERTIFICATE_NUMBER]]
(the app must be running with the demo dataset: ``jiliang demo --seed 7``, whose ids the session-2 pages use).
SCREENSHOTS_ONLY=name,name... takes only those pages (names as in PAGES; "public-instrument" for the last two).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
PASSWORD = "jiliang-demo-2026"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

PAGES = [
    (None, "/", "home"),
    (None, "/catalogue", "catalogue"),
    ("regulator", "/dashboard", "dashboard"),
    ("regulator", "/instruments?overdue=true", "instruments-overdue"),
    ("enterprise", "/instruments", "instruments-enterprise"),
    ("enterprise", "/recalls", "recalls"),
    ("regulator", "/instruments/import", "import"),
    ("institution", "/organisations?kind=institution", "organisations"),
    (None, "/tools/uncertainty", "uncertainty-calculator"),
    (None, "/tools/units", "units-tools"),
    ("institution", "/uncertainty-budgets", "uncertainty-budgets"),
    # session 2: verification and certificates (ids/numbers of the demo built with --seed 7)
    ("institution", "/verification/work-orders", "work-orders"),
    ("institution", "/verification/records/4", "verification-record"),
    ("institution", "/verification/standards", "measurement-standards"),
    ("institution", "/certificates", "certificates"),
    ("institution", "/certificates/{cert}", "certificate"),
    (None, "/public/certificates/{cert}", "public-certificate"),
    (None, "/public/certificates/verify", "certificate-verify"),
    # comparisons and proficiency testing
    ("regulator", "/comparisons", "comparisons"),
    (None, "/public/comparisons/1", "public-comparison"),
    ("institution", "/comparisons/2", "pt-round"),
    (None, "/public/comparisons/2", "public-pt-round"),
    # supervision: net content, C mark, campaigns, credit
    ("regulator", "/netcontent-inspections", "netcontent-inspections"),
    ("regulator", "/netcontent-inspections/9", "netcontent-inspection"),
    ("regulator", "/netcontent-statistics", "netcontent-statistics"),
    ("regulator", "/cmark-declarations", "cmark-declarations"),
    ("regulator", "/campaigns", "campaigns"),
    (None, "/public/campaigns/1", "public-campaign"),
    (None, "/public/campaigns/1/draw", "campaign-draw"),
    ("regulator", "/credit?grade=D", "credit"),  # unfiltered /credit: 500 while the pager shows (see report)
    ("regulator", "/credit/enterprises/503", "credit-enterprise"),
    (None, "/public/credit/model-units", "model-units"),
]

ONLY = {n for n in os.environ.get("SCREENSHOTS_ONLY", "").split(",") if n}
# the first certificate the demo issues (``jiliang demo --seed 7``); pass another as the second argument
CERT = sys.argv[2] if len(sys.argv) > 2 else "100740372-2026-000001"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for lang in ("zh_CN", "en"):
            for user, path, name in PAGES:
                if ONLY and name not in ONLY:
                    continue
                ctx = browser.new_context(viewport={"width": 1360, "height": 900})
                ctx.add_cookies([{"name": "jiliang_lang", "value": lang, "url": BASE}])
                page = ctx.new_page()
                if user:
                    page.goto(BASE + "/login")
                    page.fill("input[name=username]", user)
                    page.fill("input[name=password]", PASSWORD)
                    page.click("form.form button[type=submit]")
                    page.wait_for_load_state()
                response = page.goto(BASE + path.format(cert=CERT))
                if response is not None and response.status >= 400:
                    print(f"{response.status} {path} ({user}, {lang})", file=sys.stderr)
                page.screenshot(path=str(OUT / f"{name}-{lang}.png"), full_page=True)
                ctx.close()
        if ONLY and "public-instrument" not in ONLY:
            browser.close()
            return
        # the public instrument page of an instrument shown on the enterprise's list
        ctx = browser.new_context(viewport={"width": 1000, "height": 700})
        page = ctx.new_page()
        page.goto(BASE + "/login")
        page.fill("input[name=username]", "enterprise")
        page.fill("input[name=password]", PASSWORD)
        page.click("form.form button[type=submit]")
        page.goto(BASE + "/instruments")
        code = page.inner_text("table.grid tbody tr td code")
        ctx.close()
        ctx = browser.new_context(viewport={"width": 1000, "height": 700})
        page = ctx.new_page()
        page.goto(f"{BASE}/public/instruments/{code}")
        page.screenshot(path=str(OUT / "public-instrument-zh_CN.png"), full_page=True)
        ctx.add_cookies([{"name": "jiliang_lang", "value": "en", "url": BASE}])
        page.goto(f"{BASE}/public/instruments/{code}")
        page.screenshot(path=str(OUT / "public-instrument-en.png"), full_page=True)
        ctx.clear_cookies()
        page.goto(f"{BASE}/public/instruments/{code}/label")
        page.screenshot(path=str(OUT / "label-zh_CN.png"))
        browser.close()


if __name__ == "__main__":
    main()
