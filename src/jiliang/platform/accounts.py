"""Accounts: users, login with rate limiting, API tokens."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from jiliang.platform import audit
from jiliang.platform.access import Principal
from jiliang.platform.db import read_session, write_session
from jiliang.platform.errors import Conflict, DomainError, TooManyRequests, Unauthorized
from jiliang.platform.models import DUTIES, ROLES, ApiToken, LoginAttempt, User, utcnow
from jiliang.platform.security import check_password, hash_password, new_api_token
from jiliang.platform.settings import get_settings


def create_user(
    *, actor: Principal, username: str, password: str, role: str, display_name: str,
    region_code: str | None = None, organisation_id: int | None = None, duties: tuple[str, ...] = (),
) -> User:
    if actor.role != "admin":
        raise DomainError("only an administrator creates accounts")
    if role not in ROLES:
        raise DomainError(f"unknown role '{role}'", field="role")
    if any(d not in DUTIES for d in duties):
        raise DomainError("unknown duty", field="duties")
    if len(password) < 8:
        raise DomainError("password must have at least 8 characters", field="password")
    if role == "regulator" and not region_code:
        raise DomainError("a regulator needs a region", field="region_code")
    if role in ("enterprise", "institution") and not organisation_id:
        raise DomainError("this role needs an organisation", field="organisation_id")
    with write_session() as s:
        if s.scalar(select(User.id).where(User.username == username)):
            raise Conflict(f"user name '{username}' is taken", field="username")
        user = User(
            username=username, display_name=display_name, password_hash=hash_password(password), role=role,
            region_code=region_code, organisation_id=organisation_id, duties=",".join(duties),
        )
        s.add(user)
        s.flush()
        audit.record(
            s, actor=actor.username, action="create", object_type="user", object_id=user.id,
            after={"username": username, "role": role, "region_code": region_code,
                   "organisation_id": organisation_id, "duties": list(duties)},
        )
        return user


def authenticate(*, username: str, password: str, client: str) -> User:
    """Check a password, with at most N failures per user name and client in the window."""
    settings = get_settings()
    key = f"{username.lower()[:64]}|{client[:100]}"
    since = utcnow() - dt.timedelta(seconds=settings.login_window_seconds)
    with write_session() as s:
        failures = s.scalar(
            select(func.count()).where(
                LoginAttempt.key == key, LoginAttempt.at >= since, LoginAttempt.success.is_(False)
            )
        ) or 0
        if failures >= settings.login_max_failures:
            raise TooManyRequests("too many failed logins; wait and try again")
        user = s.execute(select(User).where(User.username == username)).scalar_one_or_none()
        ok = user is not None and user.is_active and check_password(user.password_hash, password)
        s.add(LoginAttempt(key=key, success=ok))
        if not ok:
            # commit the failed attempt, then refuse
            pass
    if not ok or user is None:
        raise Unauthorized("wrong user name or password")
    return user


def create_token(*, principal: Principal, name: str) -> str:
    if principal.user_id is None:
        raise Unauthorized("log in first")
    token, digest = new_api_token()
    with write_session() as s:
        row = ApiToken(user_id=principal.user_id, name=name[:100] or "token", token_hash=digest)
        s.add(row)
        s.flush()
        audit.record(s, actor=principal.username, action="create", object_type="api_token", object_id=row.id,
                     after={"name": row.name, "user_id": principal.user_id})
    return token


def list_tokens(*, principal: Principal) -> list[ApiToken]:
    with read_session() as s:
        return list(s.scalars(select(ApiToken).where(ApiToken.user_id == principal.user_id,
                                                       ApiToken.revoked.is_(False))))


def revoke_token(*, principal: Principal, token_id: int) -> None:
    with write_session() as s:
        row = s.get(ApiToken, token_id)
        if row is None or row.user_id != principal.user_id:
            from jiliang.platform.errors import NotFound

            raise NotFound(f"token {token_id} not found")
        row.revoked = True
        audit.record(s, actor=principal.username, action="revoke", object_type="api_token", object_id=row.id,
                     before={"revoked": False}, after={"revoked": True})


def logout(*, principal: Principal) -> None:
    """Invalidate every session cookie of the user (bumps the session version)."""
    if principal.user_id is None:
        return
    with write_session() as s:
        user = s.get(User, principal.user_id)
        if user is not None:
            user.session_version += 1
            audit.record(s, actor=principal.username, action="logout", object_type="user", object_id=user.id,
                         after={"session_version": user.session_version})


def load_regions(*, actor: Principal, regions: list[dict[str, object]]) -> int:
    """Insert regions that are missing (GB/T 2260 codes); audited. Returns the number added."""
    from jiliang.core.codes import parent_codes, region_level
    from jiliang.platform.models import Region

    if actor.role != "admin":
        raise DomainError("only an administrator loads regions")
    levels = {"province": 1, "prefecture": 2, "county": 3}
    added = 0
    with write_session() as s:
        existing = set(s.scalars(select(Region.code)))
        for row in sorted(regions, key=lambda r: str(r["code"])):
            code = str(row["code"])
            if code in existing:
                continue
            parents = [p for p in parent_codes(code) if p in existing]
            region = Region(
                code=code, name_zh=str(row["name_zh"]), name_en=str(row.get("name_en", "")),
                level=levels[region_level(code)], parent_code=parents[-1] if parents else None,
                synthetic=bool(row.get("synthetic", False)), source_status=str(row.get("source_status", "unverified")),
            )
            s.add(region)
            s.flush()
            existing.add(code)
            audit.record(s, actor=actor.username, action="create", object_type="region", object_id=code,
                         after={"name_zh": region.name_zh, "parent_code": region.parent_code})
            added += 1
    return added
