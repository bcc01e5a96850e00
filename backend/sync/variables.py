"""A person's values as the variables field mappings refer to."""

from __future__ import annotations

from backend.itris.matching import canonical_linkedin_url
from backend.models import Contact


def variables_of(contact: Contact) -> dict[str, str | None]:
    """Our variables (first_name, email, company, ...) for one person."""
    full_name = " ".join(p for p in (contact.first_name, contact.last_name) if p) or None
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "full_name": full_name,
        "email": contact.email,
        "phone": contact.phone,
        "title": contact.title,
        "company": contact.company,
        "location": contact.location,
        "headline": contact.headline,
        "linkedin_url": canonical_linkedin_url(contact.linkedin_slug)
        if contact.linkedin_slug
        else contact.linkedin_url,
    }
