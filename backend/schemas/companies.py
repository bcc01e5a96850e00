"""Company warnings, the company mirror sync and itris webhook acknowledgements."""

from marshmallow import Schema, fields, validate

from backend.companies.warnings import INFO_FIELDS


class CompanyWarningsQuerySchema(Schema):
    name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "the company name as the profile shows it"},
    )


class CompanyInfoSchema(Schema):
    itris_id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True, allow_none=True)
    matched_by = fields.String(
        dump_only=True,
        validate=validate.OneOf(["alias", "exact"]),
        metadata={"description": "the team's remembered pick, or the one same-key company"},
    )
    status = fields.Raw(dump_only=True, allow_none=True)
    owner = fields.Integer(dump_only=True, allow_none=True)
    contact_count = fields.Integer(dump_only=True, allow_none=True)
    location = fields.String(dump_only=True, allow_none=True)
    website = fields.String(dump_only=True, allow_none=True)
    last_updated = fields.String(dump_only=True, allow_none=True)


class CompanyWarningSchema(Schema):
    itris_id = fields.Integer(dump_only=True)
    name = fields.String(dump_only=True)
    reason = fields.String(dump_only=True, validate=validate.OneOf(["duplicate", "similar"]))
    score = fields.Float(dump_only=True)
    detail = fields.String(
        dump_only=True,
        allow_none=True,
        metadata={"description": "the company_warning_detail attribute of this candidate"},
    )


class CompanyWarningsSchema(Schema):
    """The ``company`` part of a profile lookup."""

    info = fields.Nested(
        CompanyInfoSchema,
        dump_only=True,
        allow_none=True,
        metadata={"description": f"facts shown per displayed_company_info: {INFO_FIELDS}"},
    )
    warnings = fields.List(fields.Nested(CompanyWarningSchema), dump_only=True)


class CompanySyncRequestSchema(Schema):
    mode = fields.String(
        load_default="auto",
        validate=validate.OneOf(["auto", "full", "incremental"]),
        metadata={"description": "auto: full the first time, then changes since the last sync"},
    )


class CompanySyncSummarySchema(Schema):
    mode = fields.String(dump_only=True)
    fetched = fields.Integer(dump_only=True)
    created = fields.Integer(dump_only=True)
    updated = fields.Integer(dump_only=True)
    unchanged = fields.Integer(dump_only=True)
    removed = fields.Integer(dump_only=True)
    total = fields.Integer(dump_only=True)
    pages = fields.Integer(dump_only=True)
    modified_since = fields.DateTime(dump_only=True, allow_none=True)
    duration_s = fields.Float(dump_only=True)


class WebhookAckSchema(Schema):
    event = fields.String(dump_only=True, allow_none=True)
    result = fields.String(
        dump_only=True,
        metadata={"description": "created, updated, unchanged, forgotten or ignored"},
    )
