"""What the admin web app tests share: accounts, the live backend handle, browser helpers."""

from __future__ import annotations

import contextlib
import re
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from playwright.sync_api import Page, expect
from werkzeug.serving import WSGIRequestHandler

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "e2e" / "artifacts" / "admin"
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
TIMEOUT_MS = 10_000
TEAM = "Northwind Talent"

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-gpu",
]


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    name: str
    role: str


ADMIN = Account("ada.admin@northwind.example", "admin-pass-2468", "Ada Lovelace", "admin")
RECRUITER = Account(
    "rita.recruiter@northwind.example", "recruit-pass-1357", "Rita Moreno", "recruiter"
)


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


class WebApp:
    """The live backend: its URL, its Flask app, and API calls made as a given account."""

    def __init__(self, app, url: str, sandbox):
        self.app = app
        self.url = url
        self.sandbox = sandbox
        self.http = requests.Session()
        self._tokens: dict[str, str] = {}

    def token(self, account: Account) -> str:
        if account.email not in self._tokens:
            response = self.http.post(
                f"{self.url}/api/auth/login",
                json={"email": account.email, "password": account.password},
                timeout=10,
            )
            response.raise_for_status()
            self._tokens[account.email] = response.json()["token"]
        return self._tokens[account.email]

    def call(self, method: str, path: str, body=None, *, account: Account = ADMIN, expect=None):
        response = self.http.request(
            method,
            f"{self.url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {self.token(account)}"},
            timeout=30,
        )
        if expect is not None:
            assert response.status_code == expect, (response.status_code, response.text)
        return response

    def get(self, path: str, *, account: Account = ADMIN):
        return self.call("GET", path, account=account, expect=200).json()

    # --- State the tests start from -------------------------------------------------------
    def ensure_connected(self) -> None:
        if self.get("/api/integrations/itris")["status"] != "connected":
            self.connect()

    def connect(self) -> None:
        body = {
            "username": "api-user",
            "password": "sandbox-password",
            "subdomain": self.sandbox.url,
        }
        self.call("PUT", "/api/integrations/itris", body, expect=200)

    def disconnect(self) -> None:
        self.call("DELETE", "/api/integrations/itris", expect=200)

    def reset_settings(self) -> None:
        self.call("PUT", "/api/integrations/itris/settings", {"team": {}, "locks": []}, expect=200)
        for account in (ADMIN, RECRUITER):
            self.call("PUT", "/api/me/settings", {}, account=account, expect=200)

    def faults(self, **faults) -> None:
        response = self.http.put(f"{self.sandbox.url}/_sandbox/faults", json=faults, timeout=10)
        response.raise_for_status()

    def settings(self, *, account: Account = ADMIN) -> dict:
        return self.get("/api/integrations/itris/settings", account=account)

    def wait_for_push(self, push_id: int, until: tuple[str, ...], timeout: float = 60.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            push = self.get(f"/api/pushes/{push_id}")
            if push["status"] in until:
                return push
            assert time.monotonic() < deadline, f"push {push_id} is still {push['status']}"
            time.sleep(0.1)


class Console:
    """Errors the page reported (CSP violations, uncaught exceptions, failed scripts)."""

    def __init__(self, page: Page):
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def unexpected(self) -> list[str]:
        # A refused request (401/403/4xx the test provoked) is logged by Chromium as an error.
        return [e for e in self.errors if "Failed to load resource" not in e]


# --- Helpers for tests ---------------------------------------------------------------------------
def sign_in(page: Page, account: Account, route: str = "integrations") -> None:
    """Open the app at ``route`` and sign in through the form."""
    page.goto(f"/app/#/{route}")
    page.get_by_test_id("sign-in-email").fill(account.email)
    page.get_by_test_id("sign-in-password").fill(account.password)
    page.get_by_test_id("sign-in-submit").click()
    # wait_for() polls every frame; expect() backs off up to a second between its tries.
    heading = page.locator(f'.page-content[data-page="{route}"] h1')
    heading.wait_for()
    expect(page.get_by_test_id("signed-in-user")).to_contain_text(account.name)


def wait_for(page: Page, selector: str) -> None:
    """Wait (polling every frame) until ``selector`` matches a visible element."""
    page.locator(selector).first.wait_for()


def save_failure(page: Page, nodeid: str) -> None:
    """Screenshot a failed test's page into e2e/artifacts/admin/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", nodeid).strip("-")
    # A dead page must not hide the test's own failure.
    with contextlib.suppress(Exception):
        page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def save_screenshot(page: Page, name: str, **options) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=path, **options)
    return path
