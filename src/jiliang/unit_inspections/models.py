"""Unit-usage special inspections (法定计量单位使用专项检查): inspections, checked documents, findings, follow-up.

Access (``__access__``, see :mod:`jiliang.platform.access`):

* an inspection belongs to the region of the regulator who recorded it; it is visible to regulators of that
  region and the regions above it, and to everyone once ``published`` (its header only: the public results
  page shows counts per enterprise, never documents or findings);
* documents, findings and follow-ups carry the inspection's region and the inspected enterprise, so a
  regulator sees them through the region and an enterprise sees only its own; the public sees none.
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

DOCUMENT_KINDS = ("listing", "label", "advertisement", "contract", "web_page")
FOLLOW_UP_STATUSES = ("open", "rectified", "closed")


class UnitInspection(Base):
    """A special inspection of the use of units of measurement in a region over a period."""

    __tablename__ = "unit_inspections"
    __access__ = {"region": "region_code", "public": "published"}
    __table_args__ = (Index("ix_unit_inspections_region_start", "region_code", "starts_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class InspectedDocument(Base):
    """A document of an enterprise checked during an inspection (the text or table that was checked)."""

    __tablename__ = "unit_inspection_documents"
    __access__ = {"region": "region_code", "organisation": "enterprise_id"}
    __table_args__ = (
        Index("ix_unit_inspection_documents_region", "region_code", "inspection_id"),
        Index("ix_unit_inspection_documents_inspection", "inspection_id", "enterprise_id"),
        Index("ix_unit_inspection_documents_enterprise", "enterprise_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("unit_inspections.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200), default="")
    file_name: Mapped[str] = mapped_column(String(300), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    content_kind: Mapped[str] = mapped_column(String(10))  # text | table
    content: Mapped[str] = mapped_column(Text, default="")
    sheets: Mapped[Any] = mapped_column(JSON, default=list)  # [{"name": ..., "rows": [[...]]}] for tables
    finding_count: Mapped[int] = mapped_column(Integer, default=0)
    checked_by: Mapped[str] = mapped_column(String(64))
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class InspectionFinding(Base):
    """A non-legal unit found in a document (as :class:`jiliang.core.units.Finding`, with its place)."""

    __tablename__ = "unit_inspection_findings"
    __access__ = {"region": "region_code", "organisation": "enterprise_id"}
    __table_args__ = (
        Index("ix_unit_inspection_findings_document", "document_id"),
        Index("ix_unit_inspection_findings_region", "region_code", "inspection_id", "enterprise_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("unit_inspection_documents.id"))
    inspection_id: Mapped[int] = mapped_column(ForeignKey("unit_inspections.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    char_offset: Mapped[int | None] = mapped_column(Integer, nullable=True)  # in the whole text
    length: Mapped[int] = mapped_column(Integer, default=0)
    line: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sheet: Mapped[str | None] = mapped_column(String(100), nullable=True)
    row_no: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 1-based
    column_no: Mapped[int | None] = mapped_column(
        Integer, nullable=True
    )  # 1-based (character in the line for text)
    cell: Mapped[str | None] = mapped_column(String(20), nullable=True)
    text: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(100))
    unit_code: Mapped[str | None] = mapped_column(String(100), nullable=True)
    replacement: Mapped[str] = mapped_column(String(100), default="")
    converted: Mapped[str | None] = mapped_column(Text, nullable=True)
    message: Mapped[str] = mapped_column(Text, default="")
    rule_id: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(60), default="")
    severity: Mapped[str] = mapped_column(String(60), default="")
    source: Mapped[str] = mapped_column(Text, default="")
    source_status: Mapped[str] = mapped_column(Text, default="")


class InspectionFollowUp(Base):
    """Follow-up of an inspection with one enterprise: rectification deadline, status and note."""

    __tablename__ = "unit_inspection_follow_ups"
    __access__ = {"region": "region_code", "organisation": "enterprise_id"}
    __table_args__ = (
        UniqueConstraint(
            "inspection_id", "enterprise_id", name="uq_unit_inspection_follow_ups_inspection_enterprise"
        ),
        Index("ix_unit_inspection_follow_ups_enterprise", "enterprise_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("unit_inspections.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
