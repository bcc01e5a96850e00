"""Integration settings: the team's (admin), a user's own overrides, and what applies."""

from backend.api import Blueprint
from backend.auth import admin_required, current_user, login_required
from backend.schemas.settings import SettingsOverviewSchema, SettingsSchema, TeamSettingsSchema
from backend.settings import store

blp = Blueprint("settings", __name__, url_prefix="/api", description="Integration settings")


def _overview():
    user = current_user()
    return store.overview(user.team_id, user.id)


@blp.route("/integrations/itris/settings", methods=["GET"])
@login_required
@blp.response(200, SettingsOverviewSchema)
def show():
    """Show the team's settings, my overrides, the effective result and the locks."""
    return _overview()


@blp.route("/integrations/itris/settings", methods=["PUT"])
@admin_required
@blp.arguments(TeamSettingsSchema)
@blp.response(200, SettingsOverviewSchema)
def replace_team(body):
    """Replace the team's settings (missing keys take their defaults) and, if given, locks."""
    store.replace_team_settings(current_user().team_id, body["team"], body.get("locks"))
    return _overview()


@blp.route("/me/settings", methods=["GET"])
@login_required
@blp.response(200, SettingsOverviewSchema)
def show_mine():
    """Show my settings: the same as the team settings view."""
    return _overview()


@blp.route("/me/settings", methods=["PUT"])
@login_required
@blp.arguments(SettingsSchema)
@blp.response(200, SettingsOverviewSchema)
@blp.alt_response(403, description="A key the admin locked")
def replace_mine(body):
    """Replace my personal overrides; keys the admin locked are refused."""
    store.replace_user_overrides(current_user(), body)
    return _overview()
