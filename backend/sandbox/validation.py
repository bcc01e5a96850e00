"""Request validation in itris's style: every problem named per field, all at once (400)."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

import backend.itris.contract as c
from backend.sandbox.errors import ApiError, FieldErrors
from backend.sandbox.fields import (
    BOOLEAN,
    INTEGER,
    SIZE,
    STRING,
    STRING_LIST,
    blank_record,
    field_type,
    iso,
    label,
    lookup_lists,
)

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
REQUIRED = "Field is required."
UNKNOWN = "Unknown field."


class Lookups(Protocol):
    """What validation needs to know about the store's current contents."""

    def list_ids(self, name: c.ListName) -> set[int]: ...

    def company_exists(self, company_id: int) -> bool: ...


def require_object(body: Any) -> dict:
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return body


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def type_problem(kind: str, value: Any) -> str | None:
    """Why ``value`` is not of ``kind`` (null clears a string or id), or None."""
    if kind == BOOLEAN:
        return None if isinstance(value, bool) else "Must be true or false."
    if kind == STRING_LIST:
        ok = isinstance(value, list) and all(isinstance(item, str) for item in value)
        return None if ok else "Must be a list of strings."
    if value is None:
        return None
    if kind == INTEGER:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else "Must be an integer."
    if kind == STRING:
        return None if isinstance(value, str) else "Must be a string."
    return None


def parse_instant(value: Any) -> str:
    """An ISO-8601 instant as the sandbox stores it (UTC, sortable); ValueError if not one."""
    if not isinstance(value, str):
        raise ValueError(value)
    moment = datetime.fromisoformat(value.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return iso(moment)


# --- Records --------------------------------------------------------------------------
def check_record(
    record_type: c.RecordType, body: Any, lookups: Lookups, existing: dict | None = None
) -> dict:
    """The accepted changes to a record (create when ``existing`` is None); 400 otherwise."""
    body = require_object(body)
    errors = FieldErrors()
    writable = c.WRITABLE_FIELDS[record_type]
    changes = {}
    for name, value in body.items():
        if name in c.READ_ONLY:
            errors.add(name, "Field is read-only.")
        elif name not in writable:
            errors.add(name, UNKNOWN)
        elif problem := type_problem(field_type(name), value):
            errors.add(name, problem)
        else:
            changes[name] = value

    for name, list_name in lookup_lists(record_type).items():
        value = changes.get(name)
        if value is not None and value not in lookups.list_ids(list_name):
            errors.add(name, f"{value} is not a known {label(name).lower()} ({list_name}).")
    company_id = changes.get(c.COMPANY_ID)
    if company_id is not None and not lookups.company_exists(company_id):
        errors.add(c.COMPANY_ID, f"Company {company_id} does not exist.")
    email = changes.get(c.EMAIL_ADDRESS)
    if not is_blank(email) and not EMAIL.match(email.strip()):
        errors.add(c.EMAIL_ADDRESS, "Not a valid email address.")

    merged = {**(existing or blank_record(record_type)), **changes}
    for name in c.REQUIRED_ON_CREATE[record_type]:
        if name not in errors and is_blank(merged.get(name)):
            errors.add(name, REQUIRED)
    if record_type == c.RecordType.CONTACTS and all(
        is_blank(merged.get(name)) for name in c.CONTACT_LOCATION_ONE_OF
    ):
        message = f"A contact needs one of {', '.join(c.CONTACT_LOCATION_ONE_OF)}."
        for name in c.CONTACT_LOCATION_ONE_OF:
            if name not in errors:
                errors.add(name, message)
    errors.raise_if_any()
    return changes


# --- Comments and attachments ---------------------------------------------------------
def check_comment(body: Any, category_ids: set[int], now: str) -> dict:
    """A new comment's ``{categoryId, text, commentDate}``; 400 if any is wrong."""
    body = require_object(body)
    errors = FieldErrors()
    for name in body:
        if name not in c.COMMENT_WRITABLE:
            errors.add(name, UNKNOWN)
    text = body.get(c.COMMENT_TEXT)
    if is_blank(text):
        errors.add(c.COMMENT_TEXT, REQUIRED)
    elif not isinstance(text, str):
        errors.add(c.COMMENT_TEXT, "Must be a string.")
    category_id = body.get(c.COMMENT_CATEGORY_ID)
    if problem := type_problem(INTEGER, category_id):
        errors.add(c.COMMENT_CATEGORY_ID, problem)
    elif category_id is not None and category_id not in category_ids:
        errors.add(
            c.COMMENT_CATEGORY_ID,
            f"{category_id} is not a known comment category ({c.ListName.COMMENT_CATEGORIES}).",
        )
    comment_date = now
    if body.get(c.COMMENT_DATE) is not None:
        try:
            comment_date = parse_instant(body[c.COMMENT_DATE])
        except ValueError:
            errors.add(c.COMMENT_DATE, "Must be an ISO-8601 date and time.")
    errors.raise_if_any()
    return {
        c.COMMENT_CATEGORY_ID: category_id,
        c.COMMENT_TEXT: text,
        c.COMMENT_DATE: comment_date,
    }


def check_file(
    body: Mapping, errors: FieldErrors, *, name_key: str, content_key: str, prefix: str = ""
) -> tuple[str, str, int] | None:
    """``(fileName, fileContent, size)`` of a base64 file, or None with errors added."""
    file_name, content = body.get(name_key), body.get(content_key)
    ok = True
    if is_blank(file_name) or not isinstance(file_name, str):
        errors.add(prefix + name_key, REQUIRED if is_blank(file_name) else "Must be a string.")
        ok = False
    size = 0
    if is_blank(content) or not isinstance(content, str):
        errors.add(prefix + content_key, REQUIRED if is_blank(content) else "Must be a string.")
        ok = False
    else:
        try:
            size = len(base64.b64decode(content, validate=True))
        except (binascii.Error, ValueError):
            errors.add(prefix + content_key, "Must be base64-encoded file content.")
            ok = False
        else:
            if size == 0:
                errors.add(prefix + content_key, "The file is empty.")
                ok = False
    return (file_name, content, size) if ok else None


def check_attachment(body: Any) -> dict:
    """A new attachment's ``{fileName, fileContent, systemType}`` plus its size."""
    body = require_object(body)
    errors = FieldErrors()
    known = (c.ATTACHMENT_FILE_NAME, c.ATTACHMENT_FILE_CONTENT, c.ATTACHMENT_SYSTEM_TYPE)
    for name in body:
        if name not in known:
            errors.add(name, UNKNOWN)
    checked = check_file(
        body, errors, name_key=c.ATTACHMENT_FILE_NAME, content_key=c.ATTACHMENT_FILE_CONTENT
    )
    system_type = body.get(c.ATTACHMENT_SYSTEM_TYPE)
    if system_type not in c.SYSTEM_TYPES:
        errors.add(c.ATTACHMENT_SYSTEM_TYPE, f"Must be one of {', '.join(c.SYSTEM_TYPES)}.")
    errors.raise_if_any()
    file_name, content, size = checked
    return new_attachment(file_name, content, system_type, size)


def new_attachment(file_name: str, content: str, system_type: str, size: int) -> dict:
    return {
        c.ATTACHMENT_FILE_NAME: file_name,
        c.ATTACHMENT_SYSTEM_TYPE: system_type,
        SIZE: size,
        c.ATTACHMENT_FILE_CONTENT: content,
    }


# --- The applicant inbox --------------------------------------------------------------
INBOX_PERSON_FIELDS = (c.FIRST_NAME, c.LAST_NAME, c.EMAIL_ADDRESS, c.PHONE_NUMBER, c.WEB_ADDRESS)


@dataclass(frozen=True)
class InboxSubmission:
    applicant_id: int | None
    fields: dict  # applicant fields to write (only those given)
    cv: dict | None  # a new CV attachment


def check_inbox(body: Any) -> InboxSubmission:
    """Read the documented inbox payload; 400 naming each wrong part (``cv.fileName``...)."""
    body = require_object(body)
    errors = FieldErrors()
    for name in body:
        if name not in c.INBOX_FIELDS:
            errors.add(name, UNKNOWN)
    fields = {}
    for name in INBOX_PERSON_FIELDS:
        value = body.get(name)
        if problem := type_problem(STRING, value):
            errors.add(name, problem)
        elif not is_blank(value):
            fields[name] = value

    applicant_id = body.get(c.INBOX_APPLICANT_ID)
    if problem := type_problem(INTEGER, applicant_id):
        errors.add(c.INBOX_APPLICANT_ID, problem)
    for name in (c.INBOX_APPLY_TO_JOB_IDS, c.INBOX_NOTIFY_USER_IDS):
        value = body.get(name)
        if value is not None and not (
            isinstance(value, list)
            and all(isinstance(item, int) and not isinstance(item, bool) for item in value)
        ):
            errors.add(name, "Must be a list of integers.")

    source = _inbox_object(body, c.INBOX_SOURCE, errors)
    if source is not None:
        source_keys = (c.INBOX_SOURCE_MEDIA_NAME, c.INBOX_SOURCE_MEDIA_CHANNEL_NAME)
        _unknown_keys(source, c.INBOX_SOURCE, source_keys, errors)
        parts = []
        for key in source_keys:
            value = source.get(key)
            if problem := type_problem(STRING, value):
                errors.add(f"{c.INBOX_SOURCE}.{key}", problem)
            elif not is_blank(value):
                parts.append(value.strip())
        if parts:
            fields[c.SOURCE] = " / ".join(parts)

    cv = None
    cv_body = _inbox_object(body, c.INBOX_CV, errors)
    if cv_body is not None:
        cv_keys = (c.INBOX_CV_FILE_NAME, c.INBOX_CV_FILE_CONTENT, c.INBOX_CV_FILE_DATETIME)
        _unknown_keys(cv_body, c.INBOX_CV, cv_keys, errors)
        checked = check_file(
            cv_body,
            errors,
            name_key=c.INBOX_CV_FILE_NAME,
            content_key=c.INBOX_CV_FILE_CONTENT,
            prefix=f"{c.INBOX_CV}.",
        )
        if cv_body.get(c.INBOX_CV_FILE_DATETIME) is not None:
            try:
                parse_instant(cv_body[c.INBOX_CV_FILE_DATETIME])
            except ValueError:
                errors.add(
                    f"{c.INBOX_CV}.{c.INBOX_CV_FILE_DATETIME}", "Must be an ISO-8601 date and time."
                )
        if checked:
            cv = new_attachment(*checked[:2], c.SYSTEM_TYPE_CV, checked[2])
    errors.raise_if_any()
    return InboxSubmission(applicant_id=applicant_id, fields=fields, cv=cv)


def _inbox_object(body: dict, name: str, errors: FieldErrors) -> dict | None:
    value = body.get(name)
    if value is not None and not isinstance(value, dict):
        errors.add(name, "Must be an object.")
        return None
    return value


def _unknown_keys(value: dict, parent: str, known: tuple, errors: FieldErrors) -> None:
    for key in value:
        if key not in known:
            errors.add(f"{parent}.{key}", UNKNOWN)


# --- Listing --------------------------------------------------------------------------
def parse_paging(args: Mapping[str, str]) -> tuple[int, int]:
    """``page`` (1-based) and ``pageSize`` (1..MAX_PAGE_SIZE) from the query; 400 if bad."""
    errors = FieldErrors()
    page = _int_arg(args, c.PAGE, 1, 1, None, errors)
    size = _int_arg(args, c.PAGE_SIZE, c.DEFAULT_PAGE_SIZE, 1, c.MAX_PAGE_SIZE, errors)
    errors.raise_if_any()
    return page, size


def _int_arg(args, name, default, low, high, errors: FieldErrors) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        errors.add(name, "Must be an integer.")
        return default
    if value < low or (high is not None and value > high):
        errors.add(name, f"Must be between {low} and {high}." if high else f"Must be >= {low}.")
    return value


def parse_filters(record_type: c.RecordType, args: Mapping[str, str]) -> dict[str, Any]:
    """The list filters in the query, typed; unknown or malformed ones are a 400."""
    errors = FieldErrors()
    allowed = c.LIST_FILTERS[record_type]
    filters: dict[str, Any] = {}
    for name in args:
        if name in (c.PAGE, c.PAGE_SIZE):
            continue
        value = args.get(name, "").strip()
        if name not in allowed:
            errors.add(name, f"Unknown filter for {record_type}.")
        elif not value:
            errors.add(name, "Must not be empty.")
        elif name == c.FILTER_COMPANY:
            try:
                filters[name] = int(value)
            except ValueError:
                errors.add(name, "Must be an integer.")
        elif name == c.FILTER_MODIFIED_SINCE:
            try:
                filters[name] = parse_instant(value)
            except ValueError:
                errors.add(name, "Must be an ISO-8601 date and time.")
        else:
            filters[name] = value.lower()
    errors.raise_if_any()
    return filters


# --- Control endpoints ----------------------------------------------------------------
RESET_FIELDS = ("seed", "companies", "applicants", "contacts")


def check_reset(body: Any) -> dict:
    """``{seed, companies, applicants, contacts}``, all optional non-negative integers."""
    body = require_object(body if body is not None else {})
    errors = FieldErrors()
    for name, value in body.items():
        if name not in RESET_FIELDS:
            errors.add(name, UNKNOWN)
        elif value is not None and (type_problem(INTEGER, value) or value < 0):
            errors.add(name, "Must be an integer >= 0.")
    errors.raise_if_any()
    return {name: body[name] for name in RESET_FIELDS if body.get(name) is not None}


def check_webhook(body: Any) -> tuple[str | None, str | None]:
    """``(url, secret)``: an http(s) URL or null (off), and an optional string secret."""
    body = require_object(body)
    errors = FieldErrors()
    for name in body:
        if name not in ("url", "secret"):
            errors.add(name, UNKNOWN)
    url, secret = body.get("url"), body.get("secret")
    if url is not None and not (isinstance(url, str) and re.match(r"^https?://\S+$", url)):
        errors.add("url", "Must be an http(s) URL, or null to switch webhooks off.")
    if secret is not None and not isinstance(secret, str):
        errors.add("secret", "Must be a string.")
    errors.raise_if_any()
    return url, secret
