"""Take screenshots of the main pages (headless Chromium) into docs/screenshots/.

Usage: python scripts/screenshots.py [BASE_URL]   (the app must be running with the demo dataset)
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
PASSWORD = "jiliang-demo-2026"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]

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
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for lang in ("zh_CN", "en"):
            for user, path, name in PAGES:
                ctx = browser.new_context(viewport={"width": 1360, "height": 900})
                ctx.add_cookies([{"name": "jiliang_lang", "value": lang, "url": BASE}])
                page = ctx.new_page()
                if user:
                    page.goto(BASE + "/login")
                    page.fill("input[name=username]", user)
                    page.fill("input[name=password]", PASSWORD)
                    page.click("form.form button[type=submit]")
                    page.wait_for_load_state()
                page.goto(BASE + path)
                page.screenshot(path=str(OUT / f"{name}-{lang}.png"), full_page=True)
                ctx.close()
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
        page.goto(f"{BASE}/public/instruments/{code}/label")
        page.screenshot(path=str(OUT / "label-zh_CN.png"))
        browser.close()


if __name__ == "__main__":
    main()
