"""Teams, users and bearer tokens."""

from __future__ import annotations

import functools
import hashlib
import math
import secrets
from datetime import timedelta
from typing import NamedTuple

from flask import current_app
from sqlalchemy import bindparam, delete, literal, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from backend import revision
from backend.db import db, pg_array, utcnow
from backend.errors import ApiError
from backend.models import ROLES, ApiToken, LoginAttempt, PersonRevision, Team, User

TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def _password_hash(password: str) -> str:
    """The stored form of a password, by the configured method (``PASSWORD_HASH_METHOD``).
    A check reads the method from the stored hash, so a change of method locks no one out."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@functools.lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """Checked against when the email is unknown, so a miss costs the same time as a hit."""
    return generate_password_hash("not-a-real-password", method=method)


def check_hash_method(method: str) -> None:
    """Refuse, at start-up rather than at the first sign-in, a ``PASSWORD_HASH_METHOD``
    werkzeug cannot hash by (and hash the unknown email's password by it, ready)."""
    try:
        _dummy_hash(method)
    except ValueError as exc:  # hashlib's unsupported digest is a ValueError too
        raise ValueError(f"PASSWORD_HASH_METHOD {method!r} cannot hash: {exc}") from None


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
        password_hash=_password_hash(password),
    )
    db.session.add(user)
    db.session.commit()
    return user


def login(email: str, password: str, client_ip: str | None = None) -> tuple[str, User]:
    """Check credentials and issue a new bearer token; throttled against guessing."""
    email = email.strip().lower()
    _refuse_if_throttled(email, client_ip)
    user = db.session.scalar(select(User).where(User.email == email))
    stored = user.password_hash if user else _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"])
    if not check_password_hash(stored, password) or not user:
        _record_failure(email, client_ip)
        raise ApiError(401, "Wrong email or password.")
    # A success forgives the email's failures (not the address's: one good account must
    # not let its owner keep guessing at others).
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.email == email))
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=hash_token(token)))
    db.session.commit()
    return token, user


# --- Sign-in throttle -----------------------------------------------------------------------
# Failures are rows in the database, so every API process counts the same ones. Unknown
# emails are counted like known ones: a 429 says nothing about who has an account.
def _refuse_if_throttled(email: str, client_ip: str | None) -> None:
    """429 while this email, or this client address, has too many recent failures."""
    config = current_app.config
    window = timedelta(seconds=config["LOGIN_FAILURE_WINDOW_S"])
    since = utcnow() - window
    limits = [(LoginAttempt.email == email, config["LOGIN_MAX_FAILURES"])]
    if client_ip:
        limits.append((LoginAttempt.client_ip == client_ip, config["LOGIN_MAX_FAILURES_PER_IP"]))
    for condition, limit in limits:
        # The limit-th newest failure in the window: once it leaves, one more try is allowed.
        oldest_counted = db.session.scalar(
            select(LoginAttempt.failed_at)
            .where(condition, LoginAttempt.failed_at > since)
            .order_by(LoginAttempt.failed_at.desc())
            .offset(limit - 1)
            .limit(1)
        )
        if oldest_counted is not None:
            wait = max(1, math.ceil((oldest_counted + window - utcnow()).total_seconds()))
            raise ApiError(
                429,
                f"Too many failed sign-ins; try again in {wait} seconds.",
                headers={"Retry-After": str(wait)},
            )


def _record_failure(email: str, client_ip: str | None) -> None:
    """Remember a failed sign-in, and forget the ones older than the window."""
    now = utcnow()
    window = timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_S"])
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.failed_at <= now - window))
    db.session.add(LoginAttempt(email=email[:320], client_ip=client_ip, failed_at=now))
    db.session.commit()


# Every request reads it: built once, as SQLAlchemy then reuses its compiled form as is.
# The token, its user and their team (whose revision kept lookups check) in one read.
_LIVE = (ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
_LIVE_TOKEN = (
    select(ApiToken).options(joinedload(ApiToken.user).joinedload(User.team)).where(*_LIVE)
)


def user_for_token(token: str) -> User | None:
    """The user a live token belongs to, or None."""
    row = db.session.scalar(_LIVE_TOKEN, {"token_hash": hash_token(token)})
    if row is None:
        return None
    now = utcnow()
    # A write on every request would cost more than the request; a minute's precision does.
    if row.last_used_at is None or now - row.last_used_at > TOKEN_TOUCH_INTERVAL:
        row.last_used_at = now
        db.session.commit()
    return row.user


class SignIn(NamedTuple):
    """Whom a live token signs in, and the revisions of their team, of the people asked
    about (``revision.person_keys``; 0 for none) and of the company buckets asked about
    (``revision.of_buckets``) when they were read."""

    user_id: int
    team_id: int
    revision: int
    people: tuple[int, int]
    company: int = 0


def _person_revision(key: str):
    return (
        select(PersonRevision.revision)
        .where(PersonRevision.team_id == User.team_id, PersonRevision.who == bindparam(key))
        .scalar_subquery()
    )


# The same read as plain values, for a request that may be answered without a session, with
# the revisions of the person a profile lookup asks about (by slug and by email).
_SIGN_IN = (
    select(
        ApiToken.id,
        ApiToken.last_used_at,
        User.id,
        User.team_id,
        Team.revision,
        _person_revision("slug_key"),
        _person_revision("email_key"),
        literal(0),
    )
    .join(User, User.id == ApiToken.user_id)
    .join(Team, Team.id == User.team_id)
    .where(*_LIVE)
)
# With the shared PostgreSQL index, the company buckets of the profile too, as one array
# (an expanding IN would render the statement anew for every request).
_SIGN_IN_WITH_COMPANY = _SIGN_IN.with_only_columns(
    *_SIGN_IN.selected_columns[:-1],
    revision.buckets_revision(User.team_id, revision.keys_bind("company_keys")),
)
_TOUCH = (
    update(ApiToken)
    .where(ApiToken.id == bindparam("token_id"))
    .values(last_used_at=bindparam("now"))
)


def sign_in_alone(
    token: str,
    person: tuple[str | None, str | None] = (None, None),
    company_keys: tuple[str, ...] = (),
) -> SignIn | None:
    """:func:`user_for_token`, as one statement outside the request's session (None if the
    token is not live): no transaction is opened around it, so a request answered from it
    alone (a kept profile lookup) makes one round trip to the database, not three."""
    slug_key, email_key = person
    params = {
        "token_hash": hash_token(token),
        "slug_key": slug_key,
        "email_key": email_key,
        "company_keys": pg_array(company_keys),
    }
    statement = _SIGN_IN_WITH_COMPANY if company_keys else _SIGN_IN
    with db.autocommit.connect() as connection:
        row = connection.execute(statement, params).first()
        if row is None:
            return None
        token_id, last_used_at, user_id, team_id, team_revision, by_slug, by_email, company = row
        now = utcnow()
        if last_used_at is None or now - last_used_at > TOKEN_TOUCH_INTERVAL:
            connection.execute(_TOUCH, {"token_id": token_id, "now": now})
    return SignIn(user_id, team_id, team_revision, (by_slug or 0, by_email or 0), int(company))


def revoke(token: str) -> None:
    """Revoke one token."""
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.commit()
