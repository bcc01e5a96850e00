"""The push pipeline: match → create/update → status → keywords → notes → CV.

It takes a plain :class:`PushPlan` (what the rules engine decided) and an
:class:`ItrisClient`, and reports progress through :class:`Hooks` the moment each write
lands, so a crash between two steps loses nothing and a re-run repeats nothing:

- a record found or created is linked at once (``hooks.linked``);
- a create that failed is searched for before it is sent again, and one that got no answer
  at all is not sent again by this run: itris may still be writing it, so the push is
  retried later and matches before it creates;
- each note carries a marker naming its activity; markers already on the record are
  skipped, so an activity yields at most one comment however often the push is re-run.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from backend.itris import contract as c
from backend.itris import fields as f
from backend.itris.client import ItrisClient, Record
from backend.itris.errors import ItrisNotFound, RetriableItrisError
from backend.itris.matching import MatchResult, find_certain, find_possible, fold, linkedin_slug

NOTE_MARKER = "[itris-sync activity {}]"
_MARKER = re.compile(r"\[itris-sync activity (\d+)\]")


@dataclass
class Note:
    activity_id: int
    text: str
    category_id: int | None
    date: datetime


@dataclass
class CV:
    file_name: str
    content: bytes


@dataclass
class CompanyChoice:
    """How a contact's company was settled: an id, or candidates a person must pick from."""

    company_id: int | None = None
    candidates: list[dict] = field(default_factory=list)
    created: bool = False


@dataclass
class PushPlan:
    record_type: str  # contract.RecordType value: applicants | contacts
    variables: dict[str, Any]  # first_name, last_name, email, company, linkedin_url, ...
    field_mapping: dict[str, str]
    typed_fields: dict[str, Any] = field(default_factory=dict)
    update_policy: dict[str, str] = field(default_factory=dict)
    keywords: list[str] = field(default_factory=list)
    linked_id: int | None = None
    may_create: bool = True  # False: only reach a record that already exists
    create_new: bool = False  # a user chose "create new" over possible matches
    default_status_id: int | None = None
    contact_type_id: int | None = None
    company_id: int | None = None  # picked by a user or remembered as an alias
    notes: list[Note] = field(default_factory=list)
    cv: CV | None = None
    dont_overwrite_cv: bool = True
    only_fields: set[str] | None = None  # a manual edit: just these fields
    # A person with neither email nor LinkedIn URL, whose create may have landed unanswered
    # in an earlier attempt: the ids of the same-name records itris held before it.
    earlier_create: frozenset[int] | None = None


@dataclass
class PushOutcome:
    status: str  # succeeded | needs_review | skipped
    record_id: int | None = None
    matched_by: str | None = None
    created: bool = False
    fields_written: list[str] = field(default_factory=list)
    keywords_added: list[str] = field(default_factory=list)
    notes_written: int = 0
    cv_uploaded: bool = False
    review: dict | None = None
    reason: str | None = None

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, [], False, 0)} | {
            "status": self.status
        }


class Hooks(Protocol):
    """Where the pipeline reports each write as it lands, and asks about companies."""

    def linked(self, record_id: int, matched_by: str) -> None: ...

    def noted(self, activity_id: int, comment_id: int | None) -> None: ...

    def cv_uploaded(self) -> None: ...

    def company_key(self, name: str | None) -> str: ...

    def resolve_company(self, client: ItrisClient, name: str) -> CompanyChoice: ...


def push(client: ItrisClient, plan: PushPlan, hooks: Hooks) -> PushOutcome:
    """Push one person to itris according to ``plan``."""
    kind = c.RecordType(plan.record_type)
    desired = f.desired_fields(kind, plan.variables, plan.field_mapping, plan.typed_fields)
    record, matched_by = _linked_record(client, kind, plan.linked_id)
    if record is None:
        match = _match(client, kind, plan, hooks)
        if plan.earlier_create is not None:  # our own record is looked for before a create
            match.possible = [r for r in match.possible if _id(r) in plan.earlier_create]
        if match.possible and not plan.create_new:
            return PushOutcome(
                "needs_review",
                review={"kind": "person", "possible": [_summary(r) for r in match.possible]},
                reason="a record with the same name and company exists in itris; "
                "link it or choose to create a new one",
            )
        record, matched_by = match.record, match.matched_by
    outcome = PushOutcome("succeeded")
    if record is None:
        if not plan.may_create:
            return PushOutcome("skipped", reason="not in itris, and the add rule has not fired")
        created = _create(client, kind, plan, desired, hooks)
        if isinstance(created, PushOutcome):
            return created
        record, matched_by, outcome.created = created, "created", True
        outcome.fields_written = sorted(k for k in desired if k in record)
    if matched_by != "linked":
        hooks.linked(int(record[c.ID]), matched_by)
    outcome.record_id, outcome.matched_by = int(record[c.ID]), matched_by
    if not outcome.created:
        _update(client, kind, record, desired, plan, outcome)
    _keywords(client, kind, record, plan, outcome)
    outcome.notes_written = _notes(client, kind, outcome.record_id, plan.notes, hooks)
    outcome.cv_uploaded = _cv(client, kind, outcome.record_id, plan, hooks)
    return outcome


# --- Steps ------------------------------------------------------------------------------
def _linked_record(client, kind, linked_id) -> tuple[Record | None, str | None]:
    if linked_id is None:
        return None, None
    try:
        return client.get(kind, linked_id), "linked"
    except ItrisNotFound:
        return None, None  # deleted or merged in itris: match again


def _match(client: ItrisClient, kind, plan: PushPlan, hooks: Hooks) -> MatchResult:
    email = plan.variables.get("email") or plan.typed_fields.get(c.EMAIL_ADDRESS)
    slug = linkedin_slug(plan.variables.get("linkedin_url"))
    match = find_certain(client, kind, email=email, slug=slug)
    if match.record is not None or plan.create_new:
        return match
    wanted = hooks.company_key(plan.variables.get("company"))
    if not wanted:
        return match
    match.possible = find_possible(
        client,
        kind,
        first_name=plan.variables.get("first_name"),
        last_name=plan.variables.get("last_name"),
        same_company=lambda record: (
            company_key_of(client, kind, record, hooks.company_key) == wanted
        ),
    )
    return match


def company_key_of(client, kind, record: Record, key: Callable[[str | None], str]) -> str:
    """The ``key`` of a person record's company: an applicant's current employer, or the
    name of the company a contact belongs to (asked of itris)."""
    if kind == c.RecordType.APPLICANTS:
        return key(record.get(c.CURRENT_EMPLOYER))
    company_id = record.get(c.COMPANY_ID)
    if company_id is None:
        return ""
    try:
        return key(client.get(c.RecordType.COMPANIES, company_id).get(c.NAME))
    except ItrisNotFound:
        return ""


def _create(client, kind, plan: PushPlan, desired: dict, hooks: Hooks) -> Record | PushOutcome:
    payload = dict(desired)
    if plan.default_status_id is not None:
        payload[c.STATUS_ID] = plan.default_status_id
    if plan.keywords:
        payload[c.KEYWORDS] = list(plan.keywords)
    if kind == c.RecordType.CONTACTS:
        company = _contact_company(client, plan, hooks)
        if company.company_id is None:
            return PushOutcome(
                "needs_review",
                review={"kind": "company", "candidates": company.candidates},
                reason="several itris companies could be this person's; pick one",
            )
        payload[c.COMPANY_ID] = company.company_id
        if plan.contact_type_id is not None:
            payload[c.CONTACT_TYPE_ID] = plan.contact_type_id
    email = plan.variables.get("email") or plan.typed_fields.get(c.EMAIL_ADDRESS)
    slug = linkedin_slug(plan.variables.get("linkedin_url"))
    if email or slug:

        def find_existing() -> Record | None:
            return find_certain(client, kind, email=email, slug=slug).record

        return client.create(kind, payload, find_existing=find_existing)
    return _create_anonymous(client, kind, plan, payload)


def _create_anonymous(client, kind, plan: PushPlan, payload: Record) -> Record:
    """Create a person itris can find by name only, never twice.

    Nothing but the name and company can find the record again, so the same-name records
    itris holds before the first create are noted: a record like the one sent that is not
    among them is ours. After an unanswered create the error carries them
    (``earlier_create``), for the push's next attempt to look for it before sending again.
    """
    known = plan.earlier_create
    if known is None:
        known = frozenset(_id(r) for r in _same_name(client, kind, payload))
    else:
        found = _made_by_us(client, kind, payload, known)
        if found is not None:
            return found
    try:
        return client.create(
            kind, payload, find_existing=lambda: _made_by_us(client, kind, payload, known)
        )
    except RetriableItrisError as err:
        if err.maybe_applied:
            err.earlier_create = known
        raise


def _id(record: Record) -> int:
    return int(record[c.ID])


def _same_name(client, kind, payload: Record) -> list[Record]:
    """Every record of the name sent, at any company."""
    first, last = payload.get(c.FIRST_NAME), payload.get(c.LAST_NAME)
    return find_possible(
        client, kind, first_name=first, last_name=last, same_company=lambda _record: True
    )


def _made_by_us(client, kind, payload: Record, known: frozenset[int]) -> Record | None:
    """A record itris did not hold before our create, with the name and company we sent."""
    company = (c.CURRENT_EMPLOYER, c.COMPANY_ID)
    ours = [
        r
        for r in _same_name(client, kind, payload)
        if _id(r) not in known
        and all(fold(str(r.get(k) or "")) == fold(str(payload.get(k) or "")) for k in company)
    ]
    return min(ours, key=_id) if ours else None


def _contact_company(client, plan: PushPlan, hooks: Hooks) -> CompanyChoice:
    if plan.company_id is not None:
        return CompanyChoice(company_id=plan.company_id)
    name = (plan.variables.get("company") or "").strip()
    if not name:
        return CompanyChoice(candidates=[])
    return hooks.resolve_company(client, name)


def _update(client, kind, record: Record, desired: dict, plan: PushPlan, outcome) -> None:
    changes = f.changes_for(record, desired, plan.update_policy, plan.only_fields)
    if changes:
        record.update(client.update(kind, record[c.ID], changes))
        outcome.fields_written = sorted(changes)


def _keywords(client, kind, record: Record, plan: PushPlan, outcome) -> None:
    merged = f.merged_keywords(record.get(c.KEYWORDS), plan.keywords)
    if merged is not None:
        before = {k.casefold() for k in record.get(c.KEYWORDS) or []}
        record.update(client.update(kind, record[c.ID], {c.KEYWORDS: merged}))
        outcome.keywords_added = [k for k in merged if k.casefold() not in before]


def _notes(client, kind, record_id: int, notes: list[Note], hooks: Hooks) -> int:
    if not notes:
        return 0
    present = _noted_activities(client, kind, record_id)
    written = 0
    for note in sorted(notes, key=lambda n: (n.date, n.activity_id)):
        if note.activity_id in present:
            hooks.noted(note.activity_id, present[note.activity_id])
            continue
        text = f"{note.text}\n\n{NOTE_MARKER.format(note.activity_id)}"
        comment = client.add_comment(
            kind,
            record_id,
            text,
            category_id=note.category_id,
            comment_date=note.date,
            find_existing=_find_note(client, kind, record_id, note.activity_id),
        )
        hooks.noted(note.activity_id, comment.get(c.ID))
        written += 1
    return written


def _noted_activities(client, kind, record_id: int) -> dict[int, int | None]:
    """Activity ids already written as comments on a record, from their markers."""
    present = {}
    for comment in client.list_comments(kind, record_id):
        for found in _MARKER.finditer(comment.get(c.COMMENT_TEXT) or ""):
            present[int(found.group(1))] = comment.get(c.ID)
    return present


def _find_note(client, kind, record_id: int, activity_id: int) -> Callable[[], Record | None]:
    def find() -> Record | None:
        comment_id = _noted_activities(client, kind, record_id).get(activity_id, -1)
        return {c.ID: comment_id} if comment_id != -1 else None

    return find


def _cv(client, kind, record_id: int, plan: PushPlan, hooks: Hooks) -> bool:
    if plan.cv is None:
        return False
    existing = [
        a
        for a in client.list_attachments(kind, record_id)
        if a.get(c.ATTACHMENT_SYSTEM_TYPE) == c.SYSTEM_TYPE_CV
    ]
    if existing and plan.dont_overwrite_cv:
        hooks.cv_uploaded()  # settled: itris keeps the CV it has
        return False
    if any(a.get(c.ATTACHMENT_FILE_NAME) == plan.cv.file_name for a in existing):
        hooks.cv_uploaded()
        return False

    def find() -> Record | None:
        return next(
            (
                a
                for a in client.list_attachments(kind, record_id)
                if a.get(c.ATTACHMENT_FILE_NAME) == plan.cv.file_name
            ),
            None,
        )

    client.add_attachment(
        kind,
        record_id,
        plan.cv.file_name,
        plan.cv.content,
        c.SYSTEM_TYPE_CV,
        find_existing=find,
    )
    hooks.cv_uploaded()
    return True


def _summary(record: Record) -> dict:
    keys = (c.ID, c.FIRST_NAME, c.LAST_NAME, c.EMAIL_ADDRESS, c.WEB_ADDRESS, c.JOB_TITLE)
    summary = {key: record.get(key) for key in keys}
    summary["company"] = record.get(c.CURRENT_EMPLOYER) or record.get(c.COMPANY_ID)
    return summary
