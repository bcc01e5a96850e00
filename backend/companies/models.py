"""Tables of the company mirror: companies, team aliases, each team's sync state, and the
claims of pushes about to create a company."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
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


class CompanyClaim(Base):
    """A push about to look a company up in itris and create it if itris lacks it: while
    the claim stands, no other push of the team does the same for a name of the same key
    (``backend.sync.companies``). Freed when the push ends, or held a while longer when its
    create may still be landing; a claim whose push died runs out at ``until``."""

    __tablename__ = "company_claims"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    name_key: Mapped[str] = mapped_column(String(500), primary_key=True)
    owner: Mapped[str] = mapped_column(String(32), index=True)  # the push run holding it
    until: Mapped[datetime] = mapped_column(UTCDateTime)


# --- The shared word index (PostgreSQL) -----------------------------------------------------
# With PostgreSQL the company index is these tables, kept current by triggers on
# ``companies`` (migration 0005, backend.companies.index.postgres_ddl): each company's
# distinctive words (postings), each team's vocabulary with document frequencies (the empty
# word counts the team's companies), and the one-letter deletions of every vocabulary word
# (typo tolerance by symmetric deletion). On SQLite they exist but stay empty.
company_words = Table(
    "company_words",
    Base.metadata,
    Column("team_id", Integer, nullable=False),
    Column("word", String(500), nullable=False),
    Column("itris_id", Integer, nullable=False),
    # sqrt of the company's word weights (generic words 0.3²): its length norm.
    Column("norm", Float, nullable=False),
    Index(
        "ix_company_words_lookup",
        "team_id",
        "word",
        "itris_id",
        unique=True,
        postgresql_include=["norm"],
    ),
)

company_vocab = Table(
    "company_vocab",
    Base.metadata,
    Column("team_id", Integer, primary_key=True),
    Column("word", String(500), primary_key=True),
    Column("df", Integer, nullable=False),
)

company_word_deletes = Table(
    "company_word_deletes",
    Base.metadata,
    Column("team_id", Integer, primary_key=True),
    Column("variant", String(500), primary_key=True),
    Column("word", String(500), primary_key=True),
)
