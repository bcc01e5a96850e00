"""The per-team company mirror: full and incremental sync from itris, webhook upserts.

The mirror is a copy of the team's itris companies with each name normalised once, so the
duplicate index never asks itris. A full sync pages through every company and drops the
rows itris no longer has; an incremental one asks only for companies changed since the
newest ``updatedAt`` already mirrored (itris's own clock, so ours may drift freely); a
``company.created`` webhook adds one company at once.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import delete, select

from backend import connection
from backend.companies import lookup
from backend.companies.index import columns_for
from backend.companies.models import Company, CompanySyncState
from backend.companies.normalise import normalise
from backend.db import MAX_INT, db, utcnow
from backend.itris import contract as c

log = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]  # (companies fetched, total expected or None)

# itris keeps company statuses in the contact-status list ("Prospect", "Client", ...).
COMPANY_STATUS_LIST = c.ListName.CONTACT_STATUSES


@dataclass
class SyncSummary:
    """What one sync did."""

    mode: str  # "full" or "incremental"
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    total: int = 0  # companies in the mirror afterwards
    modified_since: datetime | None = None  # the filter sent (incremental)
    duration_s: float = 0.0
    pages: int = field(default=0)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        """One line for people: what changed and how long it took."""
        removed = f", {self.removed} removed" if self.removed else ""
        return (
            f"{self.mode} sync: {self.fetched} fetched, {self.created} created, "
            f"{self.updated} updated, {self.unchanged} unchanged{removed}; "
            f"{self.total} companies mirrored ({self.duration_s:.1f} s)"
        )


def sync(
    team_id: int,
    *,
    full: bool | None = None,
    client=None,
    progress: Progress | None = None,
    page_size: int = c.MAX_PAGE_SIZE,
) -> SyncSummary:
    """Bring the team's mirror up to date; full on the first run unless told otherwise."""
    started = time.monotonic()
    state = _state(team_id)
    if full is None:
        full = state.modified_since is None
    if client is None:
        client = connection.client_for(connection.require(team_id))
    summary = SyncSummary(mode="full" if full else "incremental")
    filters = {}
    if not full and state.modified_since is not None:
        filters[c.FILTER_MODIFIED_SINCE] = summary.modified_since = state.modified_since

    statuses = {str(item[c.ID]): item[c.NAME] for item in client.get_list(COMPANY_STATUS_LIST)}
    state.status_names = json.dumps(statuses)
    db.session.commit()

    expected = _expected_total(client, full)
    newest = state.modified_since
    seen: set[int] = set()
    records = client.iter_records(c.RecordType.COMPANIES, page_size=page_size, **filters)
    for batch in _batches(records, page_size):
        created, updated, unchanged, batch_newest = upsert(team_id, batch, statuses)
        summary.created += created
        summary.updated += updated
        summary.unchanged += unchanged
        summary.fetched += len(batch)
        summary.pages += 1
        seen.update(int(record[c.ID]) for record in batch if c.ID in record)
        if batch_newest and (newest is None or batch_newest > newest):
            newest = batch_newest
        if progress is not None:
            progress(summary.fetched, expected)

    state = _state(team_id)
    if full:
        summary.removed = _remove_unseen(team_id, seen)
    now = utcnow()
    state.modified_since = newest
    state.last_sync_at = now
    if full:
        state.last_full_sync_at = now
    summary.total = state.total = _count(team_id)
    db.session.commit()
    lookup.refresh(team_id)
    summary.duration_s = round(time.monotonic() - started, 3)
    log.info("team %s companies: %s", team_id, summary.line())
    return summary


def upsert(
    team_id: int, records: list[dict], statuses: dict[str, str] | None = None
) -> tuple[int, int, int, datetime | None]:
    """Write company records into the mirror; return (created, updated, unchanged, newest)."""
    statuses = statuses if statuses is not None else _status_names(team_id)
    wanted = {}
    for record in records:
        try:
            wanted[_itris_id(record[c.ID])] = _columns(record, statuses)
        except (KeyError, TypeError, ValueError):
            log.warning("team %s: skipped a company record without id or name", team_id)
    if not wanted:
        return 0, 0, 0, None
    existing = {
        row.itris_id: row
        for row in db.session.scalars(
            select(Company).where(Company.team_id == team_id, Company.itris_id.in_(wanted))
        )
    }
    revision = _next_revision(team_id)
    created = updated = unchanged = 0
    for itris_id, columns in wanted.items():
        row = existing.get(itris_id)
        if row is None:
            db.session.add(
                Company(team_id=team_id, itris_id=itris_id, revision=revision, **columns)
            )
            created += 1
        elif any(getattr(row, name) != value for name, value in columns.items()):
            for name, value in columns.items():
                setattr(row, name, value)
            row.revision = revision
            updated += 1
        else:
            unchanged += 1
    if created:
        state = _state(team_id)
        state.total = (state.total or 0) + created
    db.session.commit()
    stamps = [v["itris_updated_at"] for v in wanted.values() if v["itris_updated_at"]]
    return created, updated, unchanged, max(stamps, default=None)


def apply_webhook(team_id: int, payload: dict) -> str:
    """Act on one itris webhook: a created company joins the mirror and the index at once."""
    event = payload.get(c.WEBHOOK_EVENT)
    record = payload.get(c.WEBHOOK_RECORD)
    if event != c.WEBHOOK_EVENTS[c.RecordType.COMPANIES]:
        return "ignored"
    if not isinstance(record, dict) or c.ID not in record or not record.get(c.NAME):
        return "ignored"
    created, updated, _, _ = upsert(team_id, [record])
    lookup.refresh(team_id)
    return "created" if created else "updated" if updated else "unchanged"


def state_for(team_id: int) -> CompanySyncState | None:
    """Return the team's sync state, if the mirror was ever written."""
    return db.session.get(CompanySyncState, team_id)


# --- Helpers ------------------------------------------------------------------------------
def _columns(record: dict, statuses: dict[str, str]) -> dict[str, Any]:
    # Records come from itris's API and its webhooks: a value of the wrong type or size is
    # dropped (or the record skipped) rather than handed to a column that cannot hold it.
    name = _text(record[c.NAME])
    if not name:
        raise ValueError("a company needs a name")
    status_id = _integer(record.get(c.STATUS_ID))
    return {
        "name": name,
        **columns_for(normalise(name)),
        "location": _text(record.get(c.LOCATION)),
        "website": _text(record.get(c.WEBSITE)),
        "owner_user_id": _integer(record.get(c.OWNER_USER_ID)),
        "status_id": status_id,
        "status": statuses.get(str(status_id)) if status_id is not None else None,
        "contact_count": _integer(record.get(c.CONTACT_COUNT)),
        "itris_updated_at": _instant(record.get(c.UPDATED_AT)),
    }


def _itris_id(value: Any) -> int:
    """A record's id as a positive integer a column holds; ValueError otherwise."""
    itris_id = _integer(value)
    if itris_id is None or itris_id < 1:
        raise ValueError(f"not an itris id: {value!r}")
    return itris_id


def _integer(value: Any) -> int | None:
    """An integer (or integral string or float) within a column's range, else None."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return number if -MAX_INT <= number <= MAX_INT else None


def _text(value: Any, limit: int = 500) -> str | None:
    """A string value stripped and cut to the column's length; numbers as text; else None."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    # No database stores a NUL character in text (PostgreSQL refuses it outright).
    return str(value).replace("\x00", "").strip()[:limit] or None


def _instant(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _state(team_id: int) -> CompanySyncState:
    state = db.session.get(CompanySyncState, team_id)
    if state is None:
        state = CompanySyncState(team_id=team_id, revision=0, total=0)
        db.session.add(state)
        db.session.flush()
    return state


def _next_revision(team_id: int) -> int:
    """Bump and return the team's mirror revision (the row lock orders concurrent writers)."""
    state = db.session.get(CompanySyncState, team_id, with_for_update=True) or _state(team_id)
    state.revision = (state.revision or 0) + 1
    db.session.flush()
    return state.revision


def _status_names(team_id: int) -> dict[str, str]:
    state = db.session.get(CompanySyncState, team_id)
    return json.loads(state.status_names) if state and state.status_names else {}


def _expected_total(client, full: bool) -> int | None:
    """How many companies a full sync will fetch, for the progress bar."""
    if full:
        return client.count(c.RecordType.COMPANIES)
    return None


def _remove_unseen(team_id: int, seen: set[int]) -> int:
    """Delete mirror rows itris did not return in a complete full sync."""
    mirrored = db.session.scalars(select(Company.itris_id).where(Company.team_id == team_id))
    gone = [itris_id for itris_id in mirrored if itris_id not in seen]
    for chunk in _batches(gone, 500):
        db.session.execute(
            delete(Company)
            .where(Company.team_id == team_id, Company.itris_id.in_(chunk))
            .execution_options(teams_revised=team_id)
        )
    if gone:
        _next_revision(team_id)
    db.session.commit()
    return len(gone)


def _count(team_id: int) -> int:
    from sqlalchemy import func

    return db.session.scalar(
        select(func.count()).select_from(Company).where(Company.team_id == team_id)
    )


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
