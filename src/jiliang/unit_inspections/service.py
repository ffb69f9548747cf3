"""Use cases: the public unit tools (convert, show, check) and unit-usage special inspections.

Keyword-only functions; each write owns its transaction and records an audit entry. Every calculation
(parsing, conversion, exact factors, D-SI, the non-legal-unit checker) is :mod:`jiliang.core.units`;
file reading is :mod:`jiliang.unit_inspections.reader`, shared with the CLI.

Workflow (国务院《关于在我国统一实行法定计量单位的命令》; 市场监管总局 special inspections of unit use):
a regulator records an inspection for a region and period, checks documents of enterprises in that
region (listings, labels, advertisements, contracts, web pages) with the checker, which stores the
findings, and follows up per enterprise (rectification deadline; open → rectified → closed). Once
published, the public sees counts per enterprise, never documents or findings.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from jiliang.core.codes import CodeError, is_within, region_range
from jiliang.core.units import (
    InvalidInputError,
    UnitError,
    UnitExpr,
    convert,
    exact_conversion,
    format_unit,
    get_checker,
    get_registry,
    parse_unit,
    to_dsi,
)
from jiliang.core.units.convert import converter
from jiliang.organisations.models import Organisation
from jiliang.platform import audit
from jiliang.platform.access import PUBLIC, Principal, can_see, regulates, visible
from jiliang.platform.db import read_session, write_session
from jiliang.platform.errors import DomainError, Forbidden, NotFound
from jiliang.platform.models import Region, utcnow
from jiliang.platform.service import get_visible, snapshot
from jiliang.unit_inspections import reader
from jiliang.unit_inspections.models import (
    InspectedDocument,
    InspectionFinding,
    InspectionFollowUp,
    UnitInspection,
)
from jiliang.unit_inspections.schemas import (
    MAX_CHECK_BYTES,
    ConversionOut,
    DocumentCreate,
    EnterpriseSummary,
    FollowUpUpdate,
    InspectionCreate,
    InspectionUpdate,
    PublicEnterpriseCount,
    PublicInspectionResult,
    UnitForms,
    UnitOut,
    UnitPart,
)

EQUIVALENCES = ("angle", "revolution", "revolution_angle", "kind")
UPLOAD_SUFFIXES = (".txt", ".csv", ".xlsx")


class InvalidInput(DomainError):
    """Bad input to a unit tool or an inspection (422, naming the field and the reason)."""

    status_code = 422
    code = "invalid_input"


# ----------------------------------------------------------------------------------------------------
# public tools: convert, show, check (store nothing)
# ----------------------------------------------------------------------------------------------------
def _parse(text: str, field: str) -> UnitExpr:
    if not text or not text.strip():
        raise InvalidInput("give a unit", field=field)
    if len(text) > 200:
        raise InvalidInput("a unit expression has at most 200 characters", field=field)
    try:
        return parse_unit(text.strip())
    except UnitError as e:
        raise InvalidInput(str(e), field=field) from None


def _num(x: float) -> str:
    return f"{x:.12g}"


def convert_value(
    *, value: float, source: str, target: str, equivalences: Sequence[str] = ()
) -> ConversionOut:
    """Convert ``value`` from ``source`` to ``target`` (quantity kinds checked first; exact factor if rational)."""
    if not math.isfinite(value):
        raise InvalidInput("the value must be a finite number", field="value")
    bad = sorted(set(equivalences) - set(EQUIVALENCES))
    if bad:
        raise InvalidInput(
            f"unknown equivalence(s) {bad}; choose from {list(EQUIVALENCES)}", field="equivalence"
        )
    src, dst = _parse(source, "from"), _parse(target, "to")
    try:
        result = float(convert(value, src, dst, equivalences=equivalences))
        conv = converter(src, dst, equivalences=equivalences)
        ex = exact_conversion(src, dst, equivalences=equivalences)
    except UnitError as e:
        raise InvalidInput(str(e), field="to") from None
    except (ArithmeticError, ValueError) as e:
        raise InvalidInput(str(e), field="value") from None
    if not math.isfinite(result):
        raise InvalidInput("the converted value is out of range", field="value")
    rational = ex.pi_power == 0 and ex.exact
    zh_src, zh_dst, en_src, en_dst = (
        format_unit(src, "zh"),
        format_unit(dst, "zh"),
        format_unit(src, "en"),
        format_unit(dst, "en"),
    )
    return ConversionOut(
        value=value,
        from_unit=UnitForms(zh=zh_src, en=en_src),
        to_unit=UnitForms(zh=zh_dst, en=en_dst),
        result=result,
        scale=float(conv.scale),
        offset=float(conv.offset),
        exact_scale=str(ex.scale) if rational else None,
        exact_offset=str(ex.offset) if rational else None,
        equivalences=sorted(set(equivalences)),
        formatted=UnitForms(
            zh=f"{_num(value)} {zh_src} = {_num(result)} {zh_dst}",
            en=f"{_num(value)} {en_src} = {_num(result)} {en_dst}",
        ),
    )


def show_unit(*, expression: str) -> UnitOut:
    """A unit expression in Chinese and English, its legal status, kind, dimension and D-SI string."""
    expr = _parse(expression, "expression")
    try:
        dsi, dsi_error = to_dsi(expr), None
    except UnitError as e:
        dsi, dsi_error = None, str(e)
    parts = [
        UnitPart(
            code=u.code,
            quantity_kind=u.quantity_kind,
            status=u.status,
            legal=u.legal,
            name_zh=u.name_zh,
            name_en=u.name_en,
            symbol=u.international_symbol,
            symbol_zh=u.symbol_zh,
            source=u.source,
            source_status=u.source_status,
            restriction=u.restriction,
            replacement=u.replacement,
        )
        for u in expr.units
    ]
    single = len(expr.factors) == 1 and expr.factors[0].exponent == 1
    return UnitOut(
        expression=expression,
        symbol=UnitForms(zh=format_unit(expr, "zh"), en=format_unit(expr, "en")),
        name=UnitForms(zh=format_unit(expr, "zh", "name"), en=format_unit(expr, "en", "name")),
        quantity_kind=expr.units[0].quantity_kind if single else None,
        dimension=dict(expr.dimension),
        legal=expr.legal,
        dsi=dsi,
        dsi_error=dsi_error,
        units=parts,
    )


def _exemptions(exemptions: Collection[str] | None) -> Collection[str] | None:
    if exemptions is None:
        return None
    known = set(get_checker().exemptions)
    unknown = sorted(set(exemptions) - known)
    if unknown:
        raise InvalidInput(f"unknown exemption(s) {unknown}; known: {sorted(known)}", field="exemptions")
    return list(exemptions)


def read_upload(data: bytes, *, file_name: str, encoding: str = "utf-8") -> reader.Document:
    """Read an uploaded .txt, .csv or .xlsx file (at most 10 MB); 422 naming ``file`` otherwise."""
    name = (file_name or "").strip() or "upload.txt"
    suffix = reader.suffix_of(name)
    if suffix not in UPLOAD_SUFFIXES:
        raise InvalidInput(
            f"{name}: unsupported file type {suffix or '(none)'}; give a .txt, .csv or .xlsx file",
            field="file",
        )
    if len(data) > MAX_CHECK_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_CHECK_BYTES // (1024 * 1024)} MB", field="file")
    if len(encoding) > 40:
        raise InvalidInput("unknown encoding", field="encoding")
    try:
        return reader.read_document(data, name=name, encoding=encoding or "utf-8")
    except InvalidInputError as e:
        field = "encoding" if ("unknown encoding" in str(e) or "cannot decode as" in str(e)) else "file"
        raise InvalidInput(str(e), field=field) from None


def read_text(text: str) -> reader.Document:
    """A pasted text (at most 10 MB); 422 naming ``text`` when empty, binary or with an over-long line."""
    if len(text) > MAX_CHECK_BYTES:
        raise InvalidInput(f"the text is longer than {MAX_CHECK_BYTES} characters", field="text")
    try:
        return reader.text_document(text, name="text")
    except InvalidInputError as e:
        raise InvalidInput(str(e), field="text") from None


def check_document(
    doc: reader.Document, *, exemptions: Collection[str] | None = None, include_exempt: bool = False
) -> list[reader.Located]:
    """Every non-legal unit in the document (core checker), located by line or by sheet/row/cell."""
    try:
        return reader.check_document(doc, exemptions=_exemptions(exemptions), include_exempt=include_exempt)
    except InvalidInputError as e:
        raise InvalidInput(str(e), field="text" if doc.kind == "text" else "file") from None


def versions() -> dict[str, str]:
    return {"registry_version": get_registry().version, "rules_version": get_checker().version}


# ----------------------------------------------------------------------------------------------------
# special inspections
# ----------------------------------------------------------------------------------------------------
def _may_manage(principal: Principal, inspection: UnitInspection) -> bool:
    return regulates(principal, inspection.region_code)


def require_manager(principal: Principal, inspection: UnitInspection) -> None:
    if not _may_manage(principal, inspection):
        raise Forbidden("only a regulator of the inspection's region may change it")


def area_principal(principal: Principal) -> Principal:
    """Who the principal is for reading this area.

    Technical institutions take no part in unit-usage inspections (regulators run them with enterprises), so
    they see what the public sees: published inspections, and no documents or findings. Everyone else reads
    through the platform's rules (:func:`jiliang.platform.access.visible`).
    """
    return PUBLIC if principal.role == "institution" else principal


def _own_inspection_ids(session: Session, principal: Principal) -> Any:
    """Inspections in which the enterprise has a checked document (it may see those)."""
    return select(InspectedDocument.inspection_id).where(
        InspectedDocument.enterprise_id == principal.organisation_id
    )


def _inspection_scope(session: Session, principal: Principal) -> Any:
    clause = visible(area_principal(principal), UnitInspection)
    if principal.role == "enterprise" and principal.organisation_id:
        clause = or_(clause, UnitInspection.id.in_(_own_inspection_ids(session, principal)))
    return clause


def _load_inspection(session: Session, principal: Principal, inspection_id: int) -> UnitInspection:
    if not 0 < inspection_id < 2**31:
        raise NotFound(f"inspection {inspection_id} not found")
    obj = session.get(UnitInspection, inspection_id)
    if obj is None:
        raise NotFound(f"inspection {inspection_id} not found")
    if can_see(area_principal(principal), obj):
        return obj
    if (
        principal.role == "enterprise"
        and principal.organisation_id
        and session.scalar(
            select(func.count())
            .select_from(InspectedDocument)
            .where(
                InspectedDocument.inspection_id == inspection_id,
                InspectedDocument.enterprise_id == principal.organisation_id,
            )
        )
    ):
        return obj
    raise NotFound(f"inspection {inspection_id} not found")


def _check_dates(starts_on: dt.date, ends_on: dt.date) -> None:
    if ends_on < starts_on:
        raise InvalidInput("the end date precedes the start date", field="ends_on")
    if (ends_on - starts_on).days > 3 * 366:
        raise InvalidInput("an inspection lasts at most three years", field="ends_on")


def create_inspection(*, principal: Principal, data: InspectionCreate) -> UnitInspection:
    """Record a special inspection (regulators, for their region or a region below it)."""
    if principal.role not in ("regulator", "admin"):
        raise Forbidden("only a regulator records a special inspection")
    _check_dates(data.starts_on, data.ends_on)
    with write_session() as s:
        if s.get(Region, data.region_code) is None:
            raise InvalidInput(f"unknown region {data.region_code}", field="region_code")
        if principal.role == "regulator":
            try:
                inside = bool(principal.region_code) and is_within(
                    data.region_code, principal.region_code or ""
                )
            except CodeError:
                inside = False
            if not inside:
                raise Forbidden(f"region {data.region_code} is outside your region", field="region_code")
        obj = UnitInspection(
            title=data.title.strip(),
            region_code=data.region_code,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            note=data.note,
            published=False,
            created_by=principal.username,
        )
        s.add(obj)
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="create",
            object_type="unit_inspection",
            object_id=obj.id,
            after=snapshot(obj),
        )
        return obj


def update_inspection(*, principal: Principal, inspection_id: int, data: InspectionUpdate) -> UnitInspection:
    """Change the title, dates, note, or publish/withdraw the results (regulators of the region)."""
    with write_session() as s:
        obj = _load_inspection(s, principal, inspection_id)
        require_manager(principal, obj)
        before = snapshot(obj)
        changes = data.model_dump(exclude_none=True)
        starts = changes.get("starts_on", obj.starts_on)
        ends = changes.get("ends_on", obj.ends_on)
        _check_dates(starts, ends)
        if "title" in changes:
            changes["title"] = changes["title"].strip()
        for key, value in changes.items():
            setattr(obj, key, value)
        if changes:
            obj.updated_at = utcnow()
            s.flush()
            action = (
                {True: "publish", False: "withdraw"}.get(changes["published"])
                if "published" in changes
                else "update"
            )
            audit.record(
                s,
                actor=principal.username,
                action=action or "update",
                object_type="unit_inspection",
                object_id=obj.id,
                before=before,
                after=snapshot(obj),
            )
        return obj


def list_inspections(
    *, principal: Principal, offset: int = 0, limit: int = 50
) -> tuple[int, Sequence[UnitInspection]]:
    with read_session() as s:
        stmt = select(UnitInspection).where(_inspection_scope(s, principal))
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(
            stmt.order_by(UnitInspection.starts_on.desc(), UnitInspection.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return total, rows


def get_inspection(*, principal: Principal, inspection_id: int) -> UnitInspection:
    with read_session() as s:
        return _load_inspection(s, principal, inspection_id)


@dataclass(frozen=True)
class InspectionView:
    inspection: UnitInspection
    documents: Sequence[InspectedDocument]
    follow_ups: Sequence[InspectionFollowUp]
    enterprises: list[EnterpriseSummary]
    may_manage: bool


def inspection_view(*, principal: Principal, inspection_id: int) -> InspectionView:
    """The inspection with the documents, follow-ups and per-enterprise counts the principal may see."""
    with read_session() as s:
        obj = _load_inspection(s, principal, inspection_id)
        docs = s.scalars(
            select(InspectedDocument)
            .where(
                InspectedDocument.inspection_id == obj.id,
                visible(area_principal(principal), InspectedDocument),
            )
            .order_by(InspectedDocument.id)
        ).all()
        follow = s.scalars(
            select(InspectionFollowUp)
            .where(
                InspectionFollowUp.inspection_id == obj.id,
                visible(area_principal(principal), InspectionFollowUp),
            )
            .order_by(InspectionFollowUp.enterprise_id)
        ).all()
        ids = sorted({d.enterprise_id for d in docs} | {f.enterprise_id for f in follow})
        names = (
            dict(
                (row[0], row[1])
                for row in s.execute(
                    select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
                ).all()
            )
            if ids
            else {}
        )
        by_fu = {f.enterprise_id: f for f in follow}
        summary = [
            EnterpriseSummary(
                enterprise_id=e,
                enterprise_name=names.get(e, str(e)),
                documents=sum(1 for d in docs if d.enterprise_id == e),
                findings=sum(d.finding_count for d in docs if d.enterprise_id == e),
                follow_up_status=by_fu[e].status if e in by_fu else None,
                deadline=by_fu[e].deadline if e in by_fu else None,
            )
            for e in ids
        ]
        return InspectionView(obj, docs, follow, summary, _may_manage(principal, obj))


def _enterprise_in(session: Session, inspection: UnitInspection, enterprise_id: int) -> Organisation:
    org = session.get(Organisation, enterprise_id) if 0 < enterprise_id < 2**31 else None
    if org is None or org.kind != "enterprise":
        raise InvalidInput(f"no enterprise {enterprise_id} in the register", field="enterprise_id")
    if not is_within(org.region_code, inspection.region_code):
        raise InvalidInput(
            f"enterprise {enterprise_id} lies outside the inspection's region {inspection.region_code}",
            field="enterprise_id",
        )
    return org


def add_document(
    *,
    principal: Principal,
    inspection_id: int,
    enterprise_id: int,
    kind: str,
    title: str,
    document: reader.Document,
    raw: bytes,
    file_name: str = "",
) -> InspectedDocument:
    """Check a document of an enterprise and store it with its findings (regulators of the region)."""
    DocumentCreate.model_validate({"enterprise_id": enterprise_id, "kind": kind, "title": title, "text": "x"})
    found = check_document(document)
    with write_session() as s:
        insp = _load_inspection(s, principal, inspection_id)
        require_manager(principal, insp)
        _enterprise_in(s, insp, enterprise_id)
        doc = InspectedDocument(
            inspection_id=insp.id,
            enterprise_id=enterprise_id,
            region_code=insp.region_code,
            kind=kind,
            title=title.strip(),
            file_name=file_name[:300],
            sha256=hashlib.sha256(raw).hexdigest(),
            content_kind=document.kind,
            content=document.text,
            sheets=[{"name": sh.name, "rows": sh.rows} for sh in document.sheets],
            finding_count=sum(1 for f in found if f.finding.exempted_by is None),
            checked_by=principal.username,
        )
        s.add(doc)
        s.flush()
        for loc in found:
            f = loc.finding
            s.add(
                InspectionFinding(
                    document_id=doc.id,
                    inspection_id=insp.id,
                    enterprise_id=enterprise_id,
                    region_code=insp.region_code,
                    char_offset=loc.offset,
                    length=f.end - f.start,
                    line=loc.line,
                    sheet=loc.sheet[:100] if loc.sheet else None,
                    row_no=loc.row,
                    column_no=loc.column,
                    cell=loc.cell[:20] if loc.cell else None,
                    text=f.text[:200],
                    unit=f.unit[:100],
                    unit_code=f.unit_code[:100] if f.unit_code else None,
                    replacement=f.replacement[:100],
                    converted=f.converted or None,
                    message=f.message,
                    rule_id=f.rule_id[:60],
                    category=f.category[:60],
                    severity=f.severity[:60],
                    source=f.source,
                    source_status=f.source_status,
                )
            )
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="check_document",
            object_type="unit_inspection_document",
            object_id=doc.id,
            after={**_doc_snapshot(doc), "rules": [f.finding.rule_id for f in found]},
        )
        return doc


def _doc_snapshot(doc: InspectedDocument) -> dict[str, Any]:
    snap = snapshot(doc)
    snap.pop("content", None)
    snap.pop("sheets", None)
    snap["content_chars"] = len(doc.content or "")
    return snap


@dataclass(frozen=True)
class DocumentView:
    inspection: UnitInspection
    document: InspectedDocument
    findings: Sequence[InspectionFinding]
    enterprise_name: str


def get_document(*, principal: Principal, inspection_id: int, document_id: int) -> DocumentView:
    """A checked document with its findings: regulators of the region, and the enterprise itself."""
    with read_session() as s:
        insp = _load_inspection(s, principal, inspection_id)
        doc = get_visible(s, area_principal(principal), InspectedDocument, document_id, "document")
        if doc.inspection_id != insp.id:
            raise NotFound(f"document {document_id} not found")
        findings = s.scalars(
            select(InspectionFinding)
            .where(
                InspectionFinding.document_id == doc.id, visible(area_principal(principal), InspectionFinding)
            )
            .order_by(InspectionFinding.id)
        ).all()
        org = s.get(Organisation, doc.enterprise_id)
        return DocumentView(insp, doc, findings, org.name if org else str(doc.enterprise_id))


def list_documents(*, principal: Principal, inspection_id: int) -> Sequence[InspectedDocument]:
    return inspection_view(principal=principal, inspection_id=inspection_id).documents


def set_follow_up(
    *, principal: Principal, inspection_id: int, enterprise_id: int, data: FollowUpUpdate
) -> InspectionFollowUp:
    """Record the follow-up with one enterprise.

    Regulators of the region set the deadline, status and note. The enterprise itself may only report its
    rectification (status ``rectified``, with a note); closing is the regulator's.
    """
    with write_session() as s:
        insp = _load_inspection(s, principal, inspection_id)
        manager = _may_manage(principal, insp)
        own = principal.role == "enterprise" and principal.organisation_id == enterprise_id
        if not manager and not own:
            if principal.role == "enterprise":
                raise NotFound(f"no follow-up of enterprise {enterprise_id} in inspection {inspection_id}")
            raise Forbidden("only a regulator of the inspection's region records the follow-up")
        _enterprise_in(s, insp, enterprise_id)
        has_docs = s.scalar(
            select(func.count())
            .select_from(InspectedDocument)
            .where(
                InspectedDocument.inspection_id == insp.id, InspectedDocument.enterprise_id == enterprise_id
            )
        )
        if not has_docs:
            raise InvalidInput(
                f"enterprise {enterprise_id} has no checked document in this inspection",
                field="enterprise_id",
            )
        fu = s.scalar(
            select(InspectionFollowUp).where(
                InspectionFollowUp.inspection_id == insp.id, InspectionFollowUp.enterprise_id == enterprise_id
            )
        )
        if not manager:
            if data.status != "rectified":
                raise Forbidden(
                    "an enterprise may only report its rectification (status rectified)", field="status"
                )
            if fu is not None and fu.status == "closed":
                raise InvalidInput("the follow-up is closed", field="status")
        before = snapshot(fu) if fu is not None else None
        if fu is None:
            fu = InspectionFollowUp(
                inspection_id=insp.id,
                enterprise_id=enterprise_id,
                region_code=insp.region_code,
                status="open",
                note="",
                updated_by=principal.username,
            )
            s.add(fu)
        if manager:
            fu.deadline = data.deadline
        fu.status = data.status
        fu.note = data.note
        fu.updated_by = principal.username
        fu.updated_at = utcnow()
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="follow_up",
            object_type="unit_inspection_follow_up",
            object_id=fu.id,
            before=before,
            after=snapshot(fu),
        )
        return fu


# ----------------------------------------------------------------------------------------------------
# the public: published results only, counts per enterprise
# ----------------------------------------------------------------------------------------------------
def list_published(
    *, offset: int = 0, limit: int = 50, region: str | None = None
) -> tuple[int, Sequence[UnitInspection]]:
    stmt = select(UnitInspection).where(UnitInspection.published.is_(True))
    if region:
        low, high = region_range(region)
        stmt = stmt.where(UnitInspection.region_code.between(low, high))
    with read_session() as s:
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(
            stmt.order_by(UnitInspection.ends_on.desc(), UnitInspection.id.desc()).offset(offset).limit(limit)
        ).all()
        return total, rows


def public_results(*, inspection_id: int) -> PublicInspectionResult:
    """The published results of an inspection: counts per enterprise (name only; no document, no person)."""
    with read_session() as s:
        obj = s.get(UnitInspection, inspection_id) if 0 < inspection_id < 2**31 else None
        if obj is None or not obj.published:
            raise NotFound(f"inspection {inspection_id} not found")
        rows = s.execute(
            select(
                Organisation.name,
                func.count(InspectedDocument.id),
                func.sum(InspectedDocument.finding_count),
                InspectedDocument.enterprise_id,
            )
            .join(Organisation, Organisation.id == InspectedDocument.enterprise_id)
            .where(InspectedDocument.inspection_id == obj.id)
            .group_by(InspectedDocument.enterprise_id, Organisation.name)
            .order_by(Organisation.name)
        ).all()
        status = {
            row[0]: row[1]
            for row in s.execute(
                select(InspectionFollowUp.enterprise_id, InspectionFollowUp.status).where(
                    InspectionFollowUp.inspection_id == obj.id
                )
            )
        }
        per = [
            PublicEnterpriseCount(
                enterprise_name=name, documents=int(n), findings=int(f or 0), status=status.get(eid)
            )
            for name, n, f, eid in rows
        ]
        return PublicInspectionResult(
            id=obj.id,
            title=obj.title,
            region_code=obj.region_code,
            starts_on=obj.starts_on,
            ends_on=obj.ends_on,
            enterprises=len(per),
            documents=sum(p.documents for p in per),
            findings=sum(p.findings for p in per),
            per_enterprise=per,
        )
