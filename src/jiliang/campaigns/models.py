"""Inspection campaigns (监督检查计划): campaigns, inspector pool, tasks, checklist items, findings, evidence.

Access (``__access__``, see :mod:`jiliang.platform.access`):

* a campaign belongs to the region of the regulator who planned it; regulators of that region and the regions
  above it see it, and everyone once ``published`` (the public page shows results per entity, no person);
* the inspector pool is the regulators' own (region only, never public);
* tasks, checklist items, findings and evidence carry the inspected organisation and its region, so a
  regulator sees them through the region and an enterprise sees only its own.

``campaign_findings`` is read by the honest-metrology area (credit records): its columns ``enterprise_id``,
``region_code``, ``found_on``, ``severity``, ``category``, ``penalty_amount`` and ``status`` are a contract.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
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
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jiliang.platform.db import Base
from jiliang.platform.models import utcnow

CAMPAIGN_TYPES = ("market", "fuel_station", "prepackaged_goods", "unit_usage", "verification_institution")
CAMPAIGN_STATUSES = ("planned", "selected", "in_progress", "completed")
TASK_STATUSES = ("pending", "inspected")
SEVERITIES = ("minor", "major", "serious")
FINDING_CATEGORIES = (
    "error_exceeds_mpe",
    "cheating_device",
    "seal_broken",
    "tamper_signs",
    "verification_mark",
    "unverified_instrument",
    "net_content",
    "unit_usage",
    "records",
    "other",
)
FINDING_STATUSES = ("open", "rectified", "overdue", "closed")


class Campaign(Base):
    """A planned inspection campaign of one region and period, with its recorded random draw."""

    __tablename__ = "campaigns"
    __access__ = {"region": "region_code", "public": "published"}
    __table_args__ = (Index("ix_campaigns_region_start", "region_code", "starts_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    campaign_type: Mapped[str] = mapped_column(String(30))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    sample_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sample_fraction: Mapped[float | None] = mapped_column(Float, nullable=True)
    risk_weighted: Mapped[bool] = mapped_column(Boolean, default=False)
    scope_sectors: Mapped[Any] = mapped_column(JSON, default=list)
    scope_counties: Mapped[Any] = mapped_column(JSON, default=list)
    inspectors_per_entity: Mapped[int] = mapped_column(Integer, default=2)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="planned")
    # the draw (core.random_selection): seed as decimal text (64-bit unsigned), inputs as published
    seed: Mapped[str | None] = mapped_column(String(20), nullable=True)
    algorithm: Mapped[str | None] = mapped_column(String(40), nullable=True)
    algorithm_version: Mapped[str | None] = mapped_column(String(10), nullable=True)
    inputs_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    candidates: Mapped[Any] = mapped_column(JSON, nullable=True)  # [{"id","organisation","weight"}]
    pool: Mapped[Any] = mapped_column(JSON, nullable=True)  # [{"id","organisation","conflicts"}]
    selection: Mapped[Any] = mapped_column(JSON, nullable=True)  # Selection.to_dict()
    selected_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    selected_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CampaignInspector(Base):
    """An inspector in a region's pool (执法检查人员): name, badge, own organisation and conflicts."""

    __tablename__ = "campaign_inspectors"
    __access__ = {"region": "region_code"}
    __table_args__ = (Index("ix_campaign_inspectors_region", "region_code", "active"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    name: Mapped[str] = mapped_column(String(100))
    badge_no: Mapped[str] = mapped_column(String(50), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    conflicts: Mapped[Any] = mapped_column(JSON, default=list)  # organisation ids
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CampaignTask(Base):
    """One selected entity of a campaign, its assigned inspectors and the inspection's outcome."""

    __tablename__ = "campaign_tasks"
    __access__ = {"region": "region_code", "organisation": "enterprise_id"}
    __table_args__ = (
        UniqueConstraint("campaign_id", "enterprise_id", name="uq_campaign_tasks_campaign_enterprise"),
        Index("ix_campaign_tasks_region", "region_code", "campaign_id"),
        Index("ix_campaign_tasks_enterprise", "enterprise_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    rank: Mapped[int] = mapped_column(Integer)
    inspector_ids: Mapped[Any] = mapped_column(JSON, default=list)  # campaign_inspectors ids, rank order
    checklist_code: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    inspected_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    result: Mapped[str | None] = mapped_column(String(20), nullable=True)  # pass | fail | undetermined
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    recorded_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class CampaignCheckItem(Base):
    """One checklist row of an inspection: a nozzle, a scale or a generic item, with its verdict."""

    __tablename__ = "campaign_check_items"
    __access__ = {"region": "region_code", "organisation": "enterprise_id"}
    __table_args__ = (Index("ix_campaign_check_items_task", "task_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("campaign_tasks.id"))
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    template_code: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(60))
    data: Mapped[Any] = mapped_column(JSON, default=dict)
    error: Mapped[float | None] = mapped_column(Float, nullable=True)
    error_unit: Mapped[str] = mapped_column(String(10), default="")
    mpe: Mapped[float | None] = mapped_column(Float, nullable=True)
    mpe_source: Mapped[str] = mapped_column(Text, default="")
    mpe_source_status: Mapped[str] = mapped_column(Text, default="")
    rule: Mapped[str] = mapped_column(String(60), default="")
    verdict: Mapped[str] = mapped_column(String(20))  # pass | fail | undetermined | not_applicable
    reasons: Mapped[Any] = mapped_column(JSON, default=list)


class CampaignFinding(Base):
    """A finding at an inspected entity: severity, category, evidence, penalty, rectification, follow-up."""

    __tablename__ = "campaign_findings"
    __access__ = {"region": "region_code", "organisation": "enterprise_id"}
    __table_args__ = (
        Index("ix_campaign_findings_region", "region_code", "found_on"),
        Index("ix_campaign_findings_enterprise", "enterprise_id", "found_on"),
        Index("ix_campaign_findings_task", "task_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    task_id: Mapped[int] = mapped_column(ForeignKey("campaign_tasks.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    found_on: Mapped[dt.date] = mapped_column(Date)
    severity: Mapped[str] = mapped_column(String(10))
    category: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text)
    evidence_sha256: Mapped[Any] = mapped_column(JSON, default=list)
    penalty_legal_basis: Mapped[str] = mapped_column(Text, default="")
    penalty_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), nullable=True)  # CNY
    rectification_deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="open")
    status_note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class CampaignEvidence(Base):
    """An evidence file (photo, video frame, document) of an inspection, addressed by its SHA-256."""

    __tablename__ = "campaign_evidence"
    __access__ = {"region": "region_code", "organisation": "enterprise_id"}
    __table_args__ = (
        UniqueConstraint("task_id", "sha256", name="uq_campaign_evidence_task_sha256"),
        Index("ix_campaign_evidence_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("campaign_tasks.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
