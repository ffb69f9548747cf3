"""Register tables. Tables that grow with the country carry ``region_code`` as their partition key."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jiliang.platform.db import Base
from jiliang.platform.models import utcnow

USES = ("trade_settlement", "safety_protection", "medical_health", "environmental_monitoring")
STATUSES = ("in_use", "suspended", "scrapped")


class CatalogueItem(Base):
    """A row of the mandatory-verification catalogue (versioned data, with its source status)."""

    __tablename__ = "catalogue_items"
    __access__ = {"public": True}

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    version: Mapped[str] = mapped_column(String(40))
    name_l1: Mapped[str] = mapped_column(String(200))
    name_l2: Mapped[str] = mapped_column(String(200), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    regulation_mode: Mapped[str | None] = mapped_column(String(4), nullable=True)
    verification_form: Mapped[str | None] = mapped_column(String(30), nullable=True)
    period_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    service_life_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    uses: Mapped[Any] = mapped_column(JSON, default=list)
    usage_scope: Mapped[str] = mapped_column(Text, default="")
    jjg_refs: Mapped[Any] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(Text, default="")
    source_status: Mapped[str] = mapped_column(String(20), default="unverified")
    period_source: Mapped[str] = mapped_column(Text, default="")
    period_source_status: Mapped[str] = mapped_column(String(20), default="unknown")


class ImportBatch(Base):
    __tablename__ = "import_batches"
    __access__ = {"organisation": "organisation_id", "region": "region_code"}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    region_code: Mapped[str | None] = mapped_column(String(6), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Instrument(Base):
    """A working measuring instrument under mandatory verification (强检备案)."""

    __tablename__ = "instruments"
    __access__ = {"region": "region_code", "organisation": "owner_id"}
    __table_args__ = (
        Index("ix_instruments_region_due", "region_code", "status", "next_due_on"),
        Index("ix_instruments_region_item", "region_code", "catalogue_code", "use"),
        Index("ix_instruments_owner", "owner_id", "next_due_on"),
        Index("ix_instruments_due", "status", "next_due_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    catalogue_code: Mapped[str] = mapped_column(ForeignKey("catalogue_items.code"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    maker: Mapped[str] = mapped_column(String(200), default="")
    model: Mapped[str] = mapped_column(String(100), default="")
    serial_number: Mapped[str] = mapped_column(String(100), default="")
    measuring_range: Mapped[str] = mapped_column(String(100), default="")
    accuracy_class: Mapped[str] = mapped_column(String(50), default="")
    location: Mapped[str] = mapped_column(String(300), default="")
    use: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="in_use")
    first_verified_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    last_verified_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    last_result: Mapped[str | None] = mapped_column(String(10), nullable=True)
    next_due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class VerificationEvent(Base):
    """One verification of an instrument, as the register knows it (date, result, institution)."""

    __tablename__ = "verification_events"
    __access__ = {"region": "region_code", "organisation": "owner_id"}
    __table_args__ = (
        Index("ix_verification_events_instrument", "instrument_id", "verified_on"),
        Index("ix_verification_events_region_date", "region_code", "verified_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    verified_on: Mapped[dt.date] = mapped_column(Date)
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    result: Mapped[str] = mapped_column(String(10))  # pass | fail
    certificate_no: Mapped[str] = mapped_column(String(64), default="")
    next_due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class RecallNotice(Base):
    """A notice to an owner that an instrument falls due; one per due event (idempotent)."""

    __tablename__ = "recall_notices"
    __access__ = {"region": "region_code", "organisation": "owner_id"}
    __table_args__ = (
        UniqueConstraint("instrument_id", "due_on", name="uq_recall_notices_instrument_due"),
        Index("ix_recall_notices_owner", "owner_id", "due_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("instruments.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    due_on: Mapped[dt.date] = mapped_column(Date)
    issued_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    # recall (falls due) | failed_verification (unfit for use: a certificate area notice; migration 0007)
    kind: Mapped[str] = mapped_column(String(20), default="recall", server_default="recall")


class InstrumentTally(Base):
    """Counts of instruments by region, catalogue item, use, status and due bucket.

    Maintained in the same transaction as every change to an instrument, so that the regulator's
    dashboard reads a table whose size is bounded by regions x items x uses x statuses x buckets,
    whatever the number of instruments. Buckets are relative to ``TallyState.as_of``, which
    ``tallies.roll`` moves forward day by day (touching only the instruments whose bucket changes).
    """

    __tablename__ = "instrument_tallies"
    __access__ = {"region": "region_code"}

    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    catalogue_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    use: Mapped[str] = mapped_column(String(30), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    bucket: Mapped[str] = mapped_column(String(10), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class VerificationTally(Base):
    """Verifications per region and month (pass and fail), for the dashboard's trend."""

    __tablename__ = "verification_tallies"
    __access__ = {"region": "region_code"}

    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM
    n: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)


class TallyState(Base):
    """The date the instrument tallies' due buckets are computed against (one row)."""

    __tablename__ = "tally_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
