"""HTML pages for organisations."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from jiliang.organisations import service
from jiliang.platform.access import Principal
from jiliang.platform.web import check_csrf, login_required, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


@router.get("/organisations")
def organisations_page(
    request: Request, kind: str | None = Query(None, pattern="^(enterprise|institution)?$"),
    q: str | None = Query(None, max_length=100), offset: int = Query(0, ge=0, le=10**9),
    principal: Principal = Depends(login_required),
) -> Response:
    kind, q = kind or None, q or None  # the filter form submits empty fields for "any"
    total, rows = service.list_organisations(principal=principal, kind=kind, q=q, offset=offset, limit=50)
    return render(request, "organisations/list.html", rows=rows, total=total, offset=offset, limit=50, kind=kind, q=q)


@router.get("/organisations/{organisation_id}")
def organisation_page(request: Request, organisation_id: int, principal: Principal = Depends(login_required)) -> Response:
    org = service.get_organisation(principal=principal, organisation_id=organisation_id)
    return render(request, "organisations/detail.html", org=org)
