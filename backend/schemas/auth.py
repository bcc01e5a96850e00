from marshmallow import Schema, fields, validate


class LoginSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=320))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    role = fields.String(dump_only=True)
    team_id = fields.Integer(dump_only=True)


class TokenSchema(Schema):
    token = fields.String(dump_only=True)
    user = fields.Nested(UserSchema, dump_only=True)


login_schema = LoginSchema()
user_schema = UserSchema()
token_schema = TokenSchema()
