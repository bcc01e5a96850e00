"""The company mirror against the live sandbox: sync, webhooks, aliases, warnings settings."""

import json
import math
import threading
import time

import click
import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from backend.companies import aliases, mirror
from backend.companies.models import Company, CompanySyncState
from backend.companies.warnings import company_warnings
from backend.companies.webhooks import signature, webhook_secret
from backend.db import db
from backend.itris import ItrisClient
from backend.itris import contract as c
from backend.models import User

ADMIN = "ada@acme.example"
RECRUITER = "rita@acme.example"
HAYS_PLC, HAYS_SPECIALIST, HAYES = 30001, 30002, 30003


@pytest.fixture
def app(app):
    """The app with the company and webhook blueprints (a no-op once the API registers them)."""
    from backend.api import api
    from backend.api import companies as companies_api
    from backend.api import webhooks as webhooks_api

    for module in (companies_api, webhooks_api):
        if module.blp.name not in app.blueprints:
            api.register_blueprint(module.blp)
    return app


@pytest.fixture
def admin(auth):
    return auth.headers(ADMIN, role="admin")


@pytest.fixture
def recruiter(auth, admin):
    return auth.headers(RECRUITER, role="recruiter")


@pytest.fixture
def connected(client, admin, sandbox):
    """The admin's team connected to the sandbox; returns the team id."""
    body = {"username": sandbox.username, "password": sandbox.password, "subdomain": sandbox.url}
    response = client.put("/api/integrations/itris", json=body, headers=admin)
    assert response.status_code == 200, response.json
    return client.get("/api/me", headers=admin).json["team_id"]


@pytest.fixture
def itris(sandbox):
    with ItrisClient(sandbox.url, sandbox.username, sandbox.password) as itris_client:
        yield itris_client


@pytest.fixture
def synced(app, connected):
    with app.app_context():
        mirror.sync(connected, full=True)
    return connected


def mirrored(app, team_id) -> dict[int, Company]:
    with app.app_context():
        rows = db.session.scalars(select(Company).where(Company.team_id == team_id))
        return {row.itris_id: row for row in rows}


# --- Sync ---------------------------------------------------------------------------------
def test_full_sync_pages_through_every_company(app, connected, sandbox):
    companies = sandbox.records("companies")
    seen = []
    with app.app_context():
        summary = mirror.sync(
            connected, page_size=7, progress=lambda done, total: seen.append(done)
        )
    assert summary.mode == "full"
    assert summary.created == summary.fetched == summary.total == len(companies)
    assert summary.pages == math.ceil(len(companies) / 7)
    assert seen == sorted(seen) and seen[-1] == len(companies) and len(seen) == summary.pages
    rows = mirrored(app, connected)
    assert {r["id"]: r["name"] for r in companies} == {i: row.name for i, row in rows.items()}
    hays = rows[HAYS_PLC]
    assert (hays.location, hays.website, hays.status) == (
        "London",
        "https://www.hays.co.uk",
        "Client",
    )
    assert hays.name_key == "hays"
    assert sandbox.stats()["requests"]["GET /api/v2/companies"] >= summary.pages


def test_a_second_sync_asks_only_for_changes_since_the_newest(app, connected, sandbox, itris):
    with app.app_context():
        mirror.sync(connected)
        newest = db.session.get(CompanySyncState, connected).modified_since
    created = itris.create(c.RecordType.COMPANIES, {c.NAME: "Quillon Ventilation Ltd"})
    itris.update(c.RecordType.COMPANIES, HAYS_PLC, {c.LOCATION: "Leeds"})
    with app.app_context():
        summary = mirror.sync(connected)
        state = db.session.get(CompanySyncState, connected)
        assert state.modified_since > newest
    assert summary.mode == "incremental"
    assert summary.modified_since == newest
    assert (summary.created, summary.updated) == (1, 1)
    assert summary.fetched <= 3  # only what changed (and the boundary record, >= is inclusive)
    rows = mirrored(app, connected)
    assert rows[created["id"]].name == "Quillon Ventilation Ltd"
    assert rows[HAYS_PLC].location == "Leeds"
    assert summary.total == len(sandbox.records("companies"))


def test_a_full_sync_drops_companies_itris_no_longer_has(app, connected, sandbox):
    with app.app_context():
        mirror.sync(connected)
    sandbox.reset(companies=20)  # itris now holds fewer companies
    with app.app_context():
        summary = mirror.sync(connected, full=True)
    assert summary.removed == 60 - 20
    assert set(mirrored(app, connected)) == {r["id"] for r in sandbox.records("companies")}


def test_sync_endpoint_is_for_admins_of_connected_teams(client, admin, recruiter, sandbox):
    assert (
        client.post("/api/integrations/itris/companies/sync", headers=recruiter).status_code == 403
    )
    response = client.post("/api/integrations/itris/companies/sync", headers=admin)
    assert response.status_code == 409
    body = {"username": sandbox.username, "password": sandbox.password, "subdomain": sandbox.url}
    assert client.put("/api/integrations/itris", json=body, headers=admin).status_code == 200
    response = client.post("/api/integrations/itris/companies/sync", headers=admin)
    assert response.status_code == 200, response.json
    total = len(sandbox.records("companies"))
    assert response.json["mode"] == "full"
    assert (response.json["created"], response.json["total"]) == (total, total)
    again = client.post(
        "/api/integrations/itris/companies/sync", json={"mode": "incremental"}, headers=admin
    )
    assert again.json["mode"] == "incremental" and again.json["created"] == 0
    bad = client.post("/api/integrations/itris/companies/sync", json={"mode": "x"}, headers=admin)
    assert bad.status_code == 400


def test_sync_reports_itris_failures_as_502(client, admin, connected, sandbox):
    sandbox.faults(error_rate=1.0, error_status=500)
    response = client.post("/api/integrations/itris/companies/sync", headers=admin)
    assert response.status_code == 502
    assert "company sync stopped" in response.json["message"]


def test_the_cli_syncs_with_a_progress_bar_and_a_summary(app, connected, sandbox):
    from backend.companies.cli import register

    group = click.Group("itris-sync")
    register(group)
    result = app.test_cli_runner().invoke(group, ["sync-companies", "--team", "Acme Recruitment"])
    assert result.exit_code == 0, result.output
    total = len(sandbox.records("companies"))
    assert f"full sync: {total} fetched, {total} created" in result.output
    assert f"{total}/{total}" in result.output  # the bar knows the total from itris
    again = app.test_cli_runner().invoke(
        group, ["sync-companies", "--team", "Acme Recruitment", "--full"]
    )
    assert again.exit_code == 0, again.output
    assert "100%|" in again.output and f"{total}/{total}" in again.output  # now a bar
    assert f"full sync: {total} fetched, 0 created, 0 updated, {total} unchanged" in again.output
    unknown = app.test_cli_runner().invoke(group, ["sync-companies", "--team", "Nobody"])
    assert unknown.exit_code != 0 and "no team called 'Nobody'" in unknown.output


# --- Webhooks -----------------------------------------------------------------------------
def company_created(record) -> bytes:
    return json.dumps(
        {"event": "company.created", "recordType": "companies", "record": record}
    ).encode()


def post_webhook(client, team_id, body: bytes, header: str | None):
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers[c.SIGNATURE_HEADER] = header
    return client.post(f"/api/webhooks/itris/{team_id}", data=body, headers=headers)


def test_a_signed_company_created_webhook_adds_the_company_at_once(app, client, synced, recruiter):
    body = company_created({"id": 39001, "name": "Hays Travel Ltd", "location": "Sunderland"})
    with app.app_context():
        header = signature(webhook_secret(synced), body)
    response = post_webhook(client, synced, body, header)
    assert response.status_code == 200, response.json
    assert response.json == {"event": "company.created", "result": "created"}
    assert mirrored(app, synced)[39001].location == "Sunderland"
    found = client.get("/api/companies/warnings?name=Hays Travel", headers=recruiter).json
    assert found["info"]["itris_id"] == 39001


def test_warnings_asked_before_a_company_arrives_show_it_after(app, client, synced, recruiter):
    """Searches are kept per mirror revision: a mirror write makes the next one search again."""
    url = "/api/companies/warnings?name=Gateshead Glassworks"
    assert client.get(url, headers=recruiter).json == {"info": None, "warnings": []}
    assert client.get(url, headers=recruiter).json == {"info": None, "warnings": []}
    body = company_created(
        {"id": 39002, "name": "Gateshead Glassworks Ltd", "location": "Gateshead"}
    )
    with app.app_context():
        header = signature(webhook_secret(synced), body)
    assert post_webhook(client, synced, body, header).json["result"] == "created"
    found = client.get(url, headers=recruiter).json
    assert found["info"]["itris_id"] == 39002
    assert found["info"]["location"] == "Gateshead"


@pytest.mark.parametrize(
    "forge",
    [
        lambda secret, body: None,  # unsigned
        lambda secret, body: "sha256=" + "0" * 64,
        lambda secret, body: signature("not-the-secret", body),
        lambda secret, body: signature(secret, body + b" "),  # signed another body
        lambda secret, body: signature(secret, body).removeprefix("sha256="),
    ],
    ids=["unsigned", "zeros", "wrong-secret", "other-body", "no-prefix"],
)
def test_a_forged_webhook_is_refused_and_changes_nothing(app, client, synced, forge):
    body = company_created({"id": 39002, "name": "Forged Holdings"})
    with app.app_context():
        header = forge(webhook_secret(synced), body)
        before = db.session.get(CompanySyncState, synced).revision
    response = post_webhook(client, synced, body, header)
    assert response.status_code == 401
    assert 39002 not in mirrored(app, synced)
    with app.app_context():
        assert db.session.get(CompanySyncState, synced).revision == before


def test_another_teams_secret_does_not_sign_for_this_team(app, client, synced):
    body = company_created({"id": 39003, "name": "Cross Team Ltd"})
    with app.app_context():
        header = signature(webhook_secret(synced + 1), body)
    assert post_webhook(client, synced, body, header).status_code == 401
    assert 39003 not in mirrored(app, synced)


def test_other_events_are_acknowledged_and_ignored(app, client, synced):
    body = json.dumps(
        {"event": "applicant.created", "recordType": "applicants", "record": {"id": 10099}}
    ).encode()
    with app.app_context():
        header = signature(webhook_secret(synced), body)
        count = db.session.scalar(select(func.count()).select_from(Company))
    response = post_webhook(client, synced, body, header)
    assert response.status_code == 200
    assert response.json["result"] == "ignored"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Company)) == count


def test_the_webhook_secret_is_per_team_and_per_instance(app):
    with app.app_context():
        assert webhook_secret(1) != webhook_secret(2)
        assert webhook_secret(1) == webhook_secret(1, "test-secret-key")
        assert webhook_secret(1) != webhook_secret(1, "another-secret-key")


def test_the_sandbox_webhook_reaches_the_mirror(app, synced, sandbox, itris):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with app.app_context():
            secret = webhook_secret(synced)
        sandbox.webhook(f"http://127.0.0.1:{server.port}/api/webhooks/itris/{synced}", secret)
        created = itris.create(c.RecordType.COMPANIES, {c.NAME: "Kestrel Logistics Ltd"})
        deadline = time.monotonic() + 10
        while created["id"] not in mirrored(app, synced) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.shutdown()
        thread.join(timeout=5)
    assert mirrored(app, synced)[created["id"]].name == "Kestrel Logistics Ltd"
    assert sandbox.stats()["webhooks"]["ok"] >= 1


# --- Warnings and settings ----------------------------------------------------------------
def warn(app, team_id, name, **settings):
    with app.app_context():
        return company_warnings(team_id, name, **settings)


def test_the_only_same_key_company_is_matched_and_the_rest_are_warned(app, synced):
    result = warn(app, synced, "HAYS Limited")
    assert result["info"]["itris_id"] == HAYS_PLC
    assert result["info"]["matched_by"] == "exact"
    assert result["info"]["location"] == "London"
    reasons = {w["itris_id"]: w["reason"] for w in result["warnings"]}
    assert reasons[HAYS_SPECIALIST] == "similar" and reasons[HAYES] == "similar"
    assert HAYS_PLC not in reasons  # the match itself is information, not a warning
    assert all(0 < w["score"] < 100 for w in result["warnings"])


def test_several_same_key_companies_are_all_duplicates_and_none_is_matched(app, synced):
    result = warn(app, synced, "Acme")
    assert result["info"] is None
    assert {(w["itris_id"], w["reason"]) for w in result["warnings"]} >= {
        (30006, "duplicate"),
        (30007, "duplicate"),
    }


def test_duplicates_only_hides_similar_companies(app, synced):
    result = warn(app, synced, "Smith and Sons Limited", company_warning="duplicates_only")
    assert {w["itris_id"] for w in result["warnings"]} == {30004, 30005}
    result = warn(app, synced, "Browne Medical", company_warning="duplicates_only")
    assert result["info"]["itris_id"] == 30010
    assert result["warnings"] == []  # Brown Medical is only similar
    result = warn(app, synced, "Browne Medical", company_warning="duplicates_and_similar")
    assert [w["itris_id"] for w in result["warnings"]] == [30011]


def test_off_shows_no_warnings_but_still_the_matched_company(app, synced):
    result = warn(app, synced, "Smith and Sons Limited", company_warning="off")
    assert result["warnings"] == []
    result = warn(app, synced, "Hays plc", company_warning="off")
    assert result["info"]["itris_id"] == HAYS_PLC and result["warnings"] == []


@pytest.mark.parametrize(
    ("detail", "expected"),
    [
        ("location", "Manchester"),
        ("website", "https://www.hays.co.uk"),
        ("id", str(HAYS_SPECIALIST)),
        ("contact_count", None),  # filled in from the record below
        ("owner", None),
    ],
)
def test_the_detail_setting_picks_the_attribute_beside_each_candidate(
    app, synced, sandbox, detail, expected
):
    record = next(r for r in sandbox.records("companies") if r["id"] == HAYS_SPECIALIST)
    if detail == "contact_count":
        expected = str(record["contactCount"])
    if detail == "owner":
        expected = None if record["ownerUserId"] is None else str(record["ownerUserId"])
    result = warn(app, synced, "Hays", company_warning_detail=detail)
    detail_of = {w["itris_id"]: w["detail"] for w in result["warnings"]}
    assert detail_of[HAYS_SPECIALIST] == expected


def test_displayed_company_info_limits_the_facts(app, synced):
    result = warn(app, synced, "Hays plc", displayed_company_info=["status", "website"])
    assert result["info"] == {
        "itris_id": HAYS_PLC,
        "name": "Hays plc",
        "matched_by": "exact",
        "status": "Client",
        "website": "https://www.hays.co.uk",
    }
    full = warn(app, synced, "Hays plc")["info"]
    assert {"owner", "contact_count", "location", "last_updated"} <= set(full)
    assert full["last_updated"].startswith("20")


def test_unknown_settings_are_refused(app, synced):
    with pytest.raises(ValueError):
        warn(app, synced, "Hays", company_warning="sometimes")
    with pytest.raises(ValueError):
        warn(app, synced, "Hays", displayed_company_info=["colour"])


# --- Alias memory -------------------------------------------------------------------------
def test_a_remembered_pick_wins_next_time_for_the_same_name(app, synced, auth):
    with app.app_context():
        assert aliases.lookup(synced, "Hays") is None
        aliases.remember(synced, "Hays", HAYS_SPECIALIST)
    result = warn(app, synced, "HAYS Ltd")  # the same name, written another way
    assert result["info"]["itris_id"] == HAYS_SPECIALIST
    assert result["info"]["matched_by"] == "alias"
    reasons = {w["itris_id"]: w["reason"] for w in result["warnings"]}
    assert reasons[HAYS_PLC] == "duplicate" and HAYS_SPECIALIST not in reasons
    with app.app_context():
        aliases.remember(synced, "Hays", HAYS_PLC)  # a later pick replaces the earlier
        assert aliases.lookup(synced, "hays") == HAYS_PLC
        assert aliases.lookup(synced, "Hays Travel") is None
        assert aliases.forget(synced, "Hays") and aliases.lookup(synced, "Hays") is None


@pytest.mark.parametrize("held", [True, False], ids=["picks-held", "too-many-to-hold"])
def test_a_profile_lookup_shows_each_pick_at_once(
    app, client, synced, recruiter, monkeypatch, held
):
    """A lookup takes the team's picks from all of them, read once per team revision (or,
    past the most it holds, one by one): a pick, a new pick and a forgotten one each show
    in the very next lookup."""
    if not held:
        monkeypatch.setattr(aliases, "MAX_HELD_PICKS", 1)
    profile = {"profile_url": "https://www.linkedin.com/in/pia-picks", "name": "Pia Picks"}

    def shown():
        body = {**profile, "company": "HAYS Ltd"}
        response = client.post("/api/profile/lookup", json=body, headers=recruiter)
        assert response.status_code == 200, response.json
        info = response.json["company"]["info"]
        return info["itris_id"], info["matched_by"]

    assert shown() == (HAYS_PLC, "exact")
    with app.app_context():
        aliases.remember(synced, "Quietfield", HAYS_PLC)
        aliases.remember(synced, "Hays", HAYS_SPECIALIST)
    assert shown() == (HAYS_SPECIALIST, "alias")
    with app.app_context():
        aliases.remember(synced, "Hays", HAYS_PLC)
    assert shown() == (HAYS_PLC, "alias")
    with app.app_context():
        assert aliases.forget(synced, "Hays")
    assert shown() == (HAYS_PLC, "exact")


def test_aliases_belong_to_one_team(app, synced, auth):
    auth.user("olga@other.example", team="Other Recruitment")
    with app.app_context():
        other_team = db.session.scalar(
            select(User.team_id).where(User.email == "olga@other.example")
        )
        aliases.remember(synced, "Hays", HAYS_SPECIALIST)
        assert aliases.lookup(other_team, "Hays") is None
        with pytest.raises(ValueError):
            aliases.remember(synced, "  ", HAYS_PLC)


# --- The warnings endpoint ----------------------------------------------------------------
def test_warnings_endpoint_answers_for_the_callers_team(client, synced, recruiter, auth):
    response = client.get("/api/companies/warnings?name=Browne Medical Ltd", headers=recruiter)
    assert response.status_code == 200, response.json
    assert response.json["info"]["itris_id"] == 30010
    assert response.json["warnings"] == [
        {
            "itris_id": 30011,
            "name": "Brown Medical",
            "reason": "similar",
            "score": response.json["warnings"][0]["score"],
            "detail": "Glasgow",
        }
    ]
    outsider = auth.headers("olga@other.example", team="Other Recruitment")
    other = client.get("/api/companies/warnings?name=Browne Medical Ltd", headers=outsider)
    assert other.json == {"info": None, "warnings": []}


def test_warnings_endpoint_needs_a_name_and_a_token(client, recruiter):
    assert client.get("/api/companies/warnings?name=Hays").status_code == 401
    response = client.get("/api/companies/warnings", headers=recruiter)
    assert response.status_code == 400
    assert "name" in response.json["errors"]


def test_rows_written_elsewhere_are_found_by_this_process(app, synced):
    warn(app, synced, "Hays")  # this process now holds an index of the team
    with app.app_context():
        # mirror.upsert alone, as another API process or worker would write it.
        mirror.upsert(synced, [{"id": 39010, "name": "Zephyrine Analytics Ltd"}])
    result = warn(app, synced, "Zephyrine Analytics")
    assert result["info"]["itris_id"] == 39010


# --- Records the columns cannot hold (found by tests/test_fuzz.py) ------------------------
@pytest.mark.parametrize(
    "record",
    [
        {"id": 2**63, "name": "Too Big Ltd"},
        {"id": 0, "name": "Zero Ltd"},
        {"id": "39005x", "name": "Not An Id Ltd"},
        {"id": 39005, "name": {"not": "text"}},
        {"id": 39005, "name": "\x00 "},
    ],
)
def test_a_webhook_record_without_a_usable_id_or_name_adds_nothing(app, client, synced, record):
    body = company_created(record)
    before = set(mirrored(app, synced))
    with app.app_context():
        header = signature(webhook_secret(synced), body)
    response = post_webhook(client, synced, body, header)
    assert response.status_code == 200, response.json
    assert response.json["result"] == "unchanged"
    assert set(mirrored(app, synced)) == before


def test_a_webhook_record_keeps_only_values_its_columns_hold(app, client, synced):
    body = company_created(
        {
            "id": "39006",
            "name": "Long\x00 Name Ltd" + "x" * 600,
            "location": {"city": "Leeds"},
            "website": 12,
            "ownerUserId": 2**40,
            "statusId": "not a number",
            "contactCount": 7.0,
        }
    )
    with app.app_context():
        header = signature(webhook_secret(synced), body)
    assert post_webhook(client, synced, body, header).json["result"] == "created"
    row = mirrored(app, synced)[39006]
    assert row.name.startswith("Long Name Ltd") and len(row.name) == 500
    assert (row.location, row.website, row.owner_user_id) == (None, "12", None)
    assert (row.status_id, row.contact_count) == (None, 7)
