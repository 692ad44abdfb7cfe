"""Complaint handling as seed 三(一)4 asks: 移交, deadlines, the officer told and heard before 查实, reports of
someone enforcing without a certificate

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 23:00:00

"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

#: the defaults of complaints.accept_days and complaints.conclude_days, for the rows already there
ACCEPT_DAYS, CONCLUDE_DAYS = 15, 60


def _moment(value):
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def upgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reported_name', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('happened_time', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('transferred_to', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('reminded_for', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('extended_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('extension_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('told_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('answer_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('answered_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('answer', sa.Text(), nullable=True))
        batch_op.alter_column('officer_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('certificate_number', existing_type=sa.String(length=15), nullable=True)
        for name in ('kind', 'status', 'closed_at', 'praise_states'):
            batch_op.drop_constraint(op.f(f'ck_complaint_{name}'), type_='check')
        batch_op.create_check_constraint(op.f('ck_complaint_kind'), "kind IN ('complaint','praise','unlicensed')")
        batch_op.create_check_constraint(
            op.f('ck_complaint_status'), "status IN ('received','accepted','not_accepted','transferred','substantiated',"
                                         "'unsubstantiated','acknowledged')")
        batch_op.create_check_constraint(
            op.f('ck_complaint_closed_at'), "(status IN ('not_accepted','transferred','substantiated','unsubstantiated',"
                                            "'acknowledged')) = (closed_at IS NOT NULL)")
        batch_op.create_check_constraint(op.f('ck_complaint_praise_states'),
                                         "kind <> 'praise' OR status IN ('received','acknowledged')")
        batch_op.create_check_constraint(
            op.f('ck_complaint_about_a_holder'),
            "kind = 'unlicensed' OR (officer_id IS NOT NULL AND certificate_number IS NOT NULL)")
        batch_op.create_check_constraint(op.f('ck_complaint_transferred_to'),
                                         "(status = 'transferred') = (transferred_to IS NOT NULL)")
        batch_op.create_check_constraint(op.f('ck_complaint_told_with_deadline'),
                                         "told_at IS NULL OR answer_due_on IS NOT NULL")
        batch_op.create_index('ix_complaint_due_on', ['due_on'], unique=False)
    # the deadlines of the complaints already open, at the defaults
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT id, status, submitted_at, accepted_at FROM complaint "
        "WHERE kind = 'complaint' AND status IN ('received', 'accepted')")).all()
    for row_id, status, submitted_at, accepted_at in rows:
        due = (_moment(submitted_at).date() + dt.timedelta(days=ACCEPT_DAYS) if status == 'received'
               else _moment(accepted_at).date() + dt.timedelta(days=CONCLUDE_DAYS))
        connection.execute(sa.text("UPDATE complaint SET due_on = :due WHERE id = :id"), {"due": due, "id": row_id})


def downgrade():
    op.execute("DELETE FROM complaint WHERE kind = 'unlicensed'")
    # a transfer becomes the closest older state, its receiving body kept in the reply (the column goes)
    op.execute("UPDATE complaint SET status = 'not_accepted', reply = COALESCE(reply, '') || '（已移交' || "
               "transferred_to || '）', transferred_to = NULL WHERE status = 'transferred'")
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_index('ix_complaint_due_on')
        for name in ('kind', 'status', 'closed_at', 'praise_states', 'about_a_holder', 'transferred_to',
                     'told_with_deadline'):
            batch_op.drop_constraint(op.f(f'ck_complaint_{name}'), type_='check')
        batch_op.create_check_constraint(op.f('ck_complaint_kind'), "kind IN ('complaint','praise')")
        batch_op.create_check_constraint(
            op.f('ck_complaint_status'),
            "status IN ('received','accepted','not_accepted','substantiated','unsubstantiated','acknowledged')")
        batch_op.create_check_constraint(
            op.f('ck_complaint_closed_at'),
            "(status IN ('not_accepted','substantiated','unsubstantiated','acknowledged')) = (closed_at IS NOT NULL)")
        batch_op.create_check_constraint(op.f('ck_complaint_praise_states'),
                                         "kind = 'complaint' OR status IN ('received','acknowledged')")
        batch_op.alter_column('certificate_number', existing_type=sa.String(length=15), nullable=False)
        batch_op.alter_column('officer_id', existing_type=sa.Integer(), nullable=False)
        for name in ('answer', 'answered_at', 'answer_due_on', 'told_at', 'extension_reason', 'extended_at',
                     'reminded_for', 'due_on', 'transferred_to', 'happened_time', 'reported_name'):
            batch_op.drop_column(name)
