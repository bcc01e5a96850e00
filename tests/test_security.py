"""Security: who may call what, secrets kept secret, CORS, sign-in throttle, webhooks, sizes.

The authorisation matrix is built from the app's URL map, so an endpoint added under
``/api`` is covered here without anyone listing it (one with a new kind of path id, or a
body this file cannot guess, fails until it is taught here).
"""

from __future__ import annotations

import base64
import json
import logging
import re
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from backend.accounts import hash_token
from backend.companies.models import Company, CompanySyncState
from backend.companies.webhooks import signature, webhook_secret
from backend.db import Base, db, utcnow
from backend.itris import contract as c
from backend.models import ApiToken, LoginAttempt

ADMIN, RECRUITER, OUTSIDER = "ada@acme.example", "rita@acme.example", "olga@other.example"
PASSWORD = "correct-horse-9"
# Answer without a bearer token: signing in, and the spec. (The webhook takes none either,
# but answers 401 without its HMAC signature, like a bearer endpoint without a token.)
PUBLIC = {("POST", "/api/auth/login"), ("GET", "/api/openapi.json")}
ADMIN_ONLY = {
    ("PUT", "/api/integrations/itris"),
    ("DELETE", "/api/integrations/itris"),
    ("PUT", "/api/integrations/itris/settings"),
    ("POST", "/api/integrations/itris/companies/sync"),
}
WEBHOOK = ("POST", "/api/webhooks/itris/<int:team_id>")
ERROR_KEYS = {"code", "message", "errors"}
_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def endpoints(app) -> list[tuple[str, str]]:
    """Every (method, rule) under /api in the URL map, deletions last."""
    found = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    return sorted(found, key=lambda item: (item[0] == "DELETE", item))


def fill(rule: str, ids: dict) -> str:
    """The rule's path with its ids (a KeyError names an id this file does not know yet)."""
    return _PARAM.sub(lambda match: str(ids[match.group(1)]), rule)


def assert_error(response, status: int) -> None:
    assert response.status_code == status, (status, response.status_code, response.json)
    assert set(response.json) == ERROR_KEYS, response.json
    assert response.json["code"] == status


class World:
    """Team A (admin, recruiter, connected, a campaign with a person and a push) and team B."""

    def __init__(self, app, auth, sandbox):
        self.app = app
        self.client = auth.client
        self.sandbox = sandbox
        self.admin = auth.headers(ADMIN, role="admin")
        self.recruiter = auth.headers(RECRUITER, role="recruiter")
        self.outsider = auth.headers(OUTSIDER, role="admin", team="Other Talent")
        connect = {"username": sandbox.username, "password": sandbox.password}
        self.call("put", "/api/integrations/itris", subdomain=sandbox.url, **connect)
        campaign = self.call("post", "/api/campaigns", name="Secret Search", type="candidate")
        profile = {
            "profile_url": "https://www.linkedin.com/in/hidden-hannah/",
            "first_name": "Hannah",
            "last_name": "Hidden",
        }
        added = self.call("post", f"/api/campaigns/{campaign['id']}/contacts", profile=profile)
        self.profile = profile
        self.ids = {
            "campaign_id": campaign["id"],
            "contact_id": added["contact_id"],
            "push_id": added["push"]["id"],
            "team_id": self.call("get", "/api/me")["team_id"],
        }
        self.team_b = self.call("get", "/api/me", headers=self.outsider)["team_id"]

    def call(self, method, path, headers=None, **body):
        response = self.request(method, path, headers or self.admin, body or None)
        assert response.status_code < 300, (path, response.status_code, response.json)
        return response.json

    def request(self, method, path, headers, body=None):
        return self.client.open(path, method=method, json=body, headers=headers)

    def fresh(self, email) -> dict:
        """A new token for a user, straight into the database (no slow password check)."""
        from backend.models import User

        token = secrets.token_urlsafe(32)
        with self.app.app_context():
            user = db.session.scalar(select(User).where(User.email == email))
            db.session.add(ApiToken(user_id=user.id, token_hash=hash_token(token)))
            db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    def snapshot(self) -> dict:
        """Team A's rows as team A's admin sees them."""
        ids = self.ids
        return {
            path: self.call("get", path)
            for path in (
                f"/api/campaigns/{ids['campaign_id']}",
                f"/api/contacts/{ids['contact_id']}",
                f"/api/pushes/{ids['push_id']}",
                "/api/campaigns",
                "/api/integrations/itris/settings",
            )
        }


@pytest.fixture
def world(app, auth, sandbox):
    return World(app, auth, sandbox)


# Valid bodies, so that a refusal is about who asks, never about what is asked.
def bodies(ids: dict) -> dict:
    cv = base64.b64encode(b"%PDF-1.4 a CV").decode()
    return {
        ("PATCH", "/api/campaigns/<int:campaign_id>"): {"name": "Taken over"},
        ("POST", "/api/campaigns/<int:campaign_id>/contacts"): {
            "profile": {"profile_url": "https://www.linkedin.com/in/eve-intruder/", "name": "Eve"}
        },
        ("PATCH", "/api/contacts/<int:contact_id>"): {"first_name": "Taken"},
        ("PUT", "/api/contacts/<int:contact_id>/sync-override"): {
            "campaign_id": ids["campaign_id"],
            "sync_as": "contact",
        },
        ("POST", "/api/contacts/<int:contact_id>/push"): {"campaign_id": ids["campaign_id"]},
        ("POST", "/api/contacts/<int:contact_id>/link"): {"create_new": True},
        ("POST", "/api/contacts/<int:contact_id>/company"): {"itris_company_id": 30001},
        ("PUT", "/api/contacts/<int:contact_id>/cv"): {"file_name": "cv.pdf", "content_base64": cv},
        ("POST", "/api/contacts/<int:contact_id>/activities"): {
            "type": "email_replied",
            "campaign_id": ids["campaign_id"],
        },
    }


# --- The authorisation matrix --------------------------------------------------------------
def test_only_sign_in_and_the_spec_answer_without_a_token(world):
    answered = set()
    for method, rule in endpoints(world.app):
        response = world.request(method, fill(rule, world.ids), headers={}, body={})
        if response.status_code != 401:
            answered.add((method, rule))
        else:
            assert_error(response, 401)
    assert answered == PUBLIC


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not-a-token",
        "Bearer " + secrets.token_urlsafe(32),
        "Bearer",
        "Token {valid}",
        "Basic " + base64.b64encode(f"{ADMIN}:{PASSWORD}".encode()).decode(),
        "Bearer {valid}x",
        "Bearer {hash}",  # the stored digest is not a token
    ],
)
def test_a_garbage_token_is_401_everywhere(world, authorization):
    valid = world.admin["Authorization"].removeprefix("Bearer ")
    header = authorization.format(valid=valid, hash=hash_token(valid))
    for method, rule in endpoints(world.app):
        if (method, rule) in PUBLIC:
            continue
        response = world.request(method, fill(rule, world.ids), {"Authorization": header}, {})
        assert_error(response, 401)


def test_a_revoked_token_is_401_everywhere_and_others_still_work(world):
    revoked = world.fresh(ADMIN)
    assert world.request("POST", "/api/auth/logout", revoked).status_code == 204
    for method, rule in endpoints(world.app):
        if (method, rule) in PUBLIC:
            continue
        assert_error(world.request(method, fill(rule, world.ids), revoked, {}), 401)
    assert world.call("get", "/api/me")["email"] == ADMIN


def test_recruiters_are_refused_exactly_the_admin_endpoints(world):
    refused = set()
    for method, rule in endpoints(world.app):
        if (method, rule) in PUBLIC or (method, rule) == WEBHOOK:
            continue
        # A fresh token each time: one of these is logout.
        response = world.request(method, fill(rule, world.ids), world.fresh(RECRUITER), {})
        if response.status_code == 403:
            assert_error(response, 403)
            refused.add((method, rule))
    assert refused == ADMIN_ONLY


def test_admins_may_use_the_admin_endpoints(world):
    for method, rule in sorted(ADMIN_ONLY, key=lambda item: item[0] == "DELETE"):
        response = world.request(method, rule, world.admin, {})
        assert response.status_code not in (401, 403), (method, rule, response.json)


def test_another_teams_admin_finds_none_of_this_teams_ids(world):
    before = world.snapshot()
    valid = bodies(world.ids)
    with_ids = [
        (method, rule)
        for method, rule in endpoints(world.app)
        if _PARAM.search(rule) and (method, rule) != WEBHOOK
    ]
    assert len(with_ids) >= 15
    for method, rule in with_ids:
        path = fill(rule, world.ids)
        response = world.request(method, path, world.outsider, valid.get((method, rule), {}))
        assert_error(response, 404)
        text = response.get_data(as_text=True)
        assert "Secret Search" not in text and "Hannah" not in text
    assert world.snapshot() == before


def test_another_teams_lists_and_lookups_show_none_of_this_teams_rows(world):
    ids, outsider = world.ids, world.outsider
    assert world.call("get", "/api/campaigns?archived=true", headers=outsider) == []
    assert world.call("get", "/api/pushes", headers=outsider) == []
    assert world.call("get", f"/api/pushes?contact_id={ids['contact_id']}", headers=outsider) == []
    lookup = world.call("post", "/api/profile/lookup", headers=outsider, **world.profile)
    assert lookup["contact"] is None
    response = world.request(
        "POST",
        "/api/profile/lookup",
        outsider,
        {**world.profile, "campaign_id": ids["campaign_id"]},
    )
    assert_error(response, 404)
    status = world.call("get", "/api/integrations/itris", headers=outsider)
    assert status["status"] == "disconnected"
    assert world.sandbox.url not in json.dumps(status)


# --- Secrets --------------------------------------------------------------------------------
def test_the_itris_password_is_in_no_response_and_no_log_line(engine, caplog):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="backend")
    password = engine.sandbox.password
    texts = []

    def call(method, path, body=None, headers=None):
        response = engine.call(method, path, body, headers=headers or engine.admin)
        texts.append(response.get_data(as_text=True))
        return response

    connect = {"username": engine.sandbox.username, "subdomain": engine.sandbox.url}
    assert (
        call("put", "/api/integrations/itris", {**connect, "password": password}).status_code == 200
    )
    assert call("get", "/api/integrations/itris/options").status_code == 200
    assert call("get", "/api/integrations/itris").status_code == 200
    assert call("post", "/api/integrations/itris/companies/sync").status_code == 200
    campaign = engine.campaign()
    added = call(
        "post", f"/api/campaigns/{campaign}/contacts", {"profile": engine.person("pw", "P", "W")}
    )
    push = engine.wait(added.json["push"]["id"])
    assert push["status"] == "succeeded", push
    texts.append(json.dumps(push))
    wrong = {**connect, "password": "wrong-" + password}
    assert call("put", "/api/integrations/itris", wrong).status_code == 422
    engine.sandbox.faults(error_rate=1.0, error_status=500)
    assert (
        call("put", "/api/integrations/itris", {**connect, "password": password}).status_code == 502
    )
    engine.sandbox.faults()
    records = caplog.records
    logged = [caplog.text] + [
        f"{record.getMessage()} {record.args!r} {record.exc_text or ''}" for record in records
    ]
    assert len(records) > 5 and any(record.levelno == logging.DEBUG for record in records)
    for text in texts + logged:
        assert password not in text


def test_no_token_or_password_is_stored_in_clear(world, client):
    token = world.admin["Authorization"].removeprefix("Bearer ")
    wrong = {"email": RECRUITER, "password": "a-guess-" + secrets.token_hex(4)}
    assert client.post("/api/auth/login", json=wrong).status_code == 401
    secrets_in_clear = [token, PASSWORD, wrong["password"], world.sandbox.password]
    with world.app.app_context():
        stored = []
        for table in Base.metadata.sorted_tables:
            for row in db.session.execute(select(table)):
                stored.extend(value for value in row if isinstance(value, str | bytes))
        assert db.session.scalar(select(LoginAttempt.email)) == RECRUITER
    assert stored
    for secret in secrets_in_clear:
        for value in stored:
            assert secret.encode() not in (value if isinstance(value, bytes) else value.encode())
    assert hash_token(token) in stored


# --- CORS -------------------------------------------------------------------------------------
ALLOWED = "chrome-extension://abcdefghijklmnop"


@pytest.mark.parametrize(
    "origin, allowed",
    [
        (ALLOWED, True),
        ("chrome-extension://ponmlkjihgfedcba", False),
        ("https://evil.example", False),
        ("null", False),
        (ALLOWED + ".evil.example", False),
        ("https://abcdefghijklmnop", False),
    ],
)
def test_cors_answers_configured_origins_only_on_simple_requests(world, origin, allowed):
    response = world.client.get("/api/me", headers={**world.admin, "Origin": origin})
    assert response.status_code == 200
    assert response.headers.get("Access-Control-Allow-Origin") == (origin if allowed else None)
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_cors_preflight_names_the_methods_and_headers_for_allowed_origins_only(client):
    ask = {
        "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "Authorization",
    }
    ok = client.options("/api/integrations/itris", headers={"Origin": ALLOWED, **ask})
    assert ok.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "authorization" in ok.headers["Access-Control-Allow-Headers"].lower()
    assert "PUT" in ok.headers["Access-Control-Allow-Methods"]
    evil = client.options(
        "/api/integrations/itris", headers={"Origin": "https://evil.example", **ask}
    )
    assert not any(name.startswith("Access-Control-Allow") for name, _ in evil.headers)


def test_cors_stays_off_outside_the_api_and_without_configured_origins(make_app, client):
    for path in ("/healthz", "/app/"):
        assert (
            "Access-Control-Allow-Origin"
            not in client.get(path, headers={"Origin": ALLOWED}).headers
        )
    closed = make_app(EXTENSION_ORIGINS=[]).test_client()
    response = closed.options(
        "/api/me", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "GET"}
    )
    assert "Access-Control-Allow-Origin" not in response.headers


def test_a_wildcard_origin_matches_one_extension_id_and_nothing_else(make_app):
    client = make_app(EXTENSION_ORIGINS=["chrome-extension://*"]).test_client()

    def allowed(origin):
        headers = {"Origin": origin, "Access-Control-Request-Method": "GET"}
        return client.options("/api/me", headers=headers).headers.get("Access-Control-Allow-Origin")

    assert allowed(ALLOWED) == ALLOWED
    for origin in ("chrome-extension://a/b", "https://chrome-extension://a", "moz-extension://a"):
        assert allowed(origin) is None


# --- The sign-in throttle -----------------------------------------------------------------------
def sign_in(client, email, password=PASSWORD, address="127.0.0.1"):
    return client.post(
        "/api/auth/login",
        json={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def fail(client, email, times, address="127.0.0.1"):
    for _ in range(times):
        assert sign_in(client, email, "a-wrong-guess", address).status_code == 401


@pytest.mark.parametrize("email", [ADMIN, "nobody@acme.example"], ids=["known", "unknown"])
def test_ten_failures_lock_an_email_for_the_window_even_with_the_right_password(
    auth, client, email
):
    auth.user(ADMIN)
    fail(client, email, 10)
    response = sign_in(client, email)
    assert_error(response, 429)
    assert 890 <= int(response.headers["Retry-After"]) <= 900
    assert response.headers["Retry-After"] in response.json["message"]
    # Another email from another address is not affected.
    auth.user(RECRUITER)
    assert sign_in(client, RECRUITER, address="10.0.0.2").status_code == 200


def test_the_lock_lifts_once_the_oldest_failure_leaves_the_window(app, auth, client):
    auth.user(ADMIN)
    fail(client, ADMIN, 10)
    assert sign_in(client, ADMIN).status_code == 429
    with app.app_context():
        oldest = db.session.scalar(select(func.min(LoginAttempt.failed_at)))
        db.session.execute(
            update(LoginAttempt)
            .where(LoginAttempt.failed_at == oldest)
            .values(failed_at=utcnow() - timedelta(seconds=901))
        )
        db.session.commit()
    assert sign_in(client, ADMIN).status_code == 200


def test_a_successful_sign_in_clears_the_emails_failures(app, auth, client):
    auth.user(ADMIN)
    fail(client, ADMIN, 9)
    assert sign_in(client, ADMIN).status_code == 200
    fail(client, ADMIN, 9)
    assert sign_in(client, ADMIN).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(LoginAttempt).where(LoginAttempt.email == ADMIN)) is None


def test_one_address_guessing_many_emails_is_locked_out(auth, client):
    auth.user(ADMIN)
    for n in range(50):
        fail(client, f"guess{n}@acme.example", 1, address="203.0.113.9")
    assert_error(sign_in(client, ADMIN, address="203.0.113.9"), 429)
    assert sign_in(client, ADMIN, address="198.51.100.1").status_code == 200


@pytest.mark.parametrize("trusted", [0, 1], ids=["no-proxy", "one-proxy"])
def test_forwarded_addresses_count_only_behind_a_trusted_proxy(make_app, auth_for, trusted):
    """Behind a load balancer the throttle counts clients, not the balancer; without one a
    client cannot dodge it by claiming another address."""
    app = make_app(LOGIN_MAX_FAILURES_PER_IP=3, TRUSTED_PROXIES=trusted)
    auth_for(app).user(ADMIN)
    client = app.test_client()

    def attempt(email, client_address, password="a-wrong-guess"):
        return client.post(
            "/api/auth/login",
            json={"email": email, "password": password},
            headers={"X-Forwarded-For": client_address},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},  # the balancer
        )

    for n in range(3):
        assert attempt(f"guess{n}@acme.example", "203.0.113.9").status_code == 401
    someone_else = attempt(ADMIN, "198.51.100.1", PASSWORD).status_code
    assert someone_else == (200 if trusted else 429)
    assert attempt(ADMIN, "203.0.113.9", PASSWORD).status_code == 429
    with app.app_context():
        addresses = set(db.session.scalars(select(LoginAttempt.client_ip)))
    assert addresses == ({"203.0.113.9"} if trusted else {"10.0.0.1"})


def test_the_throttle_is_configurable_and_holds_across_processes(make_app, auth_for):
    first = make_app(LOGIN_MAX_FAILURES=3, LOGIN_FAILURE_WINDOW_S=60)
    # A second app on the same database: another API process.
    second = make_app(
        LOGIN_MAX_FAILURES=3, LOGIN_FAILURE_WINDOW_S=60, DATABASE_URL=first.config["DATABASE_URL"]
    )
    auth_for(first).user(ADMIN)
    fail(first.test_client(), ADMIN, 2)
    fail(second.test_client(), ADMIN, 1)
    response = sign_in(first.test_client(), ADMIN)
    assert_error(response, 429)
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert sign_in(second.test_client(), ADMIN).status_code == 429


def test_throttled_attempts_are_not_counted_or_checked(app, auth, client):
    auth.user(ADMIN)
    fail(client, ADMIN, 10)
    for _ in range(5):
        assert sign_in(client, ADMIN, "a-wrong-guess").status_code == 429
    with app.app_context():
        count = len(db.session.scalars(select(LoginAttempt.id)).all())
    assert count == 10


# --- Webhook signatures (beyond tests/test_company_mirror.py) ---------------------------------
def _company_created(itris_id):
    record = {"id": itris_id, "name": f"Webhook Co {itris_id}"}
    return json.dumps({"event": "company.created", "recordType": "companies", "record": record})


def _mirror_state(app, team_id):
    with app.app_context():
        state = db.session.get(CompanySyncState, team_id)
        rows = db.session.scalars(select(Company.itris_id).where(Company.team_id == team_id))
        return (state.revision if state else None, sorted(rows))


@pytest.mark.parametrize("how", ["other-teams-url", "bearer-instead", "signature-in-query"])
def test_a_webhook_without_this_teams_signature_is_401_and_changes_nothing(world, how):
    app, client = world.app, world.client
    team_a, team_b = world.ids["team_id"], world.team_b
    body = _company_created(39101).encode()
    with app.app_context():
        signed_for_a = signature(webhook_secret(team_a), body)
    before = (_mirror_state(app, team_a), _mirror_state(app, team_b))
    target, headers, query = team_a, {"Content-Type": "application/json"}, ""
    if how == "other-teams-url":  # a genuine signature for team A, replayed at team B
        target, headers[c.SIGNATURE_HEADER] = team_b, signed_for_a
    elif how == "bearer-instead":
        headers.update(world.admin)
    else:
        query = "?signature=" + signed_for_a
    response = client.post(f"/api/webhooks/itris/{target}{query}", data=body, headers=headers)
    assert_error(response, 401)
    assert (_mirror_state(app, team_a), _mirror_state(app, team_b)) == before


def test_an_unsigned_webhook_for_a_team_that_does_not_exist_is_401_not_404(client):
    response = client.post("/api/webhooks/itris/999999", data=_company_created(1))
    assert_error(response, 401)


# --- Request size -------------------------------------------------------------------------------
def test_a_body_over_the_limit_is_413_in_the_error_shape(world):
    limit = world.app.config["MAX_CONTENT_LENGTH"]
    assert limit == 10 * 1024 * 1024
    big = b'{"email": "' + b"a" * limit + b'", "password": "x"}'
    path = f"/api/contacts/{world.ids['contact_id']}/cv"
    for method, url, headers in [
        ("POST", "/api/auth/login", {}),
        ("PUT", path, world.admin),
        ("POST", f"/api/webhooks/itris/{world.ids['team_id']}", {}),
    ]:
        response = world.client.open(
            url, method=method, data=big, content_type="application/json", headers=headers
        )
        assert_error(response, 413)
    with world.app.app_context():
        assert db.session.scalar(select(LoginAttempt)) is None


def test_a_body_just_under_the_limit_is_read(world):
    cv = base64.b64encode(b"%PDF" + b"x" * (5 * 1024 * 1024 - 4)).decode()
    body = {"file_name": "cv.pdf", "content_base64": cv}
    path = f"/api/contacts/{world.ids['contact_id']}/cv"
    assert world.request("PUT", path, world.admin, body).status_code == 200
