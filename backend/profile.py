"""The profile lookup: everything the extension's panel shows for one profile page."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from sqlalchemy import bindparam, select

from backend import connection, contacts, person_state, revision
from backend.companies import lookup as lookup_index
from backend.companies.warnings import company_warnings
from backend.db import db, utcnow
from backend.itris import contract as c
from backend.itris.errors import ItrisError, ItrisNotFound
from backend.itris.fields import desired_fields
from backend.itris.matching import find_certain, find_possible, linkedin_slug
from backend.itris.pipeline import company_key_of
from backend.models import Contact, ItrisLink, Push, User
from backend.sync import choice
from backend.sync import companies as company_resolution
from backend.sync.settings import settings_for
from backend.sync.variables import variables_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Basis:
    """What a lookup rests on besides the team's rows (see ``backend/lookup_cache.py``)."""

    # False when the answer must not be shown again: itris could not be asked, or its
    # answer was not kept (a push for the person moved on meanwhile).
    keepable: bool
    # When itris was asked for the kept answer shown: the view expires with that answer.
    checked_at: str | None = None
    # The company buckets the company part rests on, and their summed revision
    # (``revision.BucketWatch``), or None (the in-process index: the team's revision).
    company: tuple[tuple[str, ...], int] | None = None


def lookup(
    user: User, data: dict, company: tuple[tuple[str, ...], int] | None = None
) -> tuple[dict, Basis]:
    """Look a profile up: our contact, its itris state, company, effective values, sync status.

    Returns the panel's view and what it rests on besides the team's and person's rows.
    ``company``: the profile's company buckets and their summed revision, if already read.
    """

    def memo(key: Hashable, compute: Callable):
        """What the team's rows say, read once per revision (``revision.memo``)."""
        return revision.memo(user.team, key, compute)

    contact = contacts.find_by_profile(user.team_id, data.get("profile_url"), data.get("email"))
    known = contact is not None
    if contact is None:
        contact = _transient(user, data)
    memberships = choice.campaigns_of(contact.id) if known else []
    # Kept as text, so every lookup has its own copy of the documents.
    settings = memo(("settings", user.id), lambda: json.dumps(settings_for(user.team_id, user.id)))
    ctx = contacts.context(
        user, contact, data.get("campaign_id"), memberships, settings=tuple(json.loads(settings))
    )
    values = desired_fields(
        ctx.record_type, variables_of(contact), ctx.section["field_mapping"], contact.fields or {}
    )
    itris, basis = _itris_state(user, contact, ctx, known, memo)
    watch = revision.BucketWatch(user.team, company) if lookup_index.uses_postgres() else None
    warnings = company_warnings(
        user.team_id,
        contact.company,
        company_warning=ctx.effective["company_warning"],
        company_warning_detail=ctx.effective["company_warning_detail"],
        displayed_company_info=ctx.effective["displayed_company_info"],
        memo=memo,
        watch=watch,
    )
    if watch is not None:
        basis = replace(basis, company=watch.basis())
    return {
        "contact": _contact_summary(contact, memberships) if known else None,
        "itris": itris,
        "company": warnings,
        "effective": ctx.choice.as_dict(),
        "fields": {
            "displayed": ctx.section["displayed_fields"],
            "mandatory": ctx.section["mandatory_fields"],
            "values": values,
        },
        "sync": _sync_state(contact.id if known else None),
    }, basis


def _transient(user: User, data: dict) -> Contact:
    """A person not yet in our database, as the profile shows them (never saved)."""
    values = contacts._profile_values(data)
    return Contact(
        id=None,
        team_id=user.team_id,
        email=(data.get("email") or "").strip().lower() or None,
        linkedin_slug=linkedin_slug(data.get("profile_url")),
        linkedin_url=data.get("profile_url"),
        fields={},
        stage="new",
        **values,
    )


def _contact_summary(contact: Contact, memberships: list) -> dict:
    return {
        "id": contact.id,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "company": contact.company,
        "title": contact.title,
        "stage": contact.stage,
        "synced": contact.synced_at is not None,
        "campaign_ids": [m.campaign_id for m in memberships],
    }


def _itris_state(user: User, contact: Contact, ctx, known: bool, memo) -> tuple[dict, Basis]:
    state = {
        "connected": False,
        "match": None,
        "possible": [],
        "off_limits": False,
        "opt_out": False,
        "also_exists_as": [],
        "error": None,
        "checked_at": None,
    }
    if not memo("connected", lambda: connection.get(user.team_id) is not None):
        return state, Basis(keepable=True)
    state["connected"] = True
    own = str(c.SYNC_AS_TO_RECORD_TYPE[ctx.choice.sync_as])
    answer = person_state.recall(contact)
    kept = True
    if answer is None or own not in answer["possible"]:
        conn = connection.get(user.team_id)
        if conn is None:  # disconnected since this request signed in: not kept
            return {**state, "connected": False}, Basis(keepable=False)
        try:
            answer = _ask_itris(connection.client_for(conn), contact, own, answer, known)
        except ItrisError as err:
            log.info("profile lookup could not reach itris: %s", err.message)
            state["error"] = f"itris could not be checked: {err.message}"
            return state, Basis(keepable=False)
        kept = person_state.keep(contact, answer)
    state.update(_shown(answer, ctx.choice.sync_as))
    return state, Basis(keepable=kept, checked_at=answer["checked_at"])


def _ask_itris(client, contact: Contact, own: str, answer: dict | None, known: bool) -> dict:
    """What itris says about the person: ``{checked_at, found: {type: …}, possible: {type: […]}}``.

    ``found`` holds the person's record of each type (by stored link, else by email or
    slug); ``possible`` the same-name records at the same company, for the types asked so
    far. An earlier ``answer`` that lacks only the ``own`` type's possible matches is kept.

    The other record type is asked in a second thread while this one asks about the own
    type, then (only if the person is not found there) about its same-name records: a
    first view waits for the longer of the two, not for their sum, and makes no call that
    asking one at a time would not. The threads only ask itris; the database is read here.
    """
    person = _Person.of(contact)
    if answer is not None:  # the found records are kept; the own type's possible ones missing
        answer["possible"][own] = [] if own in answer["found"] else _possible(client, person, own)
        return answer
    checked_at = utcnow().isoformat()
    links = _links(contact.id) if known else {}
    other = next(str(kind) for kind in c.PERSON_TYPES if str(kind) != own)
    theirs = None
    if other in links or person.email or person.slug:
        theirs = _asking().submit(_find, client, person, other, links.get(other, []))
    mine = _find(client, person, own, links.get(own, []))
    possible = [] if mine is not None else _possible(client, person, own)
    found = {own: mine, other: theirs.result() if theirs is not None else None}
    return {
        "checked_at": checked_at,
        "found": {str(k): found[str(k)] for k in c.PERSON_TYPES if found[str(k)] is not None},
        "possible": {own: possible},
    }


@dataclass(frozen=True)
class _Person:
    """What itris is asked about a person by, read from the row before any thread asks."""

    email: str | None
    slug: str | None
    first_name: str | None
    last_name: str | None
    company: str | None

    @classmethod
    def of(cls, contact: Contact) -> _Person:
        return cls(
            contact.email,
            contact.linkedin_slug,
            contact.first_name,
            contact.last_name,
            contact.company,
        )


# Twice a gunicorn worker's request threads (4): lookups beyond that wait for a free one.
_ASKING_THREADS = 8
_asking_pool: ThreadPoolExecutor | None = None
_asking_guard = threading.Lock()


def _asking() -> ThreadPoolExecutor:
    """The process's threads that ask itris beside a request (made at first use: after a
    fork, never inherited half-used)."""
    global _asking_pool
    with _asking_guard:
        if _asking_pool is None:
            _asking_pool = ThreadPoolExecutor(_ASKING_THREADS, thread_name_prefix="itris-ask")
        return _asking_pool


_LINKS = (
    select(ItrisLink.record_type, ItrisLink.itris_id, ItrisLink.matched_by)
    .where(ItrisLink.contact_id == bindparam("contact_id"))
    .order_by(ItrisLink.id)
)


def _links(contact_id: int) -> dict[str, list[tuple[int, str]]]:
    """The person's stored links to itris records, by record type, oldest first."""
    links: dict[str, list[tuple[int, str]]] = {}
    for record_type, itris_id, matched_by in db.session.execute(_LINKS, {"contact_id": contact_id}):
        links.setdefault(str(record_type), []).append((itris_id, matched_by))
    return links


def _find(client, person: _Person, kind: str, links: list[tuple[int, str]]) -> dict | None:
    """The person's record of one type: by a stored link (the last one itris still holds),
    else by email or slug; None if itris holds none."""
    hit = None
    for itris_id, matched_by in links:
        try:
            hit = (client.get(kind, itris_id), matched_by)
        except ItrisNotFound:
            continue
    if hit is None and (person.email or person.slug):
        match = find_certain(client, kind, email=person.email, slug=person.slug)
        if match.record is not None:
            hit = (match.record, match.matched_by)
    if hit is None:
        return None
    record, matched_by = hit
    return {
        "id": record[c.ID],
        "matched_by": matched_by,
        "off_limits": bool(record.get(c.OFF_LIMITS)),
        "opt_out": bool(record.get(c.EMAIL_OPT_OUT)),
    }


def _possible(client, person: _Person, own: str) -> list[dict]:
    """Same-name records at the same company, as the push would find them: never linked
    without a user saying so."""
    key = company_resolution.CompanyResolver.key
    wanted = key(person.company)
    if not wanted:
        return []
    kind = c.RecordType(own)
    return [
        {
            "id": r[c.ID],
            "name": f"{r.get(c.FIRST_NAME)} {r.get(c.LAST_NAME)}",
            "company": r.get(c.CURRENT_EMPLOYER) or person.company,
        }
        for r in find_possible(
            client,
            own,
            first_name=person.first_name,
            last_name=person.last_name,
            same_company=lambda r: company_key_of(client, kind, r, key) == wanted,
        )
    ]


def _shown(answer: dict, sync_as: str) -> dict:
    """The panel's view of an answer for one "sync as"."""
    own = str(c.SYNC_AS_TO_RECORD_TYPE[sync_as])
    found = answer["found"]
    mine = found.get(own)
    return {
        "match": {"type": sync_as, "id": mine["id"], "matched_by": mine["matched_by"]}
        if mine
        else None,
        "possible": [{"type": sync_as, **p} for p in answer["possible"].get(own, [])],
        "also_exists_as": [
            {"type": c.RECORD_TYPE_TO_SYNC_AS[c.RecordType(kind)], "id": record["id"]}
            for kind, record in found.items()
            if kind != own
        ],
        "off_limits": any(record["off_limits"] for record in found.values()),
        "opt_out": any(record["opt_out"] for record in found.values()),
        "checked_at": answer["checked_at"],
    }


_LATEST_PUSH = (
    select(Push).where(Push.contact_id == bindparam("contact_id")).order_by(Push.id.desc()).limit(1)
)


def _sync_state(contact_id: int | None) -> dict:
    if contact_id is None:
        return {"status": None, "last_error": None, "push_id": None}
    push = db.session.scalar(_LATEST_PUSH, {"contact_id": contact_id})
    if push is None:
        return {"status": None, "last_error": None, "push_id": None}
    return {
        "status": push.status,
        "last_error": push.last_error or push.skipped_rule,
        "push_id": push.id,
        "review": (push.result or {}).get("review"),
    }
