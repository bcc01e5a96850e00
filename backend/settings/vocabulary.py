"""The words settings are made of, shared by settings, campaigns and the rules engine."""

from __future__ import annotations

from backend.itris import contract as c

# --- People and how they land in itris ----------------------------------------------------
SYNC_AS = ("applicant", "contact")
RECORD_TYPE_OF = {sync_as: str(c.SYNC_AS_TO_RECORD_TYPE[sync_as]) for sync_as in SYNC_AS}

# When a person is added to itris.
ADD_RULES = ("on_campaign_add", "on_reply", "on_interested", "never")

# --- Activities and the notes they make ---------------------------------------------------
ACTIVITY_TYPES = (
    "email_sent",
    "email_opened",
    "email_clicked",
    "email_replied",
    "email_bounced",
    "linkedin_connection_sent",
    "linkedin_message_sent",
    "linkedin_inmail_sent",
    "linkedin_replied",
    "call_logged",
    "sms_sent",
    "sms_replied",
    "marked_interested",
    "marked_not_interested",
    "meeting_booked",
)
REPLY_TYPES = ("email_replied", "linkedin_replied", "sms_replied")
CHANNELS = ("email", "linkedin", "call", "sms")


def _channel(activity_type: str) -> str | None:
    if activity_type == "call_logged":
        return "call"
    prefix = activity_type.split("_", 1)[0]
    return prefix if prefix in CHANNELS else None


# None: not bound to a channel, so only ``note_activities`` decides whether it makes a note.
CHANNEL_OF: dict[str, str | None] = {kind: _channel(kind) for kind in ACTIVITY_TYPES}

# --- Fields ---------------------------------------------------------------------------------
# Our contact variables, the right-hand side of a field mapping.
VARIABLES = (
    "first_name",
    "last_name",
    "full_name",
    "email",
    "phone",
    "title",
    "company",
    "location",
    "linkedin_url",
    "headline",
)

# itris fields the server manages (status, keywords, flags, company, type): never typed in.
SERVER_MANAGED_FIELDS = (
    c.STATUS_ID,
    c.KEYWORDS,
    c.OFF_LIMITS,
    c.EMAIL_OPT_OUT,
    c.OWNER_USER_ID,
    c.COMPANY_ID,
    c.CONTACT_TYPE_ID,
    c.SOURCE,
)

# The itris fields a user may display, fill in and map, per "sync as".
PERSON_FIELDS: dict[str, tuple[str, ...]] = {
    sync_as: tuple(
        name for name in c.WRITABLE_FIELDS[record_type] if name not in SERVER_MANAGED_FIELDS
    )
    for sync_as, record_type in c.SYNC_AS_TO_RECORD_TYPE.items()
}

UPDATE_POLICIES = ("always", "if_blank")
DEFAULT_UPDATE_POLICY = "if_blank"

# --- Companies ------------------------------------------------------------------------------
COMPANY_INFO = ("status", "owner", "contact_count", "location", "website", "last_updated")
COMPANY_WARNINGS = ("duplicates_and_similar", "duplicates_only", "off")
COMPANY_WARNING_DETAILS = ("location", "website", "contact_count", "owner", "id")

# --- Campaigns ------------------------------------------------------------------------------
CAMPAIGN_TYPES = ("candidate", "client", "other")  # whom the campaign reaches
MAX_TAGS = 50
MAX_TAG_LENGTH = 100
