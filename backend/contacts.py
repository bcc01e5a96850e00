"""People in campaigns: adding them, overrides, edits, CVs, activities, links and pushes.

Each change that should reach itris writes its Push row in the same transaction, so a
push is never lost between the change and the queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from backend import campaigns, person_state
from backend.db import db, utcnow
from backend.errors import ApiError
from backend.itris import contract as c
from backend.itris.fields import desired_fields
from backend.itris.matching import linkedin_slug, normalise_email
from backend.models import Activity, Campaign, CampaignMember, Contact, ItrisLink, Push, User
from backend.settings.vocabulary import PERSON_FIELDS
from backend.sync import choice, pushes, rules
from backend.sync.settings import settings_for
from backend.sync.variables import variables_of

PROFILE_FIELDS = ("first_name", "last_name", "title", "company", "location", "headline", "phone")


@dataclass
class Context:
    """A person in one campaign (or none), with the settings that apply to them."""

    contact: Contact
    campaign: Campaign | None
    membership: CampaignMember | None
    effective: dict
    choice: choice.SyncChoice

    @property
    def section(self) -> dict:
        return self.effective[self.choice.sync_as]

    @property
    def record_type(self) -> str:
        return str(c.SYNC_AS_TO_RECORD_TYPE[self.choice.sync_as])


def get(team_id: int, contact_id: int) -> Contact:
    """A contact of this team, or 404 (other teams' ids look like missing ones)."""
    contact = db.session.get(Contact, contact_id)
    if contact is None or contact.team_id != team_id:
        raise ApiError(404, f"No contact {contact_id} in your team.")
    return contact


# Built once: every profile lookup reads one or both.
_BY_SLUG = select(Contact).where(
    Contact.team_id == bindparam("team_id"), Contact.linkedin_slug == bindparam("slug")
)
_BY_EMAIL = (
    select(Contact)
    .where(Contact.team_id == bindparam("team_id"), Contact.email == bindparam("email"))
    .order_by(Contact.id)
)


def find_by_profile(team_id: int, profile_url: str | None, email: str | None) -> Contact | None:
    """The team's contact for a LinkedIn profile (or, without one, an email)."""
    slug = linkedin_slug(profile_url)
    if slug:
        found = db.session.scalar(_BY_SLUG, {"team_id": team_id, "slug": slug})
        if found is not None:
            return found
    email = normalise_email(email)
    if email:
        return db.session.scalar(_BY_EMAIL, {"team_id": team_id, "email": email})
    return None


def context(
    user: User,
    contact: Contact,
    campaign_id: int | None = None,
    memberships: list[CampaignMember] | None = None,
    settings: tuple[dict, dict, dict] | None = None,
) -> Context:
    """The campaign and settings that apply to a person: the named or latest campaign.

    ``memberships``, when the caller has read them already, are the person's, newest first;
    ``settings`` the user's ``settings_for`` (effective, team, personal), likewise.
    """
    membership = None
    if campaign_id is not None:
        campaign = campaigns.get_for_team(user.team_id, campaign_id)
        membership = choice.member(contact.id, campaign.id)
    else:
        if memberships is None:
            memberships = choice.campaigns_of(contact.id) if contact.id else []
        membership = memberships[0] if memberships else None
        campaign = db.session.get(Campaign, membership.campaign_id) if membership else None
    effective, team, personal = settings or settings_for(user.team_id, user.id)
    chosen = choice.choose(campaign=campaign, membership=membership, team=team, user=personal)
    return Context(contact, campaign, membership, effective, chosen)


# --- Adding and editing people ------------------------------------------------------------
def upsert_from_profile(user: User, profile: dict, email: str | None = None) -> Contact:
    """Find the person by profile URL or email, or create them; fill what we did not know."""
    url = profile.get("profile_url")
    email = normalise_email(email or profile.get("email"))
    contact = find_by_profile(user.team_id, url, email) or _insert_contact(user, url, email)
    values = _profile_values(profile)
    for name, value in values.items():
        if value and not getattr(contact, name):
            setattr(contact, name, value)
    if email and not contact.email:
        _refuse_taken_email(contact, email)
        contact.email = email
    slug = linkedin_slug(url)
    if slug and not contact.linkedin_slug:
        contact.linkedin_slug = slug
        contact.linkedin_url = url
    db.session.flush()
    return contact


def _insert_contact(user: User, url: str | None, email: str | None) -> Contact:
    """Insert a new person; if another request just did, use theirs (one person, one row)."""
    contact = Contact(
        team_id=user.team_id,
        created_by_id=user.id,
        fields={},
        stage="new",
        email=email,
        linkedin_slug=linkedin_slug(url),
        linkedin_url=url if linkedin_slug(url) else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(contact)
    except IntegrityError:
        winner = find_by_profile(user.team_id, url, email)
        if winner is None:
            raise
        return winner
    return contact


def _join(user: User, campaign: Campaign, contact: Contact) -> CampaignMember:
    """The person's membership of a campaign, created once however many ask at once."""
    membership = choice.member(contact.id, campaign.id)
    if membership is not None:
        return membership
    membership = CampaignMember(campaign_id=campaign.id, contact_id=contact.id, added_by_id=user.id)
    try:
        with db.session.begin_nested():
            db.session.add(membership)
    except IntegrityError:
        db.session.expire_all()
        membership = choice.member(contact.id, campaign.id)
        if membership is None:
            raise
    return membership


def _override(membership: CampaignMember, sync_as: str | None, tags: list[str] | None) -> None:
    """Set this person's own "sync as" and/or tags in a campaign (None leaves one as it is)."""
    if sync_as is not None:
        membership.sync_as_override = sync_as
    if tags is not None:
        membership.tags_override = list(tags)


def _profile_values(profile: dict) -> dict:
    values = {name: (profile.get(name) or "").strip() or None for name in PROFILE_FIELDS}
    if not (values["first_name"] or values["last_name"]) and profile.get("name"):
        first, _, last = profile["name"].strip().partition(" ")
        # A name may be longer than either column: each part is cut to fit.
        first, last = first[:200], last.strip()[:200]
        values["first_name"], values["last_name"] = first or None, last or None
    return values


def add_to_campaign(
    user: User,
    campaign_id: int,
    profile: dict,
    *,
    email: str | None = None,
    fields: dict | None = None,
    sync_as: str | None = None,
    tags: list[str] | None = None,
    cv: tuple[str, bytes] | None = None,
) -> tuple[Context, Push | None]:
    """Put a person in a campaign; with ``on_campaign_add`` the push is queued with it."""
    campaign = campaigns.get_for_team(user.team_id, campaign_id)
    if campaign.archived_at is not None:
        raise ApiError(409, f"Campaign {campaign.name!r} is archived.")
    contact = upsert_from_profile(user, profile, email)
    if cv is not None:
        contact.cv_file_name, contact.cv_content = cv
        contact.cv_uploaded_at = None
    _override(_join(user, campaign, contact), sync_as, tags)
    db.session.flush()
    ctx = context(user, contact, campaign.id)
    if fields:
        _set_typed_fields(ctx, fields)
    push = None
    if rules.add_rule_fires(
        ctx.section["add_to_itris"], trigger="campaign_add", stage=contact.stage
    ):
        push = _queue_or_skip(ctx, user, trigger="campaign_add")
    db.session.commit()
    return ctx, push


def set_override(
    user: User, contact_id: int, campaign_id: int, sync_as: str | None, tags: list[str] | None
) -> Context:
    """Save this person's own "sync as" and tags for a campaign they are in.

    Someone not in the campaign is refused (409): joining goes through ``add_to_campaign``,
    where the team's "add to itris" rule decides whether they are pushed.
    """
    contact = get(user.team_id, contact_id)
    campaign = campaigns.get_for_team(user.team_id, campaign_id)
    membership = choice.member(contact.id, campaign.id)
    if membership is None:
        message = f"This person is not in campaign {campaign.name!r}: add them to it first."
        raise ApiError(409, message, {"campaign_id": [message]})
    _override(membership, sync_as, tags)
    db.session.commit()
    return context(user, contact, campaign.id)


def edit(user: User, contact_id: int, changes: dict) -> tuple[Contact, Push | None]:
    """A manual edit; with ``sync_manual_updates`` the changed fields follow to itris."""
    contact = get(user.team_id, contact_id)
    ctx = context(user, contact)
    before = desired_fields(
        ctx.record_type, variables_of(contact), ctx.section["field_mapping"], contact.fields or {}
    )
    typed = changes.pop("fields", None)
    if "email" in changes:
        changes["email"] = normalise_email(changes["email"])
        _refuse_taken_email(contact, changes["email"])
    for name, value in changes.items():
        setattr(contact, name, value)
    if typed is not None:
        _set_typed_fields(ctx, typed)
    after = desired_fields(
        ctx.record_type, variables_of(contact), ctx.section["field_mapping"], contact.fields or {}
    )
    changed = sorted(k for k in after.keys() | before.keys() if after.get(k) != before.get(k))
    push = None
    if changed and ctx.effective["sync_manual_updates"] and _linked(contact.id, ctx.record_type):
        push = pushes.queue(
            contact,
            trigger="manual_update",
            sync_as=ctx.choice.sync_as,
            campaign_id=ctx.campaign.id if ctx.campaign else None,
            user_id=user.id,
            params={"only_fields": changed},
        )
    db.session.commit()
    return contact, push


def _refuse_taken_email(contact: Contact, email: str | None) -> None:
    """409 when another person of the team has this email (one email, one person)."""
    if not email:
        return
    with db.session.no_autoflush:
        other = db.session.scalar(
            select(Contact.id).where(
                Contact.team_id == contact.team_id, Contact.email == email, Contact.id != contact.id
            )
        )
    if other is not None:
        message = f"Another person in your team (contact {other}) has the email {email}."
        raise ApiError(409, message, {"email": [message]})


def _set_typed_fields(ctx: Context, fields: dict) -> None:
    allowed = set(PERSON_FIELDS[ctx.choice.sync_as])
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise ApiError(
            400,
            f"Not an itris {ctx.choice.sync_as} field: {', '.join(unknown)}",
            {"fields": {name: ["Unknown itris field."] for name in unknown}},
        )
    merged = dict(ctx.contact.fields or {})
    for name, value in fields.items():
        if value in (None, ""):
            merged.pop(name, None)
        else:
            merged[name] = value
    ctx.contact.fields = merged


def attach_cv(
    user: User, contact_id: int, file_name: str, content: bytes
) -> tuple[Contact, Push | None]:
    """Keep a person's CV; a synced person's CV goes to itris (under ``dont_overwrite_cv``)."""
    contact = get(user.team_id, contact_id)
    contact.cv_file_name = file_name
    contact.cv_content = content
    contact.cv_uploaded_at = None
    push = None
    if contact.synced_at is not None:
        ctx = context(user, contact)
        push = pushes.queue(
            contact,
            trigger="cv",
            sync_as=ctx.choice.sync_as,
            campaign_id=ctx.campaign.id if ctx.campaign else None,
            user_id=user.id,
        )
    db.session.commit()
    return contact, push


# --- Pushing ------------------------------------------------------------------------------
def mandatory_missing(ctx: Context) -> rules.Missing | None:
    values = desired_fields(
        ctx.record_type,
        variables_of(ctx.contact),
        ctx.section["field_mapping"],
        ctx.contact.fields or {},
    )
    return rules.missing_mandatory(values, ctx.section)


def push_now(user: User, contact_id: int, campaign_id: int | None = None) -> Push:
    """ "Push to itris": refused (422) until the mandatory fields have values."""
    contact = get(user.team_id, contact_id)
    ctx = context(user, contact, campaign_id)
    missing = mandatory_missing(ctx)
    if missing:
        raise ApiError(
            422, missing.message, {"fields": {name: ["Required."] for name in missing.fields}}
        )
    push = _queue(ctx, user, trigger="push")
    db.session.commit()
    return push


def _queue_or_skip(ctx: Context, user: User, *, trigger: str) -> Push:
    missing = mandatory_missing(ctx)
    if missing:
        return pushes.skip(
            ctx.contact,
            trigger=trigger,
            sync_as=ctx.choice.sync_as,
            campaign_id=ctx.campaign.id if ctx.campaign else None,
            user_id=user.id,
            rule=missing.message,
        )
    return _queue(ctx, user, trigger=trigger)


def _queue(
    ctx: Context, user: User, *, trigger: str, params: dict | None = None, synced_at=None
) -> Push:
    if ctx.contact.synced_at is None:
        ctx.contact.synced_at = synced_at or utcnow()
    return pushes.queue(
        ctx.contact,
        trigger=trigger,
        sync_as=ctx.choice.sync_as,
        campaign_id=ctx.campaign.id if ctx.campaign else None,
        user_id=user.id,
        params=params,
    )


def _linked(contact_id: int, record_type: str) -> ItrisLink | None:
    return db.session.scalar(
        select(ItrisLink).where(
            ItrisLink.contact_id == contact_id, ItrisLink.record_type == record_type
        )
    )


def link(user: User, contact_id: int, itris_type: str, itris_id: int) -> Push:
    """A user says which itris record this person is; the push then goes on with it."""
    contact = get(user.team_id, contact_id)
    ctx = context(user, contact)
    record_type = str(c.SYNC_AS_TO_RECORD_TYPE[itris_type])
    existing = _linked(contact.id, record_type)
    if existing is None:
        existing = ItrisLink(contact_id=contact.id, record_type=record_type)
        db.session.add(existing)
    existing.itris_id = itris_id
    existing.matched_by = "user"
    person_state.forget_contact(contact)
    _settle_reviews(contact.id)
    if ctx.choice.sync_as != itris_type:
        ctx.choice.sync_as = itris_type
    push = _queue(ctx, user, trigger="link")
    db.session.commit()
    return push


def create_new(user: User, contact_id: int) -> Push:
    """A user says the possible match is someone else: create a new record."""
    contact = get(user.team_id, contact_id)
    ctx = context(user, contact)
    _settle_reviews(contact.id)
    push = _queue(ctx, user, trigger="link", params={"create_new": True})
    db.session.commit()
    return push


def pick_company(user: User, contact_id: int, itris_company_id: int) -> Push | None:
    """A user picks the itris company; remembered for this company name across the team."""
    from backend.companies import aliases

    contact = get(user.team_id, contact_id)
    contact.itris_company_id = itris_company_id
    if contact.company:
        aliases.remember(user.team_id, contact.company, itris_company_id, user_id=user.id)
    waiting = _settle_reviews(contact.id)
    push = None
    if waiting or contact.synced_at is not None:
        push = _queue(context(user, contact), user, trigger="company")
    db.session.commit()
    return push


def _settle_reviews(contact_id: int) -> int:
    """Close pushes waiting for review: the new push takes over from them."""
    waiting = db.session.scalars(
        select(Push).where(Push.contact_id == contact_id, Push.status == "needs_review")
    ).all()
    for push in waiting:
        push.status = "skipped"
        push.skipped_rule = "resolved by a user; a new push took over"
        push.finished_at = utcnow()
    return len(waiting)


# --- Activities ---------------------------------------------------------------------------
def report_activity(
    user: User,
    contact_id: int,
    *,
    type: str,
    campaign_id: int | None,
    subject: str | None = None,
    body: str | None = None,
    occurred_at: datetime | None = None,
) -> tuple[Activity, Push | None]:
    """Record an outreach event; it may add the person to itris or become a note."""
    contact = get(user.team_id, contact_id)
    ctx = context(user, contact, campaign_id)
    now = utcnow()
    activity = Activity(
        team_id=user.team_id,
        contact_id=contact.id,
        campaign_id=ctx.campaign.id if ctx.campaign else None,
        user_id=user.id,
        type=type,
        subject=subject,
        body=body,
        occurred_at=occurred_at or now,
        created_at=now,
    )
    db.session.add(activity)
    contact.stage = rules.next_stage(contact.stage, type)
    section = ctx.section
    push = None
    if contact.synced_at is None and rules.add_rule_fires(
        section["add_to_itris"], trigger="activity", stage=contact.stage
    ):
        push = _queue_or_skip(ctx, user, trigger="activity")
        if push.status == "queued":
            contact.synced_at = now
    elif rules.qualifies_as_note(type, section) and (
        contact.synced_at is not None or not section["only_notes_to_synced"]
    ):
        push = pushes.queue(
            contact,
            trigger="activity",
            sync_as=ctx.choice.sync_as,
            campaign_id=activity.campaign_id,
            user_id=user.id,
        )
    db.session.commit()
    return activity, push
