"""The connection pool survives connections the database server dropped.

A pooled connection idle for ``PING_AFTER_IDLE_S`` is pinged before use, so one the server
closed meanwhile (a restart, an idle timeout) is replaced rather than failing a request.
PostgreSQL only: SQLite has no server to lose.
"""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import create_engine, text

from backend import db as db_module
from backend.db import db

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
