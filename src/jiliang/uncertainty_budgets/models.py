"""Saved uncertainty budgets (JJF 1059.1 / GUM budgets kept by technical institutions).

A saved budget is never overwritten: an edit adds a new revision of the same lineage
(``revision`` + 1, ``supersedes_id`` → the previous row). ``supersedes_id`` is unique, so a revision
is superseded at most once and the history of a lineage is a straight line.

``attached_kind`` / ``attached_ref`` name the measurement standard (计量标准) or the
verification/calibration procedure (检定/校准规程) the budget belongs to. Those registers do not
exist yet; ``attached_ref`` is free text (e.g. the standard's certificate number or the JJG/JJF
number) to be linked to a foreign key when they are built.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jiliang.platform.db import Base
from jiliang.platform.models import utcnow

ATTACHED_KINDS = ("measurement_standard", "procedure")


class UncertaintyBudget(Base):
    """One revision of an institution's saved uncertainty budget."""

    __tablename__ = "uncertainty_budgets"
    # region = the owning institution's region: regulators see their region's budgets; the service
    # narrows institution staff to their own organisation's budgets
    __access__ = {"region": "region_code", "organisation": "organisation_id"}
    __table_args__ = (
        UniqueConstraint("lineage", "revision", name="uq_uncertainty_budgets_lineage_revision"),
        UniqueConstraint("supersedes_id", name="uq_uncertainty_budgets_supersedes_id"),
        Index("ix_uncertainty_budgets_region_org", "region_code", "organisation_id"),
        Index("ix_uncertainty_budgets_org_created", "organisation_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lineage: Mapped[str] = mapped_column(String(32))  # shared by every revision of one budget
    revision: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("uncertainty_budgets.id"), nullable=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    name: Mapped[str] = mapped_column(String(200))
    attached_kind: Mapped[str] = mapped_column(String(30))  # measurement_standard | procedure
    attached_ref: Mapped[str] = mapped_column(
        String(200)
    )  # to be linked to the standard / procedure registers
    change_note: Mapped[str] = mapped_column(String(500), default="")
    model: Mapped[Any] = mapped_column(JSON)  # the model-file document (docs/uncertainty-model-format.md)
    result: Mapped[Any] = mapped_column(JSON)  # the evaluation document (the CLI's --json output)
    evaluated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    engine_version: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
