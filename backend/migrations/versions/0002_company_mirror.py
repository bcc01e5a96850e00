"""company mirror, aliases and sync state

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

On PostgreSQL the mirror also gets a trigram index (pg_trgm, with btree_gin for the team
column) so every API process searches one shared index. Both extensions ship with
PostgreSQL's contrib and are "trusted": a database owner may create them. They go in the
public schema: created in an app's own schema, a second schema's index would not find their
operator classes (and dropping the first schema would drop them).
"""

import sqlalchemy as sa
from alembic import op

import backend.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('companies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('itris_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('name_norm', sa.String(length=500), nullable=False),
    sa.Column('name_core', sa.String(length=500), nullable=False),
    sa.Column('name_key', sa.String(length=500), nullable=False),
    sa.Column('location', sa.String(length=500), nullable=True),
    sa.Column('website', sa.String(length=500), nullable=True),
    sa.Column('owner_user_id', sa.Integer(), nullable=True),
    sa.Column('status_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=200), nullable=True),
    sa.Column('contact_count', sa.Integer(), nullable=True),
    sa.Column('itris_updated_at', backend.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('synced_at', backend.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_companies_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_companies')),
    sa.UniqueConstraint('team_id', 'itris_id', name=op.f('uq_companies_team_id'))
    )
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.create_index('ix_companies_team_id_name_key', ['team_id', 'name_key'], unique=False)
        batch_op.create_index('ix_companies_team_id_revision', ['team_id', 'revision'], unique=False)

    op.create_table('company_aliases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('name_key', sa.String(length=500), nullable=False),
    sa.Column('name', sa.String(length=500), nullable=False),
    sa.Column('itris_company_id', sa.Integer(), nullable=False),
    sa.Column('chosen_by_user_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', backend.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['chosen_by_user_id'], ['users.id'], name=op.f('fk_company_aliases_chosen_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_company_aliases_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_company_aliases')),
    sa.UniqueConstraint('team_id', 'name_key', name=op.f('uq_company_aliases_team_id'))
    )
    op.create_table('company_sync_states',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('modified_since', backend.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_full_sync_at', backend.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_sync_at', backend.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('status_names', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_company_sync_states_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', name=op.f('pk_company_sync_states'))
    )

    if op.get_bind().dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public')
        op.execute('CREATE EXTENSION IF NOT EXISTS btree_gin SCHEMA public')
        op.execute(
            'CREATE INDEX ix_companies_name_core_trgm ON companies '
            'USING gin (team_id, name_core gin_trgm_ops)'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_companies_name_core_trgm')
    op.drop_table('company_sync_states')
    op.drop_table('company_aliases')
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.drop_index('ix_companies_team_id_revision')
        batch_op.drop_index('ix_companies_team_id_name_key')

    op.drop_table('companies')
