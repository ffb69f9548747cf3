"""Verification and calibration work (issue 6, parts 2 and 3).

* ``measurement_standards`` — the measurement standards and reference instruments (计量标准/标准器) an
  institution keeps; ``standard_certificates`` — their own calibration/verification certificates (the
  whole history is kept). A standard is usable on a date iff it is ``in_service`` and one of its
  certificates covers that date (JJF 1033 计量标准考核规范: a standard is used only within its period of
  validity; ISO/IEC 17025:2017 6.4.13/6.5 metrological traceability).
* ``work_orders`` — an instrument received for verification or calibration (委托单/任务单).
* ``verification_records`` — the original record (原始记录) of a work order as numbered revisions. A
  revision is immutable once its verifier has signed (``locked``); a correction is a new revision that
  references the previous one (``supersedes_id``) and needs new signatures (JJF 1069-2012 / ISO/IEC
  17025:2017 7.5.2: changes to records are traceable to previous versions).
* ``record_standards`` — the standards used by a record revision (with the certificate that covered the
  performed date); ``record_signatures`` — electronic signatures binding a user and a meaning (verifier /
  checker / approver) to the SHA-256 of the revision's canonical JSON.

Access: every table carries ``region_code`` (the instrument's region: partition key and regulator scope),
``institution_id`` and, for work, ``customer_id``. The platform's ``__access__`` names one organisation
column; the verification services apply the finer rule (:func:`jiliang.verification.service.work_visible`):
the institution sees its own work and standards, the customer enterprise its own work orders and records
(read-only), regulators their region and below, the public nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jiliang.platform.db import Base
from jiliang.platform.models import utcnow

STANDARD_STATUSES = ("in_service", "suspended", "retired")
WORK_KINDS = ("verification", "calibration")
STAGES = ("first", "subsequent", "in_service")
WORK_STATUSES = (
    "received",
    "assigned",
    "in_progress",
    "recorded",
    "checked",
    "approved",
    "certificate_issued",
    "cancelled",
)
RECORD_STATUSES = ("draft", "signed", "checked", "approved", "rejected", "superseded")
SIGNATURE_MEANINGS = ("verifier", "checker", "approver")


class MeasurementStandard(Base):
    """A measurement standard or reference instrument kept by an institution (计量标准器/标准装置)."""

    __tablename__ = "measurement_standards"
    __access__ = {"region": "region_code", "organisation": "institution_id"}
    __table_args__ = (
        UniqueConstraint(
            "institution_id", "identifier", name="uq_measurement_standards_institution_identifier"
        ),
        Index("ix_measurement_standards_institution", "institution_id", "status"),
        Index("ix_measurement_standards_region", "region_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))  # the institution's region
    name: Mapped[str] = mapped_column(String(200))
    identifier: Mapped[str] = mapped_column(String(100))  # serial / asset number
    quantity: Mapped[str] = mapped_column(String(100), default="")  # e.g. mass, pressure, volume
    measuring_range: Mapped[str] = mapped_column(String(200), default="")
    uncertainty_or_class: Mapped[str] = mapped_column(String(200), default="")  # e.g. "F1", "U=0.02 %, k=2"
    maker: Mapped[str] = mapped_column(String(200), default="")
    model: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(20), default="in_service")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class StandardCertificate(Base):
    """A calibration or verification certificate of a measurement standard (its traceability link)."""

    __tablename__ = "standard_certificates"
    __access__ = {"region": "region_code", "organisation": "institution_id"}
    __table_args__ = (
        Index("ix_standard_certificates_standard", "standard_id", "valid_until"),
        UniqueConstraint("standard_id", "certificate_no", name="uq_standard_certificates_standard_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("measurement_standards.id"))
    institution_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    certificate_no: Mapped[str] = mapped_column(String(100))
    issuing_lab: Mapped[str] = mapped_column(String(200))
    calibrated_on: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class WorkOrder(Base):
    """An instrument received for verification or calibration (委托单/任务单)."""

    __tablename__ = "work_orders"
    __access__ = {"region": "region_code", "organisation": "customer_id"}
    __table_args__ = (
        Index("ix_work_orders_region", "region_code", "status", "received_on"),
        Index("ix_work_orders_institution", "institution_id", "status", "received_on"),
        Index("ix_work_orders_customer", "customer_id", "received_on"),
        Index("ix_work_orders_instrument", "instrument_id"),
        UniqueConstraint("institution_id", "order_no", name="uq_work_orders_institution_order_no"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_no: Mapped[str] = mapped_column(String(40))  # e.g. WO-2026-000123, unique per institution
    institution_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    instrument_id: Mapped[int | None] = mapped_column(ForeignKey("instruments.id"), nullable=True)
    region_code: Mapped[str] = mapped_column(String(6))  # the instrument's (or walk-in customer's) region
    kind: Mapped[str] = mapped_column(String(20))  # verification | calibration
    catalogue_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    procedure_code: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(20), default="subsequent")  # first | subsequent | in_service
    status: Mapped[str] = mapped_column(String(30), default="received")
    received_on: Mapped[dt.date] = mapped_column(Date)
    due_by: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    assigned_to: Mapped[str | None] = mapped_column(String(64), nullable=True)  # username of the verifier
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    # instrument details as received (copied from the register, or typed for a walk-in)
    instrument_code: Mapped[str] = mapped_column(String(32), default="")
    instrument_name: Mapped[str] = mapped_column(String(200), default="")
    maker: Mapped[str] = mapped_column(String(200), default="")
    model: Mapped[str] = mapped_column(String(100), default="")
    serial_number: Mapped[str] = mapped_column(String(100), default="")
    measuring_range: Mapped[str] = mapped_column(String(100), default="")
    accuracy_class: Mapped[str] = mapped_column(String(50), default="")
    instrument_params: Mapped[Any] = mapped_column(JSON, default=dict)  # procedure's instrument parameters
    note: Mapped[str] = mapped_column(Text, default="")
    current_record_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    certificate_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # set by the certificates area
    rejection_reason: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class VerificationRecord(Base):
    """One revision of the original record (原始记录) of a work order.

    ``document`` is the input document given to :func:`jiliang.core.verification.evaluate_document`
    (instrument parameters, environment, readings), ``evaluation`` its result. ``content_hash`` is the
    SHA-256 of the canonical JSON of the revision (see ``service.record_content``); signatures bind to it.
    """

    __tablename__ = "verification_records"
    __access__ = {"region": "region_code", "organisation": "customer_id"}
    __table_args__ = (
        UniqueConstraint("work_order_id", "revision", name="uq_verification_records_work_order_revision"),
        Index("ix_verification_records_region", "region_code", "performed_on"),
        Index("ix_verification_records_institution", "institution_id", "status"),
        Index("ix_verification_records_customer", "customer_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"))
    institution_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("verification_records.id"), nullable=True)
    procedure_code: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(20))
    document: Mapped[Any] = mapped_column(JSON, default=dict)
    evaluation: Mapped[Any] = mapped_column(JSON, default=dict)
    verdict: Mapped[str] = mapped_column(String(20), default="")  # pass | fail | undecided
    performed_on: Mapped[dt.date] = mapped_column(Date)
    performed_by: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class RecordStandard(Base):
    """A measurement standard used by a record revision, with the certificate covering the performed date."""

    __tablename__ = "record_standards"
    __access__ = {"region": "region_code", "organisation": "customer_id"}
    __table_args__ = (
        UniqueConstraint("record_id", "standard_id", name="uq_record_standards_record_standard"),
        Index("ix_record_standards_standard", "standard_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("verification_records.id"))
    standard_id: Mapped[int] = mapped_column(ForeignKey("measurement_standards.id"))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("standard_certificates.id"), nullable=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))


class RecordSignature(Base):
    """An electronic signature on a record revision (检定员 / 核验员 / 批准人).

    ``content_hash`` is the SHA-256 of the canonical JSON of the revision at signing time;
    ``verify_signatures`` recomputes it.
    """

    __tablename__ = "record_signatures"
    __access__ = {"region": "region_code", "organisation": "customer_id"}
    __table_args__ = (
        UniqueConstraint("record_id", "meaning", name="uq_record_signatures_record_meaning"),
        Index("ix_record_signatures_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("verification_records.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(100), default="")
    meaning: Mapped[str] = mapped_column(String(20))  # verifier | checker | approver
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")
    institution_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))
