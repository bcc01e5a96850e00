"""The database: one engine and a scoped session per app, bound the flaskr way."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator
from werkzeug.local import LocalProxy

MIGRATIONS = Path(__file__).parent / "migrations"

# The largest value an Integer column holds on every backend (PostgreSQL's int4): ids and
# other integers from requests are bounded by it, so they are refused, not overflowed.
MAX_INT = 2**31 - 1

# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def pg_array(values: Iterable[str | int | float]) -> str:
    """A PostgreSQL array literal of ``values`` (text or numbers), bound as one string and
    cast in SQL (``%(words)s::text[]``).

    psycopg adapts a list element by element, working out each one's type: the few hundred
    words and keys a company search binds cost about half a millisecond that way, and
    microseconds as one literal. Every text element is quoted, so any text goes."""
    return "{" + ",".join(map(_array_element, values)) + "}"


def _array_element(value: str | int | float) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"not an array element: {value!r}")
    return repr(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20)
    event.listen(engine, "checkin", _note_checkin)
    event.listen(engine, "checkout", functools.partial(_ping_if_idle, engine.dialect))
    if engine.dialect.driver == "psycopg":
        _end_reads_with_commit(engine)
    return engine


# psycopg prepares a statement on the server once a connection has run it five times, so
# PostgreSQL stops parsing and planning it anew; but it forgets them all on ROLLBACK (a
# PREPARE in the transaction may be undone), and every request's session ends with one.
# A transaction that has only read ends the same with COMMIT, and keeps them.
_WROTE = "itris_sync_wrote"


def _end_reads_with_commit(engine: Engine) -> None:
    from psycopg.pq import TransactionStatus

    event.listen(engine, "before_cursor_execute", _note_write)
    event.listen(engine, "commit", lambda connection: connection.info.pop(_WROTE, None))
    rollback = engine.dialect.do_rollback

    def do_rollback(connection) -> None:
        try:
            info = connection.info  # the pooled connection's record (a dict)
        except NotImplementedError:  # a connection being set up: not pooled yet
            info = None
        raw = getattr(connection, "dbapi_connection", None)
        wrote = info.pop(_WROTE, False) if isinstance(info, dict) else True
        clean = raw is not None and raw.info.transaction_status == TransactionStatus.INTRANS
        if clean and not wrote:
            raw.commit()  # nothing written, nothing failed: the same end, prepared kept
        else:
            rollback(connection)

    engine.dialect.do_rollback = do_rollback


def _note_write(connection, _cursor, statement, _parameters, _context, _executemany) -> None:
    """Note any statement but a plain SELECT (savepoints and CTEs too, to be safe)."""
    if statement.lstrip()[:6].upper() != "SELECT":
        connection.info[_WROTE] = True


# A pooled connection idle this long is pinged before use: the server may have restarted or
# dropped it meanwhile. A busy pool skips the round trip (every request would pay it); a
# connection lost while in use fails its statement, and SQLAlchemy then renews the pool.
PING_AFTER_IDLE_S = 2.0


def _note_checkin(_dbapi_connection, record) -> None:
    record.info["checked_in"] = time.monotonic()


def _ping_if_idle(dialect, dbapi_connection, record, _proxy) -> None:
    checked_in = record.info.get("checked_in")
    if checked_in is None or time.monotonic() - checked_in < PING_AFTER_IDLE_S:
        return  # just connected, or back in the pool a moment ago
    try:
        dialect.do_ping(dbapi_connection)  # as pool_pre_ping would: no transaction left open
    except Exception as exc:
        # The pool throws this connection away and checks out (or opens) another.
        raise DisconnectionError(f"pooled connection lost: {exc}") from exc


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database:
    """One app's engine and session registry (several apps may live in one process)."""

    def __init__(self, url: str):
        self.engine = make_engine(url)
        self.session = scoped_session(sessionmaker(bind=self.engine, expire_on_commit=False))
        # Statements that stand alone, outside the request's session: no BEGIN and COMMIT
        # round trips around them.
        self.autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")

    def init_app(self, app) -> None:
        app.extensions["db"] = self
        app.teardown_appcontext(lambda _exc: self.session.remove())
        event.listen(self.session, "after_commit", _run_after_commit)
        event.listen(self.session, "after_rollback", _forget_after_commit)
        from backend import revision

        revision.install(self.session)

    def dispose(self) -> None:
        self.session.remove()
        self.engine.dispose()

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema up to ``revision`` with Alembic."""
        from alembic import command

        command.upgrade(
            alembic_config(self.engine.url.render_as_string(hide_password=False)), revision
        )


def after_commit(session, callback) -> None:
    """Run ``callback()`` once the session's current transaction commits (not on rollback)."""
    session.info.setdefault("after_commit", []).append(callback)


def _run_after_commit(session) -> None:
    for callback in session.info.pop("after_commit", []):
        callback()


def _forget_after_commit(session) -> None:
    session.info.pop("after_commit", None)


def alembic_config(url: str):
    """An Alembic config pointing at our migrations and ``url``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


# The current app's database: ``db.session`` inside an app context.
db: Database = LocalProxy(lambda: current_app.extensions["db"])  # type: ignore[assignment]
