"""Control endpoints under ``/_sandbox`` (not itris): reset, faults, records, stats, webhook.

No token needed and no faults applied: tests and demos drive the sandbox through these.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

import backend.itris.contract as c
from backend.sandbox.api import json_body
from backend.sandbox.errors import not_found
from backend.sandbox.state import current_state
from backend.sandbox.store import DUMP_KINDS
from backend.sandbox.validation import check_reset, check_webhook

CONTROL_PREFIX = "/_sandbox"

bp = Blueprint("sandbox_control", __name__, url_prefix=CONTROL_PREFIX)


@bp.post("/reset")
def reset():
    """Re-seed (same seed, same data) and clear faults, tokens, stats and the webhook."""
    options = check_reset(json_body())
    seed = options.pop("seed", 1)
    current_state().reset(seed, **options)
    return {"seed": seed, **current_state().store.counts()}


@bp.get("/faults")
def get_faults():
    return current_state().faults.current.as_json()


@bp.put("/faults")
def set_faults():
    return current_state().faults.update(json_body()).as_json()


@bp.get("/records/<kind>")
def records(kind: str):
    if kind not in DUMP_KINDS:
        raise not_found(f"No such kind {kind!r}; known: {', '.join(DUMP_KINDS)}.")
    return jsonify(current_state().store.dump(kind))


@bp.get("/stats")
def stats():
    return current_state().stats_snapshot()


@bp.put("/webhook")
def set_webhook():
    url, secret = check_webhook(json_body())
    current_state().webhooks.configure(url, secret)
    return {"url": url, "signed": bool(secret)}


@bp.post("/companies")
def bulk_load_companies():
    """Bulk-load ``[{name, location, website, ...}]`` (validated, all or none)."""
    created = current_state().store.bulk_create(c.RecordType.COMPANIES, json_body())
    return {"created": created}, 201
