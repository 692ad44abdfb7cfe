"""proposed revocations 拟注销 / 拟吊销 / 拟撤销 heard before they are decided; a revocation may be set aside

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TERMINAL = "from_status IS NULL OR from_status <> 'revoked' OR to_status = 'revoked'"


def upgrade():
    op.create_table('certificate_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.String(length=200), nullable=False),
    sa.Column('proposed_by', sa.Integer(), nullable=True),
    sa.Column('proposed_by_label', sa.String(length=80), nullable=False),
    sa.Column('proposed_at', sa.DateTime(), nullable=False),
    sa.Column('answer_by', sa.Date(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=True),
    sa.Column('stated_at', sa.DateTime(), nullable=True),
    sa.Column('waived_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_by_label', sa.String(length=80), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind IN ('review_rejected_final','misconduct','fraud')", name=op.f('ck_certificate_proposal_kind')),
    sa.CheckConstraint("status IN ('open','revoked','dropped','closed')", name=op.f('ck_certificate_proposal_status')),
    sa.CheckConstraint("(status = 'open') = (decided_at IS NULL)", name=op.f('ck_certificate_proposal_decided')),
    sa.CheckConstraint('statement IS NULL OR waived_at IS NULL', name=op.f('ck_certificate_proposal_stated_or_waived')),
    sa.CheckConstraint('(statement IS NULL) = (stated_at IS NULL)', name=op.f('ck_certificate_proposal_stated_at')),
    sa.CheckConstraint('length(facts) > 0 AND length(reasons) > 0 AND length(legal_basis) > 0', name=op.f('ck_certificate_proposal_grounds')),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_certificate_proposal_certificate_id_certificate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by'], ['user_account.id'], name=op.f('fk_certificate_proposal_decided_by_user_account')),
    sa.ForeignKeyConstraint(['proposed_by'], ['user_account.id'], name=op.f('fk_certificate_proposal_proposed_by_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_proposal'))
    )
    with op.batch_alter_table('certificate_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_proposal_answer_by'), ['answer_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_proposal_certificate_id'), ['certificate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_proposal_status'), ['status'], unique=False)
        batch_op.create_index('uq_certificate_proposal_open', ['certificate_id'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
    with op.batch_alter_table('certificate_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_certificate_event_revoked_terminal'), type_='check')
        batch_op.create_check_constraint(op.f('ck_certificate_event_revoked_terminal'),
                                         TERMINAL + " OR action = 'set_aside'")


def downgrade():
    with op.batch_alter_table('certificate_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_certificate_event_revoked_terminal'), type_='check')
        batch_op.create_check_constraint(op.f('ck_certificate_event_revoked_terminal'), TERMINAL)
    with op.batch_alter_table('certificate_proposal', schema=None) as batch_op:
        batch_op.drop_index('uq_certificate_proposal_open', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f('ix_certificate_proposal_status'))
        batch_op.drop_index(batch_op.f('ix_certificate_proposal_certificate_id'))
        batch_op.drop_index(batch_op.f('ix_certificate_proposal_answer_by'))
    op.drop_table('certificate_proposal')
