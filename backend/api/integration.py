"""The team's itris connection: status, Activate, disconnect, and itris's lists."""

from flask import url_for

from backend import connection
from backend.api import Blueprint
from backend.auth import admin_required, current_user, login_required
from backend.companies.webhooks import webhook_secret
from backend.schemas.integration import ActivateSchema, ConnectionStatusSchema, OptionsSchema

blp = Blueprint(
    "integration", __name__, url_prefix="/api/integrations/itris", description="itris connection"
)


def _status(conn) -> dict:
    if conn is None:
        return {"status": "disconnected"}
    keys = ("status", "subdomain", "base_url", "username", "connected_at", "last_checked_at",
            "last_error")  # fmt: skip
    status = {key: getattr(conn, key) for key in keys}
    user = current_user()
    if user.is_admin:
        # What an admin pastes into itris's webhook settings so new companies arrive at once.
        status["webhook_url"] = url_for(
            "webhooks.itris_webhook", team_id=user.team_id, _external=True
        )
        status["webhook_secret"] = webhook_secret(user.team_id)
    return status


@blp.route("", methods=["GET"])
@login_required
@blp.response(200, ConnectionStatusSchema)
def status():
    """Show whether this team is connected to itris."""
    return _status(connection.get(current_user().team_id))


@blp.route("", methods=["PUT"])
@admin_required
@blp.arguments(ActivateSchema)
@blp.response(200, ConnectionStatusSchema)
@blp.alt_response(422, description="itris rejected the credentials")
@blp.alt_response(502, description="itris could not be reached")
def activate(body):
    """Activate: authenticate against itris and store the connection."""
    return _status(connection.activate(current_user().team_id, **body))


@blp.route("", methods=["DELETE"])
@admin_required
@blp.response(200, ConnectionStatusSchema)
def disconnect():
    """Disconnect this team from itris."""
    connection.disconnect(current_user().team_id)
    return _status(None)


@blp.route("/options", methods=["GET"])
@login_required
@blp.response(200, OptionsSchema)
def options():
    """List itris comment categories, statuses, contact types, sectors and fields."""
    return connection.options(current_user().team_id)
