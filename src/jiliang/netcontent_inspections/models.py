"""Net-content inspections of prepackaged goods (定量包装商品净含量检验) and the C-mark register (“C”标志).

Access (``__access__``, see :mod:`jiliang.platform.access`; the service narrows it further):

* an inspection record belongs to the region where the lot was inspected; regulators of that region and
  the regions above it see it; the producing enterprise (``producer_id``) sees the records of its own
  products once they are finalised (the service hides drafts and also lets the seller see its own);
  everyone sees a record once ``published`` (through the public pages, which show no personal data);
* a C-mark self-declaration belongs to the declaring enterprise and its region; active declarations are
  public (the list of declarants).

Records are revisioned: a correction of a finalised record is a new row with the same ``record_key`` and
``revision + 1``; when the correction is finalised the older row gets ``superseded_by_id``. Statistics and
the credit area read only current rows (``superseded_by_id IS NULL``) that are finalised or published.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jiliang.platform.db import Base
from jiliang.platform.models import utcnow

#: Product categories (a small code list; the labels are translated in the templates).
PRODUCT_CATEGORIES = (
    "food",
    "beverage",
    "dairy",
    "edible_oil",
    "grain",
    "condiments",
    "daily_chemicals",
    "cosmetics",
    "building_materials",
    "paper",
    "textiles",
    "other",
)
STATUSES = ("draft", "finalised", "published")
VERDICTS = ("pass", "fail")


class NetContentInspection(Base):
    """One revision of a net-content inspection record: the inputs, and the verdict computed by the core."""

    __tablename__ = "netcontent_inspections"
    __access__ = {"region": "region_code", "organisation": "producer_id", "public": "published"}
    __table_args__ = (
        Index("ix_netcontent_inspections_region_date", "region_code", "inspected_on"),
        Index("ix_netcontent_inspections_record", "record_key", "revision", unique=True),
        Index("ix_netcontent_inspections_producer", "producer_id"),
        Index("ix_netcontent_inspections_seller", "seller_id"),
        Index("ix_netcontent_inspections_campaign", "campaign_id"),
        Index("ix_netcontent_inspections_campaign_task", "campaign_task_id"),
        Index("ix_netcontent_inspections_published", "published", "inspected_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_key: Mapped[str] = mapped_column(String(36))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    superseded_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    correction_reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    published: Mapped[bool] = mapped_column(Boolean, default=False)

    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    producer_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    producer_name: Mapped[str] = mapped_column(String(200), default="")  # as on the label
    campaign_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    campaign_task_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    product_name: Mapped[str] = mapped_column(String(200))
    product_category: Mapped[str] = mapped_column(String(30))
    brand: Mapped[str] = mapped_column(String(100), default="")
    batch: Mapped[str] = mapped_column(String(100), default="")
    lot_size: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    nominal: Mapped[str] = mapped_column(String(40))  # the labelled Qn, exact decimal text
    unit: Mapped[str] = mapped_column(String(20))
    sample_size: Mapped[int] = mapped_column(Integer)
    plan_version: Mapped[str] = mapped_column(String(30))

    inspected_on: Mapped[dt.date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(300), default="")
    inspectors: Mapped[Any] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")

    label_text: Mapped[str] = mapped_column(Text, default="")
    label_character_height_mm: Mapped[str | None] = mapped_column(String(20), nullable=True)
    label_passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    label_findings: Mapped[Any] = mapped_column(JSON, default=list)

    measurements: Mapped[Any] = mapped_column(JSON)  # the LOT inputs (net or gross/tare, units, density)
    measurement_source: Mapped[str] = mapped_column(String(300), default="form")  # form | csv:<name> <sha>
    result: Mapped[Any] = mapped_column(JSON)  # jiliang.core.netcontent.evaluation_to_dict
    verdict: Mapped[str] = mapped_column(String(10))
    reason_codes: Mapped[Any] = mapped_column(JSON, default=list)
    tolerable_deficiency: Mapped[str] = mapped_column(String(40))
    t1_count: Mapped[int] = mapped_column(Integer, default=0)
    t2_count: Mapped[int] = mapped_column(Integer, default=0)

    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    finalised_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    finalised_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class CMarkDeclaration(Base):
    """An enterprise's self-declaration of its use of the C mark (“C”标志) on prepackaged goods."""

    __tablename__ = "cmark_declarations"
    __access__ = {"region": "region_code", "organisation": "enterprise_id", "public": "listed"}
    __table_args__ = (
        Index("ix_cmark_declarations_region", "region_code", "declared_on"),
        Index("ix_cmark_declarations_enterprise", "enterprise_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    region_code: Mapped[str] = mapped_column(String(6))
    products: Mapped[str] = mapped_column(Text)
    assessment: Mapped[str] = mapped_column(Text, default="")
    declared_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | withdrawn
    listed: Mapped[bool] = mapped_column(Boolean, default=True)  # on the public list (active)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
