"""person revisions: what a person's profile lookups show, renewed without the whole team's

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'person_revisions',
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('who', sa.String(length=330), nullable=False),
        sa.Column('revision', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_person_revisions_team_id_teams'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('team_id', 'who', name=op.f('pk_person_revisions')),
    )


def downgrade() -> None:
    op.drop_table('person_revisions')
