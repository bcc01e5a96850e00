"""The sandbox's Flask app: the modelled itris API plus the ``/_sandbox`` control room."""

from __future__ import annotations

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

import backend.itris.contract as c
from backend.sandbox import api, control, gateway
from backend.sandbox.errors import ApiError
from backend.sandbox.state import EXTENSION_KEY, SandboxState


def create_app(
    seed: int = 1,
    companies: int | None = None,
    applicants: int | None = None,
    contacts: int | None = None,
) -> Flask:
    """Build a sandbox seeded with ``seed`` (counts are totals; None = the defaults)."""
    app = Flask(__name__)
    app.json.sort_keys = False  # keep records in itris's field order
    app.extensions[EXTENSION_KEY] = SandboxState(seed, companies, applicants, contacts)
    gateway.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(control.bp)
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    return app


def _api_error(exc: ApiError):
    return jsonify(exc.body()), exc.status, exc.headers


def _http_error(exc: HTTPException):
    """404s, 405s and the like answer in itris's shape too."""
    response = jsonify({c.ERROR_MESSAGE: exc.description, c.ERROR_FIELDS: {}})
    response.status_code = exc.code or 500
    for name, value in exc.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response
