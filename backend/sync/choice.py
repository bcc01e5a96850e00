"""Which record type and tags apply to a person: contact override > campaign > user > team."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select

from backend.db import db
from backend.models import Campaign, CampaignMember


@dataclass
class SyncChoice:
    sync_as: str
    tags: list[str]
    source: str  # where sync_as comes from: contact | campaign | user | team
    tags_source: str

    def as_dict(self) -> dict:
        return {
            "sync_as": self.sync_as,
            "tags": self.tags,
            "source": self.source,
            "tags_source": self.tags_source,
        }


def member(contact_id: int | None, campaign_id: int | None) -> CampaignMember | None:
    if contact_id is None or campaign_id is None:
        return None
    return db.session.get(CampaignMember, (campaign_id, contact_id))


def choose(
    *,
    campaign: Campaign | None,
    membership: CampaignMember | None,
    team: dict,
    user: dict,
) -> SyncChoice:
    """Resolve "sync as" and tags for one person in one campaign (or none)."""
    default_source = "user" if "default_sync_as" in user else "team"
    sync_as = user.get("default_sync_as", team["default_sync_as"])
    tags_source = "user" if "default_tags" in user else "team"
    tags = list(user.get("default_tags", team["default_tags"]))
    source = default_source
    if campaign is not None:
        sync_as, source = campaign.sync_as, "campaign"
        tags, tags_source = list(campaign.tags or []), "campaign"
    if membership is not None and membership.sync_as_override:
        sync_as, source = membership.sync_as_override, "contact"
    if membership is not None and membership.tags_override is not None:
        tags, tags_source = list(membership.tags_override), "contact"
    return SyncChoice(sync_as, tags, source, tags_source)


_MEMBERSHIPS = (
    select(CampaignMember)
    .where(CampaignMember.contact_id == bindparam("contact_id"))
    .order_by(CampaignMember.added_at.desc())
)


def campaigns_of(contact_id: int) -> list[CampaignMember]:
    """A person's campaign memberships, newest first."""
    return list(db.session.scalars(_MEMBERSHIPS, {"contact_id": contact_id}))
