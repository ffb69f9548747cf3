"""JSON API under /api/v1 of honest metrology (诚信计量): declarations, credit, model units, rules."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from jiliang.credit import service
from jiliang.credit.schemas import (
    CreditView,
    DeclarationCreate,
    DeclarationPublic,
    EnterpriseCreditList,
    ModelUnitCreate,
    ModelUnitPublic,
    ModelUnitRevoke,
    RefreshIn,
    RefreshOut,
    RulesOut,
    TemplateOut,
)
from jiliang.platform.access import Principal
from jiliang.platform.web import check_csrf, current_principal, login_required

router = APIRouter(prefix="/api/v1", tags=["credit"], dependencies=[Depends(check_csrf)])

REGION_Q = Query(None, pattern=r"^\d{6}$")


@router.get(
    "/credit/rules", response_model=RulesOut, summary="The credit-score rules (platform policy, public)"
)
def rules() -> RulesOut:
    return service.rules_out()


@router.get(
    "/credit/templates", response_model=list[TemplateOut], summary="Self-declaration templates (public)"
)
def templates() -> list[TemplateOut]:
    return service.templates()


@router.get("/credit/enterprises", response_model=EnterpriseCreditList, summary="Enterprises by credit grade")
def list_credit(
    region: str | None = REGION_Q,
    grade: str | None = Query(None, pattern="^[ABCD]$"),
    q: str | None = Query(None, max_length=100),
    offset: int = Query(0, ge=0, le=10**9),
    limit: int = Query(50, ge=1, le=500),
    principal: Principal = Depends(login_required),
) -> EnterpriseCreditList:
    return service.list_enterprise_credit(
        principal=principal, region=region, grade=grade, q=q, offset=offset, limit=limit
    )


@router.get(
    "/credit/enterprises/{enterprise_id}", response_model=CreditView, summary="Score, factors, history"
)
def get_credit(enterprise_id: int, principal: Principal = Depends(login_required)) -> CreditView:
    return service.credit_view(principal=principal, enterprise_id=enterprise_id)


@router.post("/credit/enterprises/{enterprise_id}/refresh", response_model=RefreshOut)
def refresh_one(enterprise_id: int, principal: Principal = Depends(login_required)) -> RefreshOut:
    return service.refresh_enterprise(principal=principal, enterprise_id=enterprise_id)


@router.post("/credit/refresh", response_model=RefreshOut, summary="Refresh the credit of a region")
def refresh_region(body: RefreshIn, principal: Principal = Depends(login_required)) -> RefreshOut:
    return service.refresh_region(principal=principal, region_code=body.region_code)


@router.get("/credit/declarations", summary="Self-declarations the caller may see (public: published)")
def list_declarations(
    region: str | None = REGION_Q,
    enterprise_id: int | None = Query(None, gt=0, lt=2**31),
    valid_only: bool = False,
    offset: int = Query(0, ge=0, le=10**9),
    limit: int = Query(50, ge=1, le=500),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    total, items = service.list_declarations(
        principal=principal,
        region=region,
        enterprise_id=enterprise_id,
        valid_only=valid_only,
        offset=offset,
        limit=limit,
    )
    return {"total": total, "items": [i.model_dump(mode="json") for i in items]}


@router.post("/credit/declarations", response_model=DeclarationPublic, status_code=201)
def create_declaration(
    body: DeclarationCreate, principal: Principal = Depends(login_required)
) -> DeclarationPublic:
    obj = service.create_declaration(principal=principal, data=body)
    return service.get_declaration(principal=principal, declaration_id=obj.id)


@router.get("/credit/declarations/{declaration_id}", response_model=DeclarationPublic)
def get_declaration(
    declaration_id: int, principal: Principal = Depends(current_principal)
) -> DeclarationPublic:
    return service.get_declaration(principal=principal, declaration_id=declaration_id)


@router.post("/credit/declarations/{declaration_id}/publish", response_model=DeclarationPublic)
def publish_declaration(
    declaration_id: int, principal: Principal = Depends(login_required)
) -> DeclarationPublic:
    service.set_declaration_status(principal=principal, declaration_id=declaration_id, status="published")
    return service.get_declaration(principal=principal, declaration_id=declaration_id)


@router.post("/credit/declarations/{declaration_id}/withdraw", response_model=DeclarationPublic)
def withdraw_declaration(
    declaration_id: int, principal: Principal = Depends(login_required)
) -> DeclarationPublic:
    service.set_declaration_status(principal=principal, declaration_id=declaration_id, status="withdrawn")
    return service.get_declaration(principal=principal, declaration_id=declaration_id)


@router.get("/credit/model-units", summary="Honest-metrology model units (public: active designations)")
def list_model_units(
    region: str | None = REGION_Q,
    offset: int = Query(0, ge=0, le=10**9),
    limit: int = Query(50, ge=1, le=500),
    principal: Principal = Depends(current_principal),
) -> dict[str, Any]:
    total, items = service.list_model_units(
        principal=principal,
        region=region,
        active_only=principal.role not in ("regulator", "admin"),
        offset=offset,
        limit=limit,
    )
    return {"total": total, "items": [i.model_dump(mode="json") for i in items]}


@router.post("/credit/model-units", response_model=ModelUnitPublic, status_code=201)
def designate(body: ModelUnitCreate, principal: Principal = Depends(login_required)) -> ModelUnitPublic:
    obj = service.designate_model_unit(principal=principal, data=body)
    return service.get_model_unit(principal=principal, unit_id=obj.id)


@router.post("/credit/model-units/{unit_id}/revoke", response_model=ModelUnitPublic)
def revoke(
    unit_id: int, body: ModelUnitRevoke, principal: Principal = Depends(login_required)
) -> ModelUnitPublic:
    service.revoke_model_unit(principal=principal, unit_id=unit_id, data=body)
    return service.get_model_unit(principal=principal, unit_id=unit_id)
