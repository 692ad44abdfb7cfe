"""indicator templates belong to a jurisdiction (the agency node of the legal office that set them)

Templates made before belonged to everyone: they become the tree root's, which applies to every agency, so no
quarter changes template. A template's name is unique within its jurisdiction.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 05:37:49.990963

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('indicator_template', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
    connection = op.get_bind()
    root = connection.execute(sa.text(
        "SELECT id FROM agency WHERE parent_id IS NULL ORDER BY length(path), id LIMIT 1")).scalar()
    if root is None:  # templates without any agency cannot apply anywhere
        connection.execute(sa.text("DELETE FROM indicator_template"))
    else:
        connection.execute(sa.text("UPDATE indicator_template SET agency_id = :root"), {"root": root})
    with op.batch_alter_table('indicator_template', schema=None) as batch_op:
        batch_op.alter_column('agency_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_indicator_template_name'), type_='unique')
        batch_op.create_index(batch_op.f('ix_indicator_template_agency_id'), ['agency_id'], unique=False)
        batch_op.create_unique_constraint('uq_indicator_template_agency_name', ['agency_id', 'name'])
        batch_op.create_foreign_key(batch_op.f('fk_indicator_template_agency_id_agency'), 'agency', ['agency_id'], ['id'])


def downgrade():
    with op.batch_alter_table('indicator_template', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_indicator_template_agency_id_agency'), type_='foreignkey')
        batch_op.drop_constraint('uq_indicator_template_agency_name', type_='unique')
        batch_op.drop_index(batch_op.f('ix_indicator_template_agency_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_indicator_template_name'), ['name'])
        batch_op.drop_column('agency_id')
