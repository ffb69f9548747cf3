"""HTML pages of certificates: list, detail with revisions, issuing and correcting, the public QR page, the
public upload check, and the import of a DCC from another laboratory."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from jiliang.certificates import service
from jiliang.certificates.api import base_of, read_xml
from jiliang.platform.access import Principal
from jiliang.platform.errors import DomainError, Forbidden
from jiliang.platform.web import check_csrf, current_principal, localized, login_required, redirect
from jiliang.platform.web import render as _render

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def N_(message: str) -> str:
    """Mark a msgid for extraction; it is translated where it is shown (``_(x)`` in the templates)."""
    return message


LABELS = (
    N_("verification_certificate"),
    N_("verification_result_notice"),
    N_("calibration_certificate"),
    N_("issued"),
    N_("superseded"),
    N_("genuine"),
    N_("tampered"),
    N_("not_registered"),
    N_("invalid"),
    N_("valid"),
    N_("expired"),
    N_("unsigned"),
    N_("match"),
    N_("hash_mismatch"),
    N_("unknown_number"),
    N_("no_identifier"),
    N_("failed_verification"),
    N_("untrusted"),
    # messages of the upload check and the public page, shown through _()
    N_("the file is the certificate issued under this number"),
    N_("this revision has been superseded by a later one"),
    N_("the file differs from the certificate issued under this number"),
    N_("no certificate with this number in the register"),
    N_("the file names no certificate number"),
    N_("the stored DCC does not match the hash recorded at issue"),
)


def kind_title(kind: str) -> str:
    """The document's title: 检定证书 / 检定结果通知书 / 校准证书 (English on English pages)."""
    from jiliang.dcc.content import KIND_TITLES_EN, KIND_TITLES_ZH

    return localized(KIND_TITLES_ZH.get(kind, kind), KIND_TITLES_EN.get(kind))


def signer_name(subject: str | None) -> str:
    """The common name (CN) of an X.509 subject such as ``2.5.4.5=9133…,CN=某计量院``, else the subject."""
    if not subject:
        return ""
    for part in subject.split(","):
        key, _, value = part.strip().partition("=")
        if key == "CN" and value:
            return value
    return subject


def person_name(username: str | None) -> str:
    """The display name of a user (``platform.models.User.display_name``), else the username."""
    if not username:
        return "—"
    from sqlalchemy import select

    from jiliang.platform.db import read_session
    from jiliang.platform.models import User

    with read_session() as s:
        name = s.scalar(select(User.display_name).where(User.username == username))
    return str(name) if name else username


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    return _render(
        request, template, status_code=status_code, kind_title=kind_title, signer_name=signer_name, **context
    )


def _error(exc: DomainError) -> dict[str, Any]:
    return {"message": exc.message, "field": exc.field, "status": exc.status_code}


def _form_text(form: Any, name: str, limit: int = 1000) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def _int_or_none(text: str, field: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) < 2**31:
        raise service.InvalidCertificate(f"{text!r} is not a valid id", field=field)
    return int(text)


# ----------------------------------------------------------------------------------------------------
# logged in
# ----------------------------------------------------------------------------------------------------
@router.get("/certificates")
def list_page(
    request: Request,
    offset: int = Query(0, ge=0, le=10**9),
    q: str | None = Query(None, max_length=40),
    principal: Principal = Depends(login_required),
) -> Response:
    limit = 50
    total, rows = service.list_certificates(principal=principal, offset=offset, limit=limit, q=q)
    awaiting = service.awaiting_certificates(principal=principal)
    return render(
        request,
        "certificates/list.html",
        rows=rows,
        total=total,
        offset=offset,
        limit=limit,
        q=q or "",
        awaiting=awaiting,
        can_issue=service.may_issue(principal),
    )


@router.post("/certificates/issue")
async def issue_page(request: Request, principal: Principal = Depends(login_required)) -> Response:
    form = await request.form(max_fields=10)
    record_id = _int_or_none(_form_text(form, "record_id", 12), "record_id")
    if record_id is None:
        raise service.InvalidCertificate("choose an approved record", field="record_id")
    cert = service.issue_certificate(principal=principal, record_id=record_id, base_url=base_of(request))
    return redirect(f"/certificates/{cert.number}")


@router.get("/certificates/import")
def import_form(
    request: Request,
    instrument_id: int | None = Query(None, ge=1, le=2**31 - 1),
    principal: Principal = Depends(login_required),
) -> Response:
    if principal.role not in ("enterprise", "institution", "admin"):
        raise Forbidden("only the owner of the instrument or an institution serving it imports certificates")
    rows = service.list_external(principal=principal, instrument_id=instrument_id)
    return render(
        request,
        "certificates/import.html",
        rows=rows,
        instrument_id=instrument_id or "",
        error=None,
        imported=None,
    )


@router.post("/certificates/import")
async def import_post(request: Request, principal: Principal = Depends(login_required)) -> Response:
    instrument_id = ""
    try:
        data, fields = await read_xml(request, extra_fields=("instrument_id",))
        instrument_id = fields.get("instrument_id", "")
        iid = _int_or_none(instrument_id, "instrument_id")
        if iid is None:
            raise service.InvalidCertificate("give the instrument's id", field="instrument_id")
        row = service.import_external(principal=principal, instrument_id=iid, xml=data)
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        rows = service.list_external(principal=principal)
        return render(
            request,
            "certificates/import.html",
            status_code=exc.status_code,
            rows=rows,
            instrument_id=instrument_id,
            error=_error(exc),
            imported=None,
        )
    rows = service.list_external(principal=principal, instrument_id=row.instrument_id)
    return render(
        request,
        "certificates/import.html",
        rows=rows,
        instrument_id=row.instrument_id,
        error=None,
        imported=row,
    )


@router.get("/certificates/{number}")
def detail_page(
    request: Request,
    number: str,
    revision: int | None = Query(None, ge=0, le=10_000),
    principal: Principal = Depends(login_required),
) -> Response:
    view = service.get_certificate(principal=principal, number=number, revision=revision)
    return render(
        request,
        "certificates/detail.html",
        view=view,
        cert=view.shown,
        content=view.shown.content,
        can_correct=service.may_issue(principal, view.current.institution_id),
        issued_by_name=person_name(view.shown.issued_by),
        error=None,
    )


@router.post("/certificates/{number}/correct")
async def correct_page(
    request: Request, number: str, principal: Principal = Depends(login_required)
) -> Response:
    form = await request.form(max_fields=10)
    try:
        cert = service.correct_certificate(
            principal=principal,
            number=number,
            reason=_form_text(form, "reason"),
            record_id=_int_or_none(_form_text(form, "record_id", 12), "record_id"),
            base_url=base_of(request),
        )
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        view = service.get_certificate(principal=principal, number=number)
        return render(
            request,
            "certificates/detail.html",
            status_code=exc.status_code,
            view=view,
            cert=view.shown,
            content=view.shown.content,
            can_correct=True,
            issued_by_name=person_name(view.shown.issued_by),
            error=_error(exc),
        )
    return redirect(f"/certificates/{cert.number}")


# ----------------------------------------------------------------------------------------------------
# public
# ----------------------------------------------------------------------------------------------------
@router.get("/public/certificates/verify")
def verify_form(request: Request) -> Response:
    return render(request, "certificates/verify.html", result=None, error=None)


@router.post("/public/certificates/verify")
async def verify_post(request: Request) -> Response:
    current_principal(request)
    try:
        data, _ = await read_xml(request)
        result = service.verify_upload(xml=data)
    except DomainError as exc:
        return render(
            request, "certificates/verify.html", status_code=exc.status_code, result=None, error=_error(exc)
        )
    return render(request, "certificates/verify.html", result=result, error=None)


@router.get("/public/certificates/{number}")
def public_page(request: Request, number: str) -> Response:
    info = service.public_certificate(number=number)
    return render(request, "certificates/public.html", info=info)
