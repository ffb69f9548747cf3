"""HTML pages of inspection campaigns: plan, draw, tasks with on-site checklists, findings, public results."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import UploadFile

from jiliang.campaigns import checklists, service
from jiliang.campaigns.models import (
    CAMPAIGN_TYPES,
    FINDING_CATEGORIES,
    SEVERITIES,
    CampaignCheckItem,
    CampaignTask,
)
from jiliang.campaigns.schemas import (
    MAX_EVIDENCE_BYTES,
    CampaignCreate,
    CampaignUpdate,
    FindingCreate,
    FollowUpUpdate,
    InspectionRecord,
    InspectorCreate,
)
from jiliang.campaigns.service import TYPE_SCOPE, InvalidInput
from jiliang.platform.access import Principal
from jiliang.platform.db import read_session
from jiliang.platform.errors import DomainError, Forbidden
from jiliang.platform.i18n import gettext_ as _
from jiliang.platform.web import check_csrf, localized, login_required, redirect, render
from jiliang.platform.web import region_labels as platform_region_labels

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])
ROWS = 4  # empty instrument rows offered by the inspection form


def N_(message: str) -> str:
    """Mark a msgid for extraction; it is translated where it is shown (``_(x)`` in the templates)."""
    return message


LABELS = (
    N_("market"),
    N_("fuel_station"),
    N_("prepackaged_goods"),
    N_("unit_usage"),
    N_("verification_institution"),
    N_("planned"),
    N_("selected"),
    N_("in_progress"),
    N_("completed"),
    N_("pending"),
    N_("inspected"),
    N_("pass"),
    N_("fail"),
    N_("undetermined"),
    N_("not_applicable"),
    N_("minor"),
    N_("major"),
    N_("serious"),
    N_("open"),
    N_("rectified"),
    N_("overdue"),
    N_("closed"),
    N_("error_exceeds_mpe"),
    N_("cheating_device"),
    N_("seal_broken"),
    N_("tamper_signs"),
    N_("verification_mark"),
    N_("unverified_instrument"),
    N_("net_content"),
    N_("records"),
    N_("other"),
)

#: readable names of the finding categories (the codes stay in the API, the forms and the data)
CATEGORY_NAMES = {
    "error_exceeds_mpe": N_("Indication error beyond the maximum permissible error"),
    "cheating_device": N_("Cheating device"),
    "seal_broken": N_("Seal broken or missing"),
    "tamper_signs": N_("Signs of tampering"),
    "verification_mark": N_("No valid verification mark"),
    "unverified_instrument": N_("Instrument not verified"),
    "net_content": N_("Net content short"),
    "records": N_("Records incomplete"),
    "other": N_("Other"),
}

#: readable names of the campaign types
TYPE_NAMES = {
    "market": N_("Market (scales)"),
    "fuel_station": N_("Fuel stations"),
    "prepackaged_goods": N_("Prepackaged goods"),
    "unit_usage": N_("Use of legal units"),
    "verification_institution": N_("Verification institutions"),
}

#: severities of findings
SEVERITY_NAMES = {"minor": N_("Minor"), "major": N_("Major"), "serious": N_("Serious")}

#: why a checklist row failed, for the public (the reason codes of :mod:`jiliang.campaigns.checklists`)
REASON_NAMES = {
    "exceeds_mpe": N_("Indication error beyond the maximum permissible error"),
    "beyond_mpe_plus_u": N_("Indication error beyond the maximum permissible error"),
    "in_undetermined_zone": N_("Indication error too close to the maximum permissible error to decide"),
    "seal_intact_failed": N_("Seal broken or missing"),
    "tamper_signs": N_("Signs of tampering"),
    "cheating_device": N_("Cheating device"),
    "verification_mark_valid_failed": N_("No valid verification mark"),
}


def category_name(code: str) -> str:
    """The translated name of a finding category (the code itself when unknown)."""
    return _(CATEGORY_NAMES[code]) if code in CATEGORY_NAMES else code


def type_name(code: str) -> str:
    return _(TYPE_NAMES[code]) if code in TYPE_NAMES else code


def severity_name(code: str) -> str:
    return _(SEVERITY_NAMES[code]) if code in SEVERITY_NAMES else code


def reason_name(code: str) -> str:
    """A failed checklist row's reason for people: a flag check, the MPE decision or a generic item."""
    if code in REASON_NAMES:
        return _(REASON_NAMES[code])
    if code.endswith("_failed"):
        item = code[: -len("_failed")]
        for t in checklists.catalogue()["templates"]:
            for it in t.get("items", []):
                if it["code"] == item:
                    return _("Not met: %(item)s") % {"item": localized(it["zh"], it["en"])}
    return code


def region_labels(codes: Iterable[str]) -> Callable[[str | None], str]:
    """``name (code)`` for region codes as a function of the code ("—" for none)."""
    labels = platform_region_labels(codes)

    def label(code: str | None) -> str:
        return labels.get(code, code) if code else "—"

    return label


def _failed_reasons(campaign_id: int) -> list[list[tuple[str, int]]]:
    """Per task of a (published) campaign, in rank order: why its checklist failed, as (reason, rows).

    Only the translated reasons and how many rows show them: no subject text, no person, no amount."""
    with read_session() as s:
        task_ids = list(
            s.scalars(
                select(CampaignTask.id)
                .where(CampaignTask.campaign_id == campaign_id)
                .order_by(CampaignTask.rank)
            )
        )
        rows = s.execute(
            select(CampaignCheckItem.task_id, CampaignCheckItem.reasons)
            .where(
                CampaignCheckItem.campaign_id == campaign_id,
                CampaignCheckItem.verdict.in_(("fail", "undetermined")),
            )
            .order_by(CampaignCheckItem.task_id, CampaignCheckItem.position)
        ).all()
    per_task: dict[int, Counter[str]] = {}
    for task_id, reasons in rows:
        counter = per_task.setdefault(int(task_id), Counter())
        for code in dict.fromkeys(str(x) for x in (reasons or [])):
            counter[reason_name(code)] += 1
    return [list(per_task.get(tid, Counter()).items()) for tid in task_ids]


LABEL_HELPERS: dict[str, Any] = {
    "category_name": category_name,
    "type_name": type_name,
    "severity_name": severity_name,
}


def _message(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, DomainError):
        return {"message": exc.message, "field": exc.field, "status": exc.status_code}
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or "form"
        return {"message": f"{field}: {first.get('msg', 'invalid')}", "field": field, "status": 422}
    return {"message": str(exc), "field": None, "status": 422}


def _status(err: dict[str, Any]) -> int:
    return int(err["status"]) if err["status"] != 400 else 422


async def _form(request: Request) -> Any:
    try:
        return await request.form(max_files=2, max_fields=400)
    except Exception as e:  # malformed multipart bodies
        raise InvalidInput(f"unreadable form ({type(e).__name__})", field="form") from None


def _text(form: Any, key: str) -> str:
    v = form.get(key)
    return v.strip() if isinstance(v, str) else ""


# ----------------------------------------------------------------------------------------------------
# public pages
# ----------------------------------------------------------------------------------------------------
@router.get("/public/campaigns")
def public_list(request: Request, offset: int = Query(0, ge=0, le=10**9)) -> Response:
    total, rows = service.list_published(offset=offset, limit=50)
    return render(
        request,
        "campaigns/public_list.html",
        rows=rows,
        total=total,
        offset=offset,
        limit=50,
        region_label=region_labels(r.region_code for r in rows),
        **LABEL_HELPERS,
    )


@router.get("/public/campaigns/{campaign_id}")
def public_page(request: Request, campaign_id: int) -> Response:
    result = service.public_results(campaign_id=campaign_id)  # 404 unless published
    failed = _failed_reasons(campaign_id)
    if len(failed) != len(result.per_entity):  # never mismatch reasons and entities
        failed = [[] for _e in result.per_entity]
    return render(
        request,
        "campaigns/public.html",
        r=result,
        failed=failed,
        region_label=region_labels([result.region_code, *(e.region_code for e in result.per_entity)]),
        **LABEL_HELPERS,
    )


@router.get("/public/campaigns/{campaign_id}/draw")
def public_draw_page(request: Request, campaign_id: int) -> Response:
    draw = service.public_draw(campaign_id=campaign_id)
    return render(request, "campaigns/draw.html", draw=draw, public=True)


# ----------------------------------------------------------------------------------------------------
# campaigns
# ----------------------------------------------------------------------------------------------------
@router.get("/campaigns")
def list_page(
    request: Request, offset: int = Query(0, ge=0, le=10**9), principal: Principal = Depends(login_required)
) -> Response:
    total, rows = service.list_campaigns(principal=principal, offset=offset, limit=50)
    return render(
        request,
        "campaigns/list.html",
        rows=rows,
        total=total,
        offset=offset,
        limit=50,
        region_label=region_labels(r.region_code for r in rows),
        **LABEL_HELPERS,
    )


def _new_form(request: Request, values: dict[str, Any], message: str | None, status: int = 200) -> Response:
    return render(
        request,
        "campaigns/new.html",
        status_code=status,
        message=message,
        values=values,
        types=CAMPAIGN_TYPES,
        sectors={t: list(TYPE_SCOPE[t][1]) for t in CAMPAIGN_TYPES},
        **LABEL_HELPERS,
    )


@router.get("/campaigns/new")
def new_page(request: Request, principal: Principal = Depends(login_required)) -> Response:
    if principal.role not in ("regulator", "admin"):
        raise Forbidden("only a regulator plans an inspection campaign")
    return _new_form(request, {"region_code": principal.region_code or "", "campaign_type": "market"}, None)


@router.post("/campaigns/new")
async def new_submit(request: Request, principal: Principal = Depends(login_required)) -> Response:
    form = await _form(request)
    values = {k: str(v).strip() for k, v in form.items() if k != "csrf_token" and isinstance(v, str)}
    try:
        if principal.role not in ("regulator", "admin"):
            raise Forbidden("only a regulator plans an inspection campaign")
        size = values.get("sample_size", "")
        fraction = values.get("sample_fraction", "")
        payload: dict[str, Any] = {
            "title": values.get("title", ""),
            "campaign_type": values.get("campaign_type", ""),
            "region_code": values.get("region_code", ""),
            "starts_on": values.get("starts_on", ""),
            "ends_on": values.get("ends_on", ""),
            "sample_size": size or None,
            "sample_fraction": (float(fraction) / 100 if _is_number(fraction) else fraction) or None,
            "risk_weighted": values.get("risk_weighted") in ("1", "on", "true"),
            "scope_sectors": [str(v) for v in form.getlist("scope_sectors") if str(v).strip()],
            "scope_counties": [
                c.strip() for c in values.get("scope_counties", "").replace("，", ",").split(",") if c.strip()
            ],
            "note": values.get("note", ""),
        }
        if values.get("inspectors_per_entity"):
            payload["inspectors_per_entity"] = values["inspectors_per_entity"]
        obj = service.create_campaign(principal=principal, data=CampaignCreate.model_validate(payload))
    except (DomainError, ValidationError) as exc:
        err = _message(exc)
        return _new_form(request, values, err["message"], _status(err))
    return redirect(f"/campaigns/{obj.id}")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _detail(
    request: Request, principal: Principal, campaign_id: int, message: str | None = None, status: int = 200
) -> Response:
    view = service.campaign_view(principal=principal, campaign_id=campaign_id)
    return render(
        request,
        "campaigns/detail.html",
        status_code=status,
        view=view,
        c=view.campaign,
        message=message,
        region_label=region_labels(
            [
                view.campaign.region_code,
                *(view.campaign.scope_counties or []),
                *(r.task.region_code for r in view.tasks),
            ]
        ),
        **LABEL_HELPERS,
    )


@router.get("/campaigns/{campaign_id}")
def detail_page(
    request: Request, campaign_id: int, principal: Principal = Depends(login_required)
) -> Response:
    return _detail(request, principal, campaign_id)


@router.post("/campaigns/{campaign_id}/select")
async def select_submit(
    request: Request, campaign_id: int, principal: Principal = Depends(login_required)
) -> Response:
    form = await _form(request)
    seed_text = _text(form, "seed")
    try:
        if seed_text and not seed_text.isdigit():
            raise InvalidInput("the seed is a whole number (decimal digits)", field="seed")
        if seed_text and len(seed_text) > 20:
            raise InvalidInput("the seed has at most 20 digits", field="seed")
        service.select_entities(
            principal=principal, campaign_id=campaign_id, seed=int(seed_text) if seed_text else None
        )
    except InvalidInput as exc:
        return _detail(request, principal, campaign_id, exc.message, 422)
    except DomainError as exc:
        if exc.status_code == 409:
            return _detail(request, principal, campaign_id, exc.message, 409)
        raise
    return redirect(f"/campaigns/{campaign_id}")


@router.post("/campaigns/{campaign_id}/publish")
async def publish_submit(
    request: Request, campaign_id: int, principal: Principal = Depends(login_required)
) -> Response:
    form = await _form(request)
    publish = _text(form, "published") in ("1", "on", "true")
    try:
        service.update_campaign(
            principal=principal, campaign_id=campaign_id, data=CampaignUpdate(published=publish)
        )
    except DomainError as exc:
        if exc.status_code == 409:
            return _detail(request, principal, campaign_id, exc.message, 409)
        raise
    return redirect(f"/campaigns/{campaign_id}")


@router.get("/campaigns/{campaign_id}/draw")
def draw_page(request: Request, campaign_id: int, principal: Principal = Depends(login_required)) -> Response:
    draw = service.campaign_draw(principal=principal, campaign_id=campaign_id)
    return render(request, "campaigns/draw.html", draw=draw, public=False)


# ----------------------------------------------------------------------------------------------------
# tasks
# ----------------------------------------------------------------------------------------------------
def _task_page(
    request: Request,
    principal: Principal,
    task_id: int,
    message: str | None = None,
    status: int = 200,
    values: dict[str, Any] | None = None,
) -> Response:
    view = service.task_view(principal=principal, task_id=task_id)
    kind = checklists.template(view.task.checklist_code)["kind"]
    return render(
        request,
        "campaigns/task.html",
        status_code=status,
        view=view,
        t=view.task,
        c=view.campaign,
        kind=kind,
        tpl=checklists.template(view.task.checklist_code),
        items=checklists.generic_items_for(view.campaign.campaign_type),
        rows=ROWS,
        severities=SEVERITIES,
        categories=FINDING_CATEGORIES,
        message=message,
        values=values or {},
        reason_name=reason_name,
        **LABEL_HELPERS,
    )


@router.get("/campaign-tasks/{task_id}")
def task_page(request: Request, task_id: int, principal: Principal = Depends(login_required)) -> Response:
    return _task_page(request, principal, task_id)


def _flag(form: Any, key: str) -> bool:
    return _text(form, key) in ("1", "on", "true")


def _record_from_form(form: Any, kind: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    nozzles, scales = [], []
    for i in range(ROWS):
        p = f"row{i}_"
        subject = _text(form, p + "subject")
        if not subject:
            continue
        flags = {
            "seal_intact": _flag(form, p + "seal_intact"),
            "tamper_signs": _flag(form, p + "tamper_signs"),
            "cheating_device": _flag(form, p + "cheating_device"),
            "verification_mark_valid": _flag(form, p + "verification_mark_valid"),
        }
        if kind == "fuel_dispenser":
            nozzles.append(
                {
                    "subject": subject,
                    "fuel": _text(form, p + "fuel"),
                    "standard_volume": _text(form, p + "standard_volume") or None,
                    "dispenser_volume": _text(form, p + "dispenser_volume") or None,
                    **flags,
                }
            )
        elif kind == "scale":
            scales.append(
                {
                    "subject": subject,
                    "test_load": _text(form, p + "test_load") or None,
                    "indication": _text(form, p + "indication") or None,
                    "mpe": _text(form, p + "mpe") or None,
                    "mpe_source": _text(form, p + "mpe_source"),
                    **flags,
                }
            )
    answered = [
        {
            "code": it["code"],
            "result": _text(form, "item_" + it["code"]),
            "note": _text(form, "itemnote_" + it["code"]),
        }
        for it in items
        if _text(form, "item_" + it["code"])
    ]
    return {
        "inspected_on": _text(form, "inspected_on"),
        "note": _text(form, "note"),
        "nozzles": nozzles,
        "scales": scales,
        "items": answered,
    }


@router.post("/campaign-tasks/{task_id}/inspection")
async def inspection_submit(
    request: Request, task_id: int, principal: Principal = Depends(login_required)
) -> Response:
    view = service.task_view(principal=principal, task_id=task_id)  # 404 before reading the form
    form = await _form(request)
    kind = checklists.template(view.task.checklist_code)["kind"]
    values = {k: str(v) for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        payload = _record_from_form(form, kind, checklists.generic_items_for(view.campaign.campaign_type))
        service.record_inspection(
            principal=principal, task_id=task_id, data=InspectionRecord.model_validate(payload)
        )
    except (InvalidInput, ValidationError) as exc:
        err = _message(exc)
        return _task_page(request, principal, task_id, err["message"], 422, values)
    except DomainError as exc:
        if exc.status_code == 409:
            return _task_page(request, principal, task_id, exc.message, 409, values)
        raise
    return redirect(f"/campaign-tasks/{task_id}")


@router.post("/campaign-tasks/{task_id}/findings")
async def finding_submit(
    request: Request, task_id: int, principal: Principal = Depends(login_required)
) -> Response:
    service.task_view(principal=principal, task_id=task_id)  # 404 before reading the form
    form = await _form(request)
    values = {k: str(v) for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        shas: list[str] = []
        upload = form.get("evidence")
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read(MAX_EVIDENCE_BYTES + 1)
            ev = service.upload_evidence(
                principal=principal,
                task_id=task_id,
                content=data,
                file_name=upload.filename,
                content_type=upload.content_type or "",
            )
            shas.append(ev.sha256)
        payload = {
            "severity": _text(form, "severity"),
            "category": _text(form, "category"),
            "description": _text(form, "description"),
            "evidence_sha256": shas,
            "penalty_legal_basis": _text(form, "penalty_legal_basis"),
            "penalty_amount": _text(form, "penalty_amount") or None,
            "rectification_deadline": _text(form, "rectification_deadline") or None,
        }
        service.add_finding(principal=principal, task_id=task_id, data=FindingCreate.model_validate(payload))
    except (InvalidInput, ValidationError) as exc:
        err = _message(exc)
        return _task_page(request, principal, task_id, err["message"], 422, values)
    except DomainError as exc:
        if exc.status_code == 409:
            return _task_page(request, principal, task_id, exc.message, 409, values)
        raise
    return redirect(f"/campaign-tasks/{task_id}")


@router.post("/campaign-findings/{finding_id}/follow-up")
async def follow_up_submit(
    request: Request, finding_id: int, principal: Principal = Depends(login_required)
) -> Response:
    f = service.get_finding(principal=principal, finding_id=finding_id)
    form = await _form(request)
    try:
        data = FollowUpUpdate.model_validate(
            {
                "status": _text(form, "status"),
                "note": _text(form, "note"),
                "rectification_deadline": _text(form, "rectification_deadline") or None,
            }
        )
        service.follow_up(principal=principal, finding_id=finding_id, data=data)
    except (InvalidInput, ValidationError) as exc:
        err = _message(exc)
        return _task_page(request, principal, f.task_id, err["message"], 422)
    return redirect(f"/campaign-tasks/{f.task_id}")


# ----------------------------------------------------------------------------------------------------
# inspector pool
# ----------------------------------------------------------------------------------------------------
@router.get("/campaign-inspectors")
def inspectors_page(request: Request, principal: Principal = Depends(login_required)) -> Response:
    rows = service.list_inspectors(principal=principal)
    return render(
        request,
        "campaigns/inspectors.html",
        rows=rows,
        message=None,
        values={"region_code": principal.region_code or ""},
    )


@router.post("/campaign-inspectors")
async def inspectors_submit(request: Request, principal: Principal = Depends(login_required)) -> Response:
    form = await _form(request)
    values = {k: str(v).strip() for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    try:
        conflicts = [
            c.strip() for c in values.get("conflicts", "").replace("，", ",").split(",") if c.strip()
        ]
        data = InspectorCreate.model_validate(
            {
                "region_code": values.get("region_code", ""),
                "name": values.get("name", ""),
                "badge_no": values.get("badge_no", ""),
                "organisation_id": values.get("organisation_id") or None,
                "conflicts": conflicts,
            }
        )
        service.add_inspector(principal=principal, data=data)
    except (InvalidInput, ValidationError) as exc:
        err = _message(exc)
        rows = service.list_inspectors(principal=principal)
        return render(
            request,
            "campaigns/inspectors.html",
            status_code=422,
            rows=rows,
            message=err["message"],
            values=values,
        )
    return redirect("/campaign-inspectors")
