"""The sync engine end to end: API → rules → queue → pipeline → the sandbox's records."""

import base64

import pytest

from backend.sandbox.seed import KNOWN

PROFILE = {
    "profile_url": "https://www.linkedin.com/in/grace-hopper-42/",
    "name": "Grace Hopper",
    "title": "Principal Engineer",
    "company": "Northwind Traders",
    "location": "London",
    "headline": "Compilers and COBOL",
}


def test_adding_to_a_campaign_creates_the_applicant_with_mapped_fields(engine):
    engine.settings(applicant={"default_status_id": 102})
    campaign = engine.campaign(tags=["Java", "London"])
    added = engine.add(campaign, profile=PROFILE, email="grace@example.com")
    assert added["push"]["status"] == "queued"
    push = engine.wait(added["push"]["id"])
    assert push["status"] == "succeeded", push
    [record] = engine.records("applicants", emailAddress="grace@example.com")
    assert record["firstName"] == "Grace"
    assert record["lastName"] == "Hopper"
    assert record["jobTitle"] == "Principal Engineer"
    assert record["currentEmployer"] == "Northwind Traders"
    assert record["location"] == "London"
    assert record["webAddress"] == "https://www.linkedin.com/in/grace-hopper-42/"
    assert record["statusId"] == 102
    assert record["keywords"] == ["Java", "London"]
    assert push["result"]["record_id"] == record["id"]
    assert push["result"]["matched_by"] == "created"


PRIYA = KNOWN.applicant  # Priya Sharma, applicant 10001, job title "Senior Data Analyst"


@pytest.mark.parametrize(
    "policy, expected_title",
    [("if_blank", "Senior Data Analyst"), ("always", "Head of Analytics")],
)
def test_update_policy_decides_whether_an_existing_field_is_overwritten(
    engine, policy, expected_title
):
    engine.settings(applicant={"update_policy": {"jobTitle": policy}})
    campaign = engine.campaign()
    added = engine.add(
        campaign,
        profile=engine.person(
            "priya-new", "Priya", "Sharma", title="Head of Analytics", phone="0161 496 0000"
        ),
        email=PRIYA.email.upper(),
    )
    push = engine.wait(added["push"]["id"])
    assert push["status"] == "succeeded", push
    assert push["result"]["matched_by"] == "email"
    [record] = engine.records("applicants", id=PRIYA.id)
    assert record["jobTitle"] == expected_title
    assert record["phoneNumber"] == "0161 496 0000"  # blank in itris: filled under either policy
    assert len(engine.records("applicants", emailAddress=PRIYA.email)) == 1


def test_default_status_is_set_on_create_only(engine):
    engine.settings(applicant={"default_status_id": 101})
    campaign = engine.campaign()
    existing = engine.add(
        campaign, profile=engine.person("p", "Priya", "Sharma"), email=PRIYA.email
    )
    created = engine.add(campaign, profile=engine.person("new-person", "Ada", "Lovelace"))
    engine.wait(existing["push"]["id"])
    engine.wait(created["push"]["id"])
    [kept] = engine.records("applicants", id=PRIYA.id)
    assert kept["statusId"] != 101
    [new] = engine.records("applicants", firstName="Ada", lastName="Lovelace")
    assert new["statusId"] == 101


def test_tags_are_added_to_keywords_and_none_removed(engine):
    campaign = engine.campaign(tags=["Python", "Leadership"])
    added = engine.add(campaign, profile=engine.person("p", "Priya", "Sharma"), email=PRIYA.email)
    push = engine.wait(added["push"]["id"])
    [record] = engine.records("applicants", id=PRIYA.id)
    assert record["keywords"] == ["SQL", "Python", "Power BI", "Leadership"]
    assert push["result"]["keywords_added"] == ["Leadership"]


def test_field_mapping_decides_which_variable_fills_a_field(engine):
    engine.settings(
        applicant={
            "field_mapping": {
                "firstName": "first_name",
                "lastName": "last_name",
                "jobTitle": "headline",
                "webAddress": "linkedin_url",
            }
        }
    )
    campaign = engine.campaign()
    added = engine.add(
        campaign,
        profile=engine.person(
            "ada-l",
            "Ada",
            "Lovelace",
            title="Analyst",
            headline="Poet of numbers",
            location="London",
        ),
    )
    engine.wait(added["push"]["id"])
    [record] = engine.records("applicants", firstName="Ada")
    assert record["jobTitle"] == "Poet of numbers"
    assert record.get("location") in (None, "")  # not mapped any more


@pytest.mark.parametrize(
    "rule, activities, created",
    [
        ("on_campaign_add", [], True),
        ("on_reply", [], False),
        ("on_reply", ["email_sent", "email_opened"], False),
        ("on_reply", ["email_sent", "email_replied"], True),
        ("on_reply", ["linkedin_replied"], True),
        ("on_interested", ["email_replied"], False),
        ("on_interested", ["email_replied", "marked_interested"], True),
        ("never", ["email_replied", "marked_interested"], False),
    ],
)
def test_add_to_itris_rule_decides_when_a_person_is_created(engine, rule, activities, created):
    engine.settings(applicant={"add_to_itris": rule})
    campaign = engine.campaign()
    added = engine.add(campaign, profile=engine.person("new-face", "Nia", "Okoye"))
    if rule != "on_campaign_add":
        assert added["push"] is None
    for kind in activities:
        engine.activity(added["contact_id"], campaign, kind)
    engine.wait_all()
    assert bool(engine.records("applicants", firstName="Nia", lastName="Okoye")) is created


def test_never_still_lets_a_recruiter_push_by_hand(engine):
    engine.settings(applicant={"add_to_itris": "never"})
    campaign = engine.campaign()
    added = engine.add(campaign, profile=engine.person("by-hand", "Hand", "Pushed"))
    push = engine.call("post", f"/api/contacts/{added['contact_id']}/push", {}, expect=202).json
    assert engine.wait(push["id"])["status"] == "succeeded"
    assert engine.records("applicants", firstName="Hand", lastName="Pushed")


def comments_on(engine, record_type, record_id):
    return [
        c
        for c in engine.sandbox.records("comments")
        if c["recordType"] == record_type and c["recordId"] == record_id
    ]


@pytest.mark.parametrize("backfill, expected", [(True, 2), (False, 1)])
def test_only_notes_to_synced_holds_notes_until_the_reply_then_backfills(
    engine, backfill, expected
):
    engine.settings(
        applicant={
            "add_to_itris": "on_reply",
            "only_notes_to_synced": True,
            "backfill_notes": backfill,
        },
    )
    campaign = engine.campaign()
    added = engine.add(campaign, profile=engine.person("p", "Priya", "Sharma"), email=PRIYA.email)
    engine.activity(added["contact_id"], campaign, "email_sent", subject="Data role")
    engine.wait_all()
    assert comments_on(engine, "applicants", PRIYA.id) == []
    engine.activity(added["contact_id"], campaign, "email_replied", subject="Re: Data role")
    engine.wait_all()
    notes = comments_on(engine, "applicants", PRIYA.id)
    assert len(notes) == expected
    assert any("Email reply received: Re: Data role" in n["text"] for n in notes)
    assert len(engine.records("applicants", emailAddress=PRIYA.email)) == 1


def test_without_only_notes_to_synced_notes_reach_an_existing_record_before_the_reply(engine):
    engine.settings(applicant={"add_to_itris": "on_reply", "only_notes_to_synced": False})
    campaign = engine.campaign(name="Data leaders")
    added = engine.add(campaign, profile=engine.person("p", "Priya", "Sharma"), email=PRIYA.email)
    engine.activity(
        added["contact_id"],
        campaign,
        "email_sent",
        subject="Data role",
        body="Hi Priya,\nA role you may like.",
    )
    engine.wait_all()
    [note] = comments_on(engine, "applicants", PRIYA.id)
    assert note["text"].startswith("Email sent: Data role")
    assert "Campaign: Data leaders" in note["text"]
    assert "By: Rita" in note["text"]
    assert "A role you may like." in note["text"]


def test_a_person_not_in_itris_gets_no_record_from_a_note_before_the_rule(engine):
    engine.settings(applicant={"add_to_itris": "on_reply"})
    campaign = engine.campaign()
    added = engine.add(campaign, profile=engine.person("nobody-yet", "Noor", "Haddad"))
    activity = engine.activity(added["contact_id"], campaign, "email_sent")
    assert engine.wait(activity["push"]["id"])["status"] == "skipped"
    assert engine.records("applicants", firstName="Noor") == []


@pytest.mark.parametrize(
    "setting, activity_type, expect_comment, expect_category",
    [
        ({"note_type_mapping": {"email_sent": 2}}, "email_sent", True, 2),
        ({"note_type_mapping": {}}, "email_sent", True, None),
        ({"note_channels": ["email", "call", "sms"]}, "linkedin_message_sent", False, None),
        ({"note_channels": ["linkedin"]}, "linkedin_message_sent", True, None),
        ({}, "email_opened", False, None),
        (
            {"note_activities": ["meeting_booked"], "note_channels": []},
            "meeting_booked",
            True,
            None,
        ),
        ({"note_activities": ["email_replied"]}, "email_sent", False, None),
    ],
)
def test_note_settings_decide_which_activities_become_comments(
    engine, setting, activity_type, expect_comment, expect_category
):
    engine.settings(applicant=setting)
    campaign = engine.campaign()
    added = engine.add(campaign, profile=engine.person("p", "Priya", "Sharma"), email=PRIYA.email)
    engine.wait(added["push"]["id"])
    engine.activity(added["contact_id"], campaign, activity_type, subject="Hello")
    engine.wait_all()
    notes = comments_on(engine, "applicants", PRIYA.id)
    assert len(notes) == (1 if expect_comment else 0)
    if expect_comment:
        assert notes[0].get("categoryId") == expect_category


def test_mandatory_fields_block_a_push_with_422_listing_them(engine):
    engine.settings(
        applicant={
            "displayed_fields": ["firstName", "lastName", "emailAddress", "phoneNumber"],
            "mandatory_fields": ["firstName", "lastName", "emailAddress", "phoneNumber"],
        }
    )
    campaign = engine.campaign()
    added = engine.add(campaign, profile=engine.person("m", "Mo", "Salah"))
    assert added["push"]["status"] == "skipped"
    assert "emailAddress" in added["push"]["skipped_rule"]
    path = f"/api/contacts/{added['contact_id']}/push"
    refused = engine.call("post", path, {}, expect=422).json
    assert set(refused["errors"]["fields"]) == {"emailAddress", "phoneNumber"}
    assert "emailAddress" in refused["message"]
    engine.call(
        "patch",
        f"/api/contacts/{added['contact_id']}",
        {"email": "mo@example.com", "fields": {"phoneNumber": "020 7946 0000"}},
        expect=200,
    )
    push = engine.call("post", path, {}, expect=202).json
    assert engine.wait(push["id"])["status"] == "succeeded"
    [record] = engine.records("applicants", emailAddress="mo@example.com")
    assert record["phoneNumber"] == "020 7946 0000"


def test_typed_fields_are_checked_against_the_displayable_fields(engine):
    campaign = engine.campaign()
    response = engine.call(
        "post",
        f"/api/campaigns/{campaign}/contacts",
        {"profile": engine.person("x", "X", "Y"), "fields": {"offLimits": True}},
        expect=400,
    )
    assert "offLimits" in response.json["errors"]["fields"]


@pytest.mark.parametrize("enabled", [True, False])
def test_sync_manual_updates_pushes_edits_field_by_field(engine, enabled):
    engine.settings(
        sync_manual_updates=enabled, applicant={"update_policy": {"jobTitle": "always"}}
    )
    campaign = engine.campaign()
    added = engine.add(
        campaign,
        profile=engine.person("edit-me", "Eda", "Edwards", title="Engineer", location="York"),
    )
    engine.wait(added["push"]["id"])
    edited = engine.call(
        "patch",
        f"/api/contacts/{added['contact_id']}",
        {"title": "Staff Engineer", "location": "Hull"},
        expect=200,
    ).json
    if enabled:
        assert engine.wait(edited["push"]["id"])["status"] == "succeeded"
    else:
        assert edited["push"] is None
    engine.wait_all()
    [record] = engine.records("applicants", firstName="Eda")
    assert record["jobTitle"] == ("Staff Engineer" if enabled else "Engineer")
    assert record["location"] == "York"  # if_blank: itris already had one


CV = base64.b64encode(b"%PDF-1.4 a CV").decode()


@pytest.mark.parametrize("dont_overwrite, uploaded", [(True, False), (False, True)])
def test_dont_overwrite_cv_keeps_an_existing_cv(engine, dont_overwrite, uploaded):
    engine.settings(dont_overwrite_cv=dont_overwrite)
    rebecca = KNOWN.cv_applicant
    campaign = engine.campaign()
    added = engine.add(
        campaign, profile=engine.person("rh", "Rebecca", "Hall"), email=rebecca.email
    )
    engine.wait(added["push"]["id"])
    response = engine.call(
        "put",
        f"/api/contacts/{added['contact_id']}/cv",
        {"file_name": "Rebecca_Hall_2026.pdf", "content_base64": CV},
        expect=200,
    ).json
    engine.wait(response["push"]["id"])
    names = [
        a["fileName"] for a in engine.sandbox.records("attachments") if a["recordId"] == rebecca.id
    ]
    assert ("Rebecca_Hall_2026.pdf" in names) is uploaded
    assert "Rebecca_Hall_CV.pdf" in names


def test_a_cv_given_with_the_person_reaches_the_new_record_once(engine):
    campaign = engine.campaign()
    added = engine.add(
        campaign,
        profile=engine.person("cv-new", "Cy", "Vee"),
        cv={"file_name": "cv.pdf", "content_base64": CV},
    )
    assert engine.wait(added["push"]["id"])["result"]["cv_uploaded"] is True
    push = engine.call("post", f"/api/contacts/{added['contact_id']}/push", {}, expect=202).json
    engine.wait(push["id"])
    [record] = engine.records("applicants", firstName="Cy")
    cvs = [a for a in engine.sandbox.records("attachments") if a["recordId"] == record["id"]]
    assert [(a["fileName"], a["systemType"]) for a in cvs] == [("cv.pdf", "CV")]


@pytest.mark.parametrize(
    "cv, message",
    [
        ({"file_name": "cv.pdf", "content_base64": "not base64!"}, "base64"),
        ({"file_name": "cv.pdf", "content_base64": ""}, "empty"),
        ({"file_name": "", "content_base64": CV}, "file_name"),
    ],
)
def test_a_bad_cv_is_400_and_adds_nobody(engine, cv, message):
    campaign = engine.campaign()
    response = engine.call(
        "post",
        f"/api/campaigns/{campaign}/contacts",
        {"profile": engine.person("bad-cv", "Bad", "Cv"), "cv": cv},
        expect=400,
    ).json
    assert message in str(response["errors"]) + response["message"]
    assert engine.call("get", "/api/pushes").json == []
    lookup = {"profile_url": "https://www.linkedin.com/in/bad-cv/", "name": "Bad Cv"}
    assert engine.call("post", "/api/profile/lookup", lookup).json["contact"] is None


# --- Input the database cannot hold (found by tests/test_fuzz.py) ------------------------
def test_a_second_person_with_the_same_email_is_409_not_a_500(engine):
    campaign = engine.campaign()
    first = engine.add(
        campaign, profile=engine.person("ann-one", "Ann", "One"), email="ann@x.example"
    )
    second = engine.add(campaign, profile=engine.person("ann-two", "Ann", "Two"))
    path = f"/api/contacts/{second['contact_id']}"
    response = engine.call("patch", path, {"email": "ANN@x.example"}, expect=409).json
    assert f"contact {first['contact_id']}" in response["message"]
    assert "email" in response["errors"]
    again = {"profile": engine.person("ann-two", "Ann", "Two"), "email": "ann@x.example"}
    assert "email" in engine.add(campaign, expect=409, **again)["errors"]
    assert engine.call("get", path, expect=200).json["email"] is None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"profile": {"first_name": "x" * 201}}, "profile"),
        ({"profile": {"profile_url": "https://www.linkedin.com/in/" + "s" * 201}}, "profile"),
        ({"profile": {"name": "X"}, "email": "a@" + "d" * 320 + ".example"}, "email"),
    ],
)
def test_values_longer_than_their_column_are_400(engine, body, field):
    campaign = engine.campaign()
    response = engine.add(campaign, expect=400, **body)
    assert field in response["errors"]


def test_a_long_name_is_split_into_parts_that_fit(engine):
    campaign = engine.campaign()
    profile = {"profile_url": "https://www.linkedin.com/in/long-name/", "name": "F" * 250 + " L"}
    contact = engine.add(campaign, profile=profile)["contact"]
    assert (len(contact["first_name"]), contact["last_name"]) == (200, "L")


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("post", "/api/profile/lookup", {"name": "X", "campaign_id": 2**31}),
        ("put", "/api/contacts/1/sync-override", {"campaign_id": 2**63}),
        ("post", "/api/contacts/1/activities", {"type": "email_replied", "campaign_id": 10**30}),
        ("post", "/api/contacts/1/company", {"itris_company_id": 2**31}),
        ("get", f"/api/pushes?contact_id={2**63}", None),
    ],
)
def test_ids_past_a_database_integer_are_400(client, auth, method, path, body):
    headers = auth.headers("rita@acme.example")
    response = getattr(client, method)(path, json=body, headers=headers)
    assert response.status_code == 400, response.json
    assert set(response.json["errors"]) & {"campaign_id", "itris_company_id", "contact_id"}
