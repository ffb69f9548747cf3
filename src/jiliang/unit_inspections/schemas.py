"""Pydantic schemas: the public unit tools (convert, show, check) and the special inspections."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

#: Largest text or file accepted by the checker (bytes of the upload, characters of a pasted text).
MAX_CHECK_BYTES = 10 * 1024 * 1024
KIND_PATTERN = "^(listing|label|advertisement|contract|web_page)$"
STATUS_PATTERN = "^(open|rectified|closed)$"
EXEMPTION_PATTERN = "^[A-Z0-9-]{1,40}$"


# ----------------------------------------------------------------------------------------------------
# public tools
# ----------------------------------------------------------------------------------------------------
class UnitForms(BaseModel):
    """One unit expression written in Chinese and in English."""

    zh: str
    en: str


class ConversionOut(BaseModel):
    value: float
    from_unit: UnitForms
    to_unit: UnitForms
    result: float
    scale: float = Field(description="y = scale·x + offset (float, from pint behind the registry)")
    offset: float
    exact_scale: str | None = Field(
        description="the scale as an exact fraction, e.g. '1/2'; null when π or a "
        "measured constant is involved"
    )
    exact_offset: str | None
    equivalences: list[str]
    formatted: UnitForms = Field(description="the conversion as a sentence, e.g. '5 斤 = 2.5 千克'")


class UnitPart(BaseModel):
    code: str
    quantity_kind: str
    status: str
    legal: bool
    name_zh: str
    name_en: str
    symbol: str
    symbol_zh: str
    source: str
    source_status: str
    restriction: str | None
    replacement: str | None


class UnitOut(BaseModel):
    expression: str
    symbol: UnitForms
    name: UnitForms
    quantity_kind: str | None = Field(description="kind of a single unit; null for a compound expression")
    dimension: dict[str, int]
    legal: bool
    dsi: str | None
    dsi_error: str | None
    units: list[UnitPart]


class CheckIn(BaseModel):
    text: str = Field(max_length=MAX_CHECK_BYTES, description="the text to check")
    exemptions: list[str] | None = Field(
        default=None, max_length=20, description="context exemptions to apply (default: the enabled ones)"
    )
    include_exempt: bool = False


class FindingOut(BaseModel):
    where: str
    line: int | None = None
    column: int | None = None
    start: int | None = Field(default=None, description="character offset in the whole text (text input)")
    end: int | None = None
    sheet: str | None = None
    row: int | None = Field(default=None, description="1-based row (table input)")
    cell: str | None = None
    text: str
    unit: str
    unit_code: str | None
    number: str | None
    replacement: str
    converted: str | None
    message: str
    rule_id: str
    category: str
    severity: str
    source: str
    source_status: str
    exempted_by: str | None


class CheckOut(BaseModel):
    kind: str = Field(description="text | table")
    name: str
    registry_version: str
    rules_version: str
    count: int
    findings: list[FindingOut]


# ----------------------------------------------------------------------------------------------------
# special inspections
# ----------------------------------------------------------------------------------------------------
class InspectionCreate(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    region_code: str = Field(pattern=r"^\d{6}$")
    starts_on: dt.date
    ends_on: dt.date
    note: str = Field(default="", max_length=4000)


class InspectionUpdate(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    note: str | None = Field(default=None, max_length=4000)
    published: bool | None = None


class InspectionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    region_code: str
    starts_on: dt.date
    ends_on: dt.date
    note: str
    published: bool
    created_by: str


class DocumentCreate(BaseModel):
    enterprise_id: int = Field(ge=1, le=2**31 - 1)
    kind: str = Field(pattern=KIND_PATTERN)
    title: str = Field(default="", max_length=200)
    text: str = Field(min_length=1, max_length=MAX_CHECK_BYTES)


class DocumentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    inspection_id: int
    enterprise_id: int
    kind: str
    title: str
    file_name: str
    sha256: str
    content_kind: str
    finding_count: int
    checked_by: str
    checked_at: dt.datetime


class StoredFinding(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    char_offset: int | None
    length: int
    line: int | None
    sheet: str | None
    row_no: int | None
    column_no: int | None
    cell: str | None
    text: str
    unit: str
    unit_code: str | None
    replacement: str
    converted: str | None
    message: str
    rule_id: str
    category: str
    severity: str
    source: str
    source_status: str


class DocumentDetail(DocumentPublic):
    content: str
    sheets: list[dict[str, Any]]
    findings: list[StoredFinding]


class FollowUpUpdate(BaseModel):
    deadline: dt.date | None = None
    status: str = Field(default="open", pattern=STATUS_PATTERN)
    note: str = Field(default="", max_length=4000)


class FollowUpPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    inspection_id: int
    enterprise_id: int
    deadline: dt.date | None
    status: str
    note: str
    updated_by: str
    updated_at: dt.datetime


class EnterpriseSummary(BaseModel):
    enterprise_id: int
    enterprise_name: str
    documents: int
    findings: int
    follow_up_status: str | None
    deadline: dt.date | None


class InspectionDetail(InspectionPublic):
    enterprises: list[EnterpriseSummary]
    documents: list[DocumentPublic]
    follow_ups: list[FollowUpPublic]


class PublicInspectionHeader(BaseModel):
    """A published inspection as the public sees it (no note, no user names)."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    title: str
    region_code: str
    starts_on: dt.date
    ends_on: dt.date


class PublicEnterpriseCount(BaseModel):
    """What the public sees per enterprise: its name and the counts, nothing else."""

    enterprise_name: str
    documents: int
    findings: int
    status: str | None


class PublicInspectionResult(BaseModel):
    id: int
    title: str
    region_code: str
    starts_on: dt.date
    ends_on: dt.date
    enterprises: int
    documents: int
    findings: int
    per_enterprise: list[PublicEnterpriseCount]
