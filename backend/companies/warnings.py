"""The company part of a profile lookup: the matched company's facts and the warnings.

Settings arrive as plain arguments (the caller resolves them for the user):

- ``company_warning``: ``duplicates_and_similar`` | ``duplicates_only`` | ``off``;
- ``company_warning_detail``: the attribute shown beside each candidate (``location``,
  ``website``, ``contact_count``, ``owner``, ``id``);
- ``displayed_company_info``: the facts shown for the matched company (a subset of
  ``status``, ``owner``, ``contact_count``, ``location``, ``website``, ``last_updated``).

The matched company is the team's remembered pick for this name (an alias) or else the only
company with the same normalised key. It is shown as ``info`` and left out of the warnings;
with several companies of the same key none is matched and all are warned about.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select

from backend.companies import aliases, lookup, revisions
from backend.companies.index import DUPLICATE, Candidate, PostgresCompanyIndex
from backend.companies.models import Company
from backend.db import db
from backend.models import PersonRevision
from backend.revision import BUCKET_SPAN

if TYPE_CHECKING:
    from backend.revision import BucketWatch

WARNING_MODES = ("duplicates_and_similar", "duplicates_only", "off")
DETAIL_FIELDS = ("location", "website", "contact_count", "owner", "id")
INFO_FIELDS = ("status", "owner", "contact_count", "location", "website", "last_updated")
DEFAULT_SETTINGS = {
    "company_warning": "duplicates_and_similar",
    "company_warning_detail": "location",
    "displayed_company_info": list(INFO_FIELDS),
}
MAX_WARNINGS = 5


def company_warnings(
    team_id: int,
    name: str | None,
    *,
    company_warning: str = "duplicates_and_similar",
    company_warning_detail: str = "location",
    displayed_company_info: list[str] | tuple[str, ...] = INFO_FIELDS,
    limit: int = MAX_WARNINGS,
    memo: Callable[[Hashable, Callable], Any] | None = None,
    watch: BucketWatch | None = None,
) -> dict[str, Any]:
    """Return ``{info, warnings}`` for a profile's company name under the given settings.

    ``memo(key, compute)``, when given, may answer the team-wide reads (the mirror's
    position, the team's picks) from what it kept (``revision.memo``).
    ``watch``, with the shared index, is told the company buckets the answer rests on
    (``backend/companies/revisions.py``); a search is kept by this process under their
    revision, not the whole mirror's.
    """
    _check(company_warning, company_warning_detail, displayed_company_info)
    if not name or not name.strip():
        return {"info": None, "warnings": []}
    if watch is not None:
        candidates, rows = _watched_search(team_id, name, limit, watch)
    else:
        position = (memo or _read)("mirror position", lambda: lookup.mirror_position(team_id))
        candidates, rows, *_ = lookup.cached(
            team_id, ("warnings", name, limit), lambda: _search(team_id, name, limit), position
        )
    alias_id = _alias(team_id, name, memo)
    if alias_id is not None and watch is not None:
        watch.over((revisions.id_key(alias_id),))  # before its facts are read
    duplicates = [c for c in candidates if c.reason == DUPLICATE]
    if alias_id is not None:
        matched_id, matched_by = alias_id, "alias"
    elif len(duplicates) == 1:
        matched_id, matched_by = duplicates[0].itris_id, "exact"
    else:
        matched_id, matched_by = None, None

    if matched_id is not None and matched_id not in rows:  # a remembered pick, not found
        rows = {**rows, **_rows(team_id, {matched_id})}
    info = None
    if matched_id is not None:
        info = _info(matched_id, rows.get(matched_id), matched_by, displayed_company_info)
    shown = [c for c in candidates if c.itris_id != matched_id and _shown(c, company_warning)]
    return {
        "info": info,
        "warnings": [
            _warning(c, rows.get(c.itris_id), company_warning_detail) for c in shown[:limit]
        ],
    }


def _read(_key: Hashable, compute: Callable) -> Any:
    return compute()


def _watched_search(team_id: int, name: str, limit: int, watch: BucketWatch):
    """The shared index's search, kept by this process while the buckets it rests on stand
    still: those of its words, as the search found them to matter (read by its own
    statement, ``revisions.rested_keys``), and the id buckets of the companies whose facts
    it returns (read with them: a change to a company's facts renews those alone)."""
    keys = revisions.search_basis(name)
    position = watch.peek(keys)
    found = lookup.recall(team_id, ("warnings", name, limit, keys), position)
    if found is not None:
        watch.rest_on(keys, position[1])
        return found[0], found[1]
    candidates, facts, read, basis = _search(team_id, name, limit)
    rested, total = basis or (keys, position[1])
    watch.rest_on(rested, total)
    read = {key: value for key, value in read.items() if key not in rested}
    watch.rest(read)
    keys = revisions.union(rested, read)
    # Kept under all it rests on, which the next view of the name reads beforehand.
    position = (position[0], total + sum(read.values()))
    lookup.keep(team_id, ("warnings", name, limit, keys), position, (candidates, facts))
    revisions.remember_basis(name, keys)
    return candidates, facts


def _alias(team_id: int, name: str, memo: Callable[[Hashable, Callable], Any] | None) -> int | None:
    """The team's pick for the name. With a ``memo``: from all the team's picks, read once
    per team revision (a pick renews it), or, for a team with very many, from its own read."""
    if memo is None:
        return aliases.lookup(team_id, name)
    picks = memo("company picks", lambda: aliases.every_pick(team_id))
    if picks is not None:
        return aliases.pick_in(picks, name)
    return memo(("alias", name), lambda: aliases.lookup(team_id, name))


def _check(mode: str, detail: str, displayed) -> None:
    if mode not in WARNING_MODES:
        raise ValueError(f"company_warning must be one of {', '.join(WARNING_MODES)}")
    if detail not in DETAIL_FIELDS:
        raise ValueError(f"company_warning_detail must be one of {', '.join(DETAIL_FIELDS)}")
    unknown = set(displayed) - set(INFO_FIELDS)
    if unknown:
        raise ValueError(f"displayed_company_info has unknown facts: {', '.join(sorted(unknown))}")


def _shown(candidate: Candidate, mode: str) -> bool:
    if mode == "off":
        return False
    return mode == "duplicates_and_similar" or candidate.reason == DUPLICATE


def _search(team_id: int, name: str, limit: int):
    """The index's candidates for a name and the mirror's facts about each; with the shared
    index, also read by the search's own statement: the revision of each one's id bucket
    (``revisions.id_revision_sql``), by key, and the word buckets the search rests on with
    their summed revision (``revisions.rested``; None when it found no company: it then
    rests on those read before it)."""
    index = lookup.index_for(team_id)
    if isinstance(index, PostgresCompanyIndex):
        tail = search_tail(index.qualified(PersonRevision.__tablename__))
        found, rows, returned = index.search_with(
            name, limit + 1, _FACT_COLUMNS, tail, revisions.basis_params(name)
        )
        at = 4 + len(_FACT_COLUMNS)  # the tail: after rank's four columns and the facts
        basis = None
        if returned:  # the seed groups on every row, the buckets' revisions on one
            read = next(row[at + 2] for row in returned if row[at + 2] is not None)
            basis = revisions.rested(name, returned[0][at + 1], read)
        return (
            tuple(found),
            {itris_id: _facts(row) for itris_id, row in rows.items()},
            {
                revisions.id_key(itris_id): (row[at] or 0) % BUCKET_SPAN
                for itris_id, row in rows.items()
            },
            basis,
        )
    candidates = tuple(index.search(name, limit=limit + 1))
    return candidates, _rows(team_id, {c.itris_id for c in candidates}), {}, None


def search_tail(revisions_table: str) -> tuple[str, ...]:
    """What a shared index's search returns of each company after its facts, read in
    ``revisions_table``: its id bucket's revision; then, the same on every row, the
    search's seed groups and the revisions of the word buckets it may rest on."""
    return (revisions.id_revision_sql(revisions_table), *revisions.rested_sql(revisions_table))


def _rows(team_id: int, itris_ids: set[int]) -> dict[int, dict[str, Any]]:
    """Each company's facts (and name) by itris id, as plain values that may be kept."""
    if not itris_ids:
        return {}
    rows = db.session.execute(_FACTS, {"team_id": team_id, "ids": sorted(itris_ids)})
    return {row.itris_id: _facts(row) for row in rows}


# The columns the facts come from, besides the name. Read as plain rows (not mapped
# objects), in a statement built once: every profile lookup reads it.
_FACT_COLUMNS = (
    "status",
    "status_id",
    "owner_user_id",
    "contact_count",
    "location",
    "website",
    "itris_updated_at",
)
_FACTS = select(
    Company.itris_id, Company.name, *(Company.__table__.c[c] for c in _FACT_COLUMNS)
).where(
    Company.team_id == bindparam("team_id"),
    Company.itris_id.in_(bindparam("ids", expanding=True)),
)


def _facts(row) -> dict[str, Any]:
    return {
        "name": row.name,
        "status": row.status if row.status is not None else row.status_id,
        "owner": row.owner_user_id,
        "contact_count": row.contact_count,
        "location": row.location,
        "website": row.website,
        "last_updated": row.itris_updated_at.isoformat() if row.itris_updated_at else None,
        "id": row.itris_id,
    }


def _info(itris_id: int, facts: dict | None, matched_by: str, displayed) -> dict[str, Any]:
    info: dict[str, Any] = {"itris_id": itris_id, "matched_by": matched_by}
    if facts is None:  # an alias to a company the mirror has not seen (yet)
        info["name"] = None
        return info
    info["name"] = facts["name"]
    info.update({fact: facts[fact] for fact in INFO_FIELDS if fact in displayed})
    return info


def _warning(candidate: Candidate, facts: dict | None, detail: str) -> dict[str, Any]:
    value = facts[detail] if facts is not None else None
    if detail == "id":
        value = candidate.itris_id
    return {
        "itris_id": candidate.itris_id,
        "name": candidate.name,
        "reason": candidate.reason,
        "score": round(candidate.score, 1),
        "detail": None if value is None else str(value),
    }
