"""HTML pages of comparisons and PT rounds: list, create, detail (submit / analyse / publish), analysis,
the public results page with its PDF and CSV, and a participant's PT history."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from starlette.datastructures import UploadFile

from jiliang.comparisons import service
from jiliang.comparisons.api import validate
from jiliang.comparisons.models import COMPARISON_KINDS
from jiliang.comparisons.schemas import AnalysisIn, ComparisonCreate, DecisionIn, SubmissionIn
from jiliang.platform import i18n
from jiliang.platform.access import Principal
from jiliang.platform.errors import DomainError, Forbidden, ValidationReport
from jiliang.platform.web import check_csrf, environment, login_required, redirect, render

router = APIRouter(include_in_schema=False, dependencies=[Depends(check_csrf)])


def N_(message: str) -> str:
    return message


LABELS = (
    N_("national"),
    N_("regional"),
    N_("local"),
    N_("proficiency_test"),
    N_("draft_a"),
    N_("draft_b"),
    N_("pt"),
    N_("all_submitted"),
    N_("deadline_passed"),
    N_("pending"),
    N_("accepted"),
    N_("rejected"),
    N_("satisfactory"),
    N_("questionable"),
    N_("unsatisfactory"),
    N_("warning"),
    N_("action"),
    N_("none"),
    N_("consensus"),
    N_("formulation"),
    N_("reference_lab"),
    N_("robust"),
    N_("fixed"),
    N_("model"),
)


def _error(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, ValidationReport):
        return {"message": exc.message, "errors": [e.as_dict() for e in exc.errors], "status": 422}
    if isinstance(exc, DomainError):
        return {
            "message": exc.message,
            "field": exc.field,
            "status": exc.status_code if exc.status_code != 400 else 422,
            "errors": None,
        }
    return {"message": str(exc), "status": 422, "errors": None}


def _svg(text: str) -> Markup:
    """Core SVG charts are generated strings with escaped labels: embed them as markup."""
    return Markup(text)  # noqa: S704 - produced by jiliang.core.comparison.svg, which XML-escapes labels


def _num(v: Any, digits: int = 9) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "✓" if v else "✗"
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return str(v)


def _ctx() -> dict[str, Any]:
    return {"svg": _svg, "num": _num}


# ----------------------------------------------------------------------------------------------------
# list, create
# ----------------------------------------------------------------------------------------------------
@router.get("/comparisons")
def list_page(
    request: Request, offset: int = Query(0, ge=0, le=10**9), principal: Principal = Depends(login_required)
) -> Response:
    total, rows = service.list_comparisons(principal=principal, offset=offset, limit=50)
    return render(request, "comparisons/list.html", rows=rows, total=total, offset=offset, limit=50)


def _may_create(principal: Principal) -> None:
    if principal.role not in ("regulator", "institution", "admin"):
        raise Forbidden("only a regulator or a pilot institution creates a comparison")


@router.get("/comparisons/new")
def new_page(request: Request, principal: Principal = Depends(login_required)) -> Response:
    _may_create(principal)
    values = {
        "region_code": principal.region_code or "",
        "pilot_id": principal.organisation_id or "",
        "kind": "national",
        "deadline": (service.today() + dt.timedelta(days=60)).isoformat(),
    }
    return render(
        request,
        "comparisons/new.html",
        values=values,
        error=None,
        kinds=COMPARISON_KINDS,
        institutions=service.institutions(principal=principal),
    )


def _participants(text: str) -> list[dict[str, Any]]:
    """Lines "organisation id, lab code[, received, returned]" of the creation form."""
    out = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.replace("，", ",").split(",")]
        if not any(cells):
            continue
        row: dict[str, Any] = {"organisation_id": cells[0], "lab_code": cells[1] if len(cells) > 1 else ""}
        if len(cells) > 2 and cells[2]:
            row["received_on"] = cells[2]
        if len(cells) > 3 and cells[3]:
            row["returned_on"] = cells[3]
        out.append(row)
    return out


@router.post("/comparisons/new")
async def new_submit(request: Request, principal: Principal = Depends(login_required)) -> Response:
    _may_create(principal)
    form = await request.form(max_files=1, max_fields=30)
    values = {k: str(v).strip() for k, v in form.items() if k != "csrf_token" and isinstance(v, str)}
    try:
        body: dict[str, Any] = {
            k: values.get(k, "")
            for k in ("kind", "title", "quantity", "unit", "artefact", "pilot_id", "region_code", "deadline")
        }
        body["participants"] = _participants(values.get("participants", ""))
        data: ComparisonCreate = validate(ComparisonCreate, body)
        upload = form.get("protocol")
        raw, name = None, ""
        if isinstance(upload, UploadFile) and upload.filename:
            raw = await upload.read(service.MAX_FILE_BYTES + 1)
            name = upload.filename
        comp = service.create_comparison(principal=principal, data=data, protocol=raw, protocol_name=name)
    except DomainError as exc:
        err = _error(exc)
        return render(
            request,
            "comparisons/new.html",
            status_code=err["status"],
            values=values,
            error=err,
            kinds=COMPARISON_KINDS,
            institutions=service.institutions(principal=principal),
        )
    return redirect(f"/comparisons/{comp.id}")


# ----------------------------------------------------------------------------------------------------
# detail and its forms
# ----------------------------------------------------------------------------------------------------
def _detail(
    request: Request,
    principal: Principal,
    comparison_id: int,
    status: int = 200,
    error: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    view = service.comparison_view(principal=principal, comparison_id=comparison_id)
    return render(
        request,
        "comparisons/detail.html",
        status_code=status,
        view=view,
        c=view.comparison,
        error=error,
        values=values or {},
        **_ctx(),
    )


@router.get("/comparisons/pt-history/{organisation_id}")
def history_page(
    request: Request, organisation_id: int, principal: Principal = Depends(login_required)
) -> Response:
    name, rows = service.pt_history(principal=principal, organisation_id=organisation_id)
    chart = ""
    scored = [r for r in rows if r["score"] is not None]
    if scored:
        from jiliang.core.comparison import score_chart_svg

        chart = score_chart_svg(
            [f"#{r['comparison_id']}" for r in scored],
            [r["score"] for r in scored],
            kind=scored[-1]["statistic"] or "z",
        )
    return render(
        request,
        "comparisons/history.html",
        name=name,
        rows=rows,
        chart=chart,
        organisation_id=organisation_id,
        **_ctx(),
    )


@router.get("/comparisons/{comparison_id}")
def detail_page(
    request: Request, comparison_id: int, principal: Principal = Depends(login_required)
) -> Response:
    return _detail(request, principal, comparison_id)


@router.get("/comparisons/{comparison_id}/protocol")
def protocol(comparison_id: int, principal: Principal = Depends(login_required)) -> Response:
    data, name = service.protocol_file(principal=principal, comparison_id=comparison_id)
    media = "application/pdf" if name.lower().endswith(".pdf") else "application/octet-stream"
    return Response(
        data, media_type=media, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
    )


@router.post("/comparisons/{comparison_id}/submit")
async def submit_page(
    request: Request, comparison_id: int, principal: Principal = Depends(login_required)
) -> Response:
    service.comparison_view(principal=principal, comparison_id=comparison_id)
    form = await request.form(max_files=1, max_fields=20)
    values = {k: str(v).strip() for k, v in form.items() if k != "csrf_token" and isinstance(v, str)}
    try:
        body: dict[str, Any] = {
            k: values[k] for k in ("value", "standard_uncertainty", "unit", "note") if k in values
        }
        for k in ("dof", "coverage_factor"):
            if values.get(k):
                body[k] = values[k]
        data: SubmissionIn = validate(SubmissionIn, body)
        upload = form.get("budget")
        raw, name = None, ""
        if isinstance(upload, UploadFile) and upload.filename:
            raw = await upload.read(service.MAX_FILE_BYTES + 1)
            name = upload.filename
        service.submit_result(
            principal=principal, comparison_id=comparison_id, data=data, budget=raw, budget_name=name
        )
    except DomainError as exc:
        if isinstance(exc, Forbidden):
            raise
        err = _error(exc)
        return _detail(request, principal, comparison_id, status=err["status"], error=err, values=values)
    return redirect(f"/comparisons/{comparison_id}")


@router.post("/comparisons/{comparison_id}/submissions/{submission_id}/decision")
async def decision_page(
    request: Request, comparison_id: int, submission_id: int, principal: Principal = Depends(login_required)
) -> Response:
    form = await request.form()
    try:
        data: DecisionIn = validate(
            DecisionIn,
            {
                "accept": str(form.get("accept", "")) in ("1", "true", "on"),
                "reason": str(form.get("reason", "")).strip(),
            },
        )
        service.decide_submission(
            principal=principal, comparison_id=comparison_id, submission_id=submission_id, data=data
        )
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        return _detail(request, principal, comparison_id, status=422, error=_error(exc))
    return redirect(f"/comparisons/{comparison_id}")


@router.post("/comparisons/{comparison_id}/bulk")
async def bulk_page(
    request: Request, comparison_id: int, principal: Principal = Depends(login_required)
) -> Response:
    service.comparison_view(principal=principal, comparison_id=comparison_id)
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("file")
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            raw = await upload.read(service.MAX_CSV_BYTES + 1)
        else:
            raw = str(form.get("csv", "")).encode()
        service.bulk_enter(principal=principal, comparison_id=comparison_id, data=raw)
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        return _detail(request, principal, comparison_id, status=422, error=_error(exc))
    return redirect(f"/comparisons/{comparison_id}")


def _analysis_body(values: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": values.get("kind", "")}
    if body["kind"] == "draft_b":
        body["method"] = values.get("method") or "weighted-mean"
        if values.get("uncertainty"):
            body["uncertainty"] = values["uncertainty"]
        if values.get("excluded"):
            body["excluded"] = [
                x.strip() for x in values["excluded"].replace("，", ",").split(",") if x.strip()
            ]
        body["covariance"] = values.get("covariance", "1") in ("1", "on", "true")
        if values.get("form"):
            body["form"] = values["form"]
    if body["kind"] == "pt":
        body["assigned"] = {
            "source": values.get("assigned_source", "consensus"),
            "method": values.get("assigned_method") or "algorithm-a",
        }
        for k, target in (
            ("assigned_value", "value"),
            ("assigned_u", "standard_uncertainty"),
            ("assigned_lab", "lab_code"),
        ):
            if values.get(k):
                body["assigned"][target] = values[k]
        body["sigma_pt"] = {"source": values.get("sigma_source", "robust")}
        for k, target in (("sigma_value", "value"), ("sigma_relative", "relative")):
            if values.get(k):
                body["sigma_pt"][target] = values[k]
        if values.get("homogeneity"):
            try:
                body["homogeneity"] = {"items": json.loads(values["homogeneity"])}
            except ValueError:
                body["homogeneity"] = {"items": "?"}
    return body


@router.post("/comparisons/{comparison_id}/analyses")
async def analyse_page(
    request: Request, comparison_id: int, principal: Principal = Depends(login_required)
) -> Response:
    form = await request.form()
    values = {k: str(v).strip() for k, v in form.items() if k != "csrf_token" and isinstance(v, str)}
    try:
        data: AnalysisIn = validate(AnalysisIn, _analysis_body(values))
        an = service.analyse(principal=principal, comparison_id=comparison_id, data=data)
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        return _detail(request, principal, comparison_id, status=422, error=_error(exc), values=values)
    return redirect(f"/comparisons/{comparison_id}/analyses/{an.id}")


@router.get("/comparisons/{comparison_id}/analyses/{analysis_id}")
def analysis_page(
    request: Request, comparison_id: int, analysis_id: int, principal: Principal = Depends(login_required)
) -> Response:
    comp, an = service.get_analysis(principal=principal, comparison_id=comparison_id, analysis_id=analysis_id)
    header, rows = service.result_rows(an)
    view = service.comparison_view(principal=principal, comparison_id=comparison_id)
    return render(
        request,
        "comparisons/analysis.html",
        c=comp,
        an=an,
        header=header,
        rows=rows,
        may_publish=view.may_publish and an.kind != "draft_a",
        public=False,
        **_ctx(),
    )


@router.post("/comparisons/{comparison_id}/analyses/{analysis_id}/publish")
async def publish_page(
    request: Request, comparison_id: int, analysis_id: int, principal: Principal = Depends(login_required)
) -> Response:
    service.publish(principal=principal, comparison_id=comparison_id, analysis_id=analysis_id)
    return redirect(f"/public/comparisons/{comparison_id}")


# ----------------------------------------------------------------------------------------------------
# the public
# ----------------------------------------------------------------------------------------------------
@router.get("/public/comparisons")
def public_list(request: Request, offset: int = Query(0, ge=0, le=10**9)) -> Response:
    total, rows = service.list_published(offset=offset, limit=50)
    return render(request, "comparisons/public_list.html", rows=rows, total=total, offset=offset, limit=50)


@router.get("/public/comparisons/{comparison_id}")
def public_page(request: Request, comparison_id: int) -> Response:
    v = service.published_view(comparison_id=comparison_id)
    header, rows = service.result_rows(v.analysis)
    return render(
        request,
        "comparisons/public.html",
        v=v,
        c=v.comparison,
        an=v.analysis,
        header=header,
        rows=rows,
        public=True,
        **_ctx(),
    )


@router.get("/public/comparisons/{comparison_id}/results.csv")
def public_csv(comparison_id: int) -> Response:
    v = service.published_view(comparison_id=comparison_id)
    return Response(
        service.results_csv(v.analysis, v.comparison.unit),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="comparison-{comparison_id}.csv"'},
    )


def report_html(v: service.PublishedView) -> str:
    header, rows = service.result_rows(v.analysis)
    env = environment()
    return env.get_template("comparisons/report.html").render(
        v=v, c=v.comparison, an=v.analysis, header=header, rows=rows, lang=i18n.get_language(), **_ctx()
    )


@router.get("/public/comparisons/{comparison_id}/report.pdf")
def public_pdf(comparison_id: int) -> Response:
    v = service.published_view(comparison_id=comparison_id)
    pdf = service.cached_report(
        v.analysis.digest,
        i18n.get_language(),
        lambda: _render_pdf(v),
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="comparison-{comparison_id}.pdf"'},
    )


def _render_pdf(v: service.PublishedView) -> bytes:
    from jiliang.platform.pdf import render_pdf

    return render_pdf(report_html(v), metadata={"title": v.comparison.title, "authors": [v.pilot_name]})
