"""Pydantic schemas for the register."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class InstrumentCreate(BaseModel):
    code: str | None = Field(default=None, max_length=32, description="generated when empty")
    catalogue_code: str = Field(min_length=1, max_length=8)
    owner_id: int = Field(ge=1, le=2**31 - 1)  # an INTEGER key
    maker: str = Field(default="", max_length=200)
    model: str = Field(default="", max_length=100)
    serial_number: str = Field(default="", max_length=100)
    measuring_range: str = Field(default="", max_length=100)
    accuracy_class: str = Field(default="", max_length=50)
    location: str = Field(default="", max_length=300)
    use: str = Field(pattern="^(trade_settlement|safety_protection|medical_health|environmental_monitoring)$")
    first_verified_on: dt.date | None = None
    last_verified_on: dt.date | None = None
    last_result: str | None = Field(default=None, pattern="^(pass|fail)$")


class InstrumentUpdate(BaseModel):
    status: str | None = Field(default=None, pattern="^(in_use|suspended|scrapped)$")
    location: str | None = Field(default=None, max_length=300)
    measuring_range: str | None = Field(default=None, max_length=100)
    accuracy_class: str | None = Field(default=None, max_length=50)


class VerificationCreate(BaseModel):
    verified_on: dt.date
    result: str = Field(pattern="^(pass|fail)$")
    institution_id: int | None = Field(default=None, ge=1, le=2**31 - 1)  # an INTEGER key
    certificate_no: str = Field(default="", max_length=64)


class InstrumentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    code: str
    catalogue_code: str
    owner_id: int
    region_code: str
    maker: str
    model: str
    serial_number: str
    measuring_range: str
    accuracy_class: str
    location: str
    use: str
    status: str
    first_verified_on: dt.date | None
    last_verified_on: dt.date | None
    last_result: str | None
    next_due_on: dt.date | None


class InstrumentLookup(BaseModel):
    """What the public may see of an instrument: no owner, no location, no personal data."""

    code: str
    kind: str
    kind_en: str
    status: str
    last_verified_on: dt.date | None
    last_result: str | None
    next_due_on: dt.date | None
    overdue: bool
    period_source_status: str


class VerificationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    instrument_id: int
    verified_on: dt.date
    result: str
    institution_id: int | None
    certificate_no: str
    next_due_on: dt.date | None


class RecallPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    instrument_id: int
    owner_id: int
    due_on: dt.date
    issued_on: dt.date
    status: str


class CatalogueItemPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    version: str
    name_l1: str
    name_l2: str
    name_en: str
    regulation_mode: str | None
    verification_form: str | None
    period_months: int | None
    service_life_months: int | None
    uses: list[str]
    usage_scope: str
    jjg_refs: list[str]
    source: str
    source_status: str
    period_source: str
    period_source_status: str
