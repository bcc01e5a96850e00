"""Request and response bodies of the integration settings endpoints."""

from marshmallow import Schema, fields

from backend.settings.schema import LOCKABLE_KEYS, SettingsSchema, TeamSettingsSchema


class SettingsOverviewSchema(Schema):
    """The team's settings, the user's overrides, the result, and the admin's locks."""

    team = fields.Nested(SettingsSchema, dump_only=True)
    user = fields.Nested(
        SettingsSchema,
        dump_only=True,
        metadata={"description": "the signed-in user's overrides (only the keys they set)"},
    )
    effective = fields.Nested(
        SettingsSchema,
        dump_only=True,
        metadata={"description": "what applies to this user: overrides over team, locks kept"},
    )
    locks = fields.List(
        fields.String(metadata={"enum": list(LOCKABLE_KEYS)}),
        dump_only=True,
    )


__all__ = ["SettingsOverviewSchema", "SettingsSchema", "TeamSettingsSchema"]
