"""The REST API: flask-smorest with one blueprint per resource."""

from __future__ import annotations

import flask_smorest
from webargs.flaskparser import FlaskParser

from backend.errors import handle_http_exception

BEARER = [{"bearerAuth": []}]


class Parser(FlaskParser):
    # A body that fails its schema is bad input (400); 422 is kept for requests that are
    # well-formed but refused (rejected itris credentials, missing mandatory fields).
    DEFAULT_VALIDATION_STATUS = 400


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()


class Api(flask_smorest.Api):
    def handle_http_exception(self, error):
        return handle_http_exception(error)


api = Api()


def init_app(app) -> None:
    """Register the API and every resource blueprint on ``app``."""
    from backend.api import (
        auth,
        campaigns,
        companies,
        contacts,
        health,
        integration,
        profile,
        pushes,
        settings,
        webhooks,
    )

    resources = (
        *(health, auth, integration, settings, campaigns, contacts, profile, pushes),
        *(companies, webhooks),
    )

    app.config.setdefault("API_TITLE", "itris-sync")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "security": BEARER,
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        },
    )
    api.init_app(app)
    for module in resources:
        api.register_blueprint(module.blp)
