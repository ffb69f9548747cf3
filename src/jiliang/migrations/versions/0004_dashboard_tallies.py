"""dashboard tallies: instrument counts by due bucket, verifications by month

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instrument_tallies",
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("catalogue_code", sa.String(length=8), nullable=False),
        sa.Column("use", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("bucket", sa.String(length=10), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("region_code", "catalogue_code", "use", "status", "bucket",
                                name=op.f("pk_instrument_tallies")),
    )
    op.create_table(
        "verification_tallies",
        sa.Column("region_code", sa.String(length=6), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("region_code", "month", name=op.f("pk_verification_tallies")),
    )
    op.create_table(
        "tally_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tally_state")),
    )
    # count what the register already holds
    from sqlalchemy.orm import Session

    from jiliang.instruments import tallies

    session = Session(bind=op.get_bind())
    tallies.rebuild(session, dt.date.today())
    session.flush()


def downgrade() -> None:
    op.drop_table("tally_state")
    op.drop_table("verification_tallies")
    op.drop_table("instrument_tallies")
