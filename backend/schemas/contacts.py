"""Schemas for people, their pushes and the profile lookup."""

import base64
import binascii
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from backend.db import MAX_INT
from backend.itris.matching import linkedin_slug
from backend.models import PUSH_STATUSES
from backend.settings.vocabulary import ACTIVITY_TYPES, MAX_TAG_LENGTH, MAX_TAGS, SYNC_AS

MAX_CV_BYTES = 5 * 1024 * 1024
# Lengths are those of the contacts table's columns.
_text = {"validate": validate.Length(max=300), "allow_none": True}
_person_name = {"validate": validate.Length(max=200), "allow_none": True}
_email = {"validate": validate.Length(max=320), "allow_none": True}
MAX_SLUG_LENGTH = 200
_tag = fields.String(validate=validate.Length(min=1, max=MAX_TAG_LENGTH))


class Id(fields.Integer):
    """An id sent in a request: positive and no larger than a database integer holds."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Range(min=1, max=MAX_INT))
        super().__init__(**kwargs)


class ProfileSchema(Schema):
    """A person as read from a profile page."""

    profile_url = fields.String(validate=validate.Length(max=500), allow_none=True)
    name = fields.String(**_text)
    first_name = fields.String(**_person_name)
    last_name = fields.String(**_person_name)
    headline = fields.String(validate=validate.Length(max=500), allow_none=True)
    company = fields.String(**_text)
    title = fields.String(**_text)
    location = fields.String(**_text)
    email = fields.Email(**_email)
    phone = fields.String(validate=validate.Length(max=100), allow_none=True)

    @validates("profile_url")
    def slug_fits(self, value, **_kwargs):
        if len(linkedin_slug(value) or "") > MAX_SLUG_LENGTH:
            raise ValidationError(f"A LinkedIn profile name is at most {MAX_SLUG_LENGTH} long.")


class LookupSchema(ProfileSchema):
    campaign_id = Id(allow_none=True)


class TypedFields(fields.Dict):
    def __init__(self, **kwargs):
        super().__init__(
            keys=fields.String(validate=validate.Length(max=100)),
            values=fields.Raw(allow_none=True),
            **kwargs,
        )


class CVSchema(Schema):
    file_name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    content_base64 = fields.String(required=True, load_only=True)

    @validates("content_base64")
    def decodes(self, value, **_kwargs):
        try:
            content = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValidationError("Not valid base64.") from exc
        if not content:
            raise ValidationError("The file is empty.")
        if len(content) > MAX_CV_BYTES:
            raise ValidationError(f"A CV may be at most {MAX_CV_BYTES // (1024 * 1024)} MB.")


class AddToCampaignSchema(Schema):
    profile = fields.Nested(ProfileSchema, required=True)
    email = fields.Email(**_email)
    typed_fields = TypedFields(data_key="fields", load_default=None)
    sync_as = fields.String(validate=validate.OneOf(SYNC_AS), allow_none=True)
    tags = fields.List(_tag, validate=validate.Length(max=MAX_TAGS), allow_none=True)
    cv = fields.Nested(CVSchema, allow_none=True)


class OverrideSchema(Schema):
    campaign_id = Id(required=True)
    sync_as = fields.String(validate=validate.OneOf(SYNC_AS), allow_none=True)
    tags = fields.List(_tag, validate=validate.Length(max=MAX_TAGS), allow_none=True)


class ContactEditSchema(Schema):
    first_name = fields.String(**_person_name)
    last_name = fields.String(**_person_name)
    email = fields.Email(**_email)
    phone = fields.String(validate=validate.Length(max=100), allow_none=True)
    title = fields.String(**_text)
    company = fields.String(**_text)
    location = fields.String(**_text)
    headline = fields.String(validate=validate.Length(max=500), allow_none=True)
    typed_fields = TypedFields(data_key="fields")


class PushNowSchema(Schema):
    campaign_id = Id(allow_none=True)


class LinkSchema(Schema):
    itris_type = fields.String(validate=validate.OneOf(SYNC_AS))
    itris_id = Id()
    create_new = fields.Boolean()

    @validates_schema
    def one_choice(self, data, **_kwargs):
        if data.get("create_new"):
            if "itris_id" in data:
                raise ValidationError("Choose a record or create_new, not both.", "create_new")
            return
        missing = [k for k in ("itris_type", "itris_id") if k not in data]
        if missing:
            raise ValidationError({k: ["Required unless create_new is true."] for k in missing})


class CompanyPickSchema(Schema):
    itris_company_id = Id(required=True)


class ActivitySchema(Schema):
    type = fields.String(required=True, validate=validate.OneOf(ACTIVITY_TYPES))
    campaign_id = Id(required=True)
    subject = fields.String(validate=validate.Length(max=500), allow_none=True)
    body = fields.String(validate=validate.Length(max=100_000), allow_none=True)
    occurred_at = fields.AwareDateTime(allow_none=True)


class LinkOutSchema(Schema):
    record_type = fields.String()
    itris_id = fields.Integer()
    matched_by = fields.String()


class PushSchema(Schema):
    id = fields.Integer()
    contact_id = fields.Integer()
    campaign_id = fields.Integer(allow_none=True)
    user_id = fields.Integer(allow_none=True)
    trigger = fields.String()
    sync_as = fields.String()
    status = fields.String(validate=validate.OneOf(PUSH_STATUSES))
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    skipped_rule = fields.String(allow_none=True)
    result = fields.Dict()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    next_attempt_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    contact_name = fields.Function(
        lambda push: (
            " ".join(filter(None, (push.contact.first_name, push.contact.last_name))) or None
        ),
        allow_none=True,
        metadata={"description": "the person's first and last name, when known"},
    )
    contact_email = fields.Function(lambda push: push.contact.email, allow_none=True)
    campaign_name = fields.Function(
        lambda push: push.campaign.name if push.campaign else None, allow_none=True
    )


class TimeZone(fields.String):
    """An IANA time zone name (``Europe/London``), loaded as a ``ZoneInfo``."""

    def _deserialize(self, value, attr, data, **kwargs):
        name = super()._deserialize(value, attr, data, **kwargs)
        try:
            if len(name) > 100:
                raise ValueError(name)
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValidationError(f"Unknown time zone {name[:100]!r}: use an IANA name.") from exc


class PushSummaryQuerySchema(Schema):
    days = fields.Integer(load_default=14, validate=validate.Range(min=1, max=90))
    time_zone = TimeZone(
        metadata={"description": "days are counted in this time zone (e.g. Europe/London)"},
    )
    utc_offset_minutes = fields.Integer(
        load_default=0,
        validate=validate.Range(min=-14 * 60, max=14 * 60),
        metadata={
            "description": "without a time_zone, days are counted in this offset from UTC "
            "(e.g. 60 for CET)"
        },
    )


class PushDaySchema(Schema):
    date = fields.Date()
    succeeded = fields.Integer()
    failed = fields.Integer()
    needs_review = fields.Integer()
    skipped = fields.Integer()
    pending = fields.Integer(metadata={"description": "queued or running"})


class PushSummarySchema(Schema):
    days = fields.List(fields.Nested(PushDaySchema), metadata={"description": "oldest first"})


class ContactSchema(Schema):
    id = fields.Integer()
    first_name = fields.String(allow_none=True)
    last_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    title = fields.String(allow_none=True)
    company = fields.String(allow_none=True)
    location = fields.String(allow_none=True)
    headline = fields.String(allow_none=True)
    linkedin_url = fields.String(allow_none=True)
    linkedin_slug = fields.String(allow_none=True)
    typed_fields = fields.Dict(attribute="fields", data_key="fields")
    stage = fields.String()
    synced_at = fields.DateTime(allow_none=True)
    itris_company_id = fields.Integer(allow_none=True)
    cv_file_name = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class EffectiveSchema(Schema):
    sync_as = fields.String()
    tags = fields.List(fields.String())
    source = fields.String(metadata={"description": "where sync_as comes from"})
    tags_source = fields.String()


class AddedSchema(Schema):
    contact_id = fields.Integer()
    contact = fields.Nested(ContactSchema)
    effective = fields.Nested(EffectiveSchema)
    push = fields.Nested(PushSchema, allow_none=True)


class OverrideOutSchema(Schema):
    contact_id = fields.Integer()
    campaign_id = fields.Integer()
    effective = fields.Nested(EffectiveSchema)


class EditedSchema(Schema):
    contact = fields.Nested(ContactSchema)
    push = fields.Nested(PushSchema, allow_none=True)


class ActivityOutSchema(Schema):
    activity_id = fields.Integer()
    stage = fields.String()
    push = fields.Nested(PushSchema, allow_none=True)


class PermissionSchema(Schema):
    allowed = fields.Boolean()
    reason = fields.String()


class PushQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(PUSH_STATUSES))
    contact_id = Id()
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class LookupOutSchema(Schema):
    contact = fields.Dict(allow_none=True)
    itris = fields.Dict()
    company = fields.Dict()
    effective = fields.Nested(EffectiveSchema)
    field_info = fields.Dict(attribute="fields", data_key="fields")
    sync = fields.Dict()
