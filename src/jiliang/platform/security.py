"""Passwords (Argon2), API tokens, signed session cookies and CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from jiliang.platform.settings import get_settings

_hasher = PasswordHasher()
SESSION_COOKIE = "jiliang_session"
LANG_COOKIE = "jiliang_lang"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_api_token() -> tuple[str, str]:
    """Return (token shown once to the user, hash stored in the database)."""
    token = "jl_" + secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().resolved_secret_key(), salt="jiliang-session")


def make_session_cookie(user_id: int, session_version: int) -> str:
    return _serializer().dumps({"u": user_id, "v": session_version, "n": secrets.token_hex(8)})


def read_session_cookie(value: str) -> tuple[int, int, str] | None:
    try:
        data = _serializer().loads(value, max_age=get_settings().session_max_age_seconds)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    return int(data["u"]), int(data.get("v", 0)), str(data.get("n", ""))


def csrf_token(session_cookie: str) -> str:
    """A CSRF token bound to the session cookie (synchroniser token derived by HMAC)."""
    key = get_settings().resolved_secret_key().encode()
    return hmac.new(key, b"csrf:" + session_cookie.encode(), hashlib.sha256).hexdigest()


def csrf_valid(session_cookie: str, token: str) -> bool:
    return bool(token) and hmac.compare_digest(csrf_token(session_cookie), token)
