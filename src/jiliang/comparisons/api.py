"""JSON API under /api/v1: comparisons, sealed submissions, analyses, publication, PT history."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile

from jiliang.comparisons import service
from jiliang.comparisons.models import Comparison, ComparisonAnalysis, ComparisonSubmission
from jiliang.comparisons.schemas import (
    AnalysisIn,
    AnalysisOut,
    ComparisonCreate,
    ComparisonDetail,
    ComparisonOut,
    ComparisonPage,
    DecisionIn,
    History,
    HistoryRow,
    ParticipantOut,
    PublicComparison,
    PublicHeader,
    PublicPage,
    ScheduleUpdate,
    SubmissionIn,
    SubmissionOut,
)
from jiliang.comparisons.service import InvalidInput
from jiliang.platform.access import Principal
from jiliang.platform.web import check_csrf, login_required

router = APIRouter(prefix="/api/v1", tags=["comparisons"], dependencies=[Depends(check_csrf)])

MAX_BODY = service.MAX_FILE_BYTES + 1024 * 1024


def validate(model: type[BaseModel], body: Any) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(p) for p in first.get("loc", ())) or "body"
        raise InvalidInput(
            f"{loc}: {first.get('msg', 'invalid')}",
            field=loc,
            details=[
                {"field": ".".join(str(p) for p in x.get("loc", ())), "reason": x.get("msg", "")}
                for x in e.errors()[:50]
            ],
        ) from None


async def read_payload(request: Request, file_field: str) -> tuple[Any, bytes | None, str]:
    """A JSON object, or a multipart form with a ``data`` field (JSON) and an optional file."""
    ctype = request.headers.get("content-type", "").lower()
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        raise InvalidInput("the request is too large", field="body")
    if ctype.startswith("multipart/form-data"):
        try:
            form = await request.form(max_files=1, max_fields=20)
        except Exception as e:  # the multipart parser's errors
            raise InvalidInput(f"unreadable multipart body ({type(e).__name__})", field="body") from None
        raw = form.get("data")
        if not isinstance(raw, str):
            raise InvalidInput("the form needs a 'data' field holding the JSON object", field="data")
        body = _json(raw.encode(), "data")
        upload = form.get(file_field)
        data: bytes | None = None
        name = ""
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read(service.MAX_FILE_BYTES + 1)
            name = upload.filename
        return body, data, name
    raw_body = await request.body()
    if len(raw_body) > MAX_BODY:
        raise InvalidInput("the request is too large", field="body")
    return _json(raw_body, "body"), None, ""


def _json(raw: bytes, field: str) -> Any:
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidInput("the body is not valid JSON", field=field) from None
    if not isinstance(body, dict):
        raise InvalidInput("the JSON must be an object", field=field)
    return body


def submission_out(sub: ComparisonSubmission, codes: dict[int, str], used: set[int]) -> SubmissionOut:
    out = SubmissionOut.model_validate(sub)
    out.lab_code = codes.get(sub.participant_id, "")
    out.used = sub.id in used
    return out


def detail_of(principal: Principal, comparison_id: int) -> ComparisonDetail:
    v = service.comparison_view(principal=principal, comparison_id=comparison_id)
    parts = []
    for p in v.participants:
        po = ParticipantOut.model_validate(p)
        po.organisation_name = v.names.get(p.organisation_id, "")
        po.submitted = None if v.submitted_labs is None else p.lab_code in v.submitted_labs
        parts.append(po)
    return ComparisonDetail(
        **ComparisonOut.model_validate(v.comparison).model_dump(),
        pilot_name=v.pilot_name,
        participants=parts,
        submissions=[submission_out(x, v.lab_codes, v.used_ids) for x in v.submissions],
        analyses=[AnalysisOut.model_validate(a) for a in v.analyses],
        submitted_count=None if v.submitted_labs is None else len(v.submitted_labs),
    )


@router.get("/comparisons", response_model=ComparisonPage)
def list_comparisons(
    offset: int = Query(0, ge=0, le=10**9),
    limit: int = Query(50, ge=1, le=500),
    principal: Principal = Depends(login_required),
) -> ComparisonPage:
    total, rows = service.list_comparisons(principal=principal, offset=offset, limit=limit)
    return ComparisonPage(
        total=total, offset=offset, limit=limit, items=[ComparisonOut.model_validate(r) for r in rows]
    )


@router.post(
    "/comparisons",
    response_model=ComparisonOut,
    status_code=201,
    summary="Create a comparison or PT round (JSON, or multipart: data=JSON, protocol=file)",
)
async def create_comparison(request: Request, principal: Principal = Depends(login_required)) -> Any:
    body, data, name = await read_payload(request, "protocol")
    payload: ComparisonCreate = validate(ComparisonCreate, body)
    comp: Comparison = service.create_comparison(
        principal=principal, data=payload, protocol=data, protocol_name=name
    )
    return ComparisonOut.model_validate(comp)


@router.get(
    "/comparisons/pt-history/{organisation_id}",
    response_model=History,
    summary="An institution's scores across published proficiency-testing rounds",
)
def pt_history(organisation_id: int, principal: Principal = Depends(login_required)) -> History:
    name, rows = service.pt_history(principal=principal, organisation_id=organisation_id)
    return History(
        organisation_id=organisation_id, organisation_name=name, rounds=[HistoryRow(**r) for r in rows]
    )


@router.get("/comparisons/{comparison_id}", response_model=ComparisonDetail)
def get_comparison(comparison_id: int, principal: Principal = Depends(login_required)) -> ComparisonDetail:
    return detail_of(principal, comparison_id)


@router.get("/comparisons/{comparison_id}/protocol", summary="The protocol document as uploaded")
def protocol(comparison_id: int, principal: Principal = Depends(login_required)) -> Response:
    data, name = service.protocol_file(principal=principal, comparison_id=comparison_id)
    return _download(data, name)


def _download(data: bytes, name: str) -> Response:
    from urllib.parse import quote

    media = "application/pdf" if name.lower().endswith(".pdf") else "application/octet-stream"
    return Response(
        data, media_type=media, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
    )


@router.put(
    "/comparisons/{comparison_id}/participants/{lab_code}",
    response_model=ParticipantOut,
    summary="Record the circulation of the artefact (received/returned) for one participant",
)
def set_schedule(
    comparison_id: int, lab_code: str, body: ScheduleUpdate, principal: Principal = Depends(login_required)
) -> Any:
    return ParticipantOut.model_validate(
        service.set_schedule(
            principal=principal, comparison_id=comparison_id, lab_code=lab_code[:30], data=body
        )
    )


@router.get(
    "/comparisons/{comparison_id}/submissions",
    response_model=list[SubmissionOut],
    summary="Submissions the caller may see (own only while sealed)",
)
def list_submissions(
    comparison_id: int, principal: Principal = Depends(login_required)
) -> list[SubmissionOut]:
    v = service.comparison_view(principal=principal, comparison_id=comparison_id)
    return [submission_out(x, v.lab_codes, v.used_ids) for x in v.submissions]


@router.post(
    "/comparisons/{comparison_id}/submissions",
    response_model=SubmissionOut,
    status_code=201,
    summary="Submit or amend a result (JSON, or multipart: data=JSON, budget=file)",
)
async def submit(comparison_id: int, request: Request, principal: Principal = Depends(login_required)) -> Any:
    service.comparison_view(principal=principal, comparison_id=comparison_id)  # 404 before reading the body
    body, data, name = await read_payload(request, "budget")
    payload: SubmissionIn = validate(SubmissionIn, body)
    sub = service.submit_result(
        principal=principal, comparison_id=comparison_id, data=payload, budget=data, budget_name=name
    )
    out = SubmissionOut.model_validate(sub)
    return out


@router.get(
    "/comparisons/{comparison_id}/submissions/{submission_id}/budget",
    summary="The uncertainty budget file of a submission the caller may see",
)
def budget(
    comparison_id: int, submission_id: int, principal: Principal = Depends(login_required)
) -> Response:
    data, name = service.budget_file(
        principal=principal, comparison_id=comparison_id, submission_id=submission_id
    )
    return _download(data, name)


@router.post(
    "/comparisons/{comparison_id}/submissions/{submission_id}/decision",
    response_model=SubmissionOut,
    summary="The pilot accepts or rejects a result received after unsealing",
)
def decide(
    comparison_id: int, submission_id: int, body: DecisionIn, principal: Principal = Depends(login_required)
) -> Any:
    return SubmissionOut.model_validate(
        service.decide_submission(
            principal=principal, comparison_id=comparison_id, submission_id=submission_id, data=body
        )
    )


@router.post(
    "/comparisons/{comparison_id}/submissions-csv",
    response_model=list[SubmissionOut],
    status_code=201,
    summary="The pilot enters reported results from a CSV after unsealing",
)
async def bulk(comparison_id: int, request: Request, principal: Principal = Depends(login_required)) -> Any:
    service.comparison_view(principal=principal, comparison_id=comparison_id)
    raw = await request.body()
    if request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise InvalidInput("send the CSV as the request body (text/csv)", field="body")
    subs = service.bulk_enter(principal=principal, comparison_id=comparison_id, data=raw)
    return [SubmissionOut.model_validate(x) for x in subs]


@router.post(
    "/comparisons/{comparison_id}/analyses",
    response_model=AnalysisOut,
    status_code=201,
    summary="Draft A, Draft B (reference value and DoE) or PT scores, as an immutable snapshot",
)
def analyse(comparison_id: int, body: AnalysisIn, principal: Principal = Depends(login_required)) -> Any:
    an: ComparisonAnalysis = service.analyse(principal=principal, comparison_id=comparison_id, data=body)
    return AnalysisOut.model_validate(an)


@router.get("/comparisons/{comparison_id}/analyses/{analysis_id}", response_model=AnalysisOut)
def get_analysis(comparison_id: int, analysis_id: int, principal: Principal = Depends(login_required)) -> Any:
    _, an = service.get_analysis(principal=principal, comparison_id=comparison_id, analysis_id=analysis_id)
    return AnalysisOut.model_validate(an)


@router.post(
    "/comparisons/{comparison_id}/analyses/{analysis_id}/publish",
    response_model=ComparisonOut,
    summary="A regulator approves the analysis and publishes the comparison",
)
def publish(comparison_id: int, analysis_id: int, principal: Principal = Depends(login_required)) -> Any:
    return ComparisonOut.model_validate(
        service.publish(principal=principal, comparison_id=comparison_id, analysis_id=analysis_id)
    )


# ----------------------------------------------------------------------------------------------------
# the public
# ----------------------------------------------------------------------------------------------------
@router.get(
    "/public/comparisons",
    response_model=PublicPage,
    tags=["public"],
    summary="Published comparisons and PT rounds",
)
def published(
    offset: int = Query(0, ge=0, le=10**9),
    limit: int = Query(50, ge=1, le=500),
    kind: str | None = Query(None, pattern=r"^(national|regional|local|proficiency_test)$"),
) -> PublicPage:
    total, rows = service.list_published(offset=offset, limit=limit, kind=kind)
    return PublicPage(
        total=total,
        offset=offset,
        limit=limit,
        items=[
            PublicHeader(
                id=c.id,
                kind=c.kind,
                title=c.title,
                quantity=c.quantity,
                unit=c.unit,
                region_code=c.region_code,
                published_at=c.published_at,
            )
            for c in rows
        ],
    )


@router.get(
    "/public/comparisons/{comparison_id}",
    response_model=PublicComparison,
    tags=["public"],
    summary="The published results of a comparison",
)
def published_one(comparison_id: int) -> PublicComparison:
    v = service.published_view(comparison_id=comparison_id)
    c = v.comparison
    return PublicComparison(
        id=c.id,
        kind=c.kind,
        title=c.title,
        quantity=c.quantity,
        unit=c.unit,
        artefact=c.artefact,
        pilot_name=v.pilot_name,
        region_code=c.region_code,
        deadline=c.deadline,
        published_at=c.published_at,
        participants=[f"{code} {name}" for code, name in v.participants],
        analysis=AnalysisOut.model_validate(v.analysis).model_copy(
            update={"created_by": "", "approved_by": None}
        ),
    )
