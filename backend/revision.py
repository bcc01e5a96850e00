"""Revisions: numbers that change whenever what a team's, or a person's, lookups show changes.

A profile lookup reads a dozen rows (the person, their campaigns, pushes, settings, the
connection, the company mirror). Rather than re-reading them on every view, a lookup is kept
with the revisions it was computed under (``backend/lookup_cache.py``): the team's, and the
person's it asked about. Both come with the sign-in row every request reads anyway.

- A person's own rows (``PERSON_TABLES``: their contact, campaign memberships, links and
  pushes; and a kept itris answer removed) renew that person's revision, in
  ``person_revisions`` under ``s:<LinkedIn slug>`` and ``e:<email>`` (a contact's old slug
  and email too, when they change): a lookup asks by those, so a push for one person leaves
  every other person's kept view standing. A person with neither is the team's.
- With the shared PostgreSQL company index, a mirrored company renews the buckets of its
  words (``backend/companies/revisions.py``), beside the people's, under ``c:<n>``: a
  company itris announces leaves kept every view whose company search it cannot change.
  A change of the team's company-count level, or a write of more than
  ``MAX_BUCKETS_PER_COMMIT`` buckets (a full sync's page), renews the team instead.
- Every other row a lookup shows (settings, users, campaigns, the connection, aliases, and
  the company mirror with the in-process index) renews the team's revision
  (``teams.revision``).

The session renews them itself, so no write path can forget to:

- every flush notes the teams, or people, of the rows it inserts, changes or deletes;
- a bulk UPDATE/DELETE/INSERT must name what it touches with
  ``.execution_options(teams_revised=team_id | [ids] | ())`` (``()``: nothing any lookup
  shows) or ``.execution_options(contacts_revised=[contact ids])``, or it is refused: the
  statement alone does not say whose rows it changed;
- just before the commit, one ``UPDATE teams SET revision = <fresh random number>`` for the
  noted teams, in id order, and one upsert of the noted people's revisions (but those of a
  team renewed: its new revision stales them all), in key order, join the same
  transaction: the rows and the revisions become visible together, and the rows are locked
  only for the commit itself.

A revision is a random 62-bit number, not a counter, so it never comes back: not after a
database is restored from a backup, nor in another database whose team has the same id
(kept lookups may be shared through Redis). A person never renewed has revision 0.

Rows no lookup shows (sign-in tokens and attempts, activities and their notes, claims on
companies being created) renew nothing; of the kept itris answers
(``backend/person_state.py``), only removals do (see ``REMOVALS_ONLY``), so a first view of
one person leaves every other view kept.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from sqlalchemy import String, bindparam, cast, event, func, inspect, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from backend.db import db, pg_array
from backend.itris.matching import linkedin_slug, normalise_email
from backend.lru import app_lru
from backend.models import (
    Base,
    CampaignMember,
    Contact,
    ItrisLink,
    PersonRevision,
    Team,
    User,
    UserSettings,
)

OPTION = "teams_revised"
PEOPLE_OPTION = "contacts_revised"  # a bulk statement about some people: their contact ids

# Tables whose rows no profile lookup shows. (A lookup reads the mirror's position from
# company_sync_states only to know whether the companies changed, which renews by itself.)
UNSHOWN = frozenset(
    {
        "api_tokens",
        "login_attempts",
        "activities",
        "activity_notes",
        "company_sync_states",
        "company_claims",
    }
)

# Tables whose new and changed rows change no kept lookup, only their removal does: a kept
# itris answer is written only where none was kept or the one kept has expired (and every
# view that showed it with it), or to add another record type's matches, which views of
# this one do not show.
REMOVALS_ONLY = frozenset({"itris_person_states"})

# Tables whose rows only their own person's lookups show: they renew that person's revision
# (``s:<slug>`` and ``e:<email>``), not the team's, so a push for one person leaves every
# other person's kept views standing. A person without either is the team's.
PERSON_TABLES = frozenset({"contacts", "campaign_members", "itris_links", "pushes"})

# Rows without a team_id of their own: the parent row that has one, through which column.
PARENTS = {
    UserSettings: (User, "user_id"),
    CampaignMember: (Contact, "contact_id"),
    ItrisLink: (Contact, "contact_id"),
}

_NOTED = "revised_teams"
_PEOPLE = "revised_people"  # {(team_id, who)}
_COUNTS = "company_count_changes"  # {team_id: companies added - removed}
_WORDS = "company_word_changes"  # {team_id: {word: companies with it added - removed}}


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
    kept = app_lru(_MEMO, MEMO_SIZE)
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


def person_keys(slug: str | None, email: str | None) -> tuple[str | None, str | None]:
    """Who a lookup asks about, as ``person_revisions`` names them (None: not given)."""
    email = normalise_email(email)
    return (f"s:{slug}" if slug else None, f"e:{email}" if email else None)


def keys_of_profile(profile_url: str | None, email: str | None) -> tuple[str | None, str | None]:
    """:func:`person_keys` for a lookup's body."""
    return person_keys(linkedin_slug(profile_url), email)


def note_person(session: Session, team_id: int, slug: str | None, email: str | None) -> None:
    """Say that this transaction changed what this person's lookups show (their team's, if
    neither slug nor email names them)."""
    keys = [key for key in person_keys(slug, email) if key]
    if not keys:
        note(session, team_id)
        return
    session.info.setdefault(_PEOPLE, set()).update((int(team_id), key) for key in keys)


def _note_flush(session: Session, _context) -> None:
    changed = list(session.deleted)
    changed += [obj for obj in session.new if _table(obj) not in REMOVALS_ONLY]
    changed += [
        obj
        for obj in session.dirty
        if _table(obj) not in REMOVALS_ONLY and session.is_modified(obj, include_collections=False)
    ]
    teams = set()
    people = []
    companies = []
    for obj in changed:
        if _table(obj) in PERSON_TABLES:
            people.append(obj)
        elif _table(obj) == "companies" and _company_buckets():
            companies.append(obj)
        elif _table(obj) in REMOVALS_ONLY:  # a kept itris answer, about one person
            note_person(session, obj.team_id, obj.linkedin_slug, obj.email)
        else:
            teams.add(_team_of(session, obj))
    teams.discard(None)
    if teams:
        note(session, teams)
    if people:
        _note_people(session, people)
    if companies:
        _note_companies(session, companies)


def _company_buckets() -> bool:
    """True when mirrored companies renew word buckets (the shared PostgreSQL index)."""
    from backend.companies import lookup

    return lookup.uses_postgres()


def _note_companies(session: Session, rows: list) -> None:
    """Note the buckets of each company as it was and as it is (its id's alone when its name
    stays: only its facts changed), and the teams' counts."""
    from backend.companies.revisions import company_keys, id_key

    noted = session.info.setdefault(_PEOPLE, set())
    counts = session.info.setdefault(_COUNTS, {})
    words = session.info.setdefault(_WORDS, {})
    for obj in rows:
        history = inspect(obj).attrs["name"].history
        if obj in session.new or obj in session.deleted or history.has_changes():
            for name in {obj.name, *filter(None, history.deleted or ())}:
                noted.update((obj.team_id, key) for key in company_keys(name, obj.itris_id))
        else:
            noted.add((obj.team_id, id_key(obj.itris_id)))
        _count_words(obj, session, words.setdefault(obj.team_id, {}))
        if obj in session.new or obj in session.deleted:
            change = 1 if obj in session.new else -1
            counts[obj.team_id] = counts.get(obj.team_id, 0) + change


def _count_words(obj, session: Session, changes: dict[str, int]) -> None:
    """Count the words of a company's indexed name (``name_norm``, as the word index's
    triggers do) as removed as it was and added as it is."""
    from backend.companies.revisions import indexed_words

    history = inspect(obj).attrs["name_norm"].history
    if obj in session.new:
        old = None
    elif history.deleted:
        old = history.deleted[0]
    elif history.added:  # set without its old value loaded: which words left is unknown
        note(session, obj.team_id)
        return
    else:
        old = obj.name_norm
    new = None if obj in session.deleted else obj.name_norm
    if old == new:
        return
    for word in indexed_words(old):
        changes[word] = changes.get(word, 0) - 1
    for word in indexed_words(new):
        changes[word] = changes.get(word, 0) + 1


def _note_people(session: Session, rows: list) -> None:
    """Note the person of each row: a contact (as it was and as it is), or its contact's."""
    contact_ids = set()
    for obj in rows:
        if isinstance(obj, Contact):
            state = inspect(obj)
            for name in ("email", "linkedin_slug"):
                history = state.attrs[name].history
                for old in filter(None, history.deleted or ()):
                    email, slug = (old, None) if name == "email" else (None, old)
                    note_person(session, obj.team_id, slug, email)
            note_person(session, obj.team_id, obj.linkedin_slug, obj.email)
        else:
            contact_ids.add(obj.contact_id)
    _note_contacts(session, contact_ids)


def _note_contacts(session: Session, contact_ids) -> None:
    """Note the people of these contacts (ids), as they are now."""
    held = {}
    for contact_id in set(contact_ids):
        contact = session.identity_map.get(session.identity_key(Contact, contact_id))
        if contact is not None and not _KEYS & inspect(contact).unloaded:
            held[contact_id] = (contact.team_id, contact.linkedin_slug, contact.email)
    missing = set(contact_ids) - held.keys()
    if missing:
        # Inside the flush: read on its connection, not through the session's autoflush.
        for contact_id, *person in session.connection().execute(_CONTACT_KEYS, {"ids": missing}):
            held[contact_id] = tuple(person)
    for team_id, slug, email in held.values():  # a contact deleted meanwhile has no views
        note_person(session, team_id, slug, email)


_KEYS = frozenset({"team_id", "linkedin_slug", "email"})
_CONTACT_KEYS = select(Contact.id, Contact.team_id, Contact.linkedin_slug, Contact.email).where(
    Contact.id.in_(bindparam("ids", expanding=True))
)


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
    if PEOPLE_OPTION in state.execution_options:
        _note_contacts(state.session, state.execution_options[PEOPLE_OPTION])
        return
    if OPTION not in state.execution_options:
        raise RuntimeError(
            f"a bulk statement on {table.name} must say which teams' lookups it changes: "
            f".execution_options({OPTION}=team_id, or () for none, or {PEOPLE_OPTION}="
            "contact ids)"
        )
    note(state.session, state.execution_options[OPTION])


def _renew(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer commit renews, so the team row is locked only then
    # The commit flushes after this hook: flush first, so every row is noted.
    session.flush()
    teams = session.info.pop(_NOTED, None)
    people = session.info.pop(_PEOPLE, None)
    counts = session.info.pop(_COUNTS, None)
    words = session.info.pop(_WORDS, None)
    if counts or people:
        teams = (teams or set()) | _companies_renewing_teams(session, people or (), counts or {})
    if words:
        people = (people or set()) | _crossed_levels(session, words, teams or set())
    fresh = secrets.randbits(62) or 1
    if people:
        people = sorted(person for person in people if person[0] not in (teams or ()))
    if people:
        _renew_people(session, people, fresh)
    if teams:
        session.execute(
            update(Team)
            .where(Team.id.in_(sorted(teams)))
            .values(revision=fresh)
            .execution_options(**{OPTION: (), "synchronize_session": False})
        )


def _companies_renewing_teams(session: Session, noted, counts: dict[int, int]) -> set[int]:
    """Teams whose company writes renew them whole: too many buckets for one commit, or a
    new company-count level (every search weighs its words by it)."""
    from backend.companies.index import PostgresCompanyIndex
    from backend.companies.models import Company
    from backend.companies.revisions import MAX_BUCKETS_PER_COMMIT, count_level

    buckets: dict[int, int] = {}
    for team_id, who in noted:
        if who.startswith("c:"):
            buckets[team_id] = buckets.get(team_id, 0) + 1
    teams = {team for team, total in buckets.items() if total > MAX_BUCKETS_PER_COMMIT}
    for team_id, change in counts.items():
        if change and team_id not in teams:
            # Mirror writers take the team's sync-state row lock (companies/mirror.py), so
            # this count includes every earlier writer's, and this one's.
            index = PostgresCompanyIndex(session.get_bind(), Company.__table__, team_id)
            now = index.count(session.connection())
            if count_level(now) != count_level(now - change):
                teams.add(team_id)
    return teams


def _crossed_levels(session: Session, words: dict[int, dict[str, int]], teams: set[int]):
    """The buckets of the words whose company count crossed a level in this transaction
    (``revisions.crossing_keys``), for teams not renewed whole. Mirror writers take the
    team's sync-state row lock, so each count read here includes every earlier writer's."""
    from backend.companies.index import PostgresCompanyIndex
    from backend.companies.models import Company
    from backend.companies.revisions import crossing_keys, word_level

    crossed = set()
    for team_id, changes in words.items():
        changed = {word: change for word, change in changes.items() if change}
        if team_id in teams or not changed:
            continue
        index = PostgresCompanyIndex(session.get_bind(), Company.__table__, team_id)
        counts = dict(
            session.connection()
            .exec_driver_sql(
                f"SELECT word, df FROM {index.qualified('company_vocab')}"  # noqa: S608
                " WHERE team_id = %(team)s AND word = ANY (%(words)s)",
                {"team": team_id, "words": sorted(changed)},
            )
            .all()
        )
        for word, change in changed.items():
            now = counts.get(word, 0)
            if word_level(now) != word_level(now - change):
                crossed.update((team_id, key) for key in crossing_keys(word))
    return crossed


def _renew_people(session: Session, people: list[tuple[int, str]], fresh: int) -> None:
    """Give these people a fresh revision, in key order (rows are locked until the commit)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(PersonRevision).values(
        [{"team_id": team_id, "who": who, "revision": fresh} for team_id, who in people]
    )
    statement = statement.on_conflict_do_update(
        index_elements=[PersonRevision.team_id, PersonRevision.who],
        set_={"revision": statement.excluded.revision},
    )
    session.execute(statement.execution_options(**{OPTION: ()}))


_PERSON_REVISIONS = select(PersonRevision.who, PersonRevision.revision).where(
    PersonRevision.team_id == bindparam("team_id"),
    PersonRevision.who.in_(bindparam("keys", expanding=True)),
)


def of_people(bind, team_id: int, keys: tuple[str | None, ...]) -> list[int]:
    """The revisions of ``keys`` (0 for a person never changed, or not named), in order."""
    named = [key for key in keys if key]
    if not named:
        return [0] * len(keys)
    found = dict(bind.execute(_PERSON_REVISIONS, {"team_id": team_id, "keys": named}).all())
    return [found.get(key, 0) if key else 0 for key in keys]


# Bucket revisions are summed below 2**30 each: a sum that fits any integer column, and a
# renewal leaves it unchanged once in a billion.
BUCKET_SPAN = 1 << 30


def buckets_revision(team_id, keys):
    """A scalar subquery: the summed revisions of these ``c:<n>`` buckets of the team's
    (``backend/companies/revisions.py``), 0 for none renewed. ``keys``: a bind of a
    PostgreSQL array (only the shared PostgreSQL index has buckets).

    One primary-key probe per key, which PostgreSQL plans the same whatever it knows of
    the table: as ``who = ANY (keys)``, with no statistics yet (autovacuum off, or behind
    a fast-growing table) it filtered every row of the team's instead."""
    named = func.unnest(keys).table_valued("key").render_derived()
    probe = (
        select(PersonRevision.revision % BUCKET_SPAN)
        .where(PersonRevision.team_id == team_id, PersonRevision.who == named.c.key)
        .correlate_except(PersonRevision)
        .scalar_subquery()
    )
    return select(func.coalesce(func.sum(probe), 0)).select_from(named).scalar_subquery()


def keys_bind(name: str):
    """A bind of bucket keys for :func:`buckets_revision`: given as one array literal
    (``db.pg_array``), cast to an array in SQL."""
    return cast(bindparam(name, type_=String), ARRAY(String))


_BUCKETS = select(buckets_revision(bindparam("team_id"), keys_bind("keys")))


def of_buckets(bind, team_id: int, keys: tuple[str, ...]) -> int:
    """The summed revision of these company buckets (:func:`buckets_revision`)."""
    if not keys:
        return 0
    named = sorted(set(keys))  # each once, as every sum of them is taken
    return int(bind.execute(_BUCKETS, {"team_id": team_id, "keys": pg_array(named)}).scalar() or 0)


class BucketWatch:
    """The company buckets a lookup being computed rests on, and their summed revision, each
    read before the rows it guards (``backend/companies/revisions.py``).

    ``known``: buckets whose summed revision was read with the sign-in, as (keys, sum).
    """

    def __init__(self, team: Team, known: tuple[tuple[str, ...], int] | None = None):
        self.team = team
        self.keys: set[str] = set()
        self.total = 0
        self._known = known

    def over(self, keys: tuple[str, ...]) -> tuple[int, int]:
        """Rest on ``keys`` too; return what a search resting on them alone may be kept by
        this process under: the team's revision (which a new company-count level renews)
        and the keys' summed revision."""
        keys = tuple(sorted(set(keys)))
        position = self.peek(keys)
        fresh = [key for key in keys if key not in self.keys]
        if len(fresh) == len(keys):
            self.total += position[1]
        elif fresh:
            self.total += of_buckets(db.session, self.team.id, tuple(fresh))
        self.keys.update(fresh)
        return position

    def peek(self, keys: tuple[str, ...]) -> tuple[int, int]:
        """What a search resting on ``keys`` alone may be kept by this process under, as
        :meth:`over` returns, without resting on them (yet)."""
        keys = tuple(sorted(set(keys)))
        if self._known is not None and self._known[0] == keys:
            return self.team.revision, self._known[1]
        return self.team.revision, of_buckets(db.session, self.team.id, keys)

    def rest_on(self, keys: tuple[str, ...], total: int) -> None:
        """Rest on ``keys`` too, whose summed revision, read before or with the rows they
        guard, is ``total``: the first buckets a lookup rests on (none already)."""
        keys = set(keys)
        if keys & self.keys:
            raise RuntimeError("rest_on: a bucket already rested on would be counted twice")
        self.keys.update(keys)
        self.total += total

    def rest(self, read: dict[str, int]) -> None:
        """Rest on these buckets too, whose revisions were read with the rows they guard."""
        for key, value in read.items():
            if key not in self.keys:
                self.keys.add(key)
                self.total += value

    def basis(self) -> tuple[tuple[str, ...], int] | None:
        """(the buckets, their summed revision), for :func:`of_buckets` to check; None if
        the lookup rests on none."""
        return (tuple(sorted(self.keys)), self.total) if self.keys else None


def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_NOTED, None)
        session.info.pop(_PEOPLE, None)
        session.info.pop(_COUNTS, None)


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
