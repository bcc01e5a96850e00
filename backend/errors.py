"""One error shape for every failure: ``{code, message, errors}``."""

from __future__ import annotations

import logging

from flask import jsonify
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


class ApiError(HTTPException):
    """An HTTP error raised by domain code, with a message, per-field errors and headers."""

    def __init__(
        self, code: int, message: str, errors: dict | None = None, headers: dict | None = None
    ):
        super().__init__(description=message)
        self.code = code
        self.errors = errors or {}
        self.data = {"headers": headers or {}}


def error_body(code: int, message: str, errors: dict | None = None) -> dict:
    return {"code": code, "message": message, "errors": errors or {}}


def _field_errors(exc: HTTPException) -> dict:
    if isinstance(exc, ApiError):
        return exc.errors
    # webargs puts marshmallow messages under the request location ("json", "query").
    messages = (getattr(exc, "data", None) or {}).get("messages") or {}
    if len(messages) == 1:
        (only,) = messages.values()
        return only if isinstance(only, dict) else {"_schema": only}
    return messages


def _message(exc: HTTPException, errors: dict) -> str:
    if isinstance(exc, ApiError) or exc.description and not errors:
        return exc.description or exc.name
    if errors:
        return "Invalid request: " + ", ".join(sorted(str(key) for key in errors))
    return exc.name


def handle_http_exception(exc: HTTPException):
    """Turn any HTTP error into the API's JSON shape."""
    errors = _field_errors(exc)
    response = jsonify(error_body(exc.code, _message(exc, errors), errors))
    response.status_code = exc.code
    for name, value in ((getattr(exc, "data", None) or {}).get("headers") or {}).items():
        response.headers[name] = value
    if exc.code == 405 and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def handle_unexpected(exc: Exception):
    """Log an unexpected failure and answer 500 without leaking internals."""
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    log.exception("unhandled error")
    return handle_http_exception(InternalServerError("Internal server error"))
