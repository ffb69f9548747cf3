"""HTML pages under /verification: standards, work orders, the generated record form, records and signing."""

from __future__ import annotations

import datetime as dt
import re
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


#: quantity codes of measurement standards (the demo and the API use codes; older rows hold Chinese text)
QUANTITY_LABELS = {
    "mass": N_("mass"),
    "pressure": N_("pressure"),
    "volume": N_("volume"),
    "flow": N_("flow"),
    "length": N_("length"),
    "temperature": N_("temperature"),
    "electrical energy": N_("electrical energy"),
    "electrical_energy": N_("electrical energy"),
}

#: reason codes of ``jiliang.core.verification.evaluate_document`` (points and group checks) and of the
#: conformity rules it calls (``jiliang.core.conformity``: JJF 1094, ILAC-G8)
REASON_LABELS = {
    "within_mpe": N_("within the MPE"),
    "exceeds_mpe": N_("exceeds the MPE"),
    "within_mpe_minus_u": N_("within MPE − U: conforms"),
    "beyond_mpe_plus_u": N_("beyond MPE + U: does not conform"),
    "in_undetermined_zone": N_("between MPE − U and MPE + U: no decision can be made"),
    "inside_acceptance_interval": N_("inside the acceptance interval"),
    "outside_acceptance_interval": N_("outside the acceptance interval"),
    "inside_tolerance_within_guard_band": N_("inside the tolerance, within the guard band"),
    "outside_tolerance_within_guard_band": N_("outside the tolerance, within the guard band"),
    "outside_tolerance_beyond_guard_band": N_("outside the tolerance, beyond the guard band"),
    "mpe_unavailable": N_("MPE not available: no decision can be made"),
    "within_limit": N_("within the limit"),
    "limit_unavailable": N_("limit not available"),
    "repeatability_exceeds_limit": N_("repeatability exceeds the limit"),
    "hysteresis_exceeds_limit": N_("hysteresis exceeds the limit"),
    "tap_shift_exceeds_limit": N_("change on tapping exceeds the limit"),
}

#: decision rules (``jiliang.core.verification.DECISION_RULES``)
DECISION_RULE_LABELS = {
    "jjf1094": N_("JJF 1094 decision rule"),
    "simple_acceptance": N_("simple acceptance (ILAC G8)"),
    "guarded_acceptance": N_("guarded acceptance (ILAC G8)"),
}

#: group checks (``group_checks`` of the procedures' data) and the quantities they report
CHECK_LABELS = {
    "repeatability": N_("repeatability"),
    "hysteresis": N_("hysteresis"),
    "tap_shift": N_("change on tapping"),
    "range": N_("range of the readings"),
    "tap_shift_rising": N_("change on tapping (rising)"),
    "tap_shift_falling": N_("change on tapping (falling)"),
}

#: labels of the readings of a test point (``reading_labels``; ``position_<n>`` for eccentricity)
READING_LABELS = {
    "loading": N_("loading"),
    "unloading": N_("unloading"),
    "rising_before_tap": N_("rising, before tapping"),
    "rising_after_tap": N_("rising, after tapping"),
    "falling_before_tap": N_("falling, before tapping"),
    "falling_after_tap": N_("falling, after tapping"),
}

#: what a requirement on the standards bounds (``standards[].check.on``) and the requirements themselves
STANDARD_CHECK_LABELS = {
    "mpe": N_("MPE"),
    "expanded_uncertainty": N_("expanded uncertainty"),
}
REQUIREMENT_LABELS = {
    "MPE of the standard ≤ 1/3 of the dispenser MPE; volume ≥ about 1 min of delivery at the test flow": N_(
        "MPE of the standard ≤ 1/3 of the dispenser MPE; volume ≥ about 1 min of delivery at the test flow"
    ),
    "error of the test weights ≤ 1/3 of the scale's MPE at the applied load": N_(
        "error of the test weights ≤ 1/3 of the scale's MPE at the applied load"
    ),
    "expanded uncertainty ≤ 1/5 MPE (first verification), ≤ 1/3 MPE (subsequent verification)": N_(
        "expanded uncertainty ≤ 1/5 MPE (first verification), ≤ 1/3 MPE (subsequent verification)"
    ),
    "MPE of the standard ≤ 1/4 of the gauge's |MPE|": N_("MPE of the standard ≤ 1/4 of the gauge's |MPE|"),
}


def _t(table: dict[str, str], code: Any) -> str:
    """The translated label of ``code`` in ``table``; an unknown code is shown as it is."""
    from jiliang.platform.i18n import _

    text = "" if code is None else str(code)
    return _(table[text]) if text in table else text


def reason_label(code: Any) -> str:
    return _t(REASON_LABELS, code)


def rule_label(code: Any) -> str:
    return _t(DECISION_RULE_LABELS, code)


def check_label(check: Any, quantity: Any = None) -> str:
    """``重复性 · 示值极差``; the quantity alone when it names the check (``hysteresis``, ``tap_shift_…``)."""
    name = _t(CHECK_LABELS, check)
    if quantity is None or quantity == check:
        return name
    if str(quantity).startswith(f"{check}_"):
        return _t(CHECK_LABELS, quantity)
    return f"{name} · {_t(CHECK_LABELS, quantity)}"


def reading_label(code: Any) -> str:
    from jiliang.platform.i18n import _

    text = str(code)
    if text.startswith("position_") and text[9:].isdigit():
        return _("position %(n)s") % {"n": text[9:]}
    return _t(READING_LABELS, text)


def quantity_label(code: Any) -> str:
    return _t(QUANTITY_LABELS, code)


def requirement_label(text: Any) -> str:
    return _t(REQUIREMENT_LABELS, text)


_REASON_PATTERNS = (
    ("mpe", re.compile(r"^(?P<id>[^:]+): MPE not available — decision cannot be made \((?P<note>.*)\)$")),
    (
        "standard",
        re.compile(
            r"^(?P<id>[^:]+): standards\[(?P<n>\d+)\] (?P<on>\w+) (?P<value>\S+) exceeds (?P<ratio>\S+) "
            r"of the MPE \((?P<limit>\S+)\) — (?P<requirement>.*)$"
        ),
    ),
    (
        "check",
        re.compile(r"^(?P<id>[^:]+): (?P<check>\w+) (?P<quantity>\w+) = (?P<value>\S+) \((?P<reason>\w+)\)$"),
    ),
    ("error", re.compile(r"^(?P<id>[^:]+): error (?P<error>\S+) (?P<unit>.*?) — (?P<reason>\w+)$")),
)


def warning_text(raw: Any, points: Any) -> str:
    """One of ``evaluate_document``'s ``reasons`` in the page's language; a form not known is shown raw.

    The core writes them in English with point ids and codes (``Q2: standards[0] expanded_uncertainty 0.2
    exceeds 1/3 of the MPE (0.1) — …``); the point is named by its label, codes by their translated labels.
    """
    from jiliang.platform.i18n import _

    text = str(raw)
    names = {str(p.get("point")): forms.label(p) for p in points or [] if isinstance(p, dict)}
    for kind, pattern in _REASON_PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        g = m.groupdict()
        point = names.get(g["id"], g["id"])
        if kind == "mpe":
            return _("%(point)s: MPE not available, no decision can be made (%(note)s)") % {
                "point": point,
                "note": g["note"],
            }
        if kind == "standard":
            return _(
                "%(point)s: the %(what)s of standard no. %(n)s, %(value)s, exceeds %(ratio)s of the MPE "
                "(%(limit)s) — %(requirement)s"
            ) % {
                "point": point,
                "what": _t(STANDARD_CHECK_LABELS, g["on"]),
                "n": int(g["n"]) + 1,
                "value": g["value"],
                "ratio": g["ratio"],
                "limit": g["limit"],
                "requirement": requirement_label(g["requirement"]),
            }
        if kind == "check":
            return _("%(point)s: %(check)s = %(value)s (%(reason)s)") % {
                "point": point,
                "check": check_label(g["check"], g["quantity"]),
                "value": g["value"],
                "reason": reason_label(g["reason"]),
            }
        return _("%(point)s: error of indication %(error)s %(unit)s — %(reason)s") % {
            "point": point,
            "error": g["error"],
            "unit": g["unit"],
            "reason": reason_label(g["reason"]),
        }
    return text


def person_names(usernames: Any) -> dict[str, str]:
    """``{username: display name}`` of the users named (the username stays the fallback where shown)."""
    wanted = {str(u) for u in usernames if u}
    if not wanted:
        return {}
    from sqlalchemy import select

    from jiliang.platform.db import read_session
    from jiliang.platform.models import User

    with read_session() as s:
        rows = s.execute(select(User.username, User.display_name).where(User.username.in_(wanted))).all()
    return {str(u): str(d) for u, d in rows if d}


def person(names: dict[str, str], username: Any) -> str:
    """The display name of ``username`` (from :func:`person_names`), else the username, else ``—``."""
    if not username:
        return "—"
    return names.get(str(username), str(username))


#: verification stages (JJF 1001: 首次检定, 后续检定, 使用中检查), shown through _() in the templates
STAGE_LABELS = {
    "first": "first verification",
    "subsequent": "subsequent verification",
    "in_service": "in-service inspection",
}


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    return _render(
        request,
        template,
        status_code,
        stage_labels=STAGE_LABELS,
        reason_label=reason_label,
        rule_label=rule_label,
        check_label=check_label,
        reading_label=reading_label,
        quantity_label=quantity_label,
        requirement_label=requirement_label,
        warning_text=warning_text,
        person=person,
        **context,
    )


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


async def _standard_action(
    request: Request, principal: Principal, standard_id: int, schema: Any, action: Any, form_key: str
) -> Response:
    """A form on the standard's page: parse, call the service, back to the page (with the error and the
    typed values in ``form_key`` when the service refuses; 403/404 propagate)."""
    values = await _form(request)
    try:
        action(principal=principal, standard_id=standard_id, data=_parse(schema, values))
    except DomainError as e:
        if e.status_code in (403, 404):
            raise
        return _standard_page(request, principal, standard_id, e.status_code, error=_error(e), **{form_key: values})
    return redirect(f"/verification/standards/{standard_id}")


@router.post("/verification/standards/{standard_id}/edit")
async def standard_edit(
    standard_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Response:
    return await _standard_action(request, principal, standard_id, StandardUpdate, service.update_standard, "form")


@router.post("/verification/standards/{standard_id}/certificates")
async def standard_certificate(
    standard_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Response:
    return await _standard_action(
        request, principal, standard_id, StandardCertificateCreate, service.add_standard_certificate, "cert_form"
    )


@router.post("/verification/standards/{standard_id}/status")
async def standard_status(
    standard_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Response:
    return await _standard_action(
        request, principal, standard_id, StandardStatusChange, service.set_standard_status, "status_form"
    )


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
        names=person_names(r.assigned_to for r in rows),
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
    names = person_names([v.work_order.assigned_to, *(r.performed_by for r in v.records)])
    return render(request, "verification/work_order.html", status_code=status, v=v, names=names, **ctx)


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
        names=person_names([v.record.performed_by, v.work_order.assigned_to]),
        reading_labels=_reading_labels(v.record),
        open_standards={u.standard.id for u in v.standards if service.can_see_work(principal, u.standard)},
        label=forms.label,
        env_labels=service.environment_labels(v.record.procedure_code),
        **ctx,
    )


def _reading_labels(record: Any) -> dict[str, list[str]]:
    """``{point id: reading labels}`` of the record's form (regenerated from its instrument parameters)."""
    document = record.document if isinstance(record.document, dict) else {}
    try:
        form = service.make_form(record.procedure_code, record.stage, document.get("instrument") or {})
    except (DomainError, LookupError, ValueError, TypeError):  # shown without labels then
        return {}
    return {
        str(p.get("id")): [str(x) for x in p.get("reading_labels") or []]
        for p in (form or {}).get("points", [])
    }


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
