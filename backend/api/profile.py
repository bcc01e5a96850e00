"""The one call a profile page makes."""

from backend import lookup_cache, profile
from backend.api import Blueprint
from backend.auth import current_user, login_required
from backend.schemas.contacts import LookupOutSchema, LookupSchema

blp = Blueprint("profile", __name__, url_prefix="/api/profile", description="Profile pages")
_IN = LookupSchema()
_OUT = LookupOutSchema()


@blp.route("/lookup", methods=["POST"])
@lookup_cache.serve_kept(_IN)
@login_required
@blp.arguments(_IN)
@blp.response(200, LookupOutSchema)
def lookup(body):
    """Everything the panel shows for a profile: itris state, company, effective values.

    A profile viewed again while nothing it shows has changed is answered from the earlier
    view (the ``X-Lookup-Cache`` header says ``hit``); see ``backend/lookup_cache.py``.
    """
    user = current_user()

    def compute(company):
        view, basis = profile.lookup(user, body, company)
        return _OUT.dump(view), basis

    return lookup_cache.respond(user, body, compute)
