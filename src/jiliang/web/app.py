"""Application factory: assembles the platform and every area's routes."""

from __future__ import annotations

import logging
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from jiliang.core.codes import CodeError
from jiliang.platform import i18n
from jiliang.platform.errors import DomainError
from jiliang.platform.web import add_template_dir, language_middleware_value, render

log = logging.getLogger("jiliang")

AREAS = ("jiliang.organisations", "jiliang.instruments", "jiliang.uncertainty_budgets", "jiliang.unit_inspections",
         "jiliang.netcontent_inspections", "jiliang.credit", "jiliang.comparisons",
         "jiliang.certificates", "jiliang.campaigns", "jiliang.verification")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")[:40]


def _error_response(request: Request, status: int, body: dict[str, Any]) -> Response:
    if _wants_json(request):
        return JSONResponse(body, status_code=status)
    if status == 401 and request.method == "GET":
        from fastapi.responses import RedirectResponse

        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    title = {400: "Invalid request", 401: "Please log in", 403: "Not allowed", 404: "Not found",
             409: "Conflict", 413: "Too large", 422: "Invalid input", 429: "Too many requests"}.get(status, "Error")
    return render(request, "error.html", status_code=status, title=i18n.gettext_(title),
                  message=i18n.gettext_(str(body.get("message", ""))), errors=body.get("errors"))


def create_app() -> FastAPI:
    app = FastAPI(
        title="Jiliang (计量) API",
        version="1",
        description="Metrology platform: register, verification, certificates, comparisons, supervision.",
        docs_url="/docs/api",
        redoc_url=None,
        openapi_url="/openapi.json",
    )

    @app.middleware("http")
    async def language(request: Request, call_next: Any) -> Response:
        i18n.set_language(language_middleware_value(request))
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        return _error_response(request, exc.status_code, exc.as_dict())

    @app.exception_handler(CodeError)
    async def code_error(request: Request, exc: CodeError) -> Response:
        # a malformed or non-existent code reaching core from user input (e.g. a region filter) is a 422
        return _error_response(request, 422, {"error": "invalid_code", "message": str(exc), "field": exc.field})

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"row": None, "field": ".".join(str(p) for p in e.get("loc", ())[1:]) or str(e.get("loc")),
             "reason": e.get("msg", ""), "value": str(e.get("input", ""))[:100]}
            for e in exc.errors()
        ]
        return _error_response(request, 422, {"error": "validation_failed", "message": "invalid input",
                                              "errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error_response(request, exc.status_code, {"error": "http", "message": str(exc.detail)})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:  # pragma: no cover - last resort
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _error_response(request, 500, {"error": "internal", "message": "internal error"})

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.mount("/static", StaticFiles(directory=str(resources.files("jiliang.platform") / "static")), name="static")

    from jiliang.platform import views as platform_views

    app.include_router(platform_views.router)
    app.include_router(platform_views.api)
    import importlib

    for area in AREAS:
        add_template_dir(area)
        for face in ("views", "api"):
            module = importlib.import_module(f"{area}.{face}")
            app.include_router(module.router)
    return app
