"""Verification and calibration work: measurement standards, work orders, records and electronic signatures.

Rules implemented here (issue 6 parts 2 and 3):

* a measurement standard is usable on a date iff it is ``in_service`` and one of its own certificates
  covers that date (JJF 1033; ISO/IEC 17025:2017 6.4.13 and 6.5: equipment whose calibration has lapsed or
  that is out of service is not used; 6.4.9: equipment taken out of service is labelled and not used);
* a work order from the register needs the institution's authorisation for the catalogue item in the
  instrument's region on the day received (计量授权, see ``organisations.models.Authorisation``) when it is a
  verification; a calibration does not;
* the data-entry form is ``jiliang.core.verification.form_document``; errors, MPE, uncertainty and the
  decision are ``jiliang.core.verification.evaluate_document`` — this module never computes them;
* electronic signatures (21 CFR 11.50/11.70/11.200 as summarised in shared/research/calibration-management-dcc.md
  R6-R9; JJF 1069-2012 three-level signing 检定员 / 核验员 / 批准人): the signer re-enters the password,
  states the meaning, must hold that duty, and signs the SHA-256 of the canonical JSON of the record
  revision. Three distinct persons sign (the checker is never the verifier; the approver is neither).
  Once the verifier has signed, the revision is locked; a correction is a new revision.

Every function is keyword-only, takes ``principal=`` and records every write in the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import event, false, func, inspect, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from jiliang.core.codes import CodeError, is_within
from jiliang.instruments.models import CatalogueItem, Instrument
from jiliang.organisations.models import Authorisation, Organisation
from jiliang.platform import accounts, audit
from jiliang.platform.access import Principal, in_region
from jiliang.platform.db import read_session, write_session
from jiliang.platform.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    RowError,
    TooManyRequests,
    Unauthorized,
    ValidationReport,
)
from jiliang.platform.models import User, utcnow
from jiliang.platform.service import snapshot
from jiliang.verification.models import (
    MeasurementStandard,
    RecordSignature,
    RecordStandard,
    StandardCertificate,
    VerificationRecord,
    WorkOrder,
)
from jiliang.verification.schemas import (
    AssignIn,
    CorrectionInput,
    RecordInput,
    RejectIn,
    SignIn,
    StandardCertificateCreate,
    StandardCreate,
    StandardStatusChange,
    StandardUpdate,
    WorkOrderCreate,
)

_T = TypeVar("_T")
MEANING_LABELS = {"verifier": "检定员", "checker": "核验员", "approver": "批准人"}
# who signs next, by record status
NEXT_SIGNATURE = {"draft": "verifier", "signed": "checker", "checked": "approver"}
MAX_LIMIT = 500


class InvalidInput(DomainError):
    status_code = 422
    code = "invalid_input"


# ----------------------------------------------------------------------------------------------------
# access: the institution its own work, the customer its own work, regulators their region, public nothing
# ----------------------------------------------------------------------------------------------------
def work_visible(principal: Principal, model: Any) -> ColumnElement[bool]:
    """The WHERE clause restricting a verification table to what ``principal`` may see.

    Finer than :func:`jiliang.platform.access.visible`: an institution sees only its own work and standards
    (not other institutions' work in its region); an enterprise sees work ordered for it (``customer_id``)
    and never measurement standards; a regulator sees its region and below; the public nothing.
    """
    if principal.role == "admin":
        return true()
    if principal.role == "regulator" and principal.region_code:
        return in_region(model.region_code, principal.region_code)
    if principal.role == "institution" and principal.organisation_id:
        return model.institution_id == principal.organisation_id  # type: ignore[no-any-return]
    if principal.role == "enterprise" and principal.organisation_id and hasattr(model, "customer_id"):
        return model.customer_id == principal.organisation_id  # type: ignore[no-any-return]
    return false()


def can_see_work(principal: Principal, obj: Any) -> bool:
    """:func:`work_visible` for one loaded object."""
    if principal.role == "admin":
        return True
    if principal.role == "regulator" and principal.region_code:
        try:
            return is_within(obj.region_code, principal.region_code)
        except CodeError:
            return False
    if principal.role == "institution" and principal.organisation_id:
        return bool(obj.institution_id == principal.organisation_id)
    if principal.role == "enterprise" and principal.organisation_id and hasattr(obj, "customer_id"):
        return bool(obj.customer_id == principal.organisation_id)
    return False


def _load(s: Session, principal: Principal, model: type[_T], key: Any, what: str) -> _T:
    if not isinstance(key, int) or not 0 < key < 2**31:
        raise NotFound(f"{what} {key} not found")
    obj = s.get(model, key)
    if obj is None or not can_see_work(principal, obj):
        raise NotFound(f"{what} {key} not found")
    return obj


def _require_staff(principal: Principal, institution_id: int, *, admin: bool = True) -> None:
    """Staff of the institution (or an administrator when ``admin``) may change its work and standards."""
    if principal.role == "admin" and admin:
        return
    if principal.role != "institution" or principal.organisation_id != institution_id:
        raise Forbidden("only the institution's staff may do this")


def _institution_for(s: Session, principal: Principal, institution_id: int | None) -> Organisation:
    if principal.role == "institution":
        if institution_id not in (None, principal.organisation_id):
            raise Forbidden("you act for your own institution only", field="institution_id")
        org = s.get(Organisation, principal.organisation_id)
    elif principal.role == "admin":
        if institution_id is None:
            raise InvalidInput("give the institution", field="institution_id")
        org = s.get(Organisation, institution_id)
    else:
        raise Forbidden("only a technical institution keeps measurement standards and verification work")
    if org is None or org.kind != "institution":
        raise InvalidInput(
            f"organisation {institution_id} is not a technical institution", field="institution_id"
        )
    return org


def _page(limit: int, offset: int) -> tuple[int, int]:
    return max(1, min(int(limit), MAX_LIMIT)), max(0, int(offset))


# ----------------------------------------------------------------------------------------------------
# canonical JSON and hashes
# ----------------------------------------------------------------------------------------------------
def _clean(value: Any) -> Any:
    """JSON-safe copy: dates as ISO strings, non-finite floats as strings, numpy scalars as Python numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        return _clean(value.item())
    if hasattr(value, "tolist"):
        return _clean(value.tolist())
    return str(value)


def canonical_json(value: Any) -> str:
    """Sorted keys, no insignificant whitespace, UTF-8 text (the bytes that signatures bind to)."""
    return json.dumps(
        _clean(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def record_content(session: Session, record: VerificationRecord) -> dict[str, Any]:
    """What a signature covers: the revision's identity, inputs, evaluation, verdict and standards used."""
    used = session.execute(
        select(RecordStandard.standard_id, MeasurementStandard.identifier, RecordStandard.certificate_id)
        .join(MeasurementStandard, MeasurementStandard.id == RecordStandard.standard_id)
        .where(RecordStandard.record_id == record.id)
        .order_by(RecordStandard.standard_id)
    ).all()
    return {
        "record_id": record.id,
        "work_order_id": record.work_order_id,
        "institution_id": record.institution_id,
        "revision": record.revision,
        "supersedes_id": record.supersedes_id,
        "procedure_code": record.procedure_code,
        "stage": record.stage,
        "performed_on": record.performed_on,
        "performed_by": record.performed_by,
        "document": record.document,
        "evaluation": record.evaluation,
        "verdict": record.verdict,
        "standards": [{"standard_id": a, "identifier": b, "certificate_id": c} for a, b, c in used],
    }


def content_hash(session: Session, record: VerificationRecord) -> str:
    return hashlib.sha256(canonical_json(record_content(session, record)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SignatureCheck:
    meaning: str
    username: str
    signed_at: dt.datetime
    stored_hash: str
    valid: bool


@dataclass(frozen=True)
class SignatureReport:
    computed_hash: str
    stored_hash: str
    signatures: list[SignatureCheck]

    @property
    def valid(self) -> bool:
        return self.computed_hash == self.stored_hash and all(c.valid for c in self.signatures)


def verify_signatures(session: Session, record: VerificationRecord) -> SignatureReport:
    """Recompute the SHA-256 of the revision's canonical JSON and compare it with every signature's hash."""
    computed = content_hash(session, record)
    sigs = session.scalars(
        select(RecordSignature).where(RecordSignature.record_id == record.id).order_by(RecordSignature.id)
    ).all()
    return SignatureReport(
        computed_hash=computed,
        stored_hash=record.content_hash,
        signatures=[
            SignatureCheck(
                sg.meaning, sg.username, sg.signed_at, sg.content_hash, sg.content_hash == computed
            )
            for sg in sigs
        ],
    )


# A signed revision is immutable at the ORM level too: any flush changing its content fails.
_CONTENT_COLUMNS = (
    "work_order_id",
    "revision",
    "supersedes_id",
    "procedure_code",
    "stage",
    "document",
    "evaluation",
    "verdict",
    "performed_on",
    "performed_by",
    "content_hash",
)


@event.listens_for(VerificationRecord, "before_update")
def _refuse_changes_to_signed(_mapper: Any, _conn: Any, target: VerificationRecord) -> None:
    state = inspect(target)
    locked_hist = state.attrs.locked.history
    was_locked = bool(locked_hist.deleted[0]) if locked_hist.deleted else bool(target.locked)
    if not was_locked:
        return
    if locked_hist.deleted and not target.locked:
        raise Conflict(f"record {target.id} revision {target.revision} is signed and cannot be unlocked")
    for name in _CONTENT_COLUMNS:
        if getattr(state.attrs, name).history.has_changes():
            raise Conflict(
                f"record {target.id} revision {target.revision} is signed and cannot be changed; "
                "make a correction (a new revision)",
                field=name,
            )


# ----------------------------------------------------------------------------------------------------
# measurement standards
# ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Usability:
    usable: bool
    reason: str
    certificate: StandardCertificate | None


def standard_usability(session: Session, standard: MeasurementStandard, on: dt.date) -> Usability:
    """Usable on ``on`` iff in service and a certificate of its own covers that date (JJF 1033; 17025 6.4.13)."""
    label = f"{standard.name} ({standard.identifier})"
    if standard.status != "in_service":
        return Usability(False, f"measurement standard {label} is {standard.status}", None)
    cert = session.scalars(
        select(StandardCertificate)
        .where(
            StandardCertificate.standard_id == standard.id,
            StandardCertificate.calibrated_on <= on,
            StandardCertificate.valid_until >= on,
        )
        .order_by(StandardCertificate.valid_until.desc(), StandardCertificate.id.desc())
    ).first()
    if cert is not None:
        return Usability(True, "", cert)
    last = session.scalars(
        select(StandardCertificate)
        .where(StandardCertificate.standard_id == standard.id)
        .order_by(StandardCertificate.valid_until.desc())
    ).first()
    if last is None:
        return Usability(False, f"measurement standard {label} has no calibration certificate", None)
    if last.valid_until < on:
        return Usability(
            False,
            f"the calibration certificate {last.certificate_no} of measurement standard {label} "
            f"expired on {last.valid_until.isoformat()} (before {on.isoformat()})",
            None,
        )
    return Usability(
        False, f"no calibration certificate of measurement standard {label} covers {on.isoformat()}", None
    )


def _standard_filters(
    principal: Principal, status: str | None, q: str | None, institution_id: int | None
) -> list[ColumnElement[bool]]:
    out = [work_visible(principal, MeasurementStandard)]
    if status:
        out.append(MeasurementStandard.status == status)
    if institution_id:
        out.append(MeasurementStandard.institution_id == institution_id)
    if q:
        like = f"%{q.strip()[:100]}%"
        out.append(
            or_(
                MeasurementStandard.name.ilike(like),
                MeasurementStandard.identifier.ilike(like),
                MeasurementStandard.quantity.ilike(like),
            )
        )
    return out


def list_standards(
    *,
    principal: Principal,
    status: str | None = None,
    q: str | None = None,
    institution_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, Sequence[MeasurementStandard]]:
    limit, offset = _page(limit, offset)
    with read_session() as s:
        where = _standard_filters(principal, status, q, institution_id)
        total = s.scalar(select(func.count()).select_from(MeasurementStandard).where(*where)) or 0
        rows = s.scalars(
            select(MeasurementStandard)
            .where(*where)
            .order_by(MeasurementStandard.institution_id, MeasurementStandard.name, MeasurementStandard.id)
            .offset(offset)
            .limit(limit)
        ).all()
        return total, rows


@dataclass(frozen=True)
class StandardView:
    standard: MeasurementStandard
    certificates: Sequence[StandardCertificate]
    usable_today: Usability
    valid_until: dt.date | None
    may_manage: bool
    institution_name: str


def standard_view(*, principal: Principal, standard_id: int, today: dt.date | None = None) -> StandardView:
    today = today or dt.date.today()
    with read_session() as s:
        std = _load(s, principal, MeasurementStandard, standard_id, "measurement standard")
        certs = s.scalars(
            select(StandardCertificate)
            .where(StandardCertificate.standard_id == std.id)
            .order_by(StandardCertificate.calibrated_on.desc(), StandardCertificate.id.desc())
        ).all()
        usable = standard_usability(s, std, today)
        org = s.get(Organisation, std.institution_id)
        return StandardView(
            standard=std,
            certificates=certs,
            usable_today=usable,
            valid_until=max((c.valid_until for c in certs), default=None),
            may_manage=principal.role == "admin"
            or (principal.role == "institution" and principal.organisation_id == std.institution_id),
            institution_name=org.name if org else "",
        )


def create_standard(*, principal: Principal, data: StandardCreate) -> MeasurementStandard:
    with write_session() as s:
        org = _institution_for(s, principal, data.institution_id)
        if s.scalar(
            select(MeasurementStandard.id).where(
                MeasurementStandard.institution_id == org.id,
                MeasurementStandard.identifier == data.identifier,
            )
        ):
            raise Conflict(f"the institution already has a standard {data.identifier}", field="identifier")
        std = MeasurementStandard(
            institution_id=org.id,
            region_code=org.region_code,
            status="in_service",
            created_by=principal.username,
            **data.model_dump(exclude={"institution_id"}),
        )
        s.add(std)
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="create",
            object_type="measurement_standard",
            object_id=std.id,
            after=snapshot(std),
        )
        return std


def update_standard(*, principal: Principal, standard_id: int, data: StandardUpdate) -> MeasurementStandard:
    with write_session() as s:
        std = _load(s, principal, MeasurementStandard, standard_id, "measurement standard")
        _require_staff(principal, std.institution_id)
        before = snapshot(std)
        for key, value in data.model_dump(exclude_unset=True).items():
            if value is not None:
                setattr(std, key, value)
        std.updated_at = utcnow()
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="update",
            object_type="measurement_standard",
            object_id=std.id,
            before=before,
            after=snapshot(std),
        )
        return std


def set_standard_status(
    *, principal: Principal, standard_id: int, data: StandardStatusChange
) -> MeasurementStandard:
    """Suspend (e.g. found out of tolerance, 17025 6.4.9), retire, or return to service."""
    with write_session() as s:
        std = _load(s, principal, MeasurementStandard, standard_id, "measurement standard")
        _require_staff(principal, std.institution_id)
        if std.status == "retired":
            raise Conflict("a retired standard stays retired", field="status")
        if data.status in ("suspended", "retired") and not data.reason:
            raise InvalidInput("give the reason", field="reason")
        if data.status == std.status:
            raise Conflict(f"the standard is already {std.status}", field="status")
        before = snapshot(std)
        std.status, std.status_reason, std.updated_at = data.status, data.reason, utcnow()
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action=f"status:{data.status}",
            object_type="measurement_standard",
            object_id=std.id,
            before=before,
            after=snapshot(std),
        )
        return std


def add_standard_certificate(
    *, principal: Principal, standard_id: int, data: StandardCertificateCreate
) -> StandardCertificate:
    """Record a calibration/verification certificate of the standard (the history is kept)."""
    with write_session() as s:
        std = _load(s, principal, MeasurementStandard, standard_id, "measurement standard")
        _require_staff(principal, std.institution_id)
        if data.valid_until < data.calibrated_on:
            raise InvalidInput("valid until precedes the calibration date", field="valid_until")
        if data.calibrated_on > dt.date.today():
            raise InvalidInput(
                f"calibrated on {data.calibrated_on} lies in the future", field="calibrated_on"
            )
        if s.scalar(
            select(StandardCertificate.id).where(
                StandardCertificate.standard_id == std.id,
                StandardCertificate.certificate_no == data.certificate_no,
            )
        ):
            raise Conflict(f"certificate {data.certificate_no} is already recorded", field="certificate_no")
        cert = StandardCertificate(
            standard_id=std.id,
            institution_id=std.institution_id,
            region_code=std.region_code,
            created_by=principal.username,
            **data.model_dump(),
        )
        s.add(cert)
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="add_certificate",
            object_type="measurement_standard",
            object_id=std.id,
            after=snapshot(cert),
        )
        return cert


def usable_standards(
    *, principal: Principal, institution_id: int, on: dt.date
) -> list[tuple[MeasurementStandard, Usability]]:
    """Every in-service standard of the institution with its usability on ``on`` (for the record form)."""
    with read_session() as s:
        rows = s.scalars(
            select(MeasurementStandard)
            .where(
                MeasurementStandard.institution_id == institution_id,
                MeasurementStandard.status != "retired",
                work_visible(principal, MeasurementStandard),
            )
            .order_by(MeasurementStandard.name)
        ).all()
        return [(std, standard_usability(s, std, on)) for std in rows]


# ----------------------------------------------------------------------------------------------------
# procedures (jiliang.core.verification, written by another helper; imported lazily)
# ----------------------------------------------------------------------------------------------------
def _core() -> Any:
    try:
        from jiliang.core import verification as core_verification
    except ImportError:  # pragma: no cover - only while the core package is missing
        raise Conflict("the verification procedures are not available") from None
    return core_verification


def list_procedures() -> list[Any]:
    return list(_core().list_procedures())


def _canonical_procedure(code: str) -> str | None:
    try:
        return str(_core().get_procedure(code).code)
    except (KeyError, LookupError, ValueError):
        return None


def _procedure_for(catalogue_code: str | None) -> str | None:
    if not catalogue_code:
        return None
    try:
        proc = _core().procedure_for_catalogue(catalogue_code)
    except (KeyError, LookupError, ValueError):
        return None
    if proc is None:
        return None
    return str(getattr(proc, "code", proc))


# ----------------------------------------------------------------------------------------------------
# work orders
# ----------------------------------------------------------------------------------------------------
WORK_FLOW = {
    "received": ("assigned",),
    "assigned": ("assigned", "in_progress"),
    "in_progress": ("recorded",),
    "recorded": ("checked", "in_progress"),
    "checked": ("approved", "in_progress"),
    "approved": ("certificate_issued", "in_progress"),
    "certificate_issued": ("in_progress",),
}


def authorised(
    session: Session, *, institution_id: int, catalogue_code: str, region_code: str, on: dt.date
) -> bool:
    """The institution holds an authorisation for the item covering the region on the date (计量授权)."""
    rows = session.scalars(
        select(Authorisation).where(
            Authorisation.institution_id == institution_id,
            Authorisation.catalogue_code == catalogue_code,
            Authorisation.valid_until >= on,
        )
    ).all()
    for a in rows:
        try:
            if is_within(region_code, a.region_code):
                return True
        except CodeError:
            continue
    return False


def _next_order_no(session: Session, institution_id: int, year: int) -> str:
    prefix = f"{year}-"
    top = session.scalar(
        select(func.max(WorkOrder.order_no)).where(
            WorkOrder.institution_id == institution_id, WorkOrder.order_no.like(prefix + "%")
        )
    )
    seq = int(top[len(prefix) :]) + 1 if top and top[len(prefix) :].isdigit() else 1
    return f"{prefix}{seq:06d}"


def create_work_order(
    *, principal: Principal, data: WorkOrderCreate, instrument_code: str | None = None
) -> WorkOrder:
    """Receive an instrument: from the register (``instrument_id`` or ``instrument_code``) or walk-in."""
    instrument_code = instrument_code or data.instrument_code
    with write_session() as s:
        org = _institution_for(s, principal, data.institution_id)
        if data.received_on > dt.date.today():
            raise InvalidInput(f"received on {data.received_on} lies in the future", field="received_on")
        if data.due_by and data.due_by < data.received_on:
            raise InvalidInput("the due date precedes the date received", field="due_by")
        inst: Instrument | None = None
        if instrument_code:
            inst = s.scalar(select(Instrument).where(Instrument.code == instrument_code.strip()))
            if inst is None:
                raise NotFound(f"no instrument {instrument_code} in the register", field="instrument_code")
        elif data.instrument_id is not None:
            inst = s.get(Instrument, data.instrument_id)
            if inst is None:
                raise NotFound(f"instrument {data.instrument_id} not found", field="instrument_id")
        fields: dict[str, Any]
        if inst is not None:
            if data.customer_id not in (None, inst.owner_id):
                raise InvalidInput(
                    "the customer of a registered instrument is its owner", field="customer_id"
                )
            item = s.get(CatalogueItem, inst.catalogue_code)
            fields = {
                "instrument_id": inst.id,
                "customer_id": inst.owner_id,
                "region_code": inst.region_code,
                "catalogue_code": inst.catalogue_code,
                "instrument_code": inst.code,
                "instrument_name": (item.name_l2 or item.name_l1) if item else "",
                "maker": inst.maker,
                "model": inst.model,
                "serial_number": inst.serial_number,
                "measuring_range": inst.measuring_range,
                "accuracy_class": inst.accuracy_class,
                "walk_in": False,
            }
            if inst.status == "scrapped":
                raise Conflict(f"instrument {inst.code} is scrapped", field="instrument_id")
        else:
            if data.customer_id is None:
                raise InvalidInput(
                    "give a registered instrument, or the customer of a walk-in", field="customer_id"
                )
            customer = s.get(Organisation, data.customer_id)
            if customer is None:
                raise NotFound(f"organisation {data.customer_id} not found", field="customer_id")
            if data.catalogue_code and s.get(CatalogueItem, data.catalogue_code) is None:
                raise InvalidInput(f"unknown catalogue item {data.catalogue_code}", field="catalogue_code")
            if data.kind == "verification" and not data.catalogue_code:
                raise InvalidInput("a verification needs the catalogue item", field="catalogue_code")
            if not data.instrument_name:
                raise InvalidInput("give the instrument's name", field="instrument_name")
            fields = {
                "instrument_id": None,
                "customer_id": customer.id,
                "region_code": customer.region_code,
                "catalogue_code": data.catalogue_code or None,
                "instrument_code": "",
                "instrument_name": data.instrument_name,
                "maker": data.maker,
                "model": data.model,
                "serial_number": data.serial_number,
                "measuring_range": data.measuring_range,
                "accuracy_class": data.accuracy_class,
                "walk_in": True,
            }
        if data.kind == "verification":
            if not authorised(
                s,
                institution_id=org.id,
                catalogue_code=fields["catalogue_code"] or "",
                region_code=fields["region_code"],
                on=data.received_on,
            ):
                raise Forbidden(
                    f"{org.name} holds no authorisation to verify catalogue item {fields['catalogue_code']} "
                    f"in region {fields['region_code']} on {data.received_on.isoformat()}",
                    field="instrument_id" if inst is not None else "catalogue_code",
                )
        procedure = data.procedure_code or _procedure_for(fields["catalogue_code"])
        if not procedure:
            raise InvalidInput(
                f"no verification procedure is encoded for catalogue item {fields['catalogue_code']}; name one",
                field="procedure_code",
            )
        canonical = _canonical_procedure(procedure)
        if canonical is None:
            raise InvalidInput(f"unknown procedure {procedure}", field="procedure_code")
        procedure = canonical
        if data.instrument_params:
            make_form(procedure, data.stage, _clean(data.instrument_params))  # names the parameter at fault
        if inst is None and data.register_instrument:
            inst = _register_walk_in(s, principal, data, fields)
            fields["instrument_id"], fields["instrument_code"], fields["walk_in"] = inst.id, inst.code, True
        # serialise numbering per institution (PostgreSQL row lock; SQLite writers are serialised already)
        s.execute(select(Organisation.id).where(Organisation.id == org.id).with_for_update())
        wo = WorkOrder(
            order_no=_next_order_no(s, org.id, data.received_on.year),
            institution_id=org.id,
            kind=data.kind,
            procedure_code=procedure,
            stage=data.stage,
            status="received",
            received_on=data.received_on,
            due_by=data.due_by,
            instrument_params=_clean(data.instrument_params),
            note=data.note,
            created_by=principal.username,
            **fields,
        )
        s.add(wo)
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="receive",
            object_type="work_order",
            object_id=wo.id,
            after=snapshot(wo),
        )
        return wo


def _register_walk_in(
    s: Session, principal: Principal, data: WorkOrderCreate, fields: dict[str, Any]
) -> Instrument:
    """Register a walk-in instrument in the same transaction (the register's own code and due-date rules)."""
    from jiliang.core.codes import make_instrument_code
    from jiliang.instruments import tallies
    from jiliang.instruments.service import due_date, next_sequence

    if not fields["catalogue_code"]:
        raise InvalidInput("registering needs the catalogue item", field="catalogue_code")
    if not data.use:
        raise InvalidInput("registering needs the instrument's use", field="use")
    customer = s.get(Organisation, fields["customer_id"])
    if customer is None or customer.kind != "enterprise":
        raise InvalidInput("only an enterprise's instrument is registered", field="customer_id")
    item = s.get(CatalogueItem, fields["catalogue_code"])
    assert item is not None
    code = make_instrument_code(
        customer.region_code, item.code, next_sequence(s, customer.region_code, item.code)
    )
    inst = Instrument(
        code=code,
        catalogue_code=item.code,
        owner_id=customer.id,
        region_code=customer.region_code,
        maker=data.maker,
        model=data.model,
        serial_number=data.serial_number,
        measuring_range=data.measuring_range,
        accuracy_class=data.accuracy_class,
        use=data.use,
        status="in_use",
    )
    inst.next_due_on = due_date(item, None, None)
    s.add(inst)
    s.flush()
    tallies.record_change(s, None, inst)
    audit.record(
        s,
        actor=principal.username,
        action="register",
        object_type="instrument",
        object_id=inst.id,
        after=snapshot(inst),
    )
    return inst


def list_work_orders(
    *,
    principal: Principal,
    status: str | None = None,
    kind: str | None = None,
    assigned_to: str | None = None,
    q: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, Sequence[WorkOrder]]:
    limit, offset = _page(limit, offset)
    where = [work_visible(principal, WorkOrder)]
    if status:
        where.append(WorkOrder.status == status)
    if kind:
        where.append(WorkOrder.kind == kind)
    if assigned_to:
        where.append(WorkOrder.assigned_to == assigned_to)
    if q:
        like = f"%{q.strip()[:100]}%"
        where.append(
            or_(
                WorkOrder.order_no.ilike(like),
                WorkOrder.instrument_code.ilike(like),
                WorkOrder.instrument_name.ilike(like),
                WorkOrder.serial_number.ilike(like),
            )
        )
    with read_session() as s:
        total = s.scalar(select(func.count()).select_from(WorkOrder).where(*where)) or 0
        rows = s.scalars(
            select(WorkOrder)
            .where(*where)
            .order_by(WorkOrder.received_on.desc(), WorkOrder.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return total, rows


@dataclass(frozen=True)
class WorkOrderView:
    work_order: WorkOrder
    institution_name: str
    customer_name: str
    records: Sequence[VerificationRecord]
    verifiers: list[tuple[str, str]]  # (username, display name) — for the assignment picker
    may_manage: bool
    may_record: bool


def verifiers_of(session: Session, institution_id: int) -> list[User]:
    rows = session.scalars(
        select(User)
        .where(User.organisation_id == institution_id, User.role == "institution", User.is_active.is_(True))
        .order_by(User.username)
    ).all()
    return [u for u in rows if "verifier" in u.duty_list]


def work_order_view(*, principal: Principal, work_order_id: int) -> WorkOrderView:
    with read_session() as s:
        wo = _load(s, principal, WorkOrder, work_order_id, "work order")
        inst = s.get(Organisation, wo.institution_id)
        cust = s.get(Organisation, wo.customer_id)
        records = s.scalars(
            select(VerificationRecord)
            .where(VerificationRecord.work_order_id == wo.id)
            .order_by(VerificationRecord.revision.desc())
        ).all()
        staff = principal.role == "admin" or (
            principal.role == "institution" and principal.organisation_id == wo.institution_id
        )
        return WorkOrderView(
            work_order=wo,
            institution_name=inst.name if inst else "",
            customer_name=cust.name if cust else "",
            records=records,
            verifiers=[(u.username, u.display_name) for u in verifiers_of(s, wo.institution_id)]
            if staff
            else [],
            may_manage=staff,
            may_record=principal.role == "institution"
            and principal.organisation_id == wo.institution_id
            and wo.assigned_to == principal.username
            and wo.status in ("assigned", "in_progress"),
        )


def assign_work_order(*, principal: Principal, work_order_id: int, data: AssignIn) -> WorkOrder:
    """Assign (or re-assign, before anything is recorded) a work order to a verifier of the institution."""
    with write_session() as s:
        wo = _load(s, principal, WorkOrder, work_order_id, "work order")
        _require_staff(principal, wo.institution_id)
        if wo.status not in ("received", "assigned") and not (
            wo.status == "in_progress" and wo.current_record_id is None
        ):
            raise Conflict(f"a work order in status {wo.status} cannot be re-assigned", field="assignee")
        user = s.scalar(select(User).where(User.username == data.assignee))
        if (
            user is None
            or not user.is_active
            or user.organisation_id != wo.institution_id
            or user.role != "institution"
        ):
            raise InvalidInput(f"{data.assignee} is not a member of the institution", field="assignee")
        if "verifier" not in user.duty_list:
            raise InvalidInput(f"{data.assignee} does not hold the duty verifier (检定员)", field="assignee")
        before = snapshot(wo)
        wo.assigned_to, wo.status, wo.updated_at = user.username, "assigned", utcnow()
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="assign",
            object_type="work_order",
            object_id=wo.id,
            before=before,
            after=snapshot(wo),
        )
        return wo


# ----------------------------------------------------------------------------------------------------
# records
# ----------------------------------------------------------------------------------------------------
def procedure_parameters(code: str) -> list[dict[str, Any]]:
    """The instrument parameters a procedure needs (name, labels, type, unit, required, choices)."""
    proc = _core().get_procedure(code)
    return [
        {
            "name": p.name,
            "label_zh": p.label_zh,
            "label_en": p.label_en,
            "type": p.type,
            "unit": p.unit,
            "required": p.required,
            "choices": list(p.choices),
            "value": None,
        }
        for p in proc.parameters
    ]


def environment_labels(code: str) -> dict[str, str]:
    """Display names of a procedure's environmental conditions (empty when the procedure is unknown)."""
    from jiliang.platform.web import localized

    try:
        proc = _core().get_procedure(code)
    except (LookupError, ValueError):
        return {}
    return {e.name: localized(e.label_zh, e.label_en) for e in proc.environment}


def _instrument_params(wo: WorkOrder) -> dict[str, Any]:
    """The procedure's instrument parameters known for the work order (given at receipt)."""
    params = dict(wo.instrument_params or {})
    if wo.accuracy_class and "accuracy_class" not in params:
        try:
            choices = {
                c
                for p in procedure_parameters(wo.procedure_code)
                if p["name"] == "accuracy_class"
                for c in p["choices"]
            }
        except (LookupError, ValueError):
            choices = set()
        if wo.accuracy_class in choices:
            params["accuracy_class"] = wo.accuracy_class
    return params


def make_form(code: str, stage: str, instrument: dict[str, Any]) -> dict[str, Any]:
    """``form_document`` as JSON, or a ValidationReport naming the instrument parameters at fault."""
    core = _core()
    try:
        return dict(_clean(core.form_document(code, stage=stage, instrument=instrument)))
    except core.VerificationInputError as e:
        raise _report(e) from None
    except (KeyError, LookupError, ValueError, TypeError) as e:
        raise InvalidInput(f"the procedure {code} cannot make a form: {e}", field="procedure_code") from None


def record_form(
    *, principal: Principal, work_order_id: int, instrument: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The data-entry form of the work order's procedure (``jiliang.core.verification.form_document``).

    The instrument parameters come from ``instrument`` (typed on the page), else the current revision, else
    the work order. When they do not make a form (missing or invalid), ``form`` is None and
    ``param_errors`` says why, so that the page asks for the parameters first.
    """
    with read_session() as s:
        wo = _load(s, principal, WorkOrder, work_order_id, "work order")
        current = s.get(VerificationRecord, wo.current_record_id) if wo.current_record_id else None
        ids = (
            list(s.scalars(select(RecordStandard.standard_id).where(RecordStandard.record_id == current.id)))
            if current is not None
            else []
        )
    if instrument is None:
        if current is not None and isinstance((current.document or {}).get("instrument"), dict):
            instrument = dict(current.document["instrument"])
        else:
            instrument = _instrument_params(wo)
    form: dict[str, Any] | None = None
    param_errors: list[dict[str, Any]] = []
    try:
        form = make_form(wo.procedure_code, wo.stage, instrument)
    except ValidationReport as rep:
        param_errors = [e.as_dict() for e in rep.errors]
    parameters = form["parameters"] if form else procedure_parameters(wo.procedure_code)
    return {
        "form": form,
        "parameters": parameters,
        "instrument": _clean(instrument),
        "param_errors": param_errors,
        "current": _clean(current.document) if current is not None else None,
        "current_standard_ids": ids,
    }


def _report(exc: Any) -> ValidationReport:
    errors = []
    for e in list(getattr(exc, "errors", []) or [])[:1000]:
        if not isinstance(e, dict):
            e = {"reason": str(e)}
        row = e.get("row")
        try:
            row_no = int(row) if row is not None else 0
        except (TypeError, ValueError):
            row_no = 0
        errors.append(
            RowError(
                row=row_no,
                field=str(e.get("field", "")),
                reason=str(e.get("reason", e.get("message", ""))),
                value="" if e.get("value") is None else str(e.get("value"))[:200],
            )
        )
    if not errors:
        errors.append(RowError(row=0, field="document", reason=str(exc)))
    return ValidationReport(errors=errors)


def _evaluate(wo: WorkOrder, document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], str]:
    try:
        return _evaluate_inner(wo, document)
    except RecursionError:
        raise ValidationReport(
            errors=[RowError(row=0, field="document", reason="nested too deeply")]
        ) from None


def _evaluate_inner(wo: WorkOrder, document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], str]:
    core = _core()
    doc = dict(document)
    doc.setdefault("procedure", wo.procedure_code)
    doc.setdefault("stage", wo.stage)
    if "instrument" not in doc:
        doc["instrument"] = _instrument_params(wo)
    if doc.get("procedure") != wo.procedure_code:
        raise ValidationReport(
            errors=[
                RowError(
                    row=0, field="procedure", reason=f"the work order's procedure is {wo.procedure_code}"
                )
            ]
        )
    try:
        evaluation = core.evaluate_document(doc)
    except core.VerificationInputError as e:
        raise _report(e) from None
    except (KeyError, LookupError, ValueError, TypeError) as e:
        raise ValidationReport(errors=[RowError(row=0, field="document", reason=str(e)[:500])]) from None
    evaluation = _clean(evaluation)
    verdict = str(evaluation.get("verdict", "undecided")) if isinstance(evaluation, dict) else "undecided"
    return _clean(doc), evaluation, verdict


def _resolve_standards(
    s: Session, wo: WorkOrder, ids: list[int], on: dt.date
) -> tuple[list[tuple[MeasurementStandard, StandardCertificate]], list[RowError]]:
    out, errors = [], []
    if len(set(ids)) != len(ids):
        errors.append(RowError(row=0, field="standard_ids", reason="a standard is listed twice"))
    for i, sid in enumerate(dict.fromkeys(ids), start=1):
        std = s.get(MeasurementStandard, sid) if 0 < sid < 2**31 else None
        if std is None or std.institution_id != wo.institution_id:
            errors.append(
                RowError(
                    row=i,
                    field="standard_ids",
                    reason=f"measurement standard {sid} is not one of the institution's",
                )
            )
            continue
        usable = standard_usability(s, std, on)
        if not usable.usable or usable.certificate is None:
            errors.append(RowError(row=i, field="standard_ids", reason=usable.reason, value=std.identifier))
            continue
        out.append((std, usable.certificate))
    return out, errors


def _check_performed_on(wo: WorkOrder, on: dt.date) -> list[RowError]:
    if on > dt.date.today():
        return [RowError(row=0, field="performed_on", reason=f"{on.isoformat()} lies in the future")]
    if on < wo.received_on:
        return [
            RowError(
                row=0,
                field="performed_on",
                reason=f"{on.isoformat()} precedes the date received {wo.received_on}",
            )
        ]
    return []


def _require_assignee(principal: Principal, wo: WorkOrder) -> None:
    _require_staff(principal, wo.institution_id, admin=False)
    if wo.assigned_to != principal.username:
        raise Forbidden(f"only the assigned verifier ({wo.assigned_to or '—'}) records this work order")


def _write_revision(
    s: Session,
    *,
    principal: Principal,
    wo: WorkOrder,
    record: VerificationRecord | None,
    data: RecordInput,
    supersedes: VerificationRecord | None = None,
    reason: str = "",
) -> VerificationRecord:
    """Evaluate, check the standards, then write (nothing is written when anything is wrong)."""
    errors = _check_performed_on(wo, data.performed_on)
    doc: dict[str, Any] = {}
    evaluation: dict[str, Any] = {}
    verdict = ""
    try:
        doc, evaluation, verdict = _evaluate(wo, data.document)
    except ValidationReport as rep:
        errors.extend(rep.errors)
    used, std_errors = _resolve_standards(s, wo, data.standard_ids, data.performed_on)
    errors.extend(std_errors)
    if errors:
        raise ValidationReport(errors=errors)
    before = snapshot(record) if record is not None else None
    if record is None:
        record = VerificationRecord(
            work_order_id=wo.id,
            institution_id=wo.institution_id,
            customer_id=wo.customer_id,
            region_code=wo.region_code,
            revision=(supersedes.revision + 1) if supersedes else 1,
            supersedes_id=supersedes.id if supersedes else None,
            procedure_code=wo.procedure_code,
            stage=wo.stage,
            performed_by=principal.username,
            status="draft",
            locked=False,
            correction_reason=reason,
            performed_on=data.performed_on,
        )
        s.add(record)
    else:
        for old in s.scalars(select(RecordStandard).where(RecordStandard.record_id == record.id)):
            s.delete(old)
    record.document, record.evaluation, record.verdict = doc, evaluation, verdict
    record.performed_on, record.updated_at = data.performed_on, utcnow()
    s.flush()
    for std, cert in used:
        s.add(
            RecordStandard(
                record_id=record.id,
                standard_id=std.id,
                certificate_id=cert.id,
                institution_id=wo.institution_id,
                customer_id=wo.customer_id,
                region_code=wo.region_code,
            )
        )
    s.flush()
    record.content_hash = content_hash(s, record)
    wo_before = snapshot(wo)
    wo.current_record_id, wo.status, wo.updated_at = record.id, "in_progress", utcnow()
    s.flush()
    audit.record(
        s,
        actor=principal.username,
        action="record" if supersedes is None else "correct",
        object_type="verification_record",
        object_id=record.id,
        before=before,
        after={**snapshot(record), "standard_ids": [std.id for std, _ in used]},
    )
    if wo_before["status"] != wo.status or wo_before["current_record_id"] != wo.current_record_id:
        audit.record(
            s,
            actor=principal.username,
            action="status:in_progress",
            object_type="work_order",
            object_id=wo.id,
            before=wo_before,
            after=snapshot(wo),
        )
    return record


def save_record(*, principal: Principal, work_order_id: int, data: RecordInput) -> VerificationRecord:
    """Save the readings (a new draft, or changes to the unsigned draft) with the evaluation of ``core``."""
    with write_session() as s:
        wo = _load(s, principal, WorkOrder, work_order_id, "work order")
        _require_assignee(principal, wo)
        current = s.get(VerificationRecord, wo.current_record_id) if wo.current_record_id else None
        if current is not None and current.locked:
            raise Conflict(
                f"revision {current.revision} of the record is signed and cannot be changed; "
                "make a correction (a new revision)",
                field="document",
            )
        if wo.status not in ("assigned", "in_progress"):
            raise Conflict(f"a work order in status {wo.status} takes no readings", field="status")
        return _write_revision(s, principal=principal, wo=wo, record=current, data=data)


def correct_record(*, principal: Principal, record_id: int, data: CorrectionInput) -> VerificationRecord:
    """A correction of a signed revision: revision n+1 referencing revision n, which becomes superseded."""
    with write_session() as s:
        old = _load(s, principal, VerificationRecord, record_id, "record")
        wo = s.get(WorkOrder, old.work_order_id)
        assert wo is not None
        _require_assignee(principal, wo)
        if wo.current_record_id != old.id:
            raise Conflict("only the current revision can be corrected", field="record_id")
        if not old.locked:
            raise Conflict("this revision is not signed yet: change the draft instead", field="record_id")
        new = _write_revision(
            s, principal=principal, wo=wo, record=None, data=data, supersedes=old, reason=data.reason
        )
        before = snapshot(old)
        old.status, old.updated_at = "superseded", utcnow()
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="supersede",
            object_type="verification_record",
            object_id=old.id,
            before=before,
            after=snapshot(old),
        )
        return new


def list_records(
    *,
    principal: Principal,
    status: str | None = None,
    verdict: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, Sequence[tuple[VerificationRecord, WorkOrder]]]:
    limit, offset = _page(limit, offset)
    where = [work_visible(principal, VerificationRecord)]
    if status:
        where.append(VerificationRecord.status == status)
    if verdict:
        where.append(VerificationRecord.verdict == verdict)
    with read_session() as s:
        total = s.scalar(select(func.count()).select_from(VerificationRecord).where(*where)) or 0
        rows = s.execute(
            select(VerificationRecord, WorkOrder)
            .join(WorkOrder, WorkOrder.id == VerificationRecord.work_order_id)
            .where(*where)
            .order_by(VerificationRecord.performed_on.desc(), VerificationRecord.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return total, [(r, w) for r, w in rows]


@dataclass(frozen=True)
class StandardUse:
    standard: MeasurementStandard
    certificate: StandardCertificate | None
    usability: Usability


@dataclass(frozen=True)
class RecordView:
    record: VerificationRecord
    work_order: WorkOrder
    standards: list[StandardUse]
    signatures: Sequence[RecordSignature]
    report: SignatureReport
    next_meaning: str | None
    blocking: list[str] = field(default_factory=list)  # why the next signature would be refused
    may_sign: bool = False
    may_correct: bool = False
    revisions: Sequence[VerificationRecord] = ()


def _standard_uses(s: Session, record: VerificationRecord) -> list[StandardUse]:
    out = []
    for rs in s.scalars(
        select(RecordStandard).where(RecordStandard.record_id == record.id).order_by(RecordStandard.id)
    ):
        std = s.get(MeasurementStandard, rs.standard_id)
        assert std is not None
        cert = s.get(StandardCertificate, rs.certificate_id) if rs.certificate_id else None
        out.append(StandardUse(std, cert, standard_usability(s, std, record.performed_on)))
    return out


def record_view(*, principal: Principal, record_id: int) -> RecordView:
    with read_session() as s:
        rec = _load(s, principal, VerificationRecord, record_id, "record")
        wo = s.get(WorkOrder, rec.work_order_id)
        assert wo is not None
        uses = _standard_uses(s, rec)
        sigs = s.scalars(
            select(RecordSignature).where(RecordSignature.record_id == rec.id).order_by(RecordSignature.id)
        ).all()
        report = verify_signatures(s, rec)
        nxt = NEXT_SIGNATURE.get(rec.status) if wo.current_record_id == rec.id else None
        blocking = [u.usability.reason for u in uses if not u.usability.usable]
        if not report.valid:
            blocking.append("the record does not match its hash")
        staff = principal.role == "institution" and principal.organisation_id == rec.institution_id
        revisions = s.scalars(
            select(VerificationRecord)
            .where(VerificationRecord.work_order_id == wo.id)
            .order_by(VerificationRecord.revision)
        ).all()
        return RecordView(
            record=rec,
            work_order=wo,
            standards=uses,
            signatures=sigs,
            report=report,
            next_meaning=nxt,
            blocking=blocking,
            may_sign=staff and nxt is not None and nxt in principal.duties,
            may_correct=staff
            and wo.assigned_to == principal.username
            and rec.locked
            and wo.current_record_id == rec.id,
            revisions=revisions,
        )


def _authenticate_signer(
    s: Session, principal: Principal, rec: VerificationRecord, meaning: str, password: str
) -> User:
    """Staff of the institution, holding the duty, re-entering the password (21 CFR 11.200; JJF 1069)."""
    if (
        principal.role != "institution"
        or principal.organisation_id != rec.institution_id
        or principal.user_id is None
    ):
        raise Forbidden("only the institution's staff sign its records")
    user = s.get(User, principal.user_id)
    if user is None or not user.is_active:
        raise Forbidden("your account is not active")
    if meaning not in user.duty_list:
        raise Forbidden(
            f"you do not hold the duty {meaning} ({MEANING_LABELS[meaning]}) and cannot sign as one",
            field="meaning",
        )
    try:
        accounts.authenticate(username=user.username, password=password, client="e-signature")
    except Unauthorized:
        raise Forbidden("the password does not match; the signature was not made", field="password") from None
    except TooManyRequests:
        raise
    return user


def _signers(s: Session, rec: VerificationRecord) -> dict[str, RecordSignature]:
    return {
        sg.meaning: sg for sg in s.scalars(select(RecordSignature).where(RecordSignature.record_id == rec.id))
    }


def _check_signable(s: Session, rec: VerificationRecord, wo: WorkOrder) -> None:
    if wo.current_record_id != rec.id:
        raise Conflict(f"revision {rec.revision} is not the current revision of the work order")
    errors = [
        RowError(row=i, field="standard_ids", reason=u.usability.reason, value=u.standard.identifier)
        for i, u in enumerate(_standard_uses(s, rec), start=1)
        if not u.usability.usable
    ]
    if errors:
        raise ValidationReport(errors=errors)
    report = verify_signatures(s, rec)
    if not report.valid:
        raise Conflict("the record does not match its hash or signatures; it was altered outside the service")


def sign_record(*, principal: Principal, record_id: int, data: SignIn) -> RecordSignature:
    """Sign the record revision as verifier (locks it), checker or approver, in that order."""
    # the password check writes its own login attempt (rate limit), so it runs before the signing transaction
    with read_session() as s:
        rec = _load(s, principal, VerificationRecord, record_id, "record")
        _authenticate_signer(s, principal, rec, data.meaning, data.password)
    with write_session() as s:
        rec = _load(s, principal, VerificationRecord, record_id, "record")
        wo = s.get(WorkOrder, rec.work_order_id)
        assert wo is not None
        user = s.get(User, principal.user_id)
        assert user is not None
        expected = NEXT_SIGNATURE.get(rec.status)
        if expected != data.meaning:
            raise Conflict(
                f"a record in status {rec.status} takes "
                + (f"the {expected}'s signature next" if expected else "no more signatures"),
                field="meaning",
            )
        done = _signers(s, rec)
        if data.meaning == "verifier" and wo.assigned_to != user.username:
            raise Forbidden(
                f"only the assigned verifier ({wo.assigned_to}) signs as verifier", field="meaning"
            )
        if data.meaning == "checker" and done["verifier"].username == user.username:
            raise Forbidden(
                "the checker (核验员) must be a different person from the verifier (检定员)", field="meaning"
            )
        if data.meaning == "approver" and user.username in (
            done["verifier"].username,
            done["checker"].username,
        ):
            raise Forbidden(
                "the approver (批准人) must be a different person from the verifier and the checker",
                field="meaning",
            )
        _check_signable(s, rec, wo)
        before, wo_before = snapshot(rec), snapshot(wo)
        sig = RecordSignature(
            record_id=rec.id,
            user_id=user.id,
            username=user.username,
            display_name=user.display_name,
            meaning=data.meaning,
            signed_at=utcnow(),
            content_hash=rec.content_hash,
            comment=data.comment,
            institution_id=rec.institution_id,
            customer_id=rec.customer_id,
            region_code=rec.region_code,
        )
        s.add(sig)
        rec.status = {"verifier": "signed", "checker": "checked", "approver": "approved"}[data.meaning]
        if data.meaning == "verifier":
            rec.locked = True
        rec.updated_at = utcnow()
        wo.status = {"verifier": "recorded", "checker": "checked", "approver": "approved"}[data.meaning]
        wo.rejection_reason = "" if data.meaning == "verifier" else wo.rejection_reason
        wo.updated_at = utcnow()
        s.flush()
        audit.record(
            s,
            actor=user.username,
            action=f"sign:{data.meaning}",
            object_type="verification_record",
            object_id=rec.id,
            before=before,
            after={**snapshot(rec), "signature": snapshot(sig)},
        )
        audit.record(
            s,
            actor=user.username,
            action=f"status:{wo.status}",
            object_type="work_order",
            object_id=wo.id,
            before=wo_before,
            after=snapshot(wo),
        )
        return sig


def reject_record(*, principal: Principal, record_id: int, data: RejectIn) -> VerificationRecord:
    """The checker or approver sends the record back; the verifier then makes a correction (revision n+1)."""
    with read_session() as s:
        rec = _load(s, principal, VerificationRecord, record_id, "record")
        _authenticate_signer(s, principal, rec, data.meaning, data.password)
    with write_session() as s:
        rec = _load(s, principal, VerificationRecord, record_id, "record")
        wo = s.get(WorkOrder, rec.work_order_id)
        assert wo is not None
        if NEXT_SIGNATURE.get(rec.status) != data.meaning or wo.current_record_id != rec.id:
            raise Conflict(
                f"a record in status {rec.status} is not awaiting the {data.meaning}", field="meaning"
            )
        done = _signers(s, rec)
        if principal.username in {sg.username for sg in done.values()}:
            raise Forbidden("you signed this record already; another person reviews it", field="meaning")
        before, wo_before = snapshot(rec), snapshot(wo)
        rec.status, rec.updated_at = "rejected", utcnow()
        wo.status, wo.rejection_reason, wo.updated_at = "in_progress", data.reason, utcnow()
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action=f"reject:{data.meaning}",
            object_type="verification_record",
            object_id=rec.id,
            before=before,
            after={**snapshot(rec), "reason": data.reason},
        )
        audit.record(
            s,
            actor=principal.username,
            action="status:in_progress",
            object_type="work_order",
            object_id=wo.id,
            before=wo_before,
            after=snapshot(wo),
        )
        return rec


# ----------------------------------------------------------------------------------------------------
# for the certificates area
# ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ApprovedRecord:
    """What a certificate needs from an approved record (plain values; read inside the caller's session)."""

    record_id: int
    revision: int
    supersedes_id: int | None
    work_order_id: int
    order_no: str
    kind: str  # verification | calibration
    stage: str
    procedure_code: str
    catalogue_code: str | None
    institution_id: int
    institution_name: str
    customer_id: int
    customer_name: str
    customer_address: str
    region_code: str
    instrument_id: int | None
    instrument: dict[
        str, Any
    ]  # code, name, maker, model, serial_number, measuring_range, accuracy_class, params
    received_on: dt.date
    performed_on: dt.date
    verdict: str  # pass | fail | undecided
    document: dict[str, Any]
    evaluation: dict[str, Any]
    content_hash: str
    standards: list[
        dict[str, Any]
    ]  # name, identifier, quantity, measuring_range, uncertainty_or_class, certificate
    signatures: list[dict[str, Any]]  # meaning, username, display_name, signed_at, content_hash
    certificate_id: int | None


def get_approved_record(session: Session, record_id: int) -> ApprovedRecord:
    """An approved, validly signed record with valid standards, ready for a certificate; else Conflict/NotFound."""
    rec = (
        session.get(VerificationRecord, record_id)
        if isinstance(record_id, int) and 0 < record_id < 2**31
        else None
    )
    if rec is None:
        raise NotFound(f"record {record_id} not found")
    wo = session.get(WorkOrder, rec.work_order_id)
    assert wo is not None
    if rec.status != "approved":
        raise Conflict(f"record {rec.id} is {rec.status}, not approved")
    if wo.current_record_id != rec.id:
        raise Conflict(f"record {rec.id} is not the current revision of work order {wo.order_no}")
    report = verify_signatures(session, rec)
    meanings = {c.meaning for c in report.signatures}
    if not report.valid or meanings != {"verifier", "checker", "approver"}:
        raise Conflict(f"the signatures of record {rec.id} do not verify")
    uses = _standard_uses(session, rec)
    bad = [u.usability.reason for u in uses if not u.usability.usable]
    if bad:
        raise Conflict("; ".join(bad))
    inst = session.get(Organisation, wo.institution_id)
    cust = session.get(Organisation, wo.customer_id)
    sigs = session.scalars(
        select(RecordSignature).where(RecordSignature.record_id == rec.id).order_by(RecordSignature.id)
    ).all()
    return ApprovedRecord(
        record_id=rec.id,
        revision=rec.revision,
        supersedes_id=rec.supersedes_id,
        work_order_id=wo.id,
        order_no=wo.order_no,
        kind=wo.kind,
        stage=rec.stage,
        procedure_code=rec.procedure_code,
        catalogue_code=wo.catalogue_code,
        institution_id=wo.institution_id,
        institution_name=inst.name if inst else "",
        customer_id=wo.customer_id,
        customer_name=cust.name if cust else "",
        customer_address=cust.address if cust else "",
        region_code=wo.region_code,
        instrument_id=wo.instrument_id,
        instrument={
            "code": wo.instrument_code,
            "name": wo.instrument_name,
            "maker": wo.maker,
            "model": wo.model,
            "serial_number": wo.serial_number,
            "measuring_range": wo.measuring_range,
            "accuracy_class": wo.accuracy_class,
            "params": dict(wo.instrument_params or {}),
        },
        received_on=wo.received_on,
        performed_on=rec.performed_on,
        verdict=rec.verdict,
        document=dict(rec.document or {}),
        evaluation=dict(rec.evaluation or {}),
        content_hash=rec.content_hash,
        standards=[
            {
                "standard_id": u.standard.id,
                "name": u.standard.name,
                "identifier": u.standard.identifier,
                "quantity": u.standard.quantity,
                "measuring_range": u.standard.measuring_range,
                "uncertainty_or_class": u.standard.uncertainty_or_class,
                "certificate_no": u.certificate.certificate_no if u.certificate else "",
                "issuing_lab": u.certificate.issuing_lab if u.certificate else "",
                "valid_until": u.certificate.valid_until if u.certificate else None,
            }
            for u in uses
        ],
        signatures=[
            {
                "meaning": sg.meaning,
                "username": sg.username,
                "display_name": sg.display_name,
                "signed_at": sg.signed_at,
                "content_hash": sg.content_hash,
            }
            for sg in sigs
        ],
        certificate_id=wo.certificate_id,
    )


def mark_certificate_issued(
    session: Session, record_id: int, certificate_id: int, *, actor: str = "system"
) -> WorkOrder:
    """Move the work order of an approved record to ``certificate_issued`` (in the caller's transaction)."""
    rec = (
        session.get(VerificationRecord, record_id)
        if isinstance(record_id, int) and 0 < record_id < 2**31
        else None
    )
    if rec is None:
        raise NotFound(f"record {record_id} not found")
    wo = session.get(WorkOrder, rec.work_order_id)
    assert wo is not None
    if rec.status != "approved" or wo.status != "approved" or wo.current_record_id != rec.id:
        raise Conflict(f"work order {wo.order_no} is {wo.status}; only an approved record gets a certificate")
    before = snapshot(wo)
    wo.status, wo.certificate_id, wo.updated_at = "certificate_issued", certificate_id, utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="status:certificate_issued",
        object_type="work_order",
        object_id=wo.id,
        before=before,
        after=snapshot(wo),
    )
    return wo


def ensure_record_visible(*, principal: Principal, record_id: int) -> None:
    """404 unless the principal may see the record (for other areas' pages)."""
    with read_session() as s:
        _load(s, principal, VerificationRecord, record_id, "record")
