"""The sandbox's itris data: records, comments and attachments, in memory, thread-safe.

One re-entrant lock guards everything; each operation holds it only for its own reads
and writes (listeners hear of new records after it is released), so many concurrent
requests interleave freely. Records leave the store as copies, never as live dicts.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

import backend.itris.contract as c
from backend.sandbox import validation
from backend.sandbox.errors import ApiError, not_found
from backend.sandbox.fields import RECORD_ID, RECORD_TYPE, blank_record, now
from backend.sandbox.seed import FIRST_ID, LISTS, SeedData

COMMENTS, ATTACHMENTS = "comments", "attachments"
DUMP_KINDS = (*(t.value for t in c.RecordType), COMMENTS, ATTACHMENTS)

Listener = Callable[[str, dict], None]  # (kind, new record): kind is a RecordType or above


class _Children:
    """Comments or attachments: numbered items, each belonging to one person record."""

    def __init__(self):
        self.items: dict[int, dict] = {}
        self.by_owner: dict[tuple[str, int], list[int]] = {}

    def add(self, record_type: str, record_id: int, item: dict) -> dict:
        item = {
            c.ID: len(self.items) + 1,
            RECORD_TYPE: str(record_type),
            RECORD_ID: record_id,
            **item,
            c.CREATED_AT: item.get(c.CREATED_AT) or now(),
        }
        self.items[item[c.ID]] = item
        self.by_owner.setdefault((str(record_type), record_id), []).append(item[c.ID])
        return item

    def of(self, record_type: str, record_id: int) -> list[dict]:
        return [self.items[i] for i in self.by_owner.get((str(record_type), record_id), ())]


class Store:
    """All itris records of one sandbox, with itris's rules for changing them."""

    def __init__(self, on_created: Listener | None = None):
        self._lock = threading.RLock()
        self._on_created = on_created or (lambda kind, record: None)
        self._list_ids = {name: {item[c.ID] for item in items} for name, items in LISTS.items()}
        self.load(SeedData())

    def load(self, data: SeedData) -> None:
        """Replace everything with ``data`` (a reset)."""
        with self._lock:
            self._records: dict[c.RecordType, dict[int, dict]] = {}
            self._next_id: dict[c.RecordType, int] = {}
            for record_type in c.RecordType:
                records = data.records(record_type)
                self._records[record_type] = {r[c.ID]: _copy(r) for r in records}
                last = max(self._records[record_type], default=FIRST_ID[record_type] - 1)
                self._next_id[record_type] = last + 1
            self._comments = _Children()
            self._attachments = _Children()
            for attachment in data.attachments:
                owner = (attachment[RECORD_TYPE], attachment[RECORD_ID])
                item = {k: v for k, v in attachment.items() if k not in (RECORD_TYPE, RECORD_ID)}
                self._attachments.add(*owner, item)

    # --- Lookups (what validation asks) ------------------------------------------------
    def list_ids(self, name: c.ListName) -> set[int]:
        return self._list_ids[name]

    def company_exists(self, company_id: int) -> bool:
        return company_id in self._records[c.RecordType.COMPANIES]

    def lookup_list(self, name: c.ListName) -> list[dict]:
        return [dict(item) for item in LISTS[name]]

    # --- Records -----------------------------------------------------------------------
    def list_records(
        self, record_type: c.RecordType, filters: dict[str, Any], page: int, page_size: int
    ) -> tuple[list[dict], int]:
        """One page of the records that pass every filter, by id, and how many pass."""
        tests = _filter_tests(record_type, filters)
        start = (page - 1) * page_size
        with self._lock:
            records = self._records[record_type]  # ids only grow: insertion order is id order
            if not tests:  # the company mirror pages through everything: don't scan each time
                ids = list(itertools.islice(records, start, start + page_size))
                return [_copy(records[i]) for i in ids], len(records)
            matching = [r for r in records.values() if all(test(r) for test in tests)]
            return [_copy(r) for r in matching[start : start + page_size]], len(matching)

    def get(self, record_type: c.RecordType, record_id: int) -> dict:
        with self._lock:
            return _copy(self._record(record_type, record_id))

    def create(self, record_type: c.RecordType, body: Any) -> dict:
        """Validate and add a record; 201's body."""
        with self._lock:
            changes = validation.check_record(record_type, body, self)
            record = self._insert(record_type, changes)
        self._on_created(record_type, record)
        return record

    def update(self, record_type: c.RecordType, record_id: int, body: Any) -> dict:
        """Validate and apply a partial update; bumps ``updatedAt``."""
        with self._lock:
            record = self._record(record_type, record_id)
            changes = validation.check_record(record_type, body, self, existing=record)
            self._apply(record_type, record, changes)
            return _copy(record)

    def bulk_create(self, record_type: c.RecordType, rows: Any) -> int:
        """Add many records at once, all or none (errors keyed ``[index].field``)."""
        if not isinstance(rows, list):
            raise ApiError(400, "The request body must be a JSON array of records.")
        # Validated outside the lock so a big load doesn't stall other requests; safe
        # because nothing is ever deleted (a company that exists now still will).
        accepted = []
        errors: dict[str, list[str]] = {}
        for index, row in enumerate(rows):
            try:
                accepted.append(validation.check_record(record_type, row, self))
            except ApiError as exc:
                errors.update({f"[{index}].{k}": v for k, v in exc.errors.items()})
                if not exc.errors:
                    errors[f"[{index}]"] = [exc.message]
        if errors:
            raise ApiError(400, f"{len(errors)} problems; nothing was created.", errors)
        with self._lock:
            created = [self._insert(record_type, changes) for changes in accepted]
        for record in created:
            self._on_created(record_type, record)
        return len(created)

    def _record(self, record_type: c.RecordType, record_id: int) -> dict:
        record = self._records[record_type].get(record_id)
        if record is None:
            raise not_found(f"No {record_type} record with id {record_id}.")
        return record

    def _insert(self, record_type: c.RecordType, changes: dict) -> dict:
        record_id = self._next_id[record_type]
        self._next_id[record_type] += 1
        stamp = now()
        record = {c.ID: record_id, **blank_record(record_type)}
        record.update(_copy(changes))
        record.update({c.CREATED_AT: stamp, c.UPDATED_AT: stamp})
        if record_type == c.RecordType.COMPANIES:
            record[c.CONTACT_COUNT] = 0
        self._records[record_type][record_id] = record
        if record_type == c.RecordType.CONTACTS:
            self._count_contact(record.get(c.COMPANY_ID), +1)
        return _copy(record)

    def _apply(self, record_type: c.RecordType, record: dict, changes: dict) -> None:
        if record_type == c.RecordType.CONTACTS and c.COMPANY_ID in changes:
            self._count_contact(record.get(c.COMPANY_ID), -1)
            self._count_contact(changes[c.COMPANY_ID], +1)
        record.update(_copy(changes))
        record[c.UPDATED_AT] = now()

    def _count_contact(self, company_id: int | None, delta: int) -> None:
        company = self._records[c.RecordType.COMPANIES].get(company_id)
        if company is not None:
            company[c.CONTACT_COUNT] += delta

    # --- Comments and attachments ------------------------------------------------------
    def comments(self, record_type: c.RecordType, record_id: int) -> list[dict]:
        with self._lock:
            self._record(record_type, record_id)
            return [dict(item) for item in self._comments.of(record_type, record_id)]

    def add_comment(self, record_type: c.RecordType, record_id: int, body: Any) -> dict:
        with self._lock:
            self._record(record_type, record_id)
            categories = self._list_ids[c.ListName.COMMENT_CATEGORIES]
            comment = validation.check_comment(body, categories, now())
            comment = dict(self._comments.add(record_type, record_id, comment))
        self._on_created(COMMENTS, comment)
        return comment

    def attachments(self, record_type: c.RecordType, record_id: int) -> list[dict]:
        """A person's files, described but without their content."""
        with self._lock:
            self._record(record_type, record_id)
            return [_described(item) for item in self._attachments.of(record_type, record_id)]

    def add_attachment(self, record_type: c.RecordType, record_id: int, body: Any) -> dict:
        with self._lock:
            self._record(record_type, record_id)
            attachment = self._attachments.add(
                record_type, record_id, validation.check_attachment(body)
            )
        self._on_created(ATTACHMENTS, dict(attachment))
        return _described(attachment)

    # --- The applicant inbox -----------------------------------------------------------
    def submit_inbox(self, body: Any) -> tuple[int, bool]:
        """Create or update an applicant from the inbox payload; ``(applicantId, created)``."""
        submission = validation.check_inbox(body)
        applicants = c.RecordType.APPLICANTS
        with self._lock:
            existing = self._inbox_applicant(submission.applicant_id)
            changes = validation.check_record(applicants, submission.fields, self, existing)
            if existing is None:
                record = self._insert(applicants, changes)
            else:
                self._apply(applicants, existing, changes)
                record = _copy(existing)
            cv = None
            if submission.cv is not None:
                cv = dict(self._attachments.add(applicants, record[c.ID], submission.cv))
        if existing is None:
            self._on_created(applicants, record)
        if cv is not None:
            self._on_created(ATTACHMENTS, cv)
        return record[c.ID], existing is None

    def _inbox_applicant(self, applicant_id: int | None) -> dict | None:
        if applicant_id is None:
            return None
        existing = self._records[c.RecordType.APPLICANTS].get(applicant_id)
        if existing is None:
            errors = {c.INBOX_APPLICANT_ID: [f"No applicant with id {applicant_id}."]}
            raise ApiError(400, "The request is invalid.", errors)
        return existing

    # --- Control ----------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        with self._lock:
            return {str(t): len(records) for t, records in self._records.items()}

    def dump(self, kind: str) -> list[dict]:
        """Every record of a kind as the store holds it (attachments with content)."""
        with self._lock:
            if kind == COMMENTS:
                return [dict(item) for item in self._comments.items.values()]
            if kind == ATTACHMENTS:
                return [dict(item) for item in self._attachments.items.values()]
            return [_copy(r) for r in self._records[c.RecordType(kind)].values()]


# --- Helpers --------------------------------------------------------------------------
def _copy(record: dict) -> dict:
    """A copy deep enough that callers can't change the store (lists are the only nesting)."""
    return {k: list(v) if isinstance(v, list) else v for k, v in record.items()}


def _described(attachment: dict) -> dict:
    return {k: v for k, v in attachment.items() if k != c.ATTACHMENT_FILE_CONTENT}


def _filter_tests(
    record_type: c.RecordType, filters: dict[str, Any]
) -> list[Callable[[dict], bool]]:
    """One predicate per list filter (values already typed and lower-cased)."""
    tests = []
    is_company = record_type == c.RecordType.COMPANIES
    if (email := filters.get(c.FILTER_EMAIL)) is not None:
        tests.append(lambda r: (r.get(c.EMAIL_ADDRESS) or "").strip().lower() == email)
    if (web := filters.get(c.FILTER_WEB)) is not None:
        web_field = c.WEBSITE if is_company else c.WEB_ADDRESS
        tests.append(lambda r: web in (r.get(web_field) or "").lower())
    if (name := filters.get(c.FILTER_NAME)) is not None:
        if is_company:
            tests.append(lambda r: name in (r.get(c.NAME) or "").lower())
        else:
            tests.append(lambda r: name in _full_name(r).lower())
    if (company_id := filters.get(c.FILTER_COMPANY)) is not None:
        tests.append(lambda r: r.get(c.COMPANY_ID) == company_id)
    if (since := filters.get(c.FILTER_MODIFIED_SINCE)) is not None:
        tests.append(lambda r: r[c.UPDATED_AT] >= since)
    return tests


def _full_name(record: dict) -> str:
    return f"{record.get(c.FIRST_NAME) or ''} {record.get(c.LAST_NAME) or ''}".strip()
