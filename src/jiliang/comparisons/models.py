"""Comparisons (计量比对) and proficiency-testing rounds (能力验证): the workflow's tables.

Access is not the generic region/organisation rule alone (see :mod:`jiliang.comparisons.service`):

* a comparison is seen by administrators, regulators of its region and the regions above, the pilot
  institution, the participating institutions, and by everyone once published;
* a submission (a participant's result) is SEALED until the comparison is unsealed: before that only the
  submitting institution sees it (nobody else: not the pilot, not a regulator, not an administrator);
* analyses are seen by whoever sees the comparison once unsealed (they exist only after unsealing), by
  the public only when it is the published analysis.

``__access__`` below states the coarse scope (region, owning organisation, published flag) that list
queries start from; the service adds the participant and sealing rules.
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

COMPARISON_KINDS = ("national", "regional", "local", "proficiency_test")
ANALYSIS_KINDS = ("draft_a", "draft_b", "pt")
UNSEAL_REASONS = ("all_submitted", "deadline_passed")


class Comparison(Base):
    """A comparison or PT round: artefact, protocol, pilot, participants, deadline; sealed until unsealed."""

    __tablename__ = "comparisons"
    __access__ = {"region": "region_code", "organisation": "pilot_id", "public": "published"}
    __table_args__ = (
        Index("ix_comparisons_region_deadline", "region_code", "deadline"),
        Index("ix_comparisons_pilot", "pilot_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(100))
    artefact: Mapped[str] = mapped_column(Text, default="")
    protocol_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    protocol_file_name: Mapped[str] = mapped_column(String(300), default="")
    protocol_size: Mapped[int] = mapped_column(Integer, default=0)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    deadline: Mapped[dt.date] = mapped_column(Date)
    unsealed_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    unsealed_reason: Mapped[str | None] = mapped_column(String(30), nullable=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    published_analysis_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ComparisonParticipant(Base):
    """A participating institution with its lab code and the circulation schedule of the artefact."""

    __tablename__ = "comparison_participants"
    __access__ = {"region": "region_code", "organisation": "organisation_id"}
    __table_args__ = (
        UniqueConstraint("comparison_id", "lab_code", name="uq_comparison_participants_lab_code"),
        UniqueConstraint("comparison_id", "organisation_id", name="uq_comparison_participants_org"),
        Index("ix_comparison_participants_org", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comparison_id: Mapped[int] = mapped_column(ForeignKey("comparisons.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))  # the comparison's region
    lab_code: Mapped[str] = mapped_column(String(30))
    position: Mapped[int] = mapped_column(Integer, default=0)
    received_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    returned_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class ComparisonSubmission(Base):
    """One version of a participant's result (never overwritten; an amendment is a new version)."""

    __tablename__ = "comparison_submissions"
    __access__ = {"region": "region_code", "organisation": "organisation_id"}
    __table_args__ = (
        UniqueConstraint("participant_id", "version", name="uq_comparison_submissions_version"),
        Index("ix_comparison_submissions_comparison", "comparison_id", "participant_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comparison_id: Mapped[int] = mapped_column(ForeignKey("comparisons.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("comparison_participants.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    version: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)  # in the comparison unit
    standard_uncertainty: Mapped[float] = mapped_column(Float)  # in the comparison unit
    dof: Mapped[float | None] = mapped_column(Float, nullable=True)
    coverage_factor: Mapped[float | None] = mapped_column(Float, nullable=True)
    entered_value: Mapped[float] = mapped_column(Float)
    entered_uncertainty: Mapped[float] = mapped_column(Float)
    entered_unit: Mapped[str] = mapped_column(String(100))
    budget_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    budget_file_name: Mapped[str] = mapped_column(String(300), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    after_unseal: Mapped[bool] = mapped_column(Boolean, default=False)
    # after unsealing a new version waits for the pilot: pending -> accepted | rejected
    decision: Mapped[str | None] = mapped_column(String(20), nullable=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    entered_by: Mapped[str] = mapped_column(String(64))
    on_behalf: Mapped[bool] = mapped_column(Boolean, default=False)  # entered by the pilot (bulk CSV)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # the audit log records sha256(nonce + content) of a result, never the sealed numbers themselves
    seal_nonce: Mapped[str] = mapped_column(String(32))
    content_sha256: Mapped[str] = mapped_column(String(64))


class ComparisonAnalysis(Base):
    """An immutable analysis snapshot (Draft A, Draft B or PT scores): inputs, options, outputs, versions."""

    __tablename__ = "comparison_analyses"
    __access__ = {"region": "region_code", "organisation": "pilot_id"}
    __table_args__ = (Index("ix_comparison_analyses_comparison", "comparison_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comparison_id: Mapped[int] = mapped_column(ForeignKey("comparisons.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    pilot_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(60), default="")
    options: Mapped[Any] = mapped_column(JSON, default=dict)
    inputs: Mapped[Any] = mapped_column(JSON, default=list)
    outputs: Mapped[Any] = mapped_column(JSON, default=dict)
    svg: Mapped[str] = mapped_column(Text, default="")
    doe_svg: Mapped[str] = mapped_column(Text, default="")
    core_version: Mapped[str] = mapped_column(String(40))
    digest: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
