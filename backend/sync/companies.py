"""Settle a contact's itris company: a remembered pick, one exact match, a choice, or a new one."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from rapidfuzz import fuzz
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from backend.companies import aliases, lookup
from backend.companies.index import DUPLICATE
from backend.companies.models import CompanyClaim
from backend.companies.normalise import key as company_key
from backend.companies.normalise import normalise
from backend.db import db, utcnow
from backend.itris import contract as c
from backend.itris.client import ItrisClient
from backend.itris.pipeline import CompanyChoice
from backend.models import Contact

SIMILAR_SCORE = 85
# A push waits this long, in place, for another push's claim on a company of the same key
# before it steps aside (its next attempt is queued): a claim lasts one itris search and
# one create, well under a second at itris's usual pace.
CLAIM_WAIT_S = 5.0
STEP_ASIDE_S = (1.0, 30.0)  # the least and most a push that stepped aside waits


class CompanyBusy(Exception):
    """Another push still holds the claim on this company's key after :data:`CLAIM_WAIT_S`:
    it is looking for the company in itris or creating it. Try again in ``retry_after``."""

    def __init__(self, name: str, retry_after: float):
        super().__init__(f"another push is creating the company {name!r} in itris")
        self.retry_after = retry_after


class CompanyResolver:
    """Resolve company names for one team's pushes.

    ``owner`` names the push run resolving (claims are held in its name, see
    :func:`claim_key`), for ``lease`` at most should it die."""

    def __init__(self, team_id: int, contact: Contact, owner: str, lease: timedelta):
        self.team_id = team_id
        self.contact = contact
        self.owner = owner
        self.lease = lease

    @staticmethod
    def key(name: str | None) -> str:
        return company_key(name) if name else ""

    def resolve(self, client: ItrisClient, name: str) -> CompanyChoice:
        """The team's remembered pick; else one same-key company; several or only similar
        ones → a choice; none → create it (after asking itris itself, so a mirror that is
        behind never causes a duplicate).

        Asking itris and creating are done under the team's claim on the name's key: a push
        of someone else at the same company, run at the same moment, waits for it and then
        finds the company made. The claim is freed once the company is settled; when this
        raises, the push's end frees it, or holds it while a create may still be landing.
        """
        remembered = aliases.lookup(self.team_id, name)
        if remembered is not None:
            return CompanyChoice(company_id=remembered)
        mirrored = self._mirror_candidates(name)
        if mirrored:
            exact = [c for c in mirrored if c["reason"] == "duplicate"]
            if len(exact) == 1:
                return CompanyChoice(company_id=exact[0]["itris_id"])
            return CompanyChoice(candidates=mirrored)
        wanted = normalise(name)
        claim_key(self.team_id, wanted.key, self.owner, self.lease, name)
        choice = self._ask_itris(client, name, wanted)
        release_claims(self.owner, key=(self.team_id, wanted.key))
        return choice

    def _ask_itris(self, client: ItrisClient, name: str, wanted) -> CompanyChoice:
        exact, similar = self._candidates(client, name)
        if len(exact) == 1:
            return CompanyChoice(company_id=int(exact[0][c.ID]))
        if exact or similar:
            return CompanyChoice(candidates=[_candidate(r, wanted) for r in exact + similar])
        record = client.create(
            c.RecordType.COMPANIES,
            self._new_company(name),
            find_existing=lambda: next(iter(self._candidates(client, name)[0]), None),
        )
        return CompanyChoice(company_id=int(record[c.ID]), created=True)

    def _mirror_candidates(self, name: str) -> list[dict]:
        """Candidates from the team's company mirror (empty when it holds none)."""
        found = lookup.index_for(self.team_id).search(name, limit=8)
        return [
            {
                "itris_id": candidate.itris_id,
                "name": candidate.name,
                "reason": candidate.reason,
                "score": round(candidate.score, 1),
            }
            for candidate in found
            if candidate.reason == DUPLICATE or candidate.score >= SIMILAR_SCORE
        ]

    def _candidates(self, client: ItrisClient, name: str) -> tuple[list[dict], list[dict]]:
        wanted = normalise(name)
        probe = max(wanted.core or wanted.tokens or (name,), key=len)
        found = client.search(c.RecordType.COMPANIES, **{c.FILTER_NAME: probe})
        exact = [r for r in found if company_key(r.get(c.NAME) or "") == wanted.key]
        similar = [
            r
            for r in found
            if r not in exact
            and fuzz.token_sort_ratio(normalise(r.get(c.NAME) or "").core_text, wanted.core_text)
            >= SIMILAR_SCORE
        ]
        return sorted(exact, key=lambda r: r[c.ID]), similar

    def _new_company(self, name: str) -> dict:
        data = {c.NAME: name.strip()}
        if self.contact.location:
            data[c.LOCATION] = self.contact.location
        return data


def _candidate(record: dict, wanted) -> dict:
    name = record.get(c.NAME) or ""
    same = company_key(name) == wanted.key
    return {
        "itris_id": record[c.ID],
        "name": name,
        "reason": "duplicate" if same else "similar",
        "score": 100.0
        if same
        else round(fuzz.token_sort_ratio(normalise(name).core_text, wanted.core_text), 1),
        "detail": record.get(c.LOCATION),
    }


# --- Claims -------------------------------------------------------------------------------
def claim_key(team_id: int, key: str, owner: str, lease: timedelta, name: str) -> None:
    """Take the team's claim on a company key for ``owner``, for ``lease`` at most.

    Held by another push, it is asked for again until :data:`CLAIM_WAIT_S` has passed, then
    :class:`CompanyBusy` says when that claim runs out (within :data:`STEP_ASIDE_S`).
    """
    deadline = time.monotonic() + CLAIM_WAIT_S
    pause = 0.02
    while True:
        held_until = _try_claim(team_id, key, owner, lease)
        if held_until is None:
            return
        left = (held_until - utcnow()).total_seconds()
        if time.monotonic() >= deadline:
            least, most = STEP_ASIDE_S
            raise CompanyBusy(name, min(most, max(least, left)))
        time.sleep(max(0.0, min(pause, left, deadline - time.monotonic())))
        pause = min(pause * 2, 0.25)


def _try_claim(team_id: int, key: str, owner: str, lease: timedelta) -> datetime | None:
    """None once ``owner`` holds the claim; else when the claim another holds runs out."""
    now = utcnow()
    mine = CompanyClaim.__table__.c
    taken = db.session.execute(
        update(CompanyClaim)
        .where(
            mine.team_id == team_id,
            mine.name_key == key,
            or_(mine.until < now, mine.owner == owner),  # run out (its push died), or ours
        )
        .values(owner=owner, until=now + lease)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        try:
            with db.session.begin_nested():
                db.session.add(
                    CompanyClaim(team_id=team_id, name_key=key, owner=owner, until=now + lease)
                )
        except IntegrityError:  # another push claimed it a moment ago
            held_until = db.session.scalar(
                select(mine.until).where(mine.team_id == team_id, mine.name_key == key)
            )
            db.session.commit()  # the next try reads afresh
            return held_until or now  # gone already: try again at once
    db.session.commit()
    return None


def release_claims(
    owner: str, hold: timedelta | None = None, key: tuple[int, str] | None = None
) -> None:
    """Free the claims ``owner`` holds (only ``key``'s, a ``(team_id, key)``, if given), or
    keep them ``hold`` longer while a create of ours may still be landing in itris."""
    mine = CompanyClaim.__table__.c
    which = [mine.owner == owner]
    if key is not None:
        which += [mine.team_id == key[0], mine.name_key == key[1]]
    if hold:
        statement = update(CompanyClaim).where(*which).values(until=utcnow() + hold)
    else:
        statement = delete(CompanyClaim).where(*which)
    db.session.execute(statement.execution_options(synchronize_session=False))
    db.session.commit()
