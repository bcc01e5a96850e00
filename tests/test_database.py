"""The connection pool: dropped connections are replaced, prepared statements are kept.

A pooled connection idle for ``PING_AFTER_IDLE_S`` is pinged before use, so one the server
closed meanwhile (a restart, an idle timeout) is replaced rather than failing a request.

psycopg prepares a statement a connection runs often, but forgets them all on ROLLBACK, and
every session ends with one; a transaction that only read ends with COMMIT instead
(``backend/db.py``), while one that wrote anything still rolls back.
PostgreSQL only: SQLite has no server to lose and nothing prepared.
"""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import create_engine, text

from backend import db as db_module
from backend.db import db, pg_array
from backend.models import Team

PG = os.environ.get("ITRIS_SYNC_TEST_DATABASE_URL")
pytestmark = pytest.mark.skipif(not PG, reason="needs ITRIS_SYNC_TEST_DATABASE_URL (PostgreSQL)")


def test_a_connection_the_server_dropped_is_replaced_before_a_request_uses_it(app, client):
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        db.session.commit()
    # The pool holds that one connection, now idle; the server drops it.
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}) is True
    admin.dispose()
    time.sleep(db_module.PING_AFTER_IDLE_S + 0.2)
    response = client.get("/healthz")
    assert response.status_code == 200, response.json
    with app.app_context():
        assert db.session.scalar(text("SELECT pg_backend_pid()")) != pid


def _prepared(connection) -> list[str]:
    return list(connection.scalars(text("SELECT statement FROM pg_prepared_statements")))


def test_statements_stay_prepared_across_requests_that_only_read(app, client, auth):
    headers = auth.headers("ada@acme.example", role="admin")
    for _ in range(8):
        assert client.get("/api/campaigns", headers=headers).status_code == 200
    with app.app_context():
        # The pool holds the one connection every request used, and the server holds the
        # sign-in read prepared on it: parsed and planned once, not once per request.
        prepared = _prepared(db.session)
        assert any("api_tokens" in statement for statement in prepared), prepared


def test_a_transaction_that_wrote_still_rolls_back(app):
    with app.app_context():
        db.session.add(Team(name="Never Committed Ltd"))
        db.session.flush()
        db.session.remove()  # ends the transaction uncommitted, as after a failed request
        assert db.session.scalar(text("SELECT count(*) FROM teams")) == 0
        db.session.commit()
        # So does one whose write was undone at a savepoint: the outer end is a rollback.
        insert = text("INSERT INTO teams (name, revision, created_at) VALUES (:name, 0, now())")
        with db.engine.connect() as conn:
            savepoint = conn.begin_nested()
            conn.execute(insert, {"name": "Undone"})
            savepoint.rollback()
            conn.execute(insert, {"name": "Kept?"})
        assert db.session.scalar(text("SELECT count(*) FROM teams")) == 0


def test_a_failed_read_ends_in_a_rollback_and_the_connection_serves_on(app, client):
    with app.app_context():
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))
        with pytest.raises(Exception, match="division by zero"):
            db.session.execute(text("SELECT 1 / 0"))
        db.session.remove()
        assert db.session.scalar(text("SELECT pg_backend_pid()")) == pid
        db.session.commit()
    assert client.get("/healthz").status_code == 200


AWKWARD = ["plain", "two words", "", "NULL", "null", 'a "quote"', "back\\slash", "{braces}",
           "comma,inside", "  padded  ", "naïve café", "tab\there", "ends with \\"]  # fmt: skip


def test_an_array_bound_as_one_literal_reads_back_as_the_list_given(app):
    with app.app_context():
        texts, numbers = db.session.execute(
            text("SELECT CAST(:texts AS text[]), CAST(:numbers AS float8[])"),
            {"texts": pg_array(AWKWARD), "numbers": pg_array([1, 0.8, -2.5e-7, 10**12])},
        ).one()
        db.session.commit()
    assert texts == AWKWARD
    assert numbers == [1.0, 0.8, -2.5e-7, 1e12]
    assert pg_array([]) == "{}"
    for wrong in (None, True, b"bytes", ["nested"]):
        with pytest.raises(TypeError, match="not an array element"):
            pg_array([wrong])
