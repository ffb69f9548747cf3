"""JSON API under /api/v1: unit tools (public, store nothing) and unit-usage special inspections."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile

from jiliang.platform.access import Principal
from jiliang.platform.web import check_csrf, login_required
from jiliang.unit_inspections import reader, service
from jiliang.unit_inspections.schemas import (
    MAX_CHECK_BYTES,
    CheckIn,
    CheckOut,
    ConversionOut,
    DocumentCreate,
    DocumentDetail,
    DocumentPublic,
    FindingOut,
    FollowUpPublic,
    FollowUpUpdate,
    InspectionCreate,
    InspectionDetail,
    InspectionPublic,
    InspectionUpdate,
    PublicInspectionHeader,
    PublicInspectionResult,
    StoredFinding,
    UnitOut,
)
from jiliang.unit_inspections.service import InvalidInput

router = APIRouter(prefix="/api/v1", tags=["units"], dependencies=[Depends(check_csrf)])

_TEXT_OR_FILE = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": CheckIn.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": ".txt, .csv or .xlsx, ≤ 10 MB",
                        },
                        "encoding": {"type": "string", "default": "utf-8", "maxLength": 40},
                        "include_exempt": {"type": "boolean", "default": False},
                    },
                }
            },
        },
    }
}


async def read_body(request: Request) -> tuple[str, Any]:
    """A JSON object or a multipart form (size-bounded); anything else is a 422 naming the body."""
    ctype = request.headers.get("content-type", "").lower()
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_CHECK_BYTES + 1024 * 1024:
        raise InvalidInput(f"the request is larger than {MAX_CHECK_BYTES // (1024 * 1024)} MB", field="body")
    if ctype.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        try:
            form = await request.form(max_files=1, max_fields=20)
        except Exception as e:  # the multipart parser's errors (malformed body, too many parts)
            raise InvalidInput(f"unreadable multipart body ({type(e).__name__})", field="body") from None
        return "form", form
    raw = await request.body()
    if len(raw) > MAX_CHECK_BYTES * 4 + 1024 * 1024:  # JSON escapes may quadruple the text
        raise InvalidInput(f"the request is larger than {MAX_CHECK_BYTES // (1024 * 1024)} MB", field="body")
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidInput(
            "the body is neither JSON nor a multipart form with a file", field="body"
        ) from None
    if not isinstance(body, dict):
        raise InvalidInput("the JSON body must be an object", field="body")
    return "json", body


def _validate(model: type[BaseModel], body: Any) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "body"
        raise InvalidInput(
            f"{field}: {first.get('msg', 'invalid')}",
            field=field,
            details=[
                {"field": ".".join(str(p) for p in x.get("loc", ())), "reason": x.get("msg", "")}
                for x in e.errors()[:20]
            ],
        ) from None


async def read_form_file(form: Any) -> tuple[bytes, str]:
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InvalidInput("give a file (a .txt, .csv or .xlsx upload)", field="file")
    data = await upload.read(MAX_CHECK_BYTES + 1)
    return data, upload.filename or "upload.txt"


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "on", "yes")


def finding_rows(found: list[reader.Located]) -> list[FindingOut]:
    return [FindingOut.model_validate(loc.as_dict()) for loc in found]


# ----------------------------------------------------------------------------------------------------
# public tools
# ----------------------------------------------------------------------------------------------------
@router.get("/units/convert", response_model=ConversionOut, summary="Convert a value between units (public)")
def convert(
    value: float = Query(..., allow_inf_nan=False),
    from_: str = Query(..., alias="from", min_length=1, max_length=200),
    to: str = Query(..., min_length=1, max_length=200),
    equivalence: list[str] = Query(
        default=[], max_length=4, description="angle, revolution, revolution_angle or kind (repeatable)"
    ),
) -> ConversionOut:
    return service.convert_value(value=value, source=from_, target=to, equivalences=equivalence)


@router.post(
    "/units/check",
    response_model=CheckOut,
    openapi_extra=_TEXT_OR_FILE,
    summary="Check a text (JSON) or a .txt/.csv/.xlsx file (multipart) for non-legal units (public)",
)
async def check(request: Request) -> CheckOut:
    kind, body = await read_body(request)
    include_exempt = False
    exemptions = None
    if kind == "form":
        data, name = await read_form_file(body)
        include_exempt = _flag(body.get("include_exempt", ""))
        doc = service.read_upload(data, file_name=name, encoding=str(body.get("encoding") or "utf-8"))
    else:
        payload: CheckIn = _validate(CheckIn, body)
        include_exempt, exemptions = payload.include_exempt, payload.exemptions
        doc = service.read_text(payload.text)
    found = service.check_document(doc, exemptions=exemptions, include_exempt=include_exempt)
    return CheckOut(
        kind=doc.kind, name=doc.name, count=len(found), findings=finding_rows(found), **service.versions()
    )


@router.get(
    "/units/{expression:path}", response_model=UnitOut, summary="Parse and show a unit expression (public)"
)
def show(expression: str) -> UnitOut:
    return service.show_unit(expression=expression)


# ----------------------------------------------------------------------------------------------------
# special inspections
# ----------------------------------------------------------------------------------------------------
class InspectionPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[InspectionPublic]


def detail_of(principal: Principal, inspection_id: int) -> InspectionDetail:
    view = service.inspection_view(principal=principal, inspection_id=inspection_id)
    return InspectionDetail(
        **InspectionPublic.model_validate(view.inspection).model_dump(),
        enterprises=view.enterprises,
        documents=[DocumentPublic.model_validate(d) for d in view.documents],
        follow_ups=[FollowUpPublic.model_validate(f) for f in view.follow_ups],
    )


@router.get("/unit-inspections", response_model=InspectionPage, tags=["inspections"])
def list_inspections(
    offset: int = Query(0, ge=0, le=10**9),
    limit: int = Query(50, ge=1, le=500),
    principal: Principal = Depends(login_required),
) -> InspectionPage:
    total, rows = service.list_inspections(principal=principal, offset=offset, limit=limit)
    return InspectionPage(
        total=total, offset=offset, limit=limit, items=[InspectionPublic.model_validate(r) for r in rows]
    )


@router.post("/unit-inspections", response_model=InspectionPublic, status_code=201, tags=["inspections"])
def create_inspection(body: InspectionCreate, principal: Principal = Depends(login_required)) -> Any:
    return InspectionPublic.model_validate(service.create_inspection(principal=principal, data=body))


@router.get("/unit-inspections/{inspection_id}", response_model=InspectionDetail, tags=["inspections"])
def get_inspection(inspection_id: int, principal: Principal = Depends(login_required)) -> InspectionDetail:
    return detail_of(principal, inspection_id)


@router.patch("/unit-inspections/{inspection_id}", response_model=InspectionPublic, tags=["inspections"])
def update_inspection(
    inspection_id: int, body: InspectionUpdate, principal: Principal = Depends(login_required)
) -> Any:
    return InspectionPublic.model_validate(
        service.update_inspection(principal=principal, inspection_id=inspection_id, data=body)
    )


@router.get(
    "/unit-inspections/{inspection_id}/documents", response_model=list[DocumentPublic], tags=["inspections"]
)
def list_documents(inspection_id: int, principal: Principal = Depends(login_required)) -> list[Any]:
    return [
        DocumentPublic.model_validate(d)
        for d in service.list_documents(principal=principal, inspection_id=inspection_id)
    ]


_DOCUMENT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": DocumentCreate.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["enterprise_id", "kind", "file"],
                    "properties": {
                        "enterprise_id": {"type": "integer", "minimum": 1},
                        "kind": {
                            "type": "string",
                            "enum": ["listing", "label", "advertisement", "contract", "web_page"],
                        },
                        "title": {"type": "string", "maxLength": 200},
                        "file": {"type": "string", "format": "binary"},
                        "encoding": {"type": "string", "default": "utf-8", "maxLength": 40},
                    },
                }
            },
        },
    }
}


async def document_from_request(request: Request) -> dict[str, Any]:
    """The fields of a document to check, from JSON ({enterprise_id, kind, title, text}) or a multipart upload."""
    kind, body = await read_body(request)
    if kind == "form":
        fields = {
            "enterprise_id": str(body.get("enterprise_id", "")).strip(),
            "kind": str(body.get("kind", "")),
            "title": str(body.get("title", "")),
            "text": "x",
        }
        meta: DocumentCreate = _validate(DocumentCreate, fields)
        pasted = body.get("text")
        upload = body.get("file")
        has_file = isinstance(upload, UploadFile) and bool(upload.filename)
        if isinstance(pasted, str) and pasted.strip() and not has_file:
            data, name = pasted.encode(), ""
            document = service.read_text(pasted)
        else:
            data, name = await read_form_file(body)
            document = service.read_upload(
                data, file_name=name, encoding=str(body.get("encoding") or "utf-8")
            )
    else:
        meta = _validate(DocumentCreate, body)
        data, name = meta.text.encode(), ""
        document = service.read_text(meta.text)
    return {
        "enterprise_id": meta.enterprise_id,
        "kind": meta.kind,
        "title": meta.title,
        "document": document,
        "raw": data,
        "file_name": name,
    }


@router.post(
    "/unit-inspections/{inspection_id}/documents",
    response_model=DocumentPublic,
    status_code=201,
    openapi_extra=_DOCUMENT_BODY,
    tags=["inspections"],
    summary="Check a document of an enterprise (text as JSON, or a .txt/.csv/.xlsx file) and store the findings",
)
async def add_document(
    inspection_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Any:
    service.get_inspection(
        principal=principal, inspection_id=inspection_id
    )  # 404 before reading a large body
    fields = await document_from_request(request)
    return DocumentPublic.model_validate(
        service.add_document(principal=principal, inspection_id=inspection_id, **fields)
    )


@router.get(
    "/unit-inspections/{inspection_id}/documents/{document_id}",
    response_model=DocumentDetail,
    tags=["inspections"],
)
def get_document(inspection_id: int, document_id: int, principal: Principal = Depends(login_required)) -> Any:
    view = service.get_document(principal=principal, inspection_id=inspection_id, document_id=document_id)
    return DocumentDetail(
        **DocumentPublic.model_validate(view.document).model_dump(),
        content=view.document.content,
        sheets=view.document.sheets or [],
        findings=[StoredFinding.model_validate(f) for f in view.findings],
    )


@router.put(
    "/unit-inspections/{inspection_id}/follow-ups/{enterprise_id}",
    response_model=FollowUpPublic,
    tags=["inspections"],
)
def set_follow_up(
    inspection_id: int,
    enterprise_id: int,
    body: FollowUpUpdate,
    principal: Principal = Depends(login_required),
) -> Any:
    return FollowUpPublic.model_validate(
        service.set_follow_up(
            principal=principal, inspection_id=inspection_id, enterprise_id=enterprise_id, data=body
        )
    )


class PublishedPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[PublicInspectionHeader]


@router.get(
    "/public/unit-inspections",
    response_model=PublishedPage,
    tags=["public"],
    summary="Published unit-usage inspections",
)
def published(
    offset: int = Query(0, ge=0, le=10**9),
    limit: int = Query(50, ge=1, le=500),
    region: str | None = Query(None, pattern=r"^\d{6}$"),
) -> PublishedPage:
    total, rows = service.list_published(offset=offset, limit=limit, region=region)
    return PublishedPage(
        total=total,
        offset=offset,
        limit=limit,
        items=[PublicInspectionHeader.model_validate(r) for r in rows],
    )


@router.get(
    "/public/unit-inspections/{inspection_id}",
    response_model=PublicInspectionResult,
    tags=["public"],
    summary="Published results of an inspection: counts per enterprise",
)
def published_results(inspection_id: int) -> PublicInspectionResult:
    return service.public_results(inspection_id=inspection_id)
