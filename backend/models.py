"""SQLAlchemy models. Every row belongs to a team, directly or through its user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UTCDateTime, utcnow

ROLES = ("admin", "recruiter")


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A fresh random number at every commit that changes what the team's profile lookups
    # show (backend/revision.py): a lookup kept under another revision is not served.
    revision: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    users: Mapped[list[User]] = relationship(back_populates="team")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    team: Mapped[Team] = relationship(back_populates="users")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class ApiToken(Base):
    """A bearer token; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class ItrisConnection(Base):
    """A team's itris API user; the password is Fernet-encrypted."""

    __tablename__ = "itris_connections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), unique=True)
    subdomain: Mapped[str] = mapped_column(String(500))  # as the admin typed it
    base_url: Mapped[str] = mapped_column(String(500))
    username: Mapped[str] = mapped_column(String(200))
    password_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), default="connected")
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


# --- Integration settings ---------------------------------------------------------------
class TeamSettings(Base):
    """The team's integration settings (admin), and which keys users may not override."""

    __tablename__ = "team_settings"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    locks: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class UserSettings(Base):
    """A user's personal defaults for keys the admin has not locked."""

    __tablename__ = "user_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# --- Campaigns and the people in them ---------------------------------------------------
class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(30))
    sync_as: Mapped[str] = mapped_column(String(20))  # applicant | contact
    tags: Mapped[list] = mapped_column(JSON, default=list)  # "sync options"
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Contact(Base):
    """A person we reach out to, as read from their profile and edited by recruiters."""

    __tablename__ = "contacts"
    __table_args__ = (
        # One person, one row: a profile or an email seen twice finds the same contact.
        UniqueConstraint("team_id", "linkedin_slug", name="uq_contacts_team_slug"),
        UniqueConstraint("team_id", "email", name="uq_contacts_team_email"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))  # lower-case
    phone: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(300))
    company: Mapped[str | None] = mapped_column(String(300))
    location: Mapped[str | None] = mapped_column(String(300))
    headline: Mapped[str | None] = mapped_column(String(500))
    linkedin_url: Mapped[str | None] = mapped_column(String(500))
    linkedin_slug: Mapped[str | None] = mapped_column(String(200))
    fields: Mapped[dict] = mapped_column(JSON, default=dict)  # itris fields typed in by a user
    stage: Mapped[str] = mapped_column(String(20), default="new")  # new|replied|interested|...
    synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first linked to itris
    itris_company_id: Mapped[int | None] = mapped_column(Integer)  # the company a user picked
    cv_file_name: Mapped[str | None] = mapped_column(String(300))
    cv_content: Mapped[bytes | None] = mapped_column(LargeBinary)
    cv_uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lock_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # per-person push lease
    lock_owner: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CampaignMember(Base):
    """A person in a campaign, with this person's own "sync as" and tags if a user set them."""

    __tablename__ = "campaign_members"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sync_as_override: Mapped[str | None] = mapped_column(String(20))
    tags_override: Mapped[list | None] = mapped_column(JSON)


class ItrisLink(Base):
    """Which itris record a person is, once known, so later pushes need no search."""

    __tablename__ = "itris_links"
    __table_args__ = (UniqueConstraint("contact_id", "record_type"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    record_type: Mapped[str] = mapped_column(String(20))  # applicants | contacts
    itris_id: Mapped[int] = mapped_column(Integer)
    matched_by: Mapped[str] = mapped_column(String(20))  # created|email|linkedin|user
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Activity(Base):
    """Something that happened to a person in a campaign, reported by the outreach engine."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    type: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ActivityNote(Base):
    """The itris comment written for an activity: at most one per activity and record."""

    __tablename__ = "activity_notes"
    __table_args__ = (UniqueConstraint("activity_id", "record_type", "itris_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activities.id", ondelete="CASCADE"), index=True
    )
    record_type: Mapped[str] = mapped_column(String(20))
    itris_id: Mapped[int] = mapped_column(Integer)
    itris_comment_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


PUSH_STATUSES = ("queued", "running", "succeeded", "failed", "needs_review", "skipped")


class Push(Base):
    """One push of a person to itris: written with its cause, run by the queue."""

    __tablename__ = "pushes"
    __table_args__ = (Index("ix_pushes_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    trigger: Mapped[str] = mapped_column(String(30))  # push|campaign_add|activity|manual_update|...
    sync_as: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    skipped_rule: Mapped[str | None] = mapped_column(String(200))
    params: Mapped[dict] = mapped_column(JSON, default=dict)  # only_fields, create_new, ...
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For the sync log's names; never written through.
    contact: Mapped[Contact] = relationship(viewonly=True)
    campaign: Mapped[Campaign | None] = relationship(viewonly=True)


# The company mirror's tables live with the companies package; import them so every
# table is on Base.metadata wherever the models are loaded.
import backend.companies.models  # noqa: E402, F401


class LoginAttempt(Base):
    """A failed sign-in, kept while the throttle window lasts (by email and by address)."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_failed_at", "email", "failed_at"),
        Index("ix_login_attempts_client_ip_failed_at", "client_ip", "failed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320))  # as typed, lower-case
    client_ip: Mapped[str | None] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PersonRevision(Base):
    """One person's revision (backend/revision.py): renewed by every commit that changes what
    their profile lookups show, so a view kept under another revision is not served. A person
    is who a lookup asks about: ``s:<LinkedIn slug>`` and ``e:<email>``."""

    __tablename__ = "person_revisions"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    who: Mapped[str] = mapped_column(String(330), primary_key=True)
    revision: Mapped[int] = mapped_column(BigInteger)


class ItrisPersonState(Base):
    """What itris last said about a person, for the profile lookup (see person_state.py)."""

    __tablename__ = "itris_person_states"
    __table_args__ = (
        UniqueConstraint("team_id", "person_key"),
        Index("ix_itris_person_states_team_id_email", "team_id", "email"),
        Index("ix_itris_person_states_team_id_linkedin_slug", "team_id", "linkedin_slug"),
        Index("ix_itris_person_states_team_id_name_key", "team_id", "name_key"),
        Index("ix_itris_person_states_checked_at", "checked_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    person_key: Mapped[str] = mapped_column(String(64))  # sha256 of email|slug|name|company
    email: Mapped[str | None] = mapped_column(String(320))
    linkedin_slug: Mapped[str | None] = mapped_column(String(200))
    name_key: Mapped[str | None] = mapped_column(String(400))  # "first last", lower-case
    state: Mapped[dict] = mapped_column(JSON)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
