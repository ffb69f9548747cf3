"""JSON API under /api/v1: net-content inspections, their report, statistics and the C-mark register."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from jiliang.netcontent_inspections import report, service
from jiliang.netcontent_inspections.forms import inspection_input, read_request, validate
from jiliang.netcontent_inspections.models import PRODUCT_CATEGORIES
from jiliang.netcontent_inspections.schemas import (
    CATEGORY_PATTERN,
    CMarkIn,
    CMarkOut,
    CMarkUpdate,
    CorrectionIn,
    InspectionDetail,
    InspectionIn,
    InspectionPage,
    InspectionSummary,
    PublicCMark,
    PublicInspectionDetail,
    PublicPage,
    PublishIn,
    Statistics,
)
from jiliang.platform import i18n
from jiliang.platform.access import Principal
from jiliang.platform.web import check_csrf, login_required

router = APIRouter(prefix="/api/v1", tags=["netcontent"], dependencies=[Depends(check_csrf)])

_INSPECTION_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": InspectionIn.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "description": "the fields of the JSON body as form fields (net/gross/tare as typed lists), "
                    "and optionally a balance's CSV export (columns net, or gross and tare; UTF-8 or GB18030)",
                    "properties": {
                        "readings_file": {"type": "string", "format": "binary"},
                        "encoding": {"type": "string", "maxLength": 40},
                    },
                }
            },
        },
    }
}


def filters(
    status: str | None = Query(None, pattern="^(draft|finalised|published)$"),
    verdict: str | None = Query(None, pattern="^(pass|fail)$"),
    category: str | None = Query(None, pattern=CATEGORY_PATTERN),
    region: str | None = Query(None, pattern=r"^\d{6}$"),
    q: str | None = Query(None, max_length=100),
    date_from: dt.date | None = Query(None, alias="from"),
    date_to: dt.date | None = Query(None, alias="to"),
    producer_id: int | None = Query(None, ge=1, le=2**31 - 1),
    campaign_id: int | None = Query(None, ge=1, le=2**31 - 1),
    include_superseded: bool = False,
) -> service.Filters:
    return service.Filters(
        status=status,
        verdict=verdict,
        category=category,
        region=region,
        q=q,
        date_from=date_from,
        date_to=date_to,
        producer_id=producer_id,
        campaign_id=campaign_id,
        include_superseded=include_superseded,
    )


def detail_of(obj: Any) -> InspectionDetail:
    return InspectionDetail.model_validate(obj)


@router.get("/netcontent-inspections", response_model=InspectionPage)
def list_inspections(
    f: service.Filters = Depends(filters),
    offset: int = Query(0, ge=0, le=10**9),
    limit: int = Query(50, ge=1, le=500),
    principal: Principal = Depends(login_required),
) -> InspectionPage:
    total, rows = service.list_inspections(principal=principal, filters=f, offset=offset, limit=limit)
    return InspectionPage(
        total=total, offset=offset, limit=limit, items=[InspectionSummary.model_validate(r) for r in rows]
    )


@router.post(
    "/netcontent-inspections",
    response_model=InspectionDetail,
    status_code=201,
    openapi_extra=_INSPECTION_BODY,
    summary="Record a net-content inspection (draft); the verdict is computed by jiliang.core.netcontent",
)
async def create_inspection(request: Request, principal: Principal = Depends(login_required)) -> Any:
    service.require_recorder(principal)
    data, readings, source = await inspection_input(request, InspectionIn)
    return detail_of(
        service.create_inspection(principal=principal, data=data, readings=readings, source=source)
    )


@router.get("/netcontent-inspections/{inspection_id}", response_model=InspectionDetail)
def get_inspection(inspection_id: int, principal: Principal = Depends(login_required)) -> Any:
    return detail_of(service.get_inspection(principal=principal, inspection_id=inspection_id))


@router.put(
    "/netcontent-inspections/{inspection_id}",
    response_model=InspectionDetail,
    openapi_extra=_INSPECTION_BODY,
    summary="Replace the inputs of a draft (409 once signed off)",
)
async def update_inspection(
    inspection_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Any:
    service.require_manager(
        principal, service.get_inspection(principal=principal, inspection_id=inspection_id)
    )
    data, readings, source = await inspection_input(request, InspectionIn)
    return detail_of(
        service.update_draft(
            principal=principal, inspection_id=inspection_id, data=data, readings=readings, source=source
        )
    )


@router.post("/netcontent-inspections/{inspection_id}/finalise", response_model=InspectionDetail)
def finalise(inspection_id: int, principal: Principal = Depends(login_required)) -> Any:
    return detail_of(service.finalise(principal=principal, inspection_id=inspection_id))


@router.post("/netcontent-inspections/{inspection_id}/publish", response_model=InspectionDetail)
async def publish(
    inspection_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Any:
    kind, body = await read_request(request)
    payload: PublishIn = validate(PublishIn, body if kind == "json" else dict(body))
    return detail_of(
        service.set_published(principal=principal, inspection_id=inspection_id, published=payload.published)
    )


@router.post(
    "/netcontent-inspections/{inspection_id}/revisions",
    response_model=InspectionDetail,
    status_code=201,
    openapi_extra=_INSPECTION_BODY,
    summary="Correct a signed-off record: a new revision (draft) with the reason",
)
async def correct(
    inspection_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Any:
    service.require_manager(
        principal, service.get_inspection(principal=principal, inspection_id=inspection_id)
    )
    data, readings, source = await inspection_input(request, CorrectionIn)
    return detail_of(
        service.correct(
            principal=principal, inspection_id=inspection_id, data=data, readings=readings, source=source
        )
    )


def category_label(code: str) -> str:
    return i18n.gettext_(code.replace("_", " "))


@router.get(
    "/netcontent-inspections/{inspection_id}/report.pdf",
    response_class=Response,
    summary="The inspection report (PDF)",
)
def report_pdf(inspection_id: int, principal: Principal = Depends(login_required)) -> Response:
    view = service.inspection_view(principal=principal, inspection_id=inspection_id)
    pdf = report.report_pdf(view, category_label=category_label(view.inspection.product_category))
    name = report.report_number(view)
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}.pdf"'}
    )


# ----------------------------------------------------------------------------------------------------
# statistics
# ----------------------------------------------------------------------------------------------------
def stats_params(
    by: str = Query("category", pattern="^(category|region|period)$"),
    period: str = Query("month", pattern="^(month|quarter|year)$"),
    region: str | None = Query(None, pattern=r"^\d{6}$"),
    category: str | None = Query(None, pattern=CATEGORY_PATTERN),
    date_from: dt.date | None = Query(None, alias="from"),
    date_to: dt.date | None = Query(None, alias="to"),
) -> dict[str, Any]:
    return {
        "by": by,
        "period": period,
        "region": region,
        "category": category,
        "date_from": date_from,
        "date_to": date_to,
    }


@router.get(
    "/netcontent-statistics", response_model=Statistics, summary="Pass rates (regulators, their region)"
)
def statistics(
    params: dict[str, Any] = Depends(stats_params), principal: Principal = Depends(login_required)
) -> Statistics:
    return service.statistics(principal=principal, **params)


def export_response(stats: Statistics, fmt: str) -> Response:
    labels = {c: category_label(c) for c in PRODUCT_CATEGORIES} if stats.by == "category" else {}
    labels["total"] = i18n.gettext_("Total")
    table = service.statistics_table(stats, labels)
    stamp = f"netcontent-pass-rates-by-{stats.by}"
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("pass rates")
        for row in table:
            ws.append(row)
        buf = io.BytesIO()
        wb.save(buf)
        return Response(
            buf.getvalue(),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{stamp}.xlsx"'},
        )
    text = io.StringIO()
    writer = csv.writer(text)
    for row in table:
        writer.writerow(["" if v is None else v for v in row])
    return Response(
        ("\ufeff" + text.getvalue()).encode(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{stamp}.csv"'},
    )


@router.get("/netcontent-statistics/export", response_class=Response, summary="Pass rates as CSV or XLSX")
def statistics_export(
    params: dict[str, Any] = Depends(stats_params),
    format: str = Query("csv", pattern="^(csv|xlsx)$"),
    principal: Principal = Depends(login_required),
) -> Response:
    return export_response(service.statistics(principal=principal, **params), format)


# ----------------------------------------------------------------------------------------------------
# the public
# ----------------------------------------------------------------------------------------------------
@router.get("/public/netcontent-inspections", response_model=PublicPage, tags=["public"])
def published(
    offset: int = Query(0, ge=0, le=10**9),
    limit: int = Query(50, ge=1, le=500),
    region: str | None = Query(None, pattern=r"^\d{6}$"),
    category: str | None = Query(None, pattern=CATEGORY_PATTERN),
    verdict: str | None = Query(None, pattern="^(pass|fail)$"),
) -> PublicPage:
    total, rows = service.list_published(
        offset=offset, limit=limit, region=region, category=category, verdict=verdict
    )
    return PublicPage(total=total, offset=offset, limit=limit, items=rows)


@router.get(
    "/public/netcontent-inspections/{inspection_id}", response_model=PublicInspectionDetail, tags=["public"]
)
def published_detail(inspection_id: int) -> PublicInspectionDetail:
    return service.public_detail(inspection_id=inspection_id)


# ----------------------------------------------------------------------------------------------------
# the C-mark register
# ----------------------------------------------------------------------------------------------------
@router.get("/cmark-declarations", response_model=list[CMarkOut], tags=["cmark"])
def list_cmarks(
    offset: int = Query(0, ge=0, le=10**9),
    limit: int = Query(50, ge=1, le=500),
    principal: Principal = Depends(login_required),
) -> list[Any]:
    _, rows, _ = service.list_cmarks(principal=principal, offset=offset, limit=limit)
    return [CMarkOut.model_validate(r) for r in rows]


@router.post("/cmark-declarations", response_model=CMarkOut, status_code=201, tags=["cmark"])
def declare(body: CMarkIn, principal: Principal = Depends(login_required)) -> Any:
    return CMarkOut.model_validate(service.declare_cmark(principal=principal, data=body))


@router.get("/cmark-declarations/{declaration_id}", response_model=CMarkOut, tags=["cmark"])
def get_cmark(declaration_id: int, principal: Principal = Depends(login_required)) -> Any:
    return CMarkOut.model_validate(service.get_cmark(principal=principal, declaration_id=declaration_id))


@router.patch("/cmark-declarations/{declaration_id}", response_model=CMarkOut, tags=["cmark"])
def update_cmark(
    declaration_id: int, body: CMarkUpdate, principal: Principal = Depends(login_required)
) -> Any:
    return CMarkOut.model_validate(
        service.update_cmark(principal=principal, declaration_id=declaration_id, data=body)
    )


@router.get("/public/cmark-declarations", response_model=list[PublicCMark], tags=["public"])
def public_cmarks(
    offset: int = Query(0, ge=0, le=10**9),
    limit: int = Query(50, ge=1, le=500),
    region: str | None = Query(None, pattern=r"^\d{6}$"),
) -> list[PublicCMark]:
    return service.public_cmarks(offset=offset, limit=limit, region=region)[1]
