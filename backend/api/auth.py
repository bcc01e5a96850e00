"""Sign in, sign out, and who am I."""

from flask import g, request

from backend import accounts
from backend.api import Blueprint
from backend.auth import current_user, login_required
from backend.schemas.auth import LoginSchema, TokenSchema, UserSchema

blp = Blueprint("auth", __name__, url_prefix="/api", description="Accounts and tokens")


@blp.route("/auth/login", methods=["POST"])
@blp.arguments(LoginSchema)
@blp.response(200, TokenSchema)
@blp.alt_response(401, description="Wrong email or password")
@blp.alt_response(429, description="Too many failed sign-ins for this email or address")
@blp.doc(security=[])
def login(body):
    """Exchange email and password for a bearer token."""
    token, user = accounts.login(body["email"], body["password"], request.remote_addr)
    return {"token": token, "user": user}


@blp.route("/auth/logout", methods=["POST"])
@login_required
@blp.response(204)
def logout():
    """Revoke the token used for this request."""
    accounts.revoke(g.token)


@blp.route("/me")
@login_required
@blp.response(200, UserSchema)
def me():
    """Return the signed-in user."""
    return current_user()
