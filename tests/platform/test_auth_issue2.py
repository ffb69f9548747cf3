"""Issue 2: accounts and sessions — login rate limiting, CSRF, logout, API tokens, Argon2 hashes.

The tests use their own accounts (created through the accounts service), so that locking one out or
logging it out does not disturb the demo users other tests log in as.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from tests.conftest import DEMO_PASSWORD, auth, csrf_of, login

PASSWORD = "auth-test-pass-2026"


def _admin():  # type: ignore[no-untyped-def]
    from jiliang.platform.db import read_session
    from jiliang.platform.models import User
    from jiliang.platform.web import principal_from_user

    with read_session() as s:
        return principal_from_user(s.execute(select(User).where(User.username == "admin")).scalar_one())


def make_user(username: str) -> None:
    from jiliang.platform import accounts

    accounts.create_user(actor=_admin(), username=username, password=PASSWORD, role="regulator",
                         display_name=username, region_code="330100")


@pytest.fixture()
def fresh(app):  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _login_form(client: TestClient, username: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "next": "/account",
                                       "csrf_token": token}, follow_redirects=False)


# ----------------------------------------------------------------------------------------------------
# rate limiting
# ----------------------------------------------------------------------------------------------------


def test_login_rate_limit_page_and_api(fresh) -> None:  # type: ignore[no-untyped-def]
    from jiliang.platform.settings import get_settings

    make_user("auth_rate")
    limit = get_settings().login_max_failures
    assert limit == 5
    for i in range(limit):
        r = _login_form(fresh, "auth_rate", f"wrong-{i}")
        assert r.status_code == 401, (i, r.status_code)
        assert "jiliang_session" not in r.cookies
    # the next attempt is refused before the password is looked at, even the right password
    r = _login_form(fresh, "auth_rate", PASSWORD)
    assert r.status_code == 429, r.status_code
    assert "jiliang_session" not in r.cookies
    r = fresh.post("/api/v1/tokens", json={"username": "auth_rate", "password": PASSWORD})
    assert r.status_code == 429 and r.json()["error"] == "too_many_requests"
    # the limit is per account name: another user from the same client still logs in
    make_user("auth_rate_other")
    assert _login_form(fresh, "auth_rate_other", PASSWORD).status_code == 303


def test_api_token_rate_limit(fresh) -> None:  # type: ignore[no-untyped-def]
    make_user("auth_rate_api")
    codes = [fresh.post("/api/v1/tokens", json={"username": "auth_rate_api", "password": "nope-nope"}).status_code
             for _ in range(7)]
    assert codes == [401] * 5 + [429] * 2
    # unknown user names are limited the same way (no user enumeration by timing the limit)
    codes = [fresh.post("/api/v1/tokens", json={"username": "auth_nobody", "password": "nope-nope"}).status_code
             for _ in range(6)]
    assert codes == [401] * 5 + [429]


# ----------------------------------------------------------------------------------------------------
# CSRF
# ----------------------------------------------------------------------------------------------------


def _own_instrument() -> int:
    from tests.platform.scope_issue2 import scalar

    return int(scalar("SELECT min(id) FROM instruments WHERE status = 'in_use' AND owner_id = "
                      "(SELECT organisation_id FROM users WHERE username = 'enterprise')"))


def test_csrf_required_for_cookie_sessions(app, tokens) -> None:  # type: ignore[no-untyped-def]
    iid = _own_instrument()
    with TestClient(app, raise_server_exceptions=False) as c, TestClient(app, raise_server_exceptions=False) as other:
        login(c, "enterprise")
        good = csrf_of(c.get("/account").text)
        other_token = csrf_of(other.get("/login").text)  # valid for another browser, not this one
        assert other_token != good
        url = f"/api/v1/instruments/{iid}"
        for headers in ({}, {"X-CSRF-Token": "0" * 64}, {"X-CSRF-Token": other_token}, {"X-CSRF-Token": ""}):
            r = c.patch(url, json={"accuracy_class": "csrf"}, headers=headers)
            assert r.status_code == 403, (headers, r.status_code)
        # HTML forms: no token, wrong token
        for data in ({"name": "x"}, {"name": "x", "csrf_token": "deadbeef"}, {"name": "x", "csrf_token": other_token}):
            r = c.post("/account/tokens", data=data)
            assert r.status_code == 403 and "jl_" not in r.text
        # nothing changed
        from tests.platform.scope_issue2 import scalar

        assert scalar("SELECT accuracy_class FROM instruments WHERE id = :i", i=iid) != "csrf"
        # with the right token the same requests succeed
        r = c.patch(url, json={"accuracy_class": "csrf-ok"}, headers={"X-CSRF-Token": good})
        assert r.status_code == 200, r.text
        r = c.post("/account/tokens", data={"name": "x", "csrf_token": good})
        assert r.status_code == 200 and "jl_" in r.text
    # a bearer token needs no CSRF token (it is not sent automatically by a browser)
    with TestClient(app, raise_server_exceptions=False) as api:
        r = api.patch(f"/api/v1/instruments/{iid}", json={"accuracy_class": "bearer"}, headers=auth(tokens["enterprise"]))
        assert r.status_code == 200, r.text


def test_login_form_needs_csrf(fresh) -> None:  # type: ignore[no-untyped-def]
    fresh.get("/login")
    r = fresh.post("/login", data={"username": "enterprise", "password": DEMO_PASSWORD}, follow_redirects=False)
    assert r.status_code == 403
    r = fresh.post("/login", data={"username": "enterprise", "password": DEMO_PASSWORD, "csrf_token": "ab" * 32},
                   follow_redirects=False)
    assert r.status_code == 403
    assert "jiliang_session" not in fresh.cookies


def test_login_redirect_is_local_only(fresh) -> None:  # type: ignore[no-untyped-def]
    make_user("auth_next")
    for target in ("https://evil.example/", "//evil.example/x"):
        token = csrf_of(fresh.get("/login").text)
        r = fresh.post("/login", data={"username": "auth_next", "password": PASSWORD, "next": target,
                                       "csrf_token": token}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/", r.headers.get("location")


# ----------------------------------------------------------------------------------------------------
# logout, tokens
# ----------------------------------------------------------------------------------------------------


def test_logout_invalidates_the_session_cookie(app) -> None:  # type: ignore[no-untyped-def]
    make_user("auth_logout")
    with TestClient(app, raise_server_exceptions=False) as a, TestClient(app, raise_server_exceptions=False) as b:
        assert _login_form(a, "auth_logout", PASSWORD).status_code == 303
        assert _login_form(b, "auth_logout", PASSWORD).status_code == 303  # a second browser
        stolen = a.cookies.get("jiliang_session")
        assert stolen and a.get("/account", follow_redirects=False).status_code == 200
        assert a.get("/api/v1/me").json()["username"] == "auth_logout"
        r = a.post("/logout", data={"csrf_token": csrf_of(a.get("/account").text)}, follow_redirects=False)
        assert r.status_code == 303
        assert a.get("/account", follow_redirects=False).status_code == 303
        # the old cookie, replayed, no longer works: not in this browser, not in the other one
        with TestClient(app, raise_server_exceptions=False) as replay:
            replay.cookies.set("jiliang_session", stolen)
            r = replay.get("/account", follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"].startswith("/login")
            assert replay.get("/api/v1/me").json()["role"] == "public"
            assert replay.get("/api/v1/instruments").status_code == 401
        assert b.get("/account", follow_redirects=False).status_code == 303
        # logging in again works
        assert _login_form(a, "auth_logout", PASSWORD).status_code == 303
        assert a.get("/account", follow_redirects=False).status_code == 200


def test_forged_session_cookie_is_ignored(app) -> None:  # type: ignore[no-untyped-def]
    from itsdangerous import URLSafeTimedSerializer

    from jiliang.platform.security import make_session_cookie
    from tests.platform.scope_issue2 import scalar

    uid = int(scalar("SELECT id FROM users WHERE username = 'admin'"))
    version = int(scalar("SELECT session_version FROM users WHERE username = 'admin'"))
    with TestClient(app, raise_server_exceptions=False) as c:
        # signed with another key
        forged = URLSafeTimedSerializer("not-the-secret", salt="jiliang-session").dumps({"u": uid, "v": version})
        c.cookies.set("jiliang_session", forged)
        assert c.get("/api/v1/me").json()["role"] == "public"
        # a correctly signed cookie of an old session version
        c.cookies.set("jiliang_session", make_session_cookie(uid, version - 1))
        assert c.get("/api/v1/me").json()["role"] == "public"
        c.cookies.set("jiliang_session", make_session_cookie(uid, version))
        assert c.get("/api/v1/me").json()["role"] == "admin"  # the control: a valid cookie does work


def test_revoked_and_invalid_tokens_answer_401(fresh) -> None:  # type: ignore[no-untyped-def]
    from jiliang.platform import accounts
    from jiliang.platform.db import get_engine
    from jiliang.platform.models import ApiToken
    from jiliang.platform.security import token_digest
    from jiliang.platform.web import principal_from_user

    make_user("auth_tokens")
    r = fresh.post("/api/v1/tokens", json={"username": "auth_tokens", "password": PASSWORD, "name": "t"})
    assert r.status_code == 200
    token = r.json()["token"]
    assert fresh.get("/api/v1/instruments?limit=1", headers=auth(token)).status_code == 200
    # the database keeps only a digest of the token
    with get_engine().connect() as conn:
        row = conn.execute(select(ApiToken.__table__).where(ApiToken.token_hash == token_digest(token))).mappings().one()
        assert token not in str(dict(row))
    from jiliang.platform.db import read_session
    from jiliang.platform.models import User

    with read_session() as s:
        user = s.execute(select(User).where(User.username == "auth_tokens")).scalar_one()
    accounts.revoke_token(principal=principal_from_user(user), token_id=row["id"])
    for url in ("/api/v1/instruments", "/api/v1/me", "/api/v1/recalls"):
        r = fresh.get(url, headers=auth(token))
        assert r.status_code == 401, (url, r.status_code)
    # an HTML page with a bad bearer token is not served either
    r = fresh.get("/instruments", headers=auth(token), follow_redirects=False)
    assert r.status_code in (303, 401) and "<code>" not in r.text
    for bad in ("jl_" + "A" * 43, "garbage", ""):
        r = fresh.get("/api/v1/instruments", headers={"Authorization": f"Bearer {bad}"})
        assert r.status_code == 401, (bad, r.status_code)
    # another user cannot revoke someone else's token
    r = fresh.post("/api/v1/tokens", json={"username": "auth_tokens", "password": PASSWORD, "name": "t2"})
    token2 = r.json()["token"]
    with get_engine().connect() as conn:
        tid = conn.execute(select(ApiToken.id).where(ApiToken.token_hash == token_digest(token2))).scalar_one()
    from jiliang.platform.errors import NotFound

    with read_session() as s:
        enterprise = s.execute(select(User).where(User.username == "enterprise")).scalar_one()
    with pytest.raises(NotFound):
        accounts.revoke_token(principal=principal_from_user(enterprise), token_id=tid)
    assert fresh.get("/api/v1/me", headers=auth(token2)).json()["username"] == "auth_tokens"
    # a deactivated account's tokens stop working
    with get_engine().begin() as conn:
        conn.execute(text("UPDATE users SET is_active = :f WHERE username = 'auth_tokens'"), {"f": False})
    assert fresh.get("/api/v1/me", headers=auth(token2)).status_code == 401


def test_passwords_are_argon2_hashes(app) -> None:  # type: ignore[no-untyped-def]
    from jiliang.platform.db import get_engine
    from jiliang.platform.security import check_password

    make_user("auth_hash")
    with get_engine().connect() as conn:
        rows = conn.execute(text("SELECT username, password_hash FROM users")).all()
    assert len(rows) >= 8
    for username, hashed in rows:
        assert hashed.startswith("$argon2id$"), username
        assert DEMO_PASSWORD not in hashed and PASSWORD not in hashed
    hashes = dict(rows)
    assert check_password(hashes["auth_hash"], PASSWORD)
    assert not check_password(hashes["auth_hash"], PASSWORD + "x")
    # the same password gives different hashes (salted)
    assert hashes["admin"] != hashes["regulator"]
