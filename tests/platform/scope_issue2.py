"""Shared helpers for the issue-2 platform tests: who is who in the demo database, and what each may see.

The scopes below are written independently of ``jiliang.platform.access`` (plain string prefixes of
GB/T 2260 codes and owner ids read straight from the tables), so that the tests check the access
rules instead of re-running them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

ROLES = ("public", "admin", "regulator", "regulator_hz", "regulator_js", "institution", "enterprise", "enterprise_js")


@dataclass(frozen=True)
class Who:
    username: str
    role: str
    region_code: str | None
    organisation_id: int | None

    def region_prefix(self) -> str | None:
        """The code prefix that selects the user's region and everything below it (GB/T 2260)."""
        code = self.region_code
        if not code:
            return None
        if code[2:] == "0000":
            return code[:2]
        if code[4:] == "00":
            return code[:4]
        return code

    def sees(self, region_code: str, organisation_id: int | None) -> bool:
        """Expected visibility of an object with this region and owning organisation (DESIGN.md roles)."""
        if self.role == "admin":
            return True
        if self.role == "public":
            return False
        prefix = self.region_prefix()
        if self.role in ("regulator", "institution") and prefix and region_code.startswith(prefix):
            return True
        if self.role in ("enterprise", "institution") and organisation_id is not None:
            return organisation_id == self.organisation_id
        return False


@dataclass
class Scope:
    users: dict[str, Who]
    orgs: dict[str, dict[str, Any]] = field(default_factory=dict)  # label -> organisation row
    instruments: dict[str, dict[str, Any]] = field(default_factory=dict)  # label -> instrument row


def _one(conn: Any, sql: str, **params: Any) -> dict[str, Any]:
    row = conn.execute(text(sql), params).mappings().first()
    assert row is not None, sql
    return dict(row)


def discover_scope() -> Scope:
    """Pick real objects from the demo database: own, same-region-other-owner, other prefecture, other province."""
    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        users = {
            r["username"]: Who(r["username"], r["role"], r["region_code"], r["organisation_id"])
            for r in conn.execute(text("SELECT username, role, region_code, organisation_id FROM users")).mappings()
        }
        users["public"] = Who("public", "public", None, None)
        ent = users["enterprise"].organisation_id
        ent_js = users["enterprise_js"].organisation_id
        inst = users["institution"].organisation_id
        org_sql = "SELECT id, kind, region_code, credit_code, name FROM organisations WHERE "
        orgs = {
            "own_enterprise": _one(conn, org_sql + "id = :i", i=ent),
            "js_enterprise": _one(conn, org_sql + "id = :i", i=ent_js),
            "hz_other_enterprise": _one(
                conn, org_sql + "kind = 'enterprise' AND region_code LIKE '3301%' AND id != :i "
                "AND EXISTS (SELECT 1 FROM instruments WHERE owner_id = organisations.id AND status = 'in_use') "
                "ORDER BY id", i=ent),
            "nb_enterprise": _one(
                conn, org_sql + "kind = 'enterprise' AND region_code LIKE '3302%' "
                "AND EXISTS (SELECT 1 FROM instruments WHERE owner_id = organisations.id AND status = 'in_use') "
                "ORDER BY id"),
            "zj_institution": _one(conn, org_sql + "id = :i", i=inst),
            "js_institution": _one(conn, org_sql + "kind = 'institution' AND region_code LIKE '32%' ORDER BY id"),
        }
        inst_sql = ("SELECT id, code, owner_id, region_code, status, catalogue_code, next_due_on FROM instruments "
                    "WHERE status = 'in_use' AND owner_id = :o ORDER BY id")
        instruments = {
            label: _one(conn, inst_sql, o=orgs[org_label]["id"])
            for label, org_label in (("own_enterprise", "own_enterprise"), ("js_enterprise", "js_enterprise"),
                                     ("hz_other_enterprise", "hz_other_enterprise"), ("nb_enterprise", "nb_enterprise"))
        }
    return Scope(users=users, orgs=orgs, instruments=instruments)


def org_regions() -> dict[int, str]:
    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        return {r[0]: r[1] for r in conn.execute(text("SELECT id, region_code FROM organisations"))}


def scalar(sql: str, **params: Any) -> Any:
    from jiliang.platform.db import get_engine

    with get_engine().connect() as conn:
        return conn.execute(text(sql), params).scalar()
