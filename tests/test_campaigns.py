"""Campaigns: CRUD, validation, archiving, team isolation and the extension's defaults."""

import pytest
from sqlalchemy import select

from backend.models import Campaign

ADMIN = "ada@acme.example"
RECRUITER = "rita@acme.example"
SETTINGS = "/api/integrations/itris/settings"


@pytest.fixture
def admin(auth):
    return auth.headers(ADMIN, role="admin")


@pytest.fixture
def recruiter(auth):
    return auth.headers(RECRUITER, role="recruiter")


@pytest.fixture
def outsider(auth):
    return auth.headers("olga@other.example", role="admin", team="Other Talent")


def create(client, headers, **body):
    body = {"name": "Java developers, London", "type": "candidate", **body}
    response = client.post("/api/campaigns", json=body, headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def names(client, headers, query="") -> list[str]:
    response = client.get(f"/api/campaigns{query}", headers=headers)
    assert response.status_code == 200, response.json
    return [campaign["name"] for campaign in response.json]


# --- CRUD -------------------------------------------------------------------------------
def test_a_recruiter_creates_reads_changes_and_archives_a_campaign(app, client, recruiter):
    made = create(
        client,
        recruiter,
        name="  Java developers, London ",
        type="candidate",
        sync_as="applicant",
        tags=["Java", "java", " London ", "JAVA"],
    )
    assert made["name"] == "Java developers, London"
    assert made["type"] == "candidate"
    assert made["sync_as"] == "applicant"
    assert made["tags"] == ["Java", "London"]
    assert made["archived_at"] is None
    assert made["created_at"] and made["updated_at"]
    assert set(made) == {
        "id", "name", "type", "sync_as", "tags", "created_at", "updated_at", "archived_at",
    }  # fmt: skip

    url = f"/api/campaigns/{made['id']}"
    assert client.get(url, headers=recruiter).json == made
    assert names(client, recruiter) == ["Java developers, London"]

    response = client.patch(
        url, json={"name": "Hiring managers", "sync_as": "contact", "tags": []}, headers=recruiter
    )
    assert response.status_code == 200, response.json
    changed = response.json
    assert changed["name"] == "Hiring managers"
    assert (changed["sync_as"], changed["tags"]) == ("contact", [])
    assert changed["type"] == "candidate"  # untouched
    assert client.get(url, headers=recruiter).json == changed

    response = client.delete(url, headers=recruiter)
    assert response.status_code == 204
    assert names(client, recruiter) == []
    archived = client.get(url, headers=recruiter).json
    assert archived["archived_at"] is not None
    assert names(client, recruiter, "?archived=true") == ["Hiring managers"]
    # Archiving again changes nothing.
    assert client.delete(url, headers=recruiter).status_code == 204
    assert client.get(url, headers=recruiter).json["archived_at"] == archived["archived_at"]
    with app.app_context():
        row = app.extensions["db"].session.scalar(select(Campaign))
        assert row.name == "Hiring managers" and row.archived_at is not None


def test_admins_manage_campaigns_too_and_the_list_is_the_teams(client, admin, recruiter):
    create(client, recruiter, name="b campaign")
    made = create(client, admin, name="A campaign", type="client", sync_as="contact")
    assert names(client, admin) == ["A campaign", "b campaign"]
    assert names(client, recruiter) == ["A campaign", "b campaign"]
    response = client.patch(f"/api/campaigns/{made['id']}", json={}, headers=recruiter)
    assert response.status_code == 200
    assert response.json["name"] == "A campaign"


def test_sync_as_and_tags_default_to_the_creators_settings(client, admin, recruiter):
    assert create(client, recruiter)["sync_as"] == "applicant"
    team = {"default_sync_as": "contact", "default_tags": ["Outreach"]}
    assert client.put(SETTINGS, json={"team": team}, headers=admin).status_code == 200
    made = create(client, recruiter)
    assert (made["sync_as"], made["tags"]) == ("contact", ["Outreach"])
    # A recruiter's own default wins over the team's.
    mine = {"default_sync_as": "applicant", "default_tags": []}
    assert client.put("/api/me/settings", json=mine, headers=recruiter).status_code == 200
    made = create(client, recruiter)
    assert (made["sync_as"], made["tags"]) == ("applicant", [])
    assert create(client, admin)["sync_as"] == "contact"
    # Given values win over any default.
    assert create(client, admin, sync_as="applicant", tags=["x"])["tags"] == ["x"]


# --- Validation -------------------------------------------------------------------------
INVALID = [
    pytest.param({"type": "candidate"}, "name", id="no-name"),
    pytest.param({"name": "   ", "type": "candidate"}, "name", id="blank-name"),
    pytest.param({"name": "x" * 201, "type": "candidate"}, "name", id="long-name"),
    pytest.param({"name": "Q1"}, "type", id="no-type"),
    pytest.param({"name": "Q1", "type": "company"}, "type", id="bad-type"),
    pytest.param(
        {"name": "Q1", "type": "client", "sync_as": "company"}, "sync_as", id="bad-sync-as"
    ),
    pytest.param({"name": "Q1", "type": "client", "tags": "java"}, "tags", id="tags-not-a-list"),
    pytest.param({"name": "Q1", "type": "client", "tags": ["ok", " "]}, "tags", id="blank-tag"),
    pytest.param({"name": "Q1", "type": "client", "tags": ["x" * 101]}, "tags", id="long-tag"),
    pytest.param({"name": "Q1", "type": "client", "tags": [7]}, "tags", id="tag-not-a-string"),
    pytest.param(
        {"name": "Q1", "type": "client", "tags": [f"tag {i}" for i in range(51)]},
        "tags",
        id="too-many-tags",
    ),
    pytest.param({"name": "Q1", "type": "client", "colour": "red"}, "colour", id="unknown-key"),
]


@pytest.mark.parametrize("body, field", INVALID)
def test_invalid_campaigns_are_400_naming_the_field(client, recruiter, body, field):
    response = client.post("/api/campaigns", json=body, headers=recruiter)
    assert response.status_code == 400
    assert field in response.json["errors"]
    assert names(client, recruiter, "?archived=true") == []


def test_fifty_tags_and_repeats_beyond_them_are_fine(client, recruiter):
    tags = [f"tag {i}" for i in range(50)] + ["TAG 0", "Tag 1"]
    assert create(client, recruiter, tags=tags)["tags"] == tags[:50]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"sync_as": "company"}, "sync_as"),
        ({"name": ""}, "name"),
        ({"tags": ["x" * 101]}, "tags"),
        ({"type": None}, "type"),
        ({"archived_at": None}, "archived_at"),
    ],
)
def test_an_invalid_change_is_400_and_changes_nothing(client, recruiter, body, field):
    made = create(client, recruiter, tags=["Java"])
    url = f"/api/campaigns/{made['id']}"
    response = client.patch(url, json=body, headers=recruiter)
    assert response.status_code == 400
    assert field in response.json["errors"]
    assert client.get(url, headers=recruiter).json == made


# --- Teams ------------------------------------------------------------------------------
def test_another_teams_campaign_is_404_and_untouched(client, recruiter, outsider):
    made = create(client, recruiter, tags=["Java"])
    url = f"/api/campaigns/{made['id']}"
    assert client.get(url, headers=outsider).status_code == 404
    assert client.patch(url, json={"name": "mine now"}, headers=outsider).status_code == 404
    assert client.delete(url, headers=outsider).status_code == 404
    assert client.get(f"{url}/defaults", headers=outsider).status_code == 404
    assert names(client, outsider, "?archived=true") == []
    assert client.get(url, headers=recruiter).json == made
    # The same answer as for an id that does not exist at all.
    missing = client.get("/api/campaigns/999999", headers=outsider)
    assert missing.status_code == 404
    assert missing.json["code"] == 404


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/campaigns"),
        ("post", "/api/campaigns"),
        ("get", "/api/campaigns/1"),
        ("patch", "/api/campaigns/1"),
        ("delete", "/api/campaigns/1"),
        ("get", "/api/campaigns/1/defaults"),
    ],
)
def test_campaigns_need_a_token(client, method, path):
    assert getattr(client, method)(path, json={}).status_code == 401


# --- Defaults for the extension ---------------------------------------------------------
def test_defaults_follow_the_campaign_and_the_effective_settings(client, admin, recruiter):
    made = create(client, recruiter, sync_as="contact", tags=["Hiring"])
    url = f"/api/campaigns/{made['id']}/defaults"
    response = client.get(url, headers=recruiter)
    assert response.status_code == 200, response.json
    defaults = response.json
    assert defaults["sync_as"] == "contact"
    assert defaults["tags"] == ["Hiring"]
    assert defaults["mandatory_fields"] == ["firstName", "lastName", "location"]
    assert "currentEmployer" not in defaults["displayed_fields"]

    # The admin changes the contact fields: the defaults follow.
    team = {
        "contact": {
            "displayed_fields": ["firstName", "lastName", "postalCode", "jobTitle"],
            "mandatory_fields": ["firstName", "lastName", "postalCode"],
        }
    }
    assert client.put(SETTINGS, json={"team": team}, headers=admin).status_code == 200
    defaults = client.get(url, headers=recruiter).json
    assert defaults["displayed_fields"] == ["firstName", "lastName", "postalCode", "jobTitle"]
    assert defaults["mandatory_fields"] == ["firstName", "lastName", "postalCode"]

    # The recruiter's own displayed fields apply to them only.
    mine = {"contact": {"displayed_fields": ["firstName", "lastName", "postalCode", "headline"]}}
    assert client.put("/api/me/settings", json=mine, headers=recruiter).status_code == 200
    assert client.get(url, headers=recruiter).json["displayed_fields"][-1] == "headline"
    assert client.get(url, headers=admin).json["displayed_fields"][-1] == "jobTitle"

    # Switching the campaign to applicants switches to the applicant section.
    patch = {"sync_as": "applicant", "tags": ["Java"]}
    response = client.patch(f"/api/campaigns/{made['id']}", json=patch, headers=recruiter)
    assert response.status_code == 200
    defaults = client.get(url, headers=recruiter).json
    assert (defaults["sync_as"], defaults["tags"]) == ("applicant", ["Java"])
    assert defaults["mandatory_fields"] == ["firstName", "lastName"]
    assert "currentEmployer" in defaults["displayed_fields"]


def test_get_for_team_is_the_lookup_other_code_uses(app, client, recruiter, outsider):
    from backend import campaigns
    from backend.errors import ApiError
    from backend.models import User

    made = create(client, recruiter)
    with app.app_context():
        session = app.extensions["db"].session
        team_id = session.scalar(select(User.team_id).where(User.email == RECRUITER))
        other_team = session.scalar(select(User.team_id).where(User.email != RECRUITER))
        assert campaigns.get_for_team(team_id, made["id"]).name == made["name"]
        with pytest.raises(ApiError) as raised:
            campaigns.get_for_team(other_team, made["id"])
        assert raised.value.code == 404
