"""The itris connection: Activate, status, disconnect and options, against the live sandbox."""

import json
import logging
import socket
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from backend.models import ItrisConnection

ADMIN = "ada@acme.example"
RECRUITER = "rita@acme.example"


@pytest.fixture
def admin(auth):
    return auth.headers(ADMIN, role="admin")


@pytest.fixture
def recruiter(auth):
    return auth.headers(RECRUITER, role="recruiter")


def activate(client, headers, sandbox, **overrides):
    body = {"username": sandbox.username, "password": sandbox.password, "subdomain": sandbox.url}
    body.update(overrides)
    return client.put("/api/integrations/itris", json=body, headers=headers)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_new_team_is_disconnected(client, admin):
    response = client.get("/api/integrations/itris", headers=admin)
    assert response.status_code == 200
    assert response.json["status"] == "disconnected"


def test_activate_with_good_credentials_connects(client, admin, sandbox):
    response = activate(client, admin, sandbox)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["status"] == "connected"
    assert body["username"] == "api-user"
    assert body["subdomain"] == sandbox.url
    assert body["connected_at"] and body["last_checked_at"]
    assert body["last_error"] is None
    again = client.get("/api/integrations/itris", headers=admin).json
    assert again["status"] == "connected"
    assert again["connected_at"] == body["connected_at"]
    # Activate really authenticated against itris.
    assert sandbox.stats()["requests"].get("POST /api/v2/auth/token", 0) >= 1


def test_activate_with_a_wrong_password_is_422_and_changes_nothing(app, client, admin, sandbox):
    response = activate(client, admin, sandbox, password="not-the-password")
    assert response.status_code == 422
    assert response.json["code"] == 422
    assert "rejected the username or password" in response.json["message"]
    assert client.get("/api/integrations/itris", headers=admin).json["status"] == "disconnected"
    with app.app_context():
        assert app.extensions["db"].session.scalar(select(ItrisConnection)) is None


def test_a_failed_activate_keeps_the_working_connection(client, admin, sandbox):
    assert activate(client, admin, sandbox).status_code == 200
    assert activate(client, admin, sandbox, password="nope").status_code == 422
    status = client.get("/api/integrations/itris", headers=admin).json
    assert status["status"] == "connected"
    assert client.get("/api/integrations/itris/options", headers=admin).status_code == 200


def test_activate_with_itris_unreachable_is_502(client, admin):
    url = f"http://127.0.0.1:{free_port()}"
    response = client.put(
        "/api/integrations/itris",
        json={"username": "api-user", "password": "sandbox-password", "subdomain": url},
        headers=admin,
    )
    assert response.status_code == 502
    assert "could not be reached" in response.json["message"]
    assert client.get("/api/integrations/itris", headers=admin).json["status"] == "disconnected"


def test_activate_when_itris_fails_with_5xx_is_502(client, admin, sandbox):
    sandbox.faults(error_rate=1.0, error_status=503)
    response = activate(client, admin, sandbox)
    assert response.status_code == 502
    assert client.get("/api/integrations/itris", headers=admin).json["status"] == "disconnected"


def test_a_bare_subdomain_expands_through_the_template(make_app, auth_for, sandbox):
    port = urlparse(sandbox.url).port
    app = make_app(ITRIS_URL_TEMPLATE=f"http://{{subdomain}}:{port}")
    helper = auth_for(app)
    client = helper.client
    headers = helper.headers(ADMIN, role="admin")
    response = client.put(
        "/api/integrations/itris",
        json={"username": "api-user", "password": "sandbox-password", "subdomain": "localhost"},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    assert response.json["base_url"] == f"http://localhost:{port}"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"username": "u", "password": "p", "subdomain": "not a subdomain!"}, "subdomain"),
        ({"username": "u", "password": "p", "subdomain": "ftp://itris.example"}, "subdomain"),
        ({"username": "u", "password": "p"}, "subdomain"),
        ({"username": "", "password": "p", "subdomain": "acme"}, "username"),
        ({"username": "u", "subdomain": "acme"}, "password"),
    ],
)
def test_bad_activate_bodies_are_400_naming_the_field(client, admin, body, field):
    response = client.put("/api/integrations/itris", json=body, headers=admin)
    assert response.status_code == 400
    assert field in response.json["errors"]
    assert client.get("/api/integrations/itris", headers=admin).json["status"] == "disconnected"


def test_the_password_never_leaves_encrypted_storage(app, client, admin, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    bodies = [
        activate(client, admin, sandbox).get_data(as_text=True),
        activate(client, admin, sandbox, password="wrong-one-123").get_data(as_text=True),
        client.get("/api/integrations/itris", headers=admin).get_data(as_text=True),
        client.get("/api/integrations/itris/options", headers=admin).get_data(as_text=True),
    ]
    for body in bodies:
        assert sandbox.password not in body
        assert "wrong-one-123" not in body
        assert "password_encrypted" not in body
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert sandbox.password not in logged
    assert "wrong-one-123" not in logged
    with app.app_context():
        row = app.extensions["db"].session.scalar(select(ItrisConnection))
        assert sandbox.password.encode() not in row.password_encrypted
    assert "password" not in json.loads(bodies[2])


def test_recruiters_see_status_but_cannot_activate_or_disconnect(client, admin, recruiter, sandbox):
    assert activate(client, recruiter, sandbox).status_code == 403
    assert activate(client, admin, sandbox).status_code == 200
    seen = client.get("/api/integrations/itris", headers=recruiter).json
    assert seen["status"] == "connected"
    assert "webhook_secret" not in seen
    assert client.delete("/api/integrations/itris", headers=recruiter).status_code == 403
    assert client.get("/api/integrations/itris", headers=admin).json["status"] == "connected"


def test_another_team_sees_nothing_of_this_connection(client, auth, admin, sandbox):
    assert activate(client, admin, sandbox).status_code == 200
    other = auth.headers("olga@other.example", role="admin", team="Other Talent")
    status = client.get("/api/integrations/itris", headers=other).json
    assert status == {"status": "disconnected"}
    assert client.get("/api/integrations/itris/options", headers=other).status_code == 409
    assert client.delete("/api/integrations/itris", headers=other).status_code == 200
    assert client.get("/api/integrations/itris", headers=admin).json["status"] == "connected"


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/integrations/itris"),
        ("put", "/api/integrations/itris"),
        ("delete", "/api/integrations/itris"),
        ("get", "/api/integrations/itris/options"),
    ],
)
def test_integration_endpoints_need_a_token(client, method, path):
    response = getattr(client, method)(path, json={})
    assert response.status_code == 401
    assert response.json["code"] == 401


def test_disconnect_forgets_the_connection(app, client, admin, sandbox):
    assert activate(client, admin, sandbox).status_code == 200
    response = client.delete("/api/integrations/itris", headers=admin)
    assert response.status_code == 200
    assert response.json["status"] == "disconnected"
    with app.app_context():
        assert app.extensions["db"].session.scalar(select(ItrisConnection)) is None
    assert client.get("/api/integrations/itris/options", headers=admin).status_code == 409


def test_options_come_from_itris_and_are_cached(client, admin, recruiter, sandbox):
    assert activate(client, admin, sandbox).status_code == 200
    response = client.get("/api/integrations/itris/options", headers=recruiter)
    assert response.status_code == 200, response.json
    options = response.json
    categories = {item["name"] for item in options["comment_categories"]}
    assert "General Note" in categories
    assert options["statuses"]["applicant"] and options["statuses"]["contact"]
    assert options["contact_types"]
    contact_fields = {field["name"]: field for field in options["fields"]["contact"]}
    assert contact_fields["companyId"]["required"] is True
    assert "jobTitle" in {field["name"] for field in options["fields"]["applicant"]}

    lists_before = sandbox.stats()["requests"].get("GET /api/v2/lists/comment-categories")
    assert client.get("/api/integrations/itris/options", headers=admin).json == options
    assert sandbox.stats()["requests"].get("GET /api/v2/lists/comment-categories") == lists_before


def test_options_mark_the_connection_broken_when_itris_rejects_it(client, admin, sandbox):
    assert activate(client, admin, sandbox).status_code == 200
    sandbox.reset(seed=1)  # forget tokens
    sandbox.faults(error_rate=1.0, error_status=500)
    response = client.get("/api/integrations/itris/options", headers=admin)
    assert response.status_code == 502
    status = client.get("/api/integrations/itris", headers=admin).json
    assert status["status"] == "error"
    assert status["last_error"]


def test_admins_see_the_webhook_target_and_its_secret_works(client, admin, sandbox):
    import hashlib
    import hmac

    assert activate(client, admin, sandbox).status_code == 200
    status = client.get("/api/integrations/itris", headers=admin).json
    team_id = client.get("/api/me", headers=admin).json["team_id"]
    assert status["webhook_url"].endswith(f"/api/webhooks/itris/{team_id}")
    body = json.dumps(
        {"event": "company.created", "recordType": "companies",
         "record": {"id": 39999, "name": "Webhook Widgets Ltd"}}
    ).encode()  # fmt: skip
    digest = hmac.new(status["webhook_secret"].encode(), body, hashlib.sha256).hexdigest()
    path = urlparse(status["webhook_url"]).path
    headers = {"X-Itris-Signature": f"sha256={digest}", "Content-Type": "application/json"}
    assert client.post(path, data=body, headers=headers).status_code == 200
    warnings = client.get("/api/companies/warnings?name=Webhook Widgets", headers=admin).json
    assert warnings["info"]["itris_id"] == 39999
    forged = {**headers, "X-Itris-Signature": "sha256=" + "0" * 64}
    assert client.post(path, data=body, headers=forged).status_code == 401


def test_the_teams_itris_client_follows_the_settings(make_app, auth_for, sandbox):
    from backend import connection

    app = make_app(ITRIS_TIMEOUT=3.5, ITRIS_MAX_ATTEMPTS=4, ITRIS_RETRY_BASE_S=0.2)
    helper = auth_for(app)
    assert activate(helper.client, helper.headers(ADMIN, role="admin"), sandbox).status_code == 200
    with app.app_context():
        stored = app.extensions["db"].session.scalar(select(ItrisConnection))
        client = connection.client_for(stored)
    assert (client.timeout, client.max_attempts, client.backoff_base) == (3.5, 4, 0.2)
