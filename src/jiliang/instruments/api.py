"""JSON API of the register under /api/v1."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel

from jiliang.instruments import dashboard, importer, service
from jiliang.instruments.schemas import (
    CatalogueItemPublic,
    InstrumentCreate,
    InstrumentLookup,
    InstrumentPublic,
    InstrumentUpdate,
    RecallPublic,
    VerificationCreate,
    VerificationPublic,
)
from jiliang.platform.access import Principal
from jiliang.platform.errors import DomainError
from jiliang.platform.settings import get_settings
from jiliang.platform.web import check_csrf, login_required

router = APIRouter(prefix="/api/v1", tags=["register"], dependencies=[Depends(check_csrf)])


class Page(BaseModel):
    total: int
    offset: int
    limit: int


class InstrumentPage(Page):
    items: list[InstrumentPublic]


class RecallPage(Page):
    items: list[RecallPublic]


class RecallRun(BaseModel):
    days_before: int | None = None


class RecallRunResult(BaseModel):
    created: int


def _filters(
    q: str | None = Query(None, max_length=100), catalogue_code: str | None = Query(None, max_length=8),
    use: str | None = Query(None, max_length=30), status: str | None = Query(None, max_length=20),
    region: str | None = Query(None, pattern=r"^(\d{6})?$"), owner_id: int | None = Query(None, ge=1, le=2**31 - 1),
    overdue: bool = False, due_within_days: int | None = Query(None, ge=0, le=3660),
) -> service.InstrumentFilter:
    # the HTML filter form submits every field, so an empty value means "no filter"; region 000000 is the
    # whole country (the administrator's dashboard scope, which its drill-down links carry)
    return service.InstrumentFilter(q=q or None, catalogue_code=catalogue_code or None, use=use or None,
                                    status=status or None, region=None if region in (None, "", "000000") else region,
                                    owner_id=owner_id, overdue=overdue, due_within_days=due_within_days)


@router.get("/catalogue", response_model=list[CatalogueItemPublic], summary="The mandatory-verification catalogue")
def catalogue() -> list[Any]:
    return [CatalogueItemPublic.model_validate(c) for c in service.list_catalogue()]


@router.get("/instruments", response_model=InstrumentPage)
def list_instruments(
    filters: service.InstrumentFilter = Depends(_filters), offset: int = Query(0, ge=0, le=10**9),
    limit: int = Query(50, ge=1, le=500), principal: Principal = Depends(login_required),
) -> InstrumentPage:
    total, rows = service.list_instruments(principal=principal, filters=filters, offset=offset, limit=limit)
    return InstrumentPage(total=total, offset=offset, limit=limit,
                          items=[InstrumentPublic.model_validate(r) for r in rows])


@router.post("/instruments", response_model=InstrumentPublic, status_code=201)
def register(body: InstrumentCreate, principal: Principal = Depends(login_required)) -> Any:
    return InstrumentPublic.model_validate(service.register_instrument(principal=principal, data=body))


@router.get("/instruments/{instrument_id}", response_model=InstrumentPublic)
def get_instrument(instrument_id: int, principal: Principal = Depends(login_required)) -> Any:
    return InstrumentPublic.model_validate(service.get_instrument(principal=principal, instrument_id=instrument_id))


@router.patch("/instruments/{instrument_id}", response_model=InstrumentPublic)
def update_instrument(instrument_id: int, body: InstrumentUpdate, principal: Principal = Depends(login_required)) -> Any:
    return InstrumentPublic.model_validate(
        service.update_instrument(principal=principal, instrument_id=instrument_id, data=body)
    )


@router.get("/instruments/{instrument_id}/verifications", response_model=list[VerificationPublic])
def verifications(instrument_id: int, principal: Principal = Depends(login_required)) -> list[Any]:
    return [VerificationPublic.model_validate(v) for v in service.history(principal=principal, instrument_id=instrument_id)]


@router.post("/instruments/{instrument_id}/verifications", response_model=VerificationPublic, status_code=201)
def record_verification(instrument_id: int, body: VerificationCreate, principal: Principal = Depends(login_required)) -> Any:
    return VerificationPublic.model_validate(
        service.record_verification(principal=principal, instrument_id=instrument_id, data=body)
    )


class ImportOut(BaseModel):
    rows: int
    created: int
    unchanged: int
    batch_id: int | None
    sha256: str
    first_id: int | None
    last_id: int | None


async def read_upload(file: UploadFile) -> bytes:
    limit = get_settings().max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise DomainError(f"the file is larger than {limit // (1024 * 1024)} MB", field="file")
    return data


@router.post("/instruments/import", response_model=ImportOut, summary="Bulk import (CSV UTF-8/GBK, or .xlsx); all-or-nothing")
async def import_file(file: UploadFile = File(...), principal: Principal = Depends(login_required)) -> Any:
    data = await read_upload(file)
    result = importer.import_instruments(principal=principal, data=data, file_name=file.filename or "upload.csv")
    return ImportOut(**result.as_dict())


def export_response(principal: Principal, filters: service.InstrumentFilter, fmt: str) -> Response:
    instruments = list(service.iter_instruments(principal=principal, filters=filters))
    codes = importer.owner_credit_codes({i.owner_id for i in instruments})
    rows = importer.export_rows(instruments, codes)
    stamp = dt.date.today().isoformat()
    if fmt == "xlsx":
        buf = io.BytesIO()
        importer.write_xlsx(rows, buf)
        return Response(buf.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="instruments-{stamp}.xlsx"'})
    text = io.StringIO()
    importer.write_csv(rows, text)
    return StreamingResponse(iter([("\ufeff" + text.getvalue()).encode()]), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="instruments-{stamp}.csv"'})


@router.get("/instruments-export", summary="Export the visible instruments (csv or xlsx)")
def export(filters: service.InstrumentFilter = Depends(_filters), format: str = Query("csv", pattern="^(csv|xlsx)$"),
           principal: Principal = Depends(login_required)) -> Response:
    return export_response(principal, filters, format)


@router.get("/instruments-template", summary="Import template (.xlsx)")
def template() -> Response:
    buf = io.BytesIO()
    importer.write_template_xlsx(buf)
    return Response(buf.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="instruments-template.xlsx"'})


@router.get("/recalls", response_model=RecallPage)
def recalls(offset: int = Query(0, ge=0, le=10**9), limit: int = Query(50, ge=1, le=500),
            status: str | None = Query(None, pattern="^(open|acknowledged|resolved)$"),
            principal: Principal = Depends(login_required)) -> RecallPage:
    total, rows = service.list_recalls(principal=principal, offset=offset, limit=limit, status=status)
    return RecallPage(total=total, offset=offset, limit=limit, items=[RecallPublic.model_validate(r) for r, _ in rows])


@router.post("/recalls/generate", response_model=RecallRunResult, summary="Generate recall notices (idempotent)")
def generate(body: RecallRun, principal: Principal = Depends(login_required)) -> RecallRunResult:
    days = body.days_before if body.days_before is not None else get_settings().recall_days_before
    return RecallRunResult(created=service.generate_recalls(principal=principal, days_before=days))


@router.get("/dashboard", summary="Regulator dashboard figures for a region and below")
def dashboard_api(region: str | None = Query(None, pattern=r"^\d{6}$"),
                  principal: Principal = Depends(login_required)) -> dict[str, Any]:
    return dashboard.build(principal=principal, region=region).as_dict()


@router.get("/public/instruments/{code}", response_model=InstrumentLookup, tags=["public"],
            summary="Public lookup of an instrument by its identification code")
def public_lookup(code: str) -> Response:
    if len(code) > 40:
        raise DomainError("code too long", field="code")
    # the busiest public read: serialise the already validated model directly
    return Response(service.public_lookup(code=code).model_dump_json(), media_type="application/json")
