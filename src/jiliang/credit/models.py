"""Honest-metrology tables (诚信计量): self-declarations, credit records, scores and model units.

Access (``__access__``, see :mod:`jiliang.platform.access`):

* a declaration (自我声明/承诺) belongs to its enterprise and the enterprise's region: the enterprise sees its
  own, regulators see their region and below, and everyone sees it once ``published``;
* credit records and scores are never public: the enterprise sees its own, regulators their region;
* a model-unit designation (诚信计量示范单位) is public once ``published``.

Tables that grow with the country carry ``region_code`` (the enterprise's region) and an index led by it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
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

DECLARATION_STATUSES = ("draft", "published", "withdrawn")
RECORD_SOURCES = (
    "verification_fail",
    "overdue_instrument",
    "netcontent_fail",
    "campaign_finding",
    "commitment",
    "model_unit",
)
GRADES = ("A", "B", "C", "D")


class CreditDeclaration(Base):
    """An enterprise's honest-metrology self-declaration and commitment (诚信计量自我声明/承诺)."""

    __tablename__ = "credit_declarations"
    __access__ = {"region": "region_code", "organisation": "enterprise_id", "public": "published"}
    __table_args__ = (
        Index("ix_credit_declarations_region", "region_code", "declared_on"),
        Index("ix_credit_declarations_enterprise", "enterprise_id", "declared_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    template_id: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    items: Mapped[Any] = mapped_column(
        JSON, default=list
    )  # item codes of the template the enterprise commits to
    declared_on: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CreditRecord(Base):
    """One credit fact about an enterprise, derived from exactly one source event (unique per source key)."""

    __tablename__ = "credit_records"
    __access__ = {"region": "region_code", "organisation": "enterprise_id"}
    __table_args__ = (
        UniqueConstraint("enterprise_id", "source", "source_key", name="uq_credit_records_source"),
        Index("ix_credit_records_region", "region_code", "enterprise_id"),
        Index("ix_credit_records_enterprise", "enterprise_id", "event_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    source: Mapped[str] = mapped_column(String(30))
    source_key: Mapped[str] = mapped_column(String(80))  # e.g. "verification_events:17"
    event_on: Mapped[dt.date] = mapped_column(Date)
    rule_id: Mapped[str] = mapped_column(String(40))
    points: Mapped[float] = mapped_column(Float)
    detail: Mapped[str] = mapped_column(String(300), default="")
    derived_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CreditScore(Base):
    """An enterprise's credit score and grade as computed on one day (one row per day: the history)."""

    __tablename__ = "credit_scores"
    __access__ = {"region": "region_code", "organisation": "enterprise_id"}
    __table_args__ = (
        UniqueConstraint("enterprise_id", "computed_on", name="uq_credit_scores_enterprise_day"),
        Index("ix_credit_scores_region", "region_code", "grade", "computed_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    computed_on: Mapped[dt.date] = mapped_column(Date)
    score: Mapped[float] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(1))
    factor_count: Mapped[int] = mapped_column(Integer, default=0)
    rules_version: Mapped[str] = mapped_column(String(40))
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ModelUnit(Base):
    """A designation as honest-metrology model unit (诚信计量示范单位) by a regulator of the region."""

    __tablename__ = "credit_model_units"
    __access__ = {"region": "region_code", "organisation": "enterprise_id", "public": "published"}
    __table_args__ = (
        Index("ix_credit_model_units_region", "region_code", "designated_on"),
        Index("ix_credit_model_units_enterprise", "enterprise_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    designated_on: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    revoked_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    designated_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
