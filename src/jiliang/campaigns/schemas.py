"""Pydantic schemas of inspection campaigns: create/update inputs and public outputs (limits on every field)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

TYPE_PATTERN = "^(market|fuel_station|prepackaged_goods|unit_usage|verification_institution)$"
SEVERITY_PATTERN = "^(minor|major|serious)$"
CATEGORY_PATTERN = (
    "^(error_exceeds_mpe|cheating_device|seal_broken|tamper_signs|verification_mark|unverified_instrument|"
    "net_content|unit_usage|records|other)$"
)
REGION_PATTERN = "^[0-9]{6}$"
SHA_PATTERN = "^[0-9a-f]{64}$"
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_ROWS = 200


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CampaignCreate(_In):
    title: str = Field(min_length=1, max_length=200)
    campaign_type: str = Field(pattern=TYPE_PATTERN)
    region_code: str = Field(pattern=REGION_PATTERN)
    starts_on: dt.date
    ends_on: dt.date
    sample_size: int | None = Field(default=None, ge=1, le=100_000)
    sample_fraction: float | None = Field(default=None, gt=0, le=1, allow_inf_nan=False)
    risk_weighted: bool = False
    scope_sectors: list[str] = Field(default_factory=list, max_length=20)
    scope_counties: list[str] = Field(default_factory=list, max_length=200)
    inspectors_per_entity: int = Field(default=2, ge=2, le=10)
    note: str = Field(default="", max_length=2000)


class CampaignUpdate(_In):
    published: bool | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class SelectionRequest(_In):
    seed: str | None = Field(
        default=None, pattern="^[0-9]{1,20}$", description="decimal seed; a fresh one is drawn when empty"
    )


class InspectorCreate(_In):
    region_code: str = Field(pattern=REGION_PATTERN)
    name: str = Field(min_length=1, max_length=100)
    badge_no: str = Field(default="", max_length=50)
    user_id: int | None = Field(default=None, ge=1, lt=2**31)
    organisation_id: int | None = Field(default=None, ge=1, lt=2**31)
    conflicts: list[int] = Field(default_factory=list, max_length=200)


class InspectorPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    region_code: str
    name: str
    badge_no: str
    user_id: int | None
    organisation_id: int | None
    conflicts: list[int]
    active: bool


class _Flags(_In):
    subject: str = Field(min_length=1, max_length=60)
    seal_intact: bool
    tamper_signs: bool
    cheating_device: bool
    verification_mark_valid: bool


class NozzleRow(_Flags):
    subject: str = Field(min_length=1, max_length=60, description="nozzle number, e.g. 1-2")
    fuel: str = Field(default="", max_length=30)
    standard_volume: float = Field(gt=0, le=10_000, allow_inf_nan=False, description="standard can, L")
    dispenser_volume: float = Field(
        ge=0, le=10_000, allow_inf_nan=False, description="dispenser indication, L"
    )
    expanded_uncertainty: float = Field(default=0, ge=0, le=100, allow_inf_nan=False, description="U95, %")


class ScaleRow(_Flags):
    subject: str = Field(min_length=1, max_length=60, description="scale number")
    max_capacity: float | None = Field(default=None, gt=0, le=1e6, allow_inf_nan=False, description="Max, kg")
    test_load: float = Field(gt=0, le=1e6, allow_inf_nan=False, description="test weights, kg")
    indication: float = Field(ge=0, le=1e6, allow_inf_nan=False, description="indication, kg")
    mpe: float = Field(gt=0, le=1e3, allow_inf_nan=False, description="MPE at this load, kg")
    mpe_source: str = Field(min_length=1, max_length=300, description="where the MPE comes from")
    expanded_uncertainty: float = Field(default=0, ge=0, le=1e3, allow_inf_nan=False, description="U95, kg")


class ItemRow(_In):
    code: str = Field(min_length=1, max_length=60)
    result: str = Field(pattern="^(pass|fail|not_applicable)$")
    note: str = Field(default="", max_length=1000)


class FindingCreate(_In):
    severity: str = Field(pattern=SEVERITY_PATTERN)
    category: str = Field(pattern=CATEGORY_PATTERN)
    description: str = Field(min_length=1, max_length=4000)
    found_on: dt.date | None = None
    evidence_sha256: list[str] = Field(default_factory=list, max_length=50)
    penalty_legal_basis: str = Field(default="", max_length=2000)
    penalty_amount: Decimal | None = Field(default=None, ge=0, le=Decimal("1e11"), decimal_places=2)
    rectification_deadline: dt.date | None = None


class InspectionRecord(_In):
    inspected_on: dt.date
    note: str = Field(default="", max_length=4000)
    nozzles: list[NozzleRow] = Field(default_factory=list, max_length=MAX_ROWS)
    scales: list[ScaleRow] = Field(default_factory=list, max_length=MAX_ROWS)
    items: list[ItemRow] = Field(default_factory=list, max_length=MAX_ROWS)
    findings: list[FindingCreate] = Field(default_factory=list, max_length=MAX_ROWS)


class FollowUpUpdate(_In):
    status: str = Field(pattern="^(open|rectified|overdue|closed)$")
    note: str = Field(default="", max_length=2000)
    rectification_deadline: dt.date | None = None


class CampaignPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    campaign_type: str
    region_code: str
    starts_on: dt.date
    ends_on: dt.date
    sample_size: int | None
    sample_fraction: float | None
    risk_weighted: bool
    scope_sectors: list[str]
    scope_counties: list[str]
    inspectors_per_entity: int
    note: str
    status: str
    seed: str | None
    inputs_digest: str | None
    published: bool
    published_at: dt.datetime | None
    created_by: str


class CheckItemPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    template_code: str
    position: int
    subject: str
    data: dict[str, Any]
    error: float | None
    error_unit: str
    mpe: float | None
    mpe_source: str
    mpe_source_status: str
    rule: str
    verdict: str
    reasons: list[str]


class FindingPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    campaign_id: int
    task_id: int
    enterprise_id: int
    region_code: str
    found_on: dt.date
    severity: str
    category: str
    description: str
    evidence_sha256: list[str]
    penalty_legal_basis: str
    penalty_amount: Decimal | None
    rectification_deadline: dt.date | None
    status: str
    status_note: str


class TaskPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    campaign_id: int
    enterprise_id: int
    region_code: str
    rank: int
    inspector_ids: list[int]
    checklist_code: str
    status: str
    inspected_on: dt.date | None
    result: str | None
    note: str


class TaskDetail(TaskPublic):
    enterprise_name: str
    items: list[CheckItemPublic]
    findings: list[FindingPublic]


class PublicEntityResult(BaseModel):
    enterprise_name: str
    region_code: str
    inspected_on: dt.date | None
    result: str | None
    findings_minor: int
    findings_major: int
    findings_serious: int
    rectification: str | None


class PublicCampaignResult(BaseModel):
    id: int
    title: str
    campaign_type: str
    region_code: str
    starts_on: dt.date
    ends_on: dt.date
    published_at: dt.datetime | None
    entities: int
    inspected: int
    passed: int
    failed: int
    findings_by_category: dict[str, int]
    findings_by_severity: dict[str, int]
    per_entity: list[PublicEntityResult]


class PublicDraw(BaseModel):
    campaign_id: int
    seed: str
    algorithm: str
    algorithm_version: str
    inputs_digest: str
    entities: list[dict[str, Any]] = Field(
        description="candidates: id (organisation id), organisation, weight"
    )
    inspectors: list[dict[str, Any]] = Field(description="pool: id, organisation, conflicts")
    selection: dict[str, Any]
    reproduced: bool


class DrawVerifyIn(_In):
    selection: dict[str, Any]
    entities: list[dict[str, Any]] = Field(max_length=1_000_000)
    inspectors: list[dict[str, Any]] = Field(max_length=100_000)


class DrawVerifyOut(BaseModel):
    reproduced: bool
    recomputed: dict[str, Any] | None
    reason: str
