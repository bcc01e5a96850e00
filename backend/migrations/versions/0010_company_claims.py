"""company claims: one push at a time looks for a company itris may lack, and creates it

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06

Two pushes of people at a company itris does not hold, run at once by two workers, each
found no company and each created one. A push now claims the company's key before it looks
in itris, and the other waits for the claim, then finds the company made.
"""

import sqlalchemy as sa
from alembic import op

import backend.db


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'company_claims',
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('name_key', sa.String(length=500), nullable=False),
        sa.Column('owner', sa.String(length=32), nullable=False),
        sa.Column('until', backend.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_company_claims_team_id_teams'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('team_id', 'name_key', name=op.f('pk_company_claims')),
    )
    with op.batch_alter_table('company_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_company_claims_owner'), ['owner'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('company_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_company_claims_owner'))
    op.drop_table('company_claims')
