"""certificates: issued certificates, per-institution yearly counters, imported external calibrations;
recall_notices.kind (a failed verification notifies the owner) (issue 6)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 11:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "certificate_counters",
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_serial", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["organisations.id"],
            name=op.f("fk_certificate_counters_institution_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("institution_id", "year", name=op.f("pk_certificate_counters")),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("work_order_id", sa.Integer(), nullable=True),
        sa.Column("instrument_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("conformity", sa.String(length=10), nullable=False),
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("correction_reason", sa.Text(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("dcc_xml", sa.LargeBinary(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("dcc_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["organisations.id"],
            name=op.f("fk_certificates_institution_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["organisations.id"], name=op.f("fk_certificates_customer_id_organisations")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["verification_records.id"],
            name=op.f("fk_certificates_record_id_verification_records"),
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"], ["work_orders.id"], name=op.f("fk_certificates_work_order_id_work_orders")
        ),
        sa.ForeignKeyConstraint(
            ["instrument_id"], ["instruments.id"], name=op.f("fk_certificates_instrument_id_instruments")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["certificates.id"], name=op.f("fk_certificates_supersedes_id_certificates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("number", "revision", name="uq_certificates_number_revision"),
        sa.UniqueConstraint("institution_id", "year", "serial", "revision", name="uq_certificates_serial"),
    )
    op.create_index("ix_certificates_region_issued", "certificates", ["region_code", "issued_at"])
    op.create_index("ix_certificates_institution", "certificates", ["institution_id", "issued_at"])
    op.create_index("ix_certificates_customer", "certificates", ["customer_id", "issued_at"])
    op.create_index("ix_certificates_instrument", "certificates", ["instrument_id", "issued_at"])
    op.create_index("ix_certificates_record", "certificates", ["record_id"])
    op.create_table(
        "external_calibrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("laboratory", sa.String(length=300), nullable=False),
        sa.Column("certificate_id", sa.String(length=200), nullable=False),
        sa.Column("performed_on", sa.Date(), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("schema_valid", sa.String(length=10), nullable=False),
        sa.Column("signature_status", sa.String(length=30), nullable=False),
        sa.Column("dcc_sha256", sa.String(length=64), nullable=False),
        sa.Column("dcc_xml", sa.LargeBinary(), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instrument_id"],
            ["instruments.id"],
            name=op.f("fk_external_calibrations_instrument_id_instruments"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["organisations.id"], name=op.f("fk_external_calibrations_owner_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_calibrations")),
        sa.UniqueConstraint("instrument_id", "dcc_sha256", name="uq_external_calibrations_instrument_dcc"),
    )
    op.create_index(
        "ix_external_calibrations_region", "external_calibrations", ["region_code", "instrument_id"]
    )
    op.create_index("ix_external_calibrations_owner", "external_calibrations", ["owner_id", "instrument_id"])
    with op.batch_alter_table("recall_notices") as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), nullable=False, server_default="recall"))


def downgrade() -> None:
    with op.batch_alter_table("recall_notices") as batch_op:
        batch_op.drop_column("kind")
    op.drop_index("ix_external_calibrations_owner", table_name="external_calibrations")
    op.drop_index("ix_external_calibrations_region", table_name="external_calibrations")
    op.drop_table("external_calibrations")
    for name in (
        "ix_certificates_record",
        "ix_certificates_instrument",
        "ix_certificates_customer",
        "ix_certificates_institution",
        "ix_certificates_region_issued",
    ):
        op.drop_index(name, table_name="certificates")
    op.drop_table("certificates")
    op.drop_table("certificate_counters")
