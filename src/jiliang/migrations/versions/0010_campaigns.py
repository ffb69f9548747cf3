"""campaigns: inspection campaigns, inspector pool, tasks, checklist items, findings, evidence (issue 7)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("campaign_type", sa.String(length=30), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=True),
        sa.Column("sample_fraction", sa.Float(), nullable=True),
        sa.Column("risk_weighted", sa.Boolean(), nullable=False),
        sa.Column("scope_sectors", sa.JSON(), nullable=False),
        sa.Column("scope_counties", sa.JSON(), nullable=False),
        sa.Column("inspectors_per_entity", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("seed", sa.String(length=20), nullable=True),
        sa.Column("algorithm", sa.String(length=40), nullable=True),
        sa.Column("algorithm_version", sa.String(length=10), nullable=True),
        sa.Column("inputs_digest", sa.String(length=64), nullable=True),
        sa.Column("candidates", sa.JSON(), nullable=True),
        sa.Column("pool", sa.JSON(), nullable=True),
        sa.Column("selection", sa.JSON(), nullable=True),
        sa.Column("selected_by", sa.String(length=64), nullable=True),
        sa.Column("selected_at", sa.DateTime(), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_campaigns_region_code_regions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index("ix_campaigns_region_start", ["region_code", "starts_on"], unique=False)

    op.create_table(
        "campaign_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("inspector_ids", sa.JSON(), nullable=False),
        sa.Column("checklist_code", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=True),
        sa.Column("result", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_tasks_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_campaign_tasks_enterprise_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_tasks")),
        sa.UniqueConstraint("campaign_id", "enterprise_id", name="uq_campaign_tasks_campaign_enterprise"),
    )
    with op.batch_alter_table("campaign_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_campaign_tasks_enterprise", ["enterprise_id"], unique=False)
        batch_op.create_index("ix_campaign_tasks_region", ["region_code", "campaign_id"], unique=False)

    op.create_table(
        "campaign_check_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("template_code", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=60), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("error", sa.Float(), nullable=True),
        sa.Column("error_unit", sa.String(length=10), nullable=False),
        sa.Column("mpe", sa.Float(), nullable=True),
        sa.Column("mpe_source", sa.Text(), nullable=False),
        sa.Column("mpe_source_status", sa.Text(), nullable=False),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_check_items_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_campaign_check_items_enterprise_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["campaign_tasks.id"], name=op.f("fk_campaign_check_items_task_id_campaign_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_check_items")),
    )
    with op.batch_alter_table("campaign_check_items", schema=None) as batch_op:
        batch_op.create_index("ix_campaign_check_items_task", ["task_id", "position"], unique=False)

    op.create_table(
        "campaign_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_campaign_evidence_enterprise_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["campaign_tasks.id"], name=op.f("fk_campaign_evidence_task_id_campaign_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_evidence")),
        sa.UniqueConstraint("task_id", "sha256", name="uq_campaign_evidence_task_sha256"),
    )
    with op.batch_alter_table("campaign_evidence", schema=None) as batch_op:
        batch_op.create_index("ix_campaign_evidence_sha256", ["sha256"], unique=False)

    op.create_table(
        "campaign_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("evidence_sha256", sa.JSON(), nullable=False),
        sa.Column("penalty_legal_basis", sa.Text(), nullable=False),
        sa.Column("penalty_amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("rectification_deadline", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("status_note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_campaign_findings_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["organisations.id"],
            name=op.f("fk_campaign_findings_enterprise_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["campaign_tasks.id"], name=op.f("fk_campaign_findings_task_id_campaign_tasks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_findings")),
    )
    with op.batch_alter_table("campaign_findings", schema=None) as batch_op:
        batch_op.create_index("ix_campaign_findings_enterprise", ["enterprise_id", "found_on"], unique=False)
        batch_op.create_index("ix_campaign_findings_region", ["region_code", "found_on"], unique=False)
        batch_op.create_index("ix_campaign_findings_task", ["task_id"], unique=False)

    op.create_table(
        "campaign_inspectors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("badge_no", sa.String(length=50), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("conflicts", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_campaign_inspectors_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_campaign_inspectors_region_code_regions")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_campaign_inspectors_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_inspectors")),
    )
    with op.batch_alter_table("campaign_inspectors", schema=None) as batch_op:
        batch_op.create_index("ix_campaign_inspectors_region", ["region_code", "active"], unique=False)


def downgrade() -> None:
    for table in (
        "campaign_evidence",
        "campaign_findings",
        "campaign_check_items",
        "campaign_tasks",
        "campaign_inspectors",
        "campaigns",
    ):
        op.drop_table(table)
