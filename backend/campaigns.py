"""Campaigns: a team's outreach campaigns, whom they sync as, and their tags."""

from __future__ import annotations

from sqlalchemy import func, select

from backend.db import db, utcnow
from backend.errors import ApiError
from backend.models import Campaign, User
from backend.settings import store

EDITABLE = ("name", "type", "sync_as", "tags")


def list_for_team(team_id: int, *, include_archived: bool = False) -> list[Campaign]:
    """The team's campaigns by name; archived ones only when asked for."""
    query = select(Campaign).where(Campaign.team_id == team_id)
    if not include_archived:
        query = query.where(Campaign.archived_at.is_(None))
    return list(db.session.scalars(query.order_by(func.lower(Campaign.name), Campaign.id)))


def get_for_team(team_id: int, campaign_id: int) -> Campaign:
    """One of the team's campaigns (archived too); 404 for anyone else's, so ids don't leak."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.team_id != team_id:
        raise ApiError(404, f"There is no campaign {campaign_id}.")
    return campaign


def create(
    user: User,
    *,
    name: str,
    type: str,
    sync_as: str | None = None,
    tags: list[str] | None = None,
) -> Campaign:
    """Create a campaign; "sync as" and tags default to the creator's effective settings."""
    settings = None
    if sync_as is None or tags is None:
        settings = store.effective(user.team_id, user.id)
    campaign = Campaign(
        team_id=user.team_id,
        name=name,
        type=type,
        sync_as=sync_as if sync_as is not None else settings["default_sync_as"],
        tags=list(tags if tags is not None else settings["default_tags"]),
        created_by_id=user.id,
    )
    db.session.add(campaign)
    db.session.commit()
    return campaign


def update(campaign: Campaign, changes: dict) -> Campaign:
    """Change a campaign's name, type, "sync as" or tags."""
    for key in EDITABLE:
        if key in changes:
            setattr(campaign, key, list(changes[key]) if key == "tags" else changes[key])
    db.session.commit()
    return campaign


def archive(campaign: Campaign) -> None:
    """Archive a campaign: hidden from the list, kept for its people and history."""
    if campaign.archived_at is None:
        campaign.archived_at = utcnow()
        db.session.commit()


def defaults(campaign: Campaign, user: User) -> dict:
    """What the extension starts from for a person in this campaign, for this user."""
    fields = store.section(store.effective(campaign.team_id, user.id), campaign.sync_as)
    return {
        "sync_as": campaign.sync_as,
        "tags": list(campaign.tags),
        "displayed_fields": fields["displayed_fields"],
        "mandatory_fields": fields["mandatory_fields"],
    }
