"""Settle a contact's itris company: a remembered pick, one exact match, a choice, or a new one."""

from __future__ import annotations

from rapidfuzz import fuzz

from backend.companies import aliases, lookup
from backend.companies.index import DUPLICATE
from backend.companies.normalise import key as company_key
from backend.companies.normalise import normalise
from backend.itris import contract as c
from backend.itris.client import ItrisClient
from backend.itris.pipeline import CompanyChoice
from backend.models import Contact

SIMILAR_SCORE = 85


class CompanyResolver:
    """Resolve company names for one team's pushes."""

    def __init__(self, team_id: int, contact: Contact):
        self.team_id = team_id
        self.contact = contact

    @staticmethod
    def key(name: str | None) -> str:
        return company_key(name) if name else ""

    def resolve(self, client: ItrisClient, name: str) -> CompanyChoice:
        """The team's remembered pick; else one same-key company; several or only similar
        ones → a choice; none → create it (after asking itris itself, so a mirror that is
        behind never causes a duplicate)."""
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
