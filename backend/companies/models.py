"""Tables of the company mirror: companies, team aliases and each team's sync state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend import models as _core  # noqa: F401  (teams and users, which our keys point to)
from backend.db import Base, UTCDateTime, utcnow


class Company(Base):
    """One itris company as the team's mirror holds it, with its normalised name."""

    __tablename__ = "companies"
    __table_args__ = (
        UniqueConstraint("team_id", "itris_id"),
        Index("ix_companies_team_id_name_key", "team_id", "name_key"),
        Index("ix_companies_team_id_revision", "team_id", "revision"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    itris_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(500))
    # See backend.companies.normalise: every word, the distinctive words, the duplicate key.
    name_norm: Mapped[str] = mapped_column(String(500))
    name_core: Mapped[str] = mapped_column(String(500))
    name_key: Mapped[str] = mapped_column(String(500))
    location: Mapped[str | None] = mapped_column(String(500))
    website: Mapped[str | None] = mapped_column(String(500))
    owner_user_id: Mapped[int | None] = mapped_column(Integer)
    status_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(200))
    contact_count: Mapped[int | None] = mapped_column(Integer)
    itris_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The team's mirror revision when this row last changed: in-process indexes catch up
    # by reading the rows above the revision they hold.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    synced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CompanyAlias(Base):
    """A recruiter's pick: this profile company name means that itris company, team-wide."""

    __tablename__ = "company_aliases"
    __table_args__ = (UniqueConstraint("team_id", "name_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name_key: Mapped[str] = mapped_column(String(500))
    name: Mapped[str] = mapped_column(String(500))  # as last picked for, for people to read
    itris_company_id: Mapped[int] = mapped_column(Integer)
    chosen_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CompanySyncState(Base):
    """Where a team's mirror stands: its revision and the last itris change it has seen."""

    __tablename__ = "company_sync_states"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # The newest itris ``updatedAt`` mirrored: the next incremental sync's modifiedSince.
    modified_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_full_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    total: Mapped[int] = mapped_column(Integer, default=0)
    # itris company status names by id (JSON), so webhook rows get a readable status.
    status_names: Mapped[str | None] = mapped_column(Text)
