"""The Alembic migrations build exactly the schema the models describe, and undo it."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from backend.db import Base, alembic_config


def test_migrations_match_the_models_and_downgrade_cleanly(app):
    database = app.extensions["db"]
    with database.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    url = database.engine.url.render_as_string(hide_password=False)
    command.downgrade(alembic_config(url), "base")
    tables = set(inspect(database.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    command.upgrade(alembic_config(url), "head")
    assert "pushes" in inspect(database.engine).get_table_names()
