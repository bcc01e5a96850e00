"""itris webhooks: signed with a per-team secret, no bearer token."""

import json

from flask import request

from backend import person_state
from backend.api import Blueprint
from backend.companies import mirror
from backend.companies.webhooks import signature_valid, webhook_secret
from backend.db import db
from backend.errors import ApiError
from backend.itris import contract as c
from backend.models import Team
from backend.schemas.companies import WebhookAckSchema

__all__ = ["blp", "webhook_secret"]

blp = Blueprint("webhooks", __name__, url_prefix="/api/webhooks", description="itris webhooks")


@blp.route("/itris/<int:team_id>", methods=["POST"])
@blp.doc(security=[])
@blp.response(200, WebhookAckSchema)
@blp.alt_response(401, description="missing or wrong X-Itris-Signature")
def itris_webhook(team_id):
    """Receive an itris record-created webhook (HMAC-SHA256 signed).

    A company joins the mirror; a person makes profile lookups ask itris afresh about
    anyone with the same email, LinkedIn address or name.
    """
    body = request.get_data(cache=True)
    if not signature_valid(team_id, body, request.headers.get(c.SIGNATURE_HEADER)):
        raise ApiError(401, f"The {c.SIGNATURE_HEADER} signature is missing or wrong.")
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise ApiError(400, "The webhook body is not JSON.") from exc
    if not isinstance(payload, dict):
        raise ApiError(400, "The webhook body must be a JSON object.")
    if db.session.get(Team, team_id) is None:
        raise ApiError(404, f"No team {team_id}.")
    event = payload.get(c.WEBHOOK_EVENT)
    if event in person_state.PERSON_EVENTS:
        return {"event": event, "result": person_state.apply_webhook(team_id, payload)}
    return {"event": event, "result": mirror.apply_webhook(team_id, payload)}
