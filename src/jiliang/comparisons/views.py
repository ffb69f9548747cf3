"""HTML pages of comparisons and PT rounds: list, create, detail (submit / analyse / publish), analysis,
the public results page with its PDF and CSV, and a participant's PT history."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from decimal import Decimal
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape as xml_escape

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
from jiliang.platform.web import (
    check_csrf,
    environment,
    login_required,
    redirect,
    region_labels,  # the one lookup every area uses
    render,
)

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


_REF_LABEL = re.compile(r'(fill="#7a5200">)([^<]*): ([^<]*) ± ([^<]*)(</text>)')


def reference_svg(analysis: Any, unit: str) -> str:
    """The stored results plot with its reference-value label rewritten for people: the core labels it
    "method: y ± U" with y to 6 significant digits (which can hide 9.9999975 as "10"); the label shown is
    the translated method with y and U rounded to U at two significant digits."""
    text = analysis.svg or ""
    ref = (analysis.outputs or {}).get("reference") if analysis.kind == "draft_b" else None
    if not text or not isinstance(ref, dict):
        return text
    try:
        y, big_u = value_and_uncertainty(float(ref["value"]), float(ref["expanded_uncertainty"]))
    except (KeyError, TypeError, ValueError):
        return text
    label = f"{method_label(analysis.method)}: {y} ± {big_u} {unit}".strip()
    return _REF_LABEL.sub(lambda m: f"{m.group(1)}{xml_escape(label)}{m.group(5)}", text, count=1)


def _num(v: Any, digits: int = 9) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "✓" if v else "✗"
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return str(v)


def _ctx() -> dict[str, Any]:
    return {
        "svg": _svg,
        "num": _num,
        "fmt": fmt,
        "vu": value_and_uncertainty,
        "plain": plain,
        "method_label": method_label,
        "submitter": submitter_name,
        "reference_svg": reference_svg,
    }


# ----------------------------------------------------------------------------------------------------
# numbers and names for people (pages and the PDF; the CSV keeps full precision)
# ----------------------------------------------------------------------------------------------------
def decimals_for(uncertainty: float | None, significant: int = 2) -> int | None:
    """Decimal places that show ``uncertainty`` with ``significant`` significant digits (GUM 7.2.6:
    an uncertainty is given to at most two significant digits, the value to the same decimal place)."""
    if uncertainty is None or not isinstance(uncertainty, int | float) or isinstance(uncertainty, bool):
        return None
    if not math.isfinite(uncertainty) or uncertainty == 0:
        return None
    return max(0, significant - 1 - math.floor(math.log10(abs(uncertainty))))


def fmt(value: Any, decimals: int | None = None, significant: int = 4) -> str:
    """A number for people: ``decimals`` fixed places when given (at most 15), otherwise ``significant``
    significant digits, never in e-notation for ordinary magnitudes."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, float):
        return str(value)
    if not math.isfinite(value):
        return "—" if math.isnan(value) else ("∞" if value > 0 else "−∞")
    if decimals is not None and decimals <= 15:
        return f"{value:.{decimals}f}"
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    if -12 <= exponent < 15:
        return f"{value:.{max(0, significant - 1 - exponent)}f}"
    return f"{value:.{significant - 1}e}"


def plain(value: Any) -> str:
    """A stored number exactly as it reads back (shortest round-trip digits), without e-notation."""
    if isinstance(value, float) and math.isfinite(value):
        return f"{Decimal(repr(value)):f}"
    return fmt(value)


def value_and_uncertainty(value: Any, uncertainty: Any, significant: int = 2) -> tuple[str, str]:
    """``value`` and ``uncertainty`` with the same decimal places, the uncertainty to two significant
    digits."""
    d = decimals_for(uncertainty, significant)
    return fmt(value, d), fmt(uncertainty, d)


HEADERS = {
    "lab": N_("Lab code"),
    "version": N_("Version"),
    "x": N_("Reported value x"),
    "contributes": N_("Contributes to the reference value"),
    "classification": N_("Classification"),
    "signal": N_("Signal"),
    "late": N_("late"),
}
SYMBOLS = {
    "E_n": "E<sub>n</sub>",
    "zeta": "ζ",
    "z'": "z′",
    "dof": "ν",
    "U(d)": "U(d)",
}
METHODS = {
    "weighted-mean": N_("Weighted mean"),
    "procedure-b": N_("Procedure B (Monte Carlo)"),
    "largest-consistent-subset": N_("Largest consistent subset"),
    "arithmetic-mean": N_("Arithmetic mean"),
    "median": N_("Median"),
    "dersimonian-laird": N_("DerSimonian–Laird random-effects model"),
    "paule-mandel": N_("Paule–Mandel random-effects model"),
    "linear-pool": N_("Linear opinion pool"),
    "pt:consensus": N_("Assigned value: consensus of the participants"),
    "pt:formulation": N_("Assigned value: formulation"),
    "pt:reference_lab": N_("Assigned value: reference laboratory"),
}


def method_label(method: str | None) -> str:
    """A translated method name; the code itself when it is not known."""
    if not method:
        return "—"
    label = METHODS.get(method)
    return i18n.gettext_(label) if label else method


def header_label(code: str) -> Markup:
    if code in HEADERS:
        return Markup.escape(i18n.gettext_(HEADERS[code]))
    return Markup(SYMBOLS[code]) if code in SYMBOLS else Markup.escape(code)  # noqa: S704 - constants


def display_table(
    analysis: Any, header: list[str], rows: list[list[Any]]
) -> tuple[list[Markup], list[list[str]]]:
    """The results table for people: translated headers, words translated, numbers rounded to the
    uncertainty (x, u, U to the decimal place of u at two significant digits; d, U(d) to that of U(d);
    D to that of σ_pt; scores to two decimals)."""
    out = analysis.outputs or {}
    sigma_decimals = decimals_for(out.get("sigma_pt")) if analysis.kind == "pt" else None
    relative_decimals = None  # D% to the decimal place of σ_pt relative to x_pt
    if analysis.kind == "pt":
        try:
            relative_decimals = decimals_for(100 * float(out["sigma_pt"]) / abs(float(out["x_pt"])))
        except (KeyError, TypeError, ValueError, ZeroDivisionError):
            relative_decimals = None
    table: list[list[str]] = []
    for r in rows:
        cells = dict(zip(header, r, strict=False))
        d_u = decimals_for(cells.get("u"))
        d_d = decimals_for(cells.get("U(d)"))
        line: list[str] = []
        for h, v in zip(header, r, strict=False):
            if h == "lab":
                line.append(str(v))
            elif isinstance(v, str):
                line.append(i18n.gettext_(v))
            elif isinstance(v, bool):
                line.append(i18n.gettext_("yes") if v else i18n.gettext_("no"))
            elif h in ("x", "u", "U"):
                line.append(fmt(v, d_u if d_u is not None else sigma_decimals))
            elif h in ("d", "U(d)"):
                line.append(fmt(v, d_d))
            elif h == "D":
                line.append(fmt(v, sigma_decimals))
            elif h in ("E_n", "z", "z'", "zeta", "k"):
                line.append(fmt(v, 2))
            elif h == "D%":
                line.append(fmt(v, relative_decimals, 2))
            else:
                line.append(fmt(v))
            if h == "D%" and line[-1] != "—":
                line[-1] += " %"
        table.append(line)
    return [header_label(h) for h in header], table


def submitter_name(view: Any, submission: Any) -> str:
    """Who entered a submission, as an organisation: the pilot for results entered on a participant's
    behalf, otherwise the participant's institution (never a user name)."""
    if submission.on_behalf:
        return str(view.pilot_name)
    org = next((p.organisation_id for p in view.participants if p.id == submission.participant_id), None)
    return str(view.names.get(org, view.lab_codes.get(submission.participant_id, ""))) if org else ""




# ----------------------------------------------------------------------------------------------------
# list, create
# ----------------------------------------------------------------------------------------------------
@router.get("/comparisons")
def list_page(
    request: Request, offset: int = Query(0, ge=0, le=10**9), principal: Principal = Depends(login_required)
) -> Response:
    total, rows = service.list_comparisons(principal=principal, offset=offset, limit=50)
    return render(
        request,
        "comparisons/list.html",
        rows=rows,
        total=total,
        offset=offset,
        limit=50,
        regions=region_labels(r.region_code for r in rows),
    )


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
        regions=region_labels([view.comparison.region_code]),
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
    header, rows = display_table(an, *service.result_rows(an))
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
    return render(
        request,
        "comparisons/public_list.html",
        rows=rows,
        total=total,
        offset=offset,
        limit=50,
        regions=region_labels(r.region_code for r in rows),
    )


@router.get("/public/comparisons/{comparison_id}")
def public_page(request: Request, comparison_id: int) -> Response:
    v = service.published_view(comparison_id=comparison_id)
    header, rows = display_table(v.analysis, *service.result_rows(v.analysis))
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
        results_csv(v.analysis, v.comparison.unit),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="comparison-{comparison_id}.csv"'},
    )


def results_csv(analysis: Any, unit: str) -> bytes:
    """The published results as CSV for machines: the stored codes as headers and every number at full
    precision (the shortest text that reads back as the same float); only pages and the PDF round."""
    header, rows = service.result_rows(analysis)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([*header, "unit"])
    for r in rows:
        w.writerow([("" if v is None else (repr(v) if isinstance(v, float) else v)) for v in r] + [unit])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def report_html(v: service.PublishedView) -> str:
    header, rows = display_table(v.analysis, *service.result_rows(v.analysis))
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
