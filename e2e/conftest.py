"""Browser harness: a real Chromium with the unpacked extension, a live backend, LinkedIn pages.

- Chromium comes from ``ITRIS_SYNC_CHROMIUM`` or ``chromium``/``chromium-browser`` on PATH.
  Playwright cannot download its own browser here, and branded Google Chrome ignores
  ``--load-extension``; without a Chromium the suite fails (it never skips).
- The backend is the real Flask app on a free loopback port, with a temporary SQLite database.
- ``https://www.linkedin.com/**`` is answered from ``e2e/fixtures/``, so the manifest's real
  match patterns decide where the content script runs.
- One browser per test module; each test starts signed out, with fresh pages.
  ``ITRIS_SYNC_E2E_HEADED=1`` shows the browser (needs a display).
- ``itris`` (asked for by a test, never autouse): the team connected to a live itris sandbox
  with its company mirror filled, a queue consumer running the pushes, a freshly seeded
  sandbox per test, and the team's settings put back afterwards.
- The pieces themselves live in ``harness.py`` (shared with tests/bench/bench_panel.py).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from harness import (
    ADMIN,
    EXTENSION_NAME,
    OPTIONS_PATH,
    RECRUITER,
    TIMEOUT_MS,
    WORKER_PATH,
    Account,
    LiveBackend,
    NoChromium,
    Sandbox,
    connect_itris,
    find_chromium,
    launch_extension,
    start_backend,
    wait_for_push,
)
from playwright.sync_api import BrowserContext, Page, Playwright, expect, sync_playwright

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def admin() -> Account:
    return ADMIN


@pytest.fixture(scope="session")
def recruiter() -> Account:
    return RECRUITER


# --- Chromium -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    try:
        return find_chromium()
    except NoChromium as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def playwright_driver() -> Playwright:
    with sync_playwright() as driver:
        yield driver


# --- The backend ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_backend(tmp_path_factory) -> LiveBackend:
    """The backend app (temporary SQLite) with an admin and a recruiter.

    No queue consumer runs unless a test asks for ``itris`` (or ``queue_consumer``).
    """
    handle, stop = start_backend(tmp_path_factory.mktemp("backend"))
    yield handle
    stop()


# --- itris: sandbox, connection, queue --------------------------------------------------------


@pytest.fixture(scope="session")
def sandbox_server():
    """One live itris sandbox for the session, on a free loopback port."""
    from backend.sandbox import start_server

    server = start_server(host="127.0.0.1", port=0, seed=1)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def queue_consumer(live_backend):
    """A queue consumer (threads) running the live backend's pushes."""
    from backend import queue

    consumer = queue.start_consumer(workers=2)
    yield consumer
    queue.stop_consumer(consumer)


@pytest.fixture(scope="module")
def itris_connected(live_backend, sandbox_server, queue_consumer):
    """The team connected to the sandbox, companies mirrored; disconnected after the module."""
    admin_api = live_backend.api(ADMIN)
    sandbox = Sandbox(sandbox_server.url)
    sandbox.reset()
    connect_itris(admin_api, sandbox)
    yield
    admin_api.call("DELETE", "/api/integrations/itris")
    admin_api.close()


class Itris:
    """A test's view of the connected team: the sandbox, API clients, settings, campaigns."""

    _names = itertools.count(1)

    def __init__(self, backend: LiveBackend, sandbox: Sandbox):
        self.backend = backend
        self.sandbox = sandbox
        self.admin = backend.api(ADMIN)
        self.recruiter = backend.api(RECRUITER)
        saved = self.admin.get("/api/integrations/itris/settings")
        self._saved = {"team": saved["team"], "locks": saved["locks"]}

    def settings(self, **changes) -> dict:
        """Change team settings: top-level keys, or ``applicant``/``contact`` partial sections."""
        current = self.admin.get("/api/integrations/itris/settings")
        team = current["team"]
        for key, value in changes.items():
            if key in ("applicant", "contact"):
                team[key] = {**team[key], **value}
            else:
                team[key] = value
        body = {"team": team, "locks": current["locks"]}
        return self.admin.call("PUT", "/api/integrations/itris/settings", body, expect=200).json()

    def campaign(self, sync_as: str = "applicant", tags=(), name: str | None = None) -> int:
        """A new campaign (a unique name unless given); returns its id."""
        body = {
            "name": name or f"E2E campaign {next(self._names)}",
            "type": "candidate" if sync_as == "applicant" else "client",
            "sync_as": sync_as,
            "tags": list(tags),
        }
        return self.recruiter.call("POST", "/api/campaigns", body, expect=201).json()["id"]

    def lookup(self, slug: str, campaign_id: int | None = None, **profile) -> dict:
        """The profile lookup, as the recruiter's API sees it."""
        body = {
            "profile_url": f"https://www.linkedin.com/in/{slug}/",
            "campaign_id": campaign_id,
            **profile,
        }
        return self.recruiter.call("POST", "/api/profile/lookup", body, expect=200).json()

    def wait_for_push(self, push_id: int, timeout: float = 30.0) -> dict:
        return wait_for_push(self.recruiter, push_id, timeout)

    def records(self, kind: str, **match) -> list[dict]:
        return self.sandbox.records(kind, **match)

    def close(self) -> None:
        self.sandbox.faults(error_rate=0, latency_ms=0, drop_rate=0, fault_methods=None)
        self.admin.call("PUT", "/api/integrations/itris/settings", self._saved, expect=200)
        self.admin.close()
        self.recruiter.close()


@pytest.fixture
def itris(itris_connected, live_backend, sandbox_server) -> Itris:
    """The connected team for one test: a freshly seeded sandbox; settings restored after."""
    from backend import queue

    # Another suite in this session may have built an app of its own: the queue's tasks
    # must run in this backend's app.
    queue.init_app(live_backend.app)
    sandbox = Sandbox(sandbox_server.url)
    sandbox.reset()
    helper = Itris(live_backend, sandbox)
    yield helper
    helper.close()


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

    def sign_in_as(self, account: Account) -> None:
        """Store a session for ``account`` as the options page would (no form, no page)."""
        session = self.backend.sign_in(account)
        self.probe.evaluate(
            "session => chrome.storage.local.set(session)",
            {"backendUrl": self.backend.url, "token": session["token"], "user": session["user"]},
        )

    def work_in_campaign(self, campaign_id: int) -> None:
        """Make ``campaign_id`` the campaign the panel starts with (the recruiter's last pick)."""
        self.probe.evaluate(
            "id => chrome.storage.local.set({prefs: {campaignId: id}})", campaign_id
        )

    def open_profile(self, slug: str = "priya-raman") -> Page:
        page = self.context.new_page()
        page.goto(f"https://www.linkedin.com/in/{slug}/")
        return page

    def open_panel(self, slug: str) -> Page:
        """Open a profile and wait until the panel shows the person's itris state."""
        page = self.open_profile(slug)
        expect(page.get_by_test_id("itris-panel")).to_have_attribute("data-state", "ready")
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
    context, extension_id = launch_extension(
        playwright_driver, chromium_executable, tmp_path_factory.mktemp("chromium-profile")
    )
    try:
        yield Extension(context, extension_id, live_backend)
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
