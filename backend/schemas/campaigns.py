"""Request and response bodies of the campaign endpoints."""

from marshmallow import Schema, fields, validate

from backend.settings import vocabulary as v
from backend.settings.schema import StrippedString, Tags

_name = {"validate": validate.Length(min=1, max=200, error="A name is 1 to 200 characters.")}
_type = {
    "validate": validate.OneOf(v.CAMPAIGN_TYPES),
    "metadata": {"description": "whom the campaign reaches"},
}
_sync_as = {
    "validate": validate.OneOf(v.SYNC_AS),
    "metadata": {"description": "the itris record type its people become"},
}
_tags = {"metadata": {"description": "sync options: tags pushed with every person"}}


class CampaignSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    type = fields.String(dump_only=True, **_type)
    sync_as = fields.String(dump_only=True, **_sync_as)
    tags = fields.List(fields.String(), dump_only=True, **_tags)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
    archived_at = fields.DateTime(dump_only=True, allow_none=True)


class CampaignCreateSchema(Schema):
    name = StrippedString(required=True, **_name)
    type = fields.String(required=True, **_type)
    sync_as = fields.String(
        **_sync_as | {"metadata": {"description": "default: the creator's default_sync_as"}}
    )
    tags = Tags(metadata={"description": "sync options; default: the creator's default_tags"})


class CampaignUpdateSchema(Schema):
    name = StrippedString(**_name)
    type = fields.String(**_type)
    sync_as = fields.String(**_sync_as)
    tags = Tags(**_tags)


class CampaignListQuerySchema(Schema):
    archived = fields.Boolean(
        load_default=False, metadata={"description": "include archived campaigns"}
    )


class CampaignDefaultsSchema(Schema):
    sync_as = fields.String(dump_only=True, **_sync_as)
    tags = fields.List(fields.String(), dump_only=True)
    displayed_fields = fields.List(fields.String(), dump_only=True)
    mandatory_fields = fields.List(fields.String(), dump_only=True)
