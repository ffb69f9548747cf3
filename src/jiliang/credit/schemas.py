"""Pydantic schemas of honest metrology (诚信计量): declarations, model units, credit views."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

ID = Field(gt=0, lt=2**31)
REGION_PATTERN = r"^\d{6}$"
GRADE_PATTERN = "^[ABCD]$"


class DeclarationCreate(BaseModel):
    """A self-declaration from a template: the items committed to, the declaration date and validity."""

    model_config = ConfigDict(extra="forbid")

    template_id: str = Field(min_length=1, max_length=40)
    items: list[str] = Field(min_length=1, max_length=20)
    declared_on: dt.date
    valid_until: dt.date
    publish: bool = True
    enterprise_id: int | None = Field(default=None, gt=0, lt=2**31, description="administrators only")


class DeclarationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise_id: int
    enterprise_name: str = ""
    region_code: str
    template_id: str
    title: str
    text: str
    items: list[str]
    declared_on: dt.date
    valid_until: dt.date
    status: str
    published: bool
    valid_today: bool = False


class ModelUnitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enterprise_id: int = ID
    designated_on: dt.date
    valid_until: dt.date | None = None
    note: str = Field(default="", max_length=1000)


class ModelUnitRevoke(BaseModel):
    model_config = ConfigDict(extra="forbid")

    revoked_on: dt.date
    note: str = Field(default="", max_length=1000)


class ModelUnitPublic(BaseModel):
    id: int
    enterprise_id: int
    enterprise_name: str
    region_code: str
    region_name: str
    designated_on: dt.date
    valid_until: dt.date | None
    revoked_on: dt.date | None
    published: bool
    active: bool


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region_code: str = Field(pattern=REGION_PATTERN)


class RuleOut(BaseModel):
    rule_id: str
    source: str
    severity: str | None
    points: float
    window_days: int | None
    cap: float | None
    basis: str
    basis_zh: str
    source_status: str


class RulesOut(BaseModel):
    version: str
    source: str
    source_status: str
    base_rule_id: str
    base_points: float
    base_basis: str
    base_basis_zh: str
    source_zh: str
    risk_weight_basis_zh: str
    grades: list[dict[str, float | str]]
    risk_weight_formula: str
    risk_weight_basis: str
    rules: list[RuleOut]


class FactorOut(BaseModel):
    """One factor of a score: a credit record with its rule, whether it counts today and why not."""

    record_id: int
    source: str
    source_key: str
    event_on: dt.date
    rule_id: str
    points: float
    basis: str
    basis_zh: str = ""
    source_status: str
    counts: bool
    why_not: str = ""
    window_days: int | None = None
    detail: str = ""


class RuleTotalOut(BaseModel):
    rule_id: str
    counted: int
    raw_points: float
    points: float
    capped: bool


class HistoryOut(BaseModel):
    computed_on: dt.date
    score: float
    grade: str
    rules_version: str


class CreditView(BaseModel):
    enterprise_id: int
    enterprise_name: str
    region_code: str
    computed_on: dt.date | None
    score: float | None
    grade: str | None
    risk_weight: float
    base: float
    rules_version: str
    source_status: str
    factors: list[FactorOut]
    totals: list[RuleTotalOut]
    history: list[HistoryOut]
    declarations: list[DeclarationPublic]
    model_units: list[ModelUnitPublic]


class EnterpriseCreditRow(BaseModel):
    enterprise_id: int
    enterprise_name: str
    region_code: str
    score: float
    grade: str
    computed_on: dt.date


class EnterpriseCreditList(BaseModel):
    total: int
    by_grade: dict[str, int]
    unscored: int
    items: list[EnterpriseCreditRow]


class RefreshOut(BaseModel):
    enterprises: int
    records_added: int
    records_removed: int
    records_changed: int
    scores_written: int


class TemplateItem(BaseModel):
    code: str
    zh: str
    en: str
    basis: str


class TemplateOut(BaseModel):
    template_id: str
    title_zh: str
    title_en: str
    intro_zh: str
    intro_en: str
    closing_zh: str
    closing_en: str
    items: list[TemplateItem]
    source: str
    source_status: str
