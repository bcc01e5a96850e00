"""The Integrations page: Activate with the sandbox credentials, a refused password, disconnect."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .admin_harness import ADMIN, RECRUITER, sign_in

pytestmark = pytest.mark.e2e

SANDBOX_USER = "api-user"
SANDBOX_PASSWORD = "sandbox-password"


def fill_setup(page, *, username: str, password: str, subdomain: str) -> None:
    page.get_by_test_id("itris-username").fill(username)
    page.get_by_test_id("itris-password").fill(password)
    page.get_by_test_id("itris-subdomain").fill(subdomain)
    page.get_by_test_id("itris-activate").click()


def test_an_admin_activates_itris_and_sees_connected(page, web_app):
    web_app.disconnect()
    sign_in(page, ADMIN, "integrations")
    status = page.get_by_test_id("itris-status")
    expect(status).to_contain_text("Not connected")
    expect(page.get_by_test_id("itris-password")).to_have_value("")

    fill_setup(
        page, username=SANDBOX_USER, password=SANDBOX_PASSWORD, subdomain=web_app.sandbox.url
    )

    expect(status).to_contain_text("Connected")
    expect(status).to_contain_text(f"as {SANDBOX_USER} since")
    expect(status).to_contain_text(web_app.sandbox.url)
    expect(status).to_be_focused()  # the outcome is where keyboard focus lands
    expect(page.get_by_test_id("announcer")).to_contain_text("itris is connected")
    expect(page.get_by_test_id("itris-password")).to_have_value("")  # never pre-filled
    expect(page.get_by_test_id("itris-webhook-url")).to_have_value(
        f"{web_app.url}/api/webhooks/itris/1"
    )
    secret = page.get_by_test_id("itris-webhook-secret")
    expect(secret).to_have_attribute("type", "password")
    expect(secret).not_to_have_value("")
    connection = web_app.get("/api/integrations/itris")
    assert connection["status"] == "connected"
    assert connection["username"] == SANDBOX_USER
    assert secret.input_value() == connection["webhook_secret"]

    page.reload()  # the state comes from the server, not the page
    expect(page.get_by_test_id("itris-status")).to_contain_text("Connected")
    expect(page.get_by_test_id("itris-password")).to_have_value("")
    expect(page.get_by_test_id("itris-username")).to_have_value(SANDBOX_USER)


def test_a_wrong_password_shows_the_reason_and_nothing_is_stored(page, web_app):
    web_app.disconnect()
    sign_in(page, ADMIN, "integrations")

    fill_setup(
        page, username=SANDBOX_USER, password="wrong-password", subdomain=web_app.sandbox.url
    )

    error = page.get_by_test_id("itris-error")
    expect(error).to_contain_text("itris rejected the username or password")
    expect(error).to_contain_text("Check the username and password")
    password = page.get_by_test_id("itris-password")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("itris rejected these credentials")).to_be_visible()  # in place
    expect(password).to_be_focused()
    expect(password).to_have_value("")
    expect(page.get_by_test_id("itris-status")).to_contain_text("Not connected")
    assert web_app.get("/api/integrations/itris")["status"] == "disconnected"


def test_an_unreachable_itris_is_reported(page, web_app, unused_port):
    web_app.disconnect()
    sign_in(page, ADMIN, "integrations")

    fill_setup(
        page,
        username=SANDBOX_USER,
        password=SANDBOX_PASSWORD,
        subdomain=f"http://127.0.0.1:{unused_port}",
    )

    expect(page.get_by_test_id("itris-error")).to_contain_text("itris could not be reached")
    expect(page.get_by_test_id("itris-status")).to_contain_text("Not connected")


def test_empty_fields_are_named_before_anything_is_sent(page, web_app):
    sign_in(page, ADMIN, "integrations")
    page.get_by_test_id("itris-username").fill("")
    page.get_by_test_id("itris-activate").click()

    expect(page.get_by_text("Enter the itris API username.")).to_be_visible()
    expect(page.get_by_text("Enter the itris API password.")).to_be_visible()
    expect(page.get_by_test_id("itris-username")).to_be_focused()
    assert web_app.get("/api/integrations/itris")["status"] == "connected"


def test_an_admin_disconnects_after_confirming(page, web_app):
    sign_in(page, ADMIN, "integrations")
    page.get_by_test_id("itris-disconnect").click()
    dialog = page.get_by_test_id("confirm-dialog")
    expect(dialog).to_be_visible()
    expect(page.get_by_test_id("confirm-cancel")).to_be_focused()  # the safe answer first

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("itris-disconnect")).to_be_focused()
    assert web_app.get("/api/integrations/itris")["status"] == "connected"

    page.get_by_test_id("itris-disconnect").click()
    page.get_by_test_id("confirm-ok").click()

    expect(page.get_by_test_id("itris-status")).to_contain_text("Not connected")
    expect(page.get_by_test_id("itris-disconnect")).to_have_count(0)
    expect(page.get_by_test_id("itris-webhook-url")).to_have_count(0)
    assert web_app.get("/api/integrations/itris")["status"] == "disconnected"


def test_a_failing_connection_shows_the_error_and_its_reason(page, web_app):
    web_app.connect()  # forgets the cached itris lists, so the next request reaches itris
    web_app.faults(error_rate=1.0, error_status=503)
    assert web_app.call("GET", "/api/integrations/itris/options").status_code == 502
    reason = web_app.get("/api/integrations/itris")["last_error"]
    assert reason

    sign_in(page, ADMIN, "integrations")

    status = page.get_by_test_id("itris-status")
    expect(status).to_have_attribute("data-state", "error")
    expect(status).to_contain_text("Error")
    expect(status).not_to_contain_text("Connected")
    expect(page.get_by_test_id("itris-last-error")).to_contain_text(reason)


def test_a_recruiter_sees_the_state_but_no_setup_form_or_secret(page):
    sign_in(page, RECRUITER, "integrations")

    expect(page.get_by_test_id("itris-status")).to_contain_text("Connected")
    expect(page.get_by_text("Only a team admin can change the itris connection.")).to_be_visible()
    for testid in ("itris-password", "itris-activate", "itris-disconnect", "itris-webhook-secret"):
        expect(page.get_by_test_id(testid)).to_have_count(0)
