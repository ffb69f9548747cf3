"""gettext translations (zh_CN default, en), loaded from the .po catalogues in ``locale/``.

The .po files are the source of truth; they are compiled in memory at start-up (Babel), so no
binary .mo file is kept in the repository. The language of a request lives in a context variable:
no process-wide locale is ever changed.
"""

from __future__ import annotations

import gettext
import io
from contextvars import ContextVar
from functools import cache
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = {"zh_CN": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh_CN"
_current: ContextVar[str] = ContextVar("jiliang_language", default=DEFAULT_LANGUAGE)


@cache
def translations(language: str) -> gettext.NullTranslations:
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    path = resources.files("jiliang.platform") / "locale" / language / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def set_language(language: str) -> None:
    _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def get_language() -> str:
    return _current.get()


def gettext_(message: str) -> str:
    return translations(get_language()).gettext(message)


def ngettext_(singular: str, plural: str, n: int) -> str:
    return translations(get_language()).ngettext(singular, plural, n)


_ = gettext_


def pick_language(cookie: str | None) -> str:
    """Chinese unless the user switched: the language cookie decides."""
    return cookie if cookie in LANGUAGES else DEFAULT_LANGUAGE  # type: ignore[return-value]
