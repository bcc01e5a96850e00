"""The sync log: pushes, their outcomes, and retry."""

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload

from backend.api import Blueprint
from backend.auth import current_user, login_required
from backend.db import db, utcnow
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

    A day is a calendar day in ``time_zone`` (an IANA name: days of 23 or 25 hours where
    the clocks change), or else at ``utc_offset_minutes`` from UTC, by when the push was
    made; the last is today there. Queued and running pushes count as ``pending``.
    """
    zone = query.get("time_zone") or timezone(timedelta(minutes=query["utc_offset_minutes"]))
    today = utcnow().astimezone(zone).date()
    dates = [today - timedelta(days=n) for n in range(query["days"] - 1, -1, -1)]
    # Where each day begins, and the next after the last, as instants.
    starts = [_start_of(date, zone) for date in (*dates, today + timedelta(days=1))]
    # (The last day's own WHEN keeps the CASE valid when it is the only day.)
    day = case(
        *((Push.created_at < start, n) for n, start in enumerate(starts[1:])),
        else_=len(dates) - 1,
    )
    rows = db.session.execute(
        select(day, Push.status, func.count())
        .where(
            Push.team_id == current_user().team_id,
            Push.created_at >= starts[0],
            Push.created_at < starts[-1],  # "tomorrow", by a clock ahead of ours: left out
        )
        .group_by(day, Push.status)
    )
    counts = [dict.fromkeys(_OUTCOMES, 0) for _ in dates]
    for n, status, count in rows:
        counts[n][_OUTCOME.get(status, status)] += count
    return {
        "days": [{"date": date, **outcomes} for date, outcomes in zip(dates, counts, strict=True)]
    }


_OUTCOMES = ("succeeded", "failed", "needs_review", "skipped", "pending")
_OUTCOME = {"queued": "pending", "running": "pending"}


def _start_of(date, zone) -> datetime:
    """The instant a calendar day begins in ``zone``: its midnight, the first where the
    clocks go back over it, or the change itself where they skip it (PEP 495, fold=0)."""
    return datetime(date.year, date.month, date.day, tzinfo=zone).astimezone(UTC)


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
