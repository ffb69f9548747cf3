"""Template conventions that, broken, give a 500 only on some pages (e.g. a list's second page)."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "jiliang"
IMPORT = re.compile(r"{%-?\s*(from\s+\"[^\"]+\"\s+import\s+[^%]*?|import\s+\"[^\"]+\"[^%]*?)\s*-?%}")


def test_macro_imports_carry_the_context() -> None:
    """The macros call request-bound helpers (``qs`` in ``pager``, ``_``), which Jinja hands to an
    imported macro only ``with context``; without it the page fails the first time the macro runs."""
    bad = []
    for path in sorted(SRC.rglob("templates/**/*.html")):
        for m in IMPORT.finditer(path.read_text(encoding="utf-8")):
            if "with context" not in m.group(1):
                bad.append(f"{path.relative_to(SRC)}: {m.group(0)}")
    assert not bad, "macro imports without `with context`:\n" + "\n".join(bad)


def test_the_rule_sees_a_bad_import(tmp_path: Path) -> None:
    sample = '{% from "macros.html" import pager %}\n{% from "macros.html" import pager with context %}'
    found = [m.group(1) for m in IMPORT.finditer(sample)]
    assert len(found) == 2 and ["with context" in f for f in found] == [False, True]


def test_every_parameterless_page_survives_a_second_page(app, client) -> None:  # type: ignore[no-untyped-def]
    """Every GET route without a path parameter, asked for ?page=2 by the public and by an administrator
    (who sees the most rows): never a server error."""
    from tests.conftest import login
    from tests.platform.test_access_matrix_issue2 import app_routes

    paths = sorted(r.split(" ", 1)[1] for r in app_routes(app) if r.startswith("GET ") and "{" not in r)
    assert len(paths) > 50
    failures = []
    for who in ("public", "admin"):
        if who == "admin":
            login(client, "admin")
        for path in paths:
            r = client.get(path, params={"page": 2})
            if r.status_code >= 500:
                failures.append((who, path, r.status_code))
    assert not failures, failures


def test_status_badge_never_shows_a_raw_code() -> None:
    """A status code with no translation in the page's language reads as words (in_progress → in progress);
    a translated one shows the translation; the code itself stays in the title."""
    from jiliang.platform import i18n
    from jiliang.platform.web import environment

    template = environment().from_string(
        '{% from "macros.html" import status_badge with context %}{{ status_badge(s) }}'
    )
    i18n.set_language("en")
    try:
        html = template.render(s="awaiting_second_look")
        assert ">awaiting second look</span>" in html and 'title="awaiting_second_look"' in html
        i18n.set_language("zh_CN")
        assert ">合格</span>" in template.render(s="pass")
    finally:
        i18n.set_language(i18n.DEFAULT_LANGUAGE)
