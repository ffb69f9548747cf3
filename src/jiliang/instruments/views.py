"""HTML pages of the register."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from urllib.parse import quote

import segno
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from jiliang.instruments import dashboard, importer, service
from jiliang.instruments.api import _filters, export_response, read_upload
from jiliang.instruments.models import STATUSES, USES
from jiliang.instruments.schemas import InstrumentCreate, InstrumentUpdate, VerificationCreate
from jiliang.organisations import service as org_service
from jiliang.platform.access import Principal
from jiliang.platform.charts import bar_chart, line_chart
from jiliang.platform.errors import DomainError, ValidationReport
from jiliang.platform.i18n import gettext_ as _
from jiliang.platform.settings import get_settings
from jiliang.platform.web import check_csrf, localized, login_required, redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def _catalogue_map() -> dict[str, Any]:
    return {c.code: c for c in service.list_catalogue()}


@router.get("/catalogue")
def catalogue_page(request: Request) -> Response:
    return render(request, "instruments/catalogue.html", items=service.list_catalogue())


@router.get("/instruments")
def instruments_page(
    request: Request, filters: service.InstrumentFilter = Depends(_filters),
    offset: int = Query(0, ge=0, le=10**9), principal: Principal = Depends(login_required),
) -> Response:
    limit = 50
    total, rows = service.list_instruments(principal=principal, filters=filters, offset=offset, limit=limit)
    return render(request, "instruments/list.html", rows=rows, total=total, offset=offset, limit=limit,
                  f=filters, catalogue=_catalogue_map(), uses=USES, statuses=STATUSES)


@router.get("/instruments/new")
def new_page(request: Request, principal: Principal = Depends(login_required)) -> Response:
    _, owners = org_service.list_organisations(principal=principal, kind="enterprise", limit=200)
    return render(request, "instruments/new.html", owners=owners, catalogue=service.list_catalogue(), uses=USES,
                  message=None, values={})


@router.post("/instruments/new")
async def new_submit(request: Request, principal: Principal = Depends(login_required)) -> Response:
    form = dict((await request.form()).items())
    values = {k: str(v).strip() for k, v in form.items() if k != "csrf_token"}
    try:
        data = InstrumentCreate.model_validate({k: (v or None) if k in ("code", "first_verified_on", "last_verified_on", "last_result") else v
                                                for k, v in values.items()})
        inst = service.register_instrument(principal=principal, data=data)
    except (DomainError, ValueError) as exc:
        _, owners = org_service.list_organisations(principal=principal, kind="enterprise", limit=200)
        message = exc.message if isinstance(exc, DomainError) else str(exc)
        status = exc.status_code if isinstance(exc, DomainError) else 422
        return render(request, "instruments/new.html", status_code=status, owners=owners,
                      catalogue=service.list_catalogue(), uses=USES, message=message, values=values)
    return redirect(f"/instruments/{inst.id}")


@router.get("/instruments/import")
def import_page(request: Request, principal: Principal = Depends(login_required)) -> Response:
    return render(request, "instruments/import.html", result=None, report=None)


@router.post("/instruments/import")
async def import_submit(request: Request, file: UploadFile = File(...),
                        principal: Principal = Depends(login_required)) -> Response:
    data = await read_upload(file)
    try:
        result = importer.import_instruments(principal=principal, data=data, file_name=file.filename or "upload.csv")
    except ValidationReport as report:
        return render(request, "instruments/import.html", status_code=422, result=None, report=report)
    return render(request, "instruments/import.html", result=result, report=None)


@router.get("/instruments/export")
def export_page(filters: service.InstrumentFilter = Depends(_filters), format: str = Query("xlsx", pattern="^(csv|xlsx)$"),
                principal: Principal = Depends(login_required)) -> Response:
    return export_response(principal, filters, format)


@router.get("/instruments/template.xlsx")
def template_download() -> Response:
    buf = io.BytesIO()
    importer.write_template_xlsx(buf)
    return Response(buf.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="instruments-template.xlsx"'})


@router.get("/instruments/{instrument_id}")
def detail_page(request: Request, instrument_id: int, principal: Principal = Depends(login_required)) -> Response:
    inst = service.get_instrument(principal=principal, instrument_id=instrument_id)
    owner = org_service.get_organisation(principal=principal, organisation_id=inst.owner_id)
    return render(request, "instruments/detail.html", inst=inst, owner=owner,
                  item=_catalogue_map().get(inst.catalogue_code),
                  history=service.history(principal=principal, instrument_id=instrument_id), statuses=STATUSES)


@router.post("/instruments/{instrument_id}/status")
def status_submit(instrument_id: int, status: str = Form(..., max_length=20, pattern="^(in_use|suspended|scrapped)$"),
                  principal: Principal = Depends(login_required)) -> Response:
    service.update_instrument(principal=principal, instrument_id=instrument_id, data=InstrumentUpdate(status=status))
    return redirect(f"/instruments/{instrument_id}")


@router.post("/instruments/{instrument_id}/verify")
def verify_submit(instrument_id: int, verified_on: dt.date = Form(...), result: str = Form(..., pattern="^(pass|fail)$"),
                  certificate_no: str = Form("", max_length=64), principal: Principal = Depends(login_required)) -> Response:
    service.record_verification(principal=principal, instrument_id=instrument_id,
                                data=VerificationCreate(verified_on=verified_on, result=result, certificate_no=certificate_no))
    return redirect(f"/instruments/{instrument_id}")


@router.get("/recalls")
def recalls_page(request: Request, offset: int = Query(0, ge=0, le=10**9),
                 principal: Principal = Depends(login_required)) -> Response:
    limit = 50
    total, rows = service.list_recalls(principal=principal, offset=offset, limit=limit)
    return render(request, "instruments/recalls.html", rows=rows, total=total, offset=offset, limit=limit,
                  catalogue=_catalogue_map(), days=get_settings().recall_days_before)


@router.get("/recalls/export")
def recalls_export(principal: Principal = Depends(login_required)) -> Response:
    total, rows = service.list_recalls(principal=principal, offset=0, limit=100_000)
    buf = io.BytesIO()
    importer.write_xlsx(iter([["识别码 code", "到期日 due_on", "通知日 issued_on", "状态 status", "目录代码 item"]] +
                             [[i.code, r.due_on.isoformat(), r.issued_on.isoformat(), r.status, i.catalogue_code]
                              for r, i in rows]), buf)
    return Response(buf.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="recall-notices.xlsx"'})


@router.post("/recalls/generate")
def recalls_generate(principal: Principal = Depends(login_required)) -> Response:
    service.generate_recalls(principal=principal, days_before=get_settings().recall_days_before)
    return redirect("/recalls")


@router.get("/dashboard")
def dashboard_page(request: Request, region: str | None = Query(None, pattern=r"^\d{6}$"),
                   principal: Principal = Depends(login_required)) -> Response:
    dash = dashboard.build(principal=principal, region=region)
    top = dash.by_item[:12]
    charts = {
        "items": bar_chart([localized(r["name"], r["name_en"]) for r in top], [(_("in use"), [r["in_use"] for r in top]),
                                                     (_("overdue"), [r["overdue"] for r in top])],
                           links=[f"/instruments?catalogue_code={r['code']}&region={dash.scope}" for r in top]),
        "regions": bar_chart([localized(r["name"], r["name_en"]) for r in dash.by_region], [(_("overdue rate"), [r["overdue_rate"] for r in dash.by_region])],
                             unit="%", links=[f"/dashboard?region={r['code']}" for r in dash.by_region]),
        "uses": bar_chart([_(r["use"]) for r in dash.by_use], [(_("in use"), [r["in_use"] for r in dash.by_use]),
                                                               (_("overdue"), [r["overdue"] for r in dash.by_use])],
                          links=[f"/instruments?use={r['use']}&region={dash.scope}" for r in dash.by_use]),
        "trend": line_chart([t["month"][2:] for t in dash.trend], [(_("verifications"), [t["verifications"] for t in dash.trend]),
                                                                  (_("failed"), [t["failed"] for t in dash.trend])]),
    }
    return render(request, "instruments/dashboard.html", dash=dash, charts=charts)


@router.get("/dashboard/export.xlsx")
def dashboard_export(region: str | None = Query(None, pattern=r"^\d{6}$"),
                     principal: Principal = Depends(login_required)) -> Response:
    from openpyxl import Workbook

    dash = dashboard.build(principal=principal, region=region)
    wb = Workbook()
    ws = wb.active
    ws.title = "totals"
    for k, v in dash.totals.items():
        ws.append([k, v])
    for title, rows in (("by_item", dash.by_item), ("by_use", dash.by_use), ("by_region", dash.by_region),
                        ("capacity", dash.capacity), ("trend", dash.trend)):
        sheet = wb.create_sheet(title)
        if rows:
            sheet.append(list(rows[0].keys()))
            for r in rows:
                sheet.append([r[k] for k in rows[0]])
    buf = io.BytesIO()
    wb.save(buf)
    return Response(buf.getvalue(), media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="dashboard-{dash.scope}.xlsx"'})


@router.get("/public/lookup")
def public_lookup_form(request: Request, code: str | None = Query(None, max_length=40)) -> Response:
    if code:
        return redirect(f"/public/instruments/{quote(code.strip(), safe='')}")
    return render(request, "instruments/lookup.html")


@router.get("/public/instruments/{code}")
def public_instrument(request: Request, code: str) -> Response:
    if len(code) > 40:
        raise DomainError("code too long", field="code")
    info = service.public_lookup(code=code)
    return render(request, "instruments/public.html", info=info)


def _qr_svg(url: str) -> str:
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=4, xmldecl=False, svgns=True, nl=False)
    return buf.getvalue().decode()


@router.get("/public/instruments/{code}/label")
def public_label(request: Request, code: str) -> Response:
    if len(code) > 40:
        raise DomainError("code too long", field="code")
    info = service.public_lookup(code=code)
    url = str(request.base_url).rstrip("/") + f"/public/instruments/{info.code}"
    return render(request, "instruments/label.html", info=info, qr=_qr_svg(url), url=url)
