"""HTML pages of honest metrology (诚信计量): regulator list by grade, enterprise credit page with factors,
self-declarations, model-unit designations, the public lists and the scoring rules."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from jiliang.credit import service
from jiliang.credit.schemas import DeclarationCreate, ModelUnitCreate, ModelUnitRevoke
from jiliang.platform.access import Principal
from jiliang.platform.charts import bar_chart
from jiliang.platform.errors import DomainError, Forbidden
from jiliang.platform.i18n import gettext_ as _
from jiliang.platform.web import check_csrf, current_principal, localized, login_required, redirect, render
from jiliang.platform.web import region_labels as platform_region_labels

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def N_(message: str) -> str:
    """Mark a msgid for extraction; it is translated where it is shown (``_(x)`` in the templates)."""
    return message


LABELS = (
    N_("verification_fail"),
    N_("overdue_instrument"),
    N_("netcontent_fail"),
    N_("campaign_finding"),
    N_("commitment"),
    N_("model_unit"),
    N_("draft"),
    N_("published"),
    N_("withdrawn"),
    N_("local policy (unverified)"),
    N_("after the day of the score"),
    N_("rule no longer in force"),
)

#: readable names of the credit-record sources (the codes stay in the API and in data-source attributes)
SOURCE_NAMES = {
    "verification_fail": N_("Failed verification"),
    "overdue_instrument": N_("Instrument overdue for verification"),
    "netcontent_fail": N_("Failed net-content inspection"),
    "campaign_finding": N_("Inspection-campaign finding"),
    "commitment": N_("Honest-metrology commitment"),
    "model_unit": N_("Honest-metrology model unit"),
}


def source_name(code: str) -> str:
    """The translated name of a credit-record source (the code itself when unknown)."""
    return _(SOURCE_NAMES[code]) if code in SOURCE_NAMES else code


_FINDING_DETAIL = re.compile(r"^([a-z_]+) \(([a-z_]+)\)$")


def factor_detail(source: str, detail: str) -> str:
    """A factor's detail for people: a campaign finding's ``category (status)`` is translated."""
    m = _FINDING_DETAIL.match(detail or "")
    if source == "campaign_finding" and m:
        from jiliang.campaigns.views import category_name

        return f"{category_name(m.group(1))} ({_(m.group(2))})"
    return detail


def region_labels(codes: Iterable[str]) -> Callable[[str | None], str]:
    """``name (code)`` for region codes as a function of the code ("—" for none)."""
    labels = platform_region_labels(codes)

    def label(code: str | None) -> str:
        return labels.get(code, code) if code else "—"

    return label


def _form_error(exc: Exception) -> tuple[str, str | None, int]:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first.get("loc", ())) or None
        return f"{field}: {first.get('msg', 'invalid')}", field, 422
    if isinstance(exc, DomainError):
        return exc.message, exc.field, exc.status_code if exc.status_code != 400 else 422
    return str(exc), None, 422


def _opt_region(value: str | None) -> str | None:
    v = (value or "").strip()
    if not v:
        return None
    if not (len(v) == 6 and v.isdigit()):
        raise service.InvalidInput("a region is a 6-digit GB/T 2260 code", field="region")
    return v


# ----------------------------------------------------------------------------------------------------
# regulator list and enterprise page
# ----------------------------------------------------------------------------------------------------
@router.get("/credit")
def list_page(
    request: Request,
    region: str | None = Query(None, max_length=6),
    grade: str | None = Query(None, max_length=1),
    q: str | None = Query(None, max_length=100),
    offset: int = Query(0, ge=0, le=10**9),
    principal: Principal = Depends(login_required),
) -> Response:
    if principal.role == "enterprise" and principal.organisation_id:
        return redirect(f"/credit/enterprises/{principal.organisation_id}")
    if principal.role not in ("regulator", "admin"):
        raise Forbidden("the credit list is for regulators")
    limit = 50
    data = service.list_enterprise_credit(
        principal=principal,
        region=_opt_region(region),
        grade=grade or None,
        q=q or None,
        offset=offset,
        limit=limit,
    )
    grades = ["A", "B", "C", "D"]
    chart = bar_chart(
        [_("Grade %(g)s") % {"g": g} for g in grades],
        [(_("enterprises"), [data.by_grade[g] for g in grades])],
        links=[f"/credit?grade={g}" + (f"&region={region}" if region else "") for g in grades],
    )
    return render(
        request,
        "credit/list.html",
        data=data,
        chart=chart,
        filters={"region": region or "", "grade": grade or "", "q": q or ""},
        offset=offset,
        limit=limit,
        region_default=region or principal.region_code or "",
        region_label=region_labels(r.region_code for r in data.items),
    )


@router.get("/credit/enterprises/{enterprise_id}")
def enterprise_page(
    request: Request, enterprise_id: int, principal: Principal = Depends(login_required)
) -> Response:
    view = service.credit_view(principal=principal, enterprise_id=enterprise_id)
    rules = service.rules_out()
    history = list(reversed(view.history))
    return render(
        request,
        "credit/enterprise.html",
        view=view,
        rules=rules,
        history=history,
        may_refresh=principal.role in ("regulator", "admin"),
        own=principal.role == "enterprise" and principal.organisation_id == enterprise_id,
        source_name=source_name,
        factor_detail=factor_detail,
        region_label=region_labels([view.region_code]),
    )


@router.post("/credit/enterprises/{enterprise_id}/refresh")
def refresh_submit(enterprise_id: int, principal: Principal = Depends(login_required)) -> Response:
    service.refresh_enterprise(principal=principal, enterprise_id=enterprise_id)
    return redirect(f"/credit/enterprises/{enterprise_id}")


@router.post("/credit/refresh")
async def refresh_region_submit(request: Request, principal: Principal = Depends(login_required)) -> Response:
    form = await request.form()
    region = _opt_region(str(form.get("region_code", "")))
    if region is None:
        raise service.InvalidInput("give the region", field="region_code")
    service.refresh_region(principal=principal, region_code=region)
    return redirect(f"/credit?region={region}")


# ----------------------------------------------------------------------------------------------------
# self-declarations
# ----------------------------------------------------------------------------------------------------
@router.get("/credit/declarations")
def declarations_page(
    request: Request, offset: int = Query(0, ge=0, le=10**9), principal: Principal = Depends(login_required)
) -> Response:
    limit = 50
    total, rows = service.list_declarations(principal=principal, offset=offset, limit=limit)
    return render(
        request,
        "credit/declarations.html",
        rows=rows,
        total=total,
        offset=offset,
        limit=limit,
        region_label=region_labels(d.region_code for d in rows),
    )


def _new_declaration(request: Request, status_code: int = 200, **ctx: Any) -> Response:
    template = service.templates()[0]
    today = dt.date.today()
    values = ctx.pop("values", None) or {
        "declared_on": today.isoformat(),
        "valid_until": today.replace(year=today.year + 1).isoformat()
        if not (today.month == 2 and today.day == 29)
        else (today + dt.timedelta(days=365)).isoformat(),
        "items": [i.code for i in template.items],
        "publish": True,
    }
    principal = current_principal(request)
    name = ""
    if principal.organisation_id:
        from jiliang.organisations import service as org_service

        name = org_service.get_organisation(
            principal=principal, organisation_id=principal.organisation_id
        ).name
    intro = localized(template.intro_zh, template.intro_en).format(
        name=name, declared_on="____", valid_until="____"
    )
    return render(
        request,
        "credit/declaration_new.html",
        intro=intro,
        status_code=status_code,
        tpl=template,
        values=values,
        message=ctx.get("message"),
        field=ctx.get("field"),
    )


@router.get("/credit/declarations/new")
def declaration_new(request: Request, principal: Principal = Depends(login_required)) -> Response:
    if principal.role != "enterprise":
        raise Forbidden("only an enterprise makes a self-declaration")
    return _new_declaration(request)


@router.post("/credit/declarations/new")
async def declaration_submit(request: Request, principal: Principal = Depends(login_required)) -> Response:
    if principal.role != "enterprise":
        raise Forbidden("only an enterprise makes a self-declaration")
    form = await request.form()
    values: dict[str, Any] = {
        "template_id": str(form.get("template_id", ""))[:40],
        "items": [str(v)[:40] for v in form.getlist("items")][:20],
        "declared_on": str(form.get("declared_on", "")).strip()[:20],
        "valid_until": str(form.get("valid_until", "")).strip()[:20],
        "publish": str(form.get("publish", "")) in ("1", "on", "true"),
    }
    try:
        data = DeclarationCreate.model_validate(values)
        obj = service.create_declaration(principal=principal, data=data)
    except (DomainError, ValidationError) as exc:
        if isinstance(exc, DomainError) and exc.status_code in (401, 403, 404):
            raise
        message, field, status = _form_error(exc)
        return _new_declaration(request, status_code=status, values=values, message=message, field=field)
    return redirect(f"/credit/declarations/{obj.id}")


@router.get("/credit/declarations/{declaration_id}")
def declaration_page(
    request: Request, declaration_id: int, principal: Principal = Depends(current_principal)
) -> Response:
    d = service.get_declaration(principal=principal, declaration_id=declaration_id)
    template = next((t for t in service.templates() if t.template_id == d.template_id), None)
    return render(
        request,
        "credit/declaration.html",
        d=d,
        tpl=template,
        region_label=region_labels([d.region_code]),
        own=principal.role in ("enterprise", "admin")
        and (principal.role == "admin" or principal.organisation_id == d.enterprise_id),
    )


@router.post("/credit/declarations/{declaration_id}/status")
async def declaration_status(
    request: Request, declaration_id: int, principal: Principal = Depends(login_required)
) -> Response:
    form = await request.form()
    service.set_declaration_status(
        principal=principal, declaration_id=declaration_id, status=str(form.get("status", ""))[:20]
    )
    return redirect(f"/credit/declarations/{declaration_id}")


# ----------------------------------------------------------------------------------------------------
# model units
# ----------------------------------------------------------------------------------------------------
@router.get("/credit/model-units/new")
def model_unit_new(
    request: Request,
    enterprise_id: int | None = Query(None, gt=0, lt=2**31),
    principal: Principal = Depends(login_required),
) -> Response:
    if principal.role not in ("regulator", "admin"):
        raise Forbidden("only a regulator designates model units")
    return render(
        request,
        "credit/model_unit_new.html",
        values={"enterprise_id": enterprise_id or "", "designated_on": dt.date.today().isoformat()},
        message=None,
    )


@router.post("/credit/model-units/new")
async def model_unit_submit(request: Request, principal: Principal = Depends(login_required)) -> Response:
    if principal.role not in ("regulator", "admin"):
        raise Forbidden("only a regulator designates model units")
    form = await request.form()
    values = {
        k: str(form.get(k, "")).strip()[:1000]
        for k in ("enterprise_id", "designated_on", "valid_until", "note")
    }
    try:
        data = ModelUnitCreate.model_validate({**values, "valid_until": values["valid_until"] or None})
        obj = service.designate_model_unit(principal=principal, data=data)
    except (DomainError, ValidationError) as exc:
        if isinstance(exc, DomainError) and exc.status_code in (401, 403):
            raise
        message, _field, status = _form_error(exc)
        return render(
            request, "credit/model_unit_new.html", status_code=status, values=values, message=message
        )
    return redirect(f"/credit/enterprises/{obj.enterprise_id}")


@router.post("/credit/model-units/{unit_id}/revoke")
async def model_unit_revoke(
    request: Request, unit_id: int, principal: Principal = Depends(login_required)
) -> Response:
    form = await request.form()
    try:
        data = ModelUnitRevoke.model_validate(
            {
                "revoked_on": str(form.get("revoked_on", "")).strip()[:20] or dt.date.today().isoformat(),
                "note": str(form.get("note", ""))[:1000],
            }
        )
    except ValidationError as exc:
        raise service.InvalidInput(_form_error(exc)[0], field="revoked_on") from None
    m = service.revoke_model_unit(principal=principal, unit_id=unit_id, data=data)
    return redirect(f"/credit/enterprises/{m.enterprise_id}")


# ----------------------------------------------------------------------------------------------------
# public pages
# ----------------------------------------------------------------------------------------------------
@router.get("/public/credit/model-units")
def public_model_units(
    request: Request, region: str | None = Query(None, max_length=6), offset: int = Query(0, ge=0, le=10**9)
) -> Response:
    limit = 50
    total, rows = service.list_model_units(region=_opt_region(region), offset=offset, limit=limit)
    return render(
        request,
        "credit/public_model_units.html",
        rows=rows,
        total=total,
        offset=offset,
        limit=limit,
        region=region or "",
    )


@router.get("/public/credit/commitments")
def public_commitments(
    request: Request, region: str | None = Query(None, max_length=6), offset: int = Query(0, ge=0, le=10**9)
) -> Response:
    from jiliang.platform.access import PUBLIC

    limit = 50
    total, rows = service.list_declarations(
        principal=PUBLIC, region=_opt_region(region), valid_only=True, offset=offset, limit=limit
    )
    return render(
        request,
        "credit/public_commitments.html",
        rows=rows,
        total=total,
        offset=offset,
        limit=limit,
        region=region or "",
        region_label=region_labels(d.region_code for d in rows),
    )


@router.get("/credit/rules")
def rules_page(request: Request) -> Response:
    return render(request, "credit/rules.html", rules=service.rules_out(), source_name=source_name)
