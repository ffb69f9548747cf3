"""Pydantic schemas of the certificates API (inputs bounded, outputs without the artefacts' bytes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAX_XML_UPLOAD = 20 * 1024 * 1024


class CertificateIssue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record_id: int = Field(ge=1, le=2**31 - 1)


class CertificateCorrect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=1000)
    record_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class CertificatePublic(BaseModel):
    """A certificate revision as its institution, customer and regulators see it (no bytes)."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    number: str
    revision: int
    kind: str
    status: str
    institution_id: int
    customer_id: int | None
    instrument_id: int | None
    record_id: int | None
    work_order_id: int | None
    region_code: str
    conformity: str
    performed_on: dt.date
    valid_until: dt.date | None
    issued_at: dt.datetime
    issued_by: str
    supersedes_id: int | None
    superseded_by_id: int | None
    correction_reason: str
    dcc_sha256: str
    pdf_sha256: str


class CertificateDetail(CertificatePublic):
    institution_name: str
    customer_name: str
    instrument_code: str
    content: dict[str, Any]
    revisions: list[CertificatePublic]


class CertificatePage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[CertificatePublic]


class SignatureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    status: str
    valid: bool
    message: str
    signer: str
    schema_valid: bool | None
    schema_errors: list[str]
    unique_identifier: str


class PublicRevisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    revision: int
    unique_identifier: str
    status: str
    issued_on: dt.date
    correction_reason: str
    dcc_sha256: str


class PublicCertificateOut(BaseModel):
    """The public summary (the QR target): no customer, no address, no personal names."""

    model_config = ConfigDict(from_attributes=True)
    number: str
    revision: int
    unique_identifier: str
    kind: str
    status: str
    institution: str
    instrument_name: str
    instrument_code: str
    manufacturer: str
    model: str
    serial_number: str
    procedure: str
    performed_on: dt.date
    issued_on: dt.date
    valid_until: dt.date | None
    conformity: str
    dcc_sha256: str
    pdf_sha256: str
    signature: SignatureOut
    revisions: list[PublicRevisionOut]


class RegisterMatchOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    status: str
    number: str
    revision: int | None
    latest_revision: int | None
    message: str


class UploadCheckOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    verdict: str
    genuine: bool
    sha256: str
    size: int
    signature: SignatureOut
    registry: RegisterMatchOut


class ExternalCalibrationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    instrument_id: int
    owner_id: int
    region_code: str
    laboratory: str
    certificate_id: str
    performed_on: dt.date | None
    issued_on: dt.date | None
    schema_valid: str
    signature_status: str
    dcc_sha256: str
    imported_by: str
    imported_at: dt.datetime
    summary: dict[str, Any]
