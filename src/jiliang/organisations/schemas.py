"""Pydantic schemas for organisations."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class OrganisationCreate(BaseModel):
    kind: str = Field(pattern="^(enterprise|institution)$")
    name: str = Field(min_length=1, max_length=200)
    credit_code: str = Field(min_length=18, max_length=18)
    region_code: str = Field(pattern=r"^\d{6}$")
    sector: str = "other"
    address: str = Field(default="", max_length=300)
    contact_name: str = Field(default="", max_length=100)
    contact_phone: str = Field(default="", max_length=50)


class OrganisationUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    contact_name: str | None = Field(default=None, max_length=100)
    contact_phone: str | None = Field(default=None, max_length=50)


class AuthorisationCreate(BaseModel):
    catalogue_code: str = Field(min_length=1, max_length=8)
    region_code: str = Field(pattern=r"^\d{6}$")
    valid_until: dt.date
    annual_capacity: int = Field(ge=0, le=10_000_000)


class AuthorisationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    institution_id: int
    catalogue_code: str
    region_code: str
    valid_until: dt.date
    annual_capacity: int


class OrganisationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    name: str
    credit_code: str
    region_code: str
    sector: str
    address: str
    contact_name: str
    contact_phone: str
