"""comparisons: comparisons and PT rounds, participants, sealed submissions, analysis snapshots (issue 5)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 11:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "comparisons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=False),
        sa.Column("artefact", sa.Text(), nullable=False),
        sa.Column("protocol_sha256", sa.String(length=64), nullable=True),
        sa.Column("protocol_file_name", sa.String(length=300), nullable=False),
        sa.Column("protocol_size", sa.Integer(), nullable=False),
        sa.Column("pilot_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("unsealed_at", sa.DateTime(), nullable=True),
        sa.Column("unsealed_reason", sa.String(length=30), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("published_analysis_id", sa.Integer(), nullable=True),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pilot_id"], ["organisations.id"], name=op.f("fk_comparisons_pilot_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_comparisons_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comparisons")),
    )
    op.create_index("ix_comparisons_pilot", "comparisons", ["pilot_id"], unique=False)
    op.create_index(
        "ix_comparisons_region_deadline", "comparisons", ["region_code", "deadline"], unique=False
    )
    op.create_table(
        "comparison_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comparison_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("lab_code", sa.String(length=30), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=True),
        sa.Column("returned_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["comparison_id"],
            ["comparisons.id"],
            name=op.f("fk_comparison_participants_comparison_id_comparisons"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_comparison_participants_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comparison_participants")),
        sa.UniqueConstraint("comparison_id", "lab_code", name="uq_comparison_participants_lab_code"),
        sa.UniqueConstraint("comparison_id", "organisation_id", name="uq_comparison_participants_org"),
    )
    op.create_index(
        "ix_comparison_participants_org", "comparison_participants", ["organisation_id"], unique=False
    )
    op.create_table(
        "comparison_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comparison_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("standard_uncertainty", sa.Float(), nullable=False),
        sa.Column("dof", sa.Float(), nullable=True),
        sa.Column("coverage_factor", sa.Float(), nullable=True),
        sa.Column("entered_value", sa.Float(), nullable=False),
        sa.Column("entered_uncertainty", sa.Float(), nullable=False),
        sa.Column("entered_unit", sa.String(length=100), nullable=False),
        sa.Column("budget_sha256", sa.String(length=64), nullable=True),
        sa.Column("budget_file_name", sa.String(length=300), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("after_unseal", sa.Boolean(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("entered_by", sa.String(length=64), nullable=False),
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("seal_nonce", sa.String(length=32), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["comparison_id"],
            ["comparisons.id"],
            name=op.f("fk_comparison_submissions_comparison_id_comparisons"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_comparison_submissions_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["comparison_participants.id"],
            name=op.f("fk_comparison_submissions_participant_id_comparison_participants"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comparison_submissions")),
        sa.UniqueConstraint("participant_id", "version", name="uq_comparison_submissions_version"),
    )
    op.create_index(
        "ix_comparison_submissions_comparison",
        "comparison_submissions",
        ["comparison_id", "participant_id"],
        unique=False,
    )
    op.create_table(
        "comparison_analyses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comparison_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("pilot_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("method", sa.String(length=60), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("outputs", sa.JSON(), nullable=False),
        sa.Column("svg", sa.Text(), nullable=False),
        sa.Column("doe_svg", sa.Text(), nullable=False),
        sa.Column("core_version", sa.String(length=40), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["comparison_id"],
            ["comparisons.id"],
            name=op.f("fk_comparison_analyses_comparison_id_comparisons"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comparison_analyses")),
    )
    op.create_index(
        "ix_comparison_analyses_comparison", "comparison_analyses", ["comparison_id"], unique=False
    )


def downgrade() -> None:
    for table in ("comparison_analyses", "comparison_submissions", "comparison_participants", "comparisons"):
        op.drop_table(table)
