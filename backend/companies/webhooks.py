"""itris webhooks: each team's signing secret and the signature check."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app

from backend.itris import contract as c


def webhook_secret(team_id: int, secret_key: str | None = None) -> str:
    """Return the secret itris must sign this team's webhooks with (derived, never stored)."""
    key = secret_key if secret_key is not None else current_app.config["SECRET_KEY"]
    return hmac.new(key.encode(), f"itris-webhook:{team_id}".encode(), hashlib.sha256).hexdigest()


def signature(secret: str, body: bytes) -> str:
    """Return the ``X-Itris-Signature`` value for a body: ``sha256=`` + hex HMAC-SHA256."""
    return c.SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(team_id: int, body: bytes, header: str | None) -> bool:
    """True when ``header`` signs exactly ``body`` with the team's secret."""
    if not header or not header.startswith(c.SIGNATURE_PREFIX):
        return False
    expected = signature(webhook_secret(team_id), body)
    return hmac.compare_digest(expected.encode(), header.strip().encode())
