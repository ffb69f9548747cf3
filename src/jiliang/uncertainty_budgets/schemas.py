"""Pydantic schemas of saved uncertainty budgets (the calculator takes the raw model-file document)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

AttachedKind = Literal["measurement_standard", "procedure"]


class BudgetCreate(BaseModel):
    """Save a budget: a model file (docs/uncertainty-model-format.md) attached to a standard or procedure."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    attached_kind: AttachedKind
    attached_ref: str = Field(
        min_length=1,
        max_length=200,
        description="certificate no. of the measurement standard or JJG/JJF no. of the "
        "procedure (free text until those registers exist)",
    )
    model: dict[str, Any] = Field(description="the model-file document")
    change_note: str = Field(default="", max_length=500)


class BudgetUpdate(BaseModel):
    """Revise a budget: a new revision is created from the latest one; omitted fields are carried over."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    attached_kind: AttachedKind | None = None
    attached_ref: str | None = Field(default=None, min_length=1, max_length=200)
    model: dict[str, Any] | None = None
    change_note: str = Field(default="", max_length=500)


class BudgetSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    lineage: str
    revision: int
    supersedes_id: int | None
    organisation_id: int
    region_code: str
    name: str
    attached_kind: str
    attached_ref: str
    change_note: str
    evaluated_at: dt.datetime
    engine_version: str
    created_by: str
    created_at: dt.datetime


class BudgetPublic(BudgetSummary):
    model: dict[str, Any]
    result: dict[str, Any]
    superseded_by_id: int | None = None


class BudgetPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[BudgetSummary]
