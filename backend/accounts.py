"""Teams, users and bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from backend.db import db, utcnow
from backend.errors import ApiError
from backend.models import ROLES, ApiToken, Team, User

TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)

# Checked against when the email is unknown, so a miss costs the same time as a hit.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def get_or_create_team(name: str) -> Team:
    """Return the team called ``name``, creating it if it does not exist yet."""
    team = db.session.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name)
        db.session.add(team)
        db.session.flush()
    return team


def create_user(*, email: str, password: str, name: str, role: str, team_name: str) -> User:
    """Create a user (and their team if new); commits."""
    email = email.strip().lower()
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not email or "@" not in email:
        raise ValueError("a valid email address is required")
    if len(password) < 8:
        raise ValueError("the password must be at least 8 characters")
    if db.session.scalar(select(User).where(User.email == email)) is not None:
        raise ValueError(f"a user with email {email} already exists")
    team = get_or_create_team(team_name)
    user = User(
        team=team,
        email=email,
        name=name,
        role=role,
        password_hash=generate_password_hash(password),
    )
    db.session.add(user)
    db.session.commit()
    return user


def login(email: str, password: str) -> tuple[str, User]:
    """Check credentials and issue a new bearer token."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if not check_password_hash(user.password_hash if user else _DUMMY_HASH, password) or not user:
        raise ApiError(401, "Wrong email or password.")
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=hash_token(token)))
    db.session.commit()
    return token, user


def user_for_token(token: str) -> User | None:
    """The user a live token belongs to, or None."""
    row = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    )
    if row is None:
        return None
    now = utcnow()
    # A write on every request would cost more than the request; a minute's precision does.
    if row.last_used_at is None or now - row.last_used_at > TOKEN_TOUCH_INTERVAL:
        row.last_used_at = now
        db.session.commit()
    return row.user


def revoke(token: str) -> None:
    """Revoke one token."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.commit()
