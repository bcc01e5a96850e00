"""Marshmallow schemas of the settings document, its per-type sections, and admin locks.

Every key is optional here: a team document is completed from the defaults before it is
validated whole (see ``store``), and a personal override document names only the keys it
overrides. Unknown keys are refused everywhere.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from backend.settings import vocabulary as v

GENERAL_KEYS = (
    "sync_manual_updates",
    "block_off_limits_emails",
    "default_sync_as",
    "default_tags",
    "displayed_company_info",
    "company_warning",
    "company_warning_detail",
    "dont_overwrite_cv",
)
SECTION_KEYS = (
    "add_to_itris",
    "only_notes_to_synced",
    "backfill_notes",
    "displayed_fields",
    "mandatory_fields",
    "update_policy",
    "default_status_id",
    "note_activities",
    "note_channels",
    "note_type_mapping",
    "field_mapping",
)
SECTION_KEYS_OF = {
    "applicant": SECTION_KEYS,
    "contact": (*SECTION_KEYS, "default_contact_type_id"),
}
# A lock names a general key, a whole section, or one key of a section.
LOCKABLE_KEYS = (
    *GENERAL_KEYS,
    *v.SYNC_AS,
    *(f"{sync_as}.{key}" for sync_as in v.SYNC_AS for key in SECTION_KEYS_OF[sync_as]),
)


# --- Fields -------------------------------------------------------------------------------
class StrictBoolean(fields.Boolean):
    """A JSON ``true`` or ``false``; no "yes", 1 or "on"."""

    def __init__(self, **kwargs):
        super().__init__(truthy={True}, falsy={False}, **kwargs)


class ItrisId(fields.Integer):
    """The id of an entry in one of itris's look-up lists."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Range(min=1, error="Must be a positive id."))
        super().__init__(strict=True, **kwargs)


class UniqueList(fields.List):
    """A list whose repeats are dropped, first occurrence kept."""

    def _deserialize(self, value, attr, data, **kwargs):
        items = super()._deserialize(value, attr, data, **kwargs)
        return list(dict.fromkeys(items))


class StrippedString(fields.String):
    """A string with surrounding whitespace removed before it is validated."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class Tags(fields.List):
    """Tags ("sync options"): non-empty, at most 100 characters and 50 tags, repeats dropped
    case-insensitively (the first spelling wins)."""

    def __init__(self, **kwargs):
        tag = StrippedString(
            validate=validate.Length(
                min=1,
                max=v.MAX_TAG_LENGTH,
                error=f"A tag is 1 to {v.MAX_TAG_LENGTH} characters long.",
            )
        )
        kwargs.setdefault(
            "validate",
            validate.Length(max=v.MAX_TAGS, error=f"At most {v.MAX_TAGS} tags."),
        )
        super().__init__(tag, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        tags = super()._deserialize(value, attr, data, **kwargs)
        seen: dict[str, str] = {}
        for tag in tags:
            seen.setdefault(tag.casefold(), tag)
        return list(seen.values())


def _one_of(choices) -> validate.OneOf:
    return validate.OneOf(choices)


def _choices(choices, **kwargs) -> UniqueList:
    return UniqueList(fields.String(validate=_one_of(choices)), **kwargs)


# --- The per-type sections ------------------------------------------------------------------
class _SectionSchema(Schema):
    """Rules for one itris record type; subclasses fix the type's field names."""

    add_to_itris = fields.String(validate=_one_of(v.ADD_RULES))
    only_notes_to_synced = StrictBoolean()
    backfill_notes = StrictBoolean()
    default_status_id = ItrisId(allow_none=True)
    note_activities = _choices(v.ACTIVITY_TYPES)
    note_channels = _choices(v.CHANNELS)
    note_type_mapping = fields.Dict(
        keys=fields.String(validate=_one_of(v.ACTIVITY_TYPES)),
        values=ItrisId(allow_none=True),
        metadata={"description": "activity type → itris comment category id"},
    )

    @validates_schema
    def _mandatory_fields_are_displayed(self, data, **_kwargs):
        if "mandatory_fields" in data and "displayed_fields" in data:
            hidden = hidden_mandatory_fields(data)
            if hidden:
                raise ValidationError(
                    [f"Mandatory fields must also be displayed: {', '.join(hidden)}."],
                    "mandatory_fields",
                )

    @post_load
    def _drop_unmapped_activities(self, data, **_kwargs):
        # A null category is the same as no mapping: the note goes without a category.
        if "note_type_mapping" in data:
            data["note_type_mapping"] = {
                kind: category
                for kind, category in data["note_type_mapping"].items()
                if category is not None
            }
        return data


def hidden_mandatory_fields(section: dict) -> list[str]:
    """Mandatory fields of a section that it does not display."""
    displayed = set(section.get("displayed_fields", ()))
    return [name for name in section.get("mandatory_fields", ()) if name not in displayed]


def _section_schema(sync_as: str, class_name: str, **extra) -> type[Schema]:
    names = v.PERSON_FIELDS[sync_as]
    person_field = fields.String(validate=_one_of(names))
    attrs = {
        "sync_as": sync_as,
        "displayed_fields": UniqueList(person_field),
        "mandatory_fields": UniqueList(person_field),
        "update_policy": fields.Dict(
            keys=person_field,
            values=fields.String(validate=_one_of(v.UPDATE_POLICIES)),
            metadata={"description": "itris field → always | if_blank (absent: if_blank)"},
        ),
        "field_mapping": fields.Dict(
            keys=person_field,
            values=fields.String(validate=_one_of(v.VARIABLES)),
            metadata={"description": "itris field → our contact variable"},
        ),
        **extra,
        "__doc__": f"Settings for people synced as itris {v.RECORD_TYPE_OF[sync_as]}.",
    }
    return type(class_name, (_SectionSchema,), attrs)


ApplicantSettingsSchema = _section_schema("applicant", "ApplicantSettingsSchema")
ContactSettingsSchema = _section_schema(
    "contact", "ContactSettingsSchema", default_contact_type_id=ItrisId(allow_none=True)
)


# --- The whole document ---------------------------------------------------------------------
class SettingsSchema(Schema):
    """An integration settings document (DESIGN §2); every key optional."""

    sync_manual_updates = StrictBoolean()
    block_off_limits_emails = StrictBoolean()
    default_sync_as = fields.String(validate=_one_of(v.SYNC_AS))
    default_tags = Tags()
    displayed_company_info = _choices(v.COMPANY_INFO)
    company_warning = fields.String(validate=_one_of(v.COMPANY_WARNINGS))
    company_warning_detail = fields.String(validate=_one_of(v.COMPANY_WARNING_DETAILS))
    dont_overwrite_cv = StrictBoolean()
    applicant = fields.Nested(ApplicantSettingsSchema)
    contact = fields.Nested(ContactSettingsSchema)


class TeamSettingsSchema(Schema):
    """The team's settings and the keys its users may not override."""

    team = fields.Nested(SettingsSchema, required=True)
    locks = UniqueList(
        fields.String(validate=validate.OneOf(LOCKABLE_KEYS, error="Unknown setting: {input}.")),
        metadata={
            "description": 'settings users may not override: "company_warning", '
            '"applicant.add_to_itris", or a whole section "applicant"'
        },
    )


settings_schema = SettingsSchema()
team_settings_schema = TeamSettingsSchema()
