"""Admin web app harness: a live backend with a live itris sandbox and queue, and a plain Chromium.

- The backend is ``backend.create_app`` on a free loopback port (temporary SQLite database and
  SqliteHuey queue), with an in-process queue consumer so pushes really run against the
  sandbox. Retries are quick (``PUSH_MAX_ATTEMPTS=2``, ``PUSH_RETRY_BASE_S=0.05``) so a
  failing push reaches ``failed`` in a moment.
- Chromium is Debian's (``ITRIS_SYNC_CHROMIUM`` or ``chromium`` on PATH), no extension, new
  headless mode. It is driven through ``playwright_driver`` from ``e2e/conftest.py``: one
  sync Playwright per process is all there may be.
- One backend, sandbox, queue consumer and browser for this package (it has an
  ``__init__.py`` so that "package" scope ends with it: the queue is a process-wide huey, and
  our consumer must not outlive our app while other suites run); each test gets a fresh
  browser context, default settings and no sandbox faults.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading

import pytest
from playwright.sync_api import Browser, Page
from werkzeug.serving import make_server

from .admin_harness import (
    ADMIN,
    CHROMIUM_ARGS,
    RECRUITER,
    TEAM,
    TIMEOUT_MS,
    Console,
    QuietHandler,
    WebApp,
    save_failure,
)


def _chromium() -> str:
    configured = os.environ.get("ITRIS_SYNC_CHROMIUM")
    path = shutil.which(configured) if configured else shutil.which("chromium")
    if path is None:
        pytest.fail(
            "The admin web app tests need Chromium: install it (`apt-get install chromium`, or "
            "`make chromium`) or point ITRIS_SYNC_CHROMIUM at a Chromium binary.",
            pytrace=False,
        )
    return path


# --- The backend, the sandbox and the queue ----------------------------------------------------
@pytest.fixture(scope="package")
def web_app(tmp_path_factory) -> WebApp:
    from backend import create_app, queue
    from backend.accounts import create_user
    from backend.sandbox import start_server

    previous_app = queue._app["app"]  # another suite's app, bound to the queue before ours
    sandbox = start_server(host="127.0.0.1", port=0, seed=1)
    instance = tmp_path_factory.mktemp("admin-web")
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance),
            "DATABASE_URL": f"sqlite:///{instance}/itris-sync.sqlite3",
            "QUEUE_URL": f"sqlite:///{instance}/queue.sqlite3",
            "SECRET_KEY": "admin-web-test-secret",
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            "AUTO_MIGRATE": True,
            "START_WORKER": False,
            "ITRIS_MAX_ATTEMPTS": 2,
            "ITRIS_RETRY_BASE_S": 0.05,
            "ITRIS_TIMEOUT": 5.0,
            "PUSH_MAX_ATTEMPTS": 2,
            "PUSH_RETRY_BASE_S": 0.05,
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
    consumer = queue.start_consumer(workers=2)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="admin-web-backend", daemon=True)
    thread.start()
    handle = WebApp(app, f"http://127.0.0.1:{server.server_port}", sandbox)
    try:
        yield handle
    finally:
        handle.http.close()
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        queue.stop_consumer(consumer)
        sandbox.stop()
        app.extensions["db"].dispose()
        if previous_app is not None:
            queue.init_app(previous_app)


@pytest.fixture(autouse=True)
def _clean_state(web_app):
    """Each test starts connected to itris, with default settings and no sandbox faults."""
    web_app.faults(error_rate=0.0, drop_rate=0.0, latency_ms=0)
    web_app.ensure_connected()
    web_app.reset_settings()
    yield
    web_app.faults(error_rate=0.0, drop_rate=0.0, latency_ms=0)


# --- The browser ----------------------------------------------------------------------------------
@pytest.fixture(scope="package")
def browser(playwright_driver) -> Browser:
    browser = playwright_driver.chromium.launch(
        executable_path=_chromium(), headless=False, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def page(browser, request, web_app) -> Page:
    """A fresh context and page (1280×900) that fail the test on any console error."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=web_app.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.console = Console(page)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for number, each in enumerate(context.pages):
            save_failure(each, f"{request.node.nodeid}-{number}")
    errors = page.console.unexpected()
    context.close()
    assert not errors, f"the page logged errors: {errors}"


@pytest.fixture
def second_page(browser, web_app) -> Page:
    """Another user's browser, at the same time."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=web_app.url)
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
