"""HTML pages: the public unit tools (/tools/units) and the unit-usage special inspections."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from jiliang.organisations import service as org_service
from jiliang.platform.access import Principal
from jiliang.platform.errors import DomainError, Forbidden, NotFound
from jiliang.platform.web import check_csrf, login_required, redirect, render
from jiliang.unit_inspections import reader, service
from jiliang.unit_inspections.api import document_from_request, read_body, read_form_file
from jiliang.unit_inspections.models import DOCUMENT_KINDS, FOLLOW_UP_STATUSES
from jiliang.unit_inspections.schemas import FollowUpUpdate, InspectionCreate, InspectionUpdate

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def N_(message: str) -> str:
    """Mark a msgid for extraction; it is translated where it is shown (``_(kind)`` in the templates)."""
    return message


# document kinds and follow-up statuses, shown through _() in the templates
LABELS = (
    N_("listing"),
    N_("label"),
    N_("advertisement"),
    N_("contract"),
    N_("web_page"),
    N_("open"),
    N_("rectified"),
    N_("closed"),
)


def _error(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, DomainError):
        return {"message": exc.message, "field": exc.field, "status": exc.status_code}
    return {"message": str(exc), "field": None, "status": 422}


# ----------------------------------------------------------------------------------------------------
# public tools
# ----------------------------------------------------------------------------------------------------
def _tools_context(
    value: str | None, from_: str | None, to: str | None, equivalence: str | None, unit: str | None
) -> tuple[dict[str, Any], int]:
    ctx: dict[str, Any] = {
        "conv": None,
        "conv_error": None,
        "shown": None,
        "show_error": None,
        "form": {
            "value": value or "",
            "from": from_ or "",
            "to": to or "",
            "equivalence": equivalence or "",
            "unit": unit or "",
        },
        "equivalences": service.EQUIVALENCES,
    }
    status = 200
    if value or from_ or to:
        try:
            try:
                number = float((value or "").replace(",", "").strip())
            except ValueError:
                raise service.InvalidInput(f"{value!r} is not a number", field="value") from None
            ctx["conv"] = service.convert_value(
                value=number,
                source=from_ or "",
                target=to or "",
                equivalences=[equivalence] if equivalence else [],
            )
        except DomainError as e:
            ctx["conv_error"], status = _error(e), 422
    if unit:
        try:
            ctx["shown"] = service.show_unit(expression=unit)
        except DomainError as e:
            ctx["show_error"], status = _error(e), 422
    return ctx, status


@router.get("/tools/units")
def tools_page(
    request: Request,
    value: str | None = Query(None, max_length=60),
    from_: str | None = Query(None, alias="from", max_length=200),
    to: str | None = Query(None, max_length=200),
    equivalence: str | None = Query(None, max_length=30),
    unit: str | None = Query(None, max_length=200),
) -> Response:
    ctx, status = _tools_context(value, from_, to, equivalence, unit)
    return render(
        request,
        "unit_inspections/tools.html",
        status_code=status,
        check=None,
        check_error=None,
        text="",
        **ctx,
    )


@router.post("/tools/units")
async def tools_check(request: Request) -> Response:
    """The checker: a pasted text or an uploaded .txt/.csv/.xlsx file; findings highlighted in place."""
    ctx, _ = _tools_context(None, None, None, None, None)
    text = ""
    try:
        kind, body = await read_body(request)
        if kind != "form":
            raise service.InvalidInput("send the form", field="text")
        text = str(body.get("text") or "")
        include_exempt = str(body.get("include_exempt", "")).lower() in ("1", "on", "true")
        upload = body.get("file")
        if isinstance(upload, UploadFile) and upload.filename:
            data, name = await read_form_file(body)
            doc = service.read_upload(data, file_name=name, encoding=str(body.get("encoding") or "utf-8"))
        else:
            doc = service.read_text(text)
        found = service.check_document(doc, include_exempt=include_exempt)
    except DomainError as e:
        return render(
            request,
            "unit_inspections/tools.html",
            status_code=e.status_code if e.status_code != 400 else 422,
            check=None,
            check_error=_error(e),
            text=text[:100_000],
            **ctx,
        )
    check = {
        "doc": doc,
        "found": found,
        "segments": reader.segments(doc.text, found) if doc.kind == "text" else [],
        "count": sum(1 for f in found if f.finding.exempted_by is None),
    }
    return render(
        request,
        "unit_inspections/tools.html",
        check=check,
        check_error=None,
        text=doc.text if doc.kind == "text" and doc.name == "text" else "",
        **ctx,
    )


# ----------------------------------------------------------------------------------------------------
# special inspections
# ----------------------------------------------------------------------------------------------------
@router.get("/unit-inspections")
def list_page(
    request: Request, offset: int = Query(0, ge=0, le=10**9), principal: Principal = Depends(login_required)
) -> Response:
    limit = 50
    total, rows = service.list_inspections(principal=principal, offset=offset, limit=limit)
    return render(request, "unit_inspections/list.html", rows=rows, total=total, offset=offset, limit=limit)


@router.get("/unit-inspections/new")
def new_page(request: Request, principal: Principal = Depends(login_required)) -> Response:
    if principal.role not in ("regulator", "admin"):
        raise Forbidden("only a regulator records a special inspection")
    return render(
        request,
        "unit_inspections/new.html",
        message=None,
        values={"region_code": principal.region_code or ""},
    )


@router.post("/unit-inspections/new")
async def new_submit(request: Request, principal: Principal = Depends(login_required)) -> Response:
    form = await request.form()
    values = {k: str(v).strip() for k, v in form.items() if k != "csrf_token" and isinstance(v, str)}
    try:
        data = InspectionCreate.model_validate(
            {k: values.get(k, "") for k in ("title", "region_code", "starts_on", "ends_on", "note")}
        )
        obj = service.create_inspection(principal=principal, data=data)
    except (DomainError, ValueError) as exc:
        err = _error(exc)
        return render(
            request,
            "unit_inspections/new.html",
            status_code=err["status"] if err["status"] != 400 else 422,
            message=err["message"],
            values=values,
        )
    return redirect(f"/unit-inspections/{obj.id}")


@router.get("/unit-inspections/{inspection_id}")
def detail_page(
    request: Request, inspection_id: int, principal: Principal = Depends(login_required)
) -> Response:
    view = service.inspection_view(principal=principal, inspection_id=inspection_id)
    return render(request, "unit_inspections/detail.html", view=view, insp=view.inspection)


@router.post("/unit-inspections/{inspection_id}/publish")
async def publish_submit(
    request: Request, inspection_id: int, principal: Principal = Depends(login_required)
) -> Response:
    form = await request.form()
    published = str(form.get("published", "1")) in ("1", "true", "on")
    service.update_inspection(
        principal=principal, inspection_id=inspection_id, data=InspectionUpdate(published=published)
    )
    return redirect(f"/unit-inspections/{inspection_id}")


def _enterprises(principal: Principal, region: str) -> Any:
    _, owners = org_service.list_organisations(
        principal=principal, kind="enterprise", region=region, limit=500
    )
    return owners


@router.get("/unit-inspections/{inspection_id}/documents/new")
def document_page(
    request: Request, inspection_id: int, principal: Principal = Depends(login_required)
) -> Response:
    insp = service.get_inspection(principal=principal, inspection_id=inspection_id)
    service.require_manager(principal, insp)
    return render(
        request,
        "unit_inspections/document_new.html",
        insp=insp,
        kinds=DOCUMENT_KINDS,
        enterprises=_enterprises(principal, insp.region_code),
        message=None,
        values={},
    )


@router.post("/unit-inspections/{inspection_id}/documents/new")
async def document_submit(
    request: Request, inspection_id: int, principal: Principal = Depends(login_required)
) -> Response:
    insp = service.get_inspection(principal=principal, inspection_id=inspection_id)
    service.require_manager(principal, insp)
    try:
        fields = await document_from_request(request)
        doc = service.add_document(principal=principal, inspection_id=inspection_id, **fields)
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        form = await request.form()
        values = {k: str(v) for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
        return render(
            request,
            "unit_inspections/document_new.html",
            status_code=422,
            insp=insp,
            kinds=DOCUMENT_KINDS,
            enterprises=_enterprises(principal, insp.region_code),
            message=exc.message,
            field=exc.field,
            values=values,
        )
    return redirect(f"/unit-inspections/{inspection_id}/documents/{doc.id}")


@router.get("/unit-inspections/{inspection_id}/documents/{document_id}")
def document_detail(
    request: Request, inspection_id: int, document_id: int, principal: Principal = Depends(login_required)
) -> Response:
    view = service.get_document(principal=principal, inspection_id=inspection_id, document_id=document_id)
    doc = view.document
    segs: list[tuple[str, Any]] = []
    if doc.content_kind == "text":
        pos = 0
        for f in sorted(
            (f for f in view.findings if f.char_offset is not None), key=lambda f: f.char_offset or 0
        ):
            start = f.char_offset or 0
            if start < pos:
                continue
            if start > pos:
                segs.append((doc.content[pos:start], None))
            segs.append((doc.content[start : start + f.length], f))
            pos = start + f.length
        segs.append((doc.content[pos:], None))
    return render(
        request, "unit_inspections/document.html", view=view, insp=view.inspection, doc=doc, segments=segs
    )


@router.get("/unit-inspections/{inspection_id}/follow-ups/{enterprise_id}")
def follow_up_page(
    request: Request, inspection_id: int, enterprise_id: int, principal: Principal = Depends(login_required)
) -> Response:
    view = service.inspection_view(principal=principal, inspection_id=inspection_id)
    summary = next((e for e in view.enterprises if e.enterprise_id == enterprise_id), None)
    if summary is None:
        raise NotFound(f"enterprise {enterprise_id} has no document in inspection {inspection_id}")
    current = next((f for f in view.follow_ups if f.enterprise_id == enterprise_id), None)
    return render(
        request,
        "unit_inspections/follow_up.html",
        view=view,
        insp=view.inspection,
        summary=summary,
        current=current,
        statuses=FOLLOW_UP_STATUSES,
        message=None,
    )


@router.post("/unit-inspections/{inspection_id}/follow-ups/{enterprise_id}")
async def follow_up_submit(
    request: Request, inspection_id: int, enterprise_id: int, principal: Principal = Depends(login_required)
) -> Response:
    form = await request.form()
    raw = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    try:
        deadline = dt.date.fromisoformat(raw["deadline"]) if raw.get("deadline") else None
        data = FollowUpUpdate(deadline=deadline, status=raw.get("status", "open"), note=raw.get("note", ""))
    except ValueError as exc:
        raise service.InvalidInput(str(exc).splitlines()[0], field="follow_up") from None
    service.set_follow_up(
        principal=principal, inspection_id=inspection_id, enterprise_id=enterprise_id, data=data
    )
    return redirect(f"/unit-inspections/{inspection_id}")


@router.get("/public/unit-inspections")
def public_list(request: Request, offset: int = Query(0, ge=0, le=10**9)) -> Response:
    limit = 50
    total, rows = service.list_published(offset=offset, limit=limit)
    return render(
        request, "unit_inspections/public_list.html", rows=rows, total=total, offset=offset, limit=limit
    )


@router.get("/public/unit-inspections/{inspection_id}")
def public_detail(request: Request, inspection_id: int) -> Response:
    return render(
        request, "unit_inspections/public.html", result=service.public_results(inspection_id=inspection_id)
    )
