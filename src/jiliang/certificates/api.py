"""JSON API of certificates under /api/v1: issue, correct, read, download, public verification, import."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile

from jiliang.certificates import service
from jiliang.certificates.schemas import (
    MAX_XML_UPLOAD,
    CertificateCorrect,
    CertificateDetail,
    CertificateIssue,
    CertificatePage,
    CertificatePublic,
    ExternalCalibrationOut,
    PublicCertificateOut,
    UploadCheckOut,
)
from jiliang.platform.access import Principal
from jiliang.platform.errors import DomainError
from jiliang.platform.web import check_csrf, current_principal, login_required

router = APIRouter(prefix="/api/v1", tags=["certificates"], dependencies=[Depends(check_csrf)])

NUMBER = r"^[A-Za-z0-9][A-Za-z0-9\-]{0,39}$"

_XML_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/xml": {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "DCC XML, ≤ 20 MB"}
                    },
                }
            },
        },
    }
}


class InvalidInput(DomainError):
    status_code = 422
    code = "invalid_input"


async def read_xml(request: Request, *, extra_fields: tuple[str, ...] = ()) -> tuple[bytes, dict[str, str]]:
    """The XML of a multipart upload (field ``file``) or of a raw XML body, size-bounded; plus form fields."""
    ctype = request.headers.get("content-type", "").lower()
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_XML_UPLOAD + 1024 * 1024:
        raise InvalidInput(f"the file is larger than {MAX_XML_UPLOAD // (1024 * 1024)} MB", field="file")
    fields: dict[str, str] = {}
    if ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        try:
            form = await request.form(max_files=1, max_fields=10)
        except Exception as exc:  # the multipart parser's errors (malformed body, too many parts)
            raise InvalidInput(f"unreadable multipart body ({type(exc).__name__})", field="body") from None
        for name in extra_fields:
            value = form.get(name)
            if isinstance(value, str):
                fields[name] = value.strip()[:100]
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("give a DCC XML file (field 'file')", field="file")
        data = await upload.read(MAX_XML_UPLOAD + 1)
    elif "json" in ctype:
        raise InvalidInput("send the XML file itself (application/xml) or a multipart upload", field="body")
    else:
        data = await request.body()
    if len(data) > MAX_XML_UPLOAD:
        raise InvalidInput(f"the file is larger than {MAX_XML_UPLOAD // (1024 * 1024)} MB", field="file")
    if not data.strip():
        raise InvalidInput("the file is empty", field="file")
    return data, fields


async def read_json(request: Request, model: type[BaseModel]) -> Any:
    raw = await request.body()
    if len(raw) > 64 * 1024:
        raise InvalidInput("the request body is too large", field="body")
    try:
        body = json.loads(raw or b"null")
    except (ValueError, RecursionError):
        raise InvalidInput("the body must be a JSON object", field="body") from None
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", field="body")
    try:
        return model.model_validate(body)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "body"
        raise InvalidInput(
            f"{where}: {first.get('msg', 'invalid')}",
            field=where,
            details=[
                {"field": ".".join(str(p) for p in x.get("loc", ())), "reason": x.get("msg", "")}
                for x in e.errors()[:20]
            ],
        ) from None


def detail_of(view: service.CertificateView) -> CertificateDetail:
    shown = view.shown
    return CertificateDetail(
        **CertificatePublic.model_validate(shown).model_dump(),
        institution_name=view.institution_name,
        customer_name=view.customer_name,
        instrument_code=view.instrument_code,
        content=dict(shown.content or {}),
        revisions=[CertificatePublic.model_validate(c) for c in view.revisions],
    )


def base_of(request: Request) -> str:
    return str(request.base_url).rstrip("/")


# ----------------------------------------------------------------------------------------------------
# logged in
# ----------------------------------------------------------------------------------------------------
@router.get("/certificates", response_model=CertificatePage)
def list_certificates(
    offset: int = Query(0, ge=0, le=10**9),
    limit: int = Query(50, ge=1, le=500),
    q: str | None = Query(None, max_length=40),
    instrument_id: int | None = Query(None, ge=1, le=2**31 - 1),
    kind: str | None = Query(
        None, pattern="^(verification_certificate|verification_result_notice|calibration_certificate)$"
    ),
    status: str | None = Query(None, pattern="^(issued|superseded)$"),
    principal: Principal = Depends(login_required),
) -> CertificatePage:
    total, rows = service.list_certificates(
        principal=principal,
        offset=offset,
        limit=limit,
        q=q,
        instrument_id=instrument_id,
        kind=kind,
        status=status,
    )
    return CertificatePage(
        total=total, offset=offset, limit=limit, items=[CertificatePublic.model_validate(r) for r in rows]
    )


@router.post(
    "/certificates",
    response_model=CertificateDetail,
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": CertificateIssue.model_json_schema()}},
        }
    },
    summary="Issue the certificate of an approved record (institution approver)",
)
async def issue(request: Request, principal: Principal = Depends(login_required)) -> CertificateDetail:
    data: CertificateIssue = await read_json(request, CertificateIssue)
    cert = service.issue_certificate(principal=principal, record_id=data.record_id, base_url=base_of(request))
    return detail_of(service.get_certificate(principal=principal, number=cert.number))


@router.get("/certificates/{number}", response_model=CertificateDetail)
def show(
    number: str,
    revision: int | None = Query(None, ge=0, le=10_000),
    principal: Principal = Depends(login_required),
) -> CertificateDetail:
    return detail_of(service.get_certificate(principal=principal, number=number, revision=revision))


@router.post(
    "/certificates/{number}/revisions",
    response_model=CertificateDetail,
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": CertificateCorrect.model_json_schema()}},
        }
    },
    summary="Issue a corrected revision that supersedes the current one",
)
async def correct(
    number: str, request: Request, principal: Principal = Depends(login_required)
) -> CertificateDetail:
    data: CertificateCorrect = await read_json(request, CertificateCorrect)
    cert = service.correct_certificate(
        principal=principal,
        number=number,
        reason=data.reason,
        record_id=data.record_id,
        base_url=base_of(request),
    )
    return detail_of(service.get_certificate(principal=principal, number=cert.number))


def _download(art: service.Artefact) -> Response:
    return Response(
        art.data,
        media_type=art.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{art.file_name}"',
            "X-Certificate-Status": art.status,
            "X-Certificate-Revision": str(art.revision),
            "X-Content-SHA256": art.sha256,
        },
    )


@router.get("/certificates/{number}/pdf", response_class=Response)
def pdf(
    number: str,
    revision: int | None = Query(None, ge=0, le=10_000),
    principal: Principal = Depends(login_required),
) -> Response:
    return _download(service.artefact(principal=principal, number=number, what="pdf", revision=revision))


@router.get("/certificates/{number}/dcc", response_class=Response)
def dcc(
    number: str,
    revision: int | None = Query(None, ge=0, le=10_000),
    principal: Principal = Depends(login_required),
) -> Response:
    return _download(service.artefact(principal=principal, number=number, what="dcc", revision=revision))


@router.post(
    "/certificates/import",
    response_model=ExternalCalibrationOut,
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file", "instrument_id"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "instrument_id": {"type": "integer"},
                        },
                    }
                }
            },
        }
    },
    summary="Import a DCC XML of another laboratory as an external calibration of an instrument",
)
async def import_dcc(
    request: Request, principal: Principal = Depends(login_required)
) -> ExternalCalibrationOut:
    data, fields = await read_xml(request, extra_fields=("instrument_id",))
    raw = fields.get("instrument_id") or request.query_params.get("instrument_id", "")
    if not raw.isdigit() or not 0 < int(raw) < 2**31:
        raise InvalidInput("give the instrument's id (a positive integer)", field="instrument_id")
    row = service.import_external(principal=principal, instrument_id=int(raw), xml=data)
    return ExternalCalibrationOut.model_validate(row)


@router.get("/external-calibrations", response_model=list[ExternalCalibrationOut])
def external_list(
    instrument_id: int | None = Query(None, ge=1, le=2**31 - 1),
    principal: Principal = Depends(login_required),
) -> list[ExternalCalibrationOut]:
    rows = service.list_external(principal=principal, instrument_id=instrument_id)
    return [ExternalCalibrationOut.model_validate(r) for r in rows]


@router.get("/external-calibrations/{external_id}", response_model=ExternalCalibrationOut)
def external_show(external_id: int, principal: Principal = Depends(login_required)) -> ExternalCalibrationOut:
    return ExternalCalibrationOut.model_validate(
        service.get_external(principal=principal, external_id=external_id)
    )


# ----------------------------------------------------------------------------------------------------
# public
# ----------------------------------------------------------------------------------------------------
@router.get(
    "/public/certificates/{number}",
    response_model=PublicCertificateOut,
    tags=["public"],
    summary="The public summary of a certificate (the QR target): status, signature, revisions",
)
def public_show(number: str) -> PublicCertificateOut:
    return PublicCertificateOut.model_validate(service.public_certificate(number=number))


@router.post(
    "/public/dcc/verify",
    response_model=UploadCheckOut,
    tags=["public"],
    openapi_extra=_XML_BODY,
    summary="Check any DCC XML file: schema, signature and whether it matches the register",
)
async def public_verify(request: Request) -> UploadCheckOut:
    current_principal(request)  # a bad token is still a 401
    data, _ = await read_xml(request)
    result = service.verify_upload(xml=data)
    return UploadCheckOut.model_validate(result)
