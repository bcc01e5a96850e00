"""Bearer-token authentication and role checks for API routes."""

from __future__ import annotations

from functools import wraps

from flask import g, request

from backend import accounts
from backend.errors import ApiError
from backend.models import User


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def login_required(view=None, *, role: str | None = None):
    """Require a valid bearer token (and ``role`` if given); sets ``g.user``."""

    def decorate(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            token = bearer_token()
            if token is None:
                raise ApiError(401, "Sign in first: an Authorization: Bearer token is required.")
            user = accounts.user_for_token(token)
            if user is None:
                raise ApiError(401, "This token is invalid or has been revoked; sign in again.")
            if role is not None and user.role != role:
                raise ApiError(403, f"Only a team {role} can do this.")
            g.user = user
            g.token = token
            return fn(*args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


admin_required = login_required(role="admin")


def current_user() -> User:
    return g.user
