"""Web plumbing shared by every area: templates, the current principal, CSRF, rendering helpers."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from jiliang.platform import i18n
from jiliang.platform.access import PUBLIC, Principal
from jiliang.platform.db import read_session
from jiliang.platform.errors import DomainError, Forbidden
from jiliang.platform.models import ApiToken, Region, User
from jiliang.platform.security import (
    LANG_COOKIE,
    SESSION_COOKIE,
    read_session_cookie,
    token_digest,
)
from jiliang.platform.settings import get_settings

CSRF_COOKIE = "jiliang_csrf"
_template_dirs: list[Path] = []


def add_template_dir(package: str) -> None:
    """Areas register their ``templates/`` folder at start-up."""
    path = Path(str(resources.files(package) / "templates"))
    if path not in _template_dirs:
        _template_dirs.append(path)
        _env_cache.clear()


_env_cache: dict[str, Environment] = {}


def environment() -> Environment:
    env = _env_cache.get("env")
    if env is None:
        add_template_dir_base = Path(str(resources.files("jiliang.platform") / "templates"))
        loader = ChoiceLoader([FileSystemLoader([add_template_dir_base, *_template_dirs])])
        env = Environment(loader=loader, autoescape=select_autoescape(["html", "xml", "svg"]),
                          extensions=["jinja2.ext.i18n"])
        env.install_gettext_callables(  # type: ignore[attr-defined]
            i18n.gettext_, i18n.ngettext_, newstyle=True
        )
        env.globals["lang_names"] = i18n.LANGUAGES
        env.globals["localized"] = localized
        env.filters["d"] = lambda v: v.isoformat() if isinstance(v, dt.date) else ("" if v is None else v)
        _env_cache["env"] = env
    return env


def localized(zh: str | None, en: str | None) -> str:
    """The English form on English pages when there is one, else the Chinese form."""
    if i18n.get_language() == "en" and en:
        return en
    return zh or en or ""


def region_labels(codes: Any) -> dict[str, str]:
    """``name (code)`` of GB/T 2260 region codes from the regions table, in the page's language (the
    English name on English pages when one is recorded); a code the table lacks stays as it is."""
    wanted = {str(c) for c in codes if c}
    if not wanted:
        return {}
    with read_session() as s:
        rows = s.scalars(select(Region).where(Region.code.in_(wanted)))
        found = {r.code: localized(r.name_zh, r.name_en) for r in rows}
    return {c: f"{found[c]} ({c})" if c in found else c for c in wanted}


def principal_from_user(user: User) -> Principal:
    return Principal(
        user_id=user.id, username=user.username, role=user.role, region_code=user.region_code,
        organisation_id=user.organisation_id, duties=tuple(user.duty_list), display_name=user.display_name,
    )


def current_principal(request: Request) -> Principal:
    """Resolve who is asking: an API bearer token, a session cookie, or the public."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    principal = PUBLIC
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        token = auth[7:].strip()
        with read_session() as s:
            row = s.execute(
                select(User).join(ApiToken, ApiToken.user_id == User.id).where(
                    ApiToken.token_hash == token_digest(token), ApiToken.revoked.is_(False), User.is_active.is_(True)
                )
            ).scalar_one_or_none()
        if row is None:
            from jiliang.platform.errors import Unauthorized

            raise Unauthorized("invalid or revoked API token")
        principal = principal_from_user(row)
        request.state.auth = "token"
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        parsed = read_session_cookie(cookie) if cookie else None
        if parsed:
            with read_session() as s:
                user = s.get(User, parsed[0])
            if user is not None and user.is_active and user.session_version == parsed[1]:
                principal = principal_from_user(user)
                request.state.auth = "cookie"
    request.state.principal = principal
    return principal


def csrf_for(request: Request) -> str:
    raw = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if raw is None:
        raw = secrets.token_hex(16)
        request.state.new_csrf = raw
    key = get_settings().resolved_secret_key().encode()
    return hmac.new(key, b"csrf:" + raw.encode(), hashlib.sha256).hexdigest()


async def check_csrf(request: Request) -> None:
    """Double-submit check for every state-changing request made with a browser cookie."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    current_principal_safe(request)
    auth = getattr(request.state, "auth", None)
    if auth == "token":
        return
    if auth != "cookie" and request.url.path != "/login":
        return  # nothing to forge: the route itself answers 401 to the public
    token = request.headers.get("x-csrf-token", "")
    if not token:
        ctype = request.headers.get("content-type", "")
        if "form" in ctype:
            form = await request.form()
            token = str(form.get("csrf_token", ""))
    raw = request.cookies.get(CSRF_COOKIE)
    if not raw or not token:
        raise Forbidden("missing CSRF token; reload the page and try again")
    key = get_settings().resolved_secret_key().encode()
    expected = hmac.new(key, b"csrf:" + raw.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, token):
        raise Forbidden("invalid CSRF token; reload the page and try again")


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    principal = current_principal_safe(request)
    env = environment()
    ctx = {
        "request": request,
        "principal": principal,
        "lang": i18n.get_language(),
        "csrf_token": csrf_for(request),
        "today": dt.date.today(),
        "qs": lambda **kw: _qs(request, **kw),
        **context,
    }
    html = env.get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code)
    finish(request, response)
    return response


def finish(request: Request, response: Response) -> None:
    new = getattr(request.state, "new_csrf", None)
    if new and not request.cookies.get(CSRF_COOKIE):
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="lax", secure=get_settings().cookie_secure)


def current_principal_safe(request: Request) -> Principal:
    try:
        return current_principal(request)
    except DomainError:
        return PUBLIC


def _qs(request: Request, **changes: Any) -> str:
    params = dict(request.query_params)
    for k, v in changes.items():
        if v is None or v == "":
            params.pop(k, None)
        else:
            params[k] = str(v)
    return "?" + urlencode(params) if params else "?"


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def login_required(request: Request) -> Principal:
    principal = current_principal(request)
    if principal.is_public:
        from jiliang.platform.errors import Unauthorized

        raise Unauthorized("please log in")
    return principal


def language_middleware_value(request: Request) -> str:
    return i18n.pick_language(request.cookies.get(LANG_COOKIE))
