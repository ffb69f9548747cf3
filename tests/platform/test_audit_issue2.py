"""Issue 2 acceptance: the audit log.

Every write made through a service appends one hash-chained row naming actor, time, action, object,
before and after; a write that fails appends nothing. Altering, inserting or deleting a row directly
in the database (behind the platform's back) is reported by ``jiliang audit verify`` (exit 1, naming
the row), and an untouched log verifies (exit 0).

The tampering tests change the shared session database, so each one snapshots the audit tables first
and restores them in a ``finally`` block.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, update
from typer.testing import CliRunner

from tests.conftest import auth

# ----------------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------------


def _engine() -> Any:
    from jiliang.platform.db import get_engine

    return get_engine()


def _tables() -> tuple[Any, Any]:
    from jiliang.platform.models import AuditHead, AuditLog

    return AuditLog.__table__, AuditHead.__table__


def head_seq() -> int:
    log, _ = _tables()
    with _engine().connect() as conn:
        return int(conn.execute(select(func.coalesce(func.max(log.c.seq), 0))).scalar_one())


def rows_after(seq: int) -> list[dict[str, Any]]:
    log, _ = _tables()
    with _engine().connect() as conn:
        return [dict(r) for r in conn.execute(select(log).where(log.c.seq > seq).order_by(log.c.seq)).mappings()]


def principal(username: str) -> Any:
    from jiliang.platform.db import read_session
    from jiliang.platform.models import User
    from jiliang.platform.web import principal_from_user

    with read_session() as s:
        user = s.execute(select(User).where(User.username == username)).scalar_one()
        return principal_from_user(user)


def run_verify() -> Any:
    from jiliang.cli.main import app as cli

    return CliRunner().invoke(cli, ["audit", "verify"])


@contextmanager
def restored_audit_tables() -> Iterator[None]:
    """Snapshot audit_log and audit_head; put them back exactly afterwards."""
    log, head = _tables()
    with _engine().connect() as conn:
        log_rows = [dict(r) for r in conn.execute(select(log).order_by(log.c.id)).mappings()]
        head_rows = [dict(r) for r in conn.execute(select(head)).mappings()]
    try:
        yield
    finally:
        with _engine().begin() as conn:
            conn.execute(delete(log))
            conn.execute(insert(log), log_rows)
            conn.execute(delete(head))
            conn.execute(insert(head), head_rows)
        from jiliang.platform import audit
        from jiliang.platform.db import read_session

        with read_session() as s:
            assert audit.verify(s)[1] == [], "the audit tables were not restored"


def _middle_seq() -> int:
    n = head_seq()
    assert n > 10, "the demo database should hold a real audit log"
    return n // 2


# ----------------------------------------------------------------------------------------------------
# every write through a service lands in the log
# ----------------------------------------------------------------------------------------------------


def _check(rows: list[dict[str, Any]], *, actor: str, action: str, object_type: str, object_id: Any = None,
           t0: dt.datetime, n: int = 1) -> dict[str, Any]:
    assert len(rows) == n, [(r["seq"], r["action"], r["object_type"]) for r in rows]
    row = rows[-1]
    assert (row["actor"], row["action"], row["object_type"]) == (actor, action, object_type), row
    if object_id is not None:
        assert row["object_id"] == str(object_id)
    t1 = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert t0 - dt.timedelta(seconds=2) <= row["at"] <= t1 + dt.timedelta(seconds=2)
    return row


def test_every_service_write_appends_an_audit_row(app) -> None:  # type: ignore[no-untyped-def]
    from jiliang.core.codes import make_credit_code
    from jiliang.instruments import importer
    from jiliang.instruments import service as instruments
    from jiliang.instruments.schemas import InstrumentCreate, InstrumentUpdate, VerificationCreate
    from jiliang.organisations import service as organisations
    from jiliang.organisations.schemas import AuthorisationCreate, OrganisationCreate, OrganisationUpdate
    from jiliang.platform import accounts, audit
    from jiliang.platform.db import read_session
    from jiliang.platform.errors import DomainError

    admin, regulator, institution = principal("admin"), principal("regulator"), principal("institution")
    t0 = dt.datetime.now(dt.UTC).replace(tzinfo=None)

    # platform: regions, users, tokens, logout
    s0 = head_seq()
    assert accounts.load_regions(actor=admin, regions=[{"code": "330109", "name_zh": "萧山区", "name_en": "Xiaoshan"}]) == 1
    row = _check(rows_after(s0), actor="admin", action="create", object_type="region", object_id="330109", t0=t0)
    assert row["after"]["name_zh"] == "萧山区" and row["after"]["parent_code"] == "330100" and row["before"] is None

    # organisations: create, update, authorise
    s0 = head_seq()
    org = organisations.create_organisation(principal=regulator, data=OrganisationCreate(
        kind="enterprise", name="审计测试超市", credit_code=make_credit_code("330109", 77_000_001),
        region_code="330109", sector="shop"))
    row = _check(rows_after(s0), actor="regulator", action="create", object_type="organisation", object_id=org.id,
                 t0=t0)
    assert row["before"] is None and row["after"]["credit_code"] == org.credit_code
    assert row["after"]["region_code"] == "330109"

    s0 = head_seq()
    organisations.update_organisation(principal=regulator, organisation_id=org.id,
                                      data=OrganisationUpdate(address="萧山路1号"))
    row = _check(rows_after(s0), actor="regulator", action="update", object_type="organisation", object_id=org.id,
                 t0=t0)
    assert row["before"]["address"] == "" and row["after"]["address"] == "萧山路1号"

    zj_institution = institution.organisation_id
    s0 = head_seq()
    item = next(c.code for c in instruments.list_catalogue() if c.verification_form == "periodic" and c.period_months)
    auth_row = organisations.add_authorisation(principal=regulator, institution_id=zj_institution, data=AuthorisationCreate(
        catalogue_code=item, region_code="330109", valid_until=dt.date(2030, 1, 1), annual_capacity=10))
    row = _check(rows_after(s0), actor="regulator", action="create", object_type="authorisation",
                 object_id=auth_row.id, t0=t0)
    assert row["after"]["institution_id"] == zj_institution and row["after"]["annual_capacity"] == 10

    # accounts
    s0 = head_seq()
    user = accounts.create_user(actor=admin, username="audit_shop", password="audit-pass-2026", role="enterprise",
                                display_name="审计测试", organisation_id=org.id)
    row = _check(rows_after(s0), actor="admin", action="create", object_type="user", object_id=user.id, t0=t0)
    assert row["after"]["username"] == "audit_shop" and row["after"]["organisation_id"] == org.id
    assert "password" not in str(row["after"]) and "argon2" not in str(row["after"])
    shop = principal("audit_shop")

    s0 = head_seq()
    token = accounts.create_token(principal=shop, name="audit")
    row = _check(rows_after(s0), actor="audit_shop", action="create", object_type="api_token", t0=t0)
    assert token not in str(row["after"])  # the secret itself never reaches the log
    token_id = int(row["object_id"])
    s0 = head_seq()
    accounts.revoke_token(principal=shop, token_id=token_id)
    row = _check(rows_after(s0), actor="audit_shop", action="revoke", object_type="api_token", object_id=token_id,
                 t0=t0)
    assert row["before"] == {"revoked": False} and row["after"] == {"revoked": True}

    # the register: register, update, verify, recalls, import
    s0 = head_seq()
    inst = instruments.register_instrument(principal=shop, data=InstrumentCreate(
        catalogue_code=item, owner_id=org.id, serial_number="AUDIT-1", use="trade_settlement",
        first_verified_on=dt.date(2025, 3, 1), last_verified_on=dt.date(2025, 3, 1), last_result="pass"))
    row = _check(rows_after(s0), actor="audit_shop", action="register", object_type="instrument", object_id=inst.id,
                 t0=t0)
    assert row["before"] is None and row["after"]["code"] == inst.code and row["after"]["owner_id"] == org.id

    s0 = head_seq()
    instruments.update_instrument(principal=shop, instrument_id=inst.id, data=InstrumentUpdate(location="收银台"))
    row = _check(rows_after(s0), actor="audit_shop", action="update", object_type="instrument", object_id=inst.id,
                 t0=t0)
    assert row["before"]["location"] == "" and row["after"]["location"] == "收银台"

    s0 = head_seq()
    instruments.record_verification(principal=institution, instrument_id=inst.id,
                                    data=VerificationCreate(verified_on=dt.date(2026, 3, 2), result="pass"))
    row = _check(rows_after(s0), actor="institution", action="verify", object_type="instrument", object_id=inst.id,
                 t0=t0)
    assert row["before"]["last_verified_on"] == "2025-03-01" and row["after"]["last_verified_on"] == "2026-03-02"
    assert row["before"]["next_due_on"] != row["after"]["next_due_on"]

    s0 = head_seq()
    created = instruments.generate_recalls(principal=regulator, days_before=0)
    row = _check(rows_after(s0), actor="regulator", action="generate_recalls", object_type="recall_notice", t0=t0)
    assert row["after"]["created"] == created

    s0 = head_seq()
    data = (f"catalogue_code,owner_credit_code,serial_number,use\n{item},{org.credit_code},AUDIT-2,贸易结算\n").encode()
    result = importer.import_instruments(principal=shop, data=data, file_name="audit.csv")
    row = _check(rows_after(s0), actor="audit_shop", action="import", object_type="import_batch",
                 object_id=result.batch_id, t0=t0)
    assert row["after"]["sha256"] == result.sha256 and row["after"]["created"] == 1
    assert row["after"]["first_id"] == result.first_id

    # logout bumps the session version (invalidates cookies), audited too
    s0 = head_seq()
    accounts.logout(principal=shop)
    row = _check(rows_after(s0), actor="audit_shop", action="logout", object_type="user", object_id=user.id, t0=t0)
    assert row["after"]["session_version"] == 2

    # a write that fails writes nothing, not even an audit row
    s0 = head_seq()
    with pytest.raises(DomainError):
        instruments.register_instrument(principal=shop, data=InstrumentCreate(
            catalogue_code="9999", owner_id=org.id, serial_number="AUDIT-3", use="trade_settlement"))
    with pytest.raises(DomainError):
        instruments.update_instrument(principal=principal("enterprise_js"), instrument_id=inst.id,
                                      data=InstrumentUpdate(location="x"))
    with pytest.raises(DomainError):
        importer.import_instruments(principal=shop, data=data.replace(b"AUDIT-2", b""), file_name="bad.csv")
    assert head_seq() == s0

    # and the chain is still whole
    with read_session() as s:
        count, problems = audit.verify(s)
    assert problems == [] and count == head_seq()


def test_api_write_records_the_calling_user(client, tokens, app) -> None:  # type: ignore[no-untyped-def]
    from tests.platform.scope_issue2 import discover_scope

    scope = discover_scope()
    inst = scope.instruments["own_enterprise"]
    s0 = head_seq()
    r = client.patch(f"/api/v1/instruments/{inst['id']}", json={"accuracy_class": "III"},
                     headers=auth(tokens["enterprise"]))
    assert r.status_code == 200, r.text
    rows = rows_after(s0)
    assert [(x["actor"], x["action"], x["object_id"]) for x in rows] == [("enterprise", "update", str(inst["id"]))]
    assert rows[0]["after"]["accuracy_class"] == "III"
    # a refused write leaves no trace
    s0 = head_seq()
    r = client.patch(f"/api/v1/instruments/{inst['id']}", json={"accuracy_class": "I"},
                     headers=auth(tokens["enterprise_js"]))
    assert r.status_code == 404
    assert head_seq() == s0


# ----------------------------------------------------------------------------------------------------
# jiliang audit verify: clean and tampered logs
# ----------------------------------------------------------------------------------------------------


def test_untouched_log_verifies(app) -> None:  # type: ignore[no-untyped-def]
    result = run_verify()
    assert result.exit_code == 0, result.output
    assert str(head_seq()) in result.output  # says how many rows it checked


def _assert_reported(result: Any, *, seq: int, words: tuple[str, ...], client: Any, admin_token: str) -> None:
    assert result.exit_code == 1, (result.exit_code, result.output)
    out = result.output.lower()
    assert str(seq) in out, out
    assert any(w in out for w in words), (words, out)
    # the API says the same (administrators)
    body = client.get("/api/v1/audit/verify", headers=auth(admin_token)).json()
    assert body["ok"] is False and body["problems"]


@pytest.mark.parametrize("column,value", [
    ("after", {"forged": True}),
    ("actor", "someone_else"),
    ("action", "delete"),
    ("object_id", "999999"),
    ("at", dt.datetime(2020, 1, 1, 12, 0, 0)),
    ("before", None),
])
def test_altered_row_is_reported(column: str, value: Any, client, tokens) -> None:  # type: ignore[no-untyped-def]
    log, _ = _tables()
    seq = _middle_seq()
    with restored_audit_tables():
        with _engine().begin() as conn:
            old = conn.execute(select(log.c[column]).where(log.c.seq == seq)).scalar()
            if old == value:
                value = {"other": 1} if column == "before" else value
            conn.execute(update(log).where(log.c.seq == seq).values({column: value}))
        _assert_reported(run_verify(), seq=seq, words=("altered", "forged"), client=client,
                         admin_token=tokens["admin"])
    assert run_verify().exit_code == 0


def test_altered_digest_resealing_is_reported(client, tokens) -> None:  # type: ignore[no-untyped-def]
    """An attacker who changes a row and writes a fresh SHA-256 (not knowing the HMAC key) is caught."""
    import hashlib

    log, _ = _tables()
    seq = _middle_seq()
    with restored_audit_tables():
        with _engine().begin() as conn:
            forged = hashlib.sha256(b"forged").hexdigest()
            conn.execute(update(log).where(log.c.seq == seq).values(actor="mallory", digest=forged))
            conn.execute(update(log).where(log.c.seq == seq + 1).values(prev_digest=forged))
        _assert_reported(run_verify(), seq=seq, words=("altered", "forged"), client=client,
                         admin_token=tokens["admin"])


def _forged_row(conn: Any, seq: int, *, copy_of: int | None = None) -> dict[str, Any]:
    log, _ = _tables()
    last = conn.execute(select(log).where(log.c.seq == seq - 1)).mappings().one()
    base = dict(conn.execute(select(log).where(log.c.seq == (copy_of or seq - 1))).mappings().one())
    base.pop("id")
    base.update(seq=seq, prev_digest=last["digest"])
    if copy_of is None:
        base.update(actor="mallory", action="update", object_type="instrument", object_id="1",
                    before={"status": "scrapped"}, after={"status": "in_use"}, digest=secrets.token_hex(32),
                    at=dt.datetime.now(dt.UTC).replace(tzinfo=None))
    return base


@pytest.mark.parametrize("variant", ["append", "append_and_move_head", "replay_copy"])
def test_inserted_row_is_reported(variant: str, client, tokens) -> None:  # type: ignore[no-untyped-def]
    log, head = _tables()
    with restored_audit_tables():
        with _engine().begin() as conn:
            seq = int(conn.execute(select(func.max(log.c.seq))).scalar_one()) + 1
            row = _forged_row(conn, seq, copy_of=seq // 2 if variant == "replay_copy" else None)
            conn.execute(insert(log), [row])
            if variant != "append":
                conn.execute(update(head).values(seq=seq, digest=row["digest"]))
        _assert_reported(run_verify(), seq=seq, words=("altered", "forged", "inserted", "head"), client=client,
                         admin_token=tokens["admin"])


def test_deleted_middle_row_is_reported(client, tokens) -> None:  # type: ignore[no-untyped-def]
    log, _ = _tables()
    seq = _middle_seq()
    with restored_audit_tables():
        with _engine().begin() as conn:
            conn.execute(delete(log).where(log.c.seq == seq))
        _assert_reported(run_verify(), seq=seq, words=("deleted", "missing"), client=client,
                         admin_token=tokens["admin"])


def test_deleted_middle_rows_renumbered_is_reported(client, tokens) -> None:  # type: ignore[no-untyped-def]
    """Deleting a row and renumbering the rest to close the gap breaks the links and the digests."""
    log, _ = _tables()
    seq = _middle_seq()
    with restored_audit_tables():
        with _engine().begin() as conn:
            top = int(conn.execute(select(func.max(log.c.seq))).scalar_one())
            conn.execute(delete(log).where(log.c.seq == seq))
            for s in range(seq + 1, top + 1):
                conn.execute(update(log).where(log.c.seq == s).values(seq=s - 1))
        _assert_reported(run_verify(), seq=seq, words=("deleted", "altered", "link"), client=client,
                         admin_token=tokens["admin"])


def test_deleted_last_row_is_reported(client, tokens) -> None:  # type: ignore[no-untyped-def]
    log, _ = _tables()
    with restored_audit_tables():
        with _engine().begin() as conn:
            seq = int(conn.execute(select(func.max(log.c.seq))).scalar_one())
            conn.execute(delete(log).where(log.c.seq == seq))
        _assert_reported(run_verify(), seq=seq, words=("deleted", "missing", "head"), client=client,
                         admin_token=tokens["admin"])
    assert run_verify().exit_code == 0


def test_deleted_everything_is_reported(client, tokens) -> None:  # type: ignore[no-untyped-def]
    log, _ = _tables()
    with restored_audit_tables():
        seq = head_seq()
        with _engine().begin() as conn:
            conn.execute(delete(log))
        _assert_reported(run_verify(), seq=seq, words=("deleted", "missing", "head"), client=client,
                         admin_token=tokens["admin"])


def test_anchor_catches_a_cut_tail_with_a_rewound_head(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The known gap of the in-database head: cut the last rows AND rewind the head. Plain verify
    cannot see it; verify against an anchor written before the cut does."""
    from typer.testing import CliRunner

    from jiliang.cli.main import app as cli

    anchor = tmp_path / "anchor.json"
    made = CliRunner().invoke(cli, ["audit", "anchor", "--out", str(anchor)])
    assert made.exit_code == 0, made.output
    assert CliRunner().invoke(cli, ["audit", "verify", "--anchor", str(anchor)]).exit_code == 0
    log, head = _tables()
    with restored_audit_tables():
        with _engine().begin() as conn:
            top = int(conn.execute(select(func.max(log.c.seq))).scalar_one())
            conn.execute(delete(log).where(log.c.seq >= top - 1))
            prev = conn.execute(select(log.c.digest).where(log.c.seq == top - 2)).scalar_one()
            conn.execute(update(head).values(seq=top - 2, digest=prev))
        assert run_verify().exit_code == 0  # the gap: a consistent, shorter chain
        cut = CliRunner().invoke(cli, ["audit", "verify", "--anchor", str(anchor)])
        assert cut.exit_code == 1, cut.output
        assert f"seq {top}" in cut.output and "missing" in cut.output
    # a forged anchor (digest changed, seal kept) is reported as such, not trusted
    doc = json.loads(anchor.read_text())
    doc["digest"] = "0" * 64
    anchor.write_text(json.dumps(doc))
    forged = CliRunner().invoke(cli, ["audit", "verify", "--anchor", str(anchor)])
    assert forged.exit_code == 1 and "seal" in forged.output
    anchor.write_text("not json")
    assert CliRunner().invoke(cli, ["audit", "verify", "--anchor", str(anchor)]).exit_code == 2
