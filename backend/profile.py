"""The profile lookup: everything the extension's panel shows for one profile page."""

from __future__ import annotations

import logging

from sqlalchemy import select

from backend import connection, contacts
from backend.companies.warnings import company_warnings
from backend.db import db
from backend.itris import contract as c
from backend.itris.errors import ItrisError, ItrisNotFound
from backend.itris.fields import desired_fields
from backend.itris.matching import find_certain, find_possible, linkedin_slug
from backend.models import Contact, ItrisLink, Push, User
from backend.sync import choice
from backend.sync import companies as company_resolution
from backend.sync.variables import variables_of

log = logging.getLogger(__name__)


def lookup(user: User, data: dict) -> dict:
    """Look a profile up: our contact, its itris state, company, effective values, sync status."""
    contact = contacts.find_by_profile(user.team_id, data.get("profile_url"), data.get("email"))
    known = contact is not None
    if contact is None:
        contact = _transient(user, data)
    ctx = contacts.context(user, contact, data.get("campaign_id"))
    values = desired_fields(
        ctx.record_type, variables_of(contact), ctx.section["field_mapping"], contact.fields or {}
    )
    return {
        "contact": _contact_summary(contact) if known else None,
        "itris": _itris_state(user, contact, ctx, known),
        "company": company_warnings(
            user.team_id,
            contact.company,
            company_warning=ctx.effective["company_warning"],
            company_warning_detail=ctx.effective["company_warning_detail"],
            displayed_company_info=ctx.effective["displayed_company_info"],
        ),
        "effective": ctx.choice.as_dict(),
        "fields": {
            "displayed": ctx.section["displayed_fields"],
            "mandatory": ctx.section["mandatory_fields"],
            "values": values,
        },
        "sync": _sync_state(contact.id if known else None),
    }


def _transient(user: User, data: dict) -> Contact:
    """A person not yet in our database, as the profile shows them (never saved)."""
    values = contacts._profile_values(data)
    return Contact(
        id=None,
        team_id=user.team_id,
        email=(data.get("email") or "").strip().lower() or None,
        linkedin_slug=linkedin_slug(data.get("profile_url")),
        linkedin_url=data.get("profile_url"),
        fields={},
        stage="new",
        **values,
    )


def _contact_summary(contact: Contact) -> dict:
    return {
        "id": contact.id,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "company": contact.company,
        "title": contact.title,
        "stage": contact.stage,
        "synced": contact.synced_at is not None,
        "campaign_ids": [m.campaign_id for m in choice.campaigns_of(contact.id)],
    }


def _itris_state(user: User, contact: Contact, ctx, known: bool) -> dict:
    state = {
        "connected": False,
        "match": None,
        "possible": [],
        "off_limits": False,
        "opt_out": False,
        "also_exists_as": [],
        "error": None,
    }
    conn = connection.get(user.team_id)
    if conn is None:
        return state
    state["connected"] = True
    try:
        client = connection.client_for(conn)
        _fill_itris_state(state, client, contact, ctx, known)
    except ItrisError as err:
        log.info("profile lookup could not reach itris: %s", err.message)
        state["error"] = f"itris could not be checked: {err.message}"
    return state


def _fill_itris_state(state: dict, client, contact: Contact, ctx, known: bool) -> None:
    sync_as = ctx.choice.sync_as
    email, slug = contact.email, contact.linkedin_slug
    found: dict[str, tuple[dict, str]] = {}
    links = (
        db.session.scalars(select(ItrisLink).where(ItrisLink.contact_id == contact.id)).all()
        if known
        else []
    )
    for link in links:
        try:
            found[link.record_type] = (client.get(link.record_type, link.itris_id), link.matched_by)
        except ItrisNotFound:
            continue
    for record_type in c.PERSON_TYPES:
        if str(record_type) not in found and (email or slug):
            match = find_certain(client, record_type, email=email, slug=slug)
            if match.record is not None:
                found[str(record_type)] = (match.record, match.matched_by)
    own = str(c.SYNC_AS_TO_RECORD_TYPE[sync_as])
    if own in found:
        record, matched_by = found[own]
        state["match"] = {"type": sync_as, "id": record[c.ID], "matched_by": matched_by}
    else:
        resolver = company_resolution.CompanyResolver(contact.team_id, contact)
        wanted = resolver.key(contact.company)
        if wanted and ctx.record_type == c.RecordType.APPLICANTS:
            state["possible"] = [
                {
                    "type": sync_as,
                    "id": r[c.ID],
                    "name": f"{r.get(c.FIRST_NAME)} {r.get(c.LAST_NAME)}",
                    "company": r.get(c.CURRENT_EMPLOYER),
                }
                for r in find_possible(
                    client,
                    own,
                    first_name=contact.first_name,
                    last_name=contact.last_name,
                    same_company=lambda r: resolver.key(r.get(c.CURRENT_EMPLOYER)) == wanted,
                )
            ]
    state["also_exists_as"] = [
        {"type": c.RECORD_TYPE_TO_SYNC_AS[c.RecordType(kind)], "id": record[c.ID]}
        for kind, (record, _by) in found.items()
        if kind != own
    ]
    records = [record for record, _by in found.values()]
    state["off_limits"] = any(r.get(c.OFF_LIMITS) for r in records)
    state["opt_out"] = any(r.get(c.EMAIL_OPT_OUT) for r in records)


def _sync_state(contact_id: int | None) -> dict:
    if contact_id is None:
        return {"status": None, "last_error": None, "push_id": None}
    push = db.session.scalar(
        select(Push).where(Push.contact_id == contact_id).order_by(Push.id.desc()).limit(1)
    )
    if push is None:
        return {"status": None, "last_error": None, "push_id": None}
    return {
        "status": push.status,
        "last_error": push.last_error or push.skipped_rule,
        "push_id": push.id,
        "review": (push.result or {}).get("review"),
    }
