"""The pieces the browser tests and the panel benchmark share: Chromium with the extension,
LinkedIn pages from fixtures, the live backend, the itris sandbox and small API clients.

No pytest here: ``e2e/conftest.py`` wraps these in fixtures, ``tests/bench/bench_panel.py``
uses them directly.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from playwright.sync_api import BrowserContext, Playwright, Route
from werkzeug.serving import WSGIRequestHandler, make_server

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"

EXTENSION_NAME = "itris-sync"  # manifest "name": also the content script world's name
WORKER_PATH = "extension/background/service-worker.js"
OPTIONS_PATH = "extension/options/options.html"
TIMEOUT_MS = 10_000

# Profile slug → fixture page. A slug that starts with a key and a dash gets that key's page
# (tests use fresh slugs for the same person: "priya-raman-t3"); any other /in/<slug>/ gets
# the signed-in recruiter's view of Priya Raman.
LINKEDIN_PROFILES = {
    "priya-raman": "linkedin-profile-loggedin.html",
    "tomas-ferreira-4a2b9": "linkedin-profile-public.html",
    "tom-hughes-5e8b10": "linkedin-profile-tom-hughes.html",
    "oliver-bennett-91c3d2": "linkedin-profile-oliver-bennett.html",
    "sarah-mitchell": "linkedin-profile-sarah-mitchell.html",
    "dan-fowler": "linkedin-profile-dan-fowler.html",
    "amara-okafor": "linkedin-profile-og-only.html",
    "jo-bloggs": "linkedin-profile-title-only.html",
    "eve-markup": "linkedin-profile-markup-name.html",
}
DEFAULT_PROFILE = "linkedin-profile-loggedin.html"
NOT_FOUND_PAGE = "<!DOCTYPE html><html><head><title>LinkedIn</title></head><body></body></html>"


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    name: str
    role: str


ADMIN = Account("admin@example.com", "correct-horse-battery", "Ada Admin", "admin")
RECRUITER = Account("rita@example.com", "staple-gun-42", "Rita Recruiter", "recruiter")
TEAM = "Acme Recruitment"

# The backend the browser tests run: quick to give up on a failing push, so a test sees
# "failed" in seconds rather than minutes.
BACKEND_CONFIG = {
    "SECRET_KEY": "test-secret",
    "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",  # users are made and signed in per test
    "TESTING": True,
    "AUTO_MIGRATE": True,
    "START_WORKER": False,
    "EXTENSION_ORIGINS": ["chrome-extension://*"],
    "PUSH_MAX_ATTEMPTS": 2,
    "PUSH_RETRY_BASE_S": 0.05,
    "ITRIS_MAX_ATTEMPTS": 2,
    "ITRIS_RETRY_BASE_S": 0.05,
    "ITRIS_TIMEOUT": 2.0,
    "LOOKUP_CACHE_VERIFY": True,  # a kept profile lookup served must match a fresh one
}


# --- Chromium -----------------------------------------------------------------------------
class NoChromium(RuntimeError):
    """No Chromium to drive."""


def find_chromium() -> str:
    """Return the Chromium to drive, or raise NoChromium saying how to provide one."""
    configured = os.environ.get("ITRIS_SYNC_CHROMIUM")
    if configured:
        path = shutil.which(configured)
        if path is None:
            raise NoChromium(f"ITRIS_SYNC_CHROMIUM={configured!r} is not an executable file.")
        return path
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    raise NoChromium(
        "The browser tests need Chromium and none was found: install it "
        "(Debian/Ubuntu: `apt-get install chromium`, or `make chromium`) or point "
        "ITRIS_SYNC_CHROMIUM at a Chromium binary. Google Chrome 137+ will not do: it "
        "ignores --load-extension."
    )


def chromium_args(extension_root: Path) -> list[str]:
    """Flags for Chromium with only our unpacked extension loaded, quiet and headless."""
    args = [
        f"--disable-extensions-except={extension_root}",
        f"--load-extension={extension_root}",
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-gpu",
    ]
    if os.environ.get("ITRIS_SYNC_E2E_HEADED") != "1":
        # The new headless mode is the full browser, extensions included; Playwright's own
        # `headless` switch is left off so it adds no flags of its own.
        args.insert(0, "--headless=new")
    return args


def launch_extension(
    driver: Playwright, executable: str, user_data_dir: Path
) -> tuple[BrowserContext, str]:
    """Start Chromium with the extension, LinkedIn routed to fixtures; return it and the id."""
    context = driver.chromium.launch_persistent_context(
        user_data_dir=user_data_dir,
        executable_path=executable,
        headless=False,
        args=chromium_args(REPO_ROOT),
        # Playwright disables extensions by default; ours is the point of the exercise.
        ignore_default_args=["--disable-extensions"],
        viewport={"width": 1280, "height": 900},
    )
    try:
        context.set_default_timeout(TIMEOUT_MS)
        workers = context.service_workers or [
            context.wait_for_event("serviceworker", timeout=TIMEOUT_MS)
        ]
        worker_url = next(
            (w.url for w in workers if w.url.endswith("/" + WORKER_PATH)), workers[0].url
        )
        assert worker_url.endswith("/" + WORKER_PATH), f"unexpected service worker {worker_url}"
        context.route("https://www.linkedin.com/**", serve_linkedin)
    except BaseException:
        context.close()
        raise
    return context, urlsplit(worker_url).netloc


# --- LinkedIn, routed -----------------------------------------------------------------------
def fixture_for(slug: str) -> str:
    """The fixture page for a profile slug (exact, else the longest key it starts with)."""
    if slug in LINKEDIN_PROFILES:
        return LINKEDIN_PROFILES[slug]
    prefixed = [key for key in LINKEDIN_PROFILES if slug.startswith(key + "-")]
    return LINKEDIN_PROFILES[max(prefixed, key=len)] if prefixed else DEFAULT_PROFILE


def profile_html(slug: str) -> str:
    return (FIXTURES / fixture_for(slug)).read_text(encoding="utf-8")


def serve_linkedin(route: Route) -> None:
    """Answer a www.linkedin.com request from the fixtures: profiles by slug, else a blank page."""
    path = urlsplit(route.request.url).path
    match = re.fullmatch(r"/in/([^/]+)/?", path)
    if match is None:
        route.fulfill(status=404, content_type="text/html; charset=utf-8", body=NOT_FOUND_PAGE)
        return
    route.fulfill(
        status=200, content_type="text/html; charset=utf-8", body=profile_html(match.group(1))
    )


# --- The backend ----------------------------------------------------------------------------
class Api:
    """The backend's REST API as one signed-in user sees it."""

    def __init__(self, url: str, token: str):
        self.url = url
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body=None, *, expect: int | None = None):
        """Call the API; with ``expect``, assert the status. Returns the response."""
        response = self.http.request(method, f"{self.url}{path}", json=body, timeout=30)
        if expect is not None:
            assert response.status_code == expect, (
                f"{method} {path} answered {response.status_code}: {response.text}"
            )
        return response

    def get(self, path: str):
        return self.call("GET", path, expect=200).json()

    def close(self) -> None:
        self.http.close()


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


class LiveBackend:
    """The real backend serving HTTP on a free loopback port."""

    def __init__(self, app, url: str):
        self.app = app
        self.url = url
        self.http = requests.Session()

    def sign_in(self, account: Account) -> dict:
        """Sign in from Python; return ``{token, user}``."""
        response = self.http.post(
            f"{self.url}/api/auth/login",
            json={"email": account.email, "password": account.password},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()

    def login(self, account: Account) -> str:
        """Sign in from Python; return the bearer token."""
        return self.sign_in(account)["token"]

    def api(self, account: Account) -> Api:
        """An API client signed in as ``account``."""
        return Api(self.url, self.login(account))

    def logout(self, token: str) -> requests.Response:
        return self.http.post(
            f"{self.url}/api/auth/logout", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )

    def me(self, token: str) -> requests.Response:
        return self.http.get(
            f"{self.url}/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )


def start_backend(instance: Path, **config) -> tuple[LiveBackend, callable]:
    """Serve the backend (temporary SQLite) with the admin and recruiter; return it and a stop."""
    from backend import create_app
    from backend.accounts import create_user

    app = create_app(
        {
            **BACKEND_CONFIG,
            "DATABASE_URL": f"sqlite:///{instance}/itris-sync.db",
            "INSTANCE_PATH": str(instance),
            **config,
        }
    )
    with app.app_context():
        for account in (ADMIN, RECRUITER):
            create_user(
                email=account.email,
                password=account.password,
                name=account.name,
                role=account.role,
                team_name=TEAM,
            )
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-backend", daemon=True)
    thread.start()
    handle = LiveBackend(app, f"http://127.0.0.1:{server.server_port}")

    def stop() -> None:
        handle.http.close()
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()

    return handle, stop


# --- itris: the sandbox and the team's connection --------------------------------------------
class Sandbox:
    """The live itris sandbox's control endpoints."""

    username = "api-user"
    password = "sandbox-password"

    def __init__(self, url: str):
        self.url = url
        self.http = requests.Session()

    def _ok(self, response: requests.Response):
        response.raise_for_status()
        return response.json() if response.content else None

    def reset(self, **body) -> None:
        """Re-seed (seed 1) and clear faults, tokens and stats."""
        body.setdefault("seed", 1)
        self._ok(self.http.post(f"{self.url}/_sandbox/reset", json=body, timeout=30))

    def faults(self, **faults) -> dict:
        return self._ok(self.http.put(f"{self.url}/_sandbox/faults", json=faults, timeout=10))

    def records(self, kind: str, **match) -> list[dict]:
        """Every record of a kind whose fields equal ``match``."""
        found = self._ok(self.http.get(f"{self.url}/_sandbox/records/{kind}", timeout=10))
        return [r for r in found if all(r.get(k) == v for k, v in match.items())]


def connect_itris(admin: Api, sandbox: Sandbox) -> dict:
    """Activate the team's itris connection on the sandbox and fill the company mirror."""
    body = {"username": sandbox.username, "password": sandbox.password, "subdomain": sandbox.url}
    admin.call("PUT", "/api/integrations/itris", body, expect=200)
    return admin.call(
        "POST", "/api/integrations/itris/companies/sync", {"mode": "full"}, expect=200
    ).json()


def wait_for_push(api: Api, push_id: int, timeout: float = 30.0) -> dict:
    """Wait until a push leaves queued/running; return it."""
    deadline = time.monotonic() + timeout
    while True:
        push = api.get(f"/api/pushes/{push_id}")
        if push["status"] not in ("queued", "running"):
            return push
        assert time.monotonic() < deadline, f"push {push_id} still {push['status']}"
        time.sleep(0.1)
