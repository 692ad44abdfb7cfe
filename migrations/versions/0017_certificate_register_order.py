"""Indexes for the certificate register's order (issued_on DESC, id DESC) and for counts by status and agency

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 23:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index('ix_certificate_issued_on_id', ['issued_on', 'id'], unique=False)
        batch_op.create_index('ix_certificate_status_agency_type', ['status', 'agency_id', 'type'], unique=False)


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index('ix_certificate_status_agency_type')
        batch_op.drop_index('ix_certificate_issued_on_id')
