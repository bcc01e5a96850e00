"""Team alias memory: a recruiter's company pick for a profile company name wins next time."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from sqlalchemy import bindparam, select

from backend.companies.models import CompanyAlias
from backend.companies.normalise import normalise
from backend.db import db


def _key(name: str) -> str:
    key = normalise(name or "").key
    if not key:
        raise ValueError("a company name is required")
    return key


def remember(
    team_id: int, name: str, itris_company_id: int, *, user_id: int | None = None
) -> CompanyAlias:
    """Store that ``name`` means itris company ``itris_company_id`` for the whole team."""
    key = _key(name)
    alias = db.session.scalar(
        select(CompanyAlias).where(CompanyAlias.team_id == team_id, CompanyAlias.name_key == key)
    )
    if alias is None:
        alias = CompanyAlias(team_id=team_id, name_key=key)
        db.session.add(alias)
    alias.name = name.strip()
    alias.itris_company_id = int(itris_company_id)
    alias.chosen_by_user_id = user_id
    db.session.commit()
    return alias


# Built once, as every profile lookup reads it.
_PICK = select(CompanyAlias.itris_company_id).where(
    CompanyAlias.team_id == bindparam("team_id"), CompanyAlias.name_key == bindparam("key")
)


def lookup(team_id: int, name: str) -> int | None:
    """Return the itris company the team picked for ``name`` (or a name normalising alike)."""
    key = normalise(name or "").key
    if not key:
        return None
    return db.session.scalar(_PICK, {"team_id": team_id, "key": key})


# Teams pick a company for a name now and then: up to this many picks are read at once.
MAX_HELD_PICKS = 10_000
_PICKS = select(CompanyAlias.name_key, CompanyAlias.itris_company_id).where(
    CompanyAlias.team_id == bindparam("team_id")
)


def every_pick(team_id: int) -> Mapping[str, int] | None:
    """Every pick of the team, by name key (read-only), or None when there are more than
    :data:`MAX_HELD_PICKS` (then :func:`lookup` reads one at a time)."""
    rows = db.session.execute(_PICKS.limit(MAX_HELD_PICKS + 1), {"team_id": team_id}).all()
    if len(rows) > MAX_HELD_PICKS:
        return None
    return MappingProxyType(dict(rows))


def pick_in(picks: Mapping[str, int], name: str) -> int | None:
    """:func:`lookup` in the picks :func:`every_pick` read."""
    key = normalise(name or "").key
    return picks.get(key) if key else None


def forget(team_id: int, name: str) -> bool:
    """Drop the team's pick for ``name``; True if there was one."""
    key = normalise(name or "").key
    alias = db.session.scalar(
        select(CompanyAlias).where(CompanyAlias.team_id == team_id, CompanyAlias.name_key == key)
    )
    if alias is None:
        return False
    db.session.delete(alias)
    db.session.commit()
    return True
