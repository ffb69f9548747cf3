"""Certificate tables: issued certificates, the per-institution yearly counters, imported external calibrations.

Storage choice: the signed DCC XML and the PDF are kept in the database (deferred columns, never loaded
by list queries). They are written in the same transaction as the certificate number, the register update
and the audit entry, so a certificate either exists completely (number, artefacts, hashes, register event)
or not at all; a file written next to a transaction that later rolls back would leave an orphan, and a
backup of the database alone is a complete backup of what was issued. A certificate is issued once and
never rewritten (corrections are new revisions), so nothing is duplicated. Their SHA-256 digests are
stored alongside, and every read re-checks them.

Access (``__access__``, see :mod:`jiliang.platform.access`): a certificate carries the customer's region and
the customer organisation (the instrument's owner), so regulators see their region and below and an
enterprise sees its own certificates; the issuing institution also sees every certificate it issued (the
service adds ``institution_id`` to the clause, see ``service.visible_certificates``). The public never lists
certificates: it reaches one summary by its number (the QR target), without personal data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from jiliang.platform.db import Base
from jiliang.platform.models import utcnow

KINDS = ("verification_certificate", "verification_result_notice", "calibration_certificate")
STATUSES = ("issued", "superseded")


class CertificateCounter(Base):
    """The last serial number issued by an institution in a year.

    Incremented (under a row lock) in the transaction that inserts the certificate, so a rolled-back
    issuance gives its serial back: the numbers are gapless and unique.
    """

    __tablename__ = "certificate_counters"
    __access__ = {"organisation": "institution_id"}

    institution_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer, default=0)


class Certificate(Base):
    """One revision of an issued certificate. Revisions of a correction share the number."""

    __tablename__ = "certificates"
    __access__ = {"region": "region_code", "organisation": "customer_id"}
    __table_args__ = (
        UniqueConstraint("number", "revision", name="uq_certificates_number_revision"),
        UniqueConstraint("institution_id", "year", "serial", "revision", name="uq_certificates_serial"),
        Index("ix_certificates_region_issued", "region_code", "issued_at"),
        Index("ix_certificates_institution", "institution_id", "issued_at"),
        Index("ix_certificates_customer", "customer_id", "issued_at"),
        Index("ix_certificates_instrument", "instrument_id", "issued_at"),
        Index("ix_certificates_record", "record_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    revision: Mapped[int] = mapped_column(Integer, default=0)  # 0 = the original, 1, 2... corrections
    institution_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("verification_records.id"), nullable=True)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), nullable=True)
    instrument_id: Mapped[int | None] = mapped_column(ForeignKey("instruments.id"), nullable=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    region_code: Mapped[str] = mapped_column(String(6))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"), nullable=True)
    superseded_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="issued")
    conformity: Mapped[str] = mapped_column(String(10), default="")  # pass | fail | "" (calibration)
    performed_on: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[Any] = mapped_column(JSON, default=dict)
    dcc_xml: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    dcc_sha256: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(64))


class ExternalCalibration(Base):
    """A calibration of an instrument by another laboratory, imported from its DCC XML (as received)."""

    __tablename__ = "external_calibrations"
    __access__ = {"region": "region_code", "organisation": "owner_id"}
    __table_args__ = (
        UniqueConstraint("instrument_id", "dcc_sha256", name="uq_external_calibrations_instrument_dcc"),
        Index("ix_external_calibrations_region", "region_code", "instrument_id"),
        Index("ix_external_calibrations_owner", "owner_id", "instrument_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    laboratory: Mapped[str] = mapped_column(String(300), default="")
    certificate_id: Mapped[str] = mapped_column(String(200), default="")
    performed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    issued_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    summary: Mapped[Any] = mapped_column(JSON, default=dict)
    schema_valid: Mapped[str] = mapped_column(String(10), default="")
    signature_status: Mapped[str] = mapped_column(String(30), default="")
    dcc_sha256: Mapped[str] = mapped_column(String(64))
    dcc_xml: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
