"""The options page, the service worker's session, and the panel's sign-in state."""

from __future__ import annotations

import socket

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def free_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_options_page_starts_signed_out_with_the_default_backend(extension):
    page = extension.open_options()

    expect(page.get_by_test_id("login-state")).to_have_text("Not signed in")
    expect(page.get_by_label("Backend URL")).to_have_value("http://127.0.0.1:5000")
    expect(page.get_by_label("Email")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.get_by_test_id("logout")).to_be_hidden()


def test_manifest_grants_loopback_backends_on_any_port(extension, live_backend):
    page = extension.open_options()

    granted = page.evaluate(
        """origins => Promise.all(origins.map(o => chrome.permissions.contains({origins: [o]})))""",
        [f"{live_backend.url}/*", "http://localhost:8123/*", "https://crm.example.com/*"],
    )

    # 127.0.0.1 and localhost on any port come with the install; other hosts are asked for.
    assert granted == [True, True, False]


def test_sign_in_shows_the_user_and_stores_the_session(extension, live_backend, admin):
    page = extension.sign_in_through_options(admin)

    expect(page.get_by_test_id("login-state")).to_have_text(
        f"Signed in as {admin.name} ({admin.email})"
    )
    expect(page.get_by_test_id("logout")).to_be_visible()
    expect(page.get_by_test_id("login-submit")).to_be_hidden()  # the form goes away
    stored = extension.storage(page)
    assert stored["backendUrl"] == live_backend.url
    assert stored["user"]["email"] == admin.email
    assert live_backend.me(stored["token"]).json()["email"] == admin.email


def test_wrong_password_shows_the_servers_message_and_stores_no_token(extension, admin):
    page = extension.open_options()

    extension.sign_in(page, admin, password="not-the-password")

    state = page.get_by_test_id("login-state")
    expect(state).to_contain_text("Wrong email or password.")
    expect(state).to_contain_text("Not signed in")
    stored = extension.storage(page)
    assert "token" not in stored
    assert "user" not in stored


def test_unreachable_backend_is_reported(extension, admin):
    page = extension.open_options()

    extension.sign_in(page, admin, backend_url=f"http://127.0.0.1:{free_port()}")

    expect(page.get_by_test_id("login-state")).to_contain_text(
        "Could not reach the itris-sync backend"
    )
    assert "token" not in extension.storage(page)


def test_a_backend_url_that_is_not_http_is_refused(extension, admin):
    page = extension.open_options()

    extension.sign_in(page, admin, backend_url="ftp://127.0.0.1:5000")

    expect(page.get_by_test_id("login-state")).to_contain_text("must start with http://")
    assert "token" not in extension.storage(page)


def test_sign_out_revokes_the_token(extension, live_backend, admin):
    page = extension.sign_in_through_options(admin)
    token = extension.storage(page)["token"]
    assert live_backend.me(token).status_code == 200

    page.get_by_test_id("logout").click()

    expect(page.get_by_test_id("login-state")).to_have_text("Not signed in")
    assert "token" not in extension.storage(page)
    assert live_backend.me(token).status_code == 401
    # The form offers the same backend again.
    expect(page.get_by_test_id("backend-url")).to_have_value(live_backend.url)


def test_a_token_revoked_elsewhere_is_cleared(extension, live_backend, recruiter):
    page = extension.sign_in_through_options(recruiter)
    token = extension.storage(page)["token"]
    assert live_backend.logout(token).status_code == 204

    page.reload()

    state = page.get_by_test_id("login-state")
    expect(state).to_contain_text("Not signed in")
    expect(state).to_contain_text("Your session has ended")
    assert "token" not in extension.storage(page)


def test_api_message_calls_the_backend_with_the_token(extension, recruiter):
    page = extension.open_options()
    signed_out = extension.send(page, {"type": "api", "method": "GET", "path": "/api/me"})
    assert signed_out["ok"] is False
    assert signed_out["status"] == 401
    assert "Not signed in" in signed_out["error"]

    extension.sign_in(page, recruiter)
    expect(page.get_by_test_id("login-state")).to_contain_text(recruiter.name)

    me = extension.send(page, {"type": "api", "method": "GET", "path": "/api/me"})
    assert me["ok"] is True
    assert me["status"] == 200
    assert me["data"]["email"] == recruiter.email
    assert me["data"]["role"] == "recruiter"

    missing = extension.send(page, {"type": "api", "method": "GET", "path": "/api/no-such-thing"})
    assert missing["ok"] is False
    assert missing["status"] == 404
    assert missing["error"]

    elsewhere = extension.send(page, {"type": "api", "method": "GET", "path": "https://evil.test/"})
    assert elsewhere == {
        "ok": False,
        "status": 400,
        "error": "Not a backend API path: https://evil.test/",
        "errors": {},
    }

    unknown = extension.send(page, {"type": "no-such-message"})
    assert unknown["ok"] is False
    assert unknown["status"] == 400


def test_profile_page_panel_asks_to_sign_in_when_signed_out(extension):
    page = extension.open_profile("priya-raman")

    panel = page.get_by_test_id("itris-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Sign in from the itris-sync options page")
    # The panel lives in an open shadow root on its own host element.
    assert page.evaluate(
        "document.getElementById('itris-sync-root').shadowRoot.querySelector("
        "'[data-testid=\"itris-panel\"]') !== null"
    )


@pytest.mark.parametrize("slug", ["priya-raman", "tomas-ferreira-4a2b9"])
def test_profile_page_panel_shows_the_signed_in_user(extension, slug, admin):
    extension.sign_in_through_options(admin)

    page = extension.open_profile(slug)

    panel = page.get_by_test_id("itris-panel")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text(f"Signed in as {admin.name}")
    expect(page.get_by_test_id("panel-error")).to_be_hidden()
    assert page.locator("#itris-sync-root").count() == 1


def test_content_script_stays_off_pages_that_are_not_profiles(extension):
    page = extension.context.new_page()
    page.goto("https://www.linkedin.com/feed/")
    page.wait_for_load_state("load")
    # Content scripts run at document_idle; give one the time it would need to mount.
    page.wait_for_timeout(500)

    assert page.locator("#itris-sync-root").count() == 0


def test_session_survives_the_worker_being_stopped(extension, live_backend, admin):
    options = extension.sign_in_through_options(admin)
    assert extension.worker_status(options) == "running"

    extension.stop_worker(options)
    options.close()

    # A fresh options page wakes a fresh worker, which must find the session in storage.
    reopened = extension.open_options()
    expect(reopened.get_by_test_id("login-state")).to_have_text(
        f"Signed in as {admin.name} ({admin.email})"
    )
    assert extension.worker_status(reopened) == "running"

    extension.stop_worker(reopened)
    profile = extension.open_profile()
    expect(profile.get_by_test_id("itris-panel")).to_contain_text(f"Signed in as {admin.name}")


def test_content_scripts_can_neither_read_the_token_nor_sign_in(extension, admin):
    extension.sign_in_through_options(admin)
    page = extension.open_profile()
    expect(page.get_by_test_id("itris-panel")).to_contain_text(admin.name)

    storage = extension.evaluate_in_content_script(
        page, "chrome.storage.local.get(null).then(JSON.stringify, error => error.message)"
    )
    login = extension.evaluate_in_content_script(
        page,
        "chrome.runtime.sendMessage({type: 'auth:login', backendUrl: 'http://127.0.0.1:1',"
        " email: 'mallory@example.com', password: 'x'})",
    )
    state = extension.evaluate_in_content_script(
        page, "chrome.runtime.sendMessage({type: 'auth:state'})"
    )

    assert storage == "Access to storage is not allowed from this context."
    assert login["ok"] is False
    assert login["status"] == 403
    assert state["ok"] is True
    assert state["data"]["user"]["email"] == admin.email
    assert "token" not in state["data"]
