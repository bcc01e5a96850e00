"""Never a duplicate, never a lost push: repeats, races, dropped responses, faults, crashes."""

import threading
import time
from datetime import timedelta

import pytest

from backend import queue
from backend.db import utcnow
from backend.itris.client import ItrisClient
from backend.models import Push
from backend.sync import pushes


def comments_on(engine, record_id):
    return [c for c in engine.sandbox.records("comments") if c["recordId"] == record_id]


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def contacts_at(engine, slug, companies, location="York"):
    """Contacts at these companies, in a client campaign whose adds push nobody yet."""
    engine.settings(contact={"add_to_itris": "never"})
    campaign = engine.campaign(sync_as="contact", type="client")
    return [
        engine.add(
            campaign,
            profile=engine.person(f"{slug}-{i}", f"P{i}", slug.title(), company=name,
                                  location=location),
            email=f"{slug}-{i}@example.com",
        )["contact_id"]
        for i, name in enumerate(companies)
    ]  # fmt: skip


def push_each(engine, contact_ids) -> list[int]:
    """Push each person by hand, one request after another; the pushes' ids."""
    return [
        engine.call("post", f"/api/contacts/{contact_id}/push", {}, expect=202).json["id"]
        for contact_id in contact_ids
    ]


def test_the_same_person_pushed_twice_is_one_record(engine):
    campaign = engine.campaign()
    added = engine.add(
        campaign, profile=engine.person("twice", "Tw", "Ice"), email="twice@example.com"
    )
    engine.wait(added["push"]["id"])
    engine.add(campaign, profile=engine.person("twice", "Tw", "Ice"), email="twice@example.com")
    again = engine.call("post", f"/api/contacts/{added['contact_id']}/push", {}, expect=202).json
    assert engine.wait(again["id"])["result"]["matched_by"] == "linked"
    assert len(engine.records("applicants", emailAddress="twice@example.com")) == 1


def test_two_clicks_at_once_make_one_record_and_one_comment_per_activity(engine):
    engine.settings(applicant={"add_to_itris": "never"})
    campaign = engine.campaign()
    added = engine.add(
        campaign, profile=engine.person("double", "Dou", "Ble"), email="double@example.com"
    )
    engine.activity(added["contact_id"], campaign, "email_sent", subject="Hi")
    engine.wait_all()
    path = f"/api/contacts/{added['contact_id']}/push"
    results = []
    clients = [engine.app.test_client() for _ in range(4)]
    barrier = threading.Barrier(len(clients))

    def click(client):
        barrier.wait()
        results.append(client.post(path, json={}, headers=engine.recruiter))

    threads = [threading.Thread(target=click, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [202] * 4
    for response in results:
        assert engine.wait(response.json["id"])["status"] == "succeeded"
    [record] = engine.records("applicants", emailAddress="double@example.com")
    assert len(comments_on(engine, record["id"])) == 1


def test_a_create_whose_response_was_lost_is_not_sent_again(engine):
    campaign = engine.campaign()
    engine.sandbox.faults(drop_rate=1.0, fault_methods=["POST"])
    added = engine.add(
        campaign, profile=engine.person("lost", "Lo", "St"), email="lost@example.com"
    )
    wait_for(lambda: engine.sandbox.stats()["creates"].get("applicants", 0) >= 1)
    engine.sandbox.faults(drop_rate=0.0)
    push = engine.wait(added["push"]["id"])
    assert push["status"] == "succeeded", push
    assert push["result"]["matched_by"] == "created"
    assert engine.sandbox.stats()["requests"]["POST /api/v2/applicants"] == 1  # never re-sent
    assert len(engine.records("applicants", emailAddress="lost@example.com")) == 1
    assert engine.sandbox.stats()["creates"]["applicants"] == 1


# How the answer to the create is lost, and the attempt that finds the record it made.
LOST_ANSWERS = {
    # Made in full, then the connection dropped: the same attempt finds it by name.
    "dropped": ({"drop_rate": 1.0}, 1),
    # Still being made when the client gave up (1 s) and looked (by 1.5 s): the push waits
    # twice the timeout for it, and its next attempt finds it, made at 2.2 s.
    "slow": ({"latency_ms": 2200}, 2),
}


@pytest.mark.parametrize("lost", LOST_ANSWERS)
@pytest.mark.parametrize("company", ["Quietfield Labs", None], ids=["company", "no-company"])
def test_a_lost_create_of_a_person_known_by_name_only_is_found_not_made_again(
    engine, company, lost
):
    """No email, no LinkedIn URL: only the name and company can find the record again."""
    faults, attempts = LOST_ANSWERS[lost]
    campaign = engine.campaign()
    # Someone of the same name is already in itris, at another company.
    itris = ItrisClient(engine.sandbox.url, engine.sandbox.username, engine.sandbox.password)
    namesake = itris.create(
        "applicants", {"firstName": "Nao", "lastName": "Nymous", "currentEmployer": "Elsewhere"}
    )
    engine.sandbox.faults(**faults, fault_methods=["POST"])
    engine.app.config["ITRIS_TIMEOUT"] = 1.0
    profile = {"first_name": "Nao", "last_name": "Nymous", "company": company}
    added = engine.add(campaign, profile=profile)

    push = engine.wait(added["push"]["id"])

    engine.sandbox.faults(drop_rate=0.0, latency_ms=0)
    assert push["status"] == "succeeded", push  # not needs_review over our own record
    assert push["attempts"] == attempts
    assert push["result"]["matched_by"] == "created"
    records = engine.records("applicants", lastName="Nymous")
    assert sorted(r["id"] for r in records) == [namesake["id"], push["result"]["record_id"]]
    assert engine.sandbox.stats()["requests"]["POST /api/v2/applicants"] == 2  # ours sent once
    # The next push of the person goes by the stored link.
    again = engine.call("post", f"/api/contacts/{added['contact_id']}/push", {}, expect=202).json
    assert engine.wait(again["id"])["result"]["matched_by"] == "linked"
    assert len(engine.records("applicants", lastName="Nymous")) == 2


def test_a_comment_whose_response_was_lost_is_written_once(engine):
    campaign = engine.campaign()
    added = engine.add(
        campaign, profile=engine.person("note", "No", "Te"), email="note@example.com"
    )
    engine.wait(added["push"]["id"])
    [record] = engine.records("applicants", emailAddress="note@example.com")
    engine.sandbox.faults(drop_rate=1.0, fault_methods=["POST"])
    activity = engine.activity(added["contact_id"], campaign, "email_sent", subject="Once")
    wait_for(lambda: engine.sandbox.stats()["creates"].get("comments", 0) >= 1)
    engine.sandbox.faults(drop_rate=0.0)
    assert engine.wait(activity["push"]["id"])["status"] == "succeeded"
    assert len(comments_on(engine, record["id"])) == 1


def test_a_push_that_keeps_failing_ends_failed_with_the_reason_and_retry_succeeds(engine):
    campaign = engine.campaign()
    engine.sandbox.faults(error_rate=1.0, error_status=500)
    added = engine.add(
        campaign, profile=engine.person("flaky", "Fla", "Ky"), email="flaky@example.com"
    )
    failed = engine.wait(added["push"]["id"], until=("failed",))
    assert "500" in failed["last_error"] or "itris" in failed["last_error"]
    assert "gave up after 6 attempts" in failed["last_error"]
    assert failed["attempts"] == 6
    listed = engine.call("get", "/api/pushes?status=failed").json
    assert [p["id"] for p in listed] == [failed["id"]]

    engine.sandbox.faults(error_rate=0.0)
    retried = engine.call("post", f"/api/pushes/{failed['id']}/retry", expect=202).json
    assert retried["status"] == "queued"
    assert engine.wait(failed["id"])["status"] == "succeeded"
    assert len(engine.records("applicants", emailAddress="flaky@example.com")) == 1
    assert engine.call("post", f"/api/pushes/{failed['id']}/retry").status_code == 409


def test_the_sweeper_recovers_pushes_a_crash_left_behind(engine):
    campaign = engine.campaign()
    engine.settings(applicant={"add_to_itris": "never"})
    first = engine.add(
        campaign, profile=engine.person("crash-1", "Cra", "One"), email="c1@example.com"
    )
    second = engine.add(
        campaign, profile=engine.person("crash-2", "Cra", "Two"), email="c2@example.com"
    )
    app = engine.app
    with app.app_context():
        session = app.extensions["db"].session
        old = utcnow() - timedelta(hours=1)
        # One push was being run when its worker died; the other never reached the queue.
        session.add_all(
            [
                Push(
                    team_id=1,
                    contact_id=first["contact_id"],
                    trigger="push",
                    sync_as="applicant",
                    status="running",
                    attempts=1,
                    started_at=old,
                    params={},
                    result={},
                ),
                Push(
                    team_id=1,
                    contact_id=second["contact_id"],
                    trigger="push",
                    sync_as="applicant",
                    status="queued",
                    next_attempt_at=old,
                    params={},
                    result={},
                ),
            ]
        )
        for contact_id in (first["contact_id"], second["contact_id"]):
            from backend.models import Contact

            session.get(Contact, contact_id).synced_at = old
        session.commit()
        assert pushes.sweep() == 2
    engine.wait_all()
    for email in ("c1@example.com", "c2@example.com"):
        assert len(engine.records("applicants", emailAddress=email)) == 1
    statuses = {p["status"] for p in engine.call("get", "/api/pushes").json}
    assert statuses == {"succeeded"}


@pytest.mark.timeout(600)
def test_two_hundred_people_through_faults_each_end_once_with_their_comments(engine):
    """20 % 5xx, a rate limit and 5-second tokens: every push ends succeeded, exactly once."""
    engine.sandbox.faults(token_ttl_s=5)
    body = {"username": "api-user", "password": "sandbox-password", "subdomain": engine.sandbox.url}
    engine.call("put", "/api/integrations/itris", body, headers=engine.admin, expect=200)
    engine.sandbox.faults(error_rate=0.2, error_status=500, rate_limit_per_s=150)
    extra = queue.start_consumer(workers=2)  # four workers in all, racing for the same people
    campaign = engine.campaign(tags=["Fault tolerant"])
    people = []
    for i in range(200):
        added = engine.add(
            campaign,
            profile=engine.person(f"load-{i}", f"Load{i}", "Person"),
            email=f"load{i}@example.com",
        )
        people.append(added["contact_id"])
    for contact_id in people:
        for kind in ("email_sent", "linkedin_message_sent", "email_replied"):
            engine.activity(contact_id, campaign, kind, subject=kind)
    try:
        engine.wait_all(timeout=540)
    finally:
        queue.stop_consumer(extra)
    stats_before_end = engine.sandbox.stats()
    for status in ("queued", "running", "failed", "needs_review", "skipped"):
        assert engine.call("get", f"/api/pushes?status={status}").json == [], status
    succeeded = engine.call("get", "/api/pushes?status=succeeded&limit=500").json
    assert len(succeeded) == 500  # the newest 500 of 800: 200 adds + 600 activities
    assert stats_before_end["injected_errors"] > 0
    applicants = [r for r in engine.sandbox.records("applicants") if r["lastName"] == "Person"]
    assert len(applicants) == 200
    assert len({r["emailAddress"] for r in applicants}) == 200
    by_record = {}
    for comment in engine.sandbox.records("comments"):
        by_record.setdefault(comment["recordId"], []).append(comment["text"])
    for record in applicants:
        texts = by_record.get(record["id"], [])
        assert len(texts) == 3, (record["emailAddress"], texts)
        assert sorted(t.split(":")[0] for t in texts) == sorted(
            ["Email sent", "LinkedIn message sent", "Email reply received"]
        )
        assert record["keywords"] == ["Fault tolerant"]
    # 5-second tokens over a run of many seconds: the client really had to renew them.
    assert stats_before_end["requests"]["POST /api/v2/auth/token"] > 3


def test_people_at_one_company_itris_lacks_pushed_at_once_get_one_company(engine):
    """Two workers push people of the same company at the same moment, and itris does not
    hold it: one push looks for it and creates it, the other waits, then finds it."""
    companies = ["Quillon Marsh Ltd", "Quillon Marsh", "Ostrava Hexfield"] * 2
    people = contacts_at(engine, "co-race", companies)
    engine.sandbox.faults(latency_ms=40)  # each search and create takes a while: a wide window
    pushed = push_each(engine, people)
    for push_id in pushed:
        assert engine.wait(push_id)["status"] == "succeeded"
    made = {}
    for record in engine.sandbox.records("companies"):
        if record["name"].startswith(("Quillon", "Ostrava")):
            made.setdefault(record["name"].split()[0], []).append(record["id"])
    assert {word: len(ids) for word, ids in made.items()} == {"Quillon": 1, "Ostrava": 1}
    for i, name in enumerate(companies):
        [record] = engine.records("contacts", emailAddress=f"co-race-{i}@example.com")
        assert [record["companyId"]] == made[name.split()[0]]


def test_a_push_waits_for_another_claim_on_its_company_then_steps_aside_uncounted(
    engine, monkeypatch
):
    """A claim on the company held by a push still running: this one waits for it, then is
    queued again (not an attempt) and finds the company once the claim runs out."""
    from datetime import datetime

    from backend.companies.models import CompanyClaim
    from backend.companies.normalise import key
    from backend.sync import companies

    monkeypatch.setattr(companies, "CLAIM_WAIT_S", 0.3)
    [person] = contacts_at(engine, "held", ["Vantor Kelp Ltd"], "Hull")
    held_until = utcnow() + timedelta(seconds=3)
    with engine.app.app_context():
        session = engine.app.extensions["db"].session
        session.add(
            CompanyClaim(
                team_id=1, name_key=key("Vantor Kelp"), owner="a-push-still-running",
                until=held_until,
            )
        )  # fmt: skip
        session.commit()
    [push] = [engine.wait(push_id) for push_id in push_each(engine, [person])]
    assert push["status"] == "succeeded", push
    assert push["attempts"] == 1
    assert datetime.fromisoformat(push["finished_at"]) >= held_until
    [company] = [r for r in engine.sandbox.records("companies") if r["name"] == "Vantor Kelp Ltd"]
    [record] = engine.records("contacts", emailAddress="held-0@example.com")
    assert record["companyId"] == company["id"]
    with engine.app.app_context():
        session = engine.app.extensions["db"].session
        assert session.query(CompanyClaim).count() == 0  # freed once the company was settled


def test_a_company_create_itris_finishes_after_we_gave_up_is_found_not_made_again(engine):
    """The create of a company outlives the timeout: the claim is held while it may still
    land, so neither that push's next attempt nor another person's push creates it again."""
    engine.app.config["ITRIS_TIMEOUT"] = 1.0
    people = contacts_at(engine, "slow-co", ["Tessaly Brine Ltd", "Tessaly Brine"], "Ayr")
    engine.sandbox.faults(
        latency_ms=2500, fault_methods=["POST"], fault_paths=["/api/v2/companies"]
    )
    pushed = push_each(engine, people)
    for push_id in pushed:
        assert engine.wait(push_id, timeout=90)["status"] == "succeeded"
    engine.sandbox.faults(latency_ms=0)
    [company] = [r for r in engine.sandbox.records("companies") if r["name"].startswith("Tessaly")]
    assert engine.sandbox.stats()["requests"]["POST /api/v2/companies"] == 1
    for i in range(2):
        [record] = engine.records("contacts", emailAddress=f"slow-co-{i}@example.com")
        assert record["companyId"] == company["id"]


def test_two_recruiters_adding_one_person_at_once_get_one_contact(engine):
    campaign = engine.campaign()
    rob = engine.auth.headers("rob@acme.example")
    body = {"profile": engine.person("same-one", "Sam", "Eone"), "email": "same@example.com"}
    clients = [(engine.app.test_client(), headers) for headers in (engine.recruiter, rob) * 2]
    barrier = threading.Barrier(len(clients))
    results = []

    def add(client, headers):
        barrier.wait()
        results.append(
            client.post(f"/api/campaigns/{campaign}/contacts", json=body, headers=headers)
        )

    threads = [threading.Thread(target=add, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [201] * 4, [r.json for r in results]
    assert len({r.json["contact_id"] for r in results}) == 1
    engine.wait_all()
    assert len(engine.records("applicants", emailAddress="same@example.com")) == 1


def test_a_slow_create_that_outlives_the_timeout_is_not_sent_again(engine):
    """itris finishes the write after we gave up waiting: the push must find it, not redo it."""
    engine.app.config["ITRIS_TIMEOUT"] = 1.0
    engine.sandbox.faults(latency_ms=2500, fault_methods=["POST"])
    campaign = engine.campaign()
    added = engine.add(
        campaign, profile=engine.person("slow", "Slo", "W"), email="slow@example.com"
    )
    activity = engine.activity(added["contact_id"], campaign, "email_sent", subject="Slow")
    push = engine.wait(added["push"]["id"], timeout=90)
    assert push["status"] == "succeeded", push
    assert engine.wait(activity["push"]["id"], timeout=90)["status"] == "succeeded"
    engine.sandbox.faults(latency_ms=0)
    engine.wait_all()
    [record] = engine.records("applicants", emailAddress="slow@example.com")
    assert engine.sandbox.stats()["requests"]["POST /api/v2/applicants"] == 1
    assert len(comments_on(engine, record["id"])) == 1
