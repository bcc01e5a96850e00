"""The profile panel: who the person is in itris, the campaign and "sync as", and the page.

Real Chromium with the extension, the real backend connected to the itris sandbox, LinkedIn
profiles from e2e/fixtures. Each test uses its own profile slug, so people never collide.
"""

from __future__ import annotations

import pytest
from harness import SCREENSHOTS, profile_html
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def panel(page: Page):
    return page.get_by_test_id("itris-panel")


def test_sign_in_through_options_then_the_panel_shows_the_person(extension, itris, recruiter):
    campaign = itris.campaign(name="Data engineers, London")
    options = extension.open_options()
    options.get_by_test_id("backend-url").fill(extension.backend.url)
    options.get_by_test_id("login-email").fill(recruiter.email)
    options.get_by_test_id("login-password").fill(recruiter.password)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    options.screenshot(path=SCREENSHOTS / "options.png")
    options.get_by_test_id("login-submit").click()
    expect(options.get_by_test_id("login-state")).to_contain_text("Signed in as Rita Recruiter")
    extension.work_in_campaign(campaign)

    page = extension.open_panel("priya-raman-t1")

    expect(panel(page)).to_be_visible()
    expect(panel(page).get_by_role("heading", name="Priya Raman")).to_be_visible()
    expect(panel(page)).to_contain_text("Senior Data Engineer at Brightwater Analytics GmbH")
    expect(page.get_by_test_id("itris-record")).to_have_text("Not in itris yet")
    expect(page.get_by_test_id("campaign-select")).to_have_value(str(campaign))
    expect(page.get_by_test_id("sync-status")).to_have_text("Not pushed to itris yet")
    expect(page.get_by_test_id("off-limits")).to_be_hidden()
    expect(page.get_by_test_id("panel-error")).to_be_hidden()
    expect(panel(page)).to_contain_text("Signed in as Rita Recruiter")


def test_the_campaign_default_sync_as_is_shown_with_its_source(extension, itris, recruiter):
    clients = itris.campaign(sync_as="contact", name="Hiring managers, Bristol")
    candidates = itris.campaign(sync_as="applicant", name="Quantity surveyors")
    extension.sign_in_as(recruiter)
    extension.work_in_campaign(clients)

    page = extension.open_panel("priya-raman-t2")

    expect(page.get_by_test_id("sync-as")).to_have_value("contact")
    expect(page.get_by_test_id("sync-as-source")).to_have_text("Campaign default")
    # Contacts need a location in itris: the contact section marks it mandatory.
    page.get_by_test_id("sync-options-toggle").click()
    expect(page.get_by_test_id("field-location")).to_have_attribute("data-mandatory", "true")

    page.get_by_test_id("campaign-select").select_option(str(candidates))

    expect(page.get_by_test_id("sync-as")).to_have_value("applicant")
    expect(page.get_by_test_id("sync-as-source")).to_have_text("Campaign default")
    expect(page.get_by_test_id("field-location")).not_to_have_attribute("data-mandatory", "true")
    # The choice of campaign is remembered for the next profile.
    assert extension.storage(extension.probe)["prefs"] == {"campaignId": candidates}


def test_a_changed_sync_as_is_saved_at_once_and_survives_a_reload(extension, itris, recruiter):
    itris.settings(applicant={"add_to_itris": "never"}, contact={"add_to_itris": "never"})
    campaign = itris.campaign(sync_as="applicant")
    extension.sign_in_as(recruiter)
    extension.work_in_campaign(campaign)
    slug = "priya-raman-t3"
    page = extension.open_panel(slug)

    # Not in the campaign yet: the choice is kept for when they are added, across reloads.
    page.get_by_test_id("sync-as").select_option("contact")
    expect(page.get_by_test_id("sync-as-source")).to_contain_text("saved when you add them")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    page.get_by_test_id("sync-options-toggle").click()
    expect(page.get_by_test_id("field-location")).to_have_attribute("data-mandatory", "true")
    page.reload()
    expect(panel(page)).to_have_attribute("data-state", "ready")
    expect(page.get_by_test_id("sync-as")).to_have_value("contact")

    page.get_by_test_id("add-to-campaign").click()

    expect(page.get_by_test_id("add-to-campaign")).to_have_text("In campaign ✓")
    effective = itris.lookup(slug, campaign)["effective"]
    assert (effective["sync_as"], effective["source"]) == ("contact", "contact")

    # In the campaign: every change is this person's override on the backend at once.
    page.reload()
    expect(page.get_by_test_id("sync-as")).to_have_value("contact")
    expect(page.get_by_test_id("sync-as-source")).to_have_text("Your override for this person")
    page.get_by_test_id("sync-as").select_option("applicant")
    expect(page.get_by_test_id("save-state")).to_have_text("Saved")
    expect(page.get_by_test_id("sync-as-source")).to_have_text("Your override for this person")
    expect(page.get_by_test_id("panel-error")).to_be_hidden()

    effective = itris.lookup(slug, campaign)["effective"]
    assert (effective["sync_as"], effective["source"]) == ("applicant", "contact")
    page.reload()
    expect(page.get_by_test_id("sync-as")).to_have_value("applicant")


def test_a_person_already_in_itris_is_shown_with_the_reason(extension, itris, recruiter):
    extension.sign_in_as(recruiter)
    extension.work_in_campaign(itris.campaign())

    page = extension.open_panel("tom-hughes-5e8b10")  # KNOWN.linkedin_only_applicant

    expect(page.get_by_test_id("itris-record")).to_have_text(
        "In itris as Applicant #10005: same LinkedIn profile"
    )
    expect(page.get_by_test_id("off-limits")).to_be_hidden()


def test_an_off_limits_person_shows_the_banner(extension, itris, recruiter):
    extension.sign_in_as(recruiter)
    extension.work_in_campaign(itris.campaign())

    page = extension.open_panel("oliver-bennett-91c3d2")  # KNOWN.off_limits_applicant

    expect(page.get_by_test_id("off-limits")).to_be_visible()
    expect(page.get_by_test_id("off-limits")).to_have_text(
        "Off-limits in itris: do not approach this person."
    )
    expect(page.get_by_test_id("itris-record")).to_contain_text("Applicant #10002")


def test_a_possible_match_is_linked_by_the_recruiter(extension, itris, recruiter):
    extension.sign_in_as(recruiter)
    extension.work_in_campaign(itris.campaign())
    page = extension.open_panel("sarah-mitchell-t6")
    record = page.get_by_test_id("itris-record")
    expect(record).to_contain_text("Possibly in itris: same name at the same company")
    expect(record).to_contain_text("Sarah Mitchell, Northwind Logistics Ltd (Applicant #10006)")

    record.get_by_test_id("review-link").click()

    expect(page.get_by_test_id("sync-status")).to_have_text("Pushed to itris as Applicant #10006")
    expect(record).to_have_text("In itris as Applicant #10006: linked by a recruiter")
    assert len(itris.records("applicants", firstName="Sarah", lastName="Mitchell")) == 1
    [linked] = itris.records("applicants", id=10006)
    assert linked["webAddress"] == "https://www.linkedin.com/in/sarah-mitchell-2d6c44/"


def test_a_possible_match_can_be_created_as_a_new_record(extension, itris, recruiter):
    itris.settings(applicant={"add_to_itris": "never"})
    extension.sign_in_as(recruiter)
    extension.work_in_campaign(itris.campaign())
    page = extension.open_panel("sarah-mitchell-t7")

    page.get_by_test_id("review-create-new").click()

    expect(page.get_by_test_id("sync-status")).to_contain_text("(new record)")
    sarahs = itris.records("applicants", firstName="Sarah", lastName="Mitchell")
    assert sorted(r["id"] for r in sarahs)[0] == 10006
    assert len(sarahs) == 2
    expect(page.get_by_test_id("itris-record")).to_contain_text("created by itris-sync")


def test_markup_in_a_name_is_shown_as_text(extension, itris, recruiter):
    extension.sign_in_as(recruiter)
    extension.work_in_campaign(itris.campaign())
    dialogs = []
    page = extension.context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("https://www.linkedin.com/in/eve-markup/")
    expect(panel(page)).to_have_attribute("data-state", "ready")

    name = "Eve <img src=x onerror=alert(1)> Mallory"
    expect(panel(page).get_by_role("heading", level=2)).to_have_text(name)
    expect(panel(page)).to_contain_text("<svg onload=alert(3)>")
    page.get_by_test_id("sync-options-toggle").click()
    expect(page.get_by_test_id("field-lastName")).to_have_value(
        "<img src=x onerror=alert(1)> Mallory"
    )
    # Nothing was parsed as markup: no element from the page's text exists in the panel.
    root = page.locator("#itris-sync-root")
    assert root.locator("img, script, svg, b").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []


def test_spa_navigation_to_another_profile_updates_the_panel(extension, itris, recruiter):
    extension.sign_in_as(recruiter)
    extension.work_in_campaign(itris.campaign())
    page = extension.open_panel("priya-raman-t9")
    expect(panel(page).get_by_role("heading", name="Priya Raman")).to_be_visible()

    # LinkedIn changes the URL first (history.pushState), then renders the new profile.
    navigate(page, "tom-hughes-5e8b10")

    expect(panel(page).get_by_role("heading", name="Tom Hughes")).to_be_visible()
    expect(page.get_by_test_id("itris-record")).to_have_text(
        "In itris as Applicant #10005: same LinkedIn profile"
    )

    navigate(page, "tomas-ferreira-4a2b9")

    expect(panel(page).get_by_role("heading", name="Tomás Ferreira")).to_be_visible()
    # The <head> still describes Priya Raman (og:title): the reader must not mix her in.
    expect(panel(page)).to_contain_text("Recruitment Consultant at Pinnacle Talent Solutions")
    expect(panel(page)).not_to_contain_text("Brightwater")
    expect(page.get_by_test_id("itris-record")).to_have_text("Not in itris yet")

    # A page that is no profile has no panel; going back brings it back.
    page.evaluate("history.pushState({}, '', '/feed/')")
    expect(page.locator("#itris-sync-root")).to_have_count(0)
    page.go_back()
    expect(panel(page).get_by_role("heading", name="Tomás Ferreira")).to_be_visible()
    assert page.locator("#itris-sync-root").count() == 1


def navigate(page: Page, slug: str) -> None:
    """Move the single-page app to another profile as LinkedIn does: URL first, page later."""
    page.evaluate(
        """async ([slug, html]) => {
          history.pushState({}, "", `/in/${slug}/`);
          await new Promise((resolve) => setTimeout(resolve, 150));
          const next = new DOMParser().parseFromString(html, "text/html");
          document.title = next.title;
          const content = next.querySelector(".application-outlet") ?? next.querySelector("main");
          document.querySelector(".application-outlet, body > main").replaceWith(content);
        }""",
        [slug, profile_html(slug)],
    )


def test_a_profile_read_only_from_meta_tags_still_gets_a_panel(extension, itris, recruiter):
    extension.sign_in_as(recruiter)
    extension.work_in_campaign(itris.campaign())

    page = extension.open_panel("amara-okafor")

    expect(panel(page).get_by_role("heading", name="Amara Okafor")).to_be_visible()
    expect(panel(page)).to_contain_text(
        "Principal Structural Engineer at Kestrel Engineering Group"
    )
    expect(page.get_by_test_id("company-info")).to_contain_text("Kestrel Engineering Group")


def test_a_refused_request_is_shown_in_the_panel(extension, itris, recruiter):
    campaign = itris.campaign()
    extension.sign_in_as(recruiter)
    extension.work_in_campaign(campaign)
    page = extension.open_panel("priya-raman-t11")
    itris.recruiter.call("DELETE", f"/api/campaigns/{campaign}", expect=204)

    page.get_by_test_id("add-to-campaign").click()

    expect(page.get_by_test_id("panel-error")).to_be_visible()
    expect(page.get_by_test_id("panel-error")).to_contain_text("is archived")


def test_linkedin_cannot_see_the_extension_by_fetching_its_files(extension, itris, recruiter):
    """LinkedIn's own scripts probe ``chrome-extension://<id>/<file>`` to spot extensions.

    Chrome injects the panel as one classic script (``extension/content/bundle.js``), so
    nothing of the extension is web-accessible and such a probe finds nothing.
    """
    extension.sign_in_as(recruiter)
    extension.work_in_campaign(itris.campaign())
    page = extension.open_panel("priya-raman-t12")
    expect(panel(page).get_by_role("heading", name="Priya Raman")).to_be_visible()

    probe = """async (url) => {
      try { await fetch(url); return "fetched"; } catch (error) { return "refused"; }
    }"""
    for path in ("extension/content/bundle.js", "extension/content/main.js", "manifest.json"):
        assert page.evaluate(probe, extension.base_url + path) == "refused", path
