"""Pydantic schemas: net-content inspection records, statistics and C-mark declarations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from jiliang.netcontent_inspections.models import PRODUCT_CATEGORIES

CATEGORY_PATTERN = "^(" + "|".join(PRODUCT_CATEGORIES) + ")$"
MAX_READINGS = 2000
#: Bound of every number of a record (readings, nominal, density): far beyond any prepackage, and small
#: enough that the core's exact decimal arithmetic stays within its context (no overflow).
MAX_VALUE = Decimal("1e9")
Reading = Annotated[Decimal, Field(allow_inf_nan=False, ge=-MAX_VALUE, le=MAX_VALUE, max_digits=30)]
ID = Field(default=None, ge=1, le=2**31 - 1)


class InspectionIn(BaseModel):
    """A net-content inspection record: the lot, the label, the readings (net, or gross with tare)."""

    model_config = ConfigDict(extra="forbid")

    product_name: str = Field(min_length=1, max_length=200)
    product_category: str = Field(pattern=CATEGORY_PATTERN)
    brand: str = Field(default="", max_length=100)
    batch: str = Field(default="", max_length=100)
    producer_id: int | None = ID
    seller_id: int | None = ID
    producer_name: str = Field(default="", max_length=200, description="producer as printed on the label")
    region_code: str | None = Field(default=None, pattern=r"^\d{6}$", description="default: your region")
    inspected_on: dt.date
    place: str = Field(default="", max_length=300)
    inspectors: list[str] = Field(default_factory=list, max_length=10)
    note: str = Field(default="", max_length=4000)
    campaign_id: int | None = ID
    campaign_task_id: int | None = ID

    lot_size: int | None = Field(default=None, ge=-(2**31), le=2**31 - 1)
    kind: str | None = Field(default=None, max_length=10, description="mass | volume | length | area | count")
    nominal: Reading | None = None
    unit: str | None = Field(default=None, max_length=20, description="unit of the nominal quantity")
    net: list[Reading] | None = Field(default=None, max_length=MAX_READINGS)
    gross: list[Reading] | None = Field(default=None, max_length=MAX_READINGS)
    tare: list[Reading] | Reading | None = Field(default=None)
    tare_method: str | None = Field(default=None, pattern="^(individual|average)$")
    reading_unit: str | None = Field(default=None, max_length=20)
    density: Reading | None = None
    density_unit: str | None = Field(default=None, max_length=20)
    plan_version: str = Field(default="JJF1070-2005", max_length=30)

    label_text: str = Field(default="", max_length=2000)
    label_character_height_mm: Decimal | None = Field(default=None, allow_inf_nan=False, max_digits=10)


class CorrectionIn(InspectionIn):
    correction_reason: str = Field(min_length=1, max_length=2000)


class PublishIn(BaseModel):
    published: bool = True


class InspectionSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    record_key: str
    revision: int
    superseded_by_id: int | None
    status: str
    published: bool
    region_code: str
    producer_id: int | None
    seller_id: int | None
    producer_name: str
    campaign_id: int | None
    campaign_task_id: int | None
    product_name: str
    product_category: str
    brand: str
    batch: str
    lot_size: int
    kind: str
    nominal: str
    unit: str
    sample_size: int
    inspected_on: dt.date
    verdict: str
    reason_codes: list[str]
    tolerable_deficiency: str
    t1_count: int
    t2_count: int
    label_passed: bool | None


class InspectionDetail(InspectionSummary):
    correction_reason: str
    plan_version: str
    place: str
    inspectors: list[str]
    note: str
    label_text: str
    label_character_height_mm: str | None
    label_findings: list[dict[str, Any]]
    measurements: dict[str, Any]
    measurement_source: str
    result: dict[str, Any]
    created_by: str
    created_at: dt.datetime
    finalised_by: str | None
    finalised_at: dt.datetime | None
    published_at: dt.datetime | None


class InspectionPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[InspectionSummary]


class PublicInspection(BaseModel):
    """A published inspection as the public sees it: product, producer (enterprise), verdict; no person."""

    id: int
    product_name: str
    product_category: str
    brand: str
    batch: str
    producer: str
    region_code: str
    inspected_on: dt.date
    kind: str
    nominal: str
    unit: str
    lot_size: int
    sample_size: int
    verdict: str
    reason_codes: list[str]


class PublicInspectionDetail(PublicInspection):
    tolerable_deficiency: dict[str, Any]
    mean_criterion: dict[str, Any]
    counts: dict[str, Any]
    reasons: list[dict[str, Any]]
    plan: dict[str, Any]


class PublicPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[PublicInspection]


class StatRow(BaseModel):
    key: str
    label: str
    inspections: int
    passed: int
    failed: int
    pass_rate: float | None = Field(description="percentage of lots that passed; null when none")
    drill_down: str | None = Field(default=None, description="region code to drill into (by=region)")


class Statistics(BaseModel):
    by: str
    period: str
    region: str | None
    category: str | None
    date_from: dt.date | None
    date_to: dt.date | None
    total: StatRow
    rows: list[StatRow]


class CMarkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enterprise_id: int | None = ID
    products: str = Field(min_length=1, max_length=2000)
    assessment: str = Field(default="", max_length=4000)
    declared_on: dt.date


class CMarkUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    products: str | None = Field(default=None, min_length=1, max_length=2000)
    assessment: str | None = Field(default=None, max_length=4000)
    declared_on: dt.date | None = None
    status: str | None = Field(default=None, pattern="^(active|withdrawn)$")


class CMarkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    enterprise_id: int
    region_code: str
    products: str
    assessment: str
    declared_on: dt.date
    status: str
    created_by: str
    updated_at: dt.datetime


class PublicCMark(BaseModel):
    enterprise_name: str
    region_code: str
    products: str
    declared_on: dt.date
