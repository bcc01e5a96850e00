"""The sync log: pushes, their outcomes, and retry."""

from sqlalchemy import select

from backend.api import Blueprint
from backend.auth import current_user, login_required
from backend.db import db
from backend.errors import ApiError
from backend.models import Push
from backend.schemas.contacts import PushQuerySchema, PushSchema
from backend.sync import pushes

blp = Blueprint("pushes", __name__, url_prefix="/api/pushes", description="The sync log")


def _get(push_id: int) -> Push:
    push = db.session.get(Push, push_id)
    if push is None or push.team_id != current_user().team_id:
        raise ApiError(404, f"No push {push_id} in your team.")
    return push


@blp.route("", methods=["GET"])
@login_required
@blp.arguments(PushQuerySchema, location="query")
@blp.response(200, PushSchema(many=True))
def list_pushes(query):
    """List this team's pushes, newest first."""
    statement = select(Push).where(Push.team_id == current_user().team_id)
    if "status" in query:
        statement = statement.where(Push.status == query["status"])
    if "contact_id" in query:
        statement = statement.where(Push.contact_id == query["contact_id"])
    return db.session.scalars(statement.order_by(Push.id.desc()).limit(query["limit"])).all()


@blp.route("/<int:push_id>", methods=["GET"])
@login_required
@blp.response(200, PushSchema)
def get_push(push_id):
    """Show one push."""
    return _get(push_id)


@blp.route("/<int:push_id>/retry", methods=["POST"])
@login_required
@blp.response(202, PushSchema)
def retry(push_id):
    """Run a failed or skipped push again."""
    push = _get(push_id)
    if push.status not in ("failed", "skipped"):
        raise ApiError(
            409, f"Only failed or skipped pushes can be retried; this one is {push.status}."
        )
    pushes.retry(push)
    db.session.commit()
    return push
