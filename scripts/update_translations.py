"""Regenerate the gettext catalogues from the sources.

Extracts every msgid (pybabel extract over babel.cfg), adds the msgids used through variables
(roles, statuses, uses, sectors, verification forms), keeps existing translations and reports
untranslated entries. Usage: python scripts/update_translations.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "src" / "jiliang" / "platform" / "locale"
DYNAMIC = [
    # roles and duties
    "public", "regulator", "institution", "enterprise", "admin", "verifier", "checker", "approver",
    # instrument status and results, notice status
    "in_use", "suspended", "scrapped", "pass", "fail", "open", "acknowledged", "resolved",
    # uses
    "trade_settlement", "safety_protection", "medical_health", "environmental_monitoring",
    # sectors
    "shop", "market", "fuel_station", "hospital", "factory", "utility", "transport", "lab", "other",
    # verification forms and source statuses
    "periodic", "first_only_scrap", "first_only_fixed_life", "none", "unknown", "unverified", "verified",
    # error titles
    "Invalid request", "Please log in", "Not allowed", "Not found", "Conflict", "Too large", "Invalid input",
    "Too many requests", "Error",
]


def main() -> int:
    pot = ROOT / "build" / "messages.pot"
    pot.parent.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
                    "-o", str(pot), "--no-location", "--sort-output", str(ROOT)], check=True, capture_output=True)
    with pot.open("rb") as fh:
        template = read_po(fh)
    ids = [m.id for m in template if m.id] + DYNAMIC
    missing_total = 0
    for lang in ("zh_CN", "en"):
        path = LOCALE / lang / "LC_MESSAGES" / "messages.po"
        old = {}
        if path.exists():
            with path.open("rb") as fh:
                old = {m.id: m.string for m in read_po(fh) if m.id}
        catalog = Catalog(locale=lang, project="jiliang", fuzzy=False)
        for msgid in sorted(set(ids)):
            text = old.get(msgid, "")
            catalog.add(msgid, text)
            if lang == "zh_CN" and not text:
                missing_total += 1
                print(f"untranslated ({lang}): {msgid}")
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=0, omit_header=False)
    return 1 if missing_total else 0


if __name__ == "__main__":
    raise SystemExit(main())
