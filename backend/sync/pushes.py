"""Durable pushes: a Push row is written with its cause, then the queue runs it.

A push is claimed (``queued`` → ``running``) by one worker only, runs under a per-person
lease so two pushes for one person never overlap, and ends ``succeeded``, ``needs_review``,
``skipped`` or — after its last retry — ``failed`` with the reason. A sweeper re-enqueues
pushes a crash left behind.
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from backend import connection, person_state
from backend.db import after_commit, db, utcnow
from backend.itris import contract as c
from backend.itris import pipeline
from backend.itris.errors import FatalItrisError, ItrisAuthError, RetriableItrisError
from backend.models import Activity, ActivityNote, Campaign, Contact, ItrisLink, Push, User
from backend.sync import choice, rules
from backend.sync.companies import CompanyBusy, CompanyResolver, release_claims
from backend.sync.settings import settings_for
from backend.sync.variables import variables_of

log = logging.getLogger(__name__)

BUSY_DELAY_S = 1.0
EARLIER_CREATE = "earlier_create"  # in Push.params: see _earlier_create


def _lease() -> timedelta:
    # Longer than the slowest push (every itris call retried to its limit), so a live push
    # keeps its person; after a crash the person is free again once it runs out.
    return timedelta(seconds=current_app.config["PUSH_LEASE_S"])


# --- Creating pushes --------------------------------------------------------------------
def queue(
    contact: Contact,
    *,
    trigger: str,
    sync_as: str,
    campaign_id: int | None,
    user_id: int | None,
    params: dict | None = None,
) -> Push:
    """Add a queued push to the session; it is enqueued when the transaction commits."""
    push = _add(contact, trigger, sync_as, campaign_id, user_id, status="queued", attempts=0,
                params=params or {}, next_attempt_at=utcnow())  # fmt: skip
    push_id = push.id
    after_commit(db.session(), lambda: enqueue(push_id))
    return push


def skip(contact: Contact, *, trigger, sync_as, campaign_id, user_id, rule: str) -> Push:
    """Record a push the rules decided against, so the sync log says why nothing happened."""
    return _add(contact, trigger, sync_as, campaign_id, user_id, status="skipped",
                skipped_rule=rule, finished_at=utcnow())  # fmt: skip


def _add(contact: Contact, trigger, sync_as, campaign_id, user_id, **state) -> Push:
    push = Push(
        team_id=contact.team_id,
        contact_id=contact.id,
        campaign_id=campaign_id,
        user_id=user_id,
        trigger=trigger,
        sync_as=sync_as,
        **{"params": {}, "result": {}, **state},
    )
    db.session.add(push)
    db.session.flush()
    return push


def enqueue(push_id: int, delay: float | None = None) -> None:
    """Hand a push to the queue (now, or after ``delay`` seconds)."""
    from backend.jobs import run_push

    try:
        if delay:
            run_push.schedule(args=(push_id,), delay=delay)
        else:
            run_push(push_id)
    except Exception:  # the row is durable: the sweeper will enqueue it again
        log.exception("could not enqueue push %s; the sweeper will retry", push_id)


def retry(push: Push) -> Push:
    """Run a failed or skipped push again from its first attempt."""
    push.status = "queued"
    push.attempts = 0
    push.last_error = None
    push.skipped_rule = None
    push.next_attempt_at = utcnow()
    push.finished_at = None
    push_id = push.id
    after_commit(db.session(), lambda: enqueue(push_id))
    return push


# --- Running a push ---------------------------------------------------------------------
def run(push_id: int) -> str:
    """Claim, lock and run one push; returns its status afterwards."""
    if not _claim(push_id):
        push = db.session.get(Push, push_id)
        return push.status if push else "missing"
    push = db.session.get(Push, push_id)
    owner = uuid.uuid4().hex
    if not _lock(push.contact_id, owner):
        _unclaim(push, "another push for this person is running")
        enqueue(push_id, BUSY_DELAY_S)
        return "queued"
    hold = None
    try:
        hold = _execute(push, owner)
    finally:
        _unlock(push.contact_id, owner, hold)
    return push.status


def _claim(push_id: int) -> bool:
    now = utcnow()
    contact_id = db.session.scalar(select(Push.contact_id).where(Push.id == push_id))
    claimed = db.session.execute(
        update(Push)
        .where(Push.id == push_id, Push.status == "queued")
        .values(status="running", started_at=now, attempts=Push.attempts + 1, updated_at=now)
        .execution_options(contacts_revised=[contact_id] if contact_id is not None else [])
    ).rowcount
    db.session.commit()
    return claimed == 1


def _unclaim(push: Push, why: str, delay: float = BUSY_DELAY_S) -> None:
    push.status = "queued"
    push.attempts -= 1
    push.next_attempt_at = utcnow() + timedelta(seconds=delay)
    log.info("push %s waits: %s", push.id, why)
    db.session.commit()


def _lock(contact_id: int, owner: str) -> bool:
    now = utcnow()
    taken = db.session.execute(
        update(Contact)
        .where(
            Contact.id == contact_id,
            or_(Contact.lock_until.is_(None), Contact.lock_until < now),
        )
        .values(lock_owner=owner, lock_until=now + _lease())
        .execution_options(synchronize_session=False, teams_revised=())  # the lock is not shown
    ).rowcount
    db.session.commit()
    return taken == 1


def _unlock(contact_id: int, owner: str, hold: timedelta | None = None) -> None:
    """Free the person and any company claimed, or keep them ``hold`` longer while a write
    of ours may still land."""
    db.session.rollback()
    until = utcnow() + hold if hold else None
    db.session.execute(
        update(Contact)
        .where(Contact.id == contact_id, Contact.lock_owner == owner)
        .values(lock_owner=owner if hold else None, lock_until=until)
        .execution_options(synchronize_session=False, teams_revised=())
    )
    release_claims(owner, hold)  # commits both


def _execute(push: Push, owner: str) -> timedelta | None:
    """Run the pipeline for a claimed push; returns how long to keep holding the person (and
    any company claimed in ``owner``'s name)."""
    conn = connection.get(push.team_id)
    if conn is None:
        return _finish(push, "failed", error="itris is not connected for this team")
    contact = db.session.get(Contact, push.contact_id)
    record_type = c.SYNC_AS_TO_RECORD_TYPE[push.sync_as]
    try:
        client = connection.client_for(conn)
        plan, hooks = _plan(push, contact, record_type, client, owner)
        outcome = pipeline.push(client, plan, hooks)
    except CompanyBusy as err:  # nothing written yet: not an attempt
        db.session.rollback()
        _unclaim(push, str(err), err.retry_after)
        enqueue(push.id, err.retry_after)
        return None
    except ItrisAuthError as err:
        connection.record_failure(conn, "itris rejected the stored username or password.")
        return _finish(push, "failed", error=f"itris rejected the credentials: {err.message}")
    except RetriableItrisError as err:
        db.session.rollback()
        # A create of ours may still be landing in itris: no push for this person may look
        # for it (and, not finding it, create it again) until it has had time to.
        writing = err.in_flight and err.method == "POST"
        hold = 2 * current_app.config["ITRIS_TIMEOUT"] if writing else 0
        if err.earlier_create is not None:
            push.params = {
                **(push.params or {}),
                EARLIER_CREATE: {"record_type": record_type, "known": sorted(err.earlier_create)},
            }
        _retry_later(push, err.message, max(err.retry_after or 0, hold) or None)
        return timedelta(seconds=hold) if hold else None
    except FatalItrisError as err:
        db.session.rollback()
        detail = f" ({_flatten(err.errors)})" if err.errors else ""
        return _finish(push, "failed", error=f"itris refused the push: {err.message}{detail}")
    except Exception as err:  # a bug must not lose the push: retry, then fail with the reason
        log.exception("push %s crashed", push.id)
        db.session.rollback()
        return _retry_later(push, f"internal error: {err.__class__.__name__}: {err}", None)
    status = outcome.status
    push.result = outcome.as_dict()
    if status == "skipped":
        push.skipped_rule = outcome.reason
    _finish(push, status, error=outcome.reason if status == "needs_review" else None)


def _finish(push: Push, status: str, *, error: str | None = None) -> None:
    push.status = status
    push.last_error = error
    push.finished_at = utcnow()
    push.next_attempt_at = None
    _forget_person(push)
    db.session.commit()
    log.info("push %s %s%s", push.id, status, f": {error}" if error else "")


def _retry_later(push: Push, message: str, retry_after: float | None) -> None:
    limit = current_app.config["PUSH_MAX_ATTEMPTS"]
    if push.attempts >= limit:
        return _finish(push, "failed", error=f"{message} (gave up after {push.attempts} attempts)")
    base = current_app.config["PUSH_RETRY_BASE_S"]
    delay = retry_after or min(300.0, base * 2 ** (push.attempts - 1)) * random.uniform(1, 1.5)
    push.status = "queued"
    push.last_error = message
    push.next_attempt_at = utcnow() + timedelta(seconds=delay)
    _forget_person(push)
    db.session.commit()
    log.info("push %s will retry in %.1f s: %s", push.id, delay, message)
    enqueue(push.id, delay)


def _forget_person(push: Push) -> None:
    """Whatever the push did in itris, the panel must ask itris afresh: in the same commit
    as the push's outcome, so no lookup sees the outcome beside the answer from before."""
    contact = db.session.get(Contact, push.contact_id)
    if contact is not None:  # the person may have been deleted meanwhile
        person_state.forget_contact(contact)


def _flatten(errors: dict) -> str:
    return "; ".join(
        f"{key}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
        for key, v in errors.items()
    )


# --- The plan ---------------------------------------------------------------------------
def _plan(push: Push, contact: Contact, record_type: str, client, owner: str) -> tuple:
    effective, team, user = settings_for(push.team_id, push.user_id)
    section = effective[push.sync_as]
    campaign = db.session.get(Campaign, push.campaign_id) if push.campaign_id else None
    membership = choice.member(contact.id, push.campaign_id)
    chosen = choice.choose(campaign=campaign, membership=membership, team=team, user=user)
    link = _link(contact.id, record_type)
    params = push.params or {}
    plan = pipeline.PushPlan(
        record_type=record_type,
        variables=variables_of(contact),
        field_mapping=section["field_mapping"],
        typed_fields=dict(contact.fields or {}),
        update_policy=section["update_policy"],
        keywords=chosen.tags,
        linked_id=link.itris_id if link else None,
        may_create=contact.synced_at is not None,
        create_new=bool(params.get("create_new")),
        default_status_id=section.get("default_status_id"),
        contact_type_id=_contact_type(section, push.team_id, record_type),
        company_id=contact.itris_company_id,
        notes=_notes(contact, record_type, section),
        cv=_cv(contact),
        dont_overwrite_cv=effective["dont_overwrite_cv"],
        only_fields=set(params["only_fields"]) if "only_fields" in params else None,
        earlier_create=(
            _earlier_create(contact.id, record_type)
            if link is None and not (contact.email or contact.linkedin_slug)
            else None
        ),
    )
    resolver = CompanyResolver(push.team_id, contact, owner, _lease())
    hooks = _Hooks(contact, record_type, resolver)
    return plan, hooks


def _earlier_create(contact_id: int, record_type: str) -> frozenset[int] | None:
    """What the first unanswered create for this person knew (see ``pipeline.PushPlan``).

    Kept in the push's params, and looked for in every push of the person: whichever push
    runs next, however the one that sent the create ended, must find that record.
    """
    params = db.session.scalars(
        select(Push.params).where(Push.contact_id == contact_id).order_by(Push.id)
    )
    for value in params:
        earlier = (value or {}).get(EARLIER_CREATE)
        if earlier and earlier["record_type"] == str(record_type):
            return frozenset(earlier["known"])
    return None


def _link(contact_id: int, record_type: str) -> ItrisLink | None:
    return db.session.scalar(
        select(ItrisLink).where(
            ItrisLink.contact_id == contact_id, ItrisLink.record_type == str(record_type)
        )
    )


def _contact_type(section: dict, team_id: int, record_type: str) -> int | None:
    if record_type != c.RecordType.CONTACTS:
        return None
    if section.get("default_contact_type_id") is not None:
        return section["default_contact_type_id"]
    types = connection.options(team_id).get("contact_types") or []
    return types[0]["id"] if types else None  # itris needs one; its first is its default


def _notes(contact: Contact, record_type: str, section: dict) -> list[pipeline.Note]:
    noted = select(ActivityNote.activity_id).where(ActivityNote.record_type == str(record_type))
    activities = db.session.scalars(
        select(Activity)
        .where(Activity.contact_id == contact.id, Activity.id.not_in(noted))
        .order_by(Activity.occurred_at, Activity.id)
    ).all()
    due = rules.notes_due(contact, list(activities), section)
    campaigns = {a.campaign_id for a in due if a.campaign_id}
    users = {a.user_id for a in due if a.user_id}
    names = _names(Campaign, campaigns) | {("user", k): v for k, v in _names(User, users).items()}
    mapping = section["note_type_mapping"]
    return [
        pipeline.Note(
            activity_id=a.id,
            text=rules.note_text(
                a, campaign_name=names.get(a.campaign_id), user_name=names.get(("user", a.user_id))
            ),
            category_id=mapping.get(a.type),
            date=a.occurred_at,
        )
        for a in due
    ]


def _names(model, ids: set[int]) -> dict:
    if not ids:
        return {}
    return {row.id: row.name for row in db.session.scalars(select(model).where(model.id.in_(ids)))}


def _cv(contact: Contact) -> pipeline.CV | None:
    if contact.cv_content is None or contact.cv_uploaded_at is not None:
        return None
    return pipeline.CV(contact.cv_file_name or "CV.pdf", contact.cv_content)


class _Hooks:
    """Records each itris write in our database the moment it lands."""

    def __init__(self, contact: Contact, record_type: str, resolver: CompanyResolver):
        self.contact = contact
        self.record_type = str(record_type)
        self.resolver = resolver

    def linked(self, record_id: int, matched_by: str) -> None:
        link = _link(self.contact.id, self.record_type)
        if link is None:
            link = ItrisLink(contact_id=self.contact.id, record_type=self.record_type)
            db.session.add(link)
        link.itris_id = record_id
        link.matched_by = matched_by
        db.session.commit()

    def noted(self, activity_id: int, comment_id: int | None) -> None:
        link = _link(self.contact.id, self.record_type)
        db.session.add(
            ActivityNote(
                activity_id=activity_id,
                record_type=self.record_type,
                itris_id=link.itris_id,
                itris_comment_id=comment_id,
            )
        )
        db.session.commit()

    def cv_uploaded(self) -> None:
        self.contact.cv_uploaded_at = utcnow()
        db.session.commit()

    def company_key(self, name: str | None) -> str:
        return self.resolver.key(name)

    def resolve_company(self, client, name: str) -> pipeline.CompanyChoice:
        return self.resolver.resolve(client, name)


# --- Recovery ---------------------------------------------------------------------------
def sweep() -> int:
    """Re-enqueue pushes left ``queued`` past their time or ``running`` past the lease."""
    now = utcnow()
    stale_after = timedelta(seconds=current_app.config["SWEEP_STALE_S"])
    rows = db.session.execute(
        select(Push.id, Push.contact_id).where(
            Push.status == "running", Push.started_at < now - _lease()
        )
    ).all()
    stuck = [push_id for push_id, _ in rows]
    if stuck:
        db.session.execute(
            update(Push)
            .where(Push.id.in_(stuck), Push.status == "running")
            .values(status="queued", next_attempt_at=now, last_error="the worker stopped mid-push")
            .execution_options(contacts_revised={contact_id for _, contact_id in rows})
        )
        db.session.commit()
    forgotten = db.session.scalars(
        select(Push.id).where(
            Push.status == "queued",
            or_(Push.next_attempt_at.is_(None), Push.next_attempt_at < now - stale_after),
        )
    ).all()
    due = sorted(set(stuck) | set(forgotten))
    for push_id in due:
        enqueue(push_id)
    if due:
        log.info("sweeper re-enqueued %d pushes", len(due))
    return len(due)
