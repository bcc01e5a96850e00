"""The one error body every failure has."""

from marshmallow import Schema, fields


class ErrorSchema(Schema):
    code = fields.Integer(required=True, metadata={"description": "the HTTP status"})
    message = fields.String(required=True)
    errors = fields.Dict(
        keys=fields.String(),
        required=True,
        metadata={"description": "messages per field (empty when none applies)"},
    )
