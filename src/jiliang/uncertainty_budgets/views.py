"""HTML pages: the public uncertainty calculator and the institutions' saved budgets."""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from jiliang.platform.access import Principal
from jiliang.platform.errors import DomainError
from jiliang.platform.i18n import gettext_ as _
from jiliang.platform.web import check_csrf, login_required, redirect, render
from jiliang.uncertainty_budgets import service
from jiliang.uncertainty_budgets.models import ATTACHED_KINDS
from jiliang.uncertainty_budgets.schemas import BudgetCreate, BudgetUpdate

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def distribution_label(name: str | None) -> str:
    labels = {
        "normal": _("normal"),
        "rectangular": _("rectangular"),
        "triangular": _("triangular"),
        "arcsine": _("arcsine (U-shaped)"),
        "trapezoidal": _("trapezoidal"),
        "student_t": _("Student t"),
    }
    return labels.get(name or "", name or "")


def attached_label(kind: str | None) -> str:
    labels = {
        "measurement_standard": _("measurement standard"),
        "procedure": _("verification/calibration procedure"),
    }
    return labels.get(kind or "", kind or "")


def num(x: Any, digits: int = 6) -> str:
    """A number for the budget table: None or a non-finite value is ∞ (an infinite ν)."""
    if x is None:
        return "∞"
    if isinstance(x, (int, float)):
        if not math.isfinite(x):
            return "∞"
        return f"{x + 0.0:.{digits}g}"  # + 0.0 turns a sensitivity of −0 into 0
    return str(x)


HELPERS: dict[str, Any] = {
    "dist_label": distribution_label,
    "attached_label": attached_label,
    "num": num,
    "attached_kinds": ATTACHED_KINDS,
}


def _form_text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


async def _read_model(form: Any) -> str:
    """The model JSON from the upload (when a file was chosen) or else from the textarea."""
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(service.MAX_DOCUMENT_BYTES + 1)
        if len(data) > service.MAX_DOCUMENT_BYTES:
            raise service.ModelInputError(
                f"the file is larger than {service.MAX_DOCUMENT_BYTES // 1000} kB", field="file"
            )
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise service.ModelInputError("the file is not UTF-8 text", field="file") from exc
    return _form_text(form.get("model_json"))


def _pretty(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2)


@router.get("/tools/uncertainty")
def calculator_page(request: Request) -> Response:
    doc = service.example_document()
    return render(
        request,
        "uncertainty_budgets/calculator.html",
        model_json=_pretty(doc),
        options={"mcm": "mcm" in doc, "adaptive": False, "second_order": False},
        result=None,
        histograms={},
        error=None,
        **HELPERS,
    )


@router.post("/tools/uncertainty")
async def calculator_submit(request: Request) -> Response:
    form = await request.form()
    options = {k: form.get(k) in ("1", "on", "true") for k in ("mcm", "adaptive", "second_order")}
    text = ""
    try:
        text = await _read_model(form)
        doc = service.parse_document(text, field="model")
        ev = await run_in_threadpool(
            lambda: service.evaluate(
                document=doc,
                mcm=options["mcm"],
                adaptive=options["adaptive"] or None,
                second_order=options["second_order"],
            )
        )
    except DomainError as exc:
        return render(
            request,
            "uncertainty_budgets/calculator.html",
            status_code=exc.status_code,
            model_json=text,
            options=options,
            result=None,
            histograms={},
            error=exc,
            **HELPERS,
        )
    result = service.evaluation_document(ev, histograms=False)
    return render(
        request,
        "uncertainty_budgets/calculator.html",
        model_json=_pretty(doc),
        options=options,
        result=result,
        histograms=ev.histogram_svgs(),
        error=None,
        **HELPERS,
    )


@router.get("/uncertainty-budgets")
def budgets_page(
    request: Request,
    q: str | None = Query(None, max_length=100),
    attached_kind: str | None = Query(None, pattern="^(measurement_standard|procedure)?$"),
    offset: int = Query(0, ge=0, le=10**9),
    principal: Principal = Depends(login_required),
) -> Response:
    limit = 50
    total, rows = service.list_budgets(
        principal=principal, q=q or None, attached_kind=attached_kind or None, offset=offset, limit=limit
    )
    return render(
        request,
        "uncertainty_budgets/list.html",
        rows=rows,
        total=total,
        offset=offset,
        limit=limit,
        q=q or "",
        kind=attached_kind or "",
        **HELPERS,
    )


@router.post("/uncertainty-budgets")
async def save_submit(request: Request, principal: Principal = Depends(login_required)) -> Response:
    """Save the calculator's model as a budget of the user's institution."""
    service.check_may_save(principal)
    form = await request.form()
    text = _form_text(form.get("model_json"))
    try:
        doc = service.parse_document(text, field="model")
        data = BudgetCreate(
            name=_form_text(form.get("name")),
            attached_kind=_form_text(form.get("attached_kind")),  # type: ignore[arg-type]
            attached_ref=_form_text(form.get("attached_ref")),
            model=doc,
            change_note=_form_text(form.get("change_note")),
        )
        b = await run_in_threadpool(lambda: service.create_budget(principal=principal, data=data))
    except ValidationError as exc:
        err = exc.errors()[0]
        raise service.ModelInputError(
            str(err.get("msg", "invalid input")), field=".".join(str(p) for p in err.get("loc", ()))
        ) from exc
    return redirect(f"/uncertainty-budgets/{b.id}")


@router.get("/uncertainty-budgets/{budget_id}")
async def budget_page(
    request: Request, budget_id: int, reevaluate: bool = False, principal: Principal = Depends(login_required)
) -> Response:
    b, later = service.get_budget(principal=principal, budget_id=budget_id)
    history = service.budget_history(principal=principal, budget_id=budget_id)
    fresh = None
    same = None
    histograms: dict[str, str] = {}
    if reevaluate:
        ev, same = await run_in_threadpool(
            lambda: service.reevaluate(principal=principal, budget_id=budget_id)
        )
        fresh = service.evaluation_document(ev, histograms=False)
        histograms = ev.histogram_svgs()
    can_revise = (
        principal.role == "institution" and principal.organisation_id == b.organisation_id and later is None
    )
    return render(
        request,
        "uncertainty_budgets/detail.html",
        b=b,
        later=later,
        history=history,
        fresh=fresh,
        same=same,
        histograms=histograms,
        can_revise=can_revise,
        model_json=_pretty(b.model),
        **HELPERS,
    )


@router.post("/uncertainty-budgets/{budget_id}/revise")
async def revise_submit(
    request: Request, budget_id: int, principal: Principal = Depends(login_required)
) -> Response:
    service.get_budget(principal=principal, budget_id=budget_id)  # 404 outside the caller's scope
    service.check_may_save(principal)
    form = await request.form()
    try:
        doc = service.parse_document(_form_text(form.get("model_json")), field="model")
        kind = _form_text(form.get("attached_kind"))
        data = BudgetUpdate(
            name=_form_text(form.get("name")) or None,
            attached_kind=kind or None,  # type: ignore[arg-type]
            attached_ref=_form_text(form.get("attached_ref")) or None,
            model=doc,
            change_note=_form_text(form.get("change_note")),
        )
        new = await run_in_threadpool(
            lambda: service.revise_budget(principal=principal, budget_id=budget_id, data=data)
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        raise service.ModelInputError(
            str(err.get("msg", "invalid input")), field=".".join(str(p) for p in err.get("loc", ()))
        ) from exc
    return redirect(f"/uncertainty-budgets/{new.id}")
