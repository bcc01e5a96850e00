"""Browser harness: a real Chromium with the unpacked extension, a live backend, LinkedIn pages.

- Chromium comes from ``ITRIS_SYNC_CHROMIUM`` or ``chromium``/``chromium-browser`` on PATH.
  Playwright cannot download its own browser here, and branded Google Chrome ignores
  ``--load-extension``; without a Chromium the suite fails (it never skips).
- The backend is the real Flask app on a free loopback port, with a temporary SQLite database.
- ``https://www.linkedin.com/**`` is answered from ``e2e/fixtures/``, so the manifest's real
  match patterns decide where the content script runs.
- One browser per test module; each test starts signed out, with fresh pages.
  ``ITRIS_SYNC_E2E_HEADED=1`` shows the browser (needs a display).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import BrowserContext, Page, Playwright, Route, expect, sync_playwright
from werkzeug.serving import make_server

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

EXTENSION_NAME = "itris-sync"  # manifest "name": also the content script world's name
WORKER_PATH = "extension/background/service-worker.js"
OPTIONS_PATH = "extension/options/options.html"
TIMEOUT_MS = 10_000

# Profile slug → fixture page; any other /in/<slug>/ gets the signed-in recruiter's view.
LINKEDIN_PROFILES = {
    "priya-raman": "linkedin-profile-loggedin.html",
    "tomas-ferreira-4a2b9": "linkedin-profile-public.html",
}
DEFAULT_PROFILE = "linkedin-profile-loggedin.html"
NOT_FOUND_PAGE = "<!DOCTYPE html><html><head><title>LinkedIn</title></head><body></body></html>"

expect.set_options(timeout=TIMEOUT_MS)


@dataclass(frozen=True)
class Account:
    email: str
    password: str
    name: str
    role: str


ADMIN = Account("admin@example.com", "correct-horse-battery", "Ada Admin", "admin")
RECRUITER = Account("rita@example.com", "staple-gun-42", "Rita Recruiter", "recruiter")
TEAM = "Acme Recruitment"


@pytest.fixture(scope="session")
def admin() -> Account:
    return ADMIN


@pytest.fixture(scope="session")
def recruiter() -> Account:
    return RECRUITER


# --- Chromium -----------------------------------------------------------------------------


def find_chromium() -> str:
    """Return the Chromium to drive, or fail the run saying how to provide one."""
    configured = os.environ.get("ITRIS_SYNC_CHROMIUM")
    if configured:
        path = shutil.which(configured)
        if path is None:
            pytest.fail(
                f"ITRIS_SYNC_CHROMIUM={configured!r} is not an executable file.", pytrace=False
            )
        return path
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail(
        "The browser tests need Chromium and none was found: install it "
        "(Debian/Ubuntu: `apt-get install chromium`, or `make chromium`) or point "
        "ITRIS_SYNC_CHROMIUM at a Chromium binary. Google Chrome 137+ will not do: it "
        "ignores --load-extension.",
        pytrace=False,
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


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    return find_chromium()


@pytest.fixture(scope="session")
def playwright_driver() -> Playwright:
    with sync_playwright() as driver:
        yield driver


# --- The backend ----------------------------------------------------------------------------


class LiveBackend:
    """The real backend serving HTTP on a free loopback port."""

    def __init__(self, app, url: str):
        self.app = app
        self.url = url
        self.http = requests.Session()

    def login(self, account: Account) -> str:
        """Sign in from Python; return the bearer token."""
        response = self.http.post(
            f"{self.url}/api/auth/login",
            json={"email": account.email, "password": account.password},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()["token"]

    def logout(self, token: str) -> requests.Response:
        return self.http.post(
            f"{self.url}/api/auth/logout", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )

    def me(self, token: str) -> requests.Response:
        return self.http.get(
            f"{self.url}/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )


@pytest.fixture(scope="session")
def live_backend(tmp_path_factory) -> LiveBackend:
    """The backend app (temporary SQLite, no queue worker) with an admin and a recruiter."""
    from backend import create_app
    from backend.accounts import create_user

    instance = tmp_path_factory.mktemp("backend")
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{instance}/itris-sync.db",
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "AUTO_MIGRATE": True,
            "START_WORKER": False,
            "EXTENSION_ORIGINS": ["chrome-extension://*"],
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

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-backend", daemon=True)
    thread.start()
    handle = LiveBackend(app, f"http://127.0.0.1:{server.server_port}")
    yield handle
    handle.http.close()
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


# --- LinkedIn, routed -----------------------------------------------------------------------


def serve_linkedin(route: Route) -> None:
    """Answer a www.linkedin.com request from the fixtures: profiles by slug, else a blank page."""
    path = urlsplit(route.request.url).path
    match = re.fullmatch(r"/in/([^/]+)/?", path)
    if match is None:
        route.fulfill(status=404, content_type="text/html; charset=utf-8", body=NOT_FOUND_PAGE)
        return
    fixture = LINKEDIN_PROFILES.get(match.group(1), DEFAULT_PROFILE)
    route.fulfill(
        status=200,
        content_type="text/html; charset=utf-8",
        body=(FIXTURES / fixture).read_text(encoding="utf-8"),
    )


# --- The extension --------------------------------------------------------------------------


class Extension:
    """The loaded extension: its id, its pages, its storage and its service worker."""

    def __init__(self, context: BrowserContext, extension_id: str, backend: LiveBackend):
        self.context = context
        self.id = extension_id
        self.backend = backend
        self.base_url = f"chrome-extension://{extension_id}/"
        self.options_url = self.base_url + OPTIONS_PATH
        self.worker_url = self.base_url + WORKER_PATH
        # An extension page kept open for the whole module, to reach chrome.storage directly.
        self.probe = context.pages[0] if context.pages else context.new_page()
        self.probe.goto(self.options_url)

    def open_options(self) -> Page:
        """Open the options page and wait until it has asked the worker who is signed in."""
        page = self.context.new_page()
        page.goto(self.options_url)
        expect(page.get_by_test_id("login-state")).not_to_contain_text("Checking")
        return page

    def sign_in(
        self,
        page: Page,
        account: Account,
        *,
        password: str | None = None,
        backend_url: str | None = None,
    ) -> None:
        """Fill in and submit the options page's sign-in form."""
        page.get_by_test_id("backend-url").fill(backend_url or self.backend.url)
        page.get_by_test_id("login-email").fill(account.email)
        page.get_by_test_id("login-password").fill(
            account.password if password is None else password
        )
        page.get_by_test_id("login-submit").click()

    def sign_in_through_options(self, account: Account) -> Page:
        """Sign in on a fresh options page and wait for the signed-in state."""
        page = self.open_options()
        self.sign_in(page, account)
        expect(page.get_by_test_id("login-state")).to_contain_text(f"Signed in as {account.name}")
        return page

    def open_profile(self, slug: str = "priya-raman") -> Page:
        page = self.context.new_page()
        page.goto(f"https://www.linkedin.com/in/{slug}/")
        return page

    @staticmethod
    def storage(page: Page) -> dict:
        """Everything in chrome.storage.local, read through an extension page."""
        return page.evaluate("chrome.storage.local.get(null)")

    @staticmethod
    def send(page: Page, message: dict) -> dict:
        """Send a runtime message from an extension page; return the worker's answer."""
        return page.evaluate("message => chrome.runtime.sendMessage(message)", message)

    def worker_status(self, page: Page) -> str | None:
        """The worker's running status ("running", "stopped", ...) as DevTools reports it."""
        return self._watch_worker(page, stop=False)

    def stop_worker(self, page: Page) -> None:
        """Stop the service worker as Chrome does when it evicts an idle one."""
        status = self._watch_worker(page, stop=True)
        assert status == "stopped", f"the service worker did not stop (status {status!r})"

    def _watch_worker(self, page: Page, *, stop: bool) -> str | None:
        # The DevTools ServiceWorker domain of an extension page sees the extension's worker.
        statuses: list[str] = []

        def record(event: dict) -> None:
            statuses.extend(
                version["runningStatus"]
                for version in event["versions"]
                if version["scriptURL"] == self.worker_url
            )

        session = self.context.new_cdp_session(page)
        try:
            session.on("ServiceWorker.workerVersionUpdated", record)
            session.send("ServiceWorker.enable")
            page.wait_for_timeout(100)
            if stop:
                session.send("ServiceWorker.stopAllWorkers")
                for _ in range(100):
                    if statuses and statuses[-1] == "stopped":
                        break
                    page.wait_for_timeout(50)
            return statuses[-1] if statuses else None
        finally:
            session.detach()

    def evaluate_in_content_script(self, page: Page, expression: str):
        """Evaluate an expression (awaiting a promise) in the content script's isolated world."""
        session = self.context.new_cdp_session(page)
        try:
            worlds: list[int] = []
            session.on(
                "Runtime.executionContextCreated",
                lambda event: (
                    worlds.append(event["context"]["id"])
                    if event["context"]["name"] == EXTENSION_NAME
                    else None
                ),
            )
            session.send("Runtime.enable")  # replays the contexts that already exist
            assert worlds, "the content script's world was not found on this page"
            result = session.send(
                "Runtime.evaluate",
                {
                    "expression": expression,
                    "contextId": worlds[-1],
                    "awaitPromise": True,
                    "returnByValue": True,
                },
            )
            assert "exceptionDetails" not in result, result["exceptionDetails"]
            return result["result"].get("value")
        finally:
            session.detach()

    def reset(self) -> None:
        """Sign out locally (no backend call) and close every page but the probe."""
        for page in self.context.pages:
            if page != self.probe:
                page.close()
        self.probe.evaluate("chrome.storage.local.clear()")


@pytest.fixture(scope="module")
def extension_context(playwright_driver, chromium_executable, live_backend, tmp_path_factory):
    """One Chromium per test module, the extension loaded, LinkedIn routed to fixtures."""
    context = playwright_driver.chromium.launch_persistent_context(
        user_data_dir=tmp_path_factory.mktemp("chromium-profile"),
        executable_path=chromium_executable,
        headless=False,
        args=chromium_args(REPO_ROOT),
        # Playwright disables extensions by default; ours is the point of the exercise.
        ignore_default_args=["--disable-extensions"],
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        workers = context.service_workers or [
            context.wait_for_event("serviceworker", timeout=TIMEOUT_MS)
        ]
        worker_url = next(
            (w.url for w in workers if w.url.endswith("/" + WORKER_PATH)), workers[0].url
        )
        assert worker_url.endswith("/" + WORKER_PATH), f"unexpected service worker {worker_url}"
        context.route("https://www.linkedin.com/**", serve_linkedin)
        yield Extension(context, urlsplit(worker_url).netloc, live_backend)
    finally:
        context.close()


@pytest.fixture
def extension(extension_context: Extension, request) -> Extension:
    """The extension, signed out, with no pages open but the browser's first one."""
    extension_context.reset()
    yield extension_context
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        save_artifacts(extension_context.context, request.node.nodeid)


# --- Failure artifacts ----------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def save_artifacts(context: BrowserContext, nodeid: str) -> None:
    """Screenshot every open page of a failed test into e2e/artifacts/<test>/."""
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", nodeid).strip("-")
    folder.mkdir(parents=True, exist_ok=True)
    for number, page in enumerate(context.pages):
        try:
            page.screenshot(path=folder / f"page-{number}.png", full_page=True)
            (folder / f"page-{number}.url").write_text(page.url + "\n")
        except Exception as error:  # a crashed page must not hide the test's own failure
            (folder / f"page-{number}.error").write_text(f"{error}\n")
