"""The email gate: may the outreach engine email this person? Checked live against itris."""

from __future__ import annotations

from sqlalchemy import select

from backend import connection
from backend.db import db
from backend.itris import contract as c
from backend.itris.errors import ItrisError, ItrisNotFound
from backend.itris.matching import find_by_linkedin
from backend.models import Contact, ItrisLink


def permission(contact: Contact, effective: dict) -> dict:
    """``{allowed, reason}``; when itris cannot be asked, the answer is no."""
    if not effective["block_off_limits_emails"]:
        return {"allowed": True, "reason": "The off-limits email block is turned off."}
    conn = connection.get(contact.team_id)
    if conn is None:
        return {
            "allowed": False,
            "reason": "itris is not connected, so off-limits cannot be checked.",
        }
    try:
        records = _records(connection.client_for(conn), contact)
    except ItrisError as err:
        return {"allowed": False, "reason": f"itris could not be checked: {err.message}"}
    for record_type, record in records:
        label = f"{c.RECORD_TYPE_TO_SYNC_AS[record_type]} {record.get(c.ID)}"
        if record.get(c.OFF_LIMITS):
            return {"allowed": False, "reason": f"Marked off-limits in itris ({label})."}
        if record.get(c.EMAIL_OPT_OUT):
            return {"allowed": False, "reason": f"Opted out of email in itris ({label})."}
    if not records:
        return {"allowed": True, "reason": "Not in itris."}
    return {"allowed": True, "reason": "Not off-limits or opted out in itris."}


def _records(client, contact: Contact) -> list[tuple[str, dict]]:
    """The person's linked itris records and every record holding their email or their
    LinkedIn profile: whichever one matching would push them to, and any other."""
    found: dict[tuple[str, int], dict] = {}
    links = db.session.scalars(select(ItrisLink).where(ItrisLink.contact_id == contact.id)).all()
    for link in links:
        try:
            record = client.get(link.record_type, link.itris_id)
        except ItrisNotFound:
            continue
        found[(link.record_type, record[c.ID])] = record
    for record_type in c.PERSON_TYPES:
        if contact.email:
            for record in client.find_by_email(record_type, contact.email):
                found[(str(record_type), record[c.ID])] = record
        if contact.linkedin_slug:  # itris may hold them under another email
            for record in find_by_linkedin(client, record_type, contact.linkedin_slug):
                found[(str(record_type), record[c.ID])] = record
    return [(c.RecordType(kind), record) for (kind, _id), record in found.items()]
