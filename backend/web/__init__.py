"""The admin web app at ``/app``: sign-in, the itris connection, settings, campaigns, sync log.

One page (``/app/``) and its ES modules — no build step, no CDN, no inline script or style —
talk to the REST API with the bearer token kept in ``sessionStorage``. The files live in
``static/`` and are served at ``/app/static/...`` and, for the page itself, under a
content-hashed path ``/app/assets/<version>/...`` that browsers may cache for good. Every
response of this blueprint carries a strict Content-Security-Policy.
``/app/vocabulary.json`` gives the page the settings' words (keys, allowed values, defaults)
from ``backend.settings`` so the two never drift apart.

Test ids (DESIGN §4 and ours):

- Integrations: ``itris-status`` (its text includes ``Connected`` when connected),
  ``itris-username``, ``itris-password``, ``itris-subdomain``, ``itris-activate``,
  ``itris-disconnect``, ``itris-error`` (why Activate failed), ``itris-last-error`` (why a
  stored connection is failing), ``itris-webhook-url``, ``itris-webhook-secret``.
- Settings: a ``setting-<key>`` control for every key of the settings document (DESIGN §2
  plus ``default_sync_as``, ``default_tags`` and ``default_contact_type_id``):

  * a yes/no setting is the ``<input type="checkbox">`` itself, a one-of setting the
    ``<select>`` itself;
  * a list or mapping setting (``displayed_fields``, ``note_channels``, ``update_policy``,
    ``field_mapping``, ``default_tags``, …) is the ``<fieldset>`` holding its controls: one
    checkbox per choice (``value`` = the choice), one ``<select>`` per mapped item (labelled
    by the item's name; ``data-item`` = its key), or a tag editor (text input + chips);
  * a per-type setting (the ``applicant``/``contact`` sections) has ONE ``setting-<key>``
    control, inside the visible tab panel (``data-sync-as`` says which type) of its section
    (``section-<id>``, ids ``contact-settings``, ``adding``, ``fields``, ``status``,
    ``notes``, ``mapping``, ``general``, ``advanced``); the section's Applicants / Contacts
    tabs (``tab-applicant`` / ``tab-contact``) switch what it edits, so ``setting-<key>`` is
    unique in the page;
  * every ``setting-<key>`` also carries ``data-setting`` = its dotted path
    (``company_warning``, ``contact.add_to_itris``);
  * beside each setting, for admins editing team settings, a ``lock-<key>`` checkbox (the
    same per-tab rule); a locked setting seen by a recruiter is disabled, marked
    ``data-locked="true"`` and badged ``locked-badge``; one with a personal default has a
    ``reset-<key>`` button; its field errors appear in ``error-<key>``;
  * ``settings-scope`` (admins: team settings / my defaults), ``settings-save``,
    ``settings-discard``, ``settings-save-status``, ``settings-errors`` (the error summary).
- Campaigns: ``campaign-new``, ``campaign-row`` (``data-campaign-id``), ``campaign-edit``,
  ``campaign-archive``, ``campaign-show-archived``; the pop-up ``campaign-dialog`` with
  ``campaign-name``, ``campaign-type``, ``campaign-sync-as``, ``campaign-sync-options-toggle``
  (the grey arrow), ``campaign-tags`` (its input: ``campaign-tag-input``; chips:
  ``campaign-tag``; the revealed panel: ``campaign-sync-options``), ``campaign-save``,
  ``campaign-cancel``, ``campaign-error``; row cells ``campaign-name-cell``,
  ``campaign-sync-as-cell``, ``campaign-tags-cell``; confirmations ``confirm-dialog`` with
  ``confirm-ok`` / ``confirm-cancel``.
- Sync log: ``sync-log-filter``, ``sync-log-chart``, ``sync-health``, ``sync-log-refresh``,
  ``push-row``
  (``data-push-id``, ``data-status``) with ``push-status``, ``push-person``,
  ``push-record-type``, ``push-reason`` and ``push-retry``.
- Everywhere: ``sign-in-email``, ``sign-in-password``, ``sign-in-submit``, ``sign-in-error``,
  ``signed-in-user``, ``sign-out``, ``announcer`` (the polite live region).
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from flask import Blueprint, jsonify, render_template, send_from_directory, url_for

from backend.models import PUSH_STATUSES
from backend.settings import store
from backend.settings import vocabulary as v
from backend.settings.schema import GENERAL_KEYS, LOCKABLE_KEYS, SECTION_KEYS_OF

STATIC = Path(__file__).resolve().parent / "static"
IMMUTABLE_MAX_AGE = 365 * 24 * 3600

bp = Blueprint(
    "web",
    __name__,
    url_prefix="/app",
    static_folder="static",
    template_folder="templates",
)

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


@bp.after_request
def _security_headers(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@functools.cache
def asset_version() -> str:
    """A digest of every static file: it changes whenever one of them does."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(STATIC).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def asset_url(filename: str) -> str:
    return url_for("web.asset", version=asset_version(), filename=filename)


@bp.get("/")
def index():
    """Serve the single page."""
    html = render_template("web/index.html", asset_url=asset_url)
    return html, 200, {"Cache-Control": "no-cache"}


@bp.get("/assets/<version>/<path:filename>")
def asset(version: str, filename: str):
    """Serve a static file under a versioned path, so browsers may keep it for good.

    ES modules import each other by relative URL, so the version in the page's path reaches
    every module. A stale version (an old page) gets today's file, not to be kept.
    """
    current = version == asset_version()
    response = send_from_directory(
        STATIC, filename, max_age=IMMUTABLE_MAX_AGE if current else 0, conditional=True
    )
    if current:
        response.cache_control.immutable = True
    return response


@bp.get("/vocabulary.json")
def vocabulary():
    """The settings' keys, allowed values and defaults, for the settings screen."""
    return jsonify(
        {
            "general_keys": list(GENERAL_KEYS),
            "section_keys": {sync_as: list(keys) for sync_as, keys in SECTION_KEYS_OF.items()},
            "lockable_keys": list(LOCKABLE_KEYS),
            "sync_as": list(v.SYNC_AS),
            "add_rules": list(v.ADD_RULES),
            "activity_types": list(v.ACTIVITY_TYPES),
            "channel_of": v.CHANNEL_OF,
            "channels": list(v.CHANNELS),
            "variables": list(v.VARIABLES),
            "person_fields": {key: list(names) for key, names in v.PERSON_FIELDS.items()},
            "update_policies": list(v.UPDATE_POLICIES),
            "default_update_policy": v.DEFAULT_UPDATE_POLICY,
            "company_info": list(v.COMPANY_INFO),
            "company_warnings": list(v.COMPANY_WARNINGS),
            "company_warning_details": list(v.COMPANY_WARNING_DETAILS),
            "campaign_types": list(v.CAMPAIGN_TYPES),
            "max_tags": v.MAX_TAGS,
            "max_tag_length": v.MAX_TAG_LENGTH,
            "push_statuses": list(PUSH_STATUSES),
            "defaults": store.defaults(),
        }
    )
