"""itris person states: what itris last said about a person, for the profile lookup

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

import backend.db


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('itris_person_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('person_key', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('linkedin_slug', sa.String(length=200), nullable=True),
    sa.Column('name_key', sa.String(length=400), nullable=True),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.Column('checked_at', backend.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_itris_person_states_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_itris_person_states')),
    sa.UniqueConstraint('team_id', 'person_key', name=op.f('uq_itris_person_states_team_id'))
    )
    with op.batch_alter_table('itris_person_states', schema=None) as batch_op:
        batch_op.create_index('ix_itris_person_states_checked_at', ['checked_at'], unique=False)
        batch_op.create_index('ix_itris_person_states_team_id_email', ['team_id', 'email'], unique=False)
        batch_op.create_index('ix_itris_person_states_team_id_linkedin_slug', ['team_id', 'linkedin_slug'], unique=False)
        batch_op.create_index('ix_itris_person_states_team_id_name_key', ['team_id', 'name_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('itris_person_states', schema=None) as batch_op:
        batch_op.drop_index('ix_itris_person_states_team_id_name_key')
        batch_op.drop_index('ix_itris_person_states_team_id_linkedin_slug')
        batch_op.drop_index('ix_itris_person_states_team_id_email')
        batch_op.drop_index('ix_itris_person_states_checked_at')

    op.drop_table('itris_person_states')
