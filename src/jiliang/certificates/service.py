"""Use cases of certificates: issue from an approved record, correct (new revision), read, export, verify
publicly, check an uploaded DCC against the register, import a DCC of another laboratory.

Issuing is one transaction (``write_session``): the number is allocated (gapless, see
:mod:`jiliang.certificates.numbering`), the content is assembled from the approved record, the DCC is built,
signed with the institution's key and validated against the DCC v3.3.0 schema, the PDF is rendered, the
certificate row is inserted, the register is updated (``jiliang.instruments.service.apply_verification``:
verification event, due date rolled forward by the catalogue rule, tallies; a failed verification suspends
the instrument and notifies its owner), the work order is marked issued and everything is audited. Any
failure rolls all of it back, the number included.

Certificate contents follow JJF 1069-2012 / ISO/IEC 17025:2017 §7.8 (see ``jiliang.dcc.content``); a
correction follows §7.8.8 (a new revision that references and supersedes the earlier one, which stays
retrievable and is marked superseded).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from jiliang.certificates import numbering
from jiliang.certificates.models import Certificate, ExternalCalibration
from jiliang.instruments import service as instrument_service
from jiliang.instruments.models import CatalogueItem, Instrument, RecallNotice
from jiliang.instruments.schemas import VerificationCreate
from jiliang.organisations.models import Organisation
from jiliang.platform import audit
from jiliang.platform.access import Principal, can_see, visible
from jiliang.platform.db import read_session, write_session
from jiliang.platform.errors import Conflict, DomainError, Forbidden, NotFound
from jiliang.platform.models import utcnow
from jiliang.platform.service import get_visible
from jiliang.platform.settings import get_settings

MAX_NUMBER_LENGTH = 40
BLOBS = ("dcc_xml", "pdf")


class InvalidCertificate(DomainError):
    status_code = 422
    code = "certificate_invalid"


def public_base_url() -> str:
    """The base of the public verification URL printed as QR code (``JILIANG_PUBLIC_BASE_URL``)."""
    return get_settings().public_base_url.rstrip("/")


def public_url(number: str, base: str | None = None) -> str:
    return f"{(base or public_base_url()).rstrip('/')}/public/certificates/{number}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def snap(cert: Certificate) -> dict[str, Any]:
    """The audit snapshot of a certificate: its columns without the artefacts (their hashes are in it)."""
    return {
        "id": cert.id,
        "number": cert.number,
        "revision": cert.revision,
        "kind": cert.kind,
        "institution_id": cert.institution_id,
        "year": cert.year,
        "serial": cert.serial,
        "record_id": cert.record_id,
        "work_order_id": cert.work_order_id,
        "instrument_id": cert.instrument_id,
        "customer_id": cert.customer_id,
        "region_code": cert.region_code,
        "status": cert.status,
        "supersedes_id": cert.supersedes_id,
        "superseded_by_id": cert.superseded_by_id,
        "conformity": cert.conformity,
        "performed_on": cert.performed_on,
        "valid_until": cert.valid_until,
        "dcc_sha256": cert.dcc_sha256,
        "pdf_sha256": cert.pdf_sha256,
        "issued_by": cert.issued_by,
        "correction_reason": cert.correction_reason,
    }


# ----------------------------------------------------------------------------------------------------
# access
# ----------------------------------------------------------------------------------------------------
def visible_certificates(principal: Principal) -> Any:
    """Certificates the principal may see: the platform rule (customer's region / customer organisation),
    plus, for institution staff, every certificate their institution issued."""
    clause = visible(principal, Certificate)
    if principal.role == "institution" and principal.organisation_id:
        clause = or_(clause, Certificate.institution_id == principal.organisation_id)
    return clause


def can_see_certificate(principal: Principal, cert: Certificate) -> bool:
    if principal.role == "institution" and principal.organisation_id == cert.institution_id:
        return True
    return can_see(principal, cert)


def _require_issuer(principal: Principal, institution_id: int) -> None:
    """Only the institution's own staff with the duty approver (批准人) issue or correct its certificates."""
    if principal.role != "institution":
        raise Forbidden("only the staff of a verification institution issue certificates")
    if principal.organisation_id != institution_id:
        raise Forbidden("a certificate is issued by the institution that did the work", field="record_id")
    if "approver" not in principal.duties:
        raise Forbidden("issuing a certificate needs the duty approver (批准人)", field="duties")


# ----------------------------------------------------------------------------------------------------
# the certificate output service (jiliang.dcc), resolved once
# ----------------------------------------------------------------------------------------------------
_DCC_MODULES = (
    "jiliang.dcc",
    "jiliang.dcc.build",
    "jiliang.dcc.signing",
    "jiliang.dcc.schema",
    "jiliang.dcc.verify",
    "jiliang.dcc.parse",
    "jiliang.dcc.pdf",
    "jiliang.dcc.safe",
)


class _DccService:
    """The functions of ``jiliang.dcc`` used here, looked up in its modules on first use."""

    def __getattr__(self, name: str) -> Any:
        import importlib

        for module_name in _DCC_MODULES:
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
            if hasattr(module, name):
                value = getattr(module, name)
                setattr(self, name, value)
                return value
        raise AttributeError(f"jiliang.dcc has no {name}")


_DCC = _DccService()


def _dcc() -> Any:
    return _DCC


def trusted_roots(session: Session) -> list[Any]:
    """The platform's root certificate: the trust anchor of every institution key it certified."""
    root = _dcc().platform_root_certificate(session)
    return [root] if root is not None else []


def kind_for(work_kind: str, verdict: str | None) -> str:
    """Which document a record gives: calibration → 校准证书; verification pass → 检定证书, fail →
    检定结果通知书 (《计量检定印、证管理办法》; JJF 1069). An undecided verification gives none."""
    if work_kind == "calibration":
        return "calibration_certificate"
    if verdict == "pass":
        return "verification_certificate"
    if verdict == "fail":
        return "verification_result_notice"
    raise Conflict(
        "the record has no conformity decision (pass or fail); no certificate can be issued", field="verdict"
    )


def conformity_of(kind: str, verdict: str | None) -> str:
    """The conformity a certificate states: pass/fail for verification, none for a calibration certificate
    (ISO/IEC 17025 §7.8.4: a calibration certificate states no conformity unless asked for)."""
    if kind == "calibration_certificate":
        return ""
    return verdict if verdict in ("pass", "fail") else ""


@dataclass
class Artefacts:
    dcc_xml: bytes
    pdf: bytes
    key_id: str = ""  # the institution key that signed the DCC
    dcc_sha256: str = ""
    pdf_sha256: str = ""

    def __post_init__(self) -> None:
        self.dcc_sha256 = sha256(self.dcc_xml)
        self.pdf_sha256 = sha256(self.pdf)


def render_artefacts(session: Session, content: Any, institution_id: int) -> Artefacts:
    """Build the DCC, sign it with the institution's key, validate it against the schema (a certificate
    that fails validation is not issued), and render the PDF."""
    dcc = _dcc()
    unsigned = dcc.build_dcc(content)
    signer = dcc.institution_signer(session, institution_id)
    signed = dcc.sign(unsigned, signer)
    errors = dcc.validate(signed)
    if errors:
        raise InvalidCertificate(
            "the signed DCC does not validate against the DCC schema; nothing was issued",
            field="dcc",
            details=[str(e)[:300] for e in list(errors)[:10]],
        )
    pdf = dcc.certificate_pdf(content)
    return Artefacts(dcc_xml=signed, pdf=pdf, key_id=str(getattr(signer, "key_id", "")))


@dataclass
class Speculation:
    number: str
    content: dict[str, Any]
    artefacts: Artefacts


def _signer_ready(session: Session, institution_id: int) -> bool:
    """The platform root and the institution's key exist (so reading them writes nothing)."""
    from jiliang.dcc.models import SigningKey

    scopes = session.scalars(
        select(SigningKey.scope).where(
            SigningKey.scope.in_(("root", f"org:{institution_id}")), SigningKey.status == "active"
        )
    ).all()
    return set(scopes) == {"root", f"org:{institution_id}"}


def _speculate(
    principal: Principal, record_id: int, now: dt.datetime, base_url: str | None
) -> Speculation | None:
    """Render the artefacts *before* the write transaction, for the number the counter will most likely
    give (last serial + 1). PDF rendering takes long; done inside the transaction it would hold the
    counter's row lock (and on SQLite the database's write lock) all that time. The transaction reuses
    the speculation only when it gets that number and builds identical content with the same key;
    otherwise it renders again under the lock. Never writes; any problem just means no speculation."""
    from jiliang.verification import service as verification_service

    try:
        with read_session() as s:
            approved = verification_service.get_approved_record(s, record_id)
            if not may_issue(principal, approved.institution_id) or not _signer_ready(
                s, approved.institution_id
            ):
                return None
            institution = s.get(Organisation, approved.institution_id)
            if institution is None:
                return None
            kind = kind_for(approved.kind, approved.verdict)
            serial = numbering.last_serial(s, institution.id, now.year) + 1
            number = numbering.format_number(
                numbering.institution_code(institution.credit_code), now.year, serial
            )
            content = _content_from_record(
                s, approved, number=number, revision=0, kind=kind, issued_on=now.date(), base_url=base_url
            )
            art = render_artefacts(s, content, institution.id)
            s.rollback()
            return Speculation(number=number, content=content.to_dict(), artefacts=art)
    except DomainError:
        return None


# ----------------------------------------------------------------------------------------------------
# issuing
# ----------------------------------------------------------------------------------------------------
def _procedure_info(code: str) -> tuple[str, str, dict[str, tuple[str, str]]]:
    """(regulation designation, title, {environment name: (label, unit)}) of a machine-readable procedure."""
    try:
        from jiliang.core.verification.procedures import get_procedure

        proc = get_procedure(code)
    except Exception:  # an unknown or retired procedure code: print the code as recorded
        return code, "", {}
    reg = dict(proc.data.get("regulation") or {})
    env = {
        str(e.get("name")): (str(e.get("label_zh") or e.get("name")), str(e.get("unit") or ""))
        for e in proc.data.get("environment") or ()
    }
    return str(reg.get("designation") or code), str(reg.get("title_zh") or ""), env


_ENV_UNITS = {"temperature": "°C", "humidity": "%", "relative_humidity": "%", "pressure": "kPa"}
_RESULT_LISTS = ("points", "results", "rows", "test_points", "checks")
_KEYS = {
    "nominal": ("nominal", "test_point", "reference", "load", "point", "nominal_value"),
    "measured": ("mean", "measured", "indication", "reading", "measured_value"),
    "error": ("error", "indication_error", "max_error"),
    "mpe": ("mpe", "mpe_abs", "max_permissible_error"),
    "expanded_uncertainty": ("expanded_uncertainty", "U", "uncertainty"),
    "coverage_factor": ("coverage_factor", "k"),
}


def _number(value: Any) -> Any:
    if isinstance(value, dict):  # {"value": .., "unit": ..}
        value = value.get("value")
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | str):
        return value
    return None


def _pick(row: dict[str, Any], names: tuple[str, ...]) -> Any:
    for n in names:
        if n in row and _number(row[n]) is not None:
            return _number(row[n])
    return None


def _decision(row: dict[str, Any]) -> str | None:
    for key in ("decision", "verdict", "result", "conformity"):
        v = row.get(key)
        if v in ("pass", "fail"):
            return str(v)
    if isinstance(row.get("conforms"), bool):
        return "pass" if row["conforms"] else "fail"
    if isinstance(row.get("passed"), bool):
        return "pass" if row["passed"] else "fail"
    return None


def result_rows(evaluation: dict[str, Any], default_quantity: str, default_unit: str) -> list[dict[str, Any]]:
    """The result rows of a record's evaluation (``jiliang.core.verification``), as certificate rows."""
    rows: list[dict[str, Any]] = []
    items: list[Any] = []
    for key in _RESULT_LISTS:
        if isinstance(evaluation.get(key), list):
            items = list(evaluation[key])
            break
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict):
            continue
        values = {name: _pick(item, keys) for name, keys in _KEYS.items()}
        if values["nominal"] is None and values["measured"] is None and values["error"] is None:
            continue
        if values["expanded_uncertainty"] is not None and values["coverage_factor"] is None:
            values["coverage_factor"] = 2
        if values["mpe"] is not None:
            try:
                values["mpe"] = abs(float(values["mpe"]))
            except (TypeError, ValueError):
                values["mpe"] = None
        label = item.get("label_zh") or item.get("label") or item.get("name") or f"{default_quantity} {i}"
        rows.append(
            {
                "quantity": str(label),
                "unit": str(item.get("error_unit") or item.get("unit") or default_unit or "1"),
                **values,
                "decision": _decision(item),
            }
        )
    return rows


def _failed_reasons(evaluation: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    """Why a verification failed (printed on the 检定结果通知书): the failed test points, else the
    evaluation's own reasons."""
    reasons = []
    for r in rows:
        if r.get("decision") != "fail":
            continue
        if r.get("error") is not None and r.get("mpe") is not None:
            reasons.append(
                f"{r['quantity']}：示值误差 {r['error']} {r['unit']} 超出最大允许误差 ±{r['mpe']} {r['unit']}"
            )
        else:
            reasons.append(f"{r['quantity']}：不合格")
    if not reasons:
        reasons = [str(x) for x in evaluation.get("reasons") or [] if str(x).strip()]
    return reasons or ["检定结果不符合检定规程的要求"]


def _valid_until(session: Session, approved: Any) -> dt.date | None:
    """The next verification date of a passed verification, by the catalogue rule of the register
    (``jiliang.core.duedates`` through ``instruments.service.due_date``)."""
    code = approved.catalogue_code
    if not code and approved.instrument_id:
        inst = session.get(Instrument, approved.instrument_id)
        code = inst.catalogue_code if inst else None
    item = session.get(CatalogueItem, code) if code else None
    if item is None:
        return None
    first = approved.performed_on
    if approved.instrument_id:
        inst = session.get(Instrument, approved.instrument_id)
        if inst is not None and inst.first_verified_on:
            first = inst.first_verified_on
    return instrument_service.due_date(item, first, approved.performed_on)


def _content_from_record(
    session: Session,
    approved: Any,
    *,
    number: str,
    revision: int,
    kind: str,
    issued_on: dt.date,
    base_url: str | None,
    supersedes: Any = None,
) -> Any:
    """The certificate content (``jiliang.dcc.content.CertificateContent``) of an approved record."""
    from jiliang.dcc.content import CertificateContent
    from jiliang.dcc.errors import CertificateContentError

    institution = session.get(Organisation, approved.institution_id)
    assert institution is not None
    designation, title, env_info = _procedure_info(approved.procedure_code)
    instrument = dict(approved.instrument or {})
    catalogue_name = ""
    if approved.catalogue_code:
        item = session.get(CatalogueItem, approved.catalogue_code)
        catalogue_name = (item.name_l2 or item.name_l1) if item else ""
    evaluation = dict(approved.evaluation or {})
    quantity = str(evaluation.get("quantity_zh") or evaluation.get("quantity") or "示值")
    unit = str(evaluation.get("unit") or instrument.get("params", {}).get("unit") or "1")
    rows = result_rows(evaluation, quantity, unit)
    environment = []
    env = (approved.document or {}).get("environment") or {}
    if isinstance(env, dict):
        for name, value in env.items():
            label, env_unit = env_info.get(str(name), (str(name), _ENV_UNITS.get(str(name), "")))
            if isinstance(value, dict) and value.get("unit"):
                env_unit = str(value["unit"])
            if env_unit == "%RH":  # relative humidity: the D-SI unit is \percent
                env_unit = "%"
            v = _number(value)
            if v is not None and env_unit:
                environment.append({"name": label, "value": v, "unit": env_unit})
    if not (instrument.get("code") or instrument.get("serial_number")):
        raise InvalidCertificate(
            "a certificate identifies the instrument: the work order has neither an identification code nor "
            "a serial number (出厂编号)",
            field="serial_number",
        )
    verdict = approved.verdict if approved.verdict in ("pass", "fail") else None
    valid_until = None
    if kind == "verification_certificate":
        valid_until = _valid_until(session, approved)
        if valid_until is None:
            raise Conflict(
                "the verification period of this instrument is unknown (catalogue), so the "
                "certificate cannot state its validity",
                field="valid_until",
            )
    signers = [
        {
            "meaning": sg["meaning"],
            "name": sg.get("display_name") or sg["username"],
            "signed_at": sg["signed_at"],
        }
        for sg in approved.signatures
    ]
    standards = [
        {
            "name": st["name"],
            "identifier": st.get("identifier", ""),
            "certificate_no": st.get("certificate_no", ""),
            "valid_until": st.get("valid_until"),
            "uncertainty_or_class": st.get("uncertainty_or_class", ""),
        }
        for st in approved.standards
    ]
    try:
        return CertificateContent.from_dict(
            dict(
                number=number,
                kind=kind,
                issued_on=issued_on,
                performed_on=approved.performed_on,
                revision=revision,
                supersedes=supersedes,
                received_on=approved.received_on,
                valid_until=valid_until,
                institution={
                    "name": institution.name,
                    "credit_code": institution.credit_code,
                    "address": institution.address,
                    "phone": institution.contact_phone,
                },
                customer={"name": approved.customer_name, "address": approved.customer_address},
                instrument={
                    "name": instrument.get("name") or catalogue_name or approved.procedure_code,
                    "catalogue_item": catalogue_name,
                    "manufacturer": instrument.get("maker", ""),
                    "model": instrument.get("model", ""),
                    "serial_number": instrument.get("serial_number", ""),
                    "identification_code": instrument.get("code", ""),
                    "measuring_range": instrument.get("measuring_range", ""),
                    "accuracy_class": instrument.get("accuracy_class")
                    or str((instrument.get("params") or {}).get("accuracy_class") or ""),
                },
                procedure={"code": designation, "title": title},
                results=rows,
                signers=signers,
                environment=environment,
                standards=standards,
                verdict=verdict if kind != "calibration_certificate" else None,
                verdict_reasons=_failed_reasons(evaluation, rows)
                if kind == "verification_result_notice"
                else (),
                public_url=public_url(number, base_url),
            )
        )
    except CertificateContentError as exc:
        raise InvalidCertificate(
            f"the record cannot make a certificate: {exc.message}", field=exc.field
        ) from None


def _notify_owner_unfit(session: Session, inst: Instrument, on: dt.date) -> RecallNotice:
    """A failed verification makes the instrument unfit for use: one notice to its owner (kind
    ``failed_verification``; an existing notice of the same date is turned into it)."""
    notice = session.scalar(
        select(RecallNotice).where(RecallNotice.instrument_id == inst.id, RecallNotice.due_on == on)
    )
    if notice is None:
        notice = RecallNotice(
            instrument_id=inst.id,
            owner_id=inst.owner_id,
            region_code=inst.region_code,
            due_on=on,
            issued_on=on,
            status="open",
            kind="failed_verification",
        )
        session.add(notice)
    else:
        notice.kind, notice.status, notice.issued_on = "failed_verification", "open", on
    session.flush()
    return notice


def _update_register(
    session: Session, principal: Principal, cert: Certificate, instrument_id: int, verdict: str, on: dt.date
) -> dict[str, Any]:
    """A verification certificate or notice updates the register (event, due date, status, tallies)."""
    event = instrument_service.apply_verification(
        session,
        principal=principal,
        instrument_id=instrument_id,
        data=VerificationCreate(verified_on=on, result=verdict, certificate_no=cert.number),
    )
    out: dict[str, Any] = {"verification_event": event.id, "next_due_on": event.next_due_on}
    if verdict == "fail":
        inst = session.get(Instrument, instrument_id)
        assert inst is not None
        notice = _notify_owner_unfit(session, inst, on)
        out["notice"] = notice.id
        audit.record(
            session,
            actor=principal.username,
            action="notify_unfit",
            object_type="recall_notice",
            object_id=notice.id,
            after={
                "instrument_id": inst.id,
                "certificate": cert.number,
                "kind": notice.kind,
                "due_on": notice.due_on,
            },
        )
    return out


def issue_certificate(
    *, principal: Principal, record_id: int, base_url: str | None = None, now: dt.datetime | None = None
) -> Certificate:
    """Issue the certificate of an approved record (see the module docstring). Returns the new row."""
    from jiliang.verification import service as verification_service

    if principal.role != "institution":
        raise Forbidden("only the staff of a verification institution issue certificates")
    if not isinstance(record_id, int) or not 0 < record_id < 2**31:
        raise NotFound(f"record {record_id} not found")
    now = now or utcnow()
    speculation = _speculate(principal, record_id, now, base_url)
    with write_session() as s:
        approved = verification_service.get_approved_record(s, record_id)
        _require_issuer(principal, approved.institution_id)
        existing = s.scalar(
            select(Certificate.number)
            .where(
                or_(Certificate.record_id == record_id, Certificate.work_order_id == approved.work_order_id)
            )
            .limit(1)
        )
        if existing:
            raise Conflict(
                f"this work already has certificate {existing}; a correction is a new revision of it",
                field="record_id",
            )
        institution = s.get(Organisation, approved.institution_id)
        assert institution is not None
        kind = kind_for(approved.kind, approved.verdict)
        year = now.year
        serial = numbering.next_serial(s, institution.id, year)
        number = numbering.format_number(numbering.institution_code(institution.credit_code), year, serial)
        content = _content_from_record(
            s, approved, number=number, revision=0, kind=kind, issued_on=now.date(), base_url=base_url
        )
        art: Artefacts | None = None
        if (
            speculation is not None
            and speculation.number == number
            and speculation.content == content.to_dict()
        ):
            signer = _dcc().institution_signer(s, institution.id)
            if signer.key_id == speculation.artefacts.key_id:
                art = speculation.artefacts
        if art is None:
            art = render_artefacts(s, content, institution.id)
        cert = Certificate(
            number=number,
            revision=0,
            institution_id=institution.id,
            year=year,
            serial=serial,
            kind=kind,
            record_id=record_id,
            work_order_id=approved.work_order_id,
            instrument_id=approved.instrument_id,
            customer_id=approved.customer_id,
            region_code=approved.region_code,
            status="issued",
            conformity=conformity_of(kind, approved.verdict),
            performed_on=content.performed_on,
            valid_until=content.valid_until,
            correction_reason="",
            content=content.to_dict(),
            dcc_xml=art.dcc_xml,
            pdf=art.pdf,
            dcc_sha256=art.dcc_sha256,
            pdf_sha256=art.pdf_sha256,
            issued_at=now,
            issued_by=principal.username,
        )
        s.add(cert)
        s.flush()
        register: dict[str, Any] = {}
        if approved.instrument_id is not None and kind != "calibration_certificate":
            register = _update_register(
                s, principal, cert, approved.instrument_id, approved.verdict, content.performed_on
            )
        verification_service.mark_certificate_issued(s, record_id, cert.id, actor=principal.username)
        audit.record(
            s,
            actor=principal.username,
            action="issue",
            object_type="certificate",
            object_id=cert.id,
            after={**snap(cert), "register": register},
        )
        return cert


def correct_certificate(
    *,
    principal: Principal,
    number: str,
    reason: str,
    record_id: int | None = None,
    base_url: str | None = None,
    now: dt.datetime | None = None,
) -> Certificate:
    """Issue a corrected revision that references and supersedes the current one (ISO/IEC 17025 §7.8.8).

    The content is rebuilt from ``record_id`` (a corrected, approved record revision) or, by default, from
    the record of the current revision. A correction cannot change the conformity decision or the kind of
    document: that is a new verification, not a correction of a certificate.
    """
    from jiliang.dcc.content import Supersedes
    from jiliang.verification import service as verification_service

    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("state the reason for the correction", field="reason")
    if len(reason) > 1000:
        raise DomainError("the reason is longer than 1000 characters", field="reason")
    if principal.role != "institution":
        raise Forbidden("only the staff of a verification institution correct certificates")
    now = now or utcnow()
    with write_session() as s:
        old = _current(s, principal, number)
        _require_issuer(principal, old.institution_id)
        rid = record_id if record_id is not None else old.record_id
        if rid is None or not 0 < rid < 2**31:
            raise DomainError("this certificate has no record to rebuild it from", field="record_id")
        approved = verification_service.get_approved_record(s, rid)
        if approved.work_order_id != old.work_order_id:
            raise DomainError("the record belongs to another work order", field="record_id")
        kind = kind_for(approved.kind, approved.verdict)
        if kind != old.kind or conformity_of(kind, approved.verdict) != old.conformity:
            raise Conflict(
                "a correction cannot change the conformity decision; that needs a new verification",
                field="record_id",
            )
        revision = old.revision + 1
        content = _content_from_record(
            s,
            approved,
            number=old.number,
            revision=revision,
            kind=kind,
            issued_on=now.date(),
            base_url=base_url,
            supersedes=Supersedes(
                number=old.number, revision=old.revision, reason=reason, type_of_change="substituted"
            ),
        )
        art = render_artefacts(s, content, old.institution_id)
        before_old = snap(old)
        cert = Certificate(
            number=old.number,
            revision=revision,
            institution_id=old.institution_id,
            year=old.year,
            serial=old.serial,
            kind=kind,
            record_id=rid,
            work_order_id=old.work_order_id,
            instrument_id=old.instrument_id,
            customer_id=old.customer_id,
            region_code=old.region_code,
            supersedes_id=old.id,
            status="issued",
            conformity=old.conformity,
            performed_on=content.performed_on,
            valid_until=content.valid_until,
            correction_reason=reason,
            content=content.to_dict(),
            dcc_xml=art.dcc_xml,
            pdf=art.pdf,
            dcc_sha256=art.dcc_sha256,
            pdf_sha256=art.pdf_sha256,
            issued_at=now,
            issued_by=principal.username,
        )
        s.add(cert)
        s.flush()
        old.status = "superseded"
        old.superseded_by_id = cert.id
        s.flush()
        if rid != old.record_id:
            verification_service.mark_certificate_issued(s, rid, cert.id, actor=principal.username)
        audit.record(
            s,
            actor=principal.username,
            action="supersede",
            object_type="certificate",
            object_id=old.id,
            before=before_old,
            after=snap(old),
        )
        audit.record(
            s,
            actor=principal.username,
            action="issue_revision",
            object_type="certificate",
            object_id=cert.id,
            after=snap(cert),
        )
        return cert


# ----------------------------------------------------------------------------------------------------
# reading
# ----------------------------------------------------------------------------------------------------
def clean_number(number: str) -> str:
    number = (number or "").strip().upper()
    if not number or len(number) > MAX_NUMBER_LENGTH:
        raise NotFound("no certificate with this number")
    return number


def _current(s: Session, principal: Principal, number: str) -> Certificate:
    number = clean_number(number)
    cert = s.scalar(
        select(Certificate).where(Certificate.number == number).order_by(Certificate.revision.desc()).limit(1)
    )
    if cert is None or not can_see_certificate(principal, cert):
        raise NotFound(f"certificate {number} not found")
    return cert


@dataclass
class CertificateView:
    current: Certificate
    shown: Certificate
    revisions: list[Certificate]
    institution_name: str
    customer_name: str
    instrument_code: str
    extras: dict[str, Any] = field(default_factory=dict)


def get_certificate(*, principal: Principal, number: str, revision: int | None = None) -> CertificateView:
    number = clean_number(number)
    with read_session() as s:
        current = _current(s, principal, number)
        revisions = list(
            s.scalars(
                select(Certificate).where(Certificate.number == number).order_by(Certificate.revision)
            ).all()
        )
        shown = current
        if revision is not None:
            shown = next((c for c in revisions if c.revision == revision), None)  # type: ignore[assignment]
            if shown is None:
                raise NotFound(f"certificate {number} has no revision {revision}")
        inst_org = s.get(Organisation, current.institution_id)
        cust = s.get(Organisation, current.customer_id) if current.customer_id else None
        instrument = s.get(Instrument, current.instrument_id) if current.instrument_id else None
        return CertificateView(
            current=current,
            shown=shown,
            revisions=revisions,
            institution_name=inst_org.name if inst_org else "",
            customer_name=cust.name if cust else "",
            instrument_code=instrument.code if instrument else "",
        )


def list_certificates(
    *,
    principal: Principal,
    offset: int = 0,
    limit: int = 50,
    q: str | None = None,
    instrument_id: int | None = None,
    kind: str | None = None,
    status: str | None = None,
) -> tuple[int, Sequence[Certificate]]:
    if principal.is_public:
        raise Forbidden("log in to list certificates")
    stmt = select(Certificate).where(visible_certificates(principal))
    if q:
        stmt = stmt.where(Certificate.number == q.strip().upper())
    if instrument_id:
        stmt = stmt.where(Certificate.instrument_id == instrument_id)
    if kind:
        stmt = stmt.where(Certificate.kind == kind)
    if status:
        stmt = stmt.where(Certificate.status == status)
    with read_session() as s:
        total = s.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = s.scalars(
            stmt.order_by(Certificate.issued_at.desc(), Certificate.id.desc()).offset(offset).limit(limit)
        ).all()
        return int(total), rows


@dataclass
class Artefact:
    number: str
    revision: int
    status: str
    data: bytes
    sha256: str
    media_type: str
    file_name: str


def artefact(
    *, principal: Principal, number: str, what: str, revision: int | None = None, marked: bool = True
) -> Artefact:
    """The stored PDF or signed DCC of a revision (latest by default), its hash re-checked.

    ``marked``: the PDF of a superseded revision comes with a "superseded" notice printed on it when the
    certificate output service supports it; the stored bytes (and their hash) never change.
    """
    if what not in ("pdf", "dcc"):
        raise DomainError("what must be pdf or dcc", field="what")
    view = get_certificate(principal=principal, number=number, revision=revision)
    cert = view.shown
    with read_session() as s:
        row = s.execute(select(Certificate.dcc_xml, Certificate.pdf).where(Certificate.id == cert.id)).one()
    data, stored = (
        (bytes(row.pdf), cert.pdf_sha256) if what == "pdf" else (bytes(row.dcc_xml), cert.dcc_sha256)
    )
    if sha256(data) != stored:
        raise Conflict(f"the stored {what} of certificate {cert.number} does not match its hash", field=what)
    ident = cert.number if cert.revision == 0 else f"{cert.number}-R{cert.revision}"
    if what == "pdf" and marked and cert.status == "superseded":
        data = _superseded_pdf(cert, view.revisions) or data
    return Artefact(
        number=cert.number,
        revision=cert.revision,
        status=cert.status,
        data=data,
        sha256=stored,
        media_type="application/pdf" if what == "pdf" else "application/xml",
        file_name=f"{ident}.{'pdf' if what == 'pdf' else 'xml'}",
    )


def _superseded_pdf(cert: Certificate, revisions: list[Certificate]) -> bytes | None:
    successor = next((c for c in revisions if c.id == cert.superseded_by_id), None)
    try:
        from jiliang.dcc.content import CertificateContent, unique_identifier

        render = _dcc().certificate_pdf
        if "superseded_by" not in inspect.signature(render).parameters or successor is None:
            return None
        content = CertificateContent.from_dict(dict(cert.content))
        return bytes(render(content, superseded_by=unique_identifier(successor.number, successor.revision)))
    except DomainError:
        return None


# ----------------------------------------------------------------------------------------------------
# public verification (the QR target) and the upload check
# ----------------------------------------------------------------------------------------------------
@dataclass
class SignatureStatus:
    status: str  # valid | tampered | invalid | expired | unsigned | unknown
    valid: bool
    message: str = ""
    signer: str = ""
    schema_valid: bool | None = None
    schema_errors: list[str] = field(default_factory=list)
    unique_identifier: str = ""


def check_signature(xml: bytes, at: dt.datetime | None = None) -> SignatureStatus:
    """Schema and signature of a DCC (``jiliang.dcc.check_dcc``) against the platform's trust anchor."""
    with read_session() as s:
        roots = trusted_roots(s)
    result = _dcc().check_dcc(xml, at=at, trusted_roots=roots)
    return _status_of(result)


def _status_of(result: Any) -> SignatureStatus:
    status = str(result.signature)
    return SignatureStatus(
        status=status,
        valid=bool(result.ok),
        message=str(result.signature_detail or ""),
        signer=str(result.signer_subject or ""),
        schema_valid=bool(result.schema_valid) if result.well_formed else None,
        schema_errors=[str(e)[:300] for e in (result.schema_errors or ())][:10],
        unique_identifier=str(result.unique_identifier or ""),
    )


@dataclass
class PublicRevision:
    revision: int
    unique_identifier: str
    status: str
    issued_on: dt.date
    correction_reason: str
    dcc_sha256: str


@dataclass
class PublicCertificate:
    """What anyone may see of a certificate by its number: no customer, no address, no personal names."""

    number: str
    revision: int
    unique_identifier: str
    kind: str
    status: str  # of the latest revision: issued | superseded (never for the latest) ...
    institution: str
    instrument_name: str
    instrument_code: str
    manufacturer: str
    model: str
    serial_number: str
    procedure: str
    performed_on: dt.date
    issued_on: dt.date
    valid_until: dt.date | None
    conformity: str
    dcc_sha256: str
    pdf_sha256: str
    signature: SignatureStatus
    revisions: list[PublicRevision]
    asked_revision: int | None = None


def public_certificate(*, number: str, at: dt.datetime | None = None) -> PublicCertificate:
    """The public summary of the latest revision, its signature re-verified from the stored DCC, and the
    revision history. An unknown number answers the same "not found" whatever the reason."""
    from jiliang.dcc.content import unique_identifier

    try:
        number = clean_number(number)
    except NotFound:
        raise NotFound("no certificate with this number") from None
    with read_session() as s:
        revisions = list(
            s.scalars(
                select(Certificate).where(Certificate.number == number).order_by(Certificate.revision)
            ).all()
        )
        if not revisions:
            raise NotFound("no certificate with this number")
        latest = revisions[-1]
        xml = s.scalar(select(Certificate.dcc_xml).where(Certificate.id == latest.id))
        issuer = s.get(Organisation, latest.institution_id)
    content = dict(latest.content or {})
    instrument = dict(content.get("instrument") or {})
    procedure = dict(content.get("procedure") or {})
    xml_bytes = bytes(xml or b"")
    if sha256(xml_bytes) != latest.dcc_sha256:
        signature = SignatureStatus(
            status="tampered", valid=False, message="the stored DCC does not match the hash recorded at issue"
        )
    else:
        signature = check_signature(xml_bytes, at=at)
    return PublicCertificate(
        number=latest.number,
        revision=latest.revision,
        unique_identifier=unique_identifier(latest.number, latest.revision),
        kind=latest.kind,
        status=latest.status,
        institution=issuer.name if issuer else "",
        instrument_name=str(instrument.get("name", "")),
        instrument_code=str(instrument.get("identification_code", "")),
        manufacturer=str(instrument.get("manufacturer", "")),
        model=str(instrument.get("model", "")),
        serial_number=str(instrument.get("serial_number", "")),
        procedure=" ".join(x for x in (procedure.get("code", ""), procedure.get("title", "")) if x),
        performed_on=latest.performed_on,
        issued_on=latest.issued_at.date(),
        valid_until=latest.valid_until,
        conformity=latest.conformity,
        dcc_sha256=latest.dcc_sha256,
        pdf_sha256=latest.pdf_sha256,
        signature=signature,
        revisions=[
            PublicRevision(
                revision=c.revision,
                unique_identifier=unique_identifier(c.number, c.revision),
                status=c.status,
                issued_on=c.issued_at.date(),
                correction_reason=c.correction_reason,
                dcc_sha256=c.dcc_sha256,
            )
            for c in revisions
        ],
    )


@dataclass
class RegisterMatch:
    status: str  # match | superseded | hash_mismatch | unknown_number | no_identifier
    number: str = ""
    revision: int | None = None
    latest_revision: int | None = None
    message: str = ""


@dataclass
class UploadCheck:
    sha256: str
    size: int
    signature: SignatureStatus
    registry: RegisterMatch
    verdict: str  # genuine | superseded | tampered | not_registered | invalid

    @property
    def genuine(self) -> bool:
        return self.verdict == "genuine"


def _split_identifier(ident: str) -> tuple[str, int]:
    ident = ident.strip()
    if "/R" in ident:
        base, _, rev = ident.rpartition("/R")
        if rev.isdigit():
            return base.upper(), int(rev)
    return ident.upper(), 0


def verify_upload(*, xml: bytes, at: dt.datetime | None = None) -> UploadCheck:
    """Check any DCC file: schema, signature, and whether it matches the register (the number exists,
    the file's SHA-256 equals the stored one, and the revision is not superseded). Stores nothing.

    Hostile or malformed XML raises the dcc service's 4xx error before anything else is read.
    """
    dcc = _dcc()
    if not isinstance(xml, bytes | bytearray):
        raise DomainError("give the DCC XML file", field="file")
    xml = bytes(xml)
    dcc.parse_xml(xml)  # hostile or malformed input → UnsafeXmlError (400) before anything else
    signature = check_signature(xml, at=at)
    digest = sha256(xml)
    registry = RegisterMatch(status="no_identifier", message="the file names no certificate number")
    ident = signature.unique_identifier or _identifier_of(xml)
    if ident:
        number, revision = _split_identifier(ident)
        with read_session() as s:
            rows = (
                s.execute(
                    select(Certificate.revision, Certificate.status, Certificate.dcc_sha256)
                    .where(Certificate.number == number[:MAX_NUMBER_LENGTH])
                    .order_by(Certificate.revision)
                ).all()
                if len(number) <= MAX_NUMBER_LENGTH
                else []
            )
        if not rows:
            registry = RegisterMatch(
                status="unknown_number",
                number=number,
                revision=revision,
                message="no certificate with this number in the register",
            )
        else:
            latest = rows[-1].revision
            same = next((r for r in rows if r.revision == revision), None)
            if same is None or same.dcc_sha256 != digest:
                registry = RegisterMatch(
                    status="hash_mismatch",
                    number=number,
                    revision=revision,
                    latest_revision=latest,
                    message="the file differs from the certificate issued under this number",
                )
            elif same.status == "superseded":
                registry = RegisterMatch(
                    status="superseded",
                    number=number,
                    revision=revision,
                    latest_revision=latest,
                    message="this revision has been superseded by a later one",
                )
            else:
                registry = RegisterMatch(
                    status="match",
                    number=number,
                    revision=revision,
                    latest_revision=latest,
                    message="the file is the certificate issued under this number",
                )
    if signature.status == "tampered" or registry.status == "hash_mismatch":
        verdict = "tampered"
    elif registry.status in ("unknown_number", "no_identifier"):
        verdict = "not_registered"
    elif not signature.valid:
        verdict = "invalid"
    elif registry.status == "superseded":
        verdict = "superseded"
    else:
        verdict = "genuine"
    return UploadCheck(sha256=digest, size=len(xml), signature=signature, registry=registry, verdict=verdict)


def _identifier_of(xml: bytes) -> str:
    """``coreData/uniqueIdentifier`` of a DCC (safely parsed), or ""."""
    from jiliang.dcc.safe import parse_xml

    tree = parse_xml(xml)
    for el in tree.getroot().iter():
        if isinstance(el.tag, str) and el.tag.endswith("}uniqueIdentifier"):
            return (el.text or "").strip()[:200]
    return ""


# ----------------------------------------------------------------------------------------------------
# import of a DCC from another laboratory
# ----------------------------------------------------------------------------------------------------
def _may_import(principal: Principal, inst: Instrument) -> bool:
    """Owners import for their own instruments, institutions for the instruments they serve (their region,
    the same scope in which they verify), administrators for any."""
    if principal.role == "admin":
        return True
    if principal.role == "enterprise":
        return principal.organisation_id == inst.owner_id
    if principal.role == "institution":
        return can_see(principal, inst)
    return False


def _plain(value: Any) -> Any:
    return audit.jsonable(value)


def import_external(
    *, principal: Principal, instrument_id: int, xml: bytes, at: dt.datetime | None = None
) -> ExternalCalibration:
    """Parse a DCC XML of another laboratory (safely: no DOCTYPE, no entities, no network) into an external
    calibration entry of an instrument. The file is kept as received, with its hash, schema and signature
    status. The same file imported twice for one instrument is a conflict."""
    if principal.is_public:
        raise Forbidden("log in to import a certificate")
    if principal.role not in ("enterprise", "institution", "admin"):
        raise Forbidden("only the owner of the instrument or an institution serving it imports certificates")
    if not isinstance(xml, bytes | bytearray) or not xml:
        raise DomainError("give the DCC XML file", field="file")
    xml = bytes(xml)
    dcc = _dcc()
    imported = dcc.parse_dcc(xml)  # hostile / malformed / not a DCC → 4xx, nothing written
    signature = check_signature(xml, at=at)
    digest = sha256(xml)
    with write_session() as s:
        inst = get_visible(s, principal, Instrument, instrument_id, "instrument")
        if not _may_import(principal, inst):
            raise Forbidden("you may not import certificates for this instrument", field="instrument_id")
        if s.scalar(
            select(ExternalCalibration.id).where(
                ExternalCalibration.instrument_id == inst.id, ExternalCalibration.dcc_sha256 == digest
            )
        ):
            raise Conflict("this certificate file is already imported for this instrument", field="file")
        summary = _plain(
            imported.to_dict() if hasattr(imported, "to_dict") else getattr(imported, "__dict__", {})
        )
        row = ExternalCalibration(
            instrument_id=inst.id,
            owner_id=inst.owner_id,
            region_code=inst.region_code,
            laboratory=str(_first(imported, "laboratory", "laboratory_name", "issuer") or "")[:300],
            certificate_id=str(_first(imported, "unique_identifier", "certificate_id") or "")[:200],
            performed_on=_as_date(
                _first(imported, "performed_on", "begin_performance_date", "calibration_date")
            ),
            issued_on=_as_date(_first(imported, "issued_on", "issue_date")),
            summary=summary,
            schema_valid=""
            if signature.schema_valid is None
            else ("yes" if signature.schema_valid else "no"),
            signature_status=signature.status[:30],
            dcc_sha256=digest,
            dcc_xml=xml,
            imported_by=principal.username,
        )
        s.add(row)
        s.flush()
        audit.record(
            s,
            actor=principal.username,
            action="import_dcc",
            object_type="external_calibration",
            object_id=row.id,
            after={
                "instrument_id": inst.id,
                "laboratory": row.laboratory,
                "certificate_id": row.certificate_id,
                "dcc_sha256": digest,
                "signature_status": row.signature_status,
            },
        )
        return row


def _first(obj: Any, *names: str) -> Any:
    for name in names:
        value = getattr(obj, name, None)
        if value not in (None, ""):
            return value
    return None


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def list_external(*, principal: Principal, instrument_id: int | None = None) -> Sequence[ExternalCalibration]:
    if principal.is_public:
        raise Forbidden("log in to see imported certificates")
    stmt = select(ExternalCalibration).where(visible(principal, ExternalCalibration))
    if instrument_id:
        stmt = stmt.where(ExternalCalibration.instrument_id == instrument_id)
    with read_session() as s:
        return s.scalars(stmt.order_by(ExternalCalibration.imported_at.desc()).limit(500)).all()


def get_external(*, principal: Principal, external_id: int) -> ExternalCalibration:
    with read_session() as s:
        row: ExternalCalibration = get_visible(
            s, principal, ExternalCalibration, external_id, "imported certificate"
        )
        return row


# ----------------------------------------------------------------------------------------------------
# what the pages offer
# ----------------------------------------------------------------------------------------------------
def may_issue(principal: Principal, institution_id: int | None = None) -> bool:
    """Whether the principal may issue (or correct) certificates (of ``institution_id``)."""
    if principal.role != "institution" or "approver" not in principal.duties:
        return False
    return institution_id is None or principal.organisation_id == institution_id


@dataclass
class Awaiting:
    record_id: int
    revision: int
    work_order_id: int
    order_no: str
    work_kind: str
    instrument_name: str
    instrument_code: str
    verdict: str
    performed_on: dt.date
    kind: str


def awaiting_certificates(*, principal: Principal, limit: int = 100) -> list[Awaiting]:
    """Approved records of the principal's institution that have no certificate yet."""
    from jiliang.verification.models import VerificationRecord, WorkOrder

    if not may_issue(principal):
        return []
    has_cert = (
        select(Certificate.id).where(Certificate.work_order_id == VerificationRecord.work_order_id).exists()
    )
    stmt = (
        select(VerificationRecord, WorkOrder)
        .join(WorkOrder, WorkOrder.id == VerificationRecord.work_order_id)
        .where(
            VerificationRecord.institution_id == principal.organisation_id,
            VerificationRecord.status == "approved",
            ~has_cert,
        )
        .order_by(VerificationRecord.performed_on.desc(), VerificationRecord.id.desc())
        .limit(limit)
    )
    out = []
    with read_session() as s:
        for rec, wo in s.execute(stmt).all():
            try:
                kind = kind_for(wo.kind, rec.verdict)
            except Conflict:
                kind = ""
            out.append(
                Awaiting(
                    record_id=rec.id,
                    revision=rec.revision,
                    work_order_id=wo.id,
                    order_no=wo.order_no,
                    work_kind=wo.kind,
                    instrument_name=wo.instrument_name,
                    instrument_code=wo.instrument_code,
                    verdict=rec.verdict,
                    performed_on=rec.performed_on,
                    kind=kind,
                )
            )
    return out
