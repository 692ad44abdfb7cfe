"""The next review and update-test due dates stored on each enforcement certificate (indexed), for lists that filter
and sort by them in SQL

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 23:50:00

"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def _anniversary(day: dt.date, years: int) -> dt.date:
    """As certificates.due counts (29 February falls on 28 February in a common year) — a copy, so that this
    migration means what it meant whatever the code becomes."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _date(value):
    return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value


def upgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_due_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('update_test_due_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_certificate_review_due_on'), ['review_due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificate_update_test_due_on'), ['update_test_due_on'], unique=False)
    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT id, first_issued_on, reviews_done, update_tests_done FROM certificate WHERE type = 'enforcement'")).all()
    values = [{"id": row_id, "review": _anniversary(_date(first), 2 * (reviews + 1)),
               "test": _anniversary(_date(first), 4 * (tests + 1))} for row_id, first, reviews, tests in rows]
    if values:
        connection.execute(sa.text("UPDATE certificate SET review_due_on = :review, update_test_due_on = :test "
                                   "WHERE id = :id"), values)


def downgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_update_test_due_on'))
        batch_op.drop_index(batch_op.f('ix_certificate_review_due_on'))
        batch_op.drop_column('update_test_due_on')
        batch_op.drop_column('review_due_on')
