"""The app itself: served at /app under a strict CSP, offline, with sign-in and sign-out."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import expect

from .admin_harness import ADMIN, RECRUITER, sign_in

pytestmark = pytest.mark.e2e

CSP_PARTS = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
)


@pytest.mark.parametrize("path", ["/app/", "/app/static/js/main.js", "/app/static/css/app.css"])
def test_every_response_carries_the_strict_csp(web_app, path):
    response = requests.get(f"{web_app.url}{path}", timeout=10)

    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    for part in CSP_PARTS:
        assert part in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_page_has_no_inline_script_or_style_and_no_external_url(web_app):
    html = requests.get(f"{web_app.url}/app/", timeout=10).text

    assert "<script>" not in html and "<style" not in html and " style=" not in html
    assert "http://" not in html and "https://" not in html
    script = re.search(r'<script type="module" src="(/app/assets/[0-9a-f]+/js/main\.js)">', html)
    assert script is not None
    cached = requests.get(f"{web_app.url}{script.group(1)}", timeout=10)
    assert "immutable" in cached.headers["Cache-Control"]
    assert cached.text == requests.get(f"{web_app.url}/app/static/js/main.js", timeout=10).text
    assert requests.get(f"{web_app.url}/app", timeout=10, allow_redirects=False).status_code in (
        301,
        308,
    )


def test_the_app_loads_nothing_from_another_origin(page, web_app):
    origins = set()
    page.on("request", lambda r: origins.add("{0.scheme}://{0.netloc}".format(urlsplit(r.url))))

    sign_in(page, ADMIN, "settings")
    expect(page.get_by_test_id("setting-company_warning")).to_be_visible()
    for route in ("campaigns", "sync-log", "integrations"):
        page.get_by_role("link", name={"sync-log": "Sync log"}.get(route, route.title())).click()
        expect(page.locator(f'.page-content[data-page="{route}"] h1')).to_be_focused()

    assert origins == {web_app.url}


def test_a_wrong_password_is_refused_with_the_servers_message(page):
    page.goto("/app/")
    page.get_by_label("Email").fill(ADMIN.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_test_id("sign-in-error")).to_contain_text("Wrong email or password")
    expect(page.get_by_label("Password")).to_be_focused()
    assert page.evaluate("sessionStorage.length") == 0


def test_the_session_survives_a_reload_and_sign_out_ends_it(page, web_app):
    sign_in(page, RECRUITER, "campaigns")
    token = page.evaluate("JSON.parse(sessionStorage.getItem('itris-sync.session')).token")

    page.reload()
    expect(page.get_by_test_id("signed-in-user")).to_contain_text(RECRUITER.name)
    expect(page.get_by_role("link", name="Campaigns")).to_have_attribute("aria-current", "page")

    page.get_by_test_id("sign-out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="You are signed out.")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0
    revoked = requests.get(
        f"{web_app.url}/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert revoked.status_code == 401


def test_a_revoked_session_returns_to_sign_in_with_a_reason(page, web_app):
    sign_in(page, ADMIN, "campaigns")
    token = page.evaluate("JSON.parse(sessionStorage.getItem('itris-sync.session')).token")
    requests.post(
        f"{web_app.url}/api/auth/logout", headers={"Authorization": f"Bearer {token}"}, timeout=10
    ).raise_for_status()

    page.get_by_role("link", name="Sync log").click()

    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("Your session has ended. Sign in again.")).to_be_visible()
    expect(page.get_by_test_id("sign-in-email")).to_be_focused()
