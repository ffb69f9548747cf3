"""Every user-facing string has a Chinese translation; English switch works (issue 2)."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

SRC = Path(__file__).resolve().parents[2] / "src" / "jiliang"
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def _catalog(lang: str) -> dict[str, str]:
    path = SRC / "platform" / "locale" / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh) if m.id}


def test_every_message_translated_to_chinese() -> None:
    zh = _catalog("zh_CN")
    found = {msg for _f, _l, msg, *_ in extract_from_dir(str(SRC), METHODS, options_map=OPTIONS) if isinstance(msg, str)}
    assert len(found) > 100
    missing = sorted(m for m in found if not zh.get(m))
    assert not missing, f"untranslated: {missing[:20]} (run scripts/update_translations.py)"


PLACEHOLDER = re.compile(r"%\([A-Za-z0-9_]+\)[sdfr]|%[sdfr%]")


def test_translations_keep_the_placeholders() -> None:
    """Templates format every message with %, so a translation must carry exactly the msgid's
    placeholders and no stray % (a bare "%" in a translation is a 500 on the page that shows it)."""
    for lang in ("zh_CN", "en"):
        bad = []
        for msgid, text in _catalog(lang).items():
            if not text:
                continue
            stray = re.sub(PLACEHOLDER, "", text).count("%")
            if stray or sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(text)):
                bad.append((msgid, text))
        assert not bad, f"{lang}: translations whose %-placeholders differ from the msgid: {bad[:10]}"


def test_language_switch(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/catalogue")
    assert 'lang="zh-CN"' in r.text and "强检目录" in r.text
    client.get("/lang/en")
    r = client.get("/catalogue")
    assert 'lang="en"' in r.text and "Catalogue of measuring instruments" in r.text
    client.get("/lang/zh_CN")
    assert "强检目录" in client.get("/catalogue").text
