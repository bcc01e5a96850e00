"""Sync log: a failed push shows with its reason and Retry succeeds; filter; the daily chart."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from .admin_harness import ADMIN, RECRUITER, save_screenshot, sign_in

pytestmark = pytest.mark.e2e


def add_person(web_app, campaign_id: int, first: str, last: str, **profile) -> dict:
    slug = f"{first}-{last}".lower().replace(" ", "-").replace("'", "")
    body = {
        "profile": {
            "profile_url": f"https://www.linkedin.com/in/{slug}-{random.randrange(10**6)}/",
            "first_name": first,
            "last_name": last,
            **profile,
        },
        "email": f"{slug}.{random.randrange(10**6)}@example.com",
    }
    return web_app.call(
        "POST", f"/api/campaigns/{campaign_id}/contacts", body, account=RECRUITER, expect=201
    ).json()


def campaign(web_app, name: str, sync_as: str = "applicant") -> int:
    body = {"name": name, "type": "candidate", "sync_as": sync_as, "tags": ["Java"]}
    return web_app.call("POST", "/api/campaigns", body, account=RECRUITER, expect=201).json()["id"]


def push_row(page: Page, push_id: int):
    return page.locator(f'[data-testid="push-row"][data-push-id="{push_id}"]')


def test_a_failed_push_shows_in_the_log_and_retry_succeeds(page, web_app):
    campaign_id = campaign(web_app, "Backend engineers")
    web_app.faults(error_rate=1.0, error_status=500)
    added = add_person(web_app, campaign_id, "Farah", "Khalil", company="Monzo", title="SRE")
    failed = web_app.wait_for_push(added["push"]["id"], until=("failed",))
    assert "gave up after 2 attempts" in failed["last_error"]
    web_app.faults(error_rate=0.0)

    sign_in(page, ADMIN, "sync-log")
    page.get_by_test_id("sync-log-filter").select_option("failed")
    row = push_row(page, failed["id"])
    expect(row.get_by_test_id("push-status")).to_have_text("Failed")
    expect(row.get_by_test_id("push-person")).to_contain_text("Farah Khalil")
    expect(row.get_by_test_id("push-person")).to_contain_text("in Backend engineers")
    expect(row.get_by_test_id("push-record-type")).to_have_text("Applicant")
    expect(row.get_by_test_id("push-reason")).to_contain_text("gave up after 2 attempts")
    for other in page.get_by_test_id("push-row").all():
        expect(other).to_have_attribute("data-status", "failed")
    chart = page.get_by_test_id("sync-log-chart")
    expect(chart.locator("rect.series-danger")).not_to_have_count(0)

    row.get_by_test_id("push-retry").click()

    expect(page.get_by_test_id("announcer")).to_contain_text("Retrying the push for Farah Khalil")
    expect(push_row(page, failed["id"])).to_have_count(0)  # no longer failed
    page.get_by_test_id("sync-log-filter").select_option("")
    row = push_row(page, failed["id"])
    expect(row.get_by_test_id("push-status")).to_have_text("Succeeded")  # the page polls
    expect(row.get_by_test_id("push-reason")).to_contain_text("Created in itris")
    expect(row.get_by_test_id("push-retry")).to_have_count(0)
    assert web_app.get(f"/api/pushes/{failed['id']}")["status"] == "succeeded"
    records = web_app.http.get(f"{web_app.sandbox.url}/_sandbox/records/applicants").json()
    assert [r["lastName"] for r in records if r["firstName"] == "Farah"] == ["Khalil"]


def test_the_filter_shows_one_status_and_says_when_there_is_none(page, web_app):
    campaign_id = campaign(web_app, "Contacts at Acme", sync_as="contact")
    # A contact needs a location (a mandatory field by default): without one it is skipped.
    added = add_person(web_app, campaign_id, "Oskar", "Lind", company="Acme")
    skipped = web_app.wait_for_push(added["push"]["id"], until=("skipped",))

    sign_in(page, ADMIN, "sync-log")
    page.get_by_test_id("sync-log-filter").select_option("skipped")
    row = push_row(page, skipped["id"])
    expect(row.get_by_test_id("push-status")).to_have_text("Skipped")
    expect(row.get_by_test_id("push-record-type")).to_have_text("Contact")
    expect(row.get_by_test_id("push-reason")).to_contain_text(f"Skipped: {skipped['skipped_rule']}")

    page.get_by_test_id("sync-log-filter").select_option("needs_review")
    expect(page.get_by_role("heading", name="No needs review pushes")).to_be_visible()


def test_screenshot_of_the_sync_log_with_two_weeks_of_history(page, web_app):
    """Seed a fortnight of outcomes (rows written directly, backdated) and photograph the log."""
    from backend.db import db, utcnow
    from backend.models import Push

    campaign_id = campaign(web_app, "Senior Java, London")
    people = [
        add_person(web_app, campaign_id, first, last, company=company, title=title)
        for first, last, company, title in (
            ("Priya", "Raman", "Revolut", "Staff Engineer"),
            ("Tomás", "Ferreira", "Wise", "Engineering Manager"),
            ("Grace", "Okafor", "Deliveroo", "Senior Developer"),
            ("Liam", "O'Brien", "Ocado", "Platform Engineer"),
        )
    ]
    for person in people:
        web_app.wait_for_push(person["push"]["id"], until=("succeeded",))
    team_id = web_app.get("/api/me")["team_id"]
    rng = random.Random(7)
    now = utcnow()
    with web_app.app.app_context():
        for days_ago in range(13, 0, -1):
            for _ in range(rng.randint(2, 9)):
                status = rng.choices(
                    ["succeeded", "failed", "skipped", "needs_review"], [86, 6, 6, 2]
                )[0]
                when = now - timedelta(days=days_ago, hours=rng.randint(0, 8))
                db.session.add(
                    Push(
                        team_id=team_id,
                        contact_id=rng.choice(people)["contact_id"],
                        campaign_id=campaign_id,
                        trigger=rng.choice(["campaign_add", "activity", "push"]),
                        sync_as="applicant",
                        status=status,
                        attempts=2 if status == "failed" else 1,
                        last_error="itris answered 503 Service Unavailable (gave up after 2 "
                        "attempts)"
                        if status == "failed"
                        else None,
                        skipped_rule="add_to_itris is on_reply and they have not replied"
                        if status == "skipped"
                        else None,
                        params={},
                        result={"matched_by": "email", "fields_written": ["jobTitle"]}
                        if status == "succeeded"
                        else {},
                        created_at=when,
                        updated_at=when,
                        finished_at=when,
                    )
                )
        db.session.commit()

    sign_in(page, ADMIN, "sync-log")
    expect(page.get_by_test_id("sync-health")).to_contain_text("% of finished pushes succeeded")
    expect(page.get_by_test_id("push-row").first).to_be_visible()
    bars = page.get_by_test_id("sync-log-chart").locator("rect.chart-bar")
    assert bars.count() >= 13
    save_screenshot(page, "admin-sync-log.png", full_page=False)
