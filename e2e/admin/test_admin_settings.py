"""Settings: every setting changed in the page survives a reload; locks; errors in place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from backend.settings import store
from backend.settings.schema import GENERAL_KEYS, SECTION_KEYS_OF

from .admin_harness import (
    ADMIN,
    RECRUITER,
    TIMEOUT_MS,
    Console,
    save_failure,
    save_screenshot,
    sign_in,
    wait_for,
)

pytestmark = pytest.mark.e2e

TAB_LABEL = {"applicant": "Applicants", "contact": "Contacts"}

# Where the page puts each setting (the reference product's grouping).
SECTION_OF = {
    "sync_manual_updates": "contact-settings",
    "block_off_limits_emails": "contact-settings",
    "add_to_itris": "adding",
    "only_notes_to_synced": "adding",
    "backfill_notes": "adding",
    "displayed_fields": "fields",
    "mandatory_fields": "fields",
    "update_policy": "fields",
    "default_status_id": "status",
    "default_contact_type_id": "status",
    "note_activities": "notes",
    "note_channels": "notes",
    "note_type_mapping": "notes",
    "field_mapping": "mapping",
    "displayed_company_info": "general",
    "company_warning": "general",
    "company_warning_detail": "general",
    "default_sync_as": "general",
    "default_tags": "general",
    "dont_overwrite_cv": "advanced",
}


# --- How to change each kind of control, and what the API must then hold ------------------------
@dataclass
class Change:
    """Change one setting's control; ``expected(default, lists)`` is the value saved."""

    apply: Callable[[Locator, dict], None]
    expected: Callable[[Any, dict], Any]
    shown: Callable[[Locator, dict], None]


def toggle() -> Change:
    return Change(
        apply=lambda control, _lists: control.click(),
        expected=lambda default, _lists: not default,
        shown=lambda control, _lists: None,  # shown_value() compares it with the API
    )


def choose(pick: Callable[[dict], Any]) -> Change:
    return Change(
        apply=lambda control, lists: control.select_option(str(pick(lists))),
        expected=lambda _default, lists: pick(lists),
        shown=lambda control, lists: expect(control).to_have_value(str(pick(lists))),
    )


def tick(choice: str) -> Change:
    """Flip one checkbox of a checkbox group."""

    def expected(default, _lists):
        return (
            [item for item in default if item != choice]
            if choice in default
            else [*default, choice]
        )

    return Change(
        apply=lambda control, _lists: control.locator(f'input[value="{choice}"]').click(),
        expected=expected,
        shown=lambda control, _lists: None,  # shown_value() compares it with the API
    )


def map_item(item: str, pick: Callable[[dict], Any]) -> Change:
    """Choose a value for one item of a mapping."""
    return Change(
        apply=lambda control, lists: control.locator(f'select[data-item="{item}"]').select_option(
            str(pick(lists))
        ),
        expected=lambda default, lists: {**default, item: pick(lists)},
        shown=lambda control, lists: expect(
            control.locator(f'select[data-item="{item}"]')
        ).to_have_value(str(pick(lists))),
    )


def add_tags(*tags: str) -> Change:
    def apply(control, _lists):
        field = control.get_by_role("textbox")
        for tag in tags:
            field.fill(tag)
            field.press("Enter")

    return Change(
        apply=apply,
        expected=lambda default, _lists: [*default, *tags],
        shown=lambda control, _lists: expect(control.locator(".chip-text")).to_have_text(
            list(tags)
        ),
    )


def second_status(sync_as):
    return lambda lists: lists["statuses"][sync_as][1]["id"]


def category(name):
    return lambda lists: next(c["id"] for c in lists["comment_categories"] if c["name"] == name)


GENERAL_CHANGES = {
    "sync_manual_updates": toggle(),
    "block_off_limits_emails": toggle(),
    "default_sync_as": choose(lambda _: "contact"),
    "default_tags": add_tags("Java", "London"),
    "displayed_company_info": tick("website"),
    "company_warning": choose(lambda _: "duplicates_only"),
    "company_warning_detail": choose(lambda _: "website"),
    "dont_overwrite_cv": toggle(),
}


def section_changes(sync_as: str) -> dict[str, Change]:
    changes = {
        "add_to_itris": choose(lambda _: "on_reply"),
        "only_notes_to_synced": toggle(),
        "backfill_notes": toggle(),
        "displayed_fields": tick("mobileNumber"),
        "mandatory_fields": tick("emailAddress"),
        "update_policy": map_item("jobTitle", lambda _: "always"),
        "default_status_id": choose(second_status(sync_as)),
        "note_activities": tick("email_opened"),
        "note_channels": tick("sms"),
        "note_type_mapping": map_item("email_replied", category("Email Received")),
        "field_mapping": map_item("mobileNumber", lambda _: "phone"),
    }
    if sync_as == "contact":
        changes["default_contact_type_id"] = choose(
            lambda lists: next(t["id"] for t in lists["contact_types"] if t["name"] == "HR Contact")
        )
    return changes


CASES = {key: change for key, change in GENERAL_CHANGES.items()}
for _sync_as in ("applicant", "contact"):
    CASES |= {f"{_sync_as}.{key}": change for key, change in section_changes(_sync_as).items()}


def every_setting() -> list[str]:
    return [*GENERAL_KEYS, *(f"{t}.{k}" for t, keys in SECTION_KEYS_OF.items() for k in keys)]


def value_at(doc: dict, path: str):
    head, _, tail = path.partition(".")
    return doc[head][tail] if tail else doc[head]


def open_setting(page: Page, path: str) -> Locator:
    """The control of ``path``: in its section, on its tab."""
    head, _, tail = path.partition(".")
    key = tail or head
    section = page.get_by_test_id(f"section-{SECTION_OF[key]}")
    if tail:
        tab = section.get_by_role("tab", name=TAB_LABEL[head])
        tab.click()
        section.locator(f'[role="tabpanel"][data-sync-as="{head}"]').wait_for()
        expect(tab).to_have_attribute("aria-selected", "true")
    control = section.locator(f'[data-testid="setting-{key}"][data-setting="{path}"]')
    control.wait_for()
    return control


def save(page: Page) -> None:
    page.get_by_test_id("settings-save").click()
    wait_for(page, '[data-testid="settings-save-status"][data-kind="saved"]')
    expect(page.get_by_test_id("settings-save-status")).to_have_text("All changes saved.")


@pytest.fixture
def itris_lists(web_app) -> dict:
    return web_app.get("/api/integrations/itris/options")


@pytest.fixture(scope="module")
def _admin_tab(browser, web_app):
    """One signed-in admin tab for the whole table of settings (signing in takes a while)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=web_app.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.console = Console(page)
    sign_in(page, ADMIN, "settings")
    yield page
    context.close()


@pytest.fixture
def admin_settings(_admin_tab, request) -> Page:
    """The admin's settings page, reloaded: it shows what the server holds now."""
    page = _admin_tab
    page.console.errors.clear()
    page.goto("/app/#/settings")
    page.reload()  # the settings the test starts from, afresh from the server
    page.get_by_test_id("setting-company_warning").wait_for()
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        save_failure(page, request.node.nodeid)
    assert not page.console.unexpected(), page.console.unexpected()


# --- The tests ---------------------------------------------------------------------------------
def test_the_table_covers_every_setting():
    assert sorted(CASES) == sorted(every_setting())
    assert set(SECTION_OF) == {path.rpartition(".")[2] for path in every_setting()}


@pytest.mark.parametrize("path", every_setting())
def test_every_setting_can_be_changed_and_survives_a_reload(
    admin_settings, web_app, itris_lists, path
):
    page = admin_settings
    change = CASES[path]
    default = value_at(store.defaults(), path)
    expected = change.expected(default, itris_lists)
    assert expected != default, "the change must change something"

    control = open_setting(page, path)
    change.apply(control, itris_lists)
    expect(page.get_by_test_id("settings-save-status")).to_have_text("You have unsaved changes.")
    save(page)

    saved = web_app.settings()["team"]
    actual = value_at(saved, path)
    if isinstance(expected, list):
        assert sorted(actual) == sorted(expected)
    else:
        assert actual == expected
    for other in every_setting():  # nothing else moved
        if other != path:
            assert value_at(saved, other) == value_at(store.defaults(), other), other

    page.reload()
    control = open_setting(page, path)
    change.shown(control, itris_lists)
    # Whatever the kind of control, what it shows is what the API holds.
    assert shown_value(control) == normalise(actual)


def shown_value(control: Locator):
    """The value a setting's control shows, in the API's terms."""
    return control.evaluate(
        """e => {
          if (e.matches('input[type=checkbox]')) return e.checked;
          if (e.matches('select')) return e.value;
          const maps = e.querySelectorAll('select[data-item]');
          if (maps.length) {
            const out = {};
            for (const s of maps) {
              if (s.value && s.value !== 'if_blank') out[s.dataset.item] = s.value;
            }
            return out;
          }
          const chips = e.querySelectorAll('.chip-text');
          if (e.querySelector('.tag-editor')) return [...chips].map(c => c.textContent);
          const boxes = [...e.querySelectorAll('input[type=checkbox]')];
          return boxes.filter(i => i.checked).map(i => i.value);
        }"""
    )


def normalise(value):
    if isinstance(value, bool) or value is None:
        return value if isinstance(value, bool) else ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return {key: str(item) for key, item in value.items()}
    return value


def test_an_admin_locks_settings_and_a_recruiter_cannot_change_them(page, second_page, web_app):
    sign_in(page, ADMIN, "settings")
    page.get_by_test_id("section-general").get_by_test_id("lock-company_warning").check()
    open_setting(page, "applicant.add_to_itris")
    page.get_by_test_id("section-adding").get_by_test_id("lock-add_to_itris").check()
    save(page)
    assert set(web_app.settings()["locks"]) == {"company_warning", "applicant.add_to_itris"}
    expect(page.get_by_test_id("lock-company_warning")).to_be_checked()

    recruiter = second_page
    sign_in(recruiter, RECRUITER, "settings")
    warning = open_setting(recruiter, "company_warning")
    expect(warning).to_be_disabled()
    expect(warning).to_have_attribute("data-locked", "true")
    general = recruiter.get_by_test_id("section-general")
    expect(
        general.locator('.setting[data-path="company_warning"]').get_by_test_id("locked-badge")
    ).to_have_text("Locked by your admin")
    expect(open_setting(recruiter, "applicant.add_to_itris")).to_be_disabled()
    expect(open_setting(recruiter, "contact.add_to_itris")).to_be_enabled()
    expect(recruiter.get_by_test_id("lock-company_warning")).to_have_count(0)

    # What is not locked is the recruiter's own default.
    detail = open_setting(recruiter, "company_warning_detail")
    detail.select_option("website")
    save(recruiter)
    mine = web_app.settings(account=RECRUITER)
    assert mine["user"] == {"company_warning_detail": "website"}
    assert mine["effective"]["company_warning_detail"] == "website"
    assert web_app.settings()["team"]["company_warning_detail"] == "location"
    row = general.locator('.setting[data-path="company_warning_detail"]')
    expect(row).to_contain_text("Your default")

    # A key locked while the recruiter was editing it is refused, and said so in place.
    open_setting(recruiter, "contact.add_to_itris").select_option("never")
    team = web_app.settings()
    web_app.call(
        "PUT",
        "/api/integrations/itris/settings",
        {"team": team["team"], "locks": [*team["locks"], "contact.add_to_itris"]},
        expect=200,
    )
    recruiter.get_by_test_id("settings-save").click()
    adding = recruiter.get_by_test_id("section-adding")
    expect(adding.get_by_test_id("error-add_to_itris")).to_contain_text("Locked by your team admin")
    expect(adding.get_by_role("tabpanel")).to_have_attribute("data-sync-as", "contact")
    expect(adding.get_by_test_id("setting-add_to_itris")).to_be_disabled()
    expect(recruiter.get_by_test_id("settings-errors")).to_be_focused()
    assert web_app.settings(account=RECRUITER)["user"] == {"company_warning_detail": "website"}


def test_a_personal_default_goes_back_to_the_team_setting(page, web_app):
    web_app.call(
        "PUT", "/api/me/settings", {"contact": {"add_to_itris": "on_reply"}}, account=RECRUITER
    )
    sign_in(page, RECRUITER, "settings")
    control = open_setting(page, "contact.add_to_itris")
    expect(control).to_have_value("on_reply")

    page.get_by_test_id("section-adding").get_by_test_id("reset-add_to_itris").click()
    expect(control).to_have_value("on_campaign_add")
    save(page)

    assert web_app.settings(account=RECRUITER)["user"] == {}


def test_server_validation_errors_are_shown_beside_the_setting(page, web_app):
    sign_in(page, ADMIN, "settings")
    displayed = open_setting(page, "applicant.displayed_fields")
    displayed.locator('input[value="lastName"]').uncheck()  # lastName is mandatory
    fields = page.get_by_test_id("section-fields")
    fields.get_by_role("tab", name="Contacts").click()  # look elsewhere before saving
    page.get_by_test_id("section-general").get_by_test_id("setting-default_tags").get_by_role(
        "textbox"
    ).fill("x" * 101)

    page.get_by_test_id("settings-save").click()

    summary = page.get_by_test_id("settings-errors")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("These settings were not saved")
    expect(summary).to_contain_text("Correct the settings below")
    expect(fields.get_by_role("tabpanel")).to_have_attribute("data-sync-as", "applicant")
    expect(fields.get_by_test_id("error-mandatory_fields")).to_contain_text(
        "Mandatory fields must also be displayed: lastName."
    )
    expect(fields.get_by_test_id("setting-mandatory_fields")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(page.get_by_test_id("error-default_tags")).to_contain_text("1 to 100 characters")
    expect(page.get_by_test_id("settings-save-status")).to_contain_text("Not saved")
    assert web_app.settings()["team"] == store.defaults()

    summary.get_by_role("button", name="Fields › Applicants › Mandatory fields").click()
    expect(fields.get_by_test_id("setting-mandatory_fields").locator("input").first).to_be_focused()


def test_tabs_work_from_the_keyboard(page):
    sign_in(page, ADMIN, "settings")
    section = page.get_by_test_id("section-notes")
    applicants = section.get_by_role("tab", name="Applicants")
    applicants.focus()

    page.keyboard.press("ArrowRight")

    contacts = section.get_by_role("tab", name="Contacts")
    expect(contacts).to_be_focused()
    expect(contacts).to_have_attribute("aria-selected", "true")
    expect(section.get_by_role("tabpanel")).to_have_attribute("data-sync-as", "contact")
    page.keyboard.press("Home")
    expect(applicants).to_be_focused()


def test_screenshot_of_the_settings_page(page, web_app):
    web_app.call(
        "PUT",
        "/api/integrations/itris/settings",
        {"team": {"company_warning": "duplicates_only"}, "locks": ["applicant.add_to_itris"]},
        expect=200,
    )
    sign_in(page, ADMIN, "settings")
    open_setting(page, "applicant.only_notes_to_synced").click()
    expect(page.get_by_test_id("settings-save-status")).to_have_text("You have unsaved changes.")

    save_screenshot(page, "admin-settings.png")
