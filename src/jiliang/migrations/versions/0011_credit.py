"""credit: honest metrology (诚信计量) declarations, credit records, scores, model units (issue 7 part 3)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 11:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "credit_declarations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("template_id", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("declared_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_credit_declarations_enterprise_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_declarations")),
    )
    op.create_index("ix_credit_declarations_region", "credit_declarations", ["region_code", "declared_on"])
    op.create_index(
        "ix_credit_declarations_enterprise", "credit_declarations", ["enterprise_id", "declared_on"]
    )

    op.create_table(
        "credit_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("source_key", sa.String(length=80), nullable=False),
        sa.Column("event_on", sa.Date(), nullable=False),
        sa.Column("rule_id", sa.String(length=40), nullable=False),
        sa.Column("points", sa.Float(), nullable=False),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("derived_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_credit_records_enterprise_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_records")),
        sa.UniqueConstraint("enterprise_id", "source", "source_key", name="uq_credit_records_source"),
    )
    op.create_index("ix_credit_records_region", "credit_records", ["region_code", "enterprise_id"])
    op.create_index("ix_credit_records_enterprise", "credit_records", ["enterprise_id", "event_on"])

    op.create_table(
        "credit_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("computed_on", sa.Date(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("factor_count", sa.Integer(), nullable=False),
        sa.Column("rules_version", sa.String(length=40), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("computed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["organisations.id"], name=op.f("fk_credit_scores_enterprise_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_scores")),
        sa.UniqueConstraint("enterprise_id", "computed_on", name="uq_credit_scores_enterprise_day"),
    )
    op.create_index("ix_credit_scores_region", "credit_scores", ["region_code", "grade", "computed_on"])

    op.create_table(
        "credit_model_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("designated_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("designated_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_credit_model_units_enterprise_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_model_units")),
    )
    op.create_index("ix_credit_model_units_region", "credit_model_units", ["region_code", "designated_on"])
    op.create_index("ix_credit_model_units_enterprise", "credit_model_units", ["enterprise_id"])


def downgrade() -> None:
    op.drop_index("ix_credit_model_units_enterprise", table_name="credit_model_units")
    op.drop_index("ix_credit_model_units_region", table_name="credit_model_units")
    op.drop_table("credit_model_units")
    op.drop_index("ix_credit_scores_region", table_name="credit_scores")
    op.drop_table("credit_scores")
    op.drop_index("ix_credit_records_enterprise", table_name="credit_records")
    op.drop_index("ix_credit_records_region", table_name="credit_records")
    op.drop_table("credit_records")
    op.drop_index("ix_credit_declarations_enterprise", table_name="credit_declarations")
    op.drop_index("ix_credit_declarations_region", table_name="credit_declarations")
    op.drop_table("credit_declarations")
