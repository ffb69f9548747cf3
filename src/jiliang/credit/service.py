"""Use cases of honest metrology (诚信计量): self-declarations, credit records, scores, model units.

Keyword-only functions; each write owns its transaction and records an audit entry. The score rules are
data (``data/rules.json``) applied by :mod:`jiliang.credit.scoring`; they are this platform's own policy
("local policy (unverified)"), not a regulation: no national formula is known.

Credit records are *derived*: :func:`refresh_enterprises` recomputes an enterprise's records from the
source tables (one record per source event, unique on ``(enterprise_id, source, source_key)``), deleting
records whose source event is gone, changing those whose event changed and adding new ones; a second run
on the same day with unchanged sources writes nothing (no record, no score row, no audit entry).

Sources:

* ``verification_events`` with ``result = 'fail'`` (register), keyed by event id;
* instruments in use whose ``next_due_on`` is before the day of the refresh (overdue), keyed by instrument
  and due date; the record disappears once the instrument is verified again;
* ``netcontent_inspections`` (issue 7 part 1) current rows (``superseded_by_id IS NULL``) with status
  ``finalised``/``published`` and verdict ``fail``, of the producer, keyed by ``record_key``;
* ``campaign_findings`` (issue 7 part 2) of the enterprise, keyed by finding id, rule by severity;
* positive: published self-declarations valid on the day, and active published model-unit designations.

The two tables of the other parts are read through their models (``NetContentInspection``,
``CampaignFinding``), each query guarded by a table-existence check, so credit works whether or not those
areas' migrations have been applied.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from jiliang.campaigns.models import CampaignFinding
from jiliang.core.codes import CodeError, region_range
from jiliang.credit.models import CreditDeclaration, CreditRecord, CreditScore, ModelUnit
from jiliang.credit.schemas import (
    CreditView,
    DeclarationCreate,
    DeclarationPublic,
    EnterpriseCreditList,
    EnterpriseCreditRow,
    FactorOut,
    HistoryOut,
    ModelUnitCreate,
    ModelUnitPublic,
    ModelUnitRevoke,
    RefreshOut,
    RuleOut,
    RulesOut,
    RuleTotalOut,
    TemplateItem,
    TemplateOut,
)
from jiliang.credit.scoring import RecordIn, RuleSet, compute_score, risk_weight_of, ruleset
from jiliang.instruments.models import Instrument, VerificationEvent
from jiliang.netcontent_inspections.models import NetContentInspection
from jiliang.organisations.models import Organisation
from jiliang.platform import audit
from jiliang.platform.access import PUBLIC, Principal, in_region, regulates, visible
from jiliang.platform.db import read_session, write_session
from jiliang.platform.errors import Conflict, DomainError, Forbidden, NotFound
from jiliang.platform.models import Region, utcnow
from jiliang.platform.service import get_visible, snapshot

_CHUNK = 500
MAX_VALIDITY_DAYS = 3 * 366
NETCONTENT_TABLE = "netcontent_inspections"
CAMPAIGN_FINDINGS_TABLE = "campaign_findings"


class InvalidInput(DomainError):
    """Bad input (422, naming the field and the reason)."""

    status_code = 422
    code = "invalid_input"


# ----------------------------------------------------------------------------------------------------
# risk weights for random selection (used by jiliang.campaigns)
# ----------------------------------------------------------------------------------------------------
def risk_weights(session: Session, enterprise_ids: Sequence[int]) -> dict[int, float]:
    """Risk weight of each enterprise for risk-weighted double-random selection (higher = riskier).

    ``w = 1 + (100 - score) / 10`` from the enterprise's current credit score (see
    :mod:`jiliang.credit.scoring`; the rules are this platform's own policy, ``source_status`` "local
    policy (unverified)"): 1 at score 100, 2 at the base score 90, 11 at score 0, so ``w >= 1`` always.
    An enterprise with no computed score counts at the base score (weight 2.0). Reads only; no access
    check (the caller has already restricted the candidates to what its principal may select).
    """
    ids = sorted({int(i) for i in enterprise_ids})
    base_weight = risk_weight_of(ruleset().base_points)
    out = dict.fromkeys(ids, base_weight)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = session.execute(
            select(CreditScore.enterprise_id, CreditScore.score).where(
                CreditScore.enterprise_id.in_(chunk), CreditScore.is_current.is_(True)
            )
        ).all()
        for enterprise_id, score in rows:
            out[int(enterprise_id)] = risk_weight_of(float(score))
    return {int(i): out[int(i)] for i in enterprise_ids}


# ----------------------------------------------------------------------------------------------------
# rules and templates (public data)
# ----------------------------------------------------------------------------------------------------
def rules_out(rs: RuleSet | None = None) -> RulesOut:
    rs = rs or ruleset()
    return RulesOut(
        version=rs.version,
        source=rs.source,
        source_status=rs.source_status,
        base_rule_id=rs.base_rule_id,
        base_points=rs.base_points,
        base_basis=rs.base_basis,
        base_basis_zh=rs.base_basis_zh,
        source_zh=rs.source_zh,
        risk_weight_basis_zh=rs.risk_weight_basis_zh,
        grades=[{"grade": g, "min_score": low} for g, low in rs.grades],
        risk_weight_formula=rs.risk_weight_formula,
        risk_weight_basis=rs.risk_weight_basis,
        rules=[
            RuleOut(
                rule_id=r.rule_id,
                source=r.source,
                severity=r.severity,
                points=r.points,
                window_days=r.window_days,
                cap=r.cap,
                basis=r.basis,
                basis_zh=r.basis_zh,
                source_status=r.source_status,
            )
            for r in rs.rules
        ],
    )


@lru_cache(maxsize=1)
def _templates() -> dict[str, TemplateOut]:
    raw: dict[str, Any] = json.loads(
        resources.files("jiliang.credit").joinpath("data/templates.json").read_text(encoding="utf-8")
    )
    out = {}
    for t in raw["templates"]:
        out[t["template_id"]] = TemplateOut(
            template_id=t["template_id"],
            title_zh=t["title_zh"],
            title_en=t["title_en"],
            intro_zh=t["intro_zh"],
            intro_en=t["intro_en"],
            closing_zh=t["closing_zh"],
            closing_en=t["closing_en"],
            items=[TemplateItem(**i) for i in t["items"]],
            source=raw["source"],
            source_status=raw["source_status"],
        )
    return out


def templates() -> list[TemplateOut]:
    return list(_templates().values())


def declaration_text(
    template: TemplateOut, items: Sequence[str], name: str, start: dt.date, end: dt.date
) -> str:
    """The declaration's text (Chinese, the legal language of the declaration) from its template."""
    by_code = {i.code: i for i in template.items}
    lines = [template.intro_zh.format(name=name, declared_on=start.isoformat(), valid_until=end.isoformat())]
    lines += [f"{n}. {by_code[code].zh}" for n, code in enumerate(items, start=1)]
    lines.append(template.closing_zh)
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------------
# access helpers
# ----------------------------------------------------------------------------------------------------
def _credit_viewer(principal: Principal) -> None:
    """Scores and records: regulators, administrators and enterprises (their own) only."""
    if principal.role == "public":
        from jiliang.platform.errors import Unauthorized

        raise Unauthorized("please log in")
    if principal.role not in ("regulator", "admin", "enterprise"):
        raise Forbidden("credit records are for regulators and the enterprise itself")


def _as_public_viewer(principal: Principal) -> Principal:
    """Institutions take no part in honest metrology: they see declarations and model units as the public."""
    return PUBLIC if principal.role == "institution" else principal


_regulates = regulates


def _enterprise(s: Session, principal: Principal, enterprise_id: int) -> Organisation:
    """The enterprise, answering 404 when it is not an enterprise or outside the principal's scope."""
    org = get_visible(s, principal, Organisation, enterprise_id, "enterprise")
    if org.kind != "enterprise":
        raise NotFound(f"enterprise {enterprise_id} not found")
    if principal.role == "institution":
        raise NotFound(f"enterprise {enterprise_id} not found")
    return org  # type: ignore[no-any-return]


def _check_region(s: Session, principal: Principal, region_code: str) -> None:
    if s.get(Region, region_code) is None:
        raise InvalidInput(f"unknown region {region_code}", field="region_code")
    if not _regulates(principal, region_code):
        raise Forbidden(f"region {region_code} is outside your region", field="region_code")


# ----------------------------------------------------------------------------------------------------
# derivation of credit records
# ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Derived:
    """A credit record as the sources say it should be."""

    enterprise_id: int
    source: str
    source_key: str
    event_on: dt.date
    rule_id: str
    points: float
    detail: str


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def has_table(session: Session, name: str) -> bool:
    """Whether a table exists in the database of ``session`` (the guard of the other areas' tables)."""
    return bool(inspect(session.connection()).has_table(name))


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield list(ids[start : start + _CHUNK])


def derive_records(
    session: Session, enterprise_ids: Sequence[int], as_of: dt.date
) -> dict[int, list[Derived]]:
    """The credit records each enterprise should have on ``as_of``, from the source tables (reads only)."""
    rs = ruleset()
    out: dict[int, list[Derived]] = {int(e): [] for e in enterprise_ids}
    ids = sorted(out)

    def rule(source: str, severity: str | None = None) -> Any:
        r = rs.rule_for(source, severity)
        return r

    vf, od = rule("verification_fail"), rule("overdue_instrument")
    nc, cm, mu = rule("netcontent_fail"), rule("commitment"), rule("model_unit")
    netcontent = has_table(session, NETCONTENT_TABLE)
    findings = has_table(session, CAMPAIGN_FINDINGS_TABLE)
    for chunk in _chunks(ids):
        for ev in session.execute(
            select(
                VerificationEvent.id,
                VerificationEvent.owner_id,
                VerificationEvent.verified_on,
                VerificationEvent.certificate_no,
                Instrument.code,
            )
            .join(Instrument, Instrument.id == VerificationEvent.instrument_id)
            .where(VerificationEvent.owner_id.in_(chunk), VerificationEvent.result == "fail")
        ):
            out[ev.owner_id].append(
                Derived(
                    ev.owner_id,
                    "verification_fail",
                    f"verification_events:{ev.id}",
                    _date(ev.verified_on),
                    vf.rule_id,
                    vf.points,
                    f"{ev.code} {ev.certificate_no}".strip()[:300],
                )
            )
        for inst in session.execute(
            select(Instrument.id, Instrument.owner_id, Instrument.code, Instrument.next_due_on).where(
                Instrument.owner_id.in_(chunk),
                Instrument.status == "in_use",
                Instrument.next_due_on.is_not(None),
                Instrument.next_due_on < as_of,
            )
        ):
            due = _date(inst.next_due_on)
            out[inst.owner_id].append(
                Derived(
                    inst.owner_id,
                    "overdue_instrument",
                    f"instruments:{inst.id}:{due.isoformat()}",
                    due,
                    od.rule_id,
                    od.points,
                    inst.code,
                )
            )
        if netcontent:
            for nci in session.execute(
                select(
                    NetContentInspection.record_key,
                    NetContentInspection.producer_id,
                    NetContentInspection.inspected_on,
                    NetContentInspection.product_name,
                    NetContentInspection.batch,
                ).where(
                    NetContentInspection.producer_id.in_(chunk),
                    NetContentInspection.superseded_by_id.is_(None),
                    NetContentInspection.verdict == "fail",
                    NetContentInspection.status.in_(("finalised", "published")),
                )
            ):
                producer = int(nci.producer_id)
                out[producer].append(
                    Derived(
                        producer,
                        "netcontent_fail",
                        f"netcontent_inspections:{nci.record_key}",
                        _date(nci.inspected_on),
                        nc.rule_id,
                        nc.points,
                        f"{nci.product_name or ''} {nci.batch or ''}".strip()[:300],
                    )
                )
        if findings:
            for cf in session.execute(
                select(
                    CampaignFinding.id,
                    CampaignFinding.enterprise_id,
                    CampaignFinding.found_on,
                    CampaignFinding.severity,
                    CampaignFinding.status,
                    CampaignFinding.category,
                ).where(CampaignFinding.enterprise_id.in_(chunk))
            ):
                r = rule("campaign_finding", str(cf.severity))
                if r is None:
                    continue  # a severity the rules do not score
                eid = int(cf.enterprise_id)
                out[eid].append(
                    Derived(
                        eid,
                        "campaign_finding",
                        f"campaign_findings:{cf.id}",
                        _date(cf.found_on),
                        r.rule_id,
                        r.points,
                        f"{cf.category or ''} ({cf.status})"[:300],
                    )
                )
        for d in session.scalars(
            select(CreditDeclaration).where(
                CreditDeclaration.enterprise_id.in_(chunk),
                CreditDeclaration.published.is_(True),
                CreditDeclaration.status == "published",
                CreditDeclaration.declared_on <= as_of,
                CreditDeclaration.valid_until >= as_of,
            )
        ):
            out[d.enterprise_id].append(
                Derived(
                    d.enterprise_id,
                    "commitment",
                    f"credit_declarations:{d.id}",
                    d.declared_on,
                    cm.rule_id,
                    cm.points,
                    d.title[:300],
                )
            )
        for m in session.scalars(
            select(ModelUnit).where(
                ModelUnit.enterprise_id.in_(chunk),
                ModelUnit.published.is_(True),
                ModelUnit.designated_on <= as_of,
                (ModelUnit.revoked_on.is_(None)) | (ModelUnit.revoked_on > as_of),
                (ModelUnit.valid_until.is_(None)) | (ModelUnit.valid_until >= as_of),
            )
        ):
            out[m.enterprise_id].append(
                Derived(
                    m.enterprise_id,
                    "model_unit",
                    f"credit_model_units:{m.id}",
                    m.designated_on,
                    mu.rule_id,
                    mu.points,
                    m.note[:300],
                )
            )
    return out


@dataclass
class _Changes:
    enterprises: int = 0
    added: int = 0
    removed: int = 0
    changed: int = 0
    scores: int = 0
    touched: list[int] | None = None


def apply_refresh(session: Session, enterprises: Sequence[Organisation], as_of: dt.date) -> _Changes:
    """Bring the records and today's score of ``enterprises`` in line with the sources (in ``session``)."""
    changes = _Changes(touched=[])
    ids = [o.id for o in enterprises]
    region_of = {o.id: o.region_code for o in enterprises}
    desired = derive_records(session, ids, as_of)
    rs = ruleset()
    for chunk in _chunks(ids):
        existing: dict[int, dict[tuple[str, str], CreditRecord]] = {e: {} for e in chunk}
        for stored in session.scalars(select(CreditRecord).where(CreditRecord.enterprise_id.in_(chunk))):
            existing[stored.enterprise_id][(stored.source, stored.source_key)] = stored
        scores = {
            sc.enterprise_id: sc
            for sc in session.scalars(
                select(CreditScore).where(
                    CreditScore.enterprise_id.in_(chunk), CreditScore.is_current.is_(True)
                )
            )
        }
        day_rows = {
            sc.enterprise_id: sc
            for sc in session.scalars(
                select(CreditScore).where(
                    CreditScore.enterprise_id.in_(chunk), CreditScore.computed_on == as_of
                )
            )
        }
        for eid in chunk:
            changes.enterprises += 1
            have = existing[eid]
            want = {(d.source, d.source_key): d for d in desired[eid]}
            touched = False
            for key, old in list(have.items()):
                if key not in want:
                    session.delete(old)
                    del have[key]
                    changes.removed += 1
                    touched = True
            for key, d in want.items():
                rec = have.get(key)
                values = (d.event_on, d.rule_id, float(d.points), d.detail, region_of[eid])
                if rec is None:
                    rec = CreditRecord(
                        enterprise_id=eid,
                        region_code=region_of[eid],
                        source=d.source,
                        source_key=d.source_key,
                        event_on=d.event_on,
                        rule_id=d.rule_id,
                        points=float(d.points),
                        detail=d.detail,
                    )
                    session.add(rec)
                    have[key] = rec
                    changes.added += 1
                    touched = True
                elif (rec.event_on, rec.rule_id, float(rec.points), rec.detail, rec.region_code) != values:
                    rec.event_on, rec.rule_id, rec.points, rec.detail, rec.region_code = values
                    rec.derived_at = utcnow()
                    changes.changed += 1
                    touched = True
            result = compute_score(
                [RecordIn(r.rule_id, r.event_on, r.points) for r in have.values()], as_of, rs
            )
            n_factors = len(result.counted)
            current = scores.get(eid)
            later = current is not None and current.computed_on > as_of  # a past day: history only
            row = day_rows.get(eid)
            same = (
                row is not None
                and row.score == result.score
                and row.grade == result.grade
                and row.factor_count == n_factors
                and row.rules_version == rs.version
                and row.region_code == region_of[eid]
                and row.is_current == (not later)
            )
            if same and not touched:
                continue
            if not same:
                if current is not None and current.computed_on < as_of:
                    current.is_current = False
                    session.flush()
                if row is None:
                    row = CreditScore(enterprise_id=eid, computed_on=as_of)
                    session.add(row)
                row.region_code = region_of[eid]
                row.score, row.grade = result.score, result.grade
                row.factor_count, row.rules_version = n_factors, rs.version
                row.is_current, row.computed_at = not later, utcnow()
                changes.scores += 1
            assert changes.touched is not None
            changes.touched.append(eid)
    session.flush()
    return changes


def _refresh_out(c: _Changes) -> RefreshOut:
    return RefreshOut(
        enterprises=c.enterprises,
        records_added=c.added,
        records_removed=c.removed,
        records_changed=c.changed,
        scores_written=c.scores,
    )


def refresh_enterprise(
    *, principal: Principal, enterprise_id: int, as_of: dt.date | None = None
) -> RefreshOut:
    """(Re)derive one enterprise's credit records and its score for ``as_of`` (regulators of its region)."""
    day = as_of or dt.date.today()
    with write_session() as s:
        _credit_viewer(principal)
        if principal.role not in ("regulator", "admin"):
            _enterprise(s, principal, enterprise_id)  # 404 outside the principal's scope
            raise Forbidden("only a regulator refreshes credit records")
        org = _enterprise(s, principal, enterprise_id)
        if not _regulates(principal, org.region_code):
            raise Forbidden("the enterprise is outside your region")
        c = apply_refresh(s, [org], day)
        if c.touched:
            audit.record(
                s,
                actor=principal.username,
                action="credit.refresh",
                object_type="enterprise_credit",
                object_id=org.id,
                after={"as_of": day, **_refresh_out(c).model_dump()},
            )
        return _refresh_out(c)


def refresh_region(*, principal: Principal, region_code: str, as_of: dt.date | None = None) -> RefreshOut:
    """Batch refresh of every enterprise of a region (and below it): one transaction and one audit entry per
    chunk of 500 enterprises, naming the enterprises whose records or score changed."""
    day = as_of or dt.date.today()
    if principal.role not in ("regulator", "admin"):
        raise Forbidden("only a regulator refreshes credit records")
    total = _Changes(touched=[])
    with read_session() as s:
        _check_region(s, principal, region_code)
        ids = list(
            s.scalars(
                select(Organisation.id)
                .where(Organisation.kind == "enterprise", in_region(Organisation.region_code, region_code))
                .order_by(Organisation.id)
            )
        )
    for chunk in _chunks(ids):
        with write_session() as s:
            orgs = list(
                s.scalars(select(Organisation).where(Organisation.id.in_(chunk)).order_by(Organisation.id))
            )
            c = apply_refresh(s, orgs, day)
            if c.touched:
                audit.record(
                    s,
                    actor=principal.username,
                    action="credit.refresh_region",
                    object_type="region_credit",
                    object_id=region_code,
                    after={
                        "as_of": day,
                        "enterprise_ids": c.touched,
                        **_refresh_out(c).model_dump(),
                    },
                )
        total.enterprises += c.enterprises
        total.added += c.added
        total.removed += c.removed
        total.changed += c.changed
        total.scores += c.scores
    return _refresh_out(total)


# ----------------------------------------------------------------------------------------------------
# reading credit
# ----------------------------------------------------------------------------------------------------
def _why_not(rule_window: int | None, event_on: dt.date, as_of: dt.date) -> str:
    if event_on > as_of:
        return "after the day of the score"
    if rule_window is not None and (as_of - event_on).days >= rule_window:
        return f"older than {rule_window} days"
    return ""


def credit_view(*, principal: Principal, enterprise_id: int) -> CreditView:
    """An enterprise's current score with every factor (source, date, points, rule and basis) and history."""
    _credit_viewer(principal)
    rs = ruleset()
    with read_session() as s:
        org = _enterprise(s, principal, enterprise_id)
        current = s.scalars(
            select(CreditScore).where(CreditScore.enterprise_id == org.id, CreditScore.is_current.is_(True))
        ).one_or_none()
        as_of = current.computed_on if current is not None else dt.date.today()
        records = list(
            s.scalars(
                select(CreditRecord)
                .where(CreditRecord.enterprise_id == org.id)
                .order_by(CreditRecord.event_on.desc(), CreditRecord.id)
            )
        )
        result = compute_score([RecordIn(r.rule_id, r.event_on, r.points) for r in records], as_of, rs)
        factors = []
        for i, r in enumerate(records):
            try:
                rule = rs.rule(r.rule_id)
                basis, basis_zh = rule.basis, rule.basis_zh
                status, window = rule.source_status, rule.window_days
            except KeyError:
                basis, basis_zh, status, window = "rule no longer in force", "", rs.source_status, None
            counts = i in result.counted
            factors.append(
                FactorOut(
                    record_id=r.id,
                    source=r.source,
                    source_key=r.source_key,
                    event_on=r.event_on,
                    rule_id=r.rule_id,
                    points=r.points,
                    basis=basis,
                    basis_zh=basis_zh,
                    source_status=status,
                    counts=counts,
                    why_not=""
                    if counts
                    else (_why_not(window, r.event_on, as_of) or "rule no longer in force"),
                    window_days=window,
                    detail=r.detail,
                )
            )
        history = [
            HistoryOut(computed_on=h.computed_on, score=h.score, grade=h.grade, rules_version=h.rules_version)
            for h in s.scalars(
                select(CreditScore)
                .where(CreditScore.enterprise_id == org.id)
                .order_by(CreditScore.computed_on.desc())
                .limit(100)
            )
        ]
        declarations = [
            _declaration_out(d, org.name)
            for d in s.scalars(
                select(CreditDeclaration)
                .where(CreditDeclaration.enterprise_id == org.id)
                .order_by(CreditDeclaration.declared_on.desc())
            )
        ]
        units = [
            _model_unit_out(s, m, org)
            for m in s.scalars(
                select(ModelUnit)
                .where(ModelUnit.enterprise_id == org.id)
                .order_by(ModelUnit.designated_on.desc())
            )
        ]
        return CreditView(
            enterprise_id=org.id,
            enterprise_name=org.name,
            region_code=org.region_code,
            computed_on=current.computed_on if current else None,
            score=current.score if current else None,
            grade=current.grade if current else None,
            risk_weight=risk_weight_of(current.score if current else rs.base_points),
            base=rs.base_points,
            rules_version=current.rules_version if current else rs.version,
            source_status=rs.source_status,
            factors=factors,
            totals=[
                RuleTotalOut(
                    rule_id=t.rule_id,
                    counted=t.counted,
                    raw_points=t.raw_points,
                    points=t.points,
                    capped=t.points != t.raw_points,
                )
                for t in result.totals
            ],
            history=history,
            declarations=declarations,
            model_units=units,
        )


def list_enterprise_credit(
    *,
    principal: Principal,
    region: str | None = None,
    grade: str | None = None,
    q: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> EnterpriseCreditList:
    """Enterprises with their current grade: regulators (their region and below), administrators; an
    enterprise sees its own row only."""
    _credit_viewer(principal)
    if grade is not None and grade not in ("A", "B", "C", "D"):
        raise InvalidInput("grade must be A, B, C or D", field="grade")
    if limit < 1 or limit > 500 or offset < 0:
        raise InvalidInput("limit must be 1..500 and offset ≥ 0", field="limit")
    with read_session() as s:
        base = (
            select(CreditScore, Organisation.name)
            .join(Organisation, Organisation.id == CreditScore.enterprise_id)
            .where(CreditScore.is_current.is_(True), visible(principal, CreditScore))
        )
        orgs = select(Organisation.id).where(
            Organisation.kind == "enterprise", visible(principal, Organisation)
        )
        if principal.role == "enterprise":
            orgs = orgs.where(Organisation.id == principal.organisation_id)
        if region:
            if s.get(Region, region) is None:
                raise InvalidInput(f"unknown region {region}", field="region")
            if principal.role == "regulator" and not _regulates(principal, region):
                raise Forbidden(f"region {region} is outside your region", field="region")
            base = base.where(in_region(CreditScore.region_code, region))
            orgs = orgs.where(in_region(Organisation.region_code, region))
        if q:
            base = base.where(Organisation.name.contains(q) | (Organisation.credit_code == q.upper()))
            orgs = orgs.where(Organisation.name.contains(q) | (Organisation.credit_code == q.upper()))
        by_grade = {g: 0 for g in ("A", "B", "C", "D")}
        for g, n in s.execute(
            base.with_only_columns(CreditScore.grade, func.count()).group_by(CreditScore.grade)
        ).all():
            by_grade[str(g)] = int(n)
        n_orgs = s.scalar(select(func.count()).select_from(orgs.subquery())) or 0
        unscored = max(0, int(n_orgs) - sum(by_grade.values()))
        if grade:
            base = base.where(CreditScore.grade == grade)
        total = s.scalar(select(func.count()).select_from(base.subquery())) or 0
        rows = s.execute(
            base.order_by(CreditScore.score, CreditScore.enterprise_id).offset(offset).limit(limit)
        ).all()
        return EnterpriseCreditList(
            total=int(total),
            by_grade=by_grade,
            unscored=unscored,
            items=[
                EnterpriseCreditRow(
                    enterprise_id=sc.enterprise_id,
                    enterprise_name=name,
                    region_code=sc.region_code,
                    score=sc.score,
                    grade=sc.grade,
                    computed_on=sc.computed_on,
                )
                for sc, name in rows
            ],
        )


# ----------------------------------------------------------------------------------------------------
# self-declarations and commitments
# ----------------------------------------------------------------------------------------------------
def _declaration_out(d: CreditDeclaration, name: str, today: dt.date | None = None) -> DeclarationPublic:
    day = today or dt.date.today()
    out = DeclarationPublic.model_validate(d)
    out.enterprise_name = name
    out.valid_today = d.status == "published" and d.declared_on <= day <= d.valid_until
    return out


def create_declaration(*, principal: Principal, data: DeclarationCreate) -> CreditDeclaration:
    """An enterprise declares and commits (its own organisation); administrators may declare for one."""
    if principal.role == "enterprise":
        if data.enterprise_id not in (None, principal.organisation_id):
            raise Forbidden("an enterprise declares for itself only", field="enterprise_id")
        enterprise_id = principal.organisation_id
    elif principal.role == "admin":
        if data.enterprise_id is None:
            raise InvalidInput("give the enterprise", field="enterprise_id")
        enterprise_id = data.enterprise_id
    else:
        raise Forbidden("only an enterprise makes a self-declaration")
    template = _templates().get(data.template_id)
    if template is None:
        raise InvalidInput(
            f"unknown template {data.template_id!r}; known: {sorted(_templates())}", field="template_id"
        )
    known = [i.code for i in template.items]
    for n, code in enumerate(data.items):
        if code not in known:
            raise InvalidInput(f"items[{n}]: unknown item {code!r}; known: {known}", field=f"items.{n}")
    if len(set(data.items)) != len(data.items):
        raise InvalidInput("an item is listed twice", field="items")
    items = [c for c in known if c in data.items]  # the template's order
    if data.valid_until <= data.declared_on:
        raise InvalidInput("the validity must end after the declaration date", field="valid_until")
    if (data.valid_until - data.declared_on).days > MAX_VALIDITY_DAYS:
        raise InvalidInput("a declaration is valid for at most 3 years", field="valid_until")
    if abs((data.declared_on - dt.date.today()).days) > 366:
        raise InvalidInput("the declaration date must be within a year of today", field="declared_on")
    with write_session() as s:
        if enterprise_id is None:
            raise Forbidden("your account has no organisation")
        org = s.get(Organisation, enterprise_id)
        if org is None or org.kind != "enterprise":
            raise InvalidInput(f"enterprise {enterprise_id} not found", field="enterprise_id")
        obj = CreditDeclaration(
            enterprise_id=org.id,
            region_code=org.region_code,
            template_id=template.template_id,
            title=template.title_zh,
            text=declaration_text(template, items, org.name, data.declared_on, data.valid_until),
            items=items,
            declared_on=data.declared_on,
            valid_until=data.valid_until,
            status="published" if data.publish else "draft",
            published=bool(data.publish),
            created_by=principal.username,
        )
        s.add(obj)
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="create",
            object_type="credit_declaration",
            object_id=obj.id,
            after=snapshot(obj),
        )
        return obj


def _own_declaration(s: Session, principal: Principal, declaration_id: int) -> CreditDeclaration:
    d: CreditDeclaration = get_visible(
        s, _as_public_viewer(principal), CreditDeclaration, declaration_id, "declaration"
    )
    if principal.role == "admin":
        return d
    if principal.role != "enterprise" or d.enterprise_id != principal.organisation_id:
        raise Forbidden("only the enterprise changes its declaration")
    return d


def set_declaration_status(*, principal: Principal, declaration_id: int, status: str) -> CreditDeclaration:
    """Publish a draft or withdraw a declaration (the enterprise itself; withdrawn is final)."""
    if status not in ("published", "withdrawn"):
        raise InvalidInput("status must be published or withdrawn", field="status")
    with write_session() as s:
        d = _own_declaration(s, principal, declaration_id)
        if d.status == "withdrawn":
            raise Conflict("the declaration was withdrawn", field="status")
        if d.status == status:
            return d
        before = snapshot(d)
        d.status = status
        d.published = status == "published"
        d.updated_at = utcnow()
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action=f"declaration.{status}",
            object_type="credit_declaration",
            object_id=d.id,
            before=before,
            after=snapshot(d),
        )
        return d


def get_declaration(*, principal: Principal, declaration_id: int) -> DeclarationPublic:
    with read_session() as s:
        d = get_visible(s, _as_public_viewer(principal), CreditDeclaration, declaration_id, "declaration")
        org = s.get(Organisation, d.enterprise_id)
        return _declaration_out(d, org.name if org else "")


def list_declarations(
    *,
    principal: Principal,
    region: str | None = None,
    enterprise_id: int | None = None,
    valid_only: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[DeclarationPublic]]:
    """Declarations the principal may see: its own (enterprise), its region's (regulator), published ones
    (everyone). ``valid_only``: published and valid today (the public list of commitments)."""
    if limit < 1 or limit > 500 or offset < 0:
        raise InvalidInput("limit must be 1..500 and offset ≥ 0", field="limit")
    viewer = _as_public_viewer(principal)
    today = dt.date.today()
    stmt = (
        select(CreditDeclaration, Organisation.name)
        .join(Organisation, Organisation.id == CreditDeclaration.enterprise_id)
        .where(visible(viewer, CreditDeclaration))
    )
    if region:
        try:
            region_range(region)
        except CodeError:
            raise InvalidInput(f"invalid region {region!r}", field="region") from None
        stmt = stmt.where(in_region(CreditDeclaration.region_code, region))
    if enterprise_id is not None:
        stmt = stmt.where(CreditDeclaration.enterprise_id == enterprise_id)
    if valid_only:
        stmt = stmt.where(
            CreditDeclaration.status == "published",
            CreditDeclaration.published.is_(True),
            CreditDeclaration.declared_on <= today,
            CreditDeclaration.valid_until >= today,
        )
    with read_session() as s:
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.execute(
            stmt.order_by(CreditDeclaration.declared_on.desc(), CreditDeclaration.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return int(total), [_declaration_out(d, name, today) for d, name in rows]


# ----------------------------------------------------------------------------------------------------
# honest-metrology model units (诚信计量示范单位)
# ----------------------------------------------------------------------------------------------------
def _region_name(s: Session, code: str) -> str:
    r = s.get(Region, code)
    return r.name_zh if r else code


def _model_unit_out(
    s: Session, m: ModelUnit, org: Organisation, today: dt.date | None = None
) -> ModelUnitPublic:
    day = today or dt.date.today()
    return ModelUnitPublic(
        id=m.id,
        enterprise_id=m.enterprise_id,
        enterprise_name=org.name,
        region_code=m.region_code,
        region_name=_region_name(s, m.region_code),
        designated_on=m.designated_on,
        valid_until=m.valid_until,
        revoked_on=m.revoked_on,
        published=m.published,
        active=_active(m, day),
    )


def _active(m: ModelUnit, day: dt.date) -> bool:
    return (
        m.published
        and m.designated_on <= day
        and (m.revoked_on is None or m.revoked_on > day)
        and (m.valid_until is None or m.valid_until >= day)
    )


def designate_model_unit(*, principal: Principal, data: ModelUnitCreate) -> ModelUnit:
    """Designate an enterprise of the regulator's region as honest-metrology model unit.

    Platform policy ("local policy (unverified)"): the enterprise's credit, refreshed in the same
    transaction for the designation date, must be grade A; one active designation per enterprise.
    """
    if principal.role not in ("regulator", "admin"):
        raise Forbidden("only a regulator designates model units")
    if data.valid_until is not None and data.valid_until <= data.designated_on:
        raise InvalidInput("the designation must end after it starts", field="valid_until")
    if abs((data.designated_on - dt.date.today()).days) > 366:
        raise InvalidInput("the designation date must be within a year of today", field="designated_on")
    with write_session() as s:
        org = s.get(Organisation, data.enterprise_id)
        if org is None or org.kind != "enterprise" or not _regulates(principal, org.region_code):
            raise NotFound(f"enterprise {data.enterprise_id} not found in your region", field="enterprise_id")
        for m in s.scalars(select(ModelUnit).where(ModelUnit.enterprise_id == org.id)):
            if _active(m, data.designated_on) or (
                m.published
                and m.revoked_on is None
                and (m.valid_until is None or m.valid_until >= data.designated_on)
            ):
                raise Conflict("the enterprise already is a model unit", field="enterprise_id")
        today = dt.date.today()
        apply_refresh(s, [org], today)
        score = s.scalars(
            select(CreditScore).where(CreditScore.enterprise_id == org.id, CreditScore.is_current.is_(True))
        ).one()
        if score.grade != "A":
            raise Conflict(
                f"only a grade A enterprise can be designated (its grade is {score.grade}, score {score.score:g})",
                field="enterprise_id",
            )
        obj = ModelUnit(
            enterprise_id=org.id,
            region_code=org.region_code,
            designated_on=data.designated_on,
            valid_until=data.valid_until,
            note=data.note,
            published=True,
            designated_by=principal.username,
        )
        s.add(obj)
        s.flush()
        apply_refresh(s, [org], today)
        audit.record(
            s,
            actor=principal.username,
            action="create",
            object_type="credit_model_unit",
            object_id=obj.id,
            after=snapshot(obj),
        )
        return obj


def revoke_model_unit(*, principal: Principal, unit_id: int, data: ModelUnitRevoke) -> ModelUnit:
    """Revoke a designation (regulators of the enterprise's region); the credit is refreshed at once."""
    _credit_viewer(principal)
    with write_session() as s:
        m: ModelUnit = get_visible(s, _as_public_viewer(principal), ModelUnit, unit_id, "model unit")
        if not _regulates(principal, m.region_code):
            raise Forbidden("only a regulator of the region revokes a designation")
        if m.revoked_on is not None:
            raise Conflict("the designation was already revoked", field="revoked_on")
        if data.revoked_on < m.designated_on:
            raise InvalidInput("the revocation cannot precede the designation", field="revoked_on")
        before = snapshot(m)
        m.revoked_on = data.revoked_on
        if data.note:
            m.note = (m.note + "\n" + data.note).strip()[:1000]
        s.flush()
        org = s.get(Organisation, m.enterprise_id)
        assert org is not None
        apply_refresh(s, [org], dt.date.today())
        audit.record(
            s,
            actor=principal.username,
            action="model_unit.revoke",
            object_type="credit_model_unit",
            object_id=m.id,
            before=before,
            after=snapshot(m),
        )
        return m


def list_model_units(
    *,
    principal: Principal = PUBLIC,
    region: str | None = None,
    active_only: bool = True,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[ModelUnitPublic]]:
    """Model units: the public list holds published, active designations with date and region."""
    if limit < 1 or limit > 500 or offset < 0:
        raise InvalidInput("limit must be 1..500 and offset ≥ 0", field="limit")
    viewer = _as_public_viewer(principal)
    today = dt.date.today()
    stmt = (
        select(ModelUnit, Organisation)
        .join(Organisation, Organisation.id == ModelUnit.enterprise_id)
        .where(visible(viewer, ModelUnit))
    )
    if region:
        try:
            region_range(region)
        except CodeError:
            raise InvalidInput(f"invalid region {region!r}", field="region") from None
        stmt = stmt.where(in_region(ModelUnit.region_code, region))
    if active_only or viewer.is_public:
        stmt = stmt.where(
            ModelUnit.published.is_(True),
            ModelUnit.designated_on <= today,
            (ModelUnit.revoked_on.is_(None)) | (ModelUnit.revoked_on > today),
            (ModelUnit.valid_until.is_(None)) | (ModelUnit.valid_until >= today),
        )
    with read_session() as s:
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.execute(
            stmt.order_by(ModelUnit.designated_on.desc(), ModelUnit.id.desc()).offset(offset).limit(limit)
        ).all()
        return int(total), [_model_unit_out(s, m, org, today) for m, org in rows]


def get_model_unit(*, principal: Principal, unit_id: int) -> ModelUnitPublic:
    with read_session() as s:
        m: ModelUnit = get_visible(s, _as_public_viewer(principal), ModelUnit, unit_id, "model unit")
        org = s.get(Organisation, m.enterprise_id)
        assert org is not None
        return _model_unit_out(s, m, org)
