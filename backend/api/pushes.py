"""The sync log: pushes, their outcomes, and retry."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import Date, cast, func, select
from sqlalchemy.orm import joinedload

from backend.api import Blueprint
from backend.auth import current_user, login_required
from backend.db import db
from backend.errors import ApiError
from backend.models import Campaign, Contact, Push
from backend.schemas.contacts import (
    PushQuerySchema,
    PushSchema,
    PushSummaryQuerySchema,
    PushSummarySchema,
)
from backend.sync import pushes

# What the sync log shows of each push's person and campaign, read with the push.
_NAMES = (
    joinedload(Push.contact).load_only(Contact.first_name, Contact.last_name, Contact.email),
    joinedload(Push.campaign).load_only(Campaign.name),
)

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
    statement = select(Push).options(*_NAMES).where(Push.team_id == current_user().team_id)
    if "status" in query:
        statement = statement.where(Push.status == query["status"])
    if "contact_id" in query:
        statement = statement.where(Push.contact_id == query["contact_id"])
    return db.session.scalars(statement.order_by(Push.id.desc()).limit(query["limit"])).all()


@blp.route("/summary", methods=["GET"])
@login_required
@blp.arguments(PushSummaryQuerySchema, location="query")
@blp.response(200, PushSummarySchema)
def summary(query):
    """Count this team's pushes per day, by outcome: the sync log's chart.

    A day is a calendar day at ``utc_offset_minutes`` from UTC, by when the push was made;
    the last is today there. Queued and running pushes count as ``pending``.
    """
    offset = timedelta(minutes=query["utc_offset_minutes"])
    today = (datetime.now(UTC) + offset).date()
    first = today - timedelta(days=query["days"] - 1)
    since = datetime(first.year, first.month, first.day, tzinfo=UTC) - offset
    day = _local_date(offset)
    rows = db.session.execute(
        select(day, Push.status, func.count())
        .where(Push.team_id == current_user().team_id, Push.created_at >= since)
        .group_by(day, Push.status)
    )
    counts = {first + timedelta(days=i): dict.fromkeys(_OUTCOMES, 0) for i in range(query["days"])}
    for date, status, count in rows:
        date = date if not isinstance(date, str) else datetime.strptime(date, "%Y-%m-%d").date()
        if date in counts:  # a push made "tomorrow" by a clock ahead of ours is left out
            counts[date][_OUTCOME.get(status, status)] += count
    return {"days": [{"date": date, **outcomes} for date, outcomes in counts.items()]}


_OUTCOMES = ("succeeded", "failed", "needs_review", "skipped", "pending")
_OUTCOME = {"queued": "pending", "running": "pending"}


def _local_date(offset: timedelta):
    """The calendar date of ``Push.created_at`` at ``offset`` from UTC, in SQL."""
    minutes = int(offset.total_seconds() // 60)
    if db.session.get_bind().dialect.name == "sqlite":  # stored as UTC text
        return func.date(Push.created_at, f"{minutes:+d} minutes")
    shift = func.make_interval(0, 0, 0, 0, 0, minutes)  # years, months, ..., hours, minutes
    return cast(func.timezone("UTC", Push.created_at) + shift, Date)


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
