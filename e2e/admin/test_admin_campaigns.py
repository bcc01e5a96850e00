"""Campaigns: the new-campaign pop-up with "sync as" and sync options, edit, and archive."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .admin_harness import ADMIN, RECRUITER, sign_in

pytestmark = pytest.mark.e2e


def row_of(page: Page, name: str):
    return page.get_by_test_id("campaign-row").filter(
        has=page.get_by_test_id("campaign-name-cell").get_by_text(name, exact=True)
    )


def test_a_campaign_made_in_the_pop_up_is_what_the_extension_gets(page, web_app):
    sign_in(page, RECRUITER, "campaigns")
    new = page.get_by_test_id("campaign-new")
    new.click()

    dialog = page.get_by_test_id("campaign-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading", name="New campaign")).to_be_visible()
    expect(page.get_by_test_id("campaign-name")).to_be_focused()
    page.get_by_test_id("campaign-name").fill("Fintech CFOs, London")
    page.get_by_test_id("campaign-type").select_option("client")
    expect(page.get_by_test_id("campaign-sync-as")).to_have_value("contact")  # suggested
    page.get_by_test_id("campaign-sync-as").select_option("applicant")
    page.get_by_test_id("campaign-type").select_option("candidate")
    expect(page.get_by_test_id("campaign-sync-as")).to_have_value("applicant")  # chosen stays
    page.get_by_label("Sync as").select_option("contact")

    toggle = page.get_by_test_id("campaign-sync-options-toggle")
    options = page.get_by_test_id("campaign-sync-options")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(options).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(options).to_be_visible()
    tag_input = page.get_by_test_id("campaign-tag-input")
    expect(tag_input).to_be_focused()
    tag_input.fill("Fintech")
    tag_input.press("Enter")
    tag_input.fill("CFO")
    tag_input.press("Enter")
    expect(page.get_by_test_id("campaign-tag")).to_have_text(["Fintech", "CFO"])
    expect(toggle).to_contain_text("2 tags")

    page.get_by_test_id("campaign-save").click()

    expect(dialog).to_have_count(0)
    expect(new).to_be_focused()
    expect(page.get_by_test_id("announcer")).to_contain_text("created")
    row = row_of(page, "Fintech CFOs, London")
    expect(row.get_by_test_id("campaign-sync-as-cell")).to_have_text("Contact")
    expect(row.get_by_test_id("campaign-tags-cell")).to_contain_text("Fintech")
    campaign_id = row.get_attribute("data-campaign-id")
    defaults = web_app.get(f"/api/campaigns/{campaign_id}/defaults", account=RECRUITER)
    contact = web_app.settings(account=RECRUITER)["effective"]["contact"]
    assert defaults == {
        "sync_as": "contact",
        "tags": ["Fintech", "CFO"],
        "displayed_fields": contact["displayed_fields"],
        "mandatory_fields": contact["mandatory_fields"],
    }
    campaign = web_app.get(f"/api/campaigns/{campaign_id}", account=RECRUITER)
    assert (campaign["name"], campaign["type"]) == ("Fintech CFOs, London", "candidate")


def test_the_pop_up_starts_from_my_defaults_and_escape_cancels(page, web_app):
    web_app.call(
        "PUT",
        "/api/me/settings",
        {"default_sync_as": "contact", "default_tags": ["Q3"]},
        account=ADMIN,
        expect=200,
    )
    before = web_app.get("/api/campaigns")
    sign_in(page, ADMIN, "campaigns")
    page.get_by_test_id("campaign-new").click()

    expect(page.get_by_test_id("campaign-sync-as")).to_have_value("contact")
    expect(page.get_by_test_id("campaign-sync-options-toggle")).to_contain_text("1 tag")
    page.get_by_test_id("campaign-name").fill("Never made")
    page.keyboard.press("Escape")

    expect(page.get_by_test_id("campaign-dialog")).to_have_count(0)
    expect(page.get_by_test_id("campaign-new")).to_be_focused()
    assert web_app.get("/api/campaigns") == before


def test_the_server_refuses_a_bad_tag_and_says_so_in_place(page, web_app):
    sign_in(page, ADMIN, "campaigns")
    page.get_by_test_id("campaign-new").click()
    page.get_by_test_id("campaign-save").click()
    expect(page.get_by_text("Give the campaign a name.")).to_be_visible()
    expect(page.get_by_test_id("campaign-name")).to_be_focused()

    page.get_by_test_id("campaign-name").fill("Too long a tag")
    page.get_by_test_id("campaign-sync-options-toggle").click()
    page.get_by_test_id("campaign-tag-input").fill("x" * 101)  # typed, not yet entered
    page.get_by_test_id("campaign-save").click()

    expect(page.get_by_test_id("campaign-error")).to_contain_text("was not saved")
    expect(page.locator("#campaign-tags-error")).to_contain_text("1 to 100 characters")
    expect(page.get_by_test_id("campaign-dialog")).to_be_visible()
    names = [c["name"] for c in web_app.get("/api/campaigns")]
    assert "Too long a tag" not in names


def test_a_campaign_is_edited_and_archived(page, web_app):
    created = web_app.call(
        "POST",
        "/api/campaigns",
        {"name": "Graduate engineers", "type": "candidate", "sync_as": "applicant", "tags": []},
        expect=201,
    ).json()
    sign_in(page, ADMIN, "campaigns")
    row = row_of(page, "Graduate engineers")
    row.get_by_test_id("campaign-edit").click()

    expect(page.get_by_role("heading", name="Edit campaign")).to_be_visible()
    expect(page.get_by_test_id("campaign-name")).to_have_value("Graduate engineers")
    page.get_by_test_id("campaign-name").fill("Graduate engineers 2026")
    page.get_by_test_id("campaign-sync-as").select_option("contact")
    page.get_by_test_id("campaign-sync-options-toggle").click()
    page.get_by_test_id("campaign-tag-input").fill("Graduate, Leeds")  # a comma separates
    page.get_by_test_id("campaign-tag-input").press("Enter")
    page.get_by_test_id("campaign-save").click()

    row = row_of(page, "Graduate engineers 2026")
    expect(row.get_by_test_id("campaign-edit")).to_be_focused()
    saved = web_app.get(f"/api/campaigns/{created['id']}")
    assert (saved["name"], saved["sync_as"], saved["tags"]) == (
        "Graduate engineers 2026",
        "contact",
        ["Graduate", "Leeds"],
    )

    row.get_by_test_id("campaign-archive").click()
    expect(page.get_by_test_id("confirm-dialog")).to_contain_text("Archive “Graduate engineers")
    page.get_by_test_id("confirm-ok").click()

    expect(row_of(page, "Graduate engineers 2026")).to_have_count(0)
    assert web_app.get(f"/api/campaigns/{created['id']}")["archived_at"] is not None
    page.get_by_test_id("campaign-show-archived").check()
    archived = row_of(page, "Graduate engineers 2026")
    expect(archived).to_contain_text("Archived")
    expect(archived.get_by_test_id("campaign-archive")).to_have_count(0)
