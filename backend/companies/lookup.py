"""The company index for the current app: shared in PostgreSQL, or held in this process.

With PostgreSQL the mirror's tables are the index (a word index kept by triggers), so every
API process and worker shares it. Otherwise each process keeps a :class:`MemoryCompanyIndex`
per team, built from the mirror on first use and brought up to date before each search by
reading the rows written since (every mirror write bumps the team's revision), so a company
mirrored by another process is found too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import current_app
from sqlalchemy import bindparam, select

from backend.companies.index import (
    CompanyIndex,
    IndexedCompany,
    MemoryCompanyIndex,
    PostgresCompanyIndex,
)
from backend.companies.models import Company, CompanySyncState
from backend.companies.normalise import NormalisedName
from backend.db import db
from backend.lru import LRU, app_lru

_EXTENSION = "company_indexes"
_CACHE = "company_search_cache"
# Searches kept per process (a few candidates each: a few MB at most).
SEARCH_CACHE_SIZE = 20_000
T = TypeVar("T")


def index_for(team_id: int) -> CompanyIndex:
    """Return the team's company index, up to date with its mirror."""
    if uses_postgres():
        return PostgresCompanyIndex(db.engine, Company.__table__, team_id, reader=db.autocommit)
    return _registry().fresh(team_id)


def cached(
    team_id: int, key: Hashable, compute: Callable[[], T], position: tuple[int, int] | None = None
) -> T:
    """``compute()``, kept by this process for as long as the team's mirror stands still.

    Every mirror write bumps the team's revision (a removal also changes its row count), so
    an answer kept under (revision, count) is the answer a search would give now; a
    recruiter viewing colleagues at one company, or a profile again, costs one small read
    (none when the caller knows the ``position``: :func:`mirror_position`).
    """
    if position is None:
        position = mirror_position(team_id)
    value = recall(team_id, key, position)
    if value is None:
        value = compute()
        keep(team_id, key, position, value)
    return value


def recall(team_id: int, key: Hashable, position: tuple[int, int]):
    """What :func:`keep` kept under ``key`` at this ``position``, or None."""
    return _kept().get((team_id, *position, key))


def keep(team_id: int, key: Hashable, position: tuple[int, int], value) -> None:
    """Keep ``value`` (not None) under ``key`` for as long as the ``position`` holds."""
    _kept().put((team_id, *position, key), value)


def _kept() -> LRU:
    return app_lru(_CACHE, SEARCH_CACHE_SIZE)


def uses_postgres() -> bool:
    """True when the shared PostgreSQL index serves searches (PostgreSQL, unless configured off)."""
    choice = current_app.config.get("COMPANY_INDEX", "auto")
    return choice == "postgres" or (choice == "auto" and db.engine.dialect.name == "postgresql")


def refresh(team_id: int) -> None:
    """Bring this process's index of the team up to date now (after a mirror write)."""
    if not uses_postgres():
        _registry().fresh(team_id)


class _Registry:
    """This process's in-memory indexes by team, each with the mirror revision it reflects."""

    def __init__(self):
        self._lock = threading.Lock()
        self._indexes: dict[int, tuple[MemoryCompanyIndex, int]] = {}

    def fresh(self, team_id: int) -> MemoryCompanyIndex:
        revision, total = mirror_position(team_id)
        with self._lock:
            entry = self._indexes.get(team_id)
            if entry is None:
                index = MemoryCompanyIndex(_rows(team_id))
            else:
                index, held = entry
                if revision > held:
                    index.add(_rows(team_id, after=held))
                if len(index) != total:  # rows were removed: a delta cannot show that
                    index = MemoryCompanyIndex(_rows(team_id))
            self._indexes[team_id] = (index, revision)
            return index


def _registry() -> _Registry:
    return current_app.extensions.setdefault(_EXTENSION, _Registry())


_POSITION = select(CompanySyncState.revision, CompanySyncState.total).where(
    CompanySyncState.team_id == bindparam("team_id")
)


def mirror_position(team_id: int) -> tuple[int, int]:
    """The team's mirror revision and row count, as the mirror keeps them (one small read)."""
    row = db.session.execute(_POSITION, {"team_id": team_id}).first()
    return (row.revision or 0, row.total or 0) if row else (0, 0)


def _rows(team_id: int, after: int | None = None) -> list[IndexedCompany]:
    statement = select(
        Company.itris_id, Company.name, Company.name_norm, Company.name_core, Company.name_key
    ).where(Company.team_id == team_id)
    if after is not None:
        statement = statement.where(Company.revision > after)
    return [
        IndexedCompany(
            itris_id,
            name,
            NormalisedName(tokens=tuple(norm.split()), core=tuple(core.split()), key=key),
        )
        for itris_id, name, norm, core, key in db.session.execute(statement)
    ]
