"""Matching before any create, links, possible matches, companies, and the profile lookup."""

import pytest

from backend.itris.matching import linkedin_slug
from backend.sandbox.seed import KNOWN


@pytest.mark.parametrize(
    "url, slug",
    [
        ("https://www.linkedin.com/in/tom-hughes-5e8b10/", "tom-hughes-5e8b10"),
        ("http://linkedin.com/in/Tom-Hughes-5e8b10", "tom-hughes-5e8b10"),
        ("https://uk.linkedin.com/in/tom-hughes-5e8b10?trk=abc#top", "tom-hughes-5e8b10"),
        ("www.linkedin.com/in/tom-hughes-5e8b10/detail/recent-activity/", "tom-hughes-5e8b10"),
        ("https://www.linkedin.com/in/j%C3%BCrgen-m/", "jürgen-m"),
        ("https://www.linkedin.com/company/acme/", None),
        ("https://example.com/in/tom", None),
        ("", None),
    ],
)
def test_linkedin_slug(url, slug):
    assert linkedin_slug(url) == slug


def test_a_linkedin_slug_match_links_without_an_email(engine):
    tom = KNOWN.linkedin_only_applicant
    campaign = engine.campaign()
    added = engine.add(
        campaign,
        profile={
            "profile_url": "https://uk.linkedin.com/in/Tom-Hughes-5e8b10?trk=x",
            "name": "Tom Hughes",
            "title": "Senior QS",
        },
    )
    push = engine.wait(added["push"]["id"])
    assert push["status"] == "succeeded", push
    assert push["result"]["record_id"] == tom.id
    assert push["result"]["matched_by"] == "linkedin"
    assert len(engine.records("applicants", lastName="Hughes", firstName="Tom")) == 1


def test_a_stored_link_is_used_without_searching_again(engine):
    campaign = engine.campaign()
    added = engine.add(
        campaign, profile=engine.person("p", "Priya", "Sharma"), email=KNOWN.applicant.email
    )
    engine.wait(added["push"]["id"])
    before = engine.sandbox.stats()["requests"].get("GET /api/v2/applicants", 0)
    push = engine.call("post", f"/api/contacts/{added['contact_id']}/push", {}, expect=202).json
    done = engine.wait(push["id"])
    assert done["result"]["matched_by"] == "linked"
    assert engine.sandbox.stats()["requests"].get("GET /api/v2/applicants", 0) == before


def test_same_name_and_company_is_only_a_possible_match_until_a_user_decides(engine):
    sarah = KNOWN.namesake_applicant
    campaign = engine.campaign()
    added = engine.add(
        campaign,
        profile=engine.person(
            "sarah-m-other", "Sarah", "Mitchell", company="Northwind Logistics Limited"
        ),
        email="sarah.m@newmail.example",
    )
    push = engine.wait(added["push"]["id"])
    assert push["status"] == "needs_review"
    assert [p["id"] for p in push["result"]["review"]["possible"]] == [sarah.id]
    assert len(engine.records("applicants", firstName="Sarah", lastName="Mitchell")) == 1

    linked = engine.call(
        "post",
        f"/api/contacts/{added['contact_id']}/link",
        {"itris_type": "applicant", "itris_id": sarah.id},
        expect=202,
    ).json
    done = engine.wait(linked["id"])
    assert done["status"] == "succeeded"
    assert done["result"]["record_id"] == sarah.id
    assert engine.call("get", f"/api/pushes/{push['id']}").json["status"] == "skipped"
    [record] = engine.records("applicants", id=sarah.id)
    assert record["emailAddress"] == KNOWN.namesake_applicant.email  # if_blank kept it
    assert len(engine.records("applicants", firstName="Sarah", lastName="Mitchell")) == 1


def test_create_new_over_a_possible_match_makes_a_second_record(engine):
    campaign = engine.campaign()
    added = engine.add(
        campaign,
        profile=engine.person("sarah-m-2", "Sarah", "Mitchell", company="Northwind Logistics"),
    )
    assert engine.wait(added["push"]["id"])["status"] == "needs_review"
    push = engine.call(
        "post", f"/api/contacts/{added['contact_id']}/link", {"create_new": True}, expect=202
    ).json
    done = engine.wait(push["id"])
    assert done["status"] == "succeeded" and done["result"]["created"] is True
    assert len(engine.records("applicants", firstName="Sarah", lastName="Mitchell")) == 2


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "itris_id"),
        ({"itris_type": "applicant"}, "itris_id"),
        ({"itris_type": "robot", "itris_id": 1}, "itris_type"),
        ({"create_new": True, "itris_id": 1}, "create_new"),
    ],
)
def test_bad_link_bodies_are_400(engine, body, field):
    campaign = engine.campaign()
    added = engine.add(campaign, profile=engine.person("z", "Zed", "Zee"))
    response = engine.call("post", f"/api/contacts/{added['contact_id']}/link", body, expect=400)
    assert field in response.json["errors"]


def test_a_contact_uses_the_one_company_with_the_same_name(engine):
    campaign = engine.campaign(sync_as="contact")
    added = engine.add(
        campaign,
        profile=engine.person(
            "ben-k", "Ben", "Kay", company="Brightwater Software Ltd", location="Ely", title="CTO"
        ),
        email="ben@brightwater.example",
    )
    push = engine.wait(added["push"]["id"])
    assert push["status"] == "succeeded", push
    [record] = engine.records("contacts", emailAddress="ben@brightwater.example")
    assert record["companyId"] == KNOWN.brightwater.id
    assert record["contactTypeId"] == 301  # itris's first contact type when none is set
    assert record["location"] == "Ely"


def test_a_contact_with_several_candidate_companies_waits_for_a_pick_then_remembers_it(engine):
    campaign = engine.campaign(sync_as="contact")
    added = engine.add(
        campaign,
        profile=engine.person("s-1", "Sam", "Smith", company="Smith & Sons", location="Bristol"),
        email="sam@smithandsons.example",
    )
    push = engine.wait(added["push"]["id"])
    assert push["status"] == "needs_review"
    candidates = {c["itris_id"] for c in push["result"]["review"]["candidates"]}
    assert candidates == {KNOWN.smith_and_sons_ltd.id, KNOWN.smith_and_sons.id}
    assert engine.records("contacts", emailAddress="sam@smithandsons.example") == []

    picked = engine.call(
        "post",
        f"/api/contacts/{added['contact_id']}/company",
        {"itris_company_id": KNOWN.smith_and_sons.id},
        expect=200,
    ).json
    assert engine.wait(picked["push"]["id"])["status"] == "succeeded"
    [record] = engine.records("contacts", emailAddress="sam@smithandsons.example")
    assert record["companyId"] == KNOWN.smith_and_sons.id

    # Another person at "Smith and Sons Ltd": the team's remembered pick is used at once.
    second = engine.add(
        campaign,
        profile=engine.person("s-2", "Sue", "Smith", company="Smith and Sons Ltd", location="Bath"),
        email="sue@smithandsons.example",
    )
    assert engine.wait(second["push"]["id"])["status"] == "succeeded"
    [record] = engine.records("contacts", emailAddress="sue@smithandsons.example")
    assert record["companyId"] == KNOWN.smith_and_sons.id


def test_an_exact_company_name_wins_over_similar_ones(engine):
    campaign = engine.campaign(sync_as="contact")
    added = engine.add(
        campaign,
        profile=engine.person("h-1", "Holly", "Hay", company="HAYS PLC", location="London"),
        email="holly@hays.example",
    )
    assert engine.wait(added["push"]["id"])["status"] == "succeeded"
    [record] = engine.records("contacts", emailAddress="holly@hays.example")
    assert record["companyId"] == KNOWN.hays_plc.id


def test_a_contact_whose_company_is_unknown_gets_it_created_once(engine):
    campaign = engine.campaign(sync_as="contact")
    first = engine.add(
        campaign,
        profile=engine.person(
            "q1", "Quinn", "One", company="Zephyr Quantum Ltd", location="Oxford"
        ),
        email="q1@zq.example",
    )
    engine.wait(first["push"]["id"])
    second = engine.add(
        campaign,
        profile=engine.person("q2", "Quinn", "Two", company="Zephyr Quantum", location="Oxford"),
        email="q2@zq.example",
    )
    engine.wait(second["push"]["id"])
    companies = [r for r in engine.sandbox.records("companies") if "Zephyr" in r["name"]]
    assert len(companies) == 1
    assert companies[0]["name"] == "Zephyr Quantum Ltd"
    ids = {
        r["companyId"]
        for r in engine.sandbox.records("contacts")
        if r["lastName"] in ("One", "Two")
    }
    assert ids == {companies[0]["id"]}


@pytest.mark.parametrize(
    "who, block, allowed, reason",
    [
        (KNOWN.off_limits_applicant, True, False, "off-limits"),
        (KNOWN.opted_out_applicant, True, False, "Opted out"),
        (KNOWN.off_limits_contact, True, False, "off-limits"),
        (KNOWN.off_limits_applicant, False, True, "turned off"),
        (KNOWN.applicant, True, True, "Not off-limits"),
    ],
)
def test_the_email_gate(engine, who, block, allowed, reason):
    engine.settings(block_off_limits_emails=block, applicant={"add_to_itris": "never"})
    campaign = engine.campaign()
    added = engine.add(
        campaign,
        profile=engine.person(who.slug + "-x", who.first_name, who.last_name),
        email=who.email,
    )
    answer = engine.call(
        "get", f"/api/contacts/{added['contact_id']}/email-permission", expect=200
    ).json
    assert answer["allowed"] is allowed
    assert reason in answer["reason"]


@pytest.mark.parametrize("who", [KNOWN.off_limits_applicant, KNOWN.off_limits_contact])
def test_the_email_gate_blocks_an_off_limits_record_found_by_linkedin_under_another_email(
    engine, who
):
    """itris holds the person under their work email; the campaign has their personal one.
    Their LinkedIn profile is the same record, which is off-limits: no email."""
    engine.settings(applicant={"add_to_itris": "never"})
    campaign = engine.campaign()
    added = engine.add(
        campaign,
        profile=engine.person(who.slug, who.first_name, who.last_name),
        email=f"{who.first_name.lower()}.personal@example.com",
    )
    lookup = {"profile_url": f"https://www.linkedin.com/in/{who.slug}/", "name": who.first_name}
    assert engine.call("post", "/api/profile/lookup", lookup, expect=200).json["itris"][
        "off_limits"
    ]
    answer = engine.call(
        "get", f"/api/contacts/{added['contact_id']}/email-permission", expect=200
    ).json
    assert answer["allowed"] is False
    assert "off-limits" in answer["reason"]


def test_the_email_gate_says_no_when_itris_cannot_be_asked(engine):
    campaign = engine.campaign()
    added = engine.add(
        campaign, profile=engine.person("g", "Gail", "Gate"), email="gail@example.com"
    )
    engine.wait(added["push"]["id"])
    engine.sandbox.faults(error_rate=1.0, error_status=503)
    answer = engine.call("get", f"/api/contacts/{added['contact_id']}/email-permission").json
    assert answer["allowed"] is False
    assert "could not be checked" in answer["reason"]


def test_lookup_shows_the_itris_match_and_also_exists_as(engine):
    james = KNOWN.dual_applicant
    body = {
        "profile_url": f"https://www.linkedin.com/in/{james.slug}/",
        "name": "James Whitfield",
        "company": "Brightwater Software Limited",
    }
    result = engine.call("post", "/api/profile/lookup", body, expect=200).json
    assert result["contact"] is None
    assert result["itris"]["match"] == {
        "type": "applicant",
        "id": james.id,
        "matched_by": "linkedin",
    }
    assert result["itris"]["also_exists_as"] == [{"type": "contact", "id": KNOWN.dual_contact.id}]
    assert result["effective"]["sync_as"] == "applicant"
    assert result["effective"]["source"] == "team"
    assert "firstName" in result["fields"]["displayed"]


@pytest.mark.parametrize("sync_as", ["applicant", "contact"])
def test_lookup_shows_same_name_same_company_records_as_possible_matches(engine, sync_as):
    """What the push would stop at (needs_review), the panel shows before it: for either type."""
    namesake = {"applicant": KNOWN.namesake_applicant, "contact": KNOWN.namesake_contact}[sync_as]
    engine.call("put", "/api/me/settings", {"default_sync_as": sync_as}, expect=200)
    body = {
        "profile_url": "https://www.linkedin.com/in/another-sarah-mitchell/",
        "first_name": "Sarah",
        "last_name": "Mitchell",
        "company": "Northwind Logistics",
    }
    itris = engine.call("post", "/api/profile/lookup", body, expect=200).json["itris"]
    assert itris["match"] is None
    assert [(p["type"], p["id"]) for p in itris["possible"]] == [(sync_as, namesake.id)]
    assert itris["possible"][0]["name"] == "Sarah Mitchell"
    elsewhere = dict(body, company="Southwind Freight")
    assert engine.call("post", "/api/profile/lookup", elsewhere).json["itris"]["possible"] == []


def test_lookup_shows_off_limits(engine):
    oliver = KNOWN.off_limits_applicant
    body = {"profile_url": f"https://www.linkedin.com/in/{oliver.slug}/", "name": "Oliver Bennett"}
    result = engine.call("post", "/api/profile/lookup", body, expect=200).json
    assert result["itris"]["off_limits"] is True
    assert result["itris"]["match"]["id"] == oliver.id


def test_effective_sync_as_precedence_contact_campaign_user_team(engine):
    url = "https://www.linkedin.com/in/prec-edence/"
    lookup = lambda **extra: engine.call(  # noqa: E731
        "post",
        "/api/profile/lookup",
        {"profile_url": url, "name": "Pre Cedence", **extra},
        expect=200,
    ).json["effective"]
    assert lookup() == {"sync_as": "applicant", "tags": [], "source": "team", "tags_source": "team"}
    engine.call("put", "/api/me/settings", {"default_sync_as": "contact"}, expect=200)
    assert lookup()["sync_as"] == "contact" and lookup()["source"] == "user"
    campaign = engine.campaign(sync_as="applicant", tags=["Ops"])
    added = engine.add(campaign, profile={"profile_url": url, "name": "Pre Cedence"})
    known = engine.call("post", "/api/profile/lookup", {"profile_url": url}, expect=200).json
    assert known["contact"]["campaign_ids"] == [campaign]
    assert lookup(campaign_id=campaign) == {
        "sync_as": "applicant",
        "tags": ["Ops"],
        "source": "campaign",
        "tags_source": "campaign",
    }
    engine.call(
        "put",
        f"/api/contacts/{added['contact_id']}/sync-override",
        {"campaign_id": campaign, "sync_as": "contact", "tags": ["Ops", "Night"]},
        expect=200,
    )
    assert lookup(campaign_id=campaign) == {
        "sync_as": "contact",
        "tags": ["Ops", "Night"],
        "source": "contact",
        "tags_source": "contact",
    }


def test_an_override_for_someone_not_in_the_campaign_is_refused(engine):
    """Joining a campaign goes through "add", where the team's add rule decides on a push."""
    first, second = engine.campaign(name="First"), engine.campaign(name="Second")
    added = engine.add(first, profile=engine.person("only-first", "Only", "First"))
    engine.wait(added["push"]["id"])
    pushes = engine.call("get", "/api/pushes", expect=200).json
    response = engine.call(
        "put",
        f"/api/contacts/{added['contact_id']}/sync-override",
        {"campaign_id": second, "sync_as": "contact"},
        expect=409,
    )
    assert response.json["errors"] == {"campaign_id": [response.json["message"]]}
    known = engine.call("post", "/api/profile/lookup", engine.person("only-first", "Only", "First"))
    assert known.json["contact"]["campaign_ids"] == [first]
    assert engine.call("get", "/api/pushes", expect=200).json == pushes


def test_another_teams_contacts_and_pushes_are_invisible(engine):
    campaign = engine.campaign()
    added = engine.add(campaign, profile=engine.person("private", "Pri", "Vate"))
    other = engine.auth.headers("olga@other.example", role="admin", team="Other Talent")
    cid = added["contact_id"]
    for method, path, body in [
        ("get", f"/api/contacts/{cid}", None),
        ("patch", f"/api/contacts/{cid}", {"title": "x"}),
        ("post", f"/api/contacts/{cid}/push", {}),
        (
            "post",
            f"/api/contacts/{cid}/activities",
            {"type": "email_sent", "campaign_id": campaign},
        ),
        ("get", f"/api/contacts/{cid}/email-permission", None),
        ("get", f"/api/pushes/{added['push']['id']}", None),
        ("post", f"/api/campaigns/{campaign}/contacts", {"profile": engine.person("a", "A", "B")}),
    ]:
        assert engine.call(method, path, body, headers=other).status_code == 404, path
    assert engine.call("get", "/api/pushes", headers=other).json == []


@pytest.mark.parametrize("url", ["[", "https://[::1/in/x", "www.linkedin.com]/in/x"])
def test_an_unparseable_profile_url_has_no_slug(url):
    # Found by tests/test_fuzz.py: urlsplit raised on "[" and the API answered 500.
    assert linkedin_slug(url) is None
