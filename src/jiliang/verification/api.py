"""JSON API under /api/v1/verification: measurement standards, work orders, records and signatures."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ValidationError

from jiliang.platform.access import Principal
from jiliang.platform.web import check_csrf, login_required
from jiliang.verification import service
from jiliang.verification.schemas import (
    AssignIn,
    CorrectionInput,
    RecordDetail,
    RecordInput,
    RecordPublic,
    RecordStandardPublic,
    RejectIn,
    SignaturePublic,
    SignIn,
    StandardCertificateCreate,
    StandardCertificatePublic,
    StandardCreate,
    StandardDetail,
    StandardPublic,
    StandardStatusChange,
    StandardUpdate,
    WorkOrderCreate,
    WorkOrderPublic,
)
from jiliang.verification.service import InvalidInput

router = APIRouter(prefix="/api/v1/verification", tags=["verification"], dependencies=[Depends(check_csrf)])

MAX_BODY = 2 * 1024 * 1024


async def read_json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise InvalidInput("the request is larger than 2 MB", field="body")
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, RecursionError):
        raise InvalidInput("the body is not JSON", field="body") from None
    if not isinstance(body, dict):
        raise InvalidInput("the JSON body must be an object", field="body")
    return body


def validate(model: type[BaseModel], body: Any) -> Any:
    """Pydantic validation as a 422 listing every field and reason."""
    try:
        return model.model_validate(body)
    except ValidationError as e:
        errs = e.errors()
        first = errs[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "body"
        raise InvalidInput(
            f"{field}: {first.get('msg', 'invalid')}",
            field=field,
            details=[
                {"field": ".".join(str(p) for p in x.get("loc", ())), "reason": x.get("msg", "")}
                for x in errs[:50]
            ],
        ) from None


def body(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI request body of a route that reads and validates its JSON itself."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
        }
    }


def _page_out(total: int, offset: int, limit: int, items: list[Any]) -> dict[str, Any]:
    return {"total": total, "offset": offset, "limit": limit, "items": items}


# ----------------------------------------------------------------------------------------------------
# procedures
# ----------------------------------------------------------------------------------------------------
@router.get("/procedures", summary="Encoded verification procedures (code, regulation, source status)")
def procedures(principal: Principal = Depends(login_required)) -> list[dict[str, Any]]:
    out = []
    for p in service.list_procedures():
        reg = p.regulation
        out.append(
            {
                "code": p.code,
                "regulation": reg.designation,
                "title_zh": reg.title_zh,
                "title_en": reg.title_en,
                "catalogue_codes": list(p.catalogue_codes),
                "quantity": p.quantity,
                "unit": p.unit,
                "source_status": p.source_status,
            }
        )
    return out


# ----------------------------------------------------------------------------------------------------
# measurement standards
# ----------------------------------------------------------------------------------------------------
def standard_detail(principal: Principal, standard_id: int) -> StandardDetail:
    v = service.standard_view(principal=principal, standard_id=standard_id)
    return StandardDetail(
        **StandardPublic.model_validate(v.standard).model_dump(),
        usable_today=v.usable_today.usable,
        usable_reason=v.usable_today.reason,
        valid_until=v.valid_until,
        certificates=[StandardCertificatePublic.model_validate(c) for c in v.certificates],
    )


@router.get("/standards", summary="Measurement standards (the institution's own; regulators: their region)")
def list_standards(
    principal: Principal = Depends(login_required),
    status: str | None = Query(None, pattern="^(in_service|suspended|retired)$"),
    q: str | None = Query(None, max_length=100),
    offset: int = Query(0, ge=0, le=10_000_000),
    limit: int = Query(50, ge=1, le=500),
) -> dict[str, Any]:
    total, rows = service.list_standards(principal=principal, status=status, q=q, offset=offset, limit=limit)
    return _page_out(
        total, offset, limit, [StandardPublic.model_validate(r).model_dump(mode="json") for r in rows]
    )


@router.post(
    "/standards",
    status_code=201,
    response_model=StandardDetail,
    summary="Add a measurement standard",
    openapi_extra=body(StandardCreate),
)
async def create_standard(request: Request, principal: Principal = Depends(login_required)) -> StandardDetail:
    data = validate(StandardCreate, await read_json(request))
    std = service.create_standard(principal=principal, data=data)
    return standard_detail(principal, std.id)


@router.get("/standards/{standard_id}", response_model=StandardDetail)
def get_standard(standard_id: int, principal: Principal = Depends(login_required)) -> StandardDetail:
    return standard_detail(principal, standard_id)


@router.patch("/standards/{standard_id}", openapi_extra=body(StandardUpdate), response_model=StandardDetail)
async def update_standard(
    standard_id: int, request: Request, principal: Principal = Depends(login_required)
) -> StandardDetail:
    data = validate(StandardUpdate, await read_json(request))
    service.update_standard(principal=principal, standard_id=standard_id, data=data)
    return standard_detail(principal, standard_id)


@router.post(
    "/standards/{standard_id}/certificates",
    openapi_extra=body(StandardCertificateCreate),
    status_code=201,
    response_model=StandardDetail,
)
async def add_certificate(
    standard_id: int, request: Request, principal: Principal = Depends(login_required)
) -> StandardDetail:
    data = validate(StandardCertificateCreate, await read_json(request))
    service.add_standard_certificate(principal=principal, standard_id=standard_id, data=data)
    return standard_detail(principal, standard_id)


@router.post(
    "/standards/{standard_id}/status",
    openapi_extra=body(StandardStatusChange),
    response_model=StandardDetail,
    summary="Suspend, retire, reinstate",
)
async def standard_status(
    standard_id: int, request: Request, principal: Principal = Depends(login_required)
) -> StandardDetail:
    data = validate(StandardStatusChange, await read_json(request))
    service.set_standard_status(principal=principal, standard_id=standard_id, data=data)
    return standard_detail(principal, standard_id)


# ----------------------------------------------------------------------------------------------------
# work orders
# ----------------------------------------------------------------------------------------------------
def work_order_out(principal: Principal, work_order_id: int) -> dict[str, Any]:
    v = service.work_order_view(principal=principal, work_order_id=work_order_id)
    out = WorkOrderPublic.model_validate(v.work_order).model_dump(mode="json")
    out["institution_name"] = v.institution_name
    out["customer_name"] = v.customer_name
    out["records"] = [RecordPublic.model_validate(r).model_dump(mode="json") for r in v.records]
    return out


@router.get("/work-orders", summary="Work orders (filters: status, kind, assigned_to, q)")
def list_work_orders(
    principal: Principal = Depends(login_required),
    status: str | None = Query(None, max_length=30),
    kind: str | None = Query(None, pattern="^(verification|calibration)$"),
    assigned_to: str | None = Query(None, max_length=64),
    q: str | None = Query(None, max_length=100),
    offset: int = Query(0, ge=0, le=10_000_000),
    limit: int = Query(50, ge=1, le=500),
) -> dict[str, Any]:
    total, rows = service.list_work_orders(
        principal=principal,
        status=status,
        kind=kind,
        assigned_to=assigned_to,
        q=q,
        offset=offset,
        limit=limit,
    )
    return _page_out(
        total, offset, limit, [WorkOrderPublic.model_validate(r).model_dump(mode="json") for r in rows]
    )


@router.post(
    "/work-orders",
    status_code=201,
    openapi_extra=body(WorkOrderCreate),
    summary="Receive an instrument (from the register or walk-in)",
)
async def create_work_order(
    request: Request, principal: Principal = Depends(login_required)
) -> dict[str, Any]:
    data = validate(WorkOrderCreate, await read_json(request))
    wo = service.create_work_order(principal=principal, data=data)
    return work_order_out(principal, wo.id)


@router.get("/work-orders/{work_order_id}")
def get_work_order(work_order_id: int, principal: Principal = Depends(login_required)) -> dict[str, Any]:
    return work_order_out(principal, work_order_id)


@router.post(
    "/work-orders/{work_order_id}/assign",
    openapi_extra=body(AssignIn),
    summary="Assign to a verifier of the institution",
)
async def assign(
    work_order_id: int, request: Request, principal: Principal = Depends(login_required)
) -> dict[str, Any]:
    data = validate(AssignIn, await read_json(request))
    service.assign_work_order(principal=principal, work_order_id=work_order_id, data=data)
    return work_order_out(principal, work_order_id)


@router.get("/work-orders/{work_order_id}/form", summary="The data-entry form generated from the procedure")
def form(work_order_id: int, principal: Principal = Depends(login_required)) -> dict[str, Any]:
    return service.record_form(principal=principal, work_order_id=work_order_id)


@router.post(
    "/work-orders/{work_order_id}/record",
    openapi_extra=body(RecordInput),
    status_code=201,
    response_model=RecordDetail,
    summary="Save the readings (draft); evaluated by jiliang.core.verification",
)
async def save_record(
    work_order_id: int, request: Request, principal: Principal = Depends(login_required)
) -> RecordDetail:
    data = validate(RecordInput, await read_json(request))
    rec = service.save_record(principal=principal, work_order_id=work_order_id, data=data)
    return record_detail(principal, rec.id)


# ----------------------------------------------------------------------------------------------------
# records and signatures
# ----------------------------------------------------------------------------------------------------
def record_detail(principal: Principal, record_id: int) -> RecordDetail:
    v = service.record_view(principal=principal, record_id=record_id)
    return RecordDetail(
        **RecordPublic.model_validate(v.record).model_dump(),
        document=v.record.document or {},
        evaluation=v.record.evaluation or {},
        standards=[
            RecordStandardPublic(
                standard_id=u.standard.id,
                name=u.standard.name,
                identifier=u.standard.identifier,
                certificate_no=u.certificate.certificate_no if u.certificate else None,
                valid_until=u.certificate.valid_until if u.certificate else None,
                usable=u.usability.usable,
                reason=u.usability.reason,
            )
            for u in v.standards
        ],
        signatures=[SignaturePublic.model_validate(sg) for sg in v.signatures],
        signatures_valid=v.report.valid,
        computed_hash=v.report.computed_hash,
    )


@router.get("/records", summary="Record revisions (filters: status, verdict)")
def list_records(
    principal: Principal = Depends(login_required),
    status: str | None = Query(None, pattern="^(draft|signed|checked|approved|rejected|superseded)$"),
    verdict: str | None = Query(None, pattern="^(pass|fail|undecided)$"),
    offset: int = Query(0, ge=0, le=10_000_000),
    limit: int = Query(50, ge=1, le=500),
) -> dict[str, Any]:
    total, rows = service.list_records(
        principal=principal, status=status, verdict=verdict, offset=offset, limit=limit
    )
    items = []
    for rec, wo in rows:
        item = RecordPublic.model_validate(rec).model_dump(mode="json")
        item["order_no"] = wo.order_no
        items.append(item)
    return _page_out(total, offset, limit, items)


@router.get("/records/{record_id}", response_model=RecordDetail)
def get_record(record_id: int, principal: Principal = Depends(login_required)) -> RecordDetail:
    return record_detail(principal, record_id)


@router.post(
    "/records/{record_id}/signatures",
    openapi_extra=body(SignIn),
    status_code=201,
    response_model=RecordDetail,
)
async def sign(
    record_id: int, request: Request, principal: Principal = Depends(login_required)
) -> RecordDetail:
    """Electronic signature: the password again and the meaning (verifier / checker / approver)."""
    data = validate(SignIn, await read_json(request))
    service.sign_record(principal=principal, record_id=record_id, data=data)
    return record_detail(principal, record_id)


@router.post("/records/{record_id}/reject", openapi_extra=body(RejectIn), response_model=RecordDetail)
async def reject(
    record_id: int, request: Request, principal: Principal = Depends(login_required)
) -> RecordDetail:
    data = validate(RejectIn, await read_json(request))
    service.reject_record(principal=principal, record_id=record_id, data=data)
    return record_detail(principal, record_id)


@router.post(
    "/records/{record_id}/corrections",
    openapi_extra=body(CorrectionInput),
    status_code=201,
    response_model=RecordDetail,
)
async def correct(
    record_id: int, request: Request, principal: Principal = Depends(login_required)
) -> RecordDetail:
    """A correction of a signed revision: a new revision that supersedes it and needs new signatures."""
    data = validate(CorrectionInput, await read_json(request))
    rec = service.correct_record(principal=principal, record_id=record_id, data=data)
    return record_detail(principal, rec.id)
