"""Shared fixtures: a live itris sandbox on a free port, the app, a client, auth helpers.

By default every app gets its own SQLite database and SqliteHuey queue. With
``ITRIS_SYNC_TEST_DATABASE_URL`` (PostgreSQL) and ``ITRIS_SYNC_TEST_QUEUE_URL`` (Redis) set,
the same tests run on those: each app gets its own PostgreSQL schema and a flushed queue.
"""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
import requests
from sqlalchemy import create_engine, text

TEST_DATABASE_URL = os.environ.get("ITRIS_SYNC_TEST_DATABASE_URL")
TEST_QUEUE_URL = os.environ.get("ITRIS_SYNC_TEST_QUEUE_URL")
# Passwords stored by the tests' apps: the production method at 1/32 of its cost (about 4 ms
# instead of 0.1 s per user made or signed in, most tests' set-up).
TEST_PASSWORD_HASH = "scrypt:1024:8:1"


@pytest.fixture(scope="session")
def sandbox_server():
    """One live sandbox for the session, on a free loopback port."""
    from backend.sandbox import start_server

    server = start_server(host="127.0.0.1", port=0, seed=1)
    yield server
    server.stop()


class Sandbox:
    """Test-side handle on the live sandbox: its URL and its control endpoints."""

    username = "api-user"
    password = "sandbox-password"

    def __init__(self, server):
        self.server = server
        self.url = server.url
        self.http = requests.Session()

    def reset(self, **body):
        """Re-seed the sandbox and clear faults, tokens, stats and the webhook."""
        body.setdefault("seed", 1)
        self._ok(self.http.post(f"{self.url}/_sandbox/reset", json=body, timeout=30))

    def faults(self, **faults):
        """Set fault injection (error_rate, error_status, latency_ms, rate_limit_per_s, ...)."""
        self._ok(self.http.put(f"{self.url}/_sandbox/faults", json=faults, timeout=10))

    def records(self, kind: str) -> list[dict]:
        """Every record of a kind, as the sandbox holds it."""
        return self._ok(self.http.get(f"{self.url}/_sandbox/records/{kind}", timeout=10))

    def stats(self) -> dict:
        return self._ok(self.http.get(f"{self.url}/_sandbox/stats", timeout=10))

    def webhook(self, url: str | None, secret: str | None = None):
        self._ok(
            self.http.put(
                f"{self.url}/_sandbox/webhook", json={"url": url, "secret": secret}, timeout=10
            )
        )

    @staticmethod
    def _ok(response):
        response.raise_for_status()
        return response.json() if response.content else None


@pytest.fixture
def sandbox(sandbox_server):
    """The live sandbox, freshly seeded (seed 1) with no faults, for one test."""
    handle = Sandbox(sandbox_server)
    handle.reset()
    yield handle
    handle.http.close()


@pytest.fixture
def search_budgets(monkeypatch):
    """``search_budgets(seed, read, fetch)``: the PostgreSQL search's posting budgets
    (``backend.companies.index``) scaled down to a test's few names, for one test."""
    from backend.companies import index

    def scale(seed: int, read: int, fetch: int) -> None:
        monkeypatch.setattr(index, "_PG_SEED_BUDGET", seed)
        monkeypatch.setattr(index, "_PG_READ_BUDGET", read)
        monkeypatch.setattr(index, "_PG_FETCH", fetch)
        index._pg_search_sql.cache_clear()

    yield scale
    index._pg_search_sql.cache_clear()  # the statements built with them


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """A SQLite database migrated once a session: each app's starts as a copy of it, which
    the app still checks is at head (the migrations themselves: ``test_migrations.py``)."""
    from backend.db import Database

    path = tmp_path_factory.mktemp("migrated") / "itris-sync.sqlite3"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    database.engine.dispose()
    return path


@pytest.fixture
def make_app(tmp_path, request):
    """Build apps on fresh, migrated databases (SQLite, or with ``ITRIS_SYNC_TEST_DATABASE_URL``
    PostgreSQL schemas) in temporary instance folders."""
    from backend import create_app

    made = []
    schemas = []

    def make(**overrides):
        folder = tmp_path / f"app{len(made)}"
        folder.mkdir()
        database = folder / "itris-sync.sqlite3"
        database_url = f"sqlite:///{database}"
        if "DATABASE_URL" in overrides:
            pass  # another app's database
        elif TEST_DATABASE_URL:
            schemas.append(request.getfixturevalue("pg_schemas").take())
            database_url = _schema_url(schemas[-1])
        else:
            shutil.copyfile(request.getfixturevalue("migrated_sqlite"), database)
        config = {
            "TESTING": True,
            "INSTANCE_PATH": str(folder),
            "DATABASE_URL": database_url,
            "QUEUE_URL": TEST_QUEUE_URL or f"sqlite:///{folder / 'queue.sqlite3'}",
            "SECRET_KEY": "test-secret-key",
            "PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH,
            "AUTO_MIGRATE": True,
            "ITRIS_MAX_ATTEMPTS": 3,
            "ITRIS_RETRY_BASE_S": 0.05,  # the sandbox's injected faults are retried at once
            "ITRIS_TIMEOUT": 5.0,
            "EXTENSION_ORIGINS": ["chrome-extension://abcdefghijklmnop"],
            # Every kept profile lookup served is recomputed and must match (or fail).
            "LOOKUP_CACHE_VERIFY": True,
        }
        config.update(overrides)
        made.append(create_app(config))
        if TEST_QUEUE_URL:
            made[-1].extensions["queue"].storage.flush_all()
        return made[-1]

    yield make
    for app in made:
        app.extensions["db"].dispose()
    for schema in schemas:
        request.getfixturevalue("pg_schemas").give_back(schema)


def _schema_url(schema: str) -> str:
    """A URL whose connections live in the PostgreSQL schema ``schema``."""
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    return f"{TEST_DATABASE_URL}{separator}options=-csearch_path%3D{schema},public"


class SchemaPool:
    """PostgreSQL schemas of the apps' own, each emptied when its test ends and handed to
    the next app: a schema the migrations built once, with every table truncated (identities
    restarted), is what a fresh one would be, and five times quicker to get. The apps check
    it is at head."""

    def __init__(self):
        self.engine = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
        self.free: list[str] = []
        self.every: list[str] = []

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with self.engine.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        self.every.append(schema)
        return schema

    def give_back(self, schema: str) -> None:
        with self.engine.connect() as conn:
            tables = conn.scalars(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = :schema"
                    " AND tablename <> 'alembic_version'"
                ),
                {"schema": schema},
            ).all()
            if tables:
                names = ", ".join(f'"{schema}"."{table}"' for table in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        self.free.append(schema)

    def drop_all(self) -> None:
        with self.engine.connect() as conn:
            for schema in self.every:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        self.engine.dispose()


@pytest.fixture(scope="session")
def pg_schemas():
    """The session's :class:`SchemaPool` (the scale-out run only)."""
    pool = SchemaPool()
    yield pool
    pool.drop_all()


@pytest.fixture
def app(make_app):
    """The app on a fresh, migrated SQLite database."""
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Auth:
    """Create users and sign them in; returns bearer headers."""

    def __init__(self, app, client):
        self.app = app
        self.client = client

    def user(self, email, role="recruiter", team="Acme Recruitment", password="correct-horse-9"):
        from backend.accounts import create_user

        with self.app.app_context():
            user = create_user(
                email=email, password=password, name=email.split("@")[0].title(), role=role,
                team_name=team,
            )  # fmt: skip
            return user.id

    def login(self, email, password="correct-horse-9") -> dict:
        response = self.client.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.json
        return {"Authorization": f"Bearer {response.json['token']}"}

    def headers(self, email, role="recruiter", team="Acme Recruitment") -> dict:
        """Create the user and sign in."""
        self.user(email, role=role, team=team)
        return self.login(email)


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture
def auth_for():
    """Make an Auth helper for an app built with make_app."""
    return lambda app: Auth(app, app.test_client())


class Engine:
    """A team connected to the live sandbox, with an admin, a recruiter and a running queue."""

    def __init__(self, app, client, auth, sandbox):
        self.app = app
        self.client = client
        self.auth = auth
        self.sandbox = sandbox
        self.admin = auth.headers("ada@acme.example", role="admin")
        self.recruiter = auth.headers("rita@acme.example", role="recruiter")
        body = {
            "username": sandbox.username,
            "password": sandbox.password,
            "subdomain": sandbox.url,
        }
        response = client.put("/api/integrations/itris", json=body, headers=self.admin)
        assert response.status_code == 200, response.json

    def call(self, method, path, body=None, *, headers=None, expect=None):
        response = getattr(self.client, method)(path, json=body, headers=headers or self.recruiter)
        if expect is not None:
            assert response.status_code == expect, (response.status_code, response.json)
        return response

    def settings(self, **changes):
        """Change team settings: top-level keys, or ``applicant``/``contact`` partial sections."""
        current = self.call("get", "/api/integrations/itris/settings", headers=self.admin).json
        team = current["team"]
        for key, value in changes.items():
            if key in ("applicant", "contact"):
                team[key] = {**team[key], **value}
            else:
                team[key] = value
        body = {"team": team, "locks": current["locks"]}
        return self.call(
            "put", "/api/integrations/itris/settings", body, headers=self.admin, expect=200
        )

    def campaign(self, name="Q4 Engineers", sync_as="applicant", tags=(), type="candidate"):
        body = {"name": name, "type": type, "sync_as": sync_as, "tags": list(tags)}
        return self.call("post", "/api/campaigns", body, expect=201).json["id"]

    def add(self, campaign_id, *, expect=201, **body):
        return self.call("post", f"/api/campaigns/{campaign_id}/contacts", body, expect=expect).json

    def activity(self, contact_id, campaign_id, type, **extra):
        body = {"type": type, "campaign_id": campaign_id, **extra}
        return self.call("post", f"/api/contacts/{contact_id}/activities", body, expect=201).json

    def wait(self, push_id, timeout=60.0, until=("succeeded", "failed", "needs_review", "skipped")):
        """Wait for a push to reach one of ``until``; return it."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            push = self.call("get", f"/api/pushes/{push_id}", expect=200).json
            if push["status"] in until:
                return push
            assert time.monotonic() < deadline, f"push {push_id} still {push['status']}: {push}"
            time.sleep(0.05)

    def wait_all(self, timeout=120.0):
        """Wait until no push of the team is queued or running."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            pending = self.pending()
            if not pending:
                return
            assert time.monotonic() < deadline, f"{len(pending)} pushes still pending"
            time.sleep(0.1)

    def pending(self) -> list[int]:
        """Ids of pushes still queued or running, in one read of the database."""
        from sqlalchemy import select

        from backend.models import Push

        with self.app.app_context():
            session = self.app.extensions["db"].session
            return session.scalars(
                select(Push.id).where(Push.status.in_(("queued", "running")))
            ).all()

    @staticmethod
    def person(slug, first, last, **extra) -> dict:
        """A profile as the extension sends it."""
        return {
            "profile_url": f"https://www.linkedin.com/in/{slug}/",
            "first_name": first,
            "last_name": last,
            **extra,
        }

    def records(self, kind, **match):
        return [
            r
            for r in self.sandbox.records(kind)
            if all(r.get(key) == value for key, value in match.items())
        ]


@pytest.fixture
def engine(make_app, auth_for, sandbox):
    """The sync engine end to end: app, connected sandbox, users and a live queue consumer."""
    from backend import queue

    app = make_app(
        PUSH_RETRY_BASE_S=0.05, PUSH_MAX_ATTEMPTS=6, ITRIS_MAX_ATTEMPTS=3, ITRIS_TIMEOUT=2.0
    )
    helper = auth_for(app)
    consumer = queue.start_consumer(workers=2)
    try:
        yield Engine(app, helper.client, helper, sandbox)
    finally:
        queue.stop_consumer(consumer)
