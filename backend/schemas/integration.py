from marshmallow import Schema, fields, validate


class ActivateSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(
        required=True, load_only=True, validate=validate.Length(min=1, max=500)
    )
    subdomain = fields.String(
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "an itris subdomain, or a full http(s) URL"},
    )


class ConnectionStatusSchema(Schema):
    status = fields.String(
        dump_only=True, validate=validate.OneOf(["connected", "disconnected", "error"])
    )
    subdomain = fields.String(dump_only=True, allow_none=True)
    base_url = fields.String(dump_only=True, allow_none=True)
    username = fields.String(dump_only=True, allow_none=True)
    connected_at = fields.DateTime(dump_only=True, allow_none=True)
    last_checked_at = fields.DateTime(dump_only=True, allow_none=True)
    last_error = fields.String(dump_only=True, allow_none=True)
    webhook_url = fields.String(
        dump_only=True, metadata={"description": "admins only: itris's webhook target"}
    )
    webhook_secret = fields.String(
        dump_only=True, metadata={"description": "admins only: the HMAC-SHA256 key for itris"}
    )


class ListItemSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class FieldInfoSchema(Schema):
    name = fields.String()
    label = fields.String()
    type = fields.String()
    required = fields.Boolean()


class PerTypeListSchema(Schema):
    applicant = fields.List(fields.Nested(ListItemSchema))
    contact = fields.List(fields.Nested(ListItemSchema))


class PerTypeFieldsSchema(Schema):
    applicant = fields.List(fields.Nested(FieldInfoSchema))
    contact = fields.List(fields.Nested(FieldInfoSchema))


class OptionsSchema(Schema):
    comment_categories = fields.List(fields.Nested(ListItemSchema))
    statuses = fields.Nested(PerTypeListSchema)
    contact_types = fields.List(fields.Nested(ListItemSchema))
    sectors = fields.List(fields.Nested(ListItemSchema))
    field_catalogue = fields.Nested(PerTypeFieldsSchema, attribute="fields", data_key="fields")


activate_schema = ActivateSchema()
connection_status_schema = ConnectionStatusSchema()
