"""Find a person in itris before creating one: email, then LinkedIn slug, then name + company.

Email and LinkedIn are certain matches. A name with the same company is only *possible*:
it is returned for a person to review and never linked automatically.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from backend.itris import contract as c
from backend.itris.client import ItrisClient, Record

_SLUG_PATH = re.compile(r"^/(?:in|pub)/([^/?#]+)", re.IGNORECASE)


def linkedin_slug(url: str | None) -> str | None:
    """The profile slug of a LinkedIn URL (scheme, www./country host, query, fragment ignored)."""
    if not url:
        return None
    value = url.strip()
    if "://" not in value:
        value = "https://" + value.lstrip("/")
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # e.g. an unbalanced "[" read as an IPv6 address
        return None
    host = (host or "").lower()
    if not (host == "linkedin.com" or host.endswith(".linkedin.com")):
        return None
    found = _SLUG_PATH.match(parts.path)
    if not found:
        return None
    slug = unquote(found.group(1)).strip().lower()
    return slug or None


def canonical_linkedin_url(slug: str) -> str:
    return f"https://www.linkedin.com/in/{slug}/"


def normalise_email(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    return email or None


def fold(text: str | None) -> str:
    """Lower-case, accents removed, spaces squeezed: for comparing names."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.lower().split())


@dataclass
class MatchResult:
    """What matching found: a certain record, or possible ones for a person to review."""

    record: Record | None = None
    matched_by: str | None = None  # email | linkedin
    possible: list[Record] = field(default_factory=list)


def find_certain(
    client: ItrisClient, record_type: str, *, email: str | None, slug: str | None
) -> MatchResult:
    """Match by email, then by LinkedIn slug; the lowest id wins if itris holds duplicates."""
    email = normalise_email(email)
    if email:
        found = [r for r in client.find_by_email(record_type, email) if _same_email(r, email)]
        if found:
            return MatchResult(min(found, key=_id), "email")
    if slug:
        found = find_by_linkedin(client, record_type, slug)
        if found:
            return MatchResult(min(found, key=_id), "linkedin")
    return MatchResult()


def find_by_linkedin(client: ItrisClient, record_type: str, slug: str) -> list[Record]:
    """The records whose web address is the LinkedIn profile ``slug`` (itris's filter is
    looser: a substring)."""
    return [
        r
        for r in client.search(record_type, **{c.FILTER_WEB: slug})
        if linkedin_slug(r.get(c.WEB_ADDRESS)) == slug
    ]


def find_possible(
    client: ItrisClient,
    record_type: str,
    *,
    first_name: str | None,
    last_name: str | None,
    same_company,
) -> list[Record]:
    """Records with the same first and last name whose company ``same_company`` accepts."""
    if not (first_name and last_name):
        return []
    wanted = (fold(first_name), fold(last_name))
    candidates = client.search(record_type, **{c.FILTER_NAME: f"{first_name} {last_name}"})
    return [
        record
        for record in candidates
        if (fold(record.get(c.FIRST_NAME)), fold(record.get(c.LAST_NAME))) == wanted
        and same_company(record)
    ]


def _same_email(record: Record, email: str) -> bool:
    return normalise_email(record.get(c.EMAIL_ADDRESS)) == email


def _id(record: Record) -> int:
    return int(record[c.ID])
