"""Company duplicate warnings and the team's company mirror."""

from backend import connection
from backend.api import Blueprint
from backend.auth import admin_required, current_user, login_required
from backend.companies import mirror, warnings
from backend.errors import ApiError
from backend.itris import ItrisAuthError, ItrisError
from backend.schemas.companies import (
    CompanySyncRequestSchema,
    CompanySyncSummarySchema,
    CompanyWarningsQuerySchema,
    CompanyWarningsSchema,
)
from backend.settings import store as settings_store

blp = Blueprint("companies", __name__, url_prefix="/api", description="Company warnings and mirror")


def _company_settings(user) -> dict:
    """Return the company-warning settings in force for ``user``."""
    effective = settings_store.effective(user.team_id, user.id)
    return {key: effective[key] for key in warnings.DEFAULT_SETTINGS}


@blp.route("/companies/warnings", methods=["GET"])
@login_required
@blp.arguments(CompanyWarningsQuerySchema, location="query")
@blp.response(200, CompanyWarningsSchema)
def company_warnings(args):
    """List itris companies that duplicate or resemble a company name."""
    user = current_user()
    return warnings.company_warnings(user.team_id, args["name"], **_company_settings(user))


@blp.route("/integrations/itris/companies/sync", methods=["POST"])
@admin_required
@blp.arguments(CompanySyncRequestSchema, required=False)
@blp.response(200, CompanySyncSummarySchema)
@blp.alt_response(409, description="itris is not connected")
@blp.alt_response(502, description="itris failed during the sync")
def sync_companies(body):
    """Refresh the team's company mirror from itris."""
    team_id = current_user().team_id
    conn = connection.require(team_id)
    mode = (body or {}).get("mode", "auto")
    full = None if mode == "auto" else mode == "full"
    try:
        summary = mirror.sync(team_id, full=full, client=connection.client_for(conn))
    except ItrisAuthError as exc:
        connection.record_failure(conn, "itris rejected the stored username or password.")
        raise ApiError(502, "itris rejected the stored credentials; activate again.") from exc
    except ItrisError as exc:
        raise ApiError(502, f"the company sync stopped: {exc.message}") from exc
    return summary.as_dict()
