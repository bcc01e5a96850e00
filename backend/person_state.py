"""What itris last said about a person, kept so that viewing a profile again need not ask.

The profile lookup shows whether the person is in itris (which records, matched how), the
possible same-name matches, and the off-limits and opt-out flags. Asking itris costs a GET
per linked record and an email/slug search per record type: hundreds of milliseconds, on
every page view. So the answer is kept per team and person (email, LinkedIn slug, name and
company: a different profile text is a different question) for ``ITRIS_STATE_TTL_S`` seconds,
and forgotten earlier whenever we learn that it changed:

- a push for the person ran (it may have created, linked or updated a record);
- a user linked the person to a record;
- itris announced a created applicant or contact with the same email, slug or name;
- the team connected itris again (perhaps another tenant) or disconnected it.

An answer asked before a push for the person moved on is never kept, so a lookup racing a
push cannot bring back what the push's "forget" removed.

What someone changes in itris by hand (a record marked off-limits there) shows once the kept
answer is older than the TTL. Nothing that keeps a promise reads it: a push matches live
before it creates anything, and the email gate asks itris live.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, or_, select
from sqlalchemy.exc import IntegrityError

from backend import revision
from backend.db import db, utcnow
from backend.itris import contract as c
from backend.itris.matching import linkedin_slug, normalise_email
from backend.models import Contact, ItrisPersonState, Push


def _name_key(first_name: str | None, last_name: str | None) -> str | None:
    name = " ".join(part.strip().lower() for part in (first_name, last_name) if part)
    return name[:400] or None


def person_key(contact: Contact) -> str:
    """The question a lookup asks itris about this person, as a digest."""
    parts = [contact.email, contact.linkedin_slug, contact.first_name, contact.last_name]
    parts.append(contact.company)
    text = json.dumps([(part or "").strip().lower() for part in parts])
    return hashlib.sha256(text.encode()).hexdigest()


def _ttl() -> timedelta:
    return timedelta(seconds=current_app.config["ITRIS_STATE_TTL_S"])


_RECALL = select(ItrisPersonState.state).where(
    ItrisPersonState.team_id == bindparam("team_id"),
    ItrisPersonState.person_key == bindparam("key"),
    ItrisPersonState.checked_at > bindparam("since"),
)


def recall(contact: Contact) -> dict | None:
    """The kept answer for this person, if it is younger than the TTL."""
    since = utcnow() - _ttl()
    params = {"team_id": contact.team_id, "key": person_key(contact), "since": since}
    return db.session.scalar(_RECALL, params)


def ttl_s() -> float:
    return current_app.config["ITRIS_STATE_TTL_S"]


def keep(contact: Contact, state: dict) -> bool:
    """Remember itris's answer (its ``checked_at`` an ISO instant) about this person; commit.

    An answer asked before a push for the person moved on is not kept (False): the push
    may have changed what itris holds, and its "forget" may already have come and gone.
    """
    checked_at = datetime.fromisoformat(state["checked_at"])
    if contact.id is not None and _pushed_since(contact.id, checked_at):
        return False
    key = person_key(contact)
    values = {
        "email": contact.email,
        "linkedin_slug": contact.linkedin_slug,
        "name_key": _name_key(contact.first_name, contact.last_name),
        "state": state,
        "checked_at": checked_at,
    }
    row = db.session.scalar(
        select(ItrisPersonState).where(
            ItrisPersonState.team_id == contact.team_id, ItrisPersonState.person_key == key
        )
    )
    if row is None:
        row = ItrisPersonState(team_id=contact.team_id, person_key=key)
        db.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    try:
        db.session.commit()
    except IntegrityError:
        # Another request kept an answer a moment ago: theirs is as good as ours, but ours
        # is not the one kept, so a view showing ours is not kept either.
        db.session.rollback()
        return False
    return True


def _pushed_since(contact_id: int, instant: datetime) -> bool:
    """True when a push for the person was queued, claimed or finished after ``instant``."""
    statement = select(Push.id).where(Push.contact_id == contact_id, Push.updated_at > instant)
    return db.session.scalar(statement.limit(1)) is not None


def forget(
    team_id: int,
    *,
    email: str | None = None,
    slug: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
) -> int:
    """Drop what is kept about anyone with this email, slug or name (not committed)."""
    conditions = []
    if email:
        conditions.append(ItrisPersonState.email == email.strip().lower())
    if slug:
        conditions.append(ItrisPersonState.linkedin_slug == slug)
    name_key = _name_key(first_name, last_name)
    if name_key:
        conditions.append(ItrisPersonState.name_key == name_key)
    if not conditions:
        return 0
    statement = delete(ItrisPersonState).where(
        ItrisPersonState.team_id == team_id, or_(*conditions)
    )
    return _delete(statement, team_id)


def forget_contact(contact: Contact) -> int:
    """Drop what is kept about this person (not committed)."""
    return forget(
        contact.team_id,
        email=contact.email,
        slug=contact.linkedin_slug,
        first_name=contact.first_name,
        last_name=contact.last_name,
    )


def forget_team(team_id: int) -> int:
    """Drop everything kept for a team (not committed): its itris changed."""
    statement = delete(ItrisPersonState).where(ItrisPersonState.team_id == team_id)
    removed = _delete(statement, None)
    if removed:  # everyone's: the team's revision, not one per person
        revision.note(db.session, team_id)
    return removed


def purge_expired() -> int:
    """Delete answers older than the TTL (they would be asked again anyway) and commit."""
    statement = delete(ItrisPersonState).where(ItrisPersonState.checked_at <= utcnow() - _ttl())
    # Every view that showed one of them has expired with it: no team's lookups change.
    removed = _delete(statement, None)
    db.session.commit()
    return removed


def _delete(statement, team_id: int | None) -> int:
    """Run a DELETE of kept answers; a view that showed one of them is not served again.

    Views show only answers still kept, so forgetting nobody (a webhook about a person no
    one has viewed) leaves every kept view standing: only a removal renews a revision, that
    of the person whose answer it was.
    """
    options = {"synchronize_session": False, revision.OPTION: ()}
    if team_id is None:
        return db.session.execute(statement.execution_options(**options)).rowcount
    statement = statement.returning(ItrisPersonState.linkedin_slug, ItrisPersonState.email)
    removed = db.session.execute(statement.execution_options(**options)).all()
    for slug, email in removed:
        revision.note_person(db.session, team_id, slug, email)
    return len(removed)


PERSON_EVENTS = {c.WEBHOOK_EVENTS[kind] for kind in c.PERSON_TYPES}


def apply_webhook(team_id: int, payload: dict) -> str:
    """A created applicant or contact: forget what was kept about anyone it may be; commit."""
    record = payload.get(c.WEBHOOK_RECORD)
    if payload.get(c.WEBHOOK_EVENT) not in PERSON_EVENTS or not isinstance(record, dict):
        return "ignored"

    def text(name: str) -> str | None:
        value = record.get(name)
        return value if isinstance(value, str) else None

    who = {
        "email": normalise_email(text(c.EMAIL_ADDRESS)),
        "slug": linkedin_slug(text(c.WEB_ADDRESS)),
        "first_name": text(c.FIRST_NAME),
        "last_name": text(c.LAST_NAME),
    }
    if not any(who.values()):
        return "ignored"  # nothing to know the person by
    forget(team_id, **who)
    db.session.commit()
    return "forgotten"
