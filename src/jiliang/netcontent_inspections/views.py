"""HTML pages: net-content inspections (record, sign off, correct, publish), statistics, C-mark register."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from jiliang.core import netcontent as nc
from jiliang.core.codes import is_within
from jiliang.netcontent_inspections import display, service
from jiliang.netcontent_inspections.api import category_label, filters, stats_params
from jiliang.netcontent_inspections.forms import error_dict, form_values, inspection_input, validate
from jiliang.netcontent_inspections.models import PRODUCT_CATEGORIES, NetContentInspection
from jiliang.netcontent_inspections.schemas import CMarkIn, CMarkUpdate, CorrectionIn, InspectionIn
from jiliang.organisations import service as org_service
from jiliang.platform import charts, i18n
from jiliang.platform.access import Principal
from jiliang.platform.errors import Conflict, DomainError, Forbidden
from jiliang.platform.web import check_csrf, login_required, redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def N_(message: str) -> str:
    """Mark a msgid for extraction; it is translated where it is shown."""
    return message


LABELS = (
    N_("food"),
    N_("beverage"),
    N_("dairy"),
    N_("edible oil"),
    N_("grain"),
    N_("condiments"),
    N_("daily chemicals"),
    N_("cosmetics"),
    N_("building materials"),
    N_("paper"),
    N_("textiles"),
    N_("other"),
    N_("draft"),
    N_("finalised"),
    N_("published"),
    N_("pass"),
    N_("fail"),
    N_("mass"),
    N_("volume"),
    N_("length"),
    N_("area"),
    N_("count"),
    N_("active"),
    N_("withdrawn"),
    N_("individual"),
    N_("average"),
)
KINDS = nc.QUANTITY_KINDS


def categories() -> list[tuple[str, str]]:
    return [(c, category_label(c)) for c in PRODUCT_CATEGORIES]


def _enterprises(principal: Principal) -> Any:
    region = principal.region_code if principal.role == "regulator" else None
    _, rows = org_service.list_organisations(principal=principal, kind="enterprise", region=region, limit=500)
    return rows


def _form_page(
    request: Request,
    principal: Principal,
    *,
    action: str,
    title: str,
    values: dict[str, Any],
    error: dict[str, Any] | None = None,
    correction: bool = False,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "netcontent_inspections/form.html",
        status_code=status_code,
        action=action,
        page_title=title,
        values=values,
        error=error,
        correction=correction,
        categories=categories(),
        kinds=KINDS,
        enterprises=_enterprises(principal),
    )


def values_from(obj: NetContentInspection) -> dict[str, Any]:
    m = obj.measurements or {}

    def joined(key: str) -> str:
        v = m.get(key)
        if v is None:
            return ""
        return "\n".join(str(x) for x in v) if isinstance(v, list) else str(v)

    return {
        "product_name": obj.product_name,
        "product_category": obj.product_category,
        "brand": obj.brand,
        "batch": obj.batch,
        "producer_id": str(obj.producer_id or ""),
        "seller_id": str(obj.seller_id or ""),
        "producer_name": obj.producer_name,
        "region_code": obj.region_code,
        "inspected_on": obj.inspected_on.isoformat(),
        "place": obj.place,
        "inspectors": ", ".join(obj.inspectors or []),
        "note": obj.note,
        "campaign_id": str(obj.campaign_id or ""),
        "campaign_task_id": str(obj.campaign_task_id or ""),
        "lot_size": str(obj.lot_size),
        "kind": obj.kind,
        "nominal": obj.nominal,
        "unit": obj.unit,
        "net": joined("net"),
        "gross": joined("gross"),
        "tare": joined("tare"),
        "tare_method": m.get("tare_method", ""),
        "reading_unit": m.get("reading_unit", ""),
        "density": m.get("density", ""),
        "density_unit": m.get("density_unit", ""),
        "label_text": obj.label_text,
        "label_character_height_mm": obj.label_character_height_mm or "",
    }


# ----------------------------------------------------------------------------------------------------
# records
# ----------------------------------------------------------------------------------------------------
@router.get("/netcontent-inspections")
def list_page(
    request: Request,
    f: service.Filters = Depends(filters),
    offset: int = Query(0, ge=0, le=10**9),
    principal: Principal = Depends(login_required),
) -> Response:
    limit = 50
    total, rows = service.list_inspections(principal=principal, filters=f, offset=offset, limit=limit)
    return render(
        request,
        "netcontent_inspections/list.html",
        rows=rows,
        regions=display.region_labels(r.region_code for r in rows),
        total=total,
        offset=offset,
        limit=limit,
        f=f,
        categories=categories(),
        cat=dict(categories()),
    )


@router.get("/netcontent-inspections/new")
def new_page(request: Request, principal: Principal = Depends(login_required)) -> Response:
    service.require_recorder(principal)
    values = {
        "region_code": principal.region_code or "",
        "inspected_on": dt.date.today().isoformat(),
        "kind": "mass",
        "unit": "g",
        "inspectors": principal.display_name or principal.username,
    }
    return _form_page(
        request,
        principal,
        action="/netcontent-inspections/new",
        title=i18n.gettext_("New net-content inspection"),
        values=values,
    )


@router.post("/netcontent-inspections/new")
async def new_submit(request: Request, principal: Principal = Depends(login_required)) -> Response:
    service.require_recorder(principal)
    try:
        data, readings, source = await inspection_input(request, InspectionIn)
        obj = service.create_inspection(principal=principal, data=data, readings=readings, source=source)
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        values = form_values(await request.form())
        return _form_page(
            request,
            principal,
            action="/netcontent-inspections/new",
            title=i18n.gettext_("New net-content inspection"),
            values=values,
            error=error_dict(exc),
            status_code=422,
        )
    return redirect(f"/netcontent-inspections/{obj.id}")


@router.get("/netcontent-inspections/{inspection_id}")
def detail_page(
    request: Request, inspection_id: int, principal: Principal = Depends(login_required)
) -> Response:
    view = service.inspection_view(principal=principal, inspection_id=inspection_id)
    return render(
        request,
        "netcontent_inspections/detail.html",
        view=view,
        insp=view.inspection,
        res=view.inspection.result,
        cat=dict(categories()),
        **display.context(
            view.inspection.result, view.inspection, region_codes=[view.inspection.region_code]
        ),
    )


def _managed_draft(principal: Principal, inspection_id: int, *, draft: bool) -> NetContentInspection:
    obj = service.get_inspection(principal=principal, inspection_id=inspection_id)
    service.require_manager(principal, obj)
    if draft and obj.status != "draft":
        raise Conflict("the record is signed off and cannot change; make a correction (a new revision)")
    return obj


@router.get("/netcontent-inspections/{inspection_id}/edit")
def edit_page(
    request: Request, inspection_id: int, principal: Principal = Depends(login_required)
) -> Response:
    obj = _managed_draft(principal, inspection_id, draft=True)
    return _form_page(
        request,
        principal,
        action=f"/netcontent-inspections/{obj.id}/edit",
        title=i18n.gettext_("Edit the draft"),
        values=values_from(obj),
    )


@router.post("/netcontent-inspections/{inspection_id}/edit")
async def edit_submit(
    request: Request, inspection_id: int, principal: Principal = Depends(login_required)
) -> Response:
    _managed_draft(principal, inspection_id, draft=True)
    try:
        data, readings, source = await inspection_input(request, InspectionIn)
        service.update_draft(
            principal=principal, inspection_id=inspection_id, data=data, readings=readings, source=source
        )
    except DomainError as exc:
        if exc.status_code in (401, 403, 404, 409):
            raise
        return _form_page(
            request,
            principal,
            action=f"/netcontent-inspections/{inspection_id}/edit",
            title=i18n.gettext_("Edit the draft"),
            values=form_values(await request.form()),
            error=error_dict(exc),
            status_code=422,
        )
    return redirect(f"/netcontent-inspections/{inspection_id}")


@router.get("/netcontent-inspections/{inspection_id}/correct")
def correct_page(
    request: Request, inspection_id: int, principal: Principal = Depends(login_required)
) -> Response:
    obj = _managed_draft(principal, inspection_id, draft=False)
    if obj.status == "draft":
        raise Conflict("a draft is edited, not corrected")
    return _form_page(
        request,
        principal,
        action=f"/netcontent-inspections/{obj.id}/correct",
        title=i18n.gettext_("Correct the record (new revision)"),
        values=values_from(obj),
        correction=True,
    )


@router.post("/netcontent-inspections/{inspection_id}/correct")
async def correct_submit(
    request: Request, inspection_id: int, principal: Principal = Depends(login_required)
) -> Response:
    _managed_draft(principal, inspection_id, draft=False)
    try:
        data, readings, source = await inspection_input(request, CorrectionIn)
        obj = service.correct(
            principal=principal, inspection_id=inspection_id, data=data, readings=readings, source=source
        )
    except DomainError as exc:
        if exc.status_code in (401, 403, 404, 409):
            raise
        return _form_page(
            request,
            principal,
            action=f"/netcontent-inspections/{inspection_id}/correct",
            title=i18n.gettext_("Correct the record (new revision)"),
            values=form_values(await request.form()),
            error=error_dict(exc),
            correction=True,
            status_code=422,
        )
    return redirect(f"/netcontent-inspections/{obj.id}")


@router.post("/netcontent-inspections/{inspection_id}/finalise")
def finalise_submit(inspection_id: int, principal: Principal = Depends(login_required)) -> Response:
    service.finalise(principal=principal, inspection_id=inspection_id)
    return redirect(f"/netcontent-inspections/{inspection_id}")


@router.post("/netcontent-inspections/{inspection_id}/publish")
async def publish_submit(
    request: Request, inspection_id: int, principal: Principal = Depends(login_required)
) -> Response:
    form = await request.form()
    published = str(form.get("published", "1")) in ("1", "true", "on")
    service.set_published(principal=principal, inspection_id=inspection_id, published=published)
    return redirect(f"/netcontent-inspections/{inspection_id}")


# ----------------------------------------------------------------------------------------------------
# statistics
# ----------------------------------------------------------------------------------------------------
@router.get("/netcontent-statistics")
def statistics_page(
    request: Request,
    params: dict[str, Any] = Depends(stats_params),
    principal: Principal = Depends(login_required),
) -> Response:
    stats = service.statistics(principal=principal, **params)
    labels = [category_label(r.key) if stats.by == "category" else r.label for r in stats.rows]
    if stats.by == "region":
        labels = [f"{r.label} {r.key}" if r.label != r.key else r.key for r in stats.rows]
    links = None
    if stats.by == "region":
        links = [
            (str(request.url.include_query_params(region=r.drill_down)) if r.drill_down else "#")
            for r in stats.rows
        ]
    rate_chart = (
        charts.bar_chart(
            labels,
            [(i18n.gettext_("Pass rate"), [r.pass_rate or 0 for r in stats.rows])],
            unit="%",
            links=links,
        )
        if stats.rows
        else ""
    )
    count_chart = (
        charts.bar_chart(
            labels,
            [
                (i18n.gettext_("Passed"), [r.passed for r in stats.rows]),
                (i18n.gettext_("Failed"), [r.failed for r in stats.rows]),
            ],
            links=links,
        )
        if stats.rows
        else ""
    )
    trend = ""
    if stats.by == "period" and len(stats.rows) > 1:
        trend = charts.line_chart(
            [r.key for r in stats.rows],
            [(i18n.gettext_("Pass rate") + " %", [r.pass_rate or 0 for r in stats.rows])],
        )
    parent: str | None = None
    code = stats.region
    home = principal.region_code if principal.role == "regulator" else None
    if code and code != home:
        up = "" if code[2:] == "0000" else (code[:2] + "0000" if code[4:] == "00" else code[:4] + "00")
        if principal.role == "admin" or (up and home and is_within(up, home)):
            parent = up
    return render(
        request,
        "netcontent_inspections/statistics.html",
        stats=stats,
        labels=labels,
        rate_chart=rate_chart,
        count_chart=count_chart,
        trend=trend,
        categories=categories(),
        parent=parent,
        links=links,
    )


# ----------------------------------------------------------------------------------------------------
# the public
# ----------------------------------------------------------------------------------------------------
@router.get("/public/netcontent-inspections")
def public_list(
    request: Request,
    offset: int = Query(0, ge=0, le=10**9),
    category: str | None = Query(None, max_length=30),
    verdict: str | None = Query(None, pattern="^(pass|fail)?$"),
) -> Response:
    limit = 50
    if category not in PRODUCT_CATEGORIES:
        category = None
    total, rows = service.list_published(
        offset=offset, limit=limit, category=category, verdict=verdict or None
    )
    return render(
        request,
        "netcontent_inspections/public_list.html",
        rows=rows,
        regions=display.region_labels(r.region_code for r in rows),
        total=total,
        offset=offset,
        limit=limit,
        cat=dict(categories()),
        categories=categories(),
        category=category,
        verdict=verdict,
    )


@router.get("/public/netcontent-inspections/{inspection_id}")
def public_detail(request: Request, inspection_id: int) -> Response:
    r = service.public_detail(inspection_id=inspection_id)  # NotFound unless published and current
    from jiliang.platform.db import read_session

    with read_session() as s:
        obj = s.get(NetContentInspection, r.id)
        packages = list(((obj.result if obj else None) or {}).get("packages") or [])
    res = {
        "counts": r.counts,
        "tolerable_deficiency": r.tolerable_deficiency,
        "mean_criterion": r.mean_criterion,
        "sample_size": r.sample_size,
        "packages": packages,
    }
    return render(
        request,
        "netcontent_inspections/public.html",
        r=r,
        cat=dict(categories()),
        **display.context(res, region_codes=[r.region_code]),
    )


# ----------------------------------------------------------------------------------------------------
# the C-mark register
# ----------------------------------------------------------------------------------------------------
@router.get("/cmark-declarations")
def cmark_list(
    request: Request, offset: int = Query(0, ge=0, le=10**9), principal: Principal = Depends(login_required)
) -> Response:
    limit = 50
    total, rows, names = service.list_cmarks(principal=principal, offset=offset, limit=limit)
    return render(
        request,
        "netcontent_inspections/cmark_list.html",
        rows=rows,
        names=names,
        total=total,
        offset=offset,
        limit=limit,
    )


def _cmark_form(
    request: Request,
    *,
    action: str,
    values: dict[str, Any],
    error: Any = None,
    edit: bool = False,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "netcontent_inspections/cmark_form.html",
        action=action,
        values=values,
        error=error,
        edit=edit,
        status_code=status_code,
    )


@router.get("/cmark-declarations/new")
def cmark_new(request: Request, principal: Principal = Depends(login_required)) -> Response:
    if principal.role not in ("enterprise", "admin"):
        raise Forbidden("only an enterprise declares its use of the C mark")
    return _cmark_form(
        request, action="/cmark-declarations/new", values={"declared_on": dt.date.today().isoformat()}
    )


@router.post("/cmark-declarations/new")
async def cmark_new_submit(request: Request, principal: Principal = Depends(login_required)) -> Response:
    values = form_values(await request.form())
    try:
        body = {
            k: v.strip()
            for k, v in values.items()
            if k in ("enterprise_id", "products", "assessment", "declared_on") and v.strip()
        }
        service.declare_cmark(principal=principal, data=validate(CMarkIn, body))
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        return _cmark_form(
            request, action="/cmark-declarations/new", values=values, error=error_dict(exc), status_code=422
        )
    return redirect("/cmark-declarations")


@router.get("/cmark-declarations/{declaration_id}/edit")
def cmark_edit(
    request: Request, declaration_id: int, principal: Principal = Depends(login_required)
) -> Response:
    obj = service.get_cmark(principal=principal, declaration_id=declaration_id)
    if not (principal.role == "admin" or principal.organisation_id == obj.enterprise_id):
        raise Forbidden("only the declaring enterprise changes its declaration")
    values = {
        "products": obj.products,
        "assessment": obj.assessment,
        "declared_on": obj.declared_on.isoformat(),
        "status": obj.status,
    }
    return _cmark_form(request, action=f"/cmark-declarations/{obj.id}/edit", values=values, edit=True)


@router.post("/cmark-declarations/{declaration_id}/edit")
async def cmark_edit_submit(
    request: Request, declaration_id: int, principal: Principal = Depends(login_required)
) -> Response:
    values = form_values(await request.form())
    try:
        body = {
            k: v.strip()
            for k, v in values.items()
            if k in ("products", "assessment", "declared_on", "status") and v.strip()
        }
        service.update_cmark(
            principal=principal, declaration_id=declaration_id, data=validate(CMarkUpdate, body)
        )
    except DomainError as exc:
        if exc.status_code in (401, 403, 404):
            raise
        return _cmark_form(
            request,
            action=f"/cmark-declarations/{declaration_id}/edit",
            values=values,
            error=error_dict(exc),
            edit=True,
            status_code=422,
        )
    return redirect("/cmark-declarations")


@router.get("/public/cmark-declarations")
def cmark_public(request: Request, offset: int = Query(0, ge=0, le=10**9)) -> Response:
    limit = 50
    total, rows = service.public_cmarks(offset=offset, limit=limit)
    return render(
        request,
        "netcontent_inspections/cmark_public.html",
        rows=rows,
        total=total,
        offset=offset,
        limit=limit,
    )
