"""company word index: postings, vocabulary and typo deletions kept by triggers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

The shared PostgreSQL company index becomes word-level, like the embedded one: each
company's words (``company_words``), each team's vocabulary with document frequencies
(``company_vocab``) and the one-letter deletions of its words (``company_word_deletes``).
On PostgreSQL, statement-level triggers on ``companies`` keep them current whoever writes the
mirror, existing rows are indexed here, and the trigram index over whole names (which read
huge posting lists for common fragments) goes. On SQLite the tables exist and stay empty.
"""

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _table() -> str:
    schema = op.get_bind().exec_driver_sql('SELECT current_schema()').scalar()
    return f'{schema}.companies'


def upgrade() -> None:
    op.create_table('company_words',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=500), nullable=False),
    sa.Column('itris_id', sa.Integer(), nullable=False),
    sa.Column('norm', sa.Float(), nullable=False),
    )
    op.create_index(
        'ix_company_words_lookup', 'company_words', ['team_id', 'word', 'itris_id'],
        unique=True, postgresql_include=['norm'],
    )
    op.create_table('company_vocab',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=500), nullable=False),
    sa.Column('df', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'word', name=op.f('pk_company_vocab'))
    )
    op.create_table('company_word_deletes',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('variant', sa.String(length=500), nullable=False),
    sa.Column('word', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('team_id', 'variant', 'word', name=op.f('pk_company_word_deletes'))
    )

    if op.get_bind().dialect.name == 'postgresql':
        from backend.companies.index import postgres_backfill, postgres_ddl

        table = _table()
        for statement in [*postgres_ddl(table), *postgres_backfill(table)]:
            op.execute(statement)
        op.execute('DROP INDEX IF EXISTS ix_companies_name_core_trgm')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        from backend.companies.index import postgres_drop_ddl

        for statement in postgres_drop_ddl(_table())[:5]:  # triggers and function
            op.execute(statement)
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public')
        op.execute('CREATE EXTENSION IF NOT EXISTS btree_gin SCHEMA public')
        op.execute(
            'CREATE INDEX IF NOT EXISTS ix_companies_name_core_trgm ON companies '
            'USING gin (team_id, name_core gin_trgm_ops)'
        )
    op.drop_table('company_word_deletes')
    op.drop_table('company_vocab')
    op.drop_index('ix_company_words_lookup', table_name='company_words')
    op.drop_table('company_words')
