"""Liveness: is the service up and its database reachable."""

from marshmallow import Schema, fields
from sqlalchemy import text

from backend.api import Blueprint
from backend.db import db

blp = Blueprint("health", __name__, url_prefix="/healthz", description="Service health")


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()


@blp.route("")
@blp.response(200, HealthSchema)
@blp.doc(security=[])
def healthz():
    """Report that the service and its database answer."""
    db.session.execute(text("SELECT 1"))
    return {"status": "ok", "database": "ok"}
