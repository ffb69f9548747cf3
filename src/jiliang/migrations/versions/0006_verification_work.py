"""verification work: measurement standards, work orders, records, signatures (issue 6)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 11:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('measurement_standards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('identifier', sa.String(length=100), nullable=False),
    sa.Column('quantity', sa.String(length=100), nullable=False),
    sa.Column('measuring_range', sa.String(length=200), nullable=False),
    sa.Column('uncertainty_or_class', sa.String(length=200), nullable=False),
    sa.Column('maker', sa.String(length=200), nullable=False),
    sa.Column('model', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['organisations.id'], name=op.f('fk_measurement_standards_institution_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_measurement_standards')),
    sa.UniqueConstraint('institution_id', 'identifier', name='uq_measurement_standards_institution_identifier')
    )
    op.create_index('ix_measurement_standards_institution', 'measurement_standards', ['institution_id', 'status'], unique=False)
    op.create_index('ix_measurement_standards_region', 'measurement_standards', ['region_code'], unique=False)
    op.create_table('standard_certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('certificate_no', sa.String(length=100), nullable=False),
    sa.Column('issuing_lab', sa.String(length=200), nullable=False),
    sa.Column('calibrated_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['organisations.id'], name=op.f('fk_standard_certificates_institution_id_organisations')),
    sa.ForeignKeyConstraint(['standard_id'], ['measurement_standards.id'], name=op.f('fk_standard_certificates_standard_id_measurement_standards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standard_certificates')),
    sa.UniqueConstraint('standard_id', 'certificate_no', name='uq_standard_certificates_standard_number')
    )
    op.create_index('ix_standard_certificates_standard', 'standard_certificates', ['standard_id', 'valid_until'], unique=False)
    op.create_table('work_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_no', sa.String(length=40), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('catalogue_code', sa.String(length=8), nullable=True),
    sa.Column('procedure_code', sa.String(length=40), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('due_by', sa.Date(), nullable=True),
    sa.Column('assigned_to', sa.String(length=64), nullable=True),
    sa.Column('walk_in', sa.Boolean(), nullable=False),
    sa.Column('instrument_code', sa.String(length=32), nullable=False),
    sa.Column('instrument_name', sa.String(length=200), nullable=False),
    sa.Column('maker', sa.String(length=200), nullable=False),
    sa.Column('model', sa.String(length=100), nullable=False),
    sa.Column('serial_number', sa.String(length=100), nullable=False),
    sa.Column('measuring_range', sa.String(length=100), nullable=False),
    sa.Column('accuracy_class', sa.String(length=50), nullable=False),
    sa.Column('instrument_params', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('current_record_id', sa.Integer(), nullable=True),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.Column('rejection_reason', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['organisations.id'], name=op.f('fk_work_orders_customer_id_organisations')),
    sa.ForeignKeyConstraint(['institution_id'], ['organisations.id'], name=op.f('fk_work_orders_institution_id_organisations')),
    sa.ForeignKeyConstraint(['instrument_id'], ['instruments.id'], name=op.f('fk_work_orders_instrument_id_instruments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_orders')),
    sa.UniqueConstraint('institution_id', 'order_no', name='uq_work_orders_institution_order_no')
    )
    op.create_index('ix_work_orders_customer', 'work_orders', ['customer_id', 'received_on'], unique=False)
    op.create_index('ix_work_orders_institution', 'work_orders', ['institution_id', 'status', 'received_on'], unique=False)
    op.create_index('ix_work_orders_instrument', 'work_orders', ['instrument_id'], unique=False)
    op.create_index('ix_work_orders_region', 'work_orders', ['region_code', 'status', 'received_on'], unique=False)
    op.create_table('verification_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_order_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('procedure_code', sa.String(length=40), nullable=False),
    sa.Column('stage', sa.String(length=20), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('evaluation', sa.JSON(), nullable=False),
    sa.Column('verdict', sa.String(length=20), nullable=False),
    sa.Column('performed_on', sa.Date(), nullable=False),
    sa.Column('performed_by', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('correction_reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['organisations.id'], name=op.f('fk_verification_records_customer_id_organisations')),
    sa.ForeignKeyConstraint(['institution_id'], ['organisations.id'], name=op.f('fk_verification_records_institution_id_organisations')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['verification_records.id'], name=op.f('fk_verification_records_supersedes_id_verification_records')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_verification_records_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_verification_records')),
    sa.UniqueConstraint('work_order_id', 'revision', name='uq_verification_records_work_order_revision')
    )
    op.create_index('ix_verification_records_customer', 'verification_records', ['customer_id'], unique=False)
    op.create_index('ix_verification_records_institution', 'verification_records', ['institution_id', 'status'], unique=False)
    op.create_index('ix_verification_records_region', 'verification_records', ['region_code', 'performed_on'], unique=False)
    op.create_table('record_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('meaning', sa.String(length=20), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['organisations.id'], name=op.f('fk_record_signatures_customer_id_organisations')),
    sa.ForeignKeyConstraint(['institution_id'], ['organisations.id'], name=op.f('fk_record_signatures_institution_id_organisations')),
    sa.ForeignKeyConstraint(['record_id'], ['verification_records.id'], name=op.f('fk_record_signatures_record_id_verification_records')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_record_signatures_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_signatures')),
    sa.UniqueConstraint('record_id', 'meaning', name='uq_record_signatures_record_meaning')
    )
    op.create_index('ix_record_signatures_user', 'record_signatures', ['user_id'], unique=False)
    op.create_table('record_standards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=True),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['standard_certificates.id'], name=op.f('fk_record_standards_certificate_id_standard_certificates')),
    sa.ForeignKeyConstraint(['customer_id'], ['organisations.id'], name=op.f('fk_record_standards_customer_id_organisations')),
    sa.ForeignKeyConstraint(['institution_id'], ['organisations.id'], name=op.f('fk_record_standards_institution_id_organisations')),
    sa.ForeignKeyConstraint(['record_id'], ['verification_records.id'], name=op.f('fk_record_standards_record_id_verification_records')),
    sa.ForeignKeyConstraint(['standard_id'], ['measurement_standards.id'], name=op.f('fk_record_standards_standard_id_measurement_standards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_standards')),
    sa.UniqueConstraint('record_id', 'standard_id', name='uq_record_standards_record_standard')
    )
    op.create_index('ix_record_standards_standard', 'record_standards', ['standard_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_record_standards_standard', table_name='record_standards')
    op.drop_table('record_standards')
    op.drop_index('ix_record_signatures_user', table_name='record_signatures')
    op.drop_table('record_signatures')
    op.drop_index('ix_verification_records_region', table_name='verification_records')
    op.drop_index('ix_verification_records_institution', table_name='verification_records')
    op.drop_index('ix_verification_records_customer', table_name='verification_records')
    op.drop_table('verification_records')
    op.drop_index('ix_work_orders_region', table_name='work_orders')
    op.drop_index('ix_work_orders_instrument', table_name='work_orders')
    op.drop_index('ix_work_orders_institution', table_name='work_orders')
    op.drop_index('ix_work_orders_customer', table_name='work_orders')
    op.drop_table('work_orders')
    op.drop_index('ix_standard_certificates_standard', table_name='standard_certificates')
    op.drop_table('standard_certificates')
    op.drop_index('ix_measurement_standards_region', table_name='measurement_standards')
    op.drop_index('ix_measurement_standards_institution', table_name='measurement_standards')
    op.drop_table('measurement_standards')
