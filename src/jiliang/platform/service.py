"""Helpers every service uses: who is acting, permission checks, before/after snapshots."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

from jiliang.platform.access import Principal, can_see
from jiliang.platform.errors import Forbidden, NotFound


def snapshot(obj: Any) -> dict[str, Any]:
    """Column values of an ORM object (for the audit log's before/after)."""
    mapper = inspect(type(obj))
    return {c.key: getattr(obj, c.key) for c in mapper.column_attrs}


def require_role(principal: Principal, *roles: str) -> None:
    if principal.role not in roles:
        raise Forbidden(f"role '{principal.role}' may not do this")


def get_visible(session: Any, principal: Principal, model: Any, key: Any, what: str) -> Any:
    """Load one object, answering 404 (not 403) when it is outside the principal's scope."""
    if isinstance(key, int) and not 0 < key < 2**31:
        raise NotFound(f"{what} {key} not found")  # keys are INTEGER: a larger one would overflow the database
    obj = session.get(model, key)
    if obj is None or not can_see(principal, obj):
        raise NotFound(f"{what} {key} not found")
    return obj
