"""Team revisions: one number per team that changes whenever what its lookups show changes.

A profile lookup reads a dozen rows (the person, their campaigns, pushes, settings, the
connection, the company mirror). Rather than re-reading them on every view, a lookup is kept
with the team's revision it was computed under (``backend/lookup_cache.py``), and the
revision comes with the sign-in row every request reads anyway.

The session renews the revision itself, so no write path can forget to:

- every flush notes the teams of the rows it inserts, changes or deletes;
- a bulk UPDATE/DELETE/INSERT must name the teams it touches with
  ``.execution_options(teams_revised=team_id | [ids] | ())`` (``()``: nothing any lookup
  shows), or it is refused: the statement alone does not say whose rows it changed;
- just before the commit, one ``UPDATE teams SET revision = <fresh random number>`` for the
  noted teams, in id order, joins the same transaction: the rows and the revision become
  visible together, and the team row is locked only for the commit itself.

A revision is a random 62-bit number, not a counter, so it never comes back: not after a
database is restored from a backup, nor in another database whose team has the same id
(kept lookups may be shared through Redis).

Rows no lookup shows (sign-in tokens and attempts, activities and their notes) renew
nothing; of the kept itris answers (``backend/person_state.py``), only removals do (see
``REMOVALS_ONLY``), so a first view of one person leaves every other view kept.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from flask import current_app
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from backend.lru import LRU
from backend.models import Base, CampaignMember, Contact, ItrisLink, Team, User, UserSettings

OPTION = "teams_revised"

# Tables whose rows no profile lookup shows.
UNSHOWN = frozenset({"api_tokens", "login_attempts", "activities", "activity_notes"})

# Tables whose new and changed rows change no kept lookup, only their removal does: a kept
# itris answer is written only where none was kept or the one kept has expired (and every
# view that showed it with it), or to add another record type's matches, which views of
# this one do not show.
REMOVALS_ONLY = frozenset({"itris_person_states"})

# Rows without a team_id of their own: the parent row that has one, through which column.
PARENTS = {
    UserSettings: (User, "user_id"),
    CampaignMember: (Contact, "contact_id"),
    ItrisLink: (Contact, "contact_id"),
}

_NOTED = "revised_teams"


def install(session) -> None:
    """Track revisions on ``session`` (a scoped_session or sessionmaker)."""
    event.listen(session, "after_flush", _note_flush)
    event.listen(session, "do_orm_execute", _note_bulk)
    event.listen(session, "before_commit", _renew)
    event.listen(session, "after_transaction_end", _forget)


T = TypeVar("T")
_MEMO = "team_memo"
MEMO_SIZE = 10_000
_MISSING = object()


def memo(team: Team, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, kept by this process while ``team``'s revision stands.

    For values a request reads from its team's rows (its settings, whether itris is
    connected): ``team`` must be the row read with the sign-in, before the request wrote
    anything. A value computed after that read is as new as its revision or newer, and a
    commit that changes those rows gives the team another revision, so no request is given
    a value older than the revision it read. Keep values immutable: they are shared.
    """
    kept = current_app.extensions.setdefault(_MEMO, LRU(MEMO_SIZE))
    full_key = (team.id, team.revision, key)
    value = kept.get(full_key, _MISSING)
    if value is _MISSING:
        value = compute()
        kept.put(full_key, value)
    return value


def note(session: Session, team_ids: int | Iterable[int]) -> None:
    """Say that this transaction changed what these teams' lookups show."""
    ids = (team_ids,) if isinstance(team_ids, int) else tuple(team_ids)
    session.info.setdefault(_NOTED, set()).update(int(i) for i in ids if i is not None)


def _note_flush(session: Session, _context) -> None:
    teams = {_team_of(session, obj) for obj in session.deleted}
    for obj in session.new:
        if _table(obj) not in REMOVALS_ONLY:
            teams.add(_team_of(session, obj))
    for obj in session.dirty:
        if _table(obj) not in REMOVALS_ONLY and session.is_modified(obj, include_collections=False):
            teams.add(_team_of(session, obj))
    teams.discard(None)
    if teams:
        note(session, teams)


def _table(obj) -> str | None:
    return getattr(obj, "__tablename__", None)


def _team_of(session: Session, obj) -> int | None:
    if _table(obj) in UNSHOWN:
        return None
    if isinstance(obj, Team):
        return obj.id
    team_id = getattr(obj, "team_id", None)
    if team_id is not None:
        return team_id
    parent, column = PARENTS.get(type(obj), (None, None))
    if parent is None:
        raise RuntimeError(f"{type(obj).__name__} rows have no team: add them to PARENTS")
    parent_id = getattr(obj, column)
    held = session.identity_map.get(session.identity_key(parent, parent_id))
    if held is not None:
        return held.team_id
    # Inside the flush: read on its connection, not through the session's autoflush.
    return session.connection().scalar(
        select(parent.team_id).where(parent.__mapper__.primary_key[0] == parent_id)
    )


def _note_bulk(state) -> None:
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if table is None or table.name in UNSHOWN:
        return
    if OPTION not in state.execution_options:
        raise RuntimeError(
            f"a bulk statement on {table.name} must say which teams' lookups it changes: "
            f".execution_options({OPTION}=team_id, or () for none)"
        )
    note(state.session, state.execution_options[OPTION])


def _renew(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer commit renews, so the team row is locked only then
    # The commit flushes after this hook: flush first, so every row is noted.
    session.flush()
    teams = session.info.pop(_NOTED, None)
    if teams:
        session.execute(
            update(Team)
            .where(Team.id.in_(sorted(teams)))
            .values(revision=secrets.randbits(62) or 1)
            .execution_options(**{OPTION: (), "synchronize_session": False})
        )


def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_NOTED, None)


def untracked_tables() -> list[str]:
    """Mapped tables whose rows this module cannot place in a team (should be none)."""
    missing = []
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if mapper.local_table.name in UNSHOWN or cls is Team or cls in PARENTS:
            continue
        if "team_id" not in mapper.columns:
            missing.append(mapper.local_table.name)
    return missing
