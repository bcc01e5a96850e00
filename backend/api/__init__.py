"""The REST API: flask-smorest with one blueprint per resource."""

from __future__ import annotations

from functools import wraps

import flask_smorest
from flask import request
from marshmallow import ValidationError
from webargs.flaskparser import FlaskParser
from werkzeug.routing import IntegerConverter

from backend.db import MAX_INT
from backend.errors import ApiError, handle_http_exception
from backend.schemas.errors import ErrorSchema

BEARER = [{"bearerAuth": []}]


class Parser(FlaskParser):
    # A body that fails its schema is bad input (400); 422 is kept for requests that are
    # well-formed but refused (rejected itris credentials, missing mandatory fields).
    DEFAULT_VALIDATION_STATUS = 400

    def pre_load(self, location_data, *, schema, req, location):
        # No database stores a NUL character in text (PostgreSQL refuses it outright).
        errors = _nul_errors(location_data)
        if errors:
            raise ValidationError(errors)
        return location_data


NUL_MESSAGE = "Text may not contain a NUL character."


def _nul_errors(value):
    """Per-field errors, nested like marshmallow's, for every string holding a NUL."""
    if isinstance(value, str):
        return [NUL_MESSAGE] if "\x00" in value else None
    if hasattr(value, "items"):
        pairs = value.items()
    elif isinstance(value, list | tuple):
        pairs = enumerate(value)
    else:
        return None
    errors = {}
    for key, item in pairs:
        if isinstance(key, str) and "\x00" in key:
            errors[key] = [NUL_MESSAGE]
        elif found := _nul_errors(item):
            errors[key] = found
    return errors or None


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()

    def arguments(self, schema, *, location="json", required=True, **kwargs):
        """Parse the request with ``schema``; a required JSON body must be there."""
        if isinstance(schema, type):
            schema = schema()  # given a class, webargs would build the schema on every request
        # webargs reads a missing body as {}, which would let a bare PUT wipe what it replaces.
        decorator = super().arguments(schema, location=location, required=required, **kwargs)
        if location != "json" or not required:
            return decorator

        def decorate(view):
            parsed = decorator(view)

            @wraps(parsed)
            def body_required(*args, **kwargs):
                if not request.get_data(cache=True):
                    raise ApiError(400, "This request needs a JSON body.")
                return parsed(*args, **kwargs)

            return body_required

        return decorate


class IdConverter(IntegerConverter):
    """``<int:…>`` up to what the database holds: a larger id is simply not found (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ErrorSchema

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
    app.url_map.converters["int"] = IdConverter
    api.init_app(app)
    for module in resources:
        api.register_blueprint(module.blp)
