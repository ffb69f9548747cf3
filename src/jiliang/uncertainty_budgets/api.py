"""JSON API of the uncertainty calculator and of saved budgets under /api/v1."""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from jiliang.core.conformity import ConformityDocumentError, evaluate_document
from jiliang.core.regression import CurveDocumentError, fit_document
from jiliang.platform.access import Principal
from jiliang.platform.web import check_csrf, login_required
from jiliang.uncertainty_budgets import service
from jiliang.uncertainty_budgets.models import UncertaintyBudget
from jiliang.uncertainty_budgets.schemas import (
    BudgetCreate,
    BudgetPage,
    BudgetPublic,
    BudgetSummary,
    BudgetUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["uncertainty"], dependencies=[Depends(check_csrf)])

_EVALUATE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "description": "a model file (docs/uncertainty-model-format.md)",
                },
                "example": {
                    "model": "P = V**2 / R",
                    "inputs": {
                        "V": {"value": 10.0, "u": 0.01, "dof": 9},
                        "R": {"value": 100.0, "half_width": 0.05, "distribution": "rectangular"},
                    },
                    "coverage_probability": 0.95,
                },
            }
        },
    }
}


def public_budget(b: UncertaintyBudget, superseded_by: int | None = None) -> BudgetPublic:
    return BudgetPublic.model_validate(
        {
            **BudgetSummary.model_validate(b).model_dump(),
            "model": b.model,
            "result": b.result,
            "superseded_by_id": superseded_by,
        }
    )


@router.post(
    "/uncertainty/evaluate",
    openapi_extra=_EVALUATE_BODY,
    tags=["public"],
    summary="Evaluate a measurement model (GUM; Monte Carlo and §8 validation on request); stores nothing",
)
async def evaluate(
    request: Request,
    mcm: bool | None = Query(
        None, description="run the Monte Carlo method (JCGM 101); default: if the file has 'mcm'"
    ),
    adaptive: bool | None = Query(None, description="adaptive Monte Carlo (JCGM 101 §7.9)"),
    second_order: bool | None = Query(None, description="add the GUM 5.1.2 second-order terms"),
    histogram: bool = Query(True, description="include the SVG histogram(s) when Monte Carlo ran"),
) -> JSONResponse:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > service.MAX_DOCUMENT_BYTES:
        raise service.ModelInputError(
            f"the model document is larger than {service.MAX_DOCUMENT_BYTES // 1000} kB", field="body"
        )
    raw = await request.body()
    doc = service.parse_document(raw, field="body")
    ev = await run_in_threadpool(
        lambda: service.evaluate(
            document=doc, mcm=mcm, adaptive=adaptive, second_order=second_order, histogram=histogram
        )
    )
    return JSONResponse(service.evaluation_document(ev, histograms=histogram))


# bounds of the public curve and conformity calculators (the document itself is at most 200 kB)
MAX_CURVE_POINTS = 10_000
MAX_CURVE_QUERIES = 1_000
MAX_DECISION_POINTS = 1_000
MAX_RISK_CASES = 50


def _json_body(schema_description: str, example: dict[str, Any]) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "object", "description": schema_description},
                    "example": example,
                }
            },
        }
    }


async def _document(request: Request) -> dict[str, Any]:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > service.MAX_DOCUMENT_BYTES:
        raise service.ModelInputError(
            f"the document is larger than {service.MAX_DOCUMENT_BYTES // 1000} kB", field="body"
        )
    return service.parse_document(await request.body(), field="body")


async def _run_document(compute: Any, document_error: type[Exception]) -> JSONResponse:
    """Run a core document function in the thread pool; every failure is a 422 naming the field."""

    def run() -> dict[str, Any]:
        try:
            result: dict[str, Any] = compute()
            return result
        except document_error as exc:
            raise service.ModelInputError(str(exc), field=getattr(exc, "field", "body")) from exc
        except (ArithmeticError, ValueError, TypeError, np.linalg.LinAlgError) as exc:  # a gap in core's checks
            raise service.ModelInputError(
                f"the document cannot be evaluated: {type(exc).__name__}: {exc}"[:500], field="body"
            ) from exc

    out = await run_in_threadpool(run)
    out["engine_version"] = service.ENGINE_VERSION
    return JSONResponse(out)


@router.post(
    "/uncertainty/curve",
    openapi_extra=_json_body(
        "calibration data (docs/uncertainty-model-format.md, 'Calibration curves')",
        {
            "x": [21.521, 22.012, 22.512, 23.003],
            "y": [-0.171, -0.169, -0.166, -0.159],
            "x0": 20,
            "predict": [30],
            "inverse": [-0.16],
        },
    ),
    tags=["public"],
    summary="Least-squares calibration curve with uncertainty (GUM H.3): coefficients, predictions; stores nothing",
)
async def curve(request: Request) -> JSONResponse:
    doc = await _document(request)
    return await _run_document(
        lambda: fit_document(doc, max_points=MAX_CURVE_POINTS, max_queries=MAX_CURVE_QUERIES), CurveDocumentError
    )


@router.post(
    "/uncertainty/conformity",
    openapi_extra=_json_body(
        "a decision, decision points and/or global risks (docs/uncertainty-model-format.md, 'Conformity')",
        {
            "rule": "jjf1094",
            "error": 0.8,
            "mpev": 1.0,
            "expanded_uncertainty": 0.4,
            "risk": {"itp": 0.95, "tur": 4, "tur_definition": "z540", "lower_limit": -1, "upper_limit": 1},
        },
    ),
    tags=["public"],
    summary="Conformity decision (JJF 1094, ILAC G8, JCGM 106 p_c) and global PFA/PFR (JCGM 106); stores nothing",
)
async def conformity(request: Request) -> JSONResponse:
    doc = await _document(request)
    return await _run_document(
        lambda: evaluate_document(doc, max_points=MAX_DECISION_POINTS, max_risk_cases=MAX_RISK_CASES),
        ConformityDocumentError,
    )


@router.get("/uncertainty-budgets", response_model=BudgetPage)
def list_budgets(
    q: str | None = Query(None, max_length=100),
    attached_kind: str | None = Query(None, pattern="^(measurement_standard|procedure)?$"),
    include_superseded: bool = False,
    offset: int = Query(0, ge=0, le=10**9),
    limit: int = Query(50, ge=1, le=500),
    principal: Principal = Depends(login_required),
) -> BudgetPage:
    total, rows = service.list_budgets(
        principal=principal,
        q=q or None,
        attached_kind=attached_kind or None,
        include_superseded=include_superseded,
        offset=offset,
        limit=limit,
    )
    return BudgetPage(
        total=total, offset=offset, limit=limit, items=[BudgetSummary.model_validate(r) for r in rows]
    )


@router.post("/uncertainty-budgets", response_model=BudgetPublic, status_code=201)
def create_budget(body: BudgetCreate, principal: Principal = Depends(login_required)) -> Any:
    return public_budget(service.create_budget(principal=principal, data=body))


@router.get("/uncertainty-budgets/{budget_id}", response_model=BudgetPublic)
def get_budget(budget_id: int, principal: Principal = Depends(login_required)) -> Any:
    b, later = service.get_budget(principal=principal, budget_id=budget_id)
    return public_budget(b, later)


@router.post(
    "/uncertainty-budgets/{budget_id}/revisions",
    response_model=BudgetPublic,
    status_code=201,
    summary="Revise a budget: creates the next revision; the revised one is kept unchanged",
)
def revise_budget(budget_id: int, body: BudgetUpdate, principal: Principal = Depends(login_required)) -> Any:
    return public_budget(service.revise_budget(principal=principal, budget_id=budget_id, data=body))
