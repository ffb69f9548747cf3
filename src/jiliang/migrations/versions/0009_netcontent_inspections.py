"""netcontent inspections: net-content inspection records (revisioned) and the C-mark register (issue 7)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 11:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "netcontent_inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_key", sa.String(length=36), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column("correction_reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("producer_id", sa.Integer(), nullable=True),
        sa.Column("seller_id", sa.Integer(), nullable=True),
        sa.Column("producer_name", sa.String(length=200), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("campaign_task_id", sa.Integer(), nullable=True),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("product_category", sa.String(length=30), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("batch", sa.String(length=100), nullable=False),
        sa.Column("lot_size", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("nominal", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("plan_version", sa.String(length=30), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("inspectors", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("label_text", sa.Text(), nullable=False),
        sa.Column("label_character_height_mm", sa.String(length=20), nullable=True),
        sa.Column("label_passed", sa.Boolean(), nullable=True),
        sa.Column("label_findings", sa.JSON(), nullable=False),
        sa.Column("measurements", sa.JSON(), nullable=False),
        sa.Column("measurement_source", sa.String(length=300), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("reason_codes", sa.JSON(), nullable=False),
        sa.Column("tolerable_deficiency", sa.String(length=40), nullable=False),
        sa.Column("t1_count", sa.Integer(), nullable=False),
        sa.Column("t2_count", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finalised_by", sa.String(length=64), nullable=True),
        sa.Column("finalised_at", sa.DateTime(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_netcontent_inspections_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["producer_id"],
            ["organisations.id"],
            name=op.f("fk_netcontent_inspections_producer_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["seller_id"],
            ["organisations.id"],
            name=op.f("fk_netcontent_inspections_seller_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_netcontent_inspections")),
    )
    with op.batch_alter_table("netcontent_inspections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_netcontent_inspections_region_date", ["region_code", "inspected_on"], unique=False
        )
        batch_op.create_index("ix_netcontent_inspections_record", ["record_key", "revision"], unique=True)
        batch_op.create_index("ix_netcontent_inspections_producer", ["producer_id"], unique=False)
        batch_op.create_index("ix_netcontent_inspections_seller", ["seller_id"], unique=False)
        batch_op.create_index("ix_netcontent_inspections_campaign", ["campaign_id"], unique=False)
        batch_op.create_index("ix_netcontent_inspections_campaign_task", ["campaign_task_id"], unique=False)
        batch_op.create_index(
            "ix_netcontent_inspections_published", ["published", "inspected_on"], unique=False
        )

    op.create_table(
        "cmark_declarations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("products", sa.Text(), nullable=False),
        sa.Column("assessment", sa.Text(), nullable=False),
        sa.Column("declared_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_cmark_declarations_enterprise_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cmark_declarations")),
    )
    with op.batch_alter_table("cmark_declarations", schema=None) as batch_op:
        batch_op.create_index("ix_cmark_declarations_region", ["region_code", "declared_on"], unique=False)
        batch_op.create_index("ix_cmark_declarations_enterprise", ["enterprise_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cmark_declarations", schema=None) as batch_op:
        batch_op.drop_index("ix_cmark_declarations_enterprise")
        batch_op.drop_index("ix_cmark_declarations_region")
    op.drop_table("cmark_declarations")
    with op.batch_alter_table("netcontent_inspections", schema=None) as batch_op:
        for name in (
            "ix_netcontent_inspections_published",
            "ix_netcontent_inspections_campaign_task",
            "ix_netcontent_inspections_campaign",
            "ix_netcontent_inspections_seller",
            "ix_netcontent_inspections_producer",
            "ix_netcontent_inspections_record",
            "ix_netcontent_inspections_region_date",
        ):
            batch_op.drop_index(name)
    op.drop_table("netcontent_inspections")
