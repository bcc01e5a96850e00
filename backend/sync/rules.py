"""The rules: when to add a person to itris, which activities become notes, and how."""

from __future__ import annotations

from dataclasses import dataclass

from backend.itris.fields import blank
from backend.models import Activity, Contact
from backend.settings.vocabulary import CHANNEL_OF, REPLY_TYPES

# How far along a person is; an activity only ever moves them forward.
STAGES = ("new", "replied", "interested")
STAGE_AFTER = {**dict.fromkeys(REPLY_TYPES, "replied"), "marked_interested": "interested"}

ACTIVITY_LABELS = {
    "email_sent": "Email sent",
    "email_opened": "Email opened",
    "email_clicked": "Email link clicked",
    "email_replied": "Email reply received",
    "email_bounced": "Email bounced",
    "linkedin_connection_sent": "LinkedIn connection request sent",
    "linkedin_message_sent": "LinkedIn message sent",
    "linkedin_inmail_sent": "LinkedIn InMail sent",
    "linkedin_replied": "LinkedIn reply received",
    "call_logged": "Call logged",
    "sms_sent": "SMS sent",
    "sms_replied": "SMS reply received",
    "marked_interested": "Marked as interested",
    "marked_not_interested": "Marked as not interested",
    "meeting_booked": "Meeting booked",
}
NOTE_BODY_LIMIT = 4000


def next_stage(current: str, activity_type: str) -> str:
    """The stage after an activity: replies and interest move a person forward, never back."""
    target = STAGE_AFTER.get(activity_type)
    if target is None or current not in STAGES:
        return current
    return target if STAGES.index(target) > STAGES.index(current) else current


def add_rule_fires(rule: str, *, trigger: str, stage: str) -> bool:
    """Whether ``add_to_itris`` says this person should now be added to itris."""
    if trigger == "push":
        return True  # a recruiter pressed "Push to itris": an explicit request
    if rule == "on_campaign_add":
        return trigger in ("campaign_add", "activity")
    if rule == "on_reply":
        return stage in ("replied", "interested")
    if rule == "on_interested":
        return stage == "interested"
    return False


def qualifies_as_note(activity_type: str, section: dict) -> bool:
    """Whether an activity type becomes a note: selected, and from a selected channel."""
    if activity_type not in section["note_activities"]:
        return False
    channel = CHANNEL_OF.get(activity_type)
    return channel is None or channel in section["note_channels"]


def notes_due(contact: Contact, activities: list[Activity], section: dict) -> list[Activity]:
    """The activities that should be notes on this person's itris record now.

    Before the person is synced (the add rule has not fired), notes go to an existing
    itris record only when ``only_notes_to_synced`` is off. Once synced, earlier
    activities are written only with ``backfill_notes``.
    """
    if contact.synced_at is None and section["only_notes_to_synced"]:
        return []
    due = [a for a in activities if qualifies_as_note(a.type, section)]
    if contact.synced_at is not None and not section["backfill_notes"]:
        due = [a for a in due if a.created_at >= contact.synced_at]
    return due


def note_text(activity: Activity, *, campaign_name: str | None, user_name: str | None) -> str:
    """A readable note: what happened, the subject, campaign, who and when, then the body."""
    headline = ACTIVITY_LABELS.get(activity.type, activity.type.replace("_", " ").capitalize())
    if activity.subject:
        headline += f": {activity.subject}"
    facts = [activity.occurred_at.strftime("%d %b %Y %H:%M UTC")]
    if campaign_name:
        facts.append(f"Campaign: {campaign_name}")
    if user_name:
        facts.append(f"By: {user_name}")
    text = f"{headline}\n{' · '.join(facts)}"
    body = (activity.body or "").strip()
    if body:
        if len(body) > NOTE_BODY_LIMIT:
            body = body[:NOTE_BODY_LIMIT].rstrip() + " …"
        text += f"\n\n{body}"
    return text


@dataclass
class Missing:
    fields: list[str]

    @property
    def message(self) -> str:
        return "Fill in the mandatory fields first: " + ", ".join(self.fields)


def missing_mandatory(values: dict, section: dict) -> Missing | None:
    """The mandatory itris fields without a value, if any."""
    missing = [field for field in section["mandatory_fields"] if blank(values.get(field))]
    return Missing(missing) if missing else None
