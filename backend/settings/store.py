"""Team settings, admin locks and personal overrides, and the effective settings of a user.

A settings document has general keys and one section per "sync as" type (see
``schema``). The team's document is stored whole; a user's overrides name only the keys
they change. Locks are dotted keys: ``"company_warning"``, ``"applicant.add_to_itris"``, or
a whole section ``"applicant"``. The effective document is the team's with the user's
overrides laid over it for every key that is not locked.
"""

from __future__ import annotations

import copy

from marshmallow import ValidationError
from sqlalchemy import bindparam, literal, select
from sqlalchemy.exc import IntegrityError

from backend import connection
from backend.db import db
from backend.errors import ApiError
from backend.itris import contract as c
from backend.models import Team, TeamSettings, User, UserSettings
from backend.settings import vocabulary as v
from backend.settings.schema import (
    hidden_mandatory_fields,
    settings_schema,
    team_settings_schema,
)

# Opens and clicks are too frequent to be worth a note by default.
_QUIET_ACTIVITIES = ("email_opened", "email_clicked")


def defaults() -> dict:
    """The settings of a team whose admin has not saved any yet."""
    return {
        "sync_manual_updates": True,
        "block_off_limits_emails": True,
        "default_sync_as": "applicant",
        "default_tags": [],
        "displayed_company_info": ["status", "owner", "contact_count", "location"],
        "company_warning": "duplicates_and_similar",
        "company_warning_detail": "location",
        "dont_overwrite_cv": True,
        "applicant": _section_defaults("applicant"),
        "contact": _section_defaults("contact"),
    }


def _section_defaults(sync_as: str) -> dict:
    mapping = {
        c.FIRST_NAME: "first_name",
        c.LAST_NAME: "last_name",
        c.EMAIL_ADDRESS: "email",
        c.PHONE_NUMBER: "phone",
        c.JOB_TITLE: "title",
    }
    if sync_as == "applicant":
        # A contact's employer is its itris company (companyId), resolved separately.
        mapping[c.CURRENT_EMPLOYER] = "company"
    mapping |= {c.LOCATION: "location", c.WEB_ADDRESS: "linkedin_url", c.HEADLINE: "headline"}
    mandatory = [c.FIRST_NAME, c.LAST_NAME]
    if sync_as == "contact":
        mandatory.append(c.LOCATION)  # itris wants an address, postcode or location
    section = {
        "add_to_itris": "on_campaign_add",
        "only_notes_to_synced": False,
        "backfill_notes": True,
        "displayed_fields": list(mapping),
        "mandatory_fields": mandatory,
        "update_policy": {},
        "default_status_id": None,
        "note_activities": [kind for kind in v.ACTIVITY_TYPES if kind not in _QUIET_ACTIVITIES],
        "note_channels": list(v.CHANNELS),
        "note_type_mapping": {},
        "field_mapping": mapping,
    }
    if sync_as == "contact":
        section["default_contact_type_id"] = None
    return section


def section(doc: dict, sync_as: str) -> dict:
    """The per-type section of a settings document for ``sync_as``."""
    if sync_as not in v.SYNC_AS:
        raise ValueError(f"sync_as must be one of {', '.join(v.SYNC_AS)}, not {sync_as!r}")
    return doc[sync_as]


# --- Reading --------------------------------------------------------------------------------
def team_settings(team_id: int) -> dict:
    """The team's whole settings document: what the admin saved, over the defaults."""
    return _team(team_id)[0]


def team_locks(team_id: int) -> list[str]:
    """The keys the team's admin has locked against personal overrides."""
    return _team(team_id)[1]


def _team(team_id: int) -> tuple[dict, list[str]]:
    row = db.session.get(TeamSettings, team_id)
    if row is None:
        return defaults(), []
    return _overlay(defaults(), row.data), list(row.locks)


def user_overrides(user_id: int) -> dict:
    """The keys a user has set for themself (a partial settings document)."""
    row = db.session.get(UserSettings, user_id)
    return copy.deepcopy(row.data) if row is not None else {}


def effective(team_id: int, user_id: int | None) -> dict:
    """The settings a user works under: their overrides over the team's, locks respected."""
    return resolve(team_id, user_id)[0]


def resolve(team_id: int, user_id: int | None) -> tuple[dict, dict, list[str], dict]:
    """``(effective, team, locks, user overrides)``, in one read of the database."""
    team_data, team_locks, user_data = _documents(team_id, user_id)
    team = _overlay(defaults(), team_data or {})
    locks = list(team_locks or [])
    if user_id is None:
        return team, team, locks, {}
    overrides = user_data or {}
    merged = _apply_overrides(team, overrides, locks)
    for sync_as in v.SYNC_AS:
        # A field the user must fill in is always one they can see, whoever changed what.
        merged[sync_as]["displayed_fields"] += hidden_mandatory_fields(merged[sync_as])
    return merged, team, locks, overrides


def _documents(team_id: int, user_id: int | None) -> tuple[dict | None, list | None, dict | None]:
    """What the team saved (settings, locks) and the user's overrides: None where nothing is."""
    if user_id is None:
        row = db.session.execute(_TEAM_DOCUMENTS, {"team_id": team_id}).first()
    else:
        row = db.session.execute(_DOCUMENTS, {"team_id": team_id, "user_id": user_id}).first()
    return tuple(row) if row is not None else (None, None, None)


# Built once (every request that applies settings reads them): the team's documents, and
# with them a user's overrides.
_TEAM_DOCUMENTS = (
    select(TeamSettings.data, TeamSettings.locks, literal(None))
    .select_from(Team)
    .outerjoin(TeamSettings, TeamSettings.team_id == Team.id)
    .where(Team.id == bindparam("team_id"))
)
_DOCUMENTS = (
    select(TeamSettings.data, TeamSettings.locks, UserSettings.data)
    .select_from(Team)
    .outerjoin(TeamSettings, TeamSettings.team_id == Team.id)
    .outerjoin(UserSettings, UserSettings.user_id == bindparam("user_id"))
    .where(Team.id == bindparam("team_id"))
)


def overview(team_id: int, user_id: int) -> dict:
    """Everything the settings screen shows: ``{team, user, effective, locks}``."""
    merged, team, locks, overrides = resolve(team_id, user_id)
    return {"team": team, "user": overrides, "effective": merged, "locks": locks}


# --- Writing --------------------------------------------------------------------------------
def replace_team_settings(team_id: int, doc: dict, locks: list[str] | None = None) -> None:
    """Validate and store the team's settings whole; ``locks=None`` keeps the current locks.

    A key missing from ``doc`` takes its default. Errors (400) nest as the PUT body does:
    ``{"team": {"applicant": {"mandatory_fields": [...]}}, "locks": {...}}``.

    itris ids (comment categories, statuses, contact types) are checked against the team's
    itris lists when it is connected. When it is not, there is nothing to check them against,
    so they are accepted as given.
    """
    if locks is None:
        locks = team_locks(team_id)
    whole = _overlay(defaults(), doc) if isinstance(doc, dict) else doc
    try:
        loaded = team_settings_schema.load({"team": whole, "locks": locks})
    except ValidationError as exc:
        raise _invalid(exc.messages) from exc
    unknown = _unknown_itris_ids(team_id, loaded["team"])
    if unknown:
        raise _invalid({"team": unknown})
    _upsert(TeamSettings, team_id=team_id, data=loaded["team"], locks=loaded.get("locks", []))


def replace_user_overrides(user: User, doc: dict) -> None:
    """Validate and store a user's personal overrides, replacing the previous ones.

    A key the admin locked is refused (403, naming it). As for the team, itris ids are only
    checked when the team is connected to itris.
    """
    try:
        loaded = settings_schema.load(doc)
    except ValidationError as exc:
        raise _invalid(exc.messages) from exc
    team, locks = _team(user.team_id)
    locked = _locked_keys(loaded, locks)
    if locked:
        raise ApiError(
            403,
            f"Your team admin has locked {', '.join(locked)}; only they can change it.",
            _nest({key: ["Locked by your team admin."] for key in locked}),
        )
    errors = _hidden_mandatory_errors(_apply_overrides(team, loaded, locks), loaded)
    errors = _merge_errors(errors, _unknown_itris_ids(user.team_id, loaded))
    if errors:
        raise _invalid(errors)
    _upsert(UserSettings, user_id=user.id, data=loaded)


# --- Helpers --------------------------------------------------------------------------------
def _overlay(base: dict, over: dict) -> dict:
    """``base`` with ``over``'s keys laid on it; per-type sections merge key by key."""
    merged = copy.deepcopy(base)
    for key, value in over.items():
        if key in v.SYNC_AS and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key].update(copy.deepcopy(value))
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _apply_overrides(team: dict, overrides: dict, locks: list[str]) -> dict:
    """The team's document with every unlocked override applied (locked ones ignored)."""
    locked = set(locks)
    merged = copy.deepcopy(team)
    for key, value in overrides.items():
        if key not in merged or key in locked:
            continue
        if key in v.SYNC_AS:
            for name, item in value.items():
                if f"{key}.{name}" not in locked:
                    merged[key][name] = copy.deepcopy(item)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _locked_keys(overrides: dict, locks: list[str]) -> list[str]:
    """The dotted keys of ``overrides`` that ``locks`` forbid."""
    locked = set(locks)
    found = []
    for key, value in overrides.items():
        if key in v.SYNC_AS:
            found += [
                f"{key}.{name}" for name in value if key in locked or f"{key}.{name}" in locked
            ]
        elif key in locked:
            found.append(key)
    return found


def _hidden_mandatory_errors(merged: dict, overrides: dict) -> dict:
    """Errors for sections whose mandatory fields the user's overrides would hide."""
    errors = {}
    for sync_as in v.SYNC_AS:
        hidden = hidden_mandatory_fields(merged[sync_as])
        if not hidden:
            continue
        named = ", ".join(hidden)
        if "mandatory_fields" in overrides.get(sync_as, {}):
            errors[sync_as] = {
                "mandatory_fields": [f"Mandatory fields must also be displayed: {named}."]
            }
        else:
            errors[sync_as] = {"displayed_fields": [f"Must include the mandatory fields: {named}."]}
    return errors


def _unknown_itris_ids(team_id: int, doc: dict) -> dict:
    """Errors for ids in ``doc`` that are not in the team's itris lists (when connected)."""
    if not _itris_ids_in(doc) or connection.get(team_id) is None:
        return {}
    try:
        lists = connection.options(team_id)
    except ApiError as exc:
        raise ApiError(
            exc.code, f"The itris ids in these settings could not be checked: {exc.description}"
        ) from exc
    categories = _ids(lists["comment_categories"])
    contact_types = _ids(lists["contact_types"])
    errors: dict = {}
    for sync_as in v.SYNC_AS:
        part = doc.get(sync_as) or {}
        found: dict = {}
        bad_categories = {
            kind: [f"Unknown itris comment category: {category}."]
            for kind, category in part.get("note_type_mapping", {}).items()
            if category not in categories
        }
        if bad_categories:
            found["note_type_mapping"] = bad_categories
        status = part.get("default_status_id")
        if status is not None and status not in _ids(lists["statuses"][sync_as]):
            found["default_status_id"] = [f"Unknown itris {sync_as} status: {status}."]
        contact_type = part.get("default_contact_type_id")
        if contact_type is not None and contact_type not in contact_types:
            found["default_contact_type_id"] = [f"Unknown itris contact type: {contact_type}."]
        if found:
            errors[sync_as] = found
    return errors


def _itris_ids_in(doc: dict) -> bool:
    for sync_as in v.SYNC_AS:
        part = doc.get(sync_as) or {}
        if part.get("note_type_mapping") or any(
            part.get(key) is not None for key in ("default_status_id", "default_contact_type_id")
        ):
            return True
    return False


def _ids(items: list[dict]) -> set[int]:
    return {item[c.ID] for item in items}


def _upsert(model, **values) -> None:
    """Insert or update one settings row by its primary key; commits."""
    (key_name,) = (column.key for column in model.__mapper__.primary_key)
    key = values[key_name]
    for attempt in range(2):
        row = db.session.get(model, key)
        if row is None:
            db.session.add(model(**values))
        else:
            for name, value in values.items():
                setattr(row, name, value)
        try:
            db.session.commit()
            return
        except IntegrityError:
            # Another request created the row first; update it instead.
            db.session.rollback()
            if attempt:
                raise


def _nest(flat: dict) -> dict:
    """``{"applicant.add_to_itris": x}`` → ``{"applicant": {"add_to_itris": x}}``."""
    nested: dict = {}
    for key, value in flat.items():
        head, _, rest = key.partition(".")
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            nested[head] = value
    return nested


def _merge_errors(first: dict, second: dict) -> dict:
    merged = copy.deepcopy(first)
    for key, value in second.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge_errors(merged[key], value)
        else:
            merged[key] = value
    return merged


def _invalid(messages: dict) -> ApiError:
    """A 400 naming every setting that was refused."""
    messages = _string_keys(messages)
    paths = ", ".join(_error_paths(messages))
    return ApiError(400, f"Invalid settings: {paths}.", messages)


def _error_paths(messages: dict, prefix: str = "") -> list[str]:
    paths = []
    for key, value in messages.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and key in ("team", *v.SYNC_AS):
            paths += _error_paths(value, f"{path}.")
        else:
            paths.append(path)
    return paths


def _string_keys(messages):
    # marshmallow keys list errors by index; JSON objects want string keys.
    if isinstance(messages, dict):
        return {str(key): _string_keys(value) for key, value in messages.items()}
    return messages
