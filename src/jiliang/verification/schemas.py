"""Pydantic schemas of the verification work: standards, their certificates, work orders, records, signatures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

INT_KEY = Field(ge=1, le=2**31 - 1)
STANDARD_STATUS_PATTERN = "^(in_service|suspended|retired)$"
KIND_PATTERN = "^(verification|calibration)$"
STAGE_PATTERN = "^(first|subsequent|in_service)$"
MEANING_PATTERN = "^(verifier|checker|approver)$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# ----------------------------------------------------------------------------------------------------
# measurement standards
# ----------------------------------------------------------------------------------------------------
class StandardCreate(_In):
    institution_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="administrators only")
    name: str = Field(min_length=1, max_length=200)
    identifier: str = Field(min_length=1, max_length=100, description="serial or asset number")
    quantity: str = Field(default="", max_length=100)
    measuring_range: str = Field(default="", max_length=200)
    uncertainty_or_class: str = Field(default="", max_length=200)
    maker: str = Field(default="", max_length=200)
    model: str = Field(default="", max_length=100)
    note: str = Field(default="", max_length=2000)


class StandardUpdate(_In):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    quantity: str | None = Field(default=None, max_length=100)
    measuring_range: str | None = Field(default=None, max_length=200)
    uncertainty_or_class: str | None = Field(default=None, max_length=200)
    maker: str | None = Field(default=None, max_length=200)
    model: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=2000)


class StandardStatusChange(_In):
    status: str = Field(pattern=STANDARD_STATUS_PATTERN)
    reason: str = Field(default="", max_length=2000)


class StandardCertificateCreate(_In):
    certificate_no: str = Field(min_length=1, max_length=100)
    issuing_lab: str = Field(min_length=1, max_length=200)
    calibrated_on: dt.date
    valid_until: dt.date
    note: str = Field(default="", max_length=2000)


class StandardCertificatePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    standard_id: int
    certificate_no: str
    issuing_lab: str
    calibrated_on: dt.date
    valid_until: dt.date
    note: str


class StandardPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    institution_id: int
    region_code: str
    name: str
    identifier: str
    quantity: str
    measuring_range: str
    uncertainty_or_class: str
    maker: str
    model: str
    status: str
    status_reason: str
    note: str


class StandardDetail(StandardPublic):
    usable_today: bool
    usable_reason: str
    valid_until: dt.date | None
    certificates: list[StandardCertificatePublic]


# ----------------------------------------------------------------------------------------------------
# work orders
# ----------------------------------------------------------------------------------------------------
class WorkOrderCreate(_In):
    kind: str = Field(default="verification", pattern=KIND_PATTERN)
    institution_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="administrators only")
    instrument_id: int | None = Field(default=None, ge=1, le=2**31 - 1, description="from the register")
    instrument_code: str | None = Field(
        default=None, max_length=32, description="from the register, by identification code (GB/T 36377)"
    )
    # walk-in (instrument_id empty): the customer and the instrument as typed
    customer_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    catalogue_code: str | None = Field(default=None, max_length=8)
    instrument_name: str = Field(default="", max_length=200)
    maker: str = Field(default="", max_length=200)
    model: str = Field(default="", max_length=100)
    serial_number: str = Field(default="", max_length=100)
    measuring_range: str = Field(default="", max_length=100)
    accuracy_class: str = Field(default="", max_length=50)
    register_instrument: bool = Field(default=False, description="walk-in: also register it (verification)")
    use: str | None = Field(
        default=None,
        pattern="^(trade_settlement|safety_protection|medical_health|environmental_monitoring)$",
        description="walk-in registration: the instrument's use",
    )
    procedure_code: str | None = Field(default=None, max_length=40, description="default: the catalogue's")
    stage: str = Field(default="subsequent", pattern=STAGE_PATTERN)
    received_on: dt.date
    due_by: dt.date | None = None
    instrument_params: dict[str, Any] = Field(default_factory=dict, max_length=50)
    note: str = Field(default="", max_length=2000)


class AssignIn(_In):
    assignee: str = Field(min_length=1, max_length=64, description="user name of a verifier")


class WorkOrderPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    order_no: str
    institution_id: int
    customer_id: int
    instrument_id: int | None
    region_code: str
    kind: str
    catalogue_code: str | None
    procedure_code: str
    stage: str
    status: str
    received_on: dt.date
    due_by: dt.date | None
    assigned_to: str | None
    walk_in: bool
    instrument_code: str
    instrument_name: str
    maker: str
    model: str
    serial_number: str
    measuring_range: str
    accuracy_class: str
    instrument_params: dict[str, Any]
    note: str
    current_record_id: int | None
    certificate_id: int | None
    rejection_reason: str


# ----------------------------------------------------------------------------------------------------
# records and signatures
# ----------------------------------------------------------------------------------------------------
class RecordInput(_In):
    performed_on: dt.date
    document: dict[str, Any] = Field(
        description="the filled form: the document given to jiliang.core.verification.evaluate_document"
    )
    standard_ids: list[int] = Field(min_length=1, max_length=20, description="measurement standards used")


class CorrectionInput(RecordInput):
    reason: str = Field(min_length=1, max_length=2000)


class SignIn(_In):
    meaning: str = Field(
        pattern=MEANING_PATTERN, description="verifier (检定员), checker (核验员), approver (批准人)"
    )
    password: str = Field(min_length=1, max_length=200)
    comment: str = Field(default="", max_length=2000)


class RejectIn(_In):
    meaning: str = Field(pattern="^(checker|approver)$")
    password: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2000)


class SignaturePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    display_name: str
    meaning: str
    signed_at: dt.datetime
    content_hash: str
    comment: str


class RecordStandardPublic(BaseModel):
    standard_id: int
    name: str
    identifier: str
    certificate_no: str | None
    valid_until: dt.date | None
    usable: bool
    reason: str


class RecordPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    work_order_id: int
    revision: int
    supersedes_id: int | None
    procedure_code: str
    stage: str
    performed_on: dt.date
    performed_by: str
    status: str
    verdict: str
    content_hash: str
    locked: bool
    correction_reason: str


class RecordDetail(RecordPublic):
    document: dict[str, Any]
    evaluation: dict[str, Any]
    standards: list[RecordStandardPublic]
    signatures: list[SignaturePublic]
    signatures_valid: bool
    computed_hash: str
