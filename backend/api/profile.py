"""The one call a profile page makes."""

from backend import profile
from backend.api import Blueprint
from backend.auth import current_user, login_required
from backend.schemas.contacts import LookupOutSchema, LookupSchema

blp = Blueprint("profile", __name__, url_prefix="/api/profile", description="Profile pages")


@blp.route("/lookup", methods=["POST"])
@login_required
@blp.arguments(LookupSchema)
@blp.response(200, LookupOutSchema)
def lookup(body):
    """Everything the panel shows for a profile: itris state, company, effective values."""
    return profile.lookup(current_user(), body)
