"""HTML pages under /verification: standards, work orders, the generated record form, records and signing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from jiliang.platform.access import Principal
from jiliang.platform.errors import DomainError, ValidationReport
from jiliang.platform.web import check_csrf, login_required, redirect
from jiliang.platform.web import render as _render
from jiliang.verification import forms, service
from jiliang.verification.api import validate
from jiliang.verification.models import STANDARD_STATUSES, WORK_STATUSES
from jiliang.verification.schemas import (
    AssignIn,
    CorrectionInput,
    RecordInput,
    RejectIn,
    SignIn,
    StandardCertificateCreate,
    StandardCreate,
    StandardStatusChange,
    StandardUpdate,
    WorkOrderCreate,
)

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def N_(message: str) -> str:
    """Mark a msgid for extraction; translated where shown (``_(status)`` in the templates)."""
    return message


LABELS = (
    N_("in_service"),
    N_("suspended"),
    N_("retired"),
    N_("received"),
    N_("assigned"),
    N_("in_progress"),
    N_("recorded"),
    N_("checked"),
    N_("approved"),
    N_("certificate_issued"),
    N_("cancelled"),
    N_("draft"),
    N_("signed"),
    N_("rejected"),
    N_("superseded"),
    N_("verifier"),
    N_("checker"),
    N_("approver"),
    N_("verification"),
    N_("calibration"),
    N_("first verification"),
    N_("subsequent verification"),
    N_("in-service inspection"),
    N_("jjf1094"),
    N_("simple_acceptance"),
    N_("guarded_acceptance"),
    N_("pass"),
    N_("fail"),
    N_("undecided"),
    N_("unavailable"),
)


#: verification stages (JJF 1001: 首次检定, 后续检定, 使用中检查), shown through _() in the templates
STAGE_LABELS = {
    "first": "first verification",
    "subsequent": "subsequent verification",
    "in_service": "in-service inspection",
}


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    return _render(request, template, status_code, stage_labels=STAGE_LABELS, **context)


def _error(exc: DomainError) -> dict[str, Any]:
    out: dict[str, Any] = {
        "message": exc.message,
        "field": exc.field,
        "status": exc.status_code,
        "errors": [],
    }
    if isinstance(exc, ValidationReport):
        out["errors"] = [e.as_dict() for e in exc.errors[:200]]
    elif isinstance(exc.details, list):
        out["errors"] = [{"row": None, **d} for d in exc.details if isinstance(d, dict)]
    return out


async def _form(request: Request) -> dict[str, str]:
    form = await request.form(max_fields=5000)
    return {k: str(v) for k, v in form.items() if k != "csrf_token" and isinstance(v, str)}


def _blank_to_none(values: dict[str, str], *keys: str) -> dict[str, Any]:
    out: dict[str, Any] = dict(values)
    for k in keys:
        if out.get(k, "") == "":
            out.pop(k, None)
    return out


def _parse(model: type[BaseModel], values: dict[str, Any]) -> Any:
    return validate(model, values)


# ----------------------------------------------------------------------------------------------------
# measurement standards
# ----------------------------------------------------------------------------------------------------
@router.get("/verification/standards")
def standards_page(
    request: Request,
    principal: Principal = Depends(login_required),
    status: str | None = Query(None, pattern="^(in_service|suspended|retired)?$"),
    q: str | None = Query(None, max_length=100),
    offset: int = Query(0, ge=0, le=10_000_000),
    limit: int = Query(50, ge=1, le=500),
) -> Response:
    total, rows = service.list_standards(
        principal=principal, status=status or None, q=q, offset=offset, limit=limit
    )
    return render(
        request,
        "verification/standards.html",
        rows=rows,
        total=total,
        offset=offset,
        limit=limit,
        status=status or "",
        q=q or "",
        statuses=STANDARD_STATUSES,
    )


@router.get("/verification/standards/new")
def standard_new_page(request: Request, principal: Principal = Depends(login_required)) -> Response:
    _may_keep_standards(principal)
    return render(request, "verification/standard_new.html", form={}, error=None)


def _may_keep_standards(principal: Principal) -> None:
    if principal.role not in ("institution", "admin"):
        from jiliang.platform.errors import Forbidden

        raise Forbidden("only a technical institution keeps measurement standards")


@router.post("/verification/standards/new")
async def standard_create(request: Request, principal: Principal = Depends(login_required)) -> Response:
    values = await _form(request)
    try:
        data = _parse(StandardCreate, _blank_to_none(values, "institution_id"))
        std = service.create_standard(principal=principal, data=data)
    except DomainError as e:
        if e.status_code in (403, 404):
            raise
        return render(
            request, "verification/standard_new.html", status_code=e.status_code, form=values, error=_error(e)
        )
    return redirect(f"/verification/standards/{std.id}")


def _standard_page(
    request: Request, principal: Principal, standard_id: int, status: int = 200, **extra: Any
) -> Response:
    v = service.standard_view(principal=principal, standard_id=standard_id)
    ctx: dict[str, Any] = {"error": None, "form": {}, "cert_form": {}, "status_form": {}}
    ctx.update(extra)
    return render(request, "verification/standard.html", status_code=status, v=v, **ctx)


@router.get("/verification/standards/{standard_id}")
def standard_page(
    standard_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Response:
    return _standard_page(request, principal, standard_id)


@router.post("/verification/standards/{standard_id}/edit")
async def standard_edit(
    standard_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Response:
    values = await _form(request)
    try:
        data = _parse(StandardUpdate, values)
        service.update_standard(principal=principal, standard_id=standard_id, data=data)
    except DomainError as e:
        if e.status_code in (403, 404):
            raise
        return _standard_page(request, principal, standard_id, e.status_code, error=_error(e), form=values)
    return redirect(f"/verification/standards/{standard_id}")


@router.post("/verification/standards/{standard_id}/certificates")
async def standard_certificate(
    standard_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Response:
    values = await _form(request)
    try:
        data = _parse(StandardCertificateCreate, values)
        service.add_standard_certificate(principal=principal, standard_id=standard_id, data=data)
    except DomainError as e:
        if e.status_code in (403, 404):
            raise
        return _standard_page(
            request, principal, standard_id, e.status_code, error=_error(e), cert_form=values
        )
    return redirect(f"/verification/standards/{standard_id}")


@router.post("/verification/standards/{standard_id}/status")
async def standard_status(
    standard_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Response:
    values = await _form(request)
    try:
        data = _parse(StandardStatusChange, values)
        service.set_standard_status(principal=principal, standard_id=standard_id, data=data)
    except DomainError as e:
        if e.status_code in (403, 404):
            raise
        return _standard_page(
            request, principal, standard_id, e.status_code, error=_error(e), status_form=values
        )
    return redirect(f"/verification/standards/{standard_id}")


# ----------------------------------------------------------------------------------------------------
# work orders
# ----------------------------------------------------------------------------------------------------
@router.get("/verification")
def home(principal: Principal = Depends(login_required)) -> Response:
    return redirect("/verification/work-orders")


@router.get("/verification/work-orders")
def work_orders_page(
    request: Request,
    principal: Principal = Depends(login_required),
    status: str | None = Query(None, max_length=30),
    kind: str | None = Query(None, pattern="^(verification|calibration)?$"),
    mine: bool = Query(False),
    q: str | None = Query(None, max_length=100),
    offset: int = Query(0, ge=0, le=10_000_000),
    limit: int = Query(50, ge=1, le=500),
) -> Response:
    total, rows = service.list_work_orders(
        principal=principal,
        status=status or None,
        kind=kind or None,
        assigned_to=principal.username if mine else None,
        q=q,
        offset=offset,
        limit=limit,
    )
    return render(
        request,
        "verification/work_orders.html",
        rows=rows,
        total=total,
        offset=offset,
        limit=limit,
        status=status or "",
        kind=kind or "",
        mine=mine,
        q=q or "",
        statuses=WORK_STATUSES,
    )


def _new_context() -> dict[str, Any]:
    try:
        procs = service.list_procedures()
    except DomainError:
        procs = []
    return {"procedures": procs, "today_iso": dt.date.today().isoformat()}


@router.get("/verification/work-orders/new")
def work_order_new_page(request: Request, principal: Principal = Depends(login_required)) -> Response:
    _may_keep_standards(principal)
    return render(request, "verification/work_order_new.html", form={}, error=None, **_new_context())


@router.post("/verification/work-orders/new")
async def work_order_create(request: Request, principal: Principal = Depends(login_required)) -> Response:
    values = await _form(request)
    body: dict[str, Any] = _blank_to_none(
        values,
        "institution_id",
        "instrument_id",
        "customer_id",
        "catalogue_code",
        "procedure_code",
        "due_by",
        "use",
        "instrument_code",
    )
    body["register_instrument"] = values.get("register_instrument", "") in ("1", "on", "true")
    if "received_on" not in body or not body["received_on"]:
        body["received_on"] = dt.date.today().isoformat()
    try:
        data = _parse(WorkOrderCreate, body)
        wo = service.create_work_order(principal=principal, data=data)
    except DomainError as e:
        if e.status_code == 401:
            raise
        return render(
            request,
            "verification/work_order_new.html",
            status_code=e.status_code,
            form=values,
            error=_error(e),
            **_new_context(),
        )
    return redirect(f"/verification/work-orders/{wo.id}")


def _work_order_page(
    request: Request, principal: Principal, work_order_id: int, status: int = 200, **extra: Any
) -> Response:
    v = service.work_order_view(principal=principal, work_order_id=work_order_id)
    ctx: dict[str, Any] = {"error": None}
    ctx.update(extra)
    return render(request, "verification/work_order.html", status_code=status, v=v, **ctx)


@router.get("/verification/work-orders/{work_order_id}")
def work_order_page(
    work_order_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Response:
    return _work_order_page(request, principal, work_order_id)


@router.post("/verification/work-orders/{work_order_id}/assign")
async def work_order_assign(
    work_order_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Response:
    values = await _form(request)
    try:
        service.assign_work_order(
            principal=principal, work_order_id=work_order_id, data=_parse(AssignIn, values)
        )
    except DomainError as e:
        if e.status_code in (403, 404):
            raise
        return _work_order_page(request, principal, work_order_id, e.status_code, error=_error(e))
    return redirect(f"/verification/work-orders/{work_order_id}")


# ----------------------------------------------------------------------------------------------------
# the record form (generated from the procedure) and records
# ----------------------------------------------------------------------------------------------------
def _record_form_page(
    request: Request,
    principal: Principal,
    work_order_id: int,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    error: dict[str, Any] | None = None,
    correction_of: int | None = None,
    instrument: dict[str, Any] | None = None,
) -> Response:
    v = service.work_order_view(principal=principal, work_order_id=work_order_id)
    spec = service.record_form(principal=principal, work_order_id=work_order_id, instrument=instrument)
    if values is None:
        values = forms.values_from_document(spec["form"], spec["current"] or {})
        selected = {str(i) for i in spec["current_standard_ids"]}
    else:
        selected = {k.split(".")[1] for k in values if k.startswith("standard.") and k.count(".") == 1}
        if spec["form"]:  # default units for fields the page had not shown yet
            for key, unit in forms.values_from_document(spec["form"], {}).items():
                values.setdefault(key, unit)
    for key, value in (spec["instrument"] or {}).items():
        values.setdefault(f"instrument.{key}", forms.show_parameter(value))
    performed_on = values.get("performed_on") or dt.date.today().isoformat()
    try:
        on = dt.date.fromisoformat(performed_on)
    except ValueError:
        on = dt.date.today()
    standards = service.usable_standards(
        principal=principal, institution_id=v.work_order.institution_id, on=on
    )
    return render(
        request,
        "verification/record_form.html",
        status_code=status,
        v=v,
        form=spec["form"],
        parameters=spec["parameters"],
        param_errors=spec["param_errors"],
        values=values,
        standards=standards,
        selected=selected,
        performed_on=performed_on,
        error=error,
        correction_of=correction_of,
        decision_rules=forms.DECISION_RULES,
        label=forms.label,
    )


def _require_recorder(principal: Principal, work_order_id: int) -> Any:
    v = service.work_order_view(principal=principal, work_order_id=work_order_id)
    if not v.may_record:
        from jiliang.platform.errors import Forbidden

        raise Forbidden("only the assigned verifier records this work order, while it is open")
    return v


@router.get("/verification/work-orders/{work_order_id}/record")
def record_form_page(
    work_order_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Response:
    v = _require_recorder(principal, work_order_id)
    query = {k: v_ for k, v_ in request.query_params.items() if k.startswith("instrument.")}
    instrument = None
    if query:
        instrument = forms.instrument_from_values(
            service.procedure_parameters(v.work_order.procedure_code), query
        )
    return _record_form_page(request, principal, work_order_id, instrument=instrument)


def _record_input(work_order: Any, values: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(instrument parameters, RecordInput body) from the page; the form is regenerated from the parameters."""
    parameters = service.procedure_parameters(work_order.procedure_code)
    instrument = forms.instrument_from_values(parameters, values)
    form = service.make_form(work_order.procedure_code, work_order.stage, instrument)
    ids = [
        int(k.split(".")[1])
        for k in values
        if k.startswith("standard.") and k.count(".") == 1 and k[9:].isdigit()
    ]
    body = {
        "performed_on": values.get("performed_on", ""),
        "document": forms.document_from_values(form, instrument, values, ids),
        "standard_ids": ids,
    }
    return instrument, body


@router.post("/verification/work-orders/{work_order_id}/record")
async def record_save(
    work_order_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Response:
    values = await _form(request)
    v = _require_recorder(principal, work_order_id)
    instrument = forms.instrument_from_values(
        service.procedure_parameters(v.work_order.procedure_code), values
    )
    if values.get("action") == "parameters":
        return _record_form_page(request, principal, work_order_id, values=values, instrument=instrument)
    try:
        instrument, body = _record_input(v.work_order, values)
        rec = service.save_record(
            principal=principal, work_order_id=work_order_id, data=_parse(RecordInput, body)
        )
    except DomainError as e:
        if e.status_code in (401, 403, 404):
            raise
        return _record_form_page(
            request,
            principal,
            work_order_id,
            status=e.status_code,
            values=values,
            error=_error(e),
            instrument=instrument,
        )
    return redirect(f"/verification/records/{rec.id}")


@router.get("/verification/records")
def records_page(
    request: Request,
    principal: Principal = Depends(login_required),
    status: str | None = Query(None, pattern="^(draft|signed|checked|approved|rejected|superseded)?$"),
    verdict: str | None = Query(None, pattern="^(pass|fail|undecided)?$"),
    offset: int = Query(0, ge=0, le=10_000_000),
    limit: int = Query(50, ge=1, le=500),
) -> Response:
    total, rows = service.list_records(
        principal=principal, status=status or None, verdict=verdict or None, offset=offset, limit=limit
    )
    return render(
        request,
        "verification/records.html",
        rows=rows,
        total=total,
        offset=offset,
        limit=limit,
        status=status or "",
        verdict=verdict or "",
    )


def _record_page(
    request: Request, principal: Principal, record_id: int, status: int = 200, **extra: Any
) -> Response:
    v = service.record_view(principal=principal, record_id=record_id)
    ctx: dict[str, Any] = {"error": None}
    ctx.update(extra)
    return render(
        request,
        "verification/record.html",
        status_code=status,
        v=v,
        label=forms.label,
        env_labels=service.environment_labels(v.record.procedure_code),
        **ctx,
    )


@router.get("/verification/records/{record_id}")
def record_page(record_id: int, request: Request, principal: Principal = Depends(login_required)) -> Response:
    return _record_page(request, principal, record_id)


@router.post("/verification/records/{record_id}/sign")
async def record_sign(
    record_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Response:
    values = await _form(request)
    try:
        service.sign_record(principal=principal, record_id=record_id, data=_parse(SignIn, values))
    except DomainError as e:
        if e.status_code in (401, 404):
            raise
        return _record_page(request, principal, record_id, e.status_code, error=_error(e))
    return redirect(f"/verification/records/{record_id}")


@router.post("/verification/records/{record_id}/reject")
async def record_reject(
    record_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Response:
    values = await _form(request)
    try:
        service.reject_record(principal=principal, record_id=record_id, data=_parse(RejectIn, values))
    except DomainError as e:
        if e.status_code in (401, 404):
            raise
        return _record_page(request, principal, record_id, e.status_code, error=_error(e))
    return redirect(f"/verification/records/{record_id}")


@router.get("/verification/records/{record_id}/correct")
def record_correct_page(
    record_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Response:
    v = service.record_view(principal=principal, record_id=record_id)
    if not v.may_correct:
        from jiliang.platform.errors import Forbidden

        raise Forbidden("only the assigned verifier corrects the current signed revision")
    spec = service.record_form(principal=principal, work_order_id=v.work_order.id)
    values = forms.values_from_document(spec["form"], v.record.document or {})
    values["performed_on"] = v.record.performed_on.isoformat()
    for u in v.standards:
        values[f"standard.{u.standard.id}"] = "on"
    return _record_form_page(request, principal, v.work_order.id, values=values, correction_of=record_id)


@router.post("/verification/records/{record_id}/correct")
async def record_correct(
    record_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Response:
    values = await _form(request)
    v = service.record_view(principal=principal, record_id=record_id)
    if not v.may_correct:
        from jiliang.platform.errors import Forbidden

        raise Forbidden("only the assigned verifier corrects the current signed revision")
    wo = v.work_order
    instrument = forms.instrument_from_values(service.procedure_parameters(wo.procedure_code), values)
    if values.get("action") == "parameters":
        return _record_form_page(
            request, principal, wo.id, values=values, instrument=instrument, correction_of=record_id
        )
    try:
        instrument, body = _record_input(wo, values)
        body["reason"] = values.get("reason", "")
        rec = service.correct_record(
            principal=principal, record_id=record_id, data=_parse(CorrectionInput, body)
        )
    except DomainError as e:
        if e.status_code in (401, 403, 404):
            raise
        return _record_form_page(
            request,
            principal,
            wo.id,
            status=e.status_code,
            values=values,
            error=_error(e),
            correction_of=record_id,
            instrument=instrument,
        )
    return redirect(f"/verification/records/{rec.id}")
