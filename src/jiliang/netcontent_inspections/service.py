"""Use cases: net-content inspection records, their report, statistics, and the C-mark register.

Keyword-only functions; each write owns its transaction and records an audit entry. Every calculation
(sampling plan, T, the mean criterion with λ, tare, density, the verdict, the label checks) is
:mod:`jiliang.core.netcontent` (``evaluate_lot_record``, ``check_label``) and the non-legal-unit checker
of :mod:`jiliang.core.units`; this module stores the inputs with the result and enforces the workflow.

Workflow (《定量包装商品计量监督管理办法》; JJF 1070): a regulator records an inspection (draft) with the lot,
the label and the readings; the verdict is computed on every save; signing off (``finalise``) makes the
record immutable; a correction is a new revision (draft) that supersedes the old one when it is finalised;
``publish`` puts the finalised record on the public results page (no personal data there).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from jiliang.core import netcontent as nc
from jiliang.core.codes import CodeError, is_within
from jiliang.core.units import check_text
from jiliang.netcontent_inspections.models import (
    PRODUCT_CATEGORIES,
    CMarkDeclaration,
    NetContentInspection,
)
from jiliang.netcontent_inspections.readings import Readings
from jiliang.netcontent_inspections.schemas import (
    CMarkIn,
    CMarkUpdate,
    CorrectionIn,
    InspectionIn,
    PublicCMark,
    PublicInspection,
    PublicInspectionDetail,
    Statistics,
    StatRow,
)
from jiliang.organisations.models import Organisation
from jiliang.platform import audit, i18n
from jiliang.platform.access import PUBLIC, Principal, in_region
from jiliang.platform.db import read_session, write_session
from jiliang.platform.errors import Conflict, DomainError, Forbidden, NotFound, RowError, ValidationReport
from jiliang.platform.models import Region, utcnow
from jiliang.platform.service import snapshot

COUNTED_STATUSES = ("finalised", "published")
GROUPINGS = ("category", "region", "period")
PERIODS = ("month", "quarter", "year")


class InvalidInput(DomainError):
    """Bad input to an inspection record (422, naming the field and the reason)."""

    status_code = 422
    code = "invalid_input"


# ----------------------------------------------------------------------------------------------------
# who may do what
# ----------------------------------------------------------------------------------------------------
def area_principal(principal: Principal) -> Principal:
    """Technical institutions take no part in these records here: they read what the public reads."""
    return PUBLIC if principal.role == "institution" else principal


def may_manage(principal: Principal, obj: NetContentInspection) -> bool:
    if principal.role == "admin":
        return True
    return bool(
        principal.role == "regulator"
        and principal.region_code
        and is_within(obj.region_code, principal.region_code)
    )


def scope_clause(principal: Principal) -> Any:
    """What the principal may see: regulators their region (every status), enterprises the finalised
    records of their own products (as producer or seller), everyone the published current records."""
    p = area_principal(principal)
    published = and_(
        NetContentInspection.published.is_(True), NetContentInspection.superseded_by_id.is_(None)
    )
    if p.role == "admin":
        return NetContentInspection.id.is_not(None)
    clauses = [published]
    if p.role == "regulator" and p.region_code:
        clauses.append(in_region(NetContentInspection.region_code, p.region_code))
    if p.role == "enterprise" and p.organisation_id:
        clauses.append(
            and_(
                NetContentInspection.status != "draft",
                or_(
                    NetContentInspection.producer_id == p.organisation_id,
                    NetContentInspection.seller_id == p.organisation_id,
                ),
            )
        )
    return or_(*clauses)


def work_clause(principal: Principal) -> Any:
    """The working list is narrower than what may be seen: a regulator lists its own region's records and an
    enterprise those of its own products, not every published record of the country (the public results
    page lists those)."""
    p = area_principal(principal)
    if p.role == "regulator" and p.region_code:
        return in_region(NetContentInspection.region_code, p.region_code)
    if p.role == "enterprise" and p.organisation_id:
        return or_(
            NetContentInspection.producer_id == p.organisation_id,
            NetContentInspection.seller_id == p.organisation_id,
        )
    return NetContentInspection.id.is_not(None)


def can_see_record(principal: Principal, obj: NetContentInspection) -> bool:
    p = area_principal(principal)
    if p.role == "admin":
        return True
    if obj.published and obj.superseded_by_id is None:
        return True
    if p.role == "regulator" and p.region_code and is_within(obj.region_code, p.region_code):
        return True
    if p.role == "enterprise" and p.organisation_id and obj.status != "draft":
        return p.organisation_id in (obj.producer_id, obj.seller_id)
    return False


def _load(session: Session, principal: Principal, inspection_id: int) -> NetContentInspection:
    if not 0 < inspection_id < 2**31:
        raise NotFound(f"inspection {inspection_id} not found")
    obj = session.get(NetContentInspection, inspection_id)
    if obj is None or not can_see_record(principal, obj):
        raise NotFound(f"inspection {inspection_id} not found")
    return obj


def require_manager(principal: Principal, obj: NetContentInspection) -> None:
    if not may_manage(principal, obj):
        raise Forbidden("only a regulator of the inspection's region may change it")


def require_recorder(principal: Principal) -> None:
    if principal.role not in ("regulator", "admin"):
        raise Forbidden("only a regulator records a net-content inspection")


# ----------------------------------------------------------------------------------------------------
# evaluation (all numbers from jiliang.core.netcontent)
# ----------------------------------------------------------------------------------------------------
def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def lot_mapping(data: InspectionIn) -> dict[str, Any]:
    """The LOT mapping of :func:`jiliang.core.netcontent.evaluate_lot_record`, with exact decimal strings."""
    lot: dict[str, Any] = {
        "kind": data.kind,
        "nominal": _s(data.nominal),
        "unit": data.unit,
        "lot_size": data.lot_size,
        "plan_version": data.plan_version,
    }
    if data.net is not None:
        lot["net"] = [str(v) for v in data.net]
    if data.gross is not None:
        lot["gross"] = [str(v) for v in data.gross]
    if data.tare is not None:
        lot["tare"] = [str(v) for v in data.tare] if isinstance(data.tare, list) else str(data.tare)
    for key in ("tare_method", "reading_unit", "density_unit"):
        if getattr(data, key):
            lot[key] = getattr(data, key)
    if data.density is not None:
        lot["density"] = str(data.density)
    return {k: v for k, v in lot.items() if v is not None}


@dataclass(frozen=True)
class Evaluated:
    lot: dict[str, Any]
    record: nc.LotRecordEvaluation
    result: dict[str, Any]
    label_passed: bool | None
    label_findings: list[dict[str, Any]]


def evaluate(data: InspectionIn, readings: Readings | None = None) -> Evaluated:
    """Evaluate the lot and the label; a bad input raises :class:`InvalidInput` (or a row report for a file)."""
    if data.unit is None or not str(data.unit).strip():
        if data.nominal is not None:
            raise InvalidInput(
                "unit: the nominal quantity needs a unit (g, kg, mL, L, m, m2 …)", field="unit"
            )
    lot = lot_mapping(data)
    try:
        record = nc.evaluate_lot_record(lot)
    except nc.NetContentInputError as exc:
        where = readings.row_of(exc.field) if readings is not None else None
        if where is not None:
            raise ValidationReport(errors=[RowError(where[1], where[0], exc.reason)]) from None
        raise InvalidInput(f"{exc.field}: {exc.reason}", field=exc.field) from None
    except ArithmeticError:  # decimal overflow on absurd magnitudes: a bad input, never a 500
        field = "net" if data.net is not None else "gross"
        raise InvalidInput(f"{field}: the readings are out of range", field=field) from None
    result = nc.evaluation_to_dict(record)
    ev = record.evaluation
    findings: list[dict[str, Any]] = []
    try:
        check = nc.check_label(
            ev.labelled_nominal, ev.kind, ev.labelled_unit, character_height_mm=data.label_character_height_mm
        )
    except nc.NetContentInputError as exc:
        field = "label_character_height_mm" if exc.field == "character_height_mm" else exc.field
        raise InvalidInput(f"{field}: {exc.reason}", field=field) from None
    findings = [
        {"code": code, "passed": ok, "message": msg, "source": "2005 Measures 附表1–2"}
        for code, ok, msg in check.findings
    ]
    findings[0]["source_status"] = ", ".join(sorted({r.source_status for r in check.units.rules})) or ""
    if data.label_character_height_mm is not None:
        findings[-1]["source_status"] = check.character_height.source_status
    passed = check.passed
    if data.label_text.strip():
        for f in check_text(data.label_text):
            if f.exempted_by is None:
                findings.append(
                    {
                        "code": "LABEL_TEXT_NON_LEGAL_UNIT",
                        "passed": False,
                        "message": f.message,
                        "rule_id": f.rule_id,
                        "source": f.source,
                        "source_status": f.source_status,
                    }
                )
                passed = False
    return Evaluated(lot=lot, record=record, result=result, label_passed=passed, label_findings=findings)


def _check_parties(session: Session, data: InspectionIn) -> None:
    for name in ("producer_id", "seller_id"):
        oid = getattr(data, name)
        if oid is None:
            continue
        org = session.get(Organisation, oid)
        if org is None or org.kind != "enterprise":
            raise InvalidInput(f"{name}: no enterprise {oid} in the register", field=name)
    if data.producer_id is None and data.seller_id is None and not data.producer_name.strip():
        raise InvalidInput(
            "name the producer (an enterprise of the register) or the seller", field="producer_id"
        )


def _region(session: Session, principal: Principal, data: InspectionIn) -> str:
    region = data.region_code or principal.region_code
    if not region:
        raise InvalidInput("region_code: give the region where the lot was inspected", field="region_code")
    if session.get(Region, region) is None:
        raise InvalidInput(f"region_code: unknown region {region}", field="region_code")
    if principal.role == "regulator":
        try:
            inside = bool(principal.region_code) and is_within(region, principal.region_code or "")
        except CodeError:
            inside = False
        if not inside:
            raise Forbidden(f"region {region} is outside your region", field="region_code")
    return region


def _check_common(data: InspectionIn) -> None:
    if data.product_category not in PRODUCT_CATEGORIES:  # pragma: no cover (the schema's pattern)
        raise InvalidInput("unknown product category", field="product_category")
    today = dt.date.today()
    if data.inspected_on > today + dt.timedelta(days=1):
        raise InvalidInput("inspected_on: the inspection date lies in the future", field="inspected_on")
    if any(len(x) > 64 or not x.strip() for x in data.inspectors):
        raise InvalidInput("inspectors: each name has 1 to 64 characters", field="inspectors")


def _apply(obj: NetContentInspection, data: InspectionIn, ev: Evaluated, region: str, source: str) -> None:
    res = ev.result
    obj.region_code = region
    obj.producer_id = data.producer_id
    obj.seller_id = data.seller_id
    obj.producer_name = data.producer_name.strip()
    obj.campaign_id = data.campaign_id
    obj.campaign_task_id = data.campaign_task_id
    obj.product_name = data.product_name.strip()
    obj.product_category = data.product_category
    obj.brand = data.brand.strip()
    obj.batch = data.batch.strip()
    obj.lot_size = int(res["lot_size"])
    obj.kind = str(res["kind"])
    obj.nominal = str(ev.record.evaluation.labelled_nominal)
    obj.unit = str(ev.record.evaluation.labelled_unit)
    obj.sample_size = int(res["sample_size"])
    obj.plan_version = str(res["plan"]["plan_version"])
    obj.inspected_on = data.inspected_on
    obj.place = data.place.strip()
    obj.inspectors = [x.strip() for x in data.inspectors]
    obj.note = data.note
    obj.label_text = data.label_text
    obj.label_character_height_mm = _s(data.label_character_height_mm)
    obj.label_passed = ev.label_passed
    obj.label_findings = ev.label_findings
    obj.measurements = ev.lot
    obj.measurement_source = source[:300]
    obj.result = res
    obj.verdict = str(res["verdict"])
    obj.reason_codes = [r["code"] for r in res["reasons"]]
    obj.tolerable_deficiency = f"{res['tolerable_deficiency']['value']} {res['unit']}"
    obj.t1_count = int(res["counts"]["short_beyond_T_not_beyond_2T"])
    obj.t2_count = int(res["counts"]["short_beyond_2T"])
    obj.updated_at = utcnow()


def source_of(file_name: str | None, raw: bytes | None) -> str:
    if raw is None:
        return "form"
    return f"csv:{(file_name or 'readings.csv')[:200]} sha256:{hashlib.sha256(raw).hexdigest()}"


# ----------------------------------------------------------------------------------------------------
# the workflow
# ----------------------------------------------------------------------------------------------------
def create_inspection(
    *, principal: Principal, data: InspectionIn, readings: Readings | None = None, source: str = "form"
) -> NetContentInspection:
    """Record an inspection (a draft whose verdict the core computes); regulators of the region, admins."""
    require_recorder(principal)
    _check_common(data)
    ev = evaluate(data, readings)
    with write_session() as s:
        region = _region(s, principal, data)
        _check_parties(s, data)
        obj = NetContentInspection(
            record_key=str(uuid.uuid4()),
            revision=1,
            status="draft",
            published=False,
            correction_reason="",
            created_by=principal.username,
        )
        _apply(obj, data, ev, region, source)
        s.add(obj)
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="create",
            object_type="netcontent_inspection",
            object_id=obj.id,
            after=snapshot(obj),
        )
        return obj


def update_draft(
    *,
    principal: Principal,
    inspection_id: int,
    data: InspectionIn,
    readings: Readings | None = None,
    source: str = "form",
) -> NetContentInspection:
    """Replace the inputs of a draft (the verdict is recomputed); a finalised record is immutable (409)."""
    _check_common(data)
    ev = evaluate(data, readings)
    with write_session() as s:
        obj = _load(s, principal, inspection_id)
        require_manager(principal, obj)
        if obj.status != "draft":
            raise Conflict("the record is signed off and cannot change; make a correction (a new revision)")
        before = snapshot(obj)
        region = _region(s, principal, data)
        _check_parties(s, data)
        _apply(obj, data, ev, region, source)
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="update",
            object_type="netcontent_inspection",
            object_id=obj.id,
            before=before,
            after=snapshot(obj),
        )
        return obj


def finalise(*, principal: Principal, inspection_id: int) -> NetContentInspection:
    """Sign off a draft: from now on it is immutable. A correction supersedes the revision before it."""
    with write_session() as s:
        obj = _load(s, principal, inspection_id)
        require_manager(principal, obj)
        if obj.status != "draft":
            raise Conflict("the record is already signed off")
        before = snapshot(obj)
        now = utcnow()
        obj.status, obj.finalised_by, obj.finalised_at, obj.updated_at = (
            "finalised",
            principal.username,
            now,
            now,
        )
        if obj.revision > 1:
            older = s.scalars(
                select(NetContentInspection).where(
                    NetContentInspection.record_key == obj.record_key,
                    NetContentInspection.id != obj.id,
                    NetContentInspection.superseded_by_id.is_(None),
                )
            ).all()
            for old in older:
                old_before = snapshot(old)
                old.superseded_by_id = obj.id
                old.published = False
                old.updated_at = now
                s.flush()
                audit.record(
                    s,
                    actor=principal.username,
                    action="supersede",
                    object_type="netcontent_inspection",
                    object_id=old.id,
                    before=old_before,
                    after=snapshot(old),
                )
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="finalise",
            object_type="netcontent_inspection",
            object_id=obj.id,
            before=before,
            after=snapshot(obj),
        )
        return obj


def set_published(*, principal: Principal, inspection_id: int, published: bool) -> NetContentInspection:
    """Publish a signed-off record on the public results page, or withdraw it."""
    with write_session() as s:
        obj = _load(s, principal, inspection_id)
        require_manager(principal, obj)
        if obj.superseded_by_id is not None:
            raise Conflict("this revision has been superseded by a correction")
        if obj.status == "draft":
            raise Conflict("sign off (finalise) the record before publishing it", field="status")
        if obj.published == published:
            return obj
        before = snapshot(obj)
        obj.published = published
        obj.status = "published" if published else "finalised"
        obj.published_at = utcnow() if published else None
        obj.updated_at = utcnow()
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="publish" if published else "withdraw",
            object_type="netcontent_inspection",
            object_id=obj.id,
            before=before,
            after=snapshot(obj),
        )
        return obj


def correct(
    *,
    principal: Principal,
    inspection_id: int,
    data: CorrectionIn,
    readings: Readings | None = None,
    source: str = "form",
) -> NetContentInspection:
    """A correction of a signed-off record: a new revision (draft) with the corrected inputs and the reason.

    The old revision stays current (and public, if published) until the correction is signed off.
    """
    _check_common(data)
    ev = evaluate(data, readings)
    with write_session() as s:
        old = _load(s, principal, inspection_id)
        require_manager(principal, old)
        if old.status == "draft":
            raise Conflict("a draft is edited, not corrected")
        if old.superseded_by_id is not None:
            raise Conflict("this revision has already been superseded; correct the current one")
        latest = s.scalar(
            select(func.max(NetContentInspection.revision)).where(
                NetContentInspection.record_key == old.record_key
            )
        )
        pending = s.scalar(
            select(func.count())
            .select_from(NetContentInspection)
            .where(NetContentInspection.record_key == old.record_key, NetContentInspection.status == "draft")
        )
        if pending:
            raise Conflict("a correction of this record is already in progress")
        region = _region(s, principal, data)
        _check_parties(s, data)
        obj = NetContentInspection(
            record_key=old.record_key,
            revision=int(latest or old.revision) + 1,
            status="draft",
            published=False,
            correction_reason=data.correction_reason.strip(),
            created_by=principal.username,
        )
        _apply(obj, data, ev, region, source)
        s.add(obj)
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="correct",
            object_type="netcontent_inspection",
            object_id=obj.id,
            before={"corrects": old.id, "revision": old.revision},
            after=snapshot(obj),
        )
        return obj


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    verdict: str | None = None
    category: str | None = None
    region: str | None = None
    q: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    producer_id: int | None = None
    campaign_id: int | None = None
    include_superseded: bool = False


def _filtered(stmt: Any, f: Filters) -> Any:
    if not f.include_superseded:
        stmt = stmt.where(NetContentInspection.superseded_by_id.is_(None))
    if f.status:
        stmt = stmt.where(NetContentInspection.status == f.status)
    if f.verdict:
        stmt = stmt.where(NetContentInspection.verdict == f.verdict)
    if f.category:
        stmt = stmt.where(NetContentInspection.product_category == f.category)
    if f.region:
        try:
            stmt = stmt.where(in_region(NetContentInspection.region_code, f.region))
        except CodeError as exc:
            raise InvalidInput(str(exc), field="region") from None
    if f.q:
        stmt = stmt.where(NetContentInspection.product_name.contains(f.q[:100]))
    if f.date_from:
        stmt = stmt.where(NetContentInspection.inspected_on >= f.date_from)
    if f.date_to:
        stmt = stmt.where(NetContentInspection.inspected_on <= f.date_to)
    if f.producer_id:
        stmt = stmt.where(NetContentInspection.producer_id == f.producer_id)
    if f.campaign_id:
        stmt = stmt.where(NetContentInspection.campaign_id == f.campaign_id)
    return stmt


def list_inspections(
    *, principal: Principal, filters: Filters | None = None, offset: int = 0, limit: int = 50
) -> tuple[int, Sequence[NetContentInspection]]:
    f = filters or Filters()
    with read_session() as s:
        stmt = _filtered(
            select(NetContentInspection).where(scope_clause(principal), work_clause(principal)), f
        )
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(
            stmt.order_by(NetContentInspection.inspected_on.desc(), NetContentInspection.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return total, rows


@dataclass(frozen=True)
class InspectionView:
    inspection: NetContentInspection
    producer: str
    seller: str
    revisions: Sequence[NetContentInspection]
    may_manage: bool


def org_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = sorted(i for i in ids if i)
    if not wanted:
        return {}
    return {
        int(r[0]): str(r[1])
        for r in session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted))
        )
    }


def inspection_view(*, principal: Principal, inspection_id: int) -> InspectionView:
    with read_session() as s:
        obj = _load(s, principal, inspection_id)
        names = org_names(s, {obj.producer_id, obj.seller_id})
        revisions = [
            r
            for r in s.scalars(
                select(NetContentInspection)
                .where(NetContentInspection.record_key == obj.record_key)
                .order_by(NetContentInspection.revision)
            ).all()
            if can_see_record(principal, r)
        ]
        return InspectionView(
            inspection=obj,
            producer=names.get(obj.producer_id or 0, obj.producer_name),
            seller=names.get(obj.seller_id or 0, ""),
            revisions=revisions,
            may_manage=may_manage(principal, obj),
        )


def get_inspection(*, principal: Principal, inspection_id: int) -> NetContentInspection:
    with read_session() as s:
        return _load(s, principal, inspection_id)


# ----------------------------------------------------------------------------------------------------
# the public: published, current records; no personal data
# ----------------------------------------------------------------------------------------------------
def _public_stmt() -> Any:
    return select(NetContentInspection).where(
        NetContentInspection.published.is_(True), NetContentInspection.superseded_by_id.is_(None)
    )


def _public_row(obj: NetContentInspection, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": obj.id,
        "product_name": obj.product_name,
        "product_category": obj.product_category,
        "brand": obj.brand,
        "batch": obj.batch,
        "producer": names.get(obj.producer_id or 0, obj.producer_name),
        "region_code": obj.region_code,
        "inspected_on": obj.inspected_on,
        "kind": obj.kind,
        "nominal": obj.nominal,
        "unit": obj.unit,
        "lot_size": obj.lot_size,
        "sample_size": obj.sample_size,
        "verdict": obj.verdict,
        "reason_codes": list(obj.reason_codes or []),
    }


def list_published(
    *,
    offset: int = 0,
    limit: int = 50,
    region: str | None = None,
    category: str | None = None,
    verdict: str | None = None,
) -> tuple[int, list[PublicInspection]]:
    stmt = _filtered(_public_stmt(), Filters(region=region, category=category, verdict=verdict))
    with read_session() as s:
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(
            stmt.order_by(NetContentInspection.inspected_on.desc(), NetContentInspection.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        names = org_names(s, {r.producer_id for r in rows})
        return total, [PublicInspection(**_public_row(r, names)) for r in rows]


def public_detail(*, inspection_id: int) -> PublicInspectionDetail:
    with read_session() as s:
        obj = s.get(NetContentInspection, inspection_id) if 0 < inspection_id < 2**31 else None
        if obj is None or not obj.published or obj.superseded_by_id is not None:
            raise NotFound(f"inspection {inspection_id} not found")
        names = org_names(s, {obj.producer_id})
        res = obj.result
        return PublicInspectionDetail(
            **_public_row(obj, names),
            tolerable_deficiency=res["tolerable_deficiency"],
            mean_criterion=res["mean_criterion"],
            counts=res["counts"],
            reasons=res["reasons"],
            plan=res["plan"],
        )


# ----------------------------------------------------------------------------------------------------
# statistics (regulators: their region; administrators: everything)
# ----------------------------------------------------------------------------------------------------
def period_key(day: dt.date, period: str) -> str:
    if period == "year":
        return f"{day.year}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def child_region(code: str, scope: str | None) -> str:
    """The region one level below ``scope`` that contains ``code`` (GB/T 2260: province, city, county)."""
    if not scope:
        return code[:2] + "0000"
    if scope[2:] == "0000":
        return code[:4] + "00"
    return code


def statistics(
    *,
    principal: Principal,
    by: str = "category",
    period: str = "month",
    region: str | None = None,
    category: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Statistics:
    """Pass rates of signed-off, current records by product category, region (one level below the scope)
    or period; a regulator sees only its region and below."""
    if principal.role not in ("regulator", "admin"):
        raise Forbidden("statistics are for regulators")
    if by not in GROUPINGS:
        raise InvalidInput(f"by: choose one of {', '.join(GROUPINGS)}", field="by")
    if period not in PERIODS:
        raise InvalidInput(f"period: choose one of {', '.join(PERIODS)}", field="period")
    if category and category not in PRODUCT_CATEGORIES:
        raise InvalidInput("category: unknown product category", field="category")
    scope = region or (principal.region_code if principal.role == "regulator" else None)
    if scope:
        try:
            if principal.role == "regulator" and not is_within(scope, principal.region_code or ""):
                raise Forbidden(f"region {scope} is outside your region", field="region")
        except CodeError:
            raise InvalidInput(f"region: {scope} is not a region code", field="region") from None
    stmt = select(
        NetContentInspection.region_code,
        NetContentInspection.product_category,
        NetContentInspection.inspected_on,
        NetContentInspection.verdict,
    ).where(
        NetContentInspection.superseded_by_id.is_(None),
        NetContentInspection.status.in_(COUNTED_STATUSES),
    )
    stmt = _filtered(stmt, Filters(region=scope, category=category, date_from=date_from, date_to=date_to))
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    with read_session() as s:
        for reg, cat, day, verdict in s.execute(stmt):
            if by == "category":
                key = cat
            elif by == "region":
                key = child_region(reg, scope)
            else:
                key = period_key(day, period)
            counts[key][0] += 1
            counts[key][1] += verdict == "pass"
        names: dict[str, str] = {}
        if by == "region" and counts:
            english = i18n.get_language() == "en"
            names = {
                str(r[0]): str(r[2] if english and r[2] else r[1])
                for r in s.execute(
                    select(Region.code, Region.name_zh, Region.name_en).where(Region.code.in_(sorted(counts)))
                )
            }

    def row(key: str, label: str, n: int, passed: int, drill: str | None = None) -> StatRow:
        return StatRow(
            key=key,
            label=label,
            inspections=n,
            passed=passed,
            failed=n - passed,
            pass_rate=round(100.0 * passed / n, 1) if n else None,
            drill_down=drill,
        )

    if by == "category":
        keys = [c for c in PRODUCT_CATEGORIES if c in counts]
    else:
        keys = sorted(counts)
    rows = []
    for key in keys:
        n, p = counts[key]
        drill = key if by == "region" and key != scope and key[4:] == "00" else None
        rows.append(row(key, names.get(key, key), n, p, drill))
    total_n = sum(v[0] for v in counts.values())
    total_p = sum(v[1] for v in counts.values())
    return Statistics(
        by=by,
        period=period,
        region=scope,
        category=category,
        date_from=date_from,
        date_to=date_to,
        total=row("total", "total", total_n, total_p),
        rows=rows,
    )


def statistics_table(stats: Statistics, labels: dict[str, str] | None = None) -> list[list[Any]]:
    """Header + rows for CSV/XLSX export."""
    labels = labels or {}
    out: list[list[Any]] = [["key", "label", "inspections", "passed", "failed", "pass_rate_percent"]]
    for r in [*stats.rows, stats.total]:
        out.append([r.key, labels.get(r.key, r.label), r.inspections, r.passed, r.failed, r.pass_rate])
    return out


# ----------------------------------------------------------------------------------------------------
# the C-mark self-declaration register
# ----------------------------------------------------------------------------------------------------
def _may_see_cmark(principal: Principal, obj: CMarkDeclaration) -> bool:
    p = area_principal(principal)
    if p.role == "admin":
        return True
    if p.role == "regulator" and p.region_code and is_within(obj.region_code, p.region_code):
        return True
    return bool(p.role == "enterprise" and p.organisation_id == obj.enterprise_id)


def declare_cmark(*, principal: Principal, data: CMarkIn) -> CMarkDeclaration:
    """An enterprise declares its use of the C mark (administrators may record one for any enterprise)."""
    if principal.role == "enterprise":
        if not principal.organisation_id:
            raise Forbidden("your account belongs to no enterprise")
        if data.enterprise_id not in (None, principal.organisation_id):
            raise Forbidden("an enterprise declares for itself only", field="enterprise_id")
        enterprise_id = principal.organisation_id
    elif principal.role == "admin":
        if data.enterprise_id is None:
            raise InvalidInput("enterprise_id: name the declaring enterprise", field="enterprise_id")
        enterprise_id = data.enterprise_id
    else:
        raise Forbidden("only an enterprise declares its use of the C mark")
    if data.declared_on > dt.date.today() + dt.timedelta(days=1):
        raise InvalidInput("declared_on: the date lies in the future", field="declared_on")
    with write_session() as s:
        org = s.get(Organisation, enterprise_id)
        if org is None or org.kind != "enterprise":
            raise InvalidInput(f"enterprise_id: no enterprise {enterprise_id}", field="enterprise_id")
        obj = CMarkDeclaration(
            enterprise_id=enterprise_id,
            region_code=org.region_code,
            products=data.products.strip(),
            assessment=data.assessment.strip(),
            declared_on=data.declared_on,
            status="active",
            listed=True,
            created_by=principal.username,
        )
        s.add(obj)
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="declare",
            object_type="cmark_declaration",
            object_id=obj.id,
            after=snapshot(obj),
        )
        return obj


def _load_cmark(session: Session, principal: Principal, declaration_id: int) -> CMarkDeclaration:
    obj = session.get(CMarkDeclaration, declaration_id) if 0 < declaration_id < 2**31 else None
    if obj is None or not _may_see_cmark(principal, obj):
        raise NotFound(f"declaration {declaration_id} not found")
    return obj


def get_cmark(*, principal: Principal, declaration_id: int) -> CMarkDeclaration:
    with read_session() as s:
        return _load_cmark(s, principal, declaration_id)


def update_cmark(*, principal: Principal, declaration_id: int, data: CMarkUpdate) -> CMarkDeclaration:
    """The declaring enterprise edits or withdraws its own declaration (administrators too)."""
    with write_session() as s:
        obj = _load_cmark(s, principal, declaration_id)
        own = principal.role == "enterprise" and principal.organisation_id == obj.enterprise_id
        if not own and principal.role != "admin":
            raise Forbidden("only the declaring enterprise changes its declaration")
        changes = data.model_dump(exclude_none=True)
        if "declared_on" in changes and changes["declared_on"] > dt.date.today() + dt.timedelta(days=1):
            raise InvalidInput("declared_on: the date lies in the future", field="declared_on")
        if not changes:
            return obj
        before = snapshot(obj)
        for key, value in changes.items():
            setattr(obj, key, value.strip() if isinstance(value, str) and key != "status" else value)
        obj.listed = obj.status == "active"
        obj.updated_at = utcnow()
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="withdraw" if changes.get("status") == "withdrawn" else "update",
            object_type="cmark_declaration",
            object_id=obj.id,
            before=before,
            after=snapshot(obj),
        )
        return obj


def list_cmarks(
    *, principal: Principal, offset: int = 0, limit: int = 50
) -> tuple[int, Sequence[CMarkDeclaration], dict[int, str]]:
    """Declarations the principal may manage or oversee: own (enterprise), region (regulator), all (admin)."""
    p = area_principal(principal)
    with read_session() as s:
        if p.role == "admin":
            clause: Any = CMarkDeclaration.id.is_not(None)
        elif p.role == "regulator" and p.region_code:
            clause = in_region(CMarkDeclaration.region_code, p.region_code)
        elif p.role == "enterprise" and p.organisation_id:
            clause = CMarkDeclaration.enterprise_id == p.organisation_id
        else:
            clause = CMarkDeclaration.listed.is_(True)
        stmt = select(CMarkDeclaration).where(clause)
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(
            stmt.order_by(CMarkDeclaration.declared_on.desc(), CMarkDeclaration.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return total, rows, org_names(s, {r.enterprise_id for r in rows})


def public_cmarks(
    *, offset: int = 0, limit: int = 50, region: str | None = None
) -> tuple[int, list[PublicCMark]]:
    """The public list of declarants: enterprise name, region, products, date (active declarations)."""
    stmt = select(CMarkDeclaration).where(CMarkDeclaration.listed.is_(True))
    if region:
        try:
            stmt = stmt.where(in_region(CMarkDeclaration.region_code, region))
        except CodeError as exc:
            raise InvalidInput(str(exc), field="region") from None
    with read_session() as s:
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(
            stmt.order_by(CMarkDeclaration.declared_on.desc(), CMarkDeclaration.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        names = org_names(s, {r.enterprise_id for r in rows})
        return total, [
            PublicCMark(
                enterprise_name=names.get(r.enterprise_id, ""),
                region_code=r.region_code,
                products=r.products,
                declared_on=r.declared_on,
            )
            for r in rows
        ]
