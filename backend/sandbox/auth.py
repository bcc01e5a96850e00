"""The sandbox's API user and the bearer tokens it hands out."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from typing import Any

import backend.itris.contract as c
from backend.sandbox.errors import ApiError, FieldErrors

USERNAME = "api-user"
PASSWORD = "sandbox-password"

MISSING = "Access token missing: send 'Authorization: Bearer <accessToken>'."
EXPIRED = "Access token expired; request a new one."
UNKNOWN = "Access token invalid or expired; request a new one."


def check_credentials(body: Any) -> None:
    """Accept only the sandbox's API user (400 if a field is missing, 401 if wrong)."""
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    errors = FieldErrors()
    for name in (c.TOKEN_USERNAME, c.TOKEN_PASSWORD):
        if not isinstance(body.get(name), str) or not body[name]:
            errors.add(name, "Field is required.")
    errors.raise_if_any()
    good_user = hmac.compare_digest(body[c.TOKEN_USERNAME].encode(), USERNAME.encode())
    good_password = hmac.compare_digest(body[c.TOKEN_PASSWORD].encode(), PASSWORD.encode())
    if not (good_user and good_password):
        raise ApiError(401, "Invalid username or password.")


class Tokens:
    """Issued bearer tokens and when each expires."""

    def __init__(self):
        self._lock = threading.Lock()
        self._expiry: dict[str, float] = {}

    def issue(self, ttl_s: float) -> str:
        token = secrets.token_urlsafe(32)
        moment = time.monotonic()
        with self._lock:
            if len(self._expiry) > 10_000:  # forget long-dead tokens now and then
                self._expiry = {t: e for t, e in self._expiry.items() if e > moment}
            self._expiry[token] = moment + ttl_s
        return token

    def problem(self, authorization: str | None) -> str | None:
        """Why an ``Authorization`` header is not acceptable, or None if it is."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return MISSING
        with self._lock:
            expiry = self._expiry.get(token.strip())
        if expiry is None:
            return UNKNOWN
        return EXPIRED if time.monotonic() >= expiry else None

    def clear(self) -> None:
        with self._lock:
            self._expiry.clear()
