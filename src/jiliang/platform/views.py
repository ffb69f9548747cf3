"""Platform pages (home, login, language, account, audit) and platform API routes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from jiliang.platform import accounts, audit
from jiliang.platform.access import Principal
from jiliang.platform.db import read_session
from jiliang.platform.errors import DomainError, Forbidden
from jiliang.platform.i18n import LANGUAGES
from jiliang.platform.models import AuditLog, Region
from jiliang.platform.security import LANG_COOKIE, SESSION_COOKIE, make_session_cookie
from jiliang.platform.settings import get_settings
from jiliang.platform.web import check_csrf, current_principal, finish, login_required, redirect, render

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["platform"])


def _safe_next(url: str) -> str:
    return url if url.startswith("/") and not url.startswith("//") else "/"


@router.get("/")
def home(request: Request) -> Response:
    return render(request, "home.html")


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", next=_safe_next(next))


@router.post("/login", dependencies=[Depends(check_csrf)])
def login(
    request: Request, username: str = Form(max_length=64), password: str = Form(max_length=200),
    next: str = Form("/"),
) -> Response:
    client = request.client.host if request.client else "?"
    try:
        user = accounts.authenticate(username=username, password=password, client=client)
    except DomainError as exc:
        return render(request, "login.html", status_code=exc.status_code, message=exc.message, next=next)
    response = redirect(_safe_next(next))
    response.set_cookie(
        SESSION_COOKIE, make_session_cookie(user.id, user.session_version), httponly=True, samesite="lax",
        secure=get_settings().cookie_secure, max_age=get_settings().session_max_age_seconds,
    )
    finish(request, response)
    return response


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request) -> Response:
    accounts.logout(principal=current_principal(request))
    response = redirect("/")
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/lang/{code}")
def switch_language(request: Request, code: str) -> Response:
    response = redirect(_safe_next(request.headers.get("referer", "/").split(str(request.base_url).rstrip("/"), 1)[-1]))
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/account")
def account(request: Request, principal: Principal = Depends(login_required)) -> Response:
    return render(request, "account.html", tokens=accounts.list_tokens(principal=principal), new_token=None)


@router.post("/account/tokens", dependencies=[Depends(check_csrf)])
def account_new_token(
    request: Request, name: str = Form("token", max_length=100), principal: Principal = Depends(login_required)
) -> Response:
    token = accounts.create_token(principal=principal, name=name)
    return render(request, "account.html", tokens=accounts.list_tokens(principal=principal), new_token=token)


@router.get("/audit")
def audit_page(request: Request, verify: bool = False, principal: Principal = Depends(login_required)) -> Response:
    if principal.role != "admin":
        raise Forbidden("only an administrator reads the audit log")
    with read_session() as s:
        rows = s.scalars(select(AuditLog).order_by(AuditLog.seq.desc()).limit(100)).all()
        result = audit.verify(s) if verify else None
    return render(request, "audit.html", rows=rows, result=result)


class TokenRequest(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=200)
    name: str = Field(default="api", max_length=100)


class TokenResponse(BaseModel):
    token: str
    token_type: str = "bearer"


@api.post("/tokens", response_model=TokenResponse, summary="Exchange a user name and password for an API token")
def api_token(request: Request, body: TokenRequest) -> TokenResponse:
    client = request.client.host if request.client else "?"
    user = accounts.authenticate(username=body.username, password=body.password, client=client)
    from jiliang.platform.web import principal_from_user

    return TokenResponse(token=accounts.create_token(principal=principal_from_user(user), name=body.name))


class MeResponse(BaseModel):
    username: str
    role: str
    region_code: str | None
    organisation_id: int | None
    duties: list[str]


@api.get("/me", response_model=MeResponse)
def me(principal: Principal = Depends(current_principal)) -> MeResponse:
    return MeResponse(username=principal.username, role=principal.role, region_code=principal.region_code,
                      organisation_id=principal.organisation_id, duties=list(principal.duties))


class RegionOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    level: int
    parent_code: str | None
    source_status: str


@api.get("/regions", response_model=list[RegionOut], summary="Administrative regions (GB/T 2260)")
def regions() -> list[Any]:
    with read_session() as s:
        return [RegionOut.model_validate(r, from_attributes=True) for r in s.scalars(select(Region).order_by(Region.code))]


class AuditVerifyOut(BaseModel):
    rows: int
    ok: bool
    problems: list[dict[str, Any]]


@api.get("/audit/verify", response_model=AuditVerifyOut, summary="Verify the audit chain (administrators)")
def api_audit_verify(principal: Principal = Depends(current_principal)) -> AuditVerifyOut:
    if principal.role != "admin":
        raise Forbidden("only an administrator verifies the audit log")
    with read_session() as s:
        count, problems = audit.verify(s)
    return AuditVerifyOut(rows=count, ok=not problems, problems=[p.__dict__ for p in problems])
