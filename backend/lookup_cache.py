"""Kept profile lookups: a profile viewed again is answered from the earlier view's answer.

A lookup reads about ten rows and may ask itris; what it answered is kept under a key of
(team, user, the request's body) with the revisions, when the request began, of the team,
of the person asked about and of the company buckets its company search rests on
(``backend/revision.py``). Any commit that changes a row a lookup shows renews one of
them: the person's for their own rows (their contact, campaign memberships, links, pushes,
a kept itris answer forgotten), with the shared PostgreSQL index the buckets of a
mirrored company's words, or of its id alone when only its facts change
(``backend/companies/revisions.py``), the team's for the rest
(settings, campaigns, aliases, a reconnect; the mirror with the in-process index). An
answer kept under other revisions is never served, so a push for one person, or a company
itris announces, leaves every view it cannot change kept. A view that showed a kept itris
answer expires with it (``ITRIS_STATE_TTL_S`` after itris was asked).

The revisions come with the sign-in row every request reads anyway (the buckets of the
company the profile shows; a contact whose own company differs costs one read more), so a
repeat view costs that one read and a look in memory: :func:`serve_kept` reads it alone,
before the request's session opens, and a kept answer is served without one (no BEGIN and
COMMIT round trips). Answers are kept in this process (embedded mode) and in the queue's
Redis, which every API process shares.

Not kept: answers where itris could not be asked or its answer was not kept. Kept answers
live ``LOOKUP_CACHE_S`` seconds at most (0 turns keeping off). With ``LOOKUP_CACHE_VERIFY``
(the test suites) every kept answer served is recomputed and must be the same, or the
request fails.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

from flask import Response, current_app, g, request
from marshmallow import Schema, ValidationError

from backend import accounts, person_state, revision
from backend.auth import bearer_token
from backend.companies import lookup
from backend.companies import revisions as company_revisions
from backend.db import db
from backend.lru import LRU
from backend.models import User

log = logging.getLogger(__name__)

HEADER = "X-Lookup-Cache"  # hit, miss, or off: what answered the request
MEMORY_SIZE = 10_000
_EXTENSION = "lookup_cache"
BACKEND = Path(__file__).resolve().parent


def serve_kept(schema: Schema) -> Callable:
    """Decorate the lookup view: a kept answer is served before the view opens a session.

    The sign-in is read alone (:func:`backend.accounts.sign_in_alone`) and the body loaded
    with the view's ``schema``; anything else (keeping off, no live token, a body the view
    refuses, no answer kept under this revision) is left to the view, which signs in,
    checks and computes as ever, and keeps what it computed.
    """

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            kept = _kept_for_request(schema)
            if kept is None:
                return view(*args, **kwargs)
            if current_app.config.get("LOOKUP_CACHE_VERIFY"):
                # The view finds the same answer kept (and checks it against one computed
                # afresh), unless the revision moved on meanwhile: then it answers anew.
                checked = view(*args, **kwargs)
                if checked.headers.get(HEADER) == "hit":
                    _verify(kept, checked.get_data(as_text=True))
                return checked
            return _response(kept, "hit")

        return wrapper

    return decorate


def _kept_for_request(schema: Schema) -> str | None:
    if current_app.config["LOOKUP_CACHE_S"] <= 0:
        return None
    token = bearer_token()
    if token is None:
        return None
    raw = request.get_json(silent=True)  # None: no JSON body, which the view refuses
    if not isinstance(raw, dict):
        return None
    try:
        body = schema.load(raw)
    except ValidationError:
        return None
    company_keys = _company_keys(body)
    sign_in = accounts.sign_in_alone(token, _person(body), company_keys)
    if sign_in is None:
        return None
    key = _key(sign_in.team_id, sign_in.user_id, body)
    company = (company_keys, sign_in.company)
    # The view, if it computes, need not read the revisions again.
    g.lookup_sign_in = (sign_in, company)

    def buckets(keys):
        with db.autocommit.connect() as connection:
            total = revision.of_buckets(connection, sign_in.team_id, keys)
        # The kept view rests on these: the next view of the company reads them beforehand.
        if set(keys) >= company_revisions.common_keys(body.get("company")):
            company_revisions.remember_basis(body.get("company"), keys)
        return total

    kept = _kept(_store(), key, sign_in.revision, list(sign_in.people), company, buckets)
    # Nor look again for an answer kept under them: none was, a moment ago.
    g.lookup_kept_missed = kept is None
    return kept


def _person(body: dict) -> tuple[str | None, str | None]:
    return revision.keys_of_profile(body.get("profile_url"), body.get("email"))


def _company_keys(body: dict) -> tuple[str, ...]:
    """The company buckets a lookup of this profile's company rests on, as far as this
    process knows, when the shared index's buckets are kept
    (``backend/companies/revisions.py``)."""
    if not lookup.uses_postgres():
        return ()
    return company_revisions.search_basis(body.get("company"))


def _kept(
    store,
    key: str,
    team: int,
    people: list[int],
    company: tuple[tuple[str, ...], int],
    buckets: Callable[[tuple[str, ...]], int],
) -> str | None:
    """The body kept under ``key`` for these revisions, if it has not expired.

    ``company``: the profile's company buckets and their summed revision, as read with the
    sign-in; an answer that rested on others (the contact's own company differs from the
    profile's) has its own read by ``buckets(keys)``."""
    for entry in store.candidates(key):
        held = entry["revision"] == team and entry["people"] == people
        if held and entry["expires"] > time.time() and _company_held(entry, company, buckets):
            store.hold(key, entry)
            return entry["body"]
    return None


def _company_held(entry: dict, company, buckets) -> bool:
    rested = entry.get("company")
    if rested is None:
        return True
    keys, total = tuple(rested[0]), rested[1]
    return total == (company[1] if keys == company[0] else buckets(keys))


def respond(user: User, body: dict, compute: Callable[..., tuple[dict, object]]) -> Response:
    """The lookup's JSON response: kept, or from ``compute(company)`` -> (dumped view,
    Basis), where ``company`` is the profile's company buckets and their summed revision as
    already read (``revision.BucketWatch``), or None."""
    max_age = current_app.config["LOOKUP_CACHE_S"]
    if max_age <= 0:
        return _response(_text(compute(None)[0]), "off")
    team, people, company = _revisions(user, body)
    store = _store()
    key = _key(user.team_id, user.id, body)

    def buckets(keys):
        return revision.of_buckets(db.session, user.team_id, keys)

    kept = None if _looked_for(user) else _kept(store, key, team, people, company, buckets)
    if kept is not None:
        if current_app.config.get("LOOKUP_CACHE_VERIFY"):
            _verify(kept, _text(compute(company)[0]))
        return _response(kept, "hit")
    view, basis = compute(company)
    text = _text(view)
    if basis.keepable:
        expires = time.time() + max_age
        if basis.checked_at is not None:
            asked = datetime.fromisoformat(basis.checked_at).timestamp()
            expires = min(expires, asked + person_state.ttl_s())
        entry = {
            "revision": team,
            "people": people,
            "company": basis.company,
            "expires": expires,
            "body": text,
        }
        if expires > time.time():
            store.put(key, entry, expires - time.time())
    return _response(text, "miss")


def _revisions(user: User, body: dict) -> tuple[int, list[int], tuple[tuple[str, ...], int]]:
    """The team's, the person's and the profile's company buckets' revisions, as read
    before anything a lookup shows.

    The sign-in read alone (:func:`serve_kept`) brought them; else the team's came with the
    view's sign-in, and the rest are read now. Read earlier than the rows they guard, they
    can only be older, which keeps an answer under a revision that no longer holds."""
    alone, company = g.get("lookup_sign_in") or (None, None)
    if alone is not None and alone.user_id == user.id:
        return alone.revision, list(alone.people), company
    keys = _company_keys(body)
    people = revision.of_people(db.session, user.team_id, _person(body))
    return user.team.revision, people, (keys, revision.of_buckets(db.session, user.team_id, keys))


def _looked_for(user: User) -> bool:
    """Whether :func:`serve_kept` looked for an answer kept under the revisions this
    request's view reuses (the user's, read with the sign-in) and found none."""
    alone, _ = g.get("lookup_sign_in") or (None, None)
    return g.get("lookup_kept_missed", False) and alone.user_id == user.id


def _verify(kept: str, fresh: str) -> None:
    if kept != fresh:
        raise RuntimeError(f"a kept profile lookup differs from a fresh one:\n{kept}\n{fresh}")


def _text(view: dict) -> str:
    return current_app.json.response(view).get_data(as_text=True)


def _response(text: str, how: str) -> Response:
    response = current_app.response_class(text, mimetype=current_app.json.mimetype)
    response.headers[HEADER] = how
    return response


def _key(team_id: int, user_id: int, body: dict) -> str:
    text = json.dumps(body, sort_keys=True, default=str, separators=(",", ":"))
    digest = hashlib.sha256(text.encode()).hexdigest()
    return f"itris-sync:lookup:{_version()}:{team_id}:{user_id}:{digest}"


@functools.cache
def _version() -> str:
    """Kept answers are shared only by processes running the same code: a deploy that
    changes any of it (and so perhaps what a lookup answers) starts afresh."""
    digest = hashlib.sha256()
    for path in sorted(BACKEND.rglob("*.py")):
        digest.update(path.relative_to(BACKEND).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _store():
    app = current_app._get_current_object()
    store = app.extensions.get(_EXTENSION)
    if store is None:
        url = app.config["QUEUE_URL"]
        shared = urlparse(url).scheme in ("redis", "rediss")
        store = RedisStore(url) if shared else MemoryStore()
        app.extensions[_EXTENSION] = store
    return store


class MemoryStore:
    """Answers kept by this process (the embedded mode has one API process)."""

    def __init__(self, size: int = MEMORY_SIZE):
        self._items = LRU(size)

    def candidates(self, key: str) -> Iterator[dict]:
        entry = self._items.get(key)
        if entry is not None:
            yield entry

    def hold(self, key: str, entry: dict) -> None:
        """Keep ``entry``, found to hold, at hand in this process."""
        if self._items.get(key) is not entry:
            self._items.put(key, entry)

    def put(self, key: str, entry: dict, _ttl_s: float) -> None:
        self._items.put(key, entry)


class RedisStore(MemoryStore):
    """Answers kept in Redis, shared by every API process, and at hand in this one.

    The copy in this process is tried first; when it no longer holds (the team's revision
    moved on), another process may have kept a newer answer in Redis, so that is tried next.
    """

    def __init__(self, url: str, size: int = MEMORY_SIZE):
        import redis

        super().__init__(size)
        self._redis = redis.Redis.from_url(url, socket_timeout=1.0)

    def candidates(self, key: str) -> Iterator[dict]:
        import redis

        yield from super().candidates(key)
        try:
            raw = self._redis.get(key)
        except redis.RedisError as exc:
            log.warning("kept lookups unreadable (%s): answering afresh", exc)
            return
        if raw is not None:
            yield json.loads(raw)

    def put(self, key: str, entry: dict, ttl_s: float) -> None:
        import redis

        super().put(key, entry, ttl_s)
        try:
            self._redis.set(key, json.dumps(entry), px=max(1, int(ttl_s * 1000)))
        except redis.RedisError as exc:
            log.warning("could not keep a lookup (%s)", exc)
