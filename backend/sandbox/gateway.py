"""What every itris API request passes through, in order.

Before: added latency → an injected error (before any work) → the rate limit → the bearer
token (all but the token endpoint). After: the stats, and a dropped connection where the
dice say so — the request has done its work, the client just never hears about it. The
stats also count the most requests served at once (``most_at_once``).
Nothing here touches ``/_sandbox`` control requests.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import time

from flask import Flask, Response, g, request

import backend.itris.contract as c
from backend.sandbox.errors import ApiError
from backend.sandbox.state import current_state

log = logging.getLogger(__name__)

API_ROOT = f"{c.API_PREFIX}/"
RETRYABLE_STATUSES = (429, 503)


def init_app(app: Flask) -> None:
    app.before_request(before_api_request)
    app.after_request(after_api_request)
    app.teardown_request(api_request_done)


def before_api_request() -> None:
    if not request.path.startswith(API_ROOT):
        return
    state = current_state()
    state.stats.enter()
    g.counted_in_flight = True
    faults = state.faults.current
    targeted = faults.applies_to(request.method, request.path)
    if targeted and faults.latency_ms:
        time.sleep(faults.latency_ms / 1000)
    if targeted and state.faults.roll(faults.error_rate):
        state.stats.count("injected_errors")
        headers = {c.RETRY_AFTER_HEADER: "1"} if faults.error_status in RETRYABLE_STATUSES else {}
        raise ApiError(faults.error_status, "Injected failure (sandbox fault).", headers=headers)
    authorization = request.headers.get("Authorization")
    wait = state.faults.retry_after(_client_key(authorization))
    if wait is not None:
        state.stats.count("rate_limited")
        raise ApiError(
            429, "Too many requests; slow down.", headers={c.RETRY_AFTER_HEADER: str(wait)}
        )
    if request.path != c.TOKEN_PATH and (problem := state.tokens.problem(authorization)):
        raise ApiError(401, problem)
    g.drop_connection = targeted and state.faults.roll(faults.drop_rate)


def after_api_request(response: Response) -> Response:
    if not request.path.startswith(API_ROOT):
        return response
    stats = current_state().stats
    if g.get("drop_connection") and _drop_connection():
        stats.count("dropped")
        stats.request(_template(), None)
    else:
        stats.request(_template(), response.status_code)
    return response


def api_request_done(_error: BaseException | None) -> None:
    if g.pop("counted_in_flight", False):
        current_state().stats.leave()


def _client_key(authorization: str | None) -> str:
    """Rate limits apply per token; requests without one share their client's bucket."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return f"token:{token.strip()}"
    return f"client:{request.remote_addr}"


def _template() -> str:
    """``METHOD path`` with the record id as ``{id}``: ``GET /api/v2/contacts/{id}``."""
    rule = request.url_rule
    path = re.sub(r"<[^>]+>", "{id}", rule.rule) if rule else "(no such route)"
    return f"{request.method} {path}"


def _drop_connection() -> bool:
    """Shut the client's socket so it sees a dropped connection instead of an answer."""
    sock = request.environ.get("werkzeug.socket")
    if sock is None:
        log.warning("cannot drop the connection: not served by werkzeug's server")
        return False
    with contextlib.suppress(OSError):  # already gone
        sock.shutdown(socket.SHUT_RDWR)
    return True
