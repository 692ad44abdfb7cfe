"""The entrusted party's own announcement of an entrustment agreement (行政处罚法第二十条第二款)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 22:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('entrustment_agreement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('entrusted_announced_on', sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_entrustment_agreement_entrusted_announced_after_filing'),
            "entrusted_announced_on IS NULL OR (filed_on IS NOT NULL AND entrusted_announced_on >= filed_on)")


def downgrade():
    with op.batch_alter_table('entrustment_agreement', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_entrustment_agreement_entrusted_announced_after_filing'), type_='check')
        batch_op.drop_column('entrusted_announced_on')
