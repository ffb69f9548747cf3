"""Use cases of the register. Keyword-only functions; each owns its transaction.

Every calculation (codes, due dates) is delegated to ``jiliang.core``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, String, and_, bindparam, exists, func, insert, literal, select
from sqlalchemy.orm import Session

from jiliang.core import duedates
from jiliang.core.codes import CodeError, make_instrument_code, region_range, validate_instrument_code
from jiliang.instruments import tallies
from jiliang.instruments.models import (
    CatalogueItem,
    Instrument,
    InstrumentTally,
    RecallNotice,
    TallyState,
    VerificationEvent,
)
from jiliang.instruments.schemas import (
    InstrumentCreate,
    InstrumentLookup,
    InstrumentUpdate,
    VerificationCreate,
)
from jiliang.organisations.models import Organisation
from jiliang.platform import audit
from jiliang.platform.access import Principal, in_region, visible
from jiliang.platform.db import get_engine, read_session, write_session
from jiliang.platform.errors import Conflict, DomainError, Forbidden, NotFound
from jiliang.platform.models import utcnow
from jiliang.platform.service import get_visible, snapshot


def rule_of(item: CatalogueItem) -> duedates.CatalogueRule:
    # a row whose form is not established is treated as periodic with an unknown period, so that the
    # register reports "unknown period" instead of "nothing falls due"
    return duedates.CatalogueRule(
        verification_form=item.verification_form or "periodic",
        period_months=item.period_months,
        service_life_months=item.service_life_months,
    )


def due_for(rule: duedates.CatalogueRule, first: dt.date | None, last: dt.date | None) -> dt.date | None:
    """The register's next due date: periodic verification, or replacement at the end of a service life."""
    return duedates.due_event(rule, last_verification=last, first_verification=first).due


def due_date(item: CatalogueItem, first: dt.date | None, last: dt.date | None) -> dt.date | None:
    return due_for(rule_of(item), first, last)


def _may_manage(principal: Principal, owner: Organisation) -> bool:
    if principal.role == "admin":
        return True
    if principal.role == "enterprise":
        return principal.organisation_id == owner.id
    if principal.role == "regulator" and principal.region_code:
        low, high = region_range(principal.region_code)
        return low <= owner.region_code <= high
    return False


def next_sequence(session: Session, region_code: str, catalogue_code: str) -> int:
    prefix = make_instrument_code(region_code, catalogue_code, 0)[: len(region_code) + len(catalogue_code)]
    top = session.scalar(
        select(func.max(Instrument.code)).where(
            Instrument.code >= prefix, Instrument.code < prefix + "\uffff"
        )
    )
    if not top:
        return 1
    seq = int(top[len(prefix) : len(prefix) + 8]) + 1
    if seq > 99_999_999:
        raise Conflict(f"the sequence space of region {region_code} and item {catalogue_code} is exhausted; "
                       "give the identification code explicitly", field="code")
    return seq


def check_code_matches(code: str, region_code: str, catalogue_code: str) -> str | None:
    """Why an explicit identification code does not fit its owner's region and catalogue item, or None.

    The code encodes the owner's region (positions 1-6) and the catalogue item (7-10).
    """
    if code[:6] != region_code:
        return f"positions 1-6 ({code[:6]}) must be the owner's region code {region_code}"
    if code[6:10] != catalogue_code:
        return f"positions 7-10 ({code[6:10]}) must be the catalogue item {catalogue_code}"
    return None


def register_instrument(*, principal: Principal, data: InstrumentCreate) -> Instrument:
    with write_session() as s:
        owner = s.get(Organisation, data.owner_id)
        if owner is None or owner.kind != "enterprise" or not _may_manage(principal, owner):
            raise Forbidden("you may not register instruments for this owner", field="owner_id")
        item = s.get(CatalogueItem, data.catalogue_code)
        if item is None:
            raise DomainError(f"unknown catalogue item {data.catalogue_code}", field="catalogue_code")
        if data.last_verified_on and data.first_verified_on and data.last_verified_on < data.first_verified_on:
            raise DomainError("last verification precedes the first verification", field="last_verified_on")
        today = dt.date.today()
        for name in ("first_verified_on", "last_verified_on"):
            value = getattr(data, name)
            if value is not None and value > today:
                raise DomainError(f"{name} {value} lies in the future", field=name)
        code = data.code
        if code:
            try:
                validate_instrument_code(code)
            except CodeError as exc:
                raise DomainError(str(exc), field="code") from exc
            mismatch = check_code_matches(code, owner.region_code, item.code)
            if mismatch:
                raise DomainError(mismatch, field="code")
            if s.scalar(select(Instrument.id).where(Instrument.code == code)):
                raise Conflict(f"identification code {code} is already registered", field="code")
        else:
            code = make_instrument_code(owner.region_code, item.code, next_sequence(s, owner.region_code, item.code))
        fields = data.model_dump(exclude={"code"})
        inst = Instrument(code=code, region_code=owner.region_code, status="in_use", **fields)
        inst.next_due_on = due_date(item, inst.first_verified_on, inst.last_verified_on)
        s.add(inst)
        s.flush()
        tallies.record_change(s, None, inst)
        audit.record(
            s, actor=principal.username, action="register", object_type="instrument",
            object_id=inst.id, after=snapshot(inst),
        )
        return inst


def update_instrument(*, principal: Principal, instrument_id: int, data: InstrumentUpdate) -> Instrument:
    with write_session() as s:
        inst = get_visible(s, principal, Instrument, instrument_id, "instrument")
        owner = s.get(Organisation, inst.owner_id)
        assert owner is not None
        if not _may_manage(principal, owner):
            raise Forbidden("you may not change this instrument")
        if inst.status == "scrapped":
            raise Conflict("a scrapped instrument cannot be changed", field="status")
        before = snapshot(inst)
        for key, value in data.model_dump(exclude_none=True).items():
            setattr(inst, key, value)
        inst.updated_at = utcnow()
        s.flush()
        tallies.record_change(s, before, inst)
        audit.record(
            s, actor=principal.username, action="update", object_type="instrument",
            object_id=inst.id, before=before, after=snapshot(inst),
        )
        return inst


def record_verification(*, principal: Principal, instrument_id: int, data: VerificationCreate) -> VerificationEvent:
    """Record a verification result; the due date rolls forward from the catalogue rule."""
    with write_session() as s:
        return apply_verification(s, principal=principal, instrument_id=instrument_id, data=data)


def apply_verification(
    s: Session, *, principal: Principal, instrument_id: int, data: VerificationCreate
) -> VerificationEvent:
    """:func:`record_verification` inside the caller's transaction (the certificates area issues a
    certificate and updates the register in one transaction). Tallies and audit as there."""
    if principal.role not in ("institution", "admin"):
        raise Forbidden("only a verification institution records verification results")
    if data.verified_on > dt.date.today():
        raise DomainError("verification date lies in the future", field="verified_on")
    inst = get_visible(s, principal, Instrument, instrument_id, "instrument")
    if inst.status == "scrapped":
        raise Conflict("the instrument is scrapped", field="status")
    if inst.last_verified_on and data.verified_on < inst.last_verified_on:
        raise DomainError("an earlier verification than the last one on record", field="verified_on")
    institution_id = principal.organisation_id if principal.role == "institution" else data.institution_id
    if institution_id is not None:
        performer = s.get(Organisation, institution_id)
        if performer is None or performer.kind != "institution":
            raise DomainError(f"no technical institution {institution_id}", field="institution_id")
    item = s.get(CatalogueItem, inst.catalogue_code)
    assert item is not None
    before = snapshot(inst)
    first = inst.first_verified_on or data.verified_on
    inst.first_verified_on = first
    inst.last_verified_on = data.verified_on
    inst.last_result = data.result
    inst.next_due_on = due_date(item, first, data.verified_on)
    if data.result == "fail":
        inst.status = "suspended"
    elif inst.status == "suspended":
        inst.status = "in_use"  # a passed verification (e.g. after repair) makes it fit for use again
    inst.updated_at = utcnow()
    event = VerificationEvent(
        instrument_id=inst.id, owner_id=inst.owner_id, region_code=inst.region_code,
        verified_on=data.verified_on, institution_id=institution_id, result=data.result,
        certificate_no=data.certificate_no, next_due_on=inst.next_due_on,
    )
    s.add(event)
    s.flush()
    tallies.record_change(s, before, inst)
    tallies.record_verification(s, inst.region_code, data.verified_on, data.result)
    audit.record(
        s, actor=principal.username, action="verify", object_type="instrument",
        object_id=inst.id, before=before, after={**snapshot(inst), "verification_event": event.id},
    )
    return event


@dataclass(frozen=True)
class InstrumentFilter:
    q: str | None = None
    catalogue_code: str | None = None
    use: str | None = None
    status: str | None = None
    region: str | None = None
    owner_id: int | None = None
    overdue: bool = False
    due_within_days: int | None = None


def _filtered(principal: Principal, f: InstrumentFilter, today: dt.date) -> Any:
    stmt = select(Instrument).where(visible(principal, Instrument))
    if f.region:
        stmt = stmt.where(in_region(Instrument.region_code, f.region))
    if f.catalogue_code:
        stmt = stmt.where(Instrument.catalogue_code == f.catalogue_code)
    if f.use:
        stmt = stmt.where(Instrument.use == f.use)
    if f.status:
        stmt = stmt.where(Instrument.status == f.status)
    if f.owner_id:
        stmt = stmt.where(Instrument.owner_id == f.owner_id)
    if f.overdue:
        stmt = stmt.where(Instrument.status == "in_use", Instrument.next_due_on < today)
    if f.due_within_days is not None:
        stmt = stmt.where(
            Instrument.status == "in_use",
            Instrument.next_due_on.between(today, today + dt.timedelta(days=f.due_within_days)),
        )
    if f.q:
        q = f.q.strip()
        stmt = stmt.where(
            (Instrument.code == q) | (Instrument.serial_number == q) | Instrument.maker.contains(q)
        )
    return stmt


def _total_from_tallies(s: Session, principal: Principal, f: InstrumentFilter, today: dt.date) -> int | None:
    """The list's total read from the dashboard tallies, when the filters are tally dimensions.

    Applies to regulators and administrators (whose scope is a region), for filters on region, catalogue
    item, use, status and overdue only, and when the tallies are as of ``today``; otherwise None.
    """
    if principal.role not in ("regulator", "admin") or f.q or f.owner_id or f.due_within_days is not None:
        return None
    if s.scalar(select(TallyState.as_of).where(TallyState.id == 1)) != today:
        return None
    stmt = select(func.coalesce(func.sum(InstrumentTally.n), 0)).where(visible(principal, InstrumentTally))
    if f.region:
        stmt = stmt.where(in_region(InstrumentTally.region_code, f.region))
    if f.catalogue_code:
        stmt = stmt.where(InstrumentTally.catalogue_code == f.catalogue_code)
    if f.use:
        stmt = stmt.where(InstrumentTally.use == f.use)
    if f.status:
        stmt = stmt.where(InstrumentTally.status == f.status)
    if f.overdue:
        stmt = stmt.where(InstrumentTally.status == "in_use", InstrumentTally.bucket == "overdue")
    return int(s.scalar(stmt) or 0)


def list_instruments(
    *, principal: Principal, filters: InstrumentFilter, offset: int = 0, limit: int = 50, today: dt.date | None = None
) -> tuple[int, Sequence[Instrument]]:
    if today is None:
        today = dt.date.today()
        if principal.role in ("regulator", "admin"):
            tallies.ensure_current(today)
    stmt = _filtered(principal, filters, today)
    with read_session() as s:
        total = _total_from_tallies(s, principal, filters, today)
        if total is None:
            total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        rows = s.scalars(stmt.order_by(Instrument.next_due_on, Instrument.id).offset(offset).limit(limit)).all()
        return total, rows


def iter_instruments(*, principal: Principal, filters: InstrumentFilter, today: dt.date | None = None) -> Any:
    """Stream every visible instrument matching the filters (for exports)."""
    today = today or dt.date.today()
    stmt = _filtered(principal, filters, today).order_by(Instrument.id)
    with read_session() as s:
        yield from s.scalars(stmt.execution_options(yield_per=5000))


def get_instrument(*, principal: Principal, instrument_id: int) -> Instrument:
    with read_session() as s:
        return get_visible(s, principal, Instrument, instrument_id, "instrument")


def history(*, principal: Principal, instrument_id: int) -> Sequence[VerificationEvent]:
    with read_session() as s:
        get_visible(s, principal, Instrument, instrument_id, "instrument")
        return s.scalars(
            select(VerificationEvent)
            .where(VerificationEvent.instrument_id == instrument_id, visible(principal, VerificationEvent))
            .order_by(VerificationEvent.verified_on.desc())
        ).all()


_LOOKUP = (
    select(
        Instrument.code, Instrument.status, Instrument.last_verified_on, Instrument.last_result,
        Instrument.next_due_on, CatalogueItem.name_l1, CatalogueItem.name_l2, CatalogueItem.name_en,
        CatalogueItem.period_source_status,
    )
    .join(CatalogueItem, CatalogueItem.code == Instrument.catalogue_code)
    .where(Instrument.code == bindparam("code"))
)


def public_lookup(*, code: str, today: dt.date | None = None) -> InstrumentLookup:
    """The public view of one instrument by its identification code: no owner, no location.

    The busiest read of the platform: one prebuilt statement on a plain connection (no ORM session).
    """
    today = today or dt.date.today()
    code = code.strip().upper()
    with get_engine().connect() as conn:
        row = conn.execute(_LOOKUP, {"code": code}).first()
    if row is None:
        raise NotFound(f"no instrument with identification code {code}")
    kind = row.name_l2 or row.name_l1
    return InstrumentLookup(
        code=row.code, kind=kind, kind_en=row.name_en, status=row.status,
        last_verified_on=row.last_verified_on, last_result=row.last_result, next_due_on=row.next_due_on,
        overdue=bool(row.status == "in_use" and row.next_due_on and row.next_due_on < today),
        period_source_status=row.period_source_status,
    )


def generate_recalls(*, principal: Principal, today: dt.date | None = None, days_before: int = 30) -> int:
    """Create one recall notice per instrument falling due within ``days_before`` days (idempotent).

    A notice is keyed by (instrument, due date): running this again, or daily, creates nothing new
    until an instrument's due date changes.
    """
    if principal.role not in ("admin", "regulator"):
        raise Forbidden("only the system, an administrator or a regulator generates recall notices")
    if not 0 <= days_before <= 366:
        raise DomainError("days_before must be between 0 and 366", field="days_before")
    today = today or dt.date.today()
    horizon = today + dt.timedelta(days=days_before)
    already = exists().where(
        and_(RecallNotice.instrument_id == Instrument.id, RecallNotice.due_on == Instrument.next_due_on)
    )
    source = select(
        Instrument.id, Instrument.owner_id, Instrument.region_code, Instrument.next_due_on,
        literal(today, Date()), literal("open", String()),
    ).where(
        visible(principal, Instrument),
        Instrument.status == "in_use",
        Instrument.next_due_on.is_not(None),
        Instrument.next_due_on <= horizon,
        ~already,
    )
    with write_session() as s:
        result = s.execute(
            insert(RecallNotice).from_select(
                ["instrument_id", "owner_id", "region_code", "due_on", "issued_on", "status"], source
            ),
            # an INSERT ... SELECT keeps its rowcount only when asked (else -1 on PostgreSQL/psycopg)
            execution_options={"preserve_rowcount": True},
        )
        created = int(result.rowcount or 0)
        audit.record(
            s, actor=principal.username, action="generate_recalls", object_type="recall_notice",
            object_id=today.isoformat(), after={"created": created, "days_before": days_before, "today": today},
        )
        return created


def list_recalls(
    *, principal: Principal, offset: int = 0, limit: int = 50, status: str | None = None
) -> tuple[int, Sequence[tuple[RecallNotice, Instrument]]]:
    stmt = (
        select(RecallNotice, Instrument)
        .join(Instrument, Instrument.id == RecallNotice.instrument_id)
        .where(visible(principal, RecallNotice))
    )
    if status:
        stmt = stmt.where(RecallNotice.status == status)
    with read_session() as s:
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.execute(stmt.order_by(RecallNotice.due_on, RecallNotice.id).offset(offset).limit(limit)).all()
        return total, [(r[0], r[1]) for r in rows]


def list_catalogue() -> Sequence[CatalogueItem]:
    with read_session() as s:
        return s.scalars(select(CatalogueItem).order_by(CatalogueItem.code)).all()


CATALOGUE_FIELDS = (
    "version", "name_l1", "name_l2", "name_en", "regulation_mode", "verification_form", "period_months",
    "service_life_months", "uses", "usage_scope", "jjg_refs", "source", "source_status", "period_source",
    "period_source_status",
)


def load_catalogue(*, principal: Principal, document: dict[str, Any]) -> int:
    """Load (insert or update) a catalogue version; every changed row is audited. Returns rows changed."""
    if principal.role != "admin":
        raise Forbidden("only an administrator loads the catalogue")
    version = str(document.get("version", ""))
    changed = 0
    with write_session() as s:
        for row in document.get("items", []):
            values = {f: row.get(f) for f in CATALOGUE_FIELDS}
            values["version"] = row.get("version") or version
            values["uses"] = list(values["uses"] or [])
            values["jjg_refs"] = list(values["jjg_refs"] or [])
            for text_field in ("name_l2", "name_en", "usage_scope", "source", "period_source"):
                if values[text_field] is None:
                    values[text_field] = ""
            if isinstance(values["source"], list):
                values["source"] = "; ".join(str(x) for x in values["source"])
            if isinstance(values["period_source"], list):
                values["period_source"] = "; ".join(str(x) for x in values["period_source"])
            item = s.get(CatalogueItem, row["code"])
            if item is None:
                item = CatalogueItem(code=row["code"], **values)
                s.add(item)
                s.flush()
                audit.record(s, actor=principal.username, action="create", object_type="catalogue_item",
                             object_id=item.code, after=snapshot(item))
                changed += 1
                continue
            before = snapshot(item)
            for key, value in values.items():
                setattr(item, key, value)
            s.flush()
            after = snapshot(item)
            if after != before:
                audit.record(s, actor=principal.username, action="update", object_type="catalogue_item",
                             object_id=item.code, before=before, after=after)
                changed += 1
    return changed


def bundled_catalogue() -> dict[str, Any]:
    import json
    from importlib import resources

    path = resources.files("jiliang.instruments") / "data" / "catalogue-samr-2020-42.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))
