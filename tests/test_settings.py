"""Integration settings: defaults, the admin's team settings and locks, personal overrides."""

import pytest
from sqlalchemy import select

from backend.models import TeamSettings
from backend.settings import store, vocabulary
from backend.settings.schema import GENERAL_KEYS, LOCKABLE_KEYS, SECTION_KEYS_OF, settings_schema

ADMIN = "ada@acme.example"
RECRUITER = "rita@acme.example"
SETTINGS = "/api/integrations/itris/settings"
MINE = "/api/me/settings"


@pytest.fixture
def admin(auth):
    return auth.headers(ADMIN, role="admin")


@pytest.fixture
def recruiter(auth):
    return auth.headers(RECRUITER, role="recruiter")


def connect(client, headers, sandbox):
    body = {"username": sandbox.username, "password": sandbox.password, "subdomain": sandbox.url}
    response = client.put("/api/integrations/itris", json=body, headers=headers)
    assert response.status_code == 200, response.json


def overview(client, headers) -> dict:
    response = client.get(SETTINGS, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def put_team(client, headers, team, locks=None):
    body = {"team": team} if locks is None else {"team": team, "locks": locks}
    return client.put(SETTINGS, json=body, headers=headers)


def error_at(body: dict, path: tuple):
    node = body["errors"]
    for key in path:
        assert isinstance(node, dict) and key in node, f"{path} not in {body['errors']}"
        node = node[key]
    return node


# --- Defaults ---------------------------------------------------------------------------
def test_a_new_team_has_sensible_defaults(client, recruiter):
    view = overview(client, recruiter)
    team = view["team"]
    assert view["user"] == {}
    assert view["locks"] == []
    assert view["effective"] == team
    assert team["sync_manual_updates"] is True
    assert team["block_off_limits_emails"] is True
    assert team["default_sync_as"] == "applicant"
    assert team["company_warning"] == "duplicates_and_similar"
    assert team["displayed_company_info"] == ["status", "owner", "contact_count", "location"]

    applicant, contact = team["applicant"], team["contact"]
    assert applicant["add_to_itris"] == "on_campaign_add"
    assert applicant["field_mapping"]["currentEmployer"] == "company"
    assert applicant["field_mapping"]["webAddress"] == "linkedin_url"
    assert "currentEmployer" not in contact["field_mapping"]
    assert applicant["mandatory_fields"] == ["firstName", "lastName"]
    assert contact["mandatory_fields"] == ["firstName", "lastName", "location"]
    for part in (applicant, contact):
        assert set(part["displayed_fields"]) == set(part["field_mapping"])
        assert "email_opened" not in part["note_activities"]
        assert "email_clicked" not in part["note_activities"]
        assert "email_replied" in part["note_activities"]
        assert part["note_channels"] == ["email", "linkedin", "call", "sms"]
        assert part["default_status_id"] is None
        assert part["note_type_mapping"] == {}
    assert contact["default_contact_type_id"] is None
    assert "default_contact_type_id" not in applicant


def test_the_defaults_are_a_valid_complete_document():
    defaults = store.defaults()
    assert settings_schema.load(defaults) == defaults
    assert set(defaults) == {*GENERAL_KEYS, *vocabulary.SYNC_AS}
    for sync_as in vocabulary.SYNC_AS:
        assert set(defaults[sync_as]) == set(SECTION_KEYS_OF[sync_as])
    assert "applicant.add_to_itris" in LOCKABLE_KEYS and "contact" in LOCKABLE_KEYS


def test_person_fields_leave_out_what_itris_manages():
    assert "currentEmployer" in vocabulary.PERSON_FIELDS["applicant"]
    assert "currentEmployer" not in vocabulary.PERSON_FIELDS["contact"]
    for names in vocabulary.PERSON_FIELDS.values():
        assert {"firstName", "lastName", "emailAddress", "location"} <= set(names)
        assert not {"statusId", "keywords", "offLimits", "companyId", "contactTypeId"} & set(names)
    assert vocabulary.CHANNEL_OF["call_logged"] == "call"
    assert vocabulary.CHANNEL_OF["linkedin_inmail_sent"] == "linkedin"
    assert vocabulary.CHANNEL_OF["meeting_booked"] is None


# --- The admin's team settings ----------------------------------------------------------
def test_an_admin_replaces_the_team_settings(app, client, admin, recruiter):
    team = {
        "company_warning": "duplicates_only",
        "default_tags": ["Java", "java", " London "],
        "applicant": {
            "add_to_itris": "on_reply",
            "only_notes_to_synced": True,
            "displayed_fields": ["firstName", "lastName", "jobTitle", "emailAddress"],
            "mandatory_fields": ["firstName", "lastName", "jobTitle"],
            "update_policy": {"jobTitle": "always"},
            "note_type_mapping": {"email_replied": 3},
        },
    }
    response = put_team(client, admin, team, locks=["company_warning"])
    assert response.status_code == 200, response.json
    saved = response.json["team"]
    assert saved["company_warning"] == "duplicates_only"
    assert saved["default_tags"] == ["Java", "London"]
    assert saved["applicant"]["add_to_itris"] == "on_reply"
    assert saved["applicant"]["mandatory_fields"] == ["firstName", "lastName", "jobTitle"]
    assert saved["applicant"]["update_policy"] == {"jobTitle": "always"}
    assert saved["applicant"]["note_type_mapping"] == {"email_replied": 3}
    # Keys left out take their defaults, section by section.
    defaults = store.defaults()
    assert saved["applicant"]["backfill_notes"] == defaults["applicant"]["backfill_notes"]
    assert saved["contact"] == defaults["contact"]
    assert saved["dont_overwrite_cv"] is True
    assert response.json["locks"] == ["company_warning"]

    # Everyone in the team sees it, and it is what the database holds.
    seen = overview(client, recruiter)
    assert seen["team"] == saved
    assert seen["effective"] == saved
    assert seen["locks"] == ["company_warning"]
    with app.app_context():
        row = app.extensions["db"].session.scalar(select(TeamSettings))
        assert row.data == saved
        assert row.locks == ["company_warning"]


def test_a_put_without_locks_keeps_the_locks(client, admin):
    assert put_team(client, admin, {}, locks=["applicant"]).status_code == 200
    response = put_team(client, admin, {"company_warning": "off"})
    assert response.status_code == 200
    assert response.json["locks"] == ["applicant"]
    assert response.json["team"]["company_warning"] == "off"
    assert put_team(client, admin, {}, locks=[]).json["locks"] == []


def test_a_recruiter_cannot_change_the_team_settings(client, admin, recruiter):
    before = overview(client, admin)
    response = put_team(client, recruiter, {"company_warning": "off"})
    assert response.status_code == 403
    assert overview(client, admin) == before


INVALID = [
    pytest.param(
        {"applicant": {"displayed_fields": ["firstName", "lastName", "shoeSize"]}},
        None,
        ("team", "applicant", "displayed_fields"),
        False,
        id="unknown-field-displayed",
    ),
    pytest.param(
        {"contact": {"displayed_fields": ["firstName", "lastName", "location", "currentEmployer"]}},
        None,
        ("team", "contact", "displayed_fields"),
        False,
        id="applicant-only-field-on-contact",
    ),
    pytest.param(
        {"applicant": {"displayed_fields": ["firstName", "lastName", "statusId"]}},
        None,
        ("team", "applicant", "displayed_fields"),
        False,
        id="server-managed-field-displayed",
    ),
    pytest.param(
        {"applicant": {"update_policy": {"shoeSize": "always"}}},
        None,
        ("team", "applicant", "update_policy"),
        False,
        id="unknown-field-update-policy",
    ),
    pytest.param(
        {"applicant": {"update_policy": {"jobTitle": "sometimes"}}},
        None,
        ("team", "applicant", "update_policy"),
        False,
        id="bad-update-policy",
    ),
    pytest.param(
        {"applicant": {"field_mapping": {"jobTitle": "shoe_size"}}},
        None,
        ("team", "applicant", "field_mapping"),
        False,
        id="unknown-variable",
    ),
    pytest.param(
        {"applicant": {"displayed_fields": ["firstName"]}},
        None,
        ("team", "applicant", "mandatory_fields"),
        False,
        id="mandatory-not-displayed",
    ),
    pytest.param(
        {"applicant": {"add_to_itris": "sometimes"}},
        None,
        ("team", "applicant", "add_to_itris"),
        False,
        id="bad-add-to-itris",
    ),
    pytest.param(
        {"company_warning": "loud"},
        None,
        ("team", "company_warning"),
        False,
        id="bad-company-warning",
    ),
    pytest.param(
        {"displayed_company_info": ["status", "revenue"]},
        None,
        ("team", "displayed_company_info"),
        False,
        id="bad-company-info",
    ),
    pytest.param(
        {"contact": {"note_activities": ["email_sent", "fax_sent"]}},
        None,
        ("team", "contact", "note_activities"),
        False,
        id="unknown-activity",
    ),
    pytest.param(
        {"contact": {"note_channels": ["email", "pigeon"]}},
        None,
        ("team", "contact", "note_channels"),
        False,
        id="unknown-channel",
    ),
    pytest.param(
        {"applicant": {"note_type_mapping": {"email_sent": 0}}},
        None,
        ("team", "applicant", "note_type_mapping"),
        False,
        id="non-positive-category",
    ),
    pytest.param(
        {"dont_overwrite_cv": "yes"},
        None,
        ("team", "dont_overwrite_cv"),
        False,
        id="not-a-boolean",
    ),
    pytest.param(
        {"default_tags": ["ok", ""]},
        None,
        ("team", "default_tags"),
        False,
        id="empty-tag",
    ),
    pytest.param(
        {"colour": "blue"},
        None,
        ("team", "colour"),
        False,
        id="unknown-top-level-key",
    ),
    pytest.param(
        {"applicant": {"colour": "blue"}},
        None,
        ("team", "applicant", "colour"),
        False,
        id="unknown-section-key",
    ),
    pytest.param(
        {"applicant": {"default_contact_type_id": 301}},
        None,
        ("team", "applicant", "default_contact_type_id"),
        False,
        id="contact-type-on-applicant",
    ),
    pytest.param({}, ["applicant.shoe_size"], ("locks",), False, id="unknown-lock-key"),
    pytest.param({}, ["everything"], ("locks",), False, id="unknown-lock-section"),
    pytest.param(
        {"applicant": {"note_type_mapping": {"email_replied": 999}}},
        None,
        ("team", "applicant", "note_type_mapping", "email_replied"),
        True,
        id="unknown-comment-category",
    ),
    pytest.param(
        {"applicant": {"default_status_id": 201}},  # a contact status, not an applicant one
        None,
        ("team", "applicant", "default_status_id"),
        True,
        id="status-of-the-other-type",
    ),
    pytest.param(
        {"contact": {"default_status_id": 9999}},
        None,
        ("team", "contact", "default_status_id"),
        True,
        id="unknown-status",
    ),
    pytest.param(
        {"contact": {"default_contact_type_id": 101}},
        None,
        ("team", "contact", "default_contact_type_id"),
        True,
        id="unknown-contact-type",
    ),
]


@pytest.mark.parametrize("team, locks, path, connected", INVALID)
def test_invalid_team_settings_are_400_naming_the_key_and_change_nothing(
    request, client, admin, team, locks, path, connected
):
    if connected:
        connect(client, admin, request.getfixturevalue("sandbox"))
    known = {"company_warning": "off", "applicant": {"add_to_itris": "on_interested"}}
    assert put_team(client, admin, known, locks=["company_warning"]).status_code == 200
    before = overview(client, admin)

    response = put_team(client, admin, team, locks=locks)
    assert response.status_code == 400, response.json
    assert response.json["code"] == 400
    assert error_at(response.json, path)
    assert overview(client, admin) == before


def test_a_hidden_mandatory_field_is_named(client, admin):
    response = put_team(
        client,
        admin,
        {"applicant": {"displayed_fields": ["firstName", "lastName"], "mandatory_fields": [
            "firstName", "lastName", "emailAddress"]}},
    )  # fmt: skip
    assert response.status_code == 400
    (message,) = error_at(response.json, ("team", "applicant", "mandatory_fields"))
    assert "emailAddress" in message


def test_itris_ids_from_the_teams_lists_are_accepted_when_connected(client, admin, sandbox):
    connect(client, admin, sandbox)
    team = {
        "applicant": {"default_status_id": 102, "note_type_mapping": {"email_replied": 3}},
        "contact": {
            "default_status_id": 201,
            "default_contact_type_id": 301,
            "note_type_mapping": {"call_logged": 6, "meeting_booked": None},
        },
    }
    response = put_team(client, admin, team)
    assert response.status_code == 200, response.json
    saved = overview(client, admin)["team"]
    assert saved["applicant"]["default_status_id"] == 102
    assert saved["applicant"]["note_type_mapping"] == {"email_replied": 3}
    assert saved["contact"]["default_contact_type_id"] == 301
    # A null category is no mapping at all.
    assert saved["contact"]["note_type_mapping"] == {"call_logged": 6}


def test_itris_ids_are_taken_on_trust_when_not_connected(client, admin):
    team = {"applicant": {"default_status_id": 9999, "note_type_mapping": {"email_sent": 999}}}
    response = put_team(client, admin, team)
    assert response.status_code == 200, response.json
    assert response.json["team"]["applicant"]["note_type_mapping"] == {"email_sent": 999}


def test_another_teams_settings_are_unaffected(client, auth, admin):
    other = auth.headers("olga@other.example", role="admin", team="Other Talent")
    other_before = overview(client, other)
    assert put_team(client, admin, {"company_warning": "off"}, locks=["contact"]).status_code == 200
    assert overview(client, other) == other_before
    assert overview(client, other)["team"]["company_warning"] == "duplicates_and_similar"
    # And the other admin's change does not reach this team.
    assert put_team(client, other, {"dont_overwrite_cv": False}).status_code == 200
    assert overview(client, admin)["team"]["dont_overwrite_cv"] is True
    assert overview(client, admin)["team"]["company_warning"] == "off"


# --- Personal overrides and locks -------------------------------------------------------
def test_a_personal_override_of_an_unlocked_key_shows_in_effective(client, auth, admin, recruiter):
    colleague = auth.headers("colin@acme.example")
    team_before = overview(client, admin)["team"]
    body = {"default_sync_as": "contact", "contact": {"add_to_itris": "on_reply"}}
    response = client.put(MINE, json=body, headers=recruiter)
    assert response.status_code == 200, response.json
    view = response.json
    assert view["user"] == body
    assert view["effective"]["default_sync_as"] == "contact"
    assert view["effective"]["contact"]["add_to_itris"] == "on_reply"
    # Keys of the section the user did not set still come from the team.
    assert (
        view["effective"]["contact"]["mandatory_fields"]
        == team_before["contact"]["mandatory_fields"]
    )
    assert view["team"] == team_before
    assert overview(client, recruiter)["effective"]["default_sync_as"] == "contact"
    # Neither the admin nor a colleague is affected.
    assert overview(client, admin)["effective"]["default_sync_as"] == "applicant"
    assert overview(client, colleague)["effective"]["contact"]["add_to_itris"] == "on_campaign_add"


def test_a_put_replaces_the_previous_overrides(client, recruiter):
    assert client.put(MINE, json={"company_warning": "off"}, headers=recruiter).status_code == 200
    response = client.put(MINE, json={"dont_overwrite_cv": False}, headers=recruiter)
    assert response.json["user"] == {"dont_overwrite_cv": False}
    assert response.json["effective"]["company_warning"] == "duplicates_and_similar"
    assert client.put(MINE, json={}, headers=recruiter).json["user"] == {}


@pytest.mark.parametrize(
    "locks, body, locked_path",
    [
        (["company_warning"], {"company_warning": "off"}, ("company_warning",)),
        (
            ["applicant.add_to_itris"],
            {"applicant": {"add_to_itris": "never"}},
            ("applicant", "add_to_itris"),
        ),
        (["contact"], {"contact": {"backfill_notes": False}}, ("contact", "backfill_notes")),
    ],
)
def test_a_locked_key_is_403_and_nothing_changes(
    client, admin, recruiter, locks, body, locked_path
):
    assert client.put(MINE, json={"dont_overwrite_cv": False}, headers=recruiter).status_code == 200
    assert put_team(client, admin, {}, locks=locks).status_code == 200
    before = overview(client, recruiter)

    response = client.put(MINE, json={**body, "sync_manual_updates": False}, headers=recruiter)
    assert response.status_code == 403, response.json
    assert error_at(response.json, locked_path)
    assert ".".join(locked_path) in response.json["message"]
    assert overview(client, recruiter) == before


def test_locking_a_whole_section_leaves_the_other_open(client, admin, recruiter):
    assert put_team(client, admin, {}, locks=["contact"]).status_code == 200
    refused = client.put(MINE, json={"contact": {"add_to_itris": "never"}}, headers=recruiter)
    assert refused.status_code == 403
    allowed = client.put(MINE, json={"applicant": {"add_to_itris": "never"}}, headers=recruiter)
    assert allowed.status_code == 200, allowed.json
    assert allowed.json["effective"]["applicant"]["add_to_itris"] == "never"
    assert allowed.json["effective"]["contact"]["add_to_itris"] == "on_campaign_add"


def test_a_key_locked_after_a_user_overrode_it_follows_the_team(client, admin, recruiter):
    body = {"company_warning": "off", "applicant": {"add_to_itris": "never"}}
    assert client.put(MINE, json=body, headers=recruiter).status_code == 200
    assert put_team(client, admin, {}, locks=["company_warning", "applicant"]).status_code == 200
    view = overview(client, recruiter)
    assert view["user"] == body  # kept, in case the admin unlocks again
    assert view["effective"]["company_warning"] == "duplicates_and_similar"
    assert view["effective"]["applicant"]["add_to_itris"] == "on_campaign_add"
    assert put_team(client, admin, {}, locks=[]).status_code == 200
    assert overview(client, recruiter)["effective"]["company_warning"] == "off"


def test_an_override_may_not_hide_a_mandatory_field(client, recruiter):
    before = overview(client, recruiter)
    body = {"applicant": {"displayed_fields": ["firstName", "emailAddress"]}}
    response = client.put(MINE, json=body, headers=recruiter)
    assert response.status_code == 400
    (message,) = error_at(response.json, ("applicant", "displayed_fields"))
    assert "lastName" in message
    body = {"applicant": {"mandatory_fields": ["firstName", "lastName", "postalCode"]}}
    response = client.put(MINE, json=body, headers=recruiter)
    assert response.status_code == 400
    assert "postalCode" in error_at(response.json, ("applicant", "mandatory_fields"))[0]
    assert overview(client, recruiter) == before


def test_a_field_made_mandatory_later_is_displayed_to_the_user(client, admin, recruiter):
    body = {"applicant": {"displayed_fields": ["firstName", "lastName", "jobTitle"]}}
    assert client.put(MINE, json=body, headers=recruiter).status_code == 200
    team = {"applicant": {"mandatory_fields": ["firstName", "lastName", "emailAddress"]}}
    assert put_team(client, admin, team).status_code == 200
    effective = overview(client, recruiter)["effective"]["applicant"]
    assert effective["mandatory_fields"] == ["firstName", "lastName", "emailAddress"]
    assert effective["displayed_fields"] == ["firstName", "lastName", "jobTitle", "emailAddress"]


def test_personal_itris_ids_are_checked_when_connected(client, admin, recruiter, sandbox):
    connect(client, admin, sandbox)
    body = {"applicant": {"note_type_mapping": {"linkedin_replied": 999}}}
    response = client.put(MINE, json=body, headers=recruiter)
    assert response.status_code == 400
    assert error_at(response.json, ("applicant", "note_type_mapping", "linkedin_replied"))
    body = {"applicant": {"note_type_mapping": {"linkedin_replied": 4}}}
    response = client.put(MINE, json=body, headers=recruiter)
    assert response.status_code == 200
    assert response.json["effective"]["applicant"]["note_type_mapping"] == {"linkedin_replied": 4}


@pytest.mark.parametrize(
    "body, path",
    [
        ({"colour": "blue"}, ("colour",)),
        ({"default_sync_as": "company"}, ("default_sync_as",)),
        ({"contact": {"field_mapping": {"firstName": "nickname"}}}, ("contact", "field_mapping")),
    ],
)
def test_invalid_overrides_are_400_naming_the_key(client, recruiter, body, path):
    response = client.put(MINE, json=body, headers=recruiter)
    assert response.status_code == 400
    assert error_at(response.json, path)
    assert overview(client, recruiter)["user"] == {}


# --- The API surface --------------------------------------------------------------------
@pytest.mark.parametrize(
    "method, path", [("get", SETTINGS), ("put", SETTINGS), ("get", MINE), ("put", MINE)]
)
def test_settings_need_a_token(client, method, path):
    assert getattr(client, method)(path, json={}).status_code == 401


def test_the_openapi_document_describes_the_settings(client):
    spec = client.get("/api/openapi.json").json
    assert {"get", "put"} <= set(spec["paths"]["/api/integrations/itris/settings"])
    assert "put" in spec["paths"]["/api/me/settings"]
    schemas = spec["components"]["schemas"]
    assert "note_type_mapping" in schemas["ApplicantSettings"]["properties"]
    assert "default_contact_type_id" in schemas["ContactSettings"]["properties"]
    add = schemas["ApplicantSettings"]["properties"]["add_to_itris"]
    assert add["enum"] == list(vocabulary.ADD_RULES)


def test_a_put_without_a_body_is_400_and_keeps_the_overrides(client, recruiter):
    # Found by tests/test_fuzz.py: webargs read a missing body as {}, which wiped them.
    assert client.put(MINE, json={"company_warning": "off"}, headers=recruiter).status_code == 200
    response = client.put(MINE, headers=recruiter)
    assert response.status_code == 400
    assert response.json["code"] == 400
    assert overview(client, recruiter)["user"] == {"company_warning": "off"}
