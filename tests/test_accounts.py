"""Accounts, tokens and authorisation."""

import hashlib

import pytest
from sqlalchemy import select

from backend.cli import main
from backend.models import ApiToken, User


def test_login_returns_token_and_user(auth, client):
    auth.user("ada@acme.example", role="admin")
    response = client.post(
        "/api/auth/login", json={"email": "ADA@acme.example", "password": "correct-horse-9"}
    )
    assert response.status_code == 200
    body = response.json
    assert body["user"]["email"] == "ada@acme.example"
    assert body["user"]["role"] == "admin"
    assert isinstance(body["user"]["team_id"], int)
    me = client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json["email"] == "ada@acme.example"


@pytest.mark.parametrize(
    "email, password",
    [("ada@acme.example", "wrong-password"), ("nobody@acme.example", "correct-horse-9")],
)
def test_bad_credentials_are_401_in_the_error_shape(auth, client, email, password):
    auth.user("ada@acme.example")
    response = client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 401
    assert response.json == {"code": 401, "message": "Wrong email or password.", "errors": {}}


def test_malformed_login_is_400_naming_the_field(client):
    response = client.post("/api/auth/login", json={"email": "x@y.example"})
    assert response.status_code == 400
    assert response.json["code"] == 400
    assert "password" in response.json["errors"]


def test_unknown_field_is_rejected(client):
    response = client.post(
        "/api/auth/login", json={"email": "x@y.example", "password": "p", "admin": True}
    )
    assert response.status_code == 400
    assert "admin" in response.json["errors"]


def test_non_json_body_is_400(client):
    response = client.post("/api/auth/login", data="not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json["code"] == 400


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer not-a-token", "Basic YWRhOnBhc3M="],
)
def test_me_without_a_valid_token_is_401(client, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/me", headers=headers)
    assert response.status_code == 401
    assert response.json["code"] == 401
    assert response.json["message"]


def test_logout_revokes_only_that_token(auth, client):
    auth.user("ada@acme.example")
    first = auth.login("ada@acme.example")
    second = auth.login("ada@acme.example")
    assert client.post("/api/auth/logout", headers=first).status_code == 204
    assert client.get("/api/me", headers=first).status_code == 401
    assert client.get("/api/me", headers=second).status_code == 200


def test_tokens_and_passwords_are_stored_hashed(app, auth, client):
    auth.user("ada@acme.example")
    token = client.post(
        "/api/auth/login", json={"email": "ada@acme.example", "password": "correct-horse-9"}
    ).json["token"]
    with app.app_context():
        session = app.extensions["db"].session
        stored = session.scalars(select(ApiToken.token_hash)).all()
        user = session.scalar(select(User))
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in stored
    assert "correct-horse-9" not in user.password_hash
    assert user.password_hash.startswith(f"{app.config['PASSWORD_HASH_METHOD']}$")


def test_passwords_are_stored_by_scrypt_at_full_cost_unless_configured(tmp_path):
    """The suites store passwords cheaply; a deployment gets scrypt at N = 2^15 unless told."""
    from backend.config import load

    assert load({"INSTANCE_PATH": str(tmp_path)}, environ={})["PASSWORD_HASH_METHOD"] == (
        "scrypt:32768:8:1"
    )
    environ = {"ITRIS_SYNC_PASSWORD_HASH_METHOD": "pbkdf2:sha256:600000"}
    assert load({"INSTANCE_PATH": str(tmp_path)}, environ)["PASSWORD_HASH_METHOD"] == (
        "pbkdf2:sha256:600000"
    )


@pytest.mark.parametrize("method", ["md5", "scrypt:abc", "pbkdf2:no-such-digest"])
def test_an_unknown_hash_method_stops_the_app_at_start_up(make_app, method):
    with pytest.raises(ValueError, match="PASSWORD_HASH_METHOD"):
        make_app(PASSWORD_HASH_METHOD=method)


def test_a_new_hash_method_locks_no_one_out(app, auth, client):
    first = app.config["PASSWORD_HASH_METHOD"]
    auth.user("ada@acme.example")
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    auth.user("bob@acme.example")
    for email in ("ada@acme.example", "bob@acme.example"):
        assert auth.login(email)["Authorization"].startswith("Bearer ")
    wrong = {"email": "ada@acme.example", "password": "not-her-password"}
    assert client.post("/api/auth/login", json=wrong).status_code == 401
    with app.app_context():
        hashes = app.extensions["db"].session.scalars(select(User.password_hash)).all()
    assert sorted(h.split("$")[0] for h in hashes) == sorted([first, "pbkdf2:sha256:1000"])


def test_create_user_cli_creates_team_and_user(app, runner):
    result = runner.invoke(
        main,
        args=[
            "create-user", "--email", "Rita@Acme.example", "--password", "long-enough-1",
            "--name", "Rita", "--role", "recruiter", "--team", "New Team",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    client = app.test_client()
    response = client.post(
        "/api/auth/login", json={"email": "rita@acme.example", "password": "long-enough-1"}
    )
    assert response.status_code == 200
    assert response.json["user"]["role"] == "recruiter"


def test_create_user_cli_refuses_a_duplicate_email(auth, runner):
    auth.user("rita@acme.example")
    result = runner.invoke(
        main,
        args=[
            "create-user", "--email", "rita@acme.example", "--password", "long-enough-1",
            "--name", "Rita", "--team", "Acme Recruitment",
        ]
    )  # fmt: skip
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_healthz_and_openapi_need_no_token(client):
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert "/api/auth/login" in spec["paths"]
    assert "/api/integrations/itris" in spec["paths"]


def test_unknown_api_route_is_json_404(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.json["code"] == 404


def test_cors_answers_configured_extension_origin_only(client):
    allowed = "chrome-extension://abcdefghijklmnop"
    ok = client.options(
        "/api/me", headers={"Origin": allowed, "Access-Control-Request-Method": "GET"}
    )
    assert ok.headers.get("Access-Control-Allow-Origin") == allowed
    other = client.options(
        "/api/me",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "Access-Control-Allow-Origin" not in other.headers


# --- Input the database cannot hold is refused, not a 500 (found by tests/test_fuzz.py) ----
@pytest.mark.parametrize("big", [2**31, 2**63, 10**30])
@pytest.mark.parametrize(
    "path",
    [
        "/api/campaigns/{}",
        "/api/contacts/{}",
        "/api/pushes/{}",
        "/api/contacts/{}/email-permission",
    ],
)
def test_ids_past_a_database_integer_are_404(auth, client, path, big):
    headers = auth.headers("ada@acme.example")
    response = client.get(path.format(big), headers=headers)
    assert response.status_code == 404
    assert response.json["code"] == 404
    assert client.get(path.format(2**31 - 1), headers=headers).status_code == 404


def test_the_openapi_document_bounds_path_ids(client):
    spec = client.get("/api/openapi.json").json
    (parameter,) = spec["paths"]["/api/campaigns/{campaign_id}"]["parameters"]
    assert parameter["schema"]["maximum"] == 2**31 - 1


@pytest.mark.parametrize(
    "method, path, kwargs, field",
    [
        (
            "post",
            "/api/auth/login",
            {"json": {"email": "a\x00@b.example", "password": "p"}},
            "email",
        ),
        ("post", "/api/campaigns", {"json": {"name": "Q\x00", "type": "candidate"}}, "name"),
        ("put", "/api/me/settings", {"json": {"default_tags": ["ok", "b\x00d"]}}, "default_tags"),
        ("get", "/api/companies/warnings?name=a%00b", {}, "name"),
    ],
)
def test_a_nul_character_anywhere_is_400_naming_the_field(
    auth, client, method, path, kwargs, field
):
    headers = auth.headers("ada@acme.example")
    response = getattr(client, method)(path, headers=headers, **kwargs)
    assert response.status_code == 400, response.json
    assert set(response.json) == {"code", "message", "errors"}
    assert "NUL" in str(response.json["errors"][field])


def test_a_required_json_body_must_be_sent(auth, client):
    headers = auth.headers("ada@acme.example")
    response = client.post("/api/profile/lookup", headers=headers)
    assert response.status_code == 400
    assert response.json == {
        "code": 400,
        "message": "This request needs a JSON body.",
        "errors": {},
    }
    assert client.post("/api/auth/login").status_code == 400


def test_the_openapi_document_describes_the_error_shape(client):
    error = client.get("/api/openapi.json").json["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "message", "errors"}
    assert set(error["required"]) == {"code", "message", "errors"}
    assert error["additionalProperties"] is False
