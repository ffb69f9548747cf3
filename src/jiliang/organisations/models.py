"""Organisations and institutions' authorisations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jiliang.platform.db import Base
from jiliang.platform.models import utcnow

ORG_KINDS = ("enterprise", "institution")
SECTORS = ("shop", "market", "fuel_station", "hospital", "factory", "utility", "transport", "lab", "other")


class Organisation(Base):
    __tablename__ = "organisations"
    __access__ = {"region": "region_code", "organisation": "id"}
    __table_args__ = (Index("ix_organisations_region_kind", "region_code", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    sector: Mapped[str] = mapped_column(String(30), default="other")
    address: Mapped[str] = mapped_column(String(300), default="")
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    authorisations: Mapped[list[Authorisation]] = relationship(
        back_populates="institution", cascade="all, delete-orphan", lazy="selectin"
    )


class Authorisation(Base):
    """An institution may verify a catalogue item in a region (and below it) until a date."""

    __tablename__ = "authorisations"
    __access__ = {"region": "region_code", "organisation": "institution_id"}
    __table_args__ = (Index("ix_authorisations_item_region", "catalogue_code", "region_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    catalogue_code: Mapped[str] = mapped_column(ForeignKey("catalogue_items.code"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    valid_until: Mapped[dt.date] = mapped_column(Date)
    annual_capacity: Mapped[int] = mapped_column(Integer, default=0)

    institution: Mapped[Organisation] = relationship(back_populates="authorisations")
