"""People: add to a campaign, overrides, edits, CVs, activities, links, pushes, email gate."""

import base64

from backend import contacts
from backend.api import Blueprint
from backend.auth import current_user, login_required
from backend.schemas import contacts as s
from backend.sync import email_gate

blp = Blueprint("contacts", __name__, url_prefix="/api", description="People and their sync")


def _cv(body: dict | None) -> tuple[str, bytes] | None:
    if not body:
        return None
    return body["file_name"], base64.b64decode(body["content_base64"])


@blp.route("/campaigns/<int:campaign_id>/contacts", methods=["POST"])
@login_required
@blp.arguments(s.AddToCampaignSchema)
@blp.response(201, s.AddedSchema)
def add_to_campaign(body, campaign_id):
    """Add a person (from their profile) to a campaign."""
    ctx, push = contacts.add_to_campaign(
        current_user(),
        campaign_id,
        body["profile"],
        email=body.get("email"),
        fields=body.get("typed_fields"),
        sync_as=body.get("sync_as"),
        tags=body.get("tags"),
        cv=_cv(body.get("cv")),
    )
    return {
        "contact_id": ctx.contact.id,
        "contact": ctx.contact,
        "effective": ctx.choice.as_dict(),
        "push": push,
    }


@blp.route("/contacts/<int:contact_id>", methods=["GET"])
@login_required
@blp.response(200, s.ContactSchema)
def get_contact(contact_id):
    """Show one person."""
    return contacts.get(current_user().team_id, contact_id)


@blp.route("/contacts/<int:contact_id>", methods=["PATCH"])
@login_required
@blp.arguments(s.ContactEditSchema)
@blp.response(200, s.EditedSchema)
def edit_contact(body, contact_id):
    """Edit a person's fields; with sync_manual_updates the change follows to itris."""
    if "typed_fields" in body:
        body["fields"] = body.pop("typed_fields")
    contact, push = contacts.edit(current_user(), contact_id, body)
    return {"contact": contact, "push": push}


@blp.route("/contacts/<int:contact_id>/sync-override", methods=["PUT"])
@login_required
@blp.arguments(s.OverrideSchema)
@blp.response(200, s.OverrideOutSchema)
@blp.alt_response(409, description="the person is not in this campaign")
def sync_override(body, contact_id):
    """Save this person's own "sync as" and tags for a campaign."""
    ctx = contacts.set_override(
        current_user(), contact_id, body["campaign_id"], body.get("sync_as"), body.get("tags")
    )
    return {
        "contact_id": contact_id,
        "campaign_id": body["campaign_id"],
        "effective": ctx.choice.as_dict(),
    }


@blp.route("/contacts/<int:contact_id>/push", methods=["POST"])
@login_required
@blp.arguments(s.PushNowSchema)
@blp.response(202, s.PushSchema)
@blp.alt_response(422, description="mandatory fields are missing")
def push_now(body, contact_id):
    """Push a person to itris now."""
    return contacts.push_now(current_user(), contact_id, body.get("campaign_id"))


@blp.route("/contacts/<int:contact_id>/link", methods=["POST"])
@login_required
@blp.arguments(s.LinkSchema)
@blp.response(202, s.PushSchema)
def link(body, contact_id):
    """Resolve a possible match: link an itris record, or create a new one."""
    if body.get("create_new"):
        return contacts.create_new(current_user(), contact_id)
    return contacts.link(current_user(), contact_id, body["itris_type"], body["itris_id"])


@blp.route("/contacts/<int:contact_id>/company", methods=["POST"])
@login_required
@blp.arguments(s.CompanyPickSchema)
@blp.response(200, s.EditedSchema)
def pick_company(body, contact_id):
    """Pick the person's itris company (remembered for the team)."""
    push = contacts.pick_company(current_user(), contact_id, body["itris_company_id"])
    return {"contact": contacts.get(current_user().team_id, contact_id), "push": push}


@blp.route("/contacts/<int:contact_id>/cv", methods=["PUT"])
@login_required
@blp.arguments(s.CVSchema)
@blp.response(200, s.EditedSchema)
def attach_cv(body, contact_id):
    """Attach the person's CV."""
    contact, push = contacts.attach_cv(current_user(), contact_id, *_cv(body))
    return {"contact": contact, "push": push}


@blp.route("/contacts/<int:contact_id>/activities", methods=["POST"])
@login_required
@blp.arguments(s.ActivitySchema)
@blp.response(201, s.ActivityOutSchema)
def report_activity(body, contact_id):
    """Report an outreach event for a person."""
    activity, push = contacts.report_activity(current_user(), contact_id, **body)
    contact = contacts.get(current_user().team_id, contact_id)
    return {"activity_id": activity.id, "stage": contact.stage, "push": push}


@blp.route("/contacts/<int:contact_id>/email-permission", methods=["GET"])
@login_required
@blp.response(200, s.PermissionSchema)
def email_permission(contact_id):
    """May this person be emailed? Checked live against itris."""
    user = current_user()
    contact = contacts.get(user.team_id, contact_id)
    return email_gate.permission(contact, contacts.context(user, contact).effective)
