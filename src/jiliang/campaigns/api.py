"""JSON API under /api/v1: inspection campaigns, the draw and its public re-run, tasks, findings, evidence."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.datastructures import UploadFile

from jiliang.campaigns import checklists, service
from jiliang.campaigns.schemas import (
    MAX_EVIDENCE_BYTES,
    SHA_PATTERN,
    CampaignCreate,
    CampaignPublic,
    CampaignUpdate,
    CheckItemPublic,
    DrawVerifyIn,
    DrawVerifyOut,
    FindingCreate,
    FindingPublic,
    FollowUpUpdate,
    InspectionRecord,
    InspectorCreate,
    InspectorPublic,
    PublicCampaignResult,
    PublicDraw,
    SelectionRequest,
    TaskDetail,
    TaskPublic,
)
from jiliang.campaigns.service import InvalidInput
from jiliang.platform.access import Principal
from jiliang.platform.web import check_csrf, login_required

router = APIRouter(prefix="/api/v1", tags=["campaigns"], dependencies=[Depends(check_csrf)])


class CampaignPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[CampaignPublic]


class EvidenceOut(BaseModel):
    sha256: str
    size: int
    file_name: str
    content_type: str


def task_detail(view: service.TaskView) -> TaskDetail:
    return TaskDetail(
        **TaskPublic.model_validate(view.task).model_dump(),
        enterprise_name=view.enterprise_name,
        items=[CheckItemPublic.model_validate(i) for i in view.items],
        findings=[FindingPublic.model_validate(f) for f in view.findings],
    )


# ----------------------------------------------------------------------------------------------------
# public
# ----------------------------------------------------------------------------------------------------
@router.get("/campaign-checklists", summary="The on-site checklist templates, with MPE sources (public)")
def checklist_templates() -> dict[str, Any]:
    return checklists.catalogue()


@router.get("/public/campaigns", response_model=CampaignPage, summary="Published campaigns (public)")
def public_list(offset: int = Query(0, ge=0, le=10**9), limit: int = Query(50, ge=1, le=500)) -> CampaignPage:
    total, rows = service.list_published(offset=offset, limit=limit)
    return CampaignPage(
        total=total, offset=offset, limit=limit, items=[CampaignPublic.model_validate(r) for r in rows]
    )


@router.get(
    "/public/campaigns/{campaign_id}", response_model=PublicCampaignResult, summary="Published results"
)
def public_results(campaign_id: int) -> PublicCampaignResult:
    return service.public_results(campaign_id=campaign_id)


@router.get(
    "/public/campaigns/{campaign_id}/draw",
    response_model=PublicDraw,
    summary="The published draw: seed, candidates, pool, selection, and whether it re-runs exactly",
)
def public_draw(campaign_id: int) -> PublicDraw:
    return service.public_draw(campaign_id=campaign_id)


@router.post(
    "/public/campaign-draws/verify",
    response_model=DrawVerifyOut,
    summary="Re-run a published draw from its seed, candidate list and pool (anyone; stores nothing)",
)
def verify_draw(body: DrawVerifyIn) -> DrawVerifyOut:
    return service.verify_payload(body)


# ----------------------------------------------------------------------------------------------------
# campaigns
# ----------------------------------------------------------------------------------------------------
@router.get("/campaigns", response_model=CampaignPage)
def list_campaigns(
    offset: int = Query(0, ge=0, le=10**9),
    limit: int = Query(50, ge=1, le=500),
    principal: Principal = Depends(login_required),
) -> CampaignPage:
    total, rows = service.list_campaigns(principal=principal, offset=offset, limit=limit)
    return CampaignPage(
        total=total, offset=offset, limit=limit, items=[CampaignPublic.model_validate(r) for r in rows]
    )


@router.post("/campaigns", response_model=CampaignPublic, status_code=201)
def create_campaign(body: CampaignCreate, principal: Principal = Depends(login_required)) -> Any:
    return CampaignPublic.model_validate(service.create_campaign(principal=principal, data=body))


@router.get("/campaigns/{campaign_id}", response_model=CampaignPublic)
def get_campaign(campaign_id: int, principal: Principal = Depends(login_required)) -> Any:
    return CampaignPublic.model_validate(service.get_campaign(principal=principal, campaign_id=campaign_id))


@router.patch(
    "/campaigns/{campaign_id}", response_model=CampaignPublic, summary="Publish/withdraw, title, note"
)
def update_campaign(
    campaign_id: int, body: CampaignUpdate, principal: Principal = Depends(login_required)
) -> Any:
    return CampaignPublic.model_validate(
        service.update_campaign(principal=principal, campaign_id=campaign_id, data=body)
    )


@router.post(
    "/campaigns/{campaign_id}/selection", response_model=PublicDraw, summary="Make the draw (双随机)"
)
def make_selection(
    campaign_id: int, body: SelectionRequest, principal: Principal = Depends(login_required)
) -> PublicDraw:
    service.select_entities(
        principal=principal, campaign_id=campaign_id, seed=int(body.seed) if body.seed else None
    )
    return service.campaign_draw(principal=principal, campaign_id=campaign_id)


@router.get("/campaigns/{campaign_id}/selection", response_model=PublicDraw)
def get_selection(campaign_id: int, principal: Principal = Depends(login_required)) -> PublicDraw:
    return service.campaign_draw(principal=principal, campaign_id=campaign_id)


@router.get("/campaigns/{campaign_id}/tasks", response_model=list[TaskPublic])
def list_tasks(campaign_id: int, principal: Principal = Depends(login_required)) -> list[Any]:
    return [
        TaskPublic.model_validate(t) for t in service.list_tasks(principal=principal, campaign_id=campaign_id)
    ]


# ----------------------------------------------------------------------------------------------------
# tasks, findings, evidence
# ----------------------------------------------------------------------------------------------------
@router.get("/campaign-tasks/{task_id}", response_model=TaskDetail)
def get_task(task_id: int, principal: Principal = Depends(login_required)) -> TaskDetail:
    return task_detail(service.task_view(principal=principal, task_id=task_id))


@router.put(
    "/campaign-tasks/{task_id}/inspection", response_model=TaskDetail, summary="Record the inspection"
)
def record_inspection(
    task_id: int, body: InspectionRecord, principal: Principal = Depends(login_required)
) -> TaskDetail:
    service.record_inspection(principal=principal, task_id=task_id, data=body)
    return task_detail(service.task_view(principal=principal, task_id=task_id))


@router.post("/campaign-tasks/{task_id}/findings", response_model=FindingPublic, status_code=201)
def add_finding(task_id: int, body: FindingCreate, principal: Principal = Depends(login_required)) -> Any:
    return FindingPublic.model_validate(service.add_finding(principal=principal, task_id=task_id, data=body))


@router.post(
    "/campaign-tasks/{task_id}/evidence",
    response_model=EvidenceOut,
    status_code=201,
    summary="Upload an evidence file (multipart field 'file'); answers its SHA-256",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                }
            },
        }
    },
)
async def upload_evidence(
    task_id: int, request: Request, principal: Principal = Depends(login_required)
) -> Any:
    data, name, ctype = await read_evidence(request)
    ev = service.upload_evidence(
        principal=principal, task_id=task_id, content=data, file_name=name, content_type=ctype
    )
    return EvidenceOut(sha256=ev.sha256, size=ev.size, file_name=ev.file_name, content_type=ev.content_type)


async def read_evidence(request: Request) -> tuple[bytes, str, str]:
    ctype = request.headers.get("content-type", "").lower()
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_EVIDENCE_BYTES + 1024 * 1024:
        raise InvalidInput(
            f"an evidence file has at most {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB", field="file"
        )
    if not ctype.startswith("multipart/form-data"):
        raise InvalidInput("send the file as multipart/form-data (field 'file')", field="file")
    try:
        form = await request.form(max_files=1, max_fields=20)
    except Exception as e:  # the multipart parser's errors (malformed body, too many parts)
        raise InvalidInput(f"unreadable multipart body ({type(e).__name__})", field="file") from None
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InvalidInput("give a file", field="file")
    data = await upload.read(MAX_EVIDENCE_BYTES + 1)
    return data, upload.filename or "evidence", upload.content_type or ""


@router.get("/campaign-tasks/{task_id}/evidence/{sha256}", summary="Download an evidence file")
def get_evidence(task_id: int, sha256: str, principal: Principal = Depends(login_required)) -> Response:
    import re

    if not re.fullmatch(SHA_PATTERN, sha256):
        raise InvalidInput("a SHA-256 is 64 lowercase hexadecimal digits", field="sha256")
    ev = service.get_evidence(principal=principal, task_id=task_id, sha256=sha256)
    return Response(
        ev.content,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{ev.sha256}"', "X-Content-SHA256": ev.sha256},
    )


@router.get("/campaign-findings/{finding_id}", response_model=FindingPublic)
def get_finding(finding_id: int, principal: Principal = Depends(login_required)) -> Any:
    return FindingPublic.model_validate(service.get_finding(principal=principal, finding_id=finding_id))


@router.patch("/campaign-findings/{finding_id}", response_model=FindingPublic, summary="Follow up a finding")
def follow_up(finding_id: int, body: FollowUpUpdate, principal: Principal = Depends(login_required)) -> Any:
    return FindingPublic.model_validate(
        service.follow_up(principal=principal, finding_id=finding_id, data=body)
    )


# ----------------------------------------------------------------------------------------------------
# inspector pool
# ----------------------------------------------------------------------------------------------------
@router.get("/campaign-inspectors", response_model=list[InspectorPublic])
def list_inspectors(principal: Principal = Depends(login_required)) -> list[Any]:
    return [InspectorPublic.model_validate(r) for r in service.list_inspectors(principal=principal)]


@router.post("/campaign-inspectors", response_model=InspectorPublic, status_code=201)
def add_inspector(body: InspectorCreate, principal: Principal = Depends(login_required)) -> Any:
    return InspectorPublic.model_validate(service.add_inspector(principal=principal, data=body))
