"""company word level: the search weighs each word's company count as a level

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05

On PostgreSQL, the shared company index's search weighs a word by the level of its company
count (``company_word_level``, the levels ``backend.companies.revisions.word_level`` gives):
a kept profile lookup whose search only weighs a word by it is renewed when the word's level
changes, not by every company added with the word. Nothing on SQLite.
"""

from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _table() -> str:
    schema = op.get_bind().exec_driver_sql('SELECT current_schema()').scalar()
    return f'{schema}.companies'


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        from backend.companies.index import postgres_level_ddl

        for statement in postgres_level_ddl(_table()):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        schema = _table().rpartition('.')[0]
        op.execute(f'DROP FUNCTION IF EXISTS {schema}.company_word_level(bigint)')
