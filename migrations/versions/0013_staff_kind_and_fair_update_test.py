"""人员类别 of officers, the staff-kind hold, the 未参加补考 revocation kind, extended makeup windows

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 19:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

STAFF_KINDS = "'civil_servant','civil_servant_managed','public_institution','worker','dispatched','contract','other'"
HOLD_REASONS = ("'review_overdue','update_test_overdue','review_rejected','update_test_failed','body_invalid',"
                "'entrustment_ended','enforcement_certificate_inactive'{extra},'under_investigation','disciplinary',"
                "'other'")
SYSTEM_HOLDS = ("'review_overdue','update_test_overdue','review_rejected','update_test_failed','body_invalid',"
                "'entrustment_ended','enforcement_certificate_inactive'{extra}")
REVOCATIONS = ("'left_post','retired','deceased','update_test_failed_twice'{extra},'review_rejected_final',"
               "'misconduct','fraud'")


def _hold_checks(batch_op, extra: str) -> None:
    batch_op.drop_constraint(op.f('ck_certificate_hold_reason'), type_='check')
    batch_op.drop_constraint(op.f('ck_certificate_hold_manual_legal_basis'), type_='check')
    batch_op.create_check_constraint(op.f('ck_certificate_hold_reason'), f"reason IN ({HOLD_REASONS.format(extra=extra)})")
    batch_op.create_check_constraint(op.f('ck_certificate_hold_manual_legal_basis'),
                                     f"reason IN ({SYSTEM_HOLDS.format(extra=extra)}) OR legal_basis <> ''")


def _revocation_check(batch_op, extra: str) -> None:
    batch_op.drop_constraint(op.f('ck_certificate_revocation_kind'), type_='check')
    batch_op.create_check_constraint(
        op.f('ck_certificate_revocation_kind'), f"revocation_kind IS NULL OR revocation_kind IN ({REVOCATIONS.format(extra=extra)})")


def upgrade():
    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_kind', sa.String(length=24), nullable=True))
        batch_op.create_check_constraint(op.f('ck_officer_staff_kind'), f"staff_kind IS NULL OR staff_kind IN ({STAFF_KINDS})")
    with op.batch_alter_table('certificate_hold', schema=None) as batch_op:
        _hold_checks(batch_op, ",'staff_kind_ineligible'")
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        _revocation_check(batch_op, ",'update_test_makeup_missed'")
    with op.batch_alter_table('certificate_update_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extensions', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('certificate_update_round', schema=None) as batch_op:
        batch_op.drop_column('extensions')
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        _revocation_check(batch_op, "")
    with op.batch_alter_table('certificate_hold', schema=None) as batch_op:
        _hold_checks(batch_op, "")
    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_officer_staff_kind'), type_='check')
        batch_op.drop_column('staff_kind')
