"""Queue tasks (huey). Each task runs inside the bound app's context."""

from __future__ import annotations

import logging

from huey import crontab
from sqlalchemy import select

from backend import connection, person_state
from backend.db import db
from backend.itris import ItrisAuthError, ItrisError
from backend.models import ItrisConnection
from backend.queue import app_context, huey
from backend.sync import pushes

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(minute="*/10"))
def check_connections() -> dict:
    """Re-check every stored itris connection, so admins see a broken one early."""
    results = {}
    with app_context():
        team_ids = db.session.scalars(select(ItrisConnection.team_id)).all()
        for team_id in team_ids:
            results[team_id] = check_connection.call_local(team_id)
    return results


@huey.task()
def check_connection(team_id: int) -> str:
    """Authenticate with a team's stored itris credentials and record the outcome."""
    with app_context():
        conn = connection.get(team_id)
        if conn is None:
            return "disconnected"
        try:
            connection.client_for(conn).check_connection()
        except ItrisAuthError:
            connection.record_failure(conn, "itris rejected the stored username or password.")
        except ItrisError as exc:
            connection.record_failure(conn, exc.message)
        else:
            connection.record_success(conn)
        log.info("itris connection of team %s: %s", team_id, conn.status)
        return conn.status


@huey.task()
def run_push(push_id: int) -> str:
    """Run one push through the itris pipeline."""
    with app_context():
        return pushes.run(push_id)


@huey.on_startup()
def recover_on_start() -> None:
    """A consumer starting (perhaps after a crash) first picks up what was left behind."""
    sweep_pushes.call_local()


@huey.periodic_task(crontab(minute="7"))
def purge_person_states() -> int:
    """Delete kept itris answers older than their TTL (a lookup would ask again anyway)."""
    with app_context():
        return person_state.purge_expired()


@huey.periodic_task(crontab(minute="*"))
def sweep_pushes() -> int:
    """Re-enqueue pushes a crash or a lost enqueue left behind."""
    with app_context():
        return pushes.sweep()
