"""Shared fixtures: a live itris sandbox on a free port, the app, a client, auth helpers."""

from __future__ import annotations

import pytest
import requests


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
def make_app(tmp_path):
    """Build apps on fresh, migrated SQLite databases in temporary instance folders."""
    from backend import create_app

    made = []

    def make(**overrides):
        folder = tmp_path / f"app{len(made)}"
        folder.mkdir()
        config = {
            "TESTING": True,
            "INSTANCE_PATH": str(folder),
            "DATABASE_URL": f"sqlite:///{folder / 'itris-sync.sqlite3'}",
            "QUEUE_URL": f"sqlite:///{folder / 'queue.sqlite3'}",
            "SECRET_KEY": "test-secret-key",
            "AUTO_MIGRATE": True,
            "ITRIS_MAX_ATTEMPTS": 3,
            "ITRIS_TIMEOUT": 5.0,
            "EXTENSION_ORIGINS": ["chrome-extension://abcdefghijklmnop"],
        }
        config.update(overrides)
        made.append(create_app(config))
        return made[-1]

    yield make
    for app in made:
        app.extensions["db"].dispose()


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
