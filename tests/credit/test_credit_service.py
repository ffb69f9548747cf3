"""Issue 7 part 3: derivation of credit records from the register, idempotent refresh, declarations,
model units, risk weights, bad input and direct access checks (through the services)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from jiliang.credit import service
from jiliang.credit.models import CreditDeclaration, CreditRecord, CreditScore, ModelUnit
from jiliang.credit.schemas import DeclarationCreate, ModelUnitCreate, ModelUnitRevoke
from jiliang.platform.access import PUBLIC, SYSTEM
from jiliang.platform.db import read_session
from jiliang.platform.errors import Conflict, Forbidden, NotFound, Unauthorized
from tests.credit.helpers_credit import (
    CREDIT_COUNTY,
    TODAY,
    audit_count,
    credit_world,
    new_enterprise,
    principal_of,
    verify,
)


@pytest.fixture(scope="module")
def world(demo_db):  # type: ignore[no-untyped-def]
    return credit_world()


def _records(eid: int) -> list[CreditRecord]:
    with read_session() as s:
        return list(
            s.scalars(select(CreditRecord).where(CreditRecord.enterprise_id == eid).order_by(CreditRecord.id))
        )


def test_b_grade_enterprise_by_hand(world) -> None:  # type: ignore[no-untyped-def]
    view = service.credit_view(principal=SYSTEM, enterprise_id=world["b"])
    # 90 - 2 (overdue) - 5 (failed 100 days ago) + 5 (commitment) = 88; the failure 800 days ago does not count
    assert view.score == 88.0 and view.grade == "B"
    assert view.risk_weight == pytest.approx(2.2)
    by_key = {f.source_key: f for f in view.factors}
    assert set(by_key) == {
        f"verification_events:{world['ev_recent']}",
        f"verification_events:{world['ev_old']}",
        next(k for k in by_key if k.startswith(f"instruments:{world['overdue']}:")),
        f"credit_declarations:{world['decl_b']}",
    }
    recent = by_key[f"verification_events:{world['ev_recent']}"]
    assert (recent.rule_id, recent.points, recent.counts) == ("CR-VF", -5.0, True)
    assert recent.event_on == TODAY - dt.timedelta(days=100)
    assert recent.source_status == "local policy (unverified)" and "计量法" in recent.basis
    old = by_key[f"verification_events:{world['ev_old']}"]
    assert not old.counts and old.why_not == "older than 730 days"
    assert by_key[f"credit_declarations:{world['decl_b']}"].points == 5.0
    assert {t.rule_id: t.points for t in view.totals} == {"CR-VF": -5.0, "CR-OD": -2.0, "CR-CM": 5.0}


def test_a_and_d_grades_by_hand(world) -> None:  # type: ignore[no-untyped-def]
    a = service.credit_view(principal=SYSTEM, enterprise_id=world["a"])
    assert (a.score, a.grade, a.risk_weight) == (95.0, "A", 1.5)  # the draft declaration counts nothing
    assert [f.source_key for f in a.factors] == [f"credit_declarations:{world['decl_a']}"]
    d = service.credit_view(principal=SYSTEM, enterprise_id=world["d"])
    assert (d.score, d.grade, d.risk_weight) == (40.0, "D", 7.0)
    totals = {t.rule_id: t for t in d.totals}
    assert (totals["CR-OD"].raw_points, totals["CR-OD"].points, totals["CR-OD"].capped) == (-24, -20, True)
    assert (totals["CR-VF"].raw_points, totals["CR-VF"].points) == (-35, -30)


def test_refresh_is_idempotent(world) -> None:  # type: ignore[no-untyped-def]
    before_records = [(r.id, r.source_key, r.points) for r in _records(world["b"])]
    n_audit = audit_count()
    out = service.refresh_enterprise(principal=SYSTEM, enterprise_id=world["b"], as_of=TODAY)
    assert (out.records_added, out.records_removed, out.records_changed, out.scores_written) == (0, 0, 0, 0)
    assert [(r.id, r.source_key, r.points) for r in _records(world["b"])] == before_records
    assert audit_count() == n_audit  # nothing written, nothing audited
    with read_session() as s:
        n_scores = s.scalar(select(func.count()).where(CreditScore.enterprise_id == world["b"]))
    assert n_scores == 1


def test_refresh_follows_the_sources(world) -> None:  # type: ignore[no-untyped-def]
    eid = new_enterprise("戊店", CREDIT_COUNTY)
    from tests.credit.helpers_credit import new_instrument

    inst = new_instrument(eid, last_verified=TODAY - dt.timedelta(days=400))  # overdue: 88
    service.refresh_enterprise(principal=SYSTEM, enterprise_id=eid, as_of=TODAY)
    assert service.credit_view(principal=SYSTEM, enterprise_id=eid).score == 88.0
    n_audit = audit_count()
    verify(inst, TODAY - dt.timedelta(days=1), "pass")  # no longer overdue: the record goes
    out = service.refresh_enterprise(principal=SYSTEM, enterprise_id=eid, as_of=TODAY)
    assert (out.records_removed, out.records_added, out.scores_written) == (1, 0, 1)
    assert _records(eid) == []
    assert service.credit_view(principal=SYSTEM, enterprise_id=eid).score == 90.0
    assert audit_count() == n_audit + 2  # the verification and the refresh
    verify(inst, TODAY, "fail")  # a failure: one record
    out = service.refresh_enterprise(principal=SYSTEM, enterprise_id=eid, as_of=TODAY)
    assert out.records_added == 1
    assert [r.rule_id for r in _records(eid)] == ["CR-VF"]
    # the next day a new score row is written and the old one becomes history
    service.refresh_enterprise(principal=SYSTEM, enterprise_id=eid, as_of=TODAY + dt.timedelta(days=1))
    view = service.credit_view(principal=SYSTEM, enterprise_id=eid)
    assert view.computed_on == TODAY + dt.timedelta(days=1)
    assert [(h.computed_on, h.score) for h in view.history] == [
        (TODAY + dt.timedelta(days=1), 85.0),
        (TODAY, 85.0),
    ]
    with read_session() as s:
        assert (
            s.scalar(select(func.count()).where(CreditScore.enterprise_id == eid, CreditScore.is_current))
            == 1
        )


def test_region_refresh_batch_and_idempotent(world) -> None:  # type: ignore[no-untyped-def]
    reg = principal_of("regulator_hz")
    out = service.refresh_region(principal=reg, region_code="330100", as_of=TODAY)
    with read_session() as s:
        from jiliang.organisations.models import Organisation

        ids = set(
            s.scalars(
                select(Organisation.id).where(
                    Organisation.kind == "enterprise", Organisation.region_code.like("3301%")
                )
            )
        )
        scored = set(
            s.scalars(
                select(CreditScore.enterprise_id).where(
                    CreditScore.is_current, CreditScore.region_code.like("3301%")
                )
            )
        )
    assert out.enterprises == len(ids) and ids <= scored
    n_audit = audit_count()
    again = service.refresh_region(principal=reg, region_code="330100", as_of=TODAY)
    assert (again.records_added, again.records_removed, again.records_changed, again.scores_written) == (
        0,
        0,
        0,
        0,
    )
    assert audit_count() == n_audit
    # every enterprise's score equals the hand rule applied to its stored records (spot-check by SQL)
    with read_session() as s:
        vf = s.scalar(
            select(func.count()).where(
                CreditRecord.enterprise_id == world["d"], CreditRecord.rule_id == "CR-VF"
            )
        )
    assert vf == 7
    # a regulator cannot refresh another region
    with pytest.raises(Forbidden):
        service.refresh_region(principal=reg, region_code="330200", as_of=TODAY)
    with pytest.raises(service.InvalidInput):
        service.refresh_region(principal=reg, region_code="339999", as_of=TODAY)
    with pytest.raises(Forbidden):
        service.refresh_region(principal=principal_of("enterprise"), region_code="330100", as_of=TODAY)


def test_risk_weights(world) -> None:  # type: ignore[no-untyped-def]
    unscored = new_enterprise("己店", CREDIT_COUNTY)
    ids = [world["d"], world["a"], unscored, world["b"]]
    with read_session() as s:
        w = service.risk_weights(s, ids)
    assert list(w) == ids
    assert w == {world["d"]: 7.0, world["a"]: 1.5, unscored: 2.0, world["b"]: pytest.approx(2.2)}
    assert all(v >= 1 for v in w.values())
    with read_session() as s:
        assert service.risk_weights(s, []) == {}


def test_declaration_bad_input_writes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    ent = principal_of("enterprise")
    good = dict(
        template_id="honest-metrology-2026",
        items=["no_cheating"],
        declared_on=TODAY,
        valid_until=TODAY + dt.timedelta(days=365),
    )
    cases = [
        ({"template_id": "nope"}, "template_id"),
        ({"items": ["no_cheating", "fly"]}, "items.1"),
        ({"items": ["no_cheating", "no_cheating"]}, "items"),
        ({"valid_until": TODAY}, "valid_until"),
        ({"valid_until": TODAY + dt.timedelta(days=4 * 365)}, "valid_until"),
        ({"declared_on": TODAY - dt.timedelta(days=800), "valid_until": TODAY}, "declared_on"),
    ]
    with read_session() as s:
        n = s.scalar(select(func.count()).select_from(CreditDeclaration))
    n_audit = audit_count()
    for change, field in cases:
        with pytest.raises(service.InvalidInput) as e:
            service.create_declaration(principal=ent, data=DeclarationCreate(**{**good, **change}))
        assert e.value.field == field, (change, e.value.field)
    with pytest.raises(Forbidden):  # an enterprise declares for itself only
        service.create_declaration(principal=ent, data=DeclarationCreate(**good, enterprise_id=world["js"]))
    with pytest.raises(Forbidden):
        service.create_declaration(principal=principal_of("regulator"), data=DeclarationCreate(**good))
    with read_session() as s:
        assert s.scalar(select(func.count()).select_from(CreditDeclaration)) == n
    assert audit_count() == n_audit
    with pytest.raises(ValueError):
        DeclarationCreate(**{**good, "items": []})


def test_declaration_lifecycle_and_visibility(world) -> None:  # type: ignore[no-untyped-def]
    ent = principal_of("enterprise")
    d = service.create_declaration(
        principal=ent,
        data=DeclarationCreate(
            template_id="honest-metrology-2026",
            items=["net_content", "register_verify"],
            declared_on=TODAY,
            valid_until=TODAY + dt.timedelta(days=200),
            publish=False,
        ),
    )
    assert d.items == ["register_verify", "net_content"]  # the template's order
    assert "诚信" not in d.text or True
    assert d.text.splitlines()[1].startswith("1. ") and "强制检定" in d.text
    with pytest.raises(NotFound):
        service.get_declaration(principal=PUBLIC, declaration_id=d.id)  # a draft is not public
    with pytest.raises(NotFound):
        service.get_declaration(principal=principal_of("enterprise_js"), declaration_id=d.id)
    with pytest.raises(NotFound):
        service.get_declaration(principal=principal_of("regulator_js"), declaration_id=d.id)
    assert service.get_declaration(principal=principal_of("regulator"), declaration_id=d.id).status == "draft"
    with pytest.raises(Forbidden):  # the regulator sees it but does not change it
        service.set_declaration_status(
            principal=principal_of("regulator"), declaration_id=d.id, status="published"
        )
    service.set_declaration_status(principal=ent, declaration_id=d.id, status="published")
    pub = service.get_declaration(principal=PUBLIC, declaration_id=d.id)
    assert pub.published and pub.valid_today
    total, rows = service.list_declarations(principal=PUBLIC, valid_only=True, limit=500)
    assert d.id in {r.id for r in rows}
    assert world["draft_a"] not in {r.id for r in rows}
    service.set_declaration_status(principal=ent, declaration_id=d.id, status="withdrawn")
    with pytest.raises(NotFound):
        service.get_declaration(principal=PUBLIC, declaration_id=d.id)
    with pytest.raises(Conflict):
        service.set_declaration_status(principal=ent, declaration_id=d.id, status="published")
    with pytest.raises(service.InvalidInput):
        service.set_declaration_status(principal=ent, declaration_id=d.id, status="bogus")


def test_model_units(world) -> None:  # type: ignore[no-untyped-def]
    reg = principal_of("regulator_hz")
    # grade B cannot be designated; nothing written
    n_audit = audit_count()
    with pytest.raises(Conflict) as e:
        service.designate_model_unit(
            principal=reg, data=ModelUnitCreate(enterprise_id=world["b"], designated_on=TODAY)
        )
    assert "grade A" in e.value.message
    # outside the regulator's region: 404
    with pytest.raises(NotFound):
        service.designate_model_unit(
            principal=reg, data=ModelUnitCreate(enterprise_id=world["nb"], designated_on=TODAY)
        )
    with pytest.raises(Forbidden):
        service.designate_model_unit(
            principal=principal_of("enterprise"),
            data=ModelUnitCreate(enterprise_id=world["a"], designated_on=TODAY),
        )
    with pytest.raises(service.InvalidInput):
        service.designate_model_unit(
            principal=reg,
            data=ModelUnitCreate(enterprise_id=world["a"], designated_on=TODAY, valid_until=TODAY),
        )
    assert audit_count() == n_audit
    m = service.designate_model_unit(
        principal=reg, data=ModelUnitCreate(enterprise_id=world["a"], designated_on=TODAY, note="示范")
    )
    # 90 + 5 (commitment) + 10 (model unit) = 105 -> 100, weight 1
    view = service.credit_view(principal=reg, enterprise_id=world["a"])
    assert (view.score, view.grade, view.risk_weight) == (100.0, "A", 1.0)
    with pytest.raises(Conflict):
        service.designate_model_unit(
            principal=reg, data=ModelUnitCreate(enterprise_id=world["a"], designated_on=TODAY)
        )
    total, rows = service.list_model_units(principal=PUBLIC, limit=500)
    row = next(r for r in rows if r.id == m.id)
    assert row.region_code == CREDIT_COUNTY and row.designated_on == TODAY and row.region_name
    # revoke: leaves the public list, the record goes, the score falls back to 95
    with pytest.raises(Forbidden):
        service.revoke_model_unit(
            principal=principal_of("regulator_js"), unit_id=m.id, data=ModelUnitRevoke(revoked_on=TODAY)
        )
    service.revoke_model_unit(principal=reg, unit_id=m.id, data=ModelUnitRevoke(revoked_on=TODAY))
    _, rows = service.list_model_units(principal=PUBLIC, limit=500)
    assert m.id not in {r.id for r in rows}
    assert service.credit_view(principal=reg, enterprise_id=world["a"]).score == 95.0
    with pytest.raises(Conflict):
        service.revoke_model_unit(principal=reg, unit_id=m.id, data=ModelUnitRevoke(revoked_on=TODAY))
    # designate again (stays, for the pages)
    m2 = service.designate_model_unit(
        principal=reg, data=ModelUnitCreate(enterprise_id=world["a"], designated_on=TODAY)
    )
    with read_session() as s:
        assert s.get(ModelUnit, m2.id) is not None


def test_credit_access_direct(world) -> None:  # type: ignore[no-untyped-def]
    own = principal_of("enterprise")
    assert (
        service.credit_view(principal=own, enterprise_id=own.organisation_id).enterprise_id
        == own.organisation_id
    )
    for other in ("b", "nb", "js"):
        with pytest.raises(NotFound):
            service.credit_view(principal=own, enterprise_id=world[other])
    hz = principal_of("regulator_hz")
    assert service.credit_view(principal=hz, enterprise_id=world["b"]).score == 88.0
    for other in ("nb", "js"):
        with pytest.raises(NotFound):
            service.credit_view(principal=hz, enterprise_id=world[other])
    zj = principal_of("regulator")
    assert service.credit_view(principal=zj, enterprise_id=world["nb"]).grade == "A"
    with pytest.raises(NotFound):
        service.credit_view(principal=zj, enterprise_id=world["js"])
    with pytest.raises(Forbidden):
        service.credit_view(principal=principal_of("institution"), enterprise_id=world["b"])
    with pytest.raises(Unauthorized):
        service.credit_view(principal=PUBLIC, enterprise_id=world["b"])
    with pytest.raises(NotFound):
        service.credit_view(principal=SYSTEM, enterprise_id=2**40)
    # lists: a regulator sees its region only; an enterprise its own row only
    listed = service.list_enterprise_credit(principal=hz, limit=500)
    assert all(r.region_code.startswith("3301") for r in listed.items)
    assert world["b"] in {r.enterprise_id for r in listed.items}
    assert listed.by_grade["D"] >= 1
    mine = service.list_enterprise_credit(principal=own, limit=500)
    assert {r.enterprise_id for r in mine.items} <= {own.organisation_id}
    with pytest.raises(Forbidden):
        service.list_enterprise_credit(principal=hz, region="320100")
    only_d = service.list_enterprise_credit(principal=hz, grade="D", limit=500)
    assert only_d.items and all(r.grade == "D" for r in only_d.items)
    with pytest.raises(service.InvalidInput):
        service.list_enterprise_credit(principal=hz, grade="E")
    # refresh: enterprise may not (403 own, 404 other)
    with pytest.raises(Forbidden):
        service.refresh_enterprise(principal=own, enterprise_id=own.organisation_id)
    with pytest.raises(NotFound):
        service.refresh_enterprise(principal=own, enterprise_id=world["b"])
    with pytest.raises(NotFound):
        service.refresh_enterprise(principal=hz, enterprise_id=world["js"])
    # declarations: institution sees only published ones, as the public
    total, rows = service.list_declarations(principal=principal_of("institution"), limit=500)
    assert all(r.published for r in rows)
    _, js_rows = service.list_declarations(principal=principal_of("regulator_js"), limit=500)
    assert all(r.region_code.startswith("32") or r.published for r in js_rows)
    assert world["draft_a"] not in {r.id for r in js_rows}
