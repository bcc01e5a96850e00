"""Campaigns: list, create, read, change, archive, and the defaults the extension uses."""

from backend import campaigns
from backend.api import Blueprint
from backend.auth import current_user, login_required
from backend.schemas.campaigns import (
    CampaignCreateSchema,
    CampaignDefaultsSchema,
    CampaignListQuerySchema,
    CampaignSchema,
    CampaignUpdateSchema,
)

blp = Blueprint("campaigns", __name__, url_prefix="/api/campaigns", description="Campaigns")


def _campaign(campaign_id: int):
    return campaigns.get_for_team(current_user().team_id, campaign_id)


@blp.route("", methods=["GET"])
@login_required
@blp.arguments(CampaignListQuerySchema, location="query")
@blp.response(200, CampaignSchema(many=True))
def index(query):
    """List the team's campaigns (archived ones too with ``?archived=true``)."""
    return campaigns.list_for_team(current_user().team_id, include_archived=query["archived"])


@blp.route("", methods=["POST"])
@login_required
@blp.arguments(CampaignCreateSchema)
@blp.response(201, CampaignSchema)
def create(body):
    """Create a campaign."""
    return campaigns.create(current_user(), **body)


@blp.route("/<int:campaign_id>", methods=["GET"])
@login_required
@blp.response(200, CampaignSchema)
def show(campaign_id):
    """Show one campaign."""
    return _campaign(campaign_id)


@blp.route("/<int:campaign_id>", methods=["PATCH"])
@login_required
@blp.arguments(CampaignUpdateSchema)
@blp.response(200, CampaignSchema)
def update(body, campaign_id):
    """Change a campaign's name, type, "sync as" or tags."""
    return campaigns.update(_campaign(campaign_id), body)


@blp.route("/<int:campaign_id>", methods=["DELETE"])
@login_required
@blp.response(204)
def archive(campaign_id):
    """Archive a campaign."""
    campaigns.archive(_campaign(campaign_id))


@blp.route("/<int:campaign_id>/defaults", methods=["GET"])
@login_required
@blp.response(200, CampaignDefaultsSchema)
def defaults(campaign_id):
    """What the extension starts from for a person in this campaign."""
    return campaigns.defaults(_campaign(campaign_id), current_user())
