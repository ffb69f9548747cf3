"""Pydantic schemas of the comparisons area (input limits on every field; outputs never carry sealed values)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["national", "regional", "local", "proficiency_test"]
FINITE = {"allow_inf_nan": False}


class ParticipantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation_id: int = Field(ge=1, lt=2**31)
    lab_code: str = Field(min_length=1, max_length=30, pattern=r"^[A-Za-z0-9_.\-]+$")
    received_on: dt.date | None = None
    returned_on: dt.date | None = None


class ComparisonCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind
    title: str = Field(min_length=1, max_length=200)
    quantity: str = Field(min_length=1, max_length=200)
    unit: str = Field(min_length=1, max_length=100)
    artefact: str = Field(default="", max_length=4000)
    pilot_id: int = Field(ge=1, lt=2**31)
    region_code: str = Field(pattern=r"^\d{6}$")
    deadline: dt.date
    participants: list[ParticipantIn] = Field(min_length=2, max_length=500)


class ScheduleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    received_on: dt.date | None = None
    returned_on: dt.date | None = None


class SubmissionIn(BaseModel):
    """A participant's result as entered: value and standard uncertainty in ``unit`` (converted on entry)."""

    model_config = ConfigDict(extra="forbid")

    value: float = Field(allow_inf_nan=False)
    standard_uncertainty: float = Field(gt=0, allow_inf_nan=False)
    dof: float | None = Field(default=None, gt=0, allow_inf_nan=True)
    coverage_factor: float | None = Field(default=None, gt=0, le=100, allow_inf_nan=False)
    unit: str = Field(min_length=1, max_length=100)
    note: str = Field(default="", max_length=2000)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accept: bool
    reason: str = Field(min_length=1, max_length=2000)


class AssignedValueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: Literal["formulation", "reference_lab", "consensus"]
    value: float | None = Field(default=None, allow_inf_nan=False)
    standard_uncertainty: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    lab_code: str | None = Field(default=None, max_length=30)
    method: Literal["algorithm-a", "q-hampel", "median-made", "median-niqr"] = "algorithm-a"
    stopping: Literal["iso13528", "convergence"] = "iso13528"


class SigmaPtIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: Literal["fixed", "model", "robust"]
    value: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    relative: float | None = Field(default=None, gt=0, le=10, allow_inf_nan=False)


class HomogeneityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[list[float]] = Field(min_length=2, max_length=1000)


class StabilityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    before: list[float] = Field(min_length=2, max_length=10000)
    after: list[float] = Field(min_length=2, max_length=10000)


class AnalysisIn(BaseModel):
    """What the pilot asks for: Draft A, Draft B (method + options) or PT scores."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["draft_a", "draft_b", "pt"]
    method: str = Field(default="weighted-mean", max_length=40)
    uncertainty: str | None = Field(default=None, max_length=40)
    trials: int | None = Field(default=None, ge=1000, le=2_000_000)
    seed: int | None = Field(default=1, ge=0, lt=2**31)
    alpha: float | None = Field(default=None, gt=0, lt=1)
    coverage_factor: float | None = Field(default=None, gt=0, le=10)
    excluded: list[str] = Field(default_factory=list, max_length=500)
    covariance: bool = True
    form: Literal["mra", "loo"] = "mra"
    assigned: AssignedValueIn | None = None
    sigma_pt: SigmaPtIn | None = None
    homogeneity: HomogeneityIn | None = None
    stability: StabilityIn | None = None


class ParticipantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organisation_id: int
    organisation_name: str = ""
    lab_code: str
    received_on: dt.date | None
    returned_on: dt.date | None
    submitted: bool | None = None  # only once unsealed (before: whether one has submitted is not shown)


class ComparisonOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    title: str
    quantity: str
    unit: str
    artefact: str
    pilot_id: int
    region_code: str
    deadline: dt.date
    protocol_sha256: str | None
    protocol_file_name: str
    unsealed_at: dt.datetime | None
    unsealed_reason: str | None
    published: bool
    published_at: dt.datetime | None
    published_analysis_id: int | None


class SubmissionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    lab_code: str = ""
    version: int
    value: float
    standard_uncertainty: float
    dof: float | None
    coverage_factor: float | None
    entered_value: float
    entered_uncertainty: float
    entered_unit: str
    budget_sha256: str | None
    budget_file_name: str
    note: str
    late: bool
    after_unseal: bool
    decision: str | None
    decision_reason: str
    entered_by: str
    on_behalf: bool
    submitted_at: dt.datetime
    used: bool = False


class AnalysisOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    comparison_id: int
    kind: str
    method: str
    options: Any
    inputs: Any
    outputs: Any
    core_version: str
    digest: str
    created_by: str
    created_at: dt.datetime
    approved_by: str | None
    approved_at: dt.datetime | None


class ComparisonDetail(ComparisonOut):
    pilot_name: str
    participants: list[ParticipantOut]
    submissions: list[SubmissionOut]
    analyses: list[AnalysisOut]
    submitted_count: int | None = None  # only once unsealed


class ComparisonPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[ComparisonOut]


class PublicComparison(BaseModel):
    id: int
    kind: str
    title: str
    quantity: str
    unit: str
    artefact: str
    pilot_name: str
    region_code: str
    deadline: dt.date
    published_at: dt.datetime | None
    participants: list[str]
    analysis: AnalysisOut


class PublicHeader(BaseModel):
    id: int
    kind: str
    title: str
    quantity: str
    unit: str
    region_code: str
    published_at: dt.datetime | None


class PublicPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[PublicHeader]


class HistoryRow(BaseModel):
    comparison_id: int
    title: str
    lab_code: str
    published_at: dt.datetime | None
    x: float
    x_pt: float
    sigma_pt: float | None
    statistic: str | None
    score: float | None
    classification: str | None
    signal: str | None
    z: float | None = None
    zeta: float | None = None
    en: float | None = None


class History(BaseModel):
    organisation_id: int
    organisation_name: str
    rounds: list[HistoryRow]
