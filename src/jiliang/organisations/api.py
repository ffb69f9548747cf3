"""JSON API for organisations under /api/v1."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from jiliang.organisations import service
from jiliang.organisations.schemas import (
    AuthorisationCreate,
    AuthorisationPublic,
    OrganisationCreate,
    OrganisationPublic,
    OrganisationUpdate,
)
from jiliang.platform.access import Principal
from jiliang.platform.web import check_csrf, login_required

router = APIRouter(prefix="/api/v1", tags=["organisations"], dependencies=[Depends(check_csrf)])


class OrganisationPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[OrganisationPublic]


@router.get("/organisations", response_model=OrganisationPage)
def list_organisations(
    kind: str | None = Query(None, pattern="^(enterprise|institution)$"), q: str | None = Query(None, max_length=100),
    region: str | None = Query(None, pattern=r"^\d{6}$"), offset: int = Query(0, ge=0, le=10**9),
    limit: int = Query(50, ge=1, le=500), principal: Principal = Depends(login_required),
) -> OrganisationPage:
    total, rows = service.list_organisations(principal=principal, kind=kind, q=q, region=region, offset=offset, limit=limit)
    return OrganisationPage(total=total, offset=offset, limit=limit, items=[OrganisationPublic.model_validate(r) for r in rows])


@router.post("/organisations", response_model=OrganisationPublic, status_code=201)
def create(body: OrganisationCreate, principal: Principal = Depends(login_required)) -> Any:
    return OrganisationPublic.model_validate(service.create_organisation(principal=principal, data=body))


@router.get("/organisations/{organisation_id}", response_model=OrganisationPublic)
def get(organisation_id: int, principal: Principal = Depends(login_required)) -> Any:
    return OrganisationPublic.model_validate(service.get_organisation(principal=principal, organisation_id=organisation_id))


@router.patch("/organisations/{organisation_id}", response_model=OrganisationPublic)
def update(organisation_id: int, body: OrganisationUpdate, principal: Principal = Depends(login_required)) -> Any:
    return OrganisationPublic.model_validate(
        service.update_organisation(principal=principal, organisation_id=organisation_id, data=body)
    )


@router.get("/organisations/{organisation_id}/authorisations", response_model=list[AuthorisationPublic])
def authorisations(organisation_id: int, principal: Principal = Depends(login_required)) -> list[Any]:
    org = service.get_organisation(principal=principal, organisation_id=organisation_id)
    return [AuthorisationPublic.model_validate(a) for a in org.authorisations]


@router.post("/organisations/{organisation_id}/authorisations", response_model=AuthorisationPublic, status_code=201)
def add_authorisation(organisation_id: int, body: AuthorisationCreate, principal: Principal = Depends(login_required)) -> Any:
    return AuthorisationPublic.model_validate(
        service.add_authorisation(principal=principal, institution_id=organisation_id, data=body)
    )
