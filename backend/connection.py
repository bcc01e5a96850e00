"""A team's itris connection: activate, check, disconnect, and the clients built from it."""

from __future__ import annotations

import logging
import threading
import time

from flask import current_app
from sqlalchemy import bindparam, select

from backend import person_state
from backend.db import db, utcnow
from backend.errors import ApiError
from backend.itris import (
    ItrisAuthError,
    ItrisClient,
    ItrisError,
    ItrisUnreachable,
    resolve_base_url,
)
from backend.itris import contract as c
from backend.models import ItrisConnection
from backend.secrets_box import SecretBox

log = logging.getLogger(__name__)

# Activation answers a person waiting at a form: fail fast rather than back off for long.
ACTIVATE_ATTEMPTS = 2


# Built once: SQLAlchemy reuses a statement's compiled form without rebuilding it.
_GET = select(ItrisConnection).where(ItrisConnection.team_id == bindparam("team_id"))


def get(team_id: int) -> ItrisConnection | None:
    return db.session.scalar(_GET, {"team_id": team_id})


def _box() -> SecretBox:
    return SecretBox(current_app.config["SECRET_KEY"])


def _client(base_url: str, username: str, password: str, **kwargs) -> ItrisClient:
    config = current_app.config
    kwargs.setdefault("timeout", config["ITRIS_TIMEOUT"])
    kwargs.setdefault("max_attempts", config["ITRIS_MAX_ATTEMPTS"])
    kwargs.setdefault("backoff_base", config["ITRIS_RETRY_BASE_S"])
    return ItrisClient(base_url, username, password, **kwargs)


def client_for(connection: ItrisConnection, **kwargs) -> ItrisClient:
    """An itris client for a stored connection."""
    password = _box().decrypt(connection.password_encrypted)
    return _client(connection.base_url, connection.username, password, **kwargs)


def activate(team_id: int, *, username: str, password: str, subdomain: str) -> ItrisConnection:
    """Authenticate against itris and, on success only, store the connection."""
    try:
        base_url = resolve_base_url(subdomain, current_app.config["ITRIS_URL_TEMPLATE"])
    except ValueError as exc:
        raise ApiError(400, str(exc), {"subdomain": [str(exc)]}) from exc
    client = _client(base_url, username, password, max_attempts=ACTIVATE_ATTEMPTS)
    try:
        client.check_connection()
    except ItrisAuthError as exc:
        raise ApiError(
            422,
            f"itris rejected the username or password for {base_url}.",
            {"password": ["itris rejected these credentials"]},
        ) from exc
    except ItrisUnreachable as exc:
        raise ApiError(502, f"itris could not be reached: {exc.message}") from exc
    except ItrisError as exc:
        raise ApiError(502, f"itris answered with an error: {exc.message}") from exc

    now = utcnow()
    connection = get(team_id) or ItrisConnection(team_id=team_id)
    connection.subdomain = subdomain.strip()
    connection.base_url = base_url
    connection.username = username
    connection.password_encrypted = _box().encrypt(password)
    connection.status = "connected"
    connection.connected_at = now
    connection.last_checked_at = now
    connection.last_error = None
    db.session.add(connection)
    person_state.forget_team(team_id)  # perhaps another itris tenant: ask it afresh
    db.session.commit()
    _cache().forget(team_id)
    log.info("team %s connected to itris at %s as %s", team_id, base_url, username)
    return connection


def disconnect(team_id: int) -> None:
    """Forget the team's itris connection and its credentials."""
    connection = get(team_id)
    if connection is not None:
        db.session.delete(connection)
        person_state.forget_team(team_id)
        db.session.commit()
    _cache().forget(team_id)


def require(team_id: int) -> ItrisConnection:
    connection = get(team_id)
    if connection is None:
        raise ApiError(409, "itris is not connected for this team; an admin must activate it.")
    return connection


def record_failure(connection: ItrisConnection, message: str) -> None:
    """Mark a stored connection as failing, with the reason shown to admins."""
    connection.status = "error"
    connection.last_error = message
    connection.last_checked_at = utcnow()
    db.session.commit()


def record_success(connection: ItrisConnection) -> None:
    connection.status = "connected"
    connection.last_error = None
    connection.last_checked_at = utcnow()
    db.session.commit()


def options(team_id: int) -> dict:
    """The itris lists the settings UI offers, cached briefly per team."""
    connection = require(team_id)
    cached = _cache().get(team_id)
    if cached is not None:
        return cached
    client = client_for(connection)
    try:
        result = _fetch_options(client)
    except ItrisAuthError as exc:
        record_failure(connection, "itris rejected the stored username or password.")
        raise ApiError(502, "itris rejected the stored credentials; activate again.") from exc
    except ItrisError as exc:
        record_failure(connection, exc.message)
        raise ApiError(502, f"itris could not provide its lists: {exc.message}") from exc
    record_success(connection)
    _cache().put(team_id, result, current_app.config["OPTIONS_CACHE_SECONDS"])
    return result


def _fetch_options(client: ItrisClient) -> dict:
    return {
        "comment_categories": client.get_list(c.ListName.COMMENT_CATEGORIES),
        "statuses": {
            "applicant": client.get_list(c.ListName.APPLICANT_STATUSES),
            "contact": client.get_list(c.ListName.CONTACT_STATUSES),
        },
        "contact_types": client.get_list(c.ListName.CONTACT_TYPES),
        "sectors": client.get_list(c.ListName.SECTORS),
        "fields": {
            sync_as: client.field_catalogue(record_type)
            for sync_as, record_type in c.SYNC_AS_TO_RECORD_TYPE.items()
        },
    }


class _TTLCache:
    """A small per-process cache of itris look-up lists, keyed by team."""

    def __init__(self):
        self._lock = threading.Lock()
        self._items: dict[int, tuple[float, dict]] = {}

    def get(self, key: int) -> dict | None:
        with self._lock:
            hit = self._items.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, key: int, value: dict, ttl: float) -> None:
        with self._lock:
            self._items[key] = (time.monotonic() + ttl, value)

    def forget(self, key: int) -> None:
        with self._lock:
            self._items.pop(key, None)


def _cache() -> _TTLCache:
    return current_app.extensions.setdefault("itris_options_cache", _TTLCache())
