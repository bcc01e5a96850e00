"""Pushing from the panel: what reaches itris (the sandbox's records), and the live status.

Each test asserts the record in the sandbox, not only the panel's words.
"""

from __future__ import annotations

import pytest
from harness import SCREENSHOTS
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def tag(page: Page, name: str):
    return page.get_by_test_id("sync-tag").filter(has_text=name)


def test_tags_ticked_in_the_panel_reach_itris_as_keywords(extension, itris, recruiter):
    campaign = itris.campaign(tags=["Python", "Spark"], name="Data engineers, London")
    extension.sign_in_as(recruiter)
    extension.work_in_campaign(campaign)
    slug = "priya-raman-s1"
    page = extension.open_panel(slug)
    page.get_by_test_id("sync-options-toggle").click()
    expect(tag(page, "Python")).to_be_checked()
    expect(tag(page, "Spark")).to_be_checked()

    tag(page, "Spark").click()
    page.get_by_test_id("tag-input").fill("Leadership")
    page.get_by_test_id("tag-input").press("Enter")
    expect(tag(page, "Spark")).not_to_be_checked()
    expect(tag(page, "Leadership")).to_be_checked()
    page.get_by_test_id("push-to-itris").click()

    status = page.get_by_test_id("sync-status")
    expect(status).to_contain_text("Pushed to itris as Applicant #")
    [record] = itris.records("applicants", webAddress=f"https://www.linkedin.com/in/{slug}/")
    assert record["keywords"] == ["Python", "Leadership"]
    expect(page.get_by_test_id("itris-record")).to_have_text(
        f"In itris as Applicant #{record['id']}: created by itris-sync"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 1200})  # the whole panel, unscrolled
    page.get_by_test_id("itris-panel").screenshot(path=SCREENSHOTS / "panel.png")

    # Now they are in the campaign, an untick is saved as their override at once.
    tag(page, "Python").click()
    expect(tag(page, "Python")).not_to_be_checked()
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    expect(page.get_by_test_id("panel-error")).to_be_hidden()
    effective = itris.lookup(slug, campaign)["effective"]
    assert (effective["tags"], effective["tags_source"]) == (["Leadership"], "contact")


def test_a_missing_mandatory_field_blocks_the_push(extension, itris, recruiter):
    itris.settings(applicant={"mandatory_fields": ["firstName", "lastName", "emailAddress"]})
    extension.sign_in_as(recruiter)
    extension.work_in_campaign(itris.campaign())
    slug = "priya-raman-s2"
    page = extension.open_panel(slug)
    page.get_by_test_id("sync-options-toggle").click()
    email = page.get_by_test_id("field-emailAddress")
    expect(email).to_have_attribute("data-mandatory", "true")
    expect(email).to_have_value("")

    page.get_by_test_id("push-to-itris").click()

    error = page.get_by_test_id("panel-error")
    expect(error).to_have_text("Fill in the mandatory fields first: emailAddress")
    expect(email).to_have_attribute("aria-invalid", "true")
    assert itris.records("applicants", firstName="Priya", lastName="Raman") == []

    email.fill("priya.raman@example.com")
    page.get_by_test_id("push-to-itris").click()

    expect(page.get_by_test_id("sync-status")).to_contain_text("Pushed to itris as Applicant #")
    expect(error).to_be_hidden()
    [record] = itris.records("applicants", firstName="Priya", lastName="Raman")
    assert record["emailAddress"] == "priya.raman@example.com"


def test_a_push_creates_the_record_with_mapped_fields_and_default_status(
    extension, itris, recruiter
):
    itris.settings(applicant={"add_to_itris": "never", "default_status_id": 101})  # "New"
    extension.sign_in_as(recruiter)
    extension.work_in_campaign(itris.campaign())
    slug = "priya-raman-s3"
    page = extension.open_panel(slug)

    page.get_by_test_id("push-to-itris").click()

    status = page.get_by_test_id("sync-status")
    expect(status).to_contain_text("Pushed to itris as Applicant #")
    [record] = itris.records("applicants", webAddress=f"https://www.linkedin.com/in/{slug}/")
    assert {key: record.get(key) for key in MAPPED} == {
        "firstName": "Priya",
        "lastName": "Raman",
        "jobTitle": "Senior Data Engineer",
        "currentEmployer": "Brightwater Analytics GmbH",
        "location": "London, England, United Kingdom",
        "headline": "Senior Data Engineer at Brightwater Analytics | Python, Spark",
        "statusId": 101,
    }
    expect(status).to_have_text(f"Pushed to itris as Applicant #{record['id']} (new record)")


MAPPED = (
    "firstName",
    "lastName",
    "jobTitle",
    "currentEmployer",
    "location",
    "headline",
    "statusId",
)


def test_the_picked_company_is_used_for_the_contact(extension, itris, recruiter):
    extension.sign_in_as(recruiter)
    extension.work_in_campaign(itris.campaign(sync_as="contact", name="Site managers"))
    page = extension.open_panel("dan-fowler-s4")
    warning = page.get_by_test_id("company-warning")
    expect(warning).to_contain_text('2 itris companies look like "Smith & Sons"')
    candidates = page.get_by_test_id("company-candidate")
    expect(candidates).to_have_count(2)
    expect(candidates.nth(0)).to_contain_text("Smith & Sons Ltd")
    expect(candidates.nth(0)).to_contain_text("Birmingham")  # the detail attribute
    bristol = candidates.filter(has_text="Smith and Sons")
    expect(bristol).to_contain_text("Bristol")

    bristol.click()

    expect(page.get_by_test_id("sync-status")).to_contain_text("Pushed to itris as Contact #")
    [contact] = itris.records("contacts", firstName="Dan", lastName="Fowler")
    assert contact["companyId"] == 30005  # KNOWN.smith_and_sons, the Bristol one
    expect(page.get_by_test_id("company-info")).to_contain_text("Smith and Sons (your team's pick)")


def test_a_failed_push_shows_the_reason_and_retry_succeeds(extension, itris, recruiter):
    itris.settings(applicant={"add_to_itris": "never"})
    extension.sign_in_as(recruiter)
    campaign = itris.campaign()
    extension.work_in_campaign(campaign)
    slug = "priya-raman-s5"
    page = extension.open_panel(slug)
    # itris fails every read: the push fails while matching, before it writes anything.
    itris.sandbox.faults(error_rate=1.0, error_status=503, fault_methods=["GET"])

    page.get_by_test_id("push-to-itris").click()

    status = page.get_by_test_id("sync-status")
    expect(status).to_contain_text("Push failed: ", timeout=20_000)
    retry = page.get_by_test_id("retry-push")
    expect(retry).to_be_visible()
    itris.sandbox.faults(error_rate=0, fault_methods=None)
    failed = itris.lookup(slug, campaign)["sync"]
    assert failed["status"] == "failed"
    assert "503" in failed["last_error"]
    expect(status).to_have_text(f"Push failed: {failed['last_error']}")
    assert itris.records("applicants", webAddress=f"https://www.linkedin.com/in/{slug}/") == []

    retry.click()

    expect(status).to_contain_text("Pushed to itris as Applicant #", timeout=20_000)
    expect(retry).to_be_hidden()
    assert itris.records("applicants", webAddress=f"https://www.linkedin.com/in/{slug}/")
