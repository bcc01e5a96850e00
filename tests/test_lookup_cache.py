"""The profile lookup keeps what itris said about a person, and forgets it when that changes.

Every test runs against the live sandbox and counts the itris calls it saw.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from backend import connection, person_state, profile
from backend.companies.webhooks import signature, webhook_secret
from backend.db import db, utcnow
from backend.itris import contract as c
from backend.models import Contact, ItrisPersonState, User
from backend.sandbox.seed import KNOWN

LOOKUP = "/api/profile/lookup"


def itris_calls(engine) -> int:
    return sum(engine.sandbox.stats()["requests"].values())


def lookup(engine, body) -> dict:
    return engine.call("post", LOOKUP, body, expect=200).json["itris"]


def newcomer(slug="nadia-okafor-71", **extra) -> dict:
    return {
        "profile_url": f"https://www.linkedin.com/in/{slug}/",
        "first_name": "Nadia",
        "last_name": "Okafor",
        "company": "Harbour Freight Systems",
        **extra,
    }


def team_id(engine) -> int:
    with engine.app.app_context():
        return db.session.scalar(select(User.team_id).where(User.email == "ada@acme.example"))


def kept_rows(engine) -> int:
    with engine.app.app_context():
        return db.session.scalar(select(func.count()).select_from(ItrisPersonState))


def test_viewing_a_profile_again_asks_itris_nothing(engine):
    oliver = KNOWN.off_limits_applicant
    body = {"profile_url": f"https://www.linkedin.com/in/{oliver.slug}/", "name": "Oliver Bennett"}
    first = lookup(engine, body)
    assert first["match"]["id"] == oliver.id and first["off_limits"] is True
    calls = itris_calls(engine)
    again = lookup(engine, body)
    assert itris_calls(engine) == calls
    assert again == first
    assert again["checked_at"] is not None


def test_switching_sync_as_reuses_what_was_found(engine):
    james = KNOWN.dual_applicant
    body = {"profile_url": f"https://www.linkedin.com/in/{james.slug}/", "name": "James Whitfield"}
    as_applicant = lookup(engine, body)
    calls = itris_calls(engine)
    engine.call("put", "/api/me/settings", {"default_sync_as": "contact"}, expect=200)
    as_contact = lookup(engine, body)
    assert itris_calls(engine) == calls  # both record types were looked for the first time
    assert as_contact["match"] == {
        "type": "contact",
        "id": KNOWN.dual_contact.id,
        "matched_by": "linkedin",
    }
    assert as_contact["also_exists_as"] == [{"type": "applicant", "id": james.id}]
    assert as_applicant["also_exists_as"] == [{"type": "contact", "id": KNOWN.dual_contact.id}]


def test_a_first_view_asks_about_both_record_types_at_once_and_no_more(engine):
    """With itris 0.3 s away, the contact searches run while the applicant ones do; the
    calls are those asking one at a time makes: a slug search per type, then the
    same-name search of the own type (the person is found in neither)."""
    stats = engine.sandbox.stats()
    assert stats["most_at_once"] == 1  # connecting asked one thing at a time
    before = stats["requests"]
    engine.sandbox.faults(latency_ms=300)
    itris = lookup(engine, newcomer())
    assert itris["match"] is None and itris["also_exists_as"] == [] and itris["error"] is None
    stats = engine.sandbox.stats()
    assert stats["most_at_once"] == 2
    asked = {k: n - before.get(k, 0) for k, n in stats["requests"].items() if n != before.get(k)}
    assert asked == {f"GET {c.collection_path(c.RecordType.APPLICANTS)}": 2,
                     f"GET {c.collection_path(c.RecordType.CONTACTS)}": 1}  # fmt: skip


def test_a_first_view_finds_the_person_in_the_other_record_type_asked_beside(engine):
    james = KNOWN.dual_applicant
    body = {"profile_url": f"https://www.linkedin.com/in/{james.slug}/", "name": "James Whitfield"}
    engine.sandbox.faults(latency_ms=100)
    engine.call("put", "/api/me/settings", {"default_sync_as": "contact"}, expect=200)
    itris = lookup(engine, body)
    assert itris["match"] == {
        "type": "contact",
        "id": KNOWN.dual_contact.id,
        "matched_by": "linkedin",
    }
    assert itris["also_exists_as"] == [{"type": "applicant", "id": james.id}]
    assert engine.sandbox.stats()["most_at_once"] == 2


@pytest.mark.parametrize("failing", [c.RecordType.CONTACTS, c.RecordType.APPLICANTS])
def test_a_first_view_says_itris_could_not_be_checked_whichever_type_failed(engine, failing):
    """Contacts are asked in the second thread, applicants (the own type) in the request's:
    a failure in either is shown, nothing is kept, and the next view asks again."""
    engine.sandbox.faults(
        error_rate=1.0, error_status=503, fault_paths=[c.collection_path(failing)]
    )
    state = lookup(engine, newcomer())
    assert state["error"].startswith("itris could not be checked") and state["match"] is None
    assert kept_rows(engine) == 0
    engine.sandbox.faults(error_rate=0.0, fault_paths=None)
    assert lookup(engine, newcomer())["error"] is None
    assert kept_rows(engine) == 1


def test_a_different_profile_text_is_a_different_question(engine):
    lookup(engine, newcomer())
    calls = itris_calls(engine)
    lookup(engine, newcomer(company="Harbour Freight Systems Ltd"))
    assert itris_calls(engine) > calls


def test_a_push_makes_the_next_lookup_ask_again_and_see_the_record(engine):
    assert lookup(engine, newcomer())["match"] is None
    campaign = engine.campaign()
    added = engine.add(campaign, profile=newcomer())
    push = engine.wait(added["push"]["id"])
    assert push["status"] == "succeeded", push
    after = lookup(engine, newcomer())
    assert after["match"] == {
        "type": "applicant",
        "id": push["result"]["record_id"],
        "matched_by": "created",
    }


def test_a_person_created_webhook_makes_lookups_ask_again(engine):
    email = "nadia.okafor@harbourfreight.example"
    body = newcomer(email=email)
    assert lookup(engine, body)["match"] is None
    with engine.app.app_context():
        record = connection.client_for(connection.get(team_id(engine))).create(
            c.RecordType.APPLICANTS,
            {c.FIRST_NAME: "Nadia", c.LAST_NAME: "Okafor", c.EMAIL_ADDRESS: email},
        )
    # Created behind our back: the kept answer still says "not in itris"...
    calls = itris_calls(engine)
    assert lookup(engine, body)["match"] is None
    assert itris_calls(engine) == calls
    # ...until itris announces the new record.
    payload = json.dumps(
        {
            c.WEBHOOK_EVENT: c.WEBHOOK_EVENTS[c.RecordType.APPLICANTS],
            c.WEBHOOK_RECORD_TYPE: "applicants",
            c.WEBHOOK_RECORD: record,
        }
    ).encode()
    with engine.app.app_context():
        header = signature(webhook_secret(team_id(engine)), payload)
    response = engine.client.post(
        f"/api/webhooks/itris/{team_id(engine)}",
        data=payload,
        headers={"Content-Type": "application/json", c.SIGNATURE_HEADER: header},
    )
    assert response.status_code == 200 and response.json["result"] == "forgotten"
    assert lookup(engine, body)["match"] == {
        "type": "applicant",
        "id": record[c.ID],
        "matched_by": "email",
    }


def test_an_answer_older_than_the_ttl_is_asked_again_and_purged(engine):
    lookup(engine, newcomer())
    with engine.app.app_context():
        db.session.execute(
            update(ItrisPersonState)
            .values(checked_at=utcnow() - timedelta(minutes=10))
            # Ten minutes pass: the views that showed the answer expire with it.
            .execution_options(teams_revised=team_id(engine))
        )
        db.session.commit()
    calls = itris_calls(engine)
    lookup(engine, newcomer())
    assert itris_calls(engine) > calls
    assert kept_rows(engine) == 1  # replaced, not added
    with engine.app.app_context():
        db.session.execute(
            update(ItrisPersonState)
            .values(checked_at=utcnow() - timedelta(minutes=10))
            # Ten minutes pass: the views that showed the answer expire with it.
            .execution_options(teams_revised=team_id(engine))
        )
        db.session.commit()
        assert person_state.purge_expired() == 1
    assert kept_rows(engine) == 0


def test_connecting_itris_again_forgets_every_answer(engine):
    lookup(engine, newcomer())
    assert kept_rows(engine) == 1
    body = {
        "username": engine.sandbox.username,
        "password": engine.sandbox.password,
        "subdomain": engine.sandbox.url,
    }
    engine.call("put", "/api/integrations/itris", body, headers=engine.admin, expect=200)
    assert kept_rows(engine) == 0


def test_an_unanswered_lookup_keeps_nothing(engine):
    engine.sandbox.faults(error_rate=1.0, error_status=503)
    state = lookup(engine, newcomer())
    assert state["error"].startswith("itris could not be checked")
    assert kept_rows(engine) == 0
    engine.sandbox.faults(error_rate=0.0)
    assert lookup(engine, newcomer())["error"] is None
    assert kept_rows(engine) == 1


def test_another_team_never_sees_a_kept_answer(engine):
    lookup(engine, newcomer())
    other = engine.auth.headers("olga@other.example", role="admin", team="Other Recruitment")
    response = engine.client.post(LOOKUP, json=newcomer(), headers=other)
    assert response.status_code == 200
    assert response.json["itris"]["connected"] is False
    assert response.json["itris"]["match"] is None


def test_an_answer_asked_before_a_push_moved_on_is_not_kept(engine):
    """The race: a lookup asks itris, a push creates the record and forgets, then the lookup
    would keep its older answer. It is refused, and the next lookup asks again."""
    engine.settings(applicant={"add_to_itris": "never"})
    added = engine.add(engine.campaign(), profile=newcomer())
    with engine.app.app_context():
        contact = db.session.get(Contact, added["contact_id"])
        client = connection.client_for(connection.get(contact.team_id))
        before_the_push = profile._ask_itris(client, contact, "applicants", None, known=True)
    assert before_the_push["found"] == {}
    push = engine.call("post", f"/api/contacts/{added['contact_id']}/push", {}, expect=202).json
    done = engine.wait(push["id"])
    assert done["status"] == "succeeded", done
    with engine.app.app_context():
        contact = db.session.get(Contact, added["contact_id"])
        assert person_state.keep(contact, before_the_push) is False
    assert kept_rows(engine) == 0
    assert lookup(engine, newcomer())["match"]["id"] == done["result"]["record_id"]
